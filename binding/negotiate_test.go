package binding

import (
	"bytes"
	"context"
	"crypto/x509"
	"errors"
	"strings"
	"testing"

	"github.com/soapstack/soapstack/internal/negotiate"
	"github.com/soapstack/soapstack/secureconv"
)

// negotiated returns WCF's default WS binding with NegotiateServiceCredential
// (the default) and the credential type set.
func negotiated(b Binding, cred CredentialType, sc bool) Binding {
	b.Security.Message.ClientCredentialType = cred
	b.Security.Message.EstablishSecurityContext = sc
	return b
}

// TestNegotiatedBindings runs the WCF defaults with NegotiateServiceCredential
// true (TLSNEGO) for each client credential type, with and without a secure
// conversation, Go client against Go handler over HTTP.
func TestNegotiatedBindings(t *testing.T) {
	k := loadPKI(t)
	clientCreds := Credentials{ClientCertificate: k.client, UserName: "alice", Password: "clarinet",
		TrustedRoots: []*x509.Certificate{k.ca.Cert}}
	serviceCreds := Credentials{ServiceCertificate: k.service, UserNameValidator: users(),
		TrustedRoots: []*x509.Certificate{k.ca.Cert}}
	const cert = "CN=soapstack-client,OU=interop tests,O=soapstack x509"
	tests := []struct {
		b      Binding
		want   string
		preset string
	}{
		{negotiated(WSHttpBinding(), CredentialNone, true), "anonymous session", "SecureConversation(AnonymousForSslNegotiated)"},
		{negotiated(WSHttpBinding(), CredentialUserName, true), "alice password session", "SecureConversation(UserNameForSslNegotiated)"},
		{negotiated(WSHttpBinding(), CredentialCertificate, true), cert + " session", "SecureConversation(MutualSslNegotiated)"},
		{negotiated(WSHttpBinding(), CredentialNone, false), "anonymous session", "AnonymousForSslNegotiated"},
		{negotiated(WSHttpBinding(), CredentialUserName, false), "alice password session", "UserNameForSslNegotiated"},
		{negotiated(WSHttpBinding(), CredentialCertificate, false), cert + " session", "MutualSslNegotiated"},
		{negotiated(WS2007HttpBinding(), CredentialNone, true), "anonymous session", "SecureConversation(AnonymousForSslNegotiated)"},
		{negotiated(WS2007HttpBinding(), CredentialUserName, true), "alice password session", "SecureConversation(UserNameForSslNegotiated)"},
		{negotiated(WS2007HttpBinding(), CredentialCertificate, true), cert + " session", "SecureConversation(MutualSslNegotiated)"},
		{negotiated(WS2007HttpBinding(), CredentialNone, false), "anonymous session", "AnonymousForSslNegotiated"},
		{negotiated(WS2007HttpBinding(), CredentialUserName, false), "alice password session", "UserNameForSslNegotiated"},
		{negotiated(WS2007HttpBinding(), CredentialCertificate, false), cert + " session", "MutualSslNegotiated"},
	}
	for _, tc := range tests {
		t.Run(tc.b.Name+"/"+tc.preset, func(t *testing.T) {
			p, err := tc.b.plan()
			if err != nil {
				t.Fatal(err)
			}
			if p.preset != tc.preset || !p.negotiate {
				t.Fatalf("plan: preset %q negotiate %v, want %q", p.preset, p.negotiate, tc.preset)
			}
			h, err := NewHandler(whoami(), tc.b, serviceCreds)
			if err != nil {
				t.Fatal(err)
			}
			srv, opts := startServer(t, h, false)
			c, err := NewClient(srv.URL+"/svc", tc.b, clientCreds, opts...)
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			for i := range 2 {
				got, err := call(ctx, c)
				if err != nil {
					t.Fatalf("call %d: %v", i, err)
				}
				if got != tc.want {
					t.Fatalf("call %d: the service saw %q, want %q", i, got, tc.want)
				}
			}
			if c.Session() == "" {
				t.Fatal("no session after the calls")
			}
			if err := c.Close(ctx); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestNegotiatedBindingRefusals: the client refuses a service certificate
// it does not trust or that names another host, and a service refuses a
// Certificate client without one; each error names its cause.
func TestNegotiatedBindingRefusals(t *testing.T) {
	k := loadPKI(t)
	serviceCreds := Credentials{ServiceCertificate: k.service, UserNameValidator: users(), TrustedRoots: []*x509.Certificate{k.ca.Cert}}
	b := negotiated(WSHttpBinding(), CredentialNone, true)
	h, err := NewHandler(whoami(), b, serviceCreds)
	if err != nil {
		t.Fatal(err)
	}
	srv, _ := startServer(t, h, false)
	ctx := context.Background()
	for _, tc := range []struct {
		name  string
		creds Credentials
		want  error
	}{
		{"untrusted service", Credentials{TrustedPeers: []*x509.Certificate{k.client.Cert}, Validation: PeerTrust}, negotiate.ErrMechanism},
		{"another DNS identity", Credentials{TrustedRoots: []*x509.Certificate{k.ca.Cert}, ServiceDNSIdentity: "other.example"}, negotiate.ErrServiceIdentity},
		{"pinned service certificate", Credentials{ServiceCertificate: publicOnly(k.service)}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := NewClient(srv.URL+"/svc", b, tc.creds)
			if err != nil {
				t.Fatal(err)
			}
			_, err = call(ctx, c)
			if !errors.Is(err, tc.want) || (tc.want == nil) != (err == nil) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
		})
	}
	t.Run("no trust for the service", func(t *testing.T) {
		_, err := NewClient(srv.URL+"/svc", b, Credentials{})
		if !errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), "Credentials.TrustedRoots") {
			t.Fatalf("got %v", err)
		}
	})
}

// TestNegotiatedBindingReliableAndCookies runs a negotiated session with a
// reliable session above it, and a negotiated token that is itself the
// session in cookie mode (any node of a farm with the key ring opens it).
func TestNegotiatedBindingReliableAndCookies(t *testing.T) {
	k := loadPKI(t)
	clientCreds := Credentials{UserName: "alice", Password: "clarinet", TrustedRoots: []*x509.Certificate{k.ca.Cert}}
	serviceCreds := Credentials{ServiceCertificate: k.service, UserNameValidator: users()}
	ring, err := secureconv.NewKeyRing(secureconv.RingKey{ID: 1, Secret: bytes.Repeat([]byte{7}, 32)})
	if err != nil {
		t.Fatal(err)
	}
	rm := negotiated(WS2007HttpBinding(), CredentialUserName, true)
	rm.ReliableSession.Enabled = true
	for _, tc := range []struct {
		name string
		b    Binding
		opts []HandlerOption
	}{
		{"reliable", rm, nil},
		{"cookies", negotiated(WSHttpBinding(), CredentialUserName, false), []HandlerOption{WithCookies(ring)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h, err := NewHandler(whoami(), tc.b, serviceCreds, tc.opts...)
			if err != nil {
				t.Fatal(err)
			}
			srv, _ := startServer(t, h, false)
			c, err := NewClient(srv.URL+"/svc", tc.b, clientCreds)
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			for i := range 3 {
				got, err := call(ctx, c)
				if err != nil {
					t.Fatalf("call %d: %v", i, err)
				}
				if got != "alice password session" {
					t.Fatalf("call %d: the service saw %q", i, got)
				}
			}
			if tc.b.ReliableSession.Enabled && c.Sequence() == "" {
				t.Fatal("no sequence")
			}
			if err := c.Close(ctx); err != nil {
				t.Fatal(err)
			}
		})
	}
}
