package wssecurity

import (
	"context"
	"strings"
	"testing"

	"github.com/soapstack/soapstack/internal/xmlenc"
	"github.com/soapstack/soapstack/soap"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestNameLimitInDecryptedContent: the parser's name-length limit holds for
// an encrypted Body as it does in clear: a name one byte over the limit
// (soap.DefaultMaxNameBytes, or Config.Limits.MaxNameBytes) is refused and
// the application does not run. The cause is the uniform xmlenc.ErrDecrypt
// (a parse failure of decrypted content must not tell a padding-oracle
// attacker more than a padding failure does).
func TestNameLimitInDecryptedContent(t *testing.T) {
	pki := newTestPKI(t)
	ccfg, scfg := pki.configs()
	n := strings.Repeat
	tests := []struct {
		name  string
		limit int // Config.Limits.MaxNameBytes of the server (0: default)
		add   func(m *soap.Message)
		ok    bool
	}{
		{"element name at the limit", 0, func(m *soap.Message) { m.Payload().CreateElement(n("n", soap.DefaultMaxNameBytes)) }, true},
		{"element name one over", 0, func(m *soap.Message) { m.Payload().CreateElement(n("n", soap.DefaultMaxNameBytes+1)) }, false},
		{"1 MiB element name", 0, func(m *soap.Message) { m.Payload().CreateElement(n("n", 1<<20)) }, false},
		{"512 KiB attribute name", 0, func(m *soap.Message) { m.Payload().CreateAttr(n("a", 512<<10), "v") }, false},
		{"long prefix", 0, func(m *soap.Message) {
			m.Payload().CreateElement(n("p", 4096)+":x").CreateAttr("xmlns:"+n("p", 4096), "urn:p")
		}, false},
		{"configured limit, at it", 64, func(m *soap.Message) { m.Payload().CreateElement(n("n", 64)) }, true},
		{"configured limit, one over", 64, func(m *soap.Message) { m.Payload().CreateElement(n("n", 65)) }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := scfg
			s.Limits.MaxNameBytes = tt.limit
			l := newLoop(t, AnonymousForCertificate(Basic256), ccfg, s)
			req := echoRequest(t, "x")
			tt.add(req)
			_, err := l.client.Call(context.Background(), req)
			if tt.ok {
				require.NoError(t, err)
				assert.Equal(t, int32(1), l.calls.Load())
				return
			}
			f, ok := soap.AsFault(err)
			require.True(t, ok, "want a fault, got %v", err)
			assert.Equal(t, FaultInvalidSecurity, f.Subcode().Local)
			assert.ErrorIs(t, f.Cause, xmlenc.ErrDecrypt)
			assert.Zero(t, l.calls.Load(), "the app must not run")
		})
	}
}
