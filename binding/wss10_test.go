package binding

import (
	"context"
	"crypto/x509"
	"errors"
	"strings"
	"testing"

	"github.com/soapstack/soapstack/internal/wsstest"
	"github.com/soapstack/soapstack/wssecurity"
)

// withWSS returns b with its WS-Security version set to v.
func withWSS(b Binding, v wssecurity.WSSVersion) Binding {
	b.WSS = v
	return b
}

// TestWSS10BindingsSpeakWSS10 (issue 13): every binding whose
// WS-Security version is 1.0 (basicHttpBinding's message security,
// WCF's MutualCertificate10, and the WS bindings set to WSS10, sessions
// and negotiations included) writes no WS-Security 1.1 construct in any
// request or reply of the Go client and the Go service; the WCF presets
// WS-Security 1.0 cannot express are refused when built.
func TestWSS10BindingsSpeakWSS10(t *testing.T) {
	k := loadPKI(t)
	clientCreds := Credentials{ServiceCertificate: publicOnly(k.service), ClientCertificate: k.client,
		UserName: "alice", Password: "clarinet", TrustedRoots: []*x509.Certificate{k.ca.Cert}}
	serviceCreds := Credentials{ServiceCertificate: k.service, UserNameValidator: users(),
		TrustedRoots: []*x509.Certificate{k.ca.Cert}}
	const wss10 = wssecurity.WSS10
	tests := []struct {
		name   string
		b      Binding
		preset string
	}{
		{"BasicHttp/Message/Certificate", basicHTTP(ModeMessage, CredentialCertificate), "MutualCertificate10"},
		{"BasicHttp/TransportWithMessageCredential/UserName", basicHTTP(ModeTransportWithMessageCredential, CredentialUserName), "UserNameOverTransport"},
		{"BasicHttp/TransportWithMessageCredential/Certificate", basicHTTP(ModeTransportWithMessageCredential, CredentialCertificate), "CertificateOverTransport"},
		{"WSHttp/WSS10/Message/Certificate", withWSS(wsHTTP(ModeMessage, CredentialCertificate, false), wss10), "MutualCertificate10"},
		{"WSHttp/WSS10/Message/Certificate/SecureConversation", withWSS(wsHTTP(ModeMessage, CredentialCertificate, true), wss10), "SecureConversation(MutualCertificate10)"},
		{"WS2007Http/WSS10/Message/Certificate/SecureConversation", withWSS(ws2007HTTP(ModeMessage, CredentialCertificate, true), wss10), "SecureConversation(MutualCertificate10)"},
		{"WS2007Http/WSS10/TransportWithMessageCredential/UserName/SecureConversation", withWSS(ws2007HTTP(ModeTransportWithMessageCredential, CredentialUserName, true), wss10), "SecureConversation(UserNameOverTransport)"},
		{"WSHttp/WSS10/Negotiated/Certificate/SecureConversation", withWSS(negotiated(WSHttpBinding(), CredentialCertificate, true), wss10), "SecureConversation(MutualSslNegotiated)"},
		{"WS2007Http/WSS10/Negotiated/UserName", withWSS(negotiated(WS2007HttpBinding(), CredentialUserName, false), wss10), "UserNameForSslNegotiated"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := tc.b.plan()
			if err != nil {
				t.Fatal(err)
			}
			if p.preset != tc.preset {
				t.Fatalf("preset %q, want %q", p.preset, tc.preset)
			}
			for _, pol := range []*wssecurity.Policy{p.message, p.session} {
				if pol != nil && pol.WSS != wss10 {
					t.Fatalf("a policy of the plan is WS-Security %d", pol.WSS)
				}
			}
			insecure := WithAllowInsecureTransport() // loopback HTTP, TLS or not
			h, err := NewHandler(whoami(), tc.b, serviceCreds, insecure)
			if err != nil {
				t.Fatal(err)
			}
			srv, _ := startServer(t, h, false)
			log := &wsstest.WireLog{}
			c, err := NewClient(srv.URL+"/svc", tc.b, clientCreds, insecure, WithTransportLayer(log.Layer))
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			for i := range 2 {
				if _, err := call(ctx, c); err != nil {
					t.Fatalf("call %d: %v", i, err)
				}
			}
			if err := c.Close(ctx); err != nil {
				t.Fatal(err)
			}
			if len(log.Pairs()) < 2 {
				t.Fatalf("%d exchanges logged", len(log.Pairs()))
			}
			secured := 0
			for i, x := range log.Pairs() {
				for dir, msg := range map[string][]byte{"request": x.Request, "reply": x.Reply} {
					if err := wsstest.WSS11Constructs(msg, false); err != nil {
						t.Errorf("exchange %d (%s) %s: %v\n%s", i, x.Action, dir, err, msg)
					}
					if strings.Contains(string(msg), "wssecurity-secext-1.0.xsd") {
						secured++
					}
				}
			}
			if secured == 0 {
				t.Fatal("no message carried a Security header")
			}
		})
	}
	// The "for certificate" presets key a symmetric binding to the
	// service certificate, whose replies need EncryptedKeySHA1; WCF's
	// basicHttpBinding has no UserName message security either.
	for _, tc := range []struct {
		name string
		b    Binding
	}{
		{"WSHttp/WSS10/Message/UserName", withWSS(wsHTTP(ModeMessage, CredentialUserName, false), wss10)},
		{"WSHttp/WSS10/Message/None", withWSS(wsHTTP(ModeMessage, CredentialNone, true), wss10)},
		{"BasicHttp/Message/UserName", basicHTTP(ModeMessage, CredentialUserName)},
	} {
		t.Run("refused/"+tc.name, func(t *testing.T) {
			if _, err := NewHandler(whoami(), tc.b, serviceCreds); !errors.Is(err, ErrConfig) {
				t.Fatalf("NewHandler: %v, want ErrConfig", err)
			}
			if _, err := NewClient("http://127.0.0.1:1/svc", tc.b, clientCreds); !errors.Is(err, ErrConfig) {
				t.Fatalf("NewClient: %v, want ErrConfig", err)
			}
		})
	}
}
