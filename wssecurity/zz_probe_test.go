package wssecurity

import (
	"testing"

	"github.com/soapstack/soapstack/soap"
)

func TestProbeMixedVersion(t *testing.T) {
	pki := newTestPKI(t)
	ccfg, scfg := pki.configs()
	for _, local := range []string{"MessageID", "Action", "To"} {
		t.Run(local, func(t *testing.T) {
			tt := attackCase{name: local, policy: signOnlyPolicy(), want: ErrNotSigned, tamper: func(m *soap.Message) {
				h := newEl("w4:"+local, soap.NSWSA10)
				h.SetText("urn:uuid:1")
				m.Header.InsertChildAt(0, h)
			}}
			tt.run(t, ccfg, scfg)
		})
	}
}
