package negotiate

import (
	"context"
	"crypto/tls"
	"log/slog"
	"testing"

	"github.com/soapstack/soapstack/internal/wstrust"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func tPair(t testing.TB, v wstrust.Version, p *tPKI, clientCert bool, maxClient, maxServer uint16) (*Initiator, *tWire) {
	t.Helper()
	ccfg := TLSClientConfig{Trust: p.trust(), DNSIdentity: "service.example", maxVersion: maxClient}
	if clientCert {
		ccfg.Certificate = p.client
	}
	newClient, err := NewTLSClient(ccfg)
	require.NoError(t, err)
	newServer, err := NewTLSServer(TLSServerConfig{Certificate: p.service, ClientTrust: p.trust(), maxVersion: maxServer})
	require.NoError(t, err)
	in, err := NewInitiator(InitiatorConfig{Version: v, NewMechanism: newClient, To: "https://service.example/svc"})
	require.NoError(t, err)
	acc, err := NewAcceptor(AcceptorConfig{Version: v, NewMechanism: newServer, Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	return in, &tWire{acc: acc, iss: &tIssuer{v: v}}
}

func TestTLSNegoGoToGo(t *testing.T) {
	p := newPKI(t)
	for _, v := range tVersions {
		for _, tc := range []struct {
			name       string
			clientCert bool
			max        uint16
		}{{"tls13", false, 0}, {"tls13-clientcert", true, 0}, {"tls12", false, tls.VersionTLS12}, {"tls12-clientcert", true, tls.VersionTLS12}} {
			t.Run(v.String()+"/"+tc.name, func(t *testing.T) {
				in, w := tPair(t, v, p, tc.clientCert, tc.max, 0)
				var legs int
				var final *rstr
				w.tap = func(req, resp []byte) {
					legs++
					l, err := parseLeg(v, body(t, resp))
					require.NoError(t, err)
					if l.Kind == kindRSTRC {
						final = l.First
					}
				}
				nt, err := in.Negotiate(context.Background(), w)
				require.NoError(t, err)
				assert.Equal(t, w.iss.key, nt.Key)
				assert.Len(t, nt.Key, 32)
				assert.NotNil(t, nt.Element)
				assert.Equal(t, 0, w.acc.Pending())
				if tc.clientCert {
					require.NotNil(t, w.iss.peer)
					assert.Equal(t, "client", w.iss.peer.Primary().Certificate.Subject.CommonName)
				} else {
					assert.Nil(t, w.iss.peer)
				}
				// Two round trips either way; TLS 1.2 ends with the server's
				// Finished in the last BinaryExchange, TLS 1.3 with none.
				assert.Equal(t, 2, legs)
				require.NotNil(t, final)
				assert.Equal(t, tc.max == tls.VersionTLS12, final.Exchange != nil)
			})
		}
	}
}

// BenchmarkTLSNegotiation measures one whole TLSNEGO negotiation, Go
// client and Go service, serialized as on the wire (ECDSA P-256
// certificates).
func BenchmarkTLSNegotiation(b *testing.B) {
	p := newPKI(b)
	for _, bc := range []struct {
		name string
		max  uint16
	}{{"tls13", 0}, {"tls12", tls.VersionTLS12}} {
		b.Run(bc.name, func(b *testing.B) {
			in, w := tPair(b, wstrust.V13, p, false, bc.max, 0)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := in.Negotiate(context.Background(), w); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
