package wssecurity

import (
	"context"
	"testing"
	"time"

	"github.com/soapstack/soapstack/soap"
)

// FuzzVerifyRequest feeds arbitrary envelopes to the receiver under
// several policies: it must never panic, and whatever it accepts must carry
// a Security header.
func FuzzVerifyRequest(f *testing.F) {
	pki := newTestPKI(f)
	ccfg, scfg := pki.configs()
	policies := []Policy{AnonymousForCertificate(Basic256), UserNameForCertificate(Basic128), MutualCertificate(WSS10, Basic256), signOnlyPolicy(), UserNameOverTransport()}
	dk := AnonymousForCertificate(Basic256)
	dk.ProtectionToken = serviceCert(true)
	policies = append(policies, dk)
	for _, p := range policies {
		m := echoRequest(f, "seed")
		if _, err := SecureRequest(context.Background(), p, &ccfg, m); err != nil {
			f.Fatal(err)
		}
		b, _ := m.Bytes()
		f.Add(b, uint8(0))
	}
	scfg.Replay = nil
	scfg.Now = func() time.Time { return time.Now() }
	f.Fuzz(func(t *testing.T, data []byte, pick uint8) {
		m, err := soap.ParseMessage(data, soap.Limits{MaxBytes: 1 << 20})
		if err != nil {
			return
		}
		p := policies[int(pick)%len(policies)]
		ex, err := VerifyRequest(context.Background(), p, &scfg, m)
		if err != nil {
			_ = uniformFault(err)
			return
		}
		if p.Binding != TransportBinding {
			if sec, _ := securityHeader(m); sec == nil {
				t.Fatal("accepted a message without a Security header")
			}
		}
		resp := echoRequest(t, "reply")
		_ = SecureReply(context.Background(), p, &scfg, ex, resp)
	})
}

// FuzzInspect runs the policy-free inspector on arbitrary envelopes.
func FuzzInspect(f *testing.F) {
	pki := newTestPKI(f)
	ccfg, _ := pki.configs()
	for _, p := range []Policy{AnonymousForCertificate(Basic256), MutualCertificate(WSS10, TripleDesRsa15)} {
		m := echoRequest(f, "seed")
		if _, err := SecureRequest(context.Background(), p, &ccfg, m); err != nil {
			f.Fatal(err)
		}
		b, _ := m.Bytes()
		f.Add(b)
	}
	opts := InspectOptions{Certificate: pki.service, Passwords: map[string]string{"alice": "clarinet"}}
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := soap.ParseMessage(data, soap.Limits{MaxBytes: 1 << 20})
		if err != nil {
			return
		}
		rep := Inspect(context.Background(), m, opts)
		if rep.Verified && len(rep.Errors) > 0 {
			t.Fatal("verified with errors")
		}
	})
}
