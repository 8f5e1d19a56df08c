package binding

import (
	"context"
	"crypto/x509"
	"errors"
	"strings"
	"testing"

	"github.com/soapstack/soapstack/secureconv"
	"github.com/soapstack/soapstack/wssecurity"
)

// customSC is a WS-SC 1.3 custom binding: a UserNameForCertificate-like
// bootstrap with derived keys and a session keyed by the SCT.
func customSC(t *testing.T) Binding {
	t.Helper()
	boot := wssecurity.UserNameForCertificate(wssecurity.Basic128)
	app := wssecurity.AnonymousForCertificate(wssecurity.Basic128)
	app.ProtectionToken = &wssecurity.Token{Kind: wssecurity.SecureConversationToken,
		Inclusion: wssecurity.IncludeAlwaysToRecipient, DerivedKeys: true}
	app.RequireSignatureConfirmation = false
	b := CustomBinding("plugfestSC")
	b.SecureConversation = secureconv.V13
	b.Security.Custom = &SecurityElement{Bootstrap: &boot, Policy: &app}
	return b
}

// TestCustomSecurity runs a Go client against a Go handler for custom
// security elements: one-shot policies no WCF binding builds, a secure
// conversation from explicit bootstrap and session policies, and a
// transport binding over HTTPS.
func TestCustomSecurity(t *testing.T) {
	k := loadPKI(t)
	clientCreds := Credentials{ServiceCertificate: publicOnly(k.service), ClientCertificate: k.client,
		UserName: "alice", Password: "clarinet", TrustedRoots: []*x509.Certificate{k.ca.Cert}}
	serviceCreds := Credentials{ServiceCertificate: k.service, UserNameValidator: users(),
		TrustedRoots: []*x509.Certificate{k.ca.Cert}}
	// The plugfest's MutualCertificate10 with SKI references: WCF's
	// presets reference by issuer and serial.
	mutual := wssecurity.MutualCertificate(wssecurity.WSS10, wssecurity.Basic256)
	mutual.RecipientToken.Reference = wssecurity.RefSKI
	mutual.SignedParts = wssecurity.Parts{Body: true}
	// A UsernameToken signed and encrypted under a symmetric binding with
	// derived keys and an encrypted signature.
	ux := wssecurity.UserNameForCertificate(wssecurity.Basic256)
	ux.ProtectionToken.DerivedKeys = true
	ux.EncryptSignature = true
	cot := wssecurity.CertificateOverTransport()
	tests := []struct {
		name string
		el   SecurityElement
		tls  bool
		want string
	}{
		{"MutualCertificate10 SKI", SecurityElement{Policy: &mutual}, false, "CN=soapstack-client,OU=interop tests,O=soapstack x509"},
		{"UserName derived keys encrypted signature", SecurityElement{Policy: &ux}, false, "alice password"},
		{"CertificateOverTransport", SecurityElement{Policy: &cot, HTTPS: true}, true, "CN=soapstack-client,OU=interop tests,O=soapstack x509"},
		{"SecureConversation", *customSC(t).Security.Custom, false, "alice password session"},
		{"SecureConversation NoCancellation", func() SecurityElement {
			el := *customSC(t).Security.Custom
			el.NoCancellation = true
			return el
		}(), false, "alice password session"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := CustomBinding("custom")
			el := tc.el
			b.Security.Custom = &el
			h, err := NewHandler(whoami(), b, serviceCreds)
			if err != nil {
				t.Fatal(err)
			}
			srv, opts := startServer(t, h, tc.tls)
			c, err := NewClient(srv.URL+"/svc", b, clientCreds, opts...)
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
			if el.Bootstrap != nil && c.Session() == "" {
				t.Fatal("no session after the calls")
			}
			if err := c.Close(ctx); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestCustomSecurityCopies: the element's policies are copied when the
// layers are built; changing them afterwards changes nothing.
func TestCustomSecurityCopies(t *testing.T) {
	b := customSC(t)
	p, err := b.plan()
	if err != nil {
		t.Fatal(err)
	}
	role := b.Security.Custom.Bootstrap.Supporting[0].Role
	b.Security.Custom.Policy.ProtectionToken.DerivedKeys = false
	b.Security.Custom.Bootstrap.Supporting[0].Role = wssecurity.Supporting
	if !p.session.ProtectionToken.DerivedKeys || p.message.Supporting[0].Role != role || role == wssecurity.Supporting {
		t.Fatal("the plan shares the element's policies")
	}
}

// TestCustomSecurityErrors: each misconfigured element is an error at
// construction that wraps ErrConfig and names what is wrong.
func TestCustomSecurityErrors(t *testing.T) {
	k := loadPKI(t)
	full := Credentials{ServiceCertificate: k.service, ClientCertificate: k.client, UserName: "alice",
		Password: "clarinet", UserNameValidator: users(), TrustedRoots: []*x509.Certificate{k.ca.Cert}}
	with := func(f func(b *Binding)) Binding { b := customSC(t); f(&b); return b }
	oneShot := func(p wssecurity.Policy) Binding {
		b := CustomBinding("custom")
		b.Security.Custom = &SecurityElement{Policy: &p}
		return b
	}
	sctOneShot := wssecurity.AnonymousForCertificate(wssecurity.Basic256)
	sctOneShot.ProtectionToken = &wssecurity.Token{Kind: wssecurity.SecureConversationToken, Inclusion: wssecurity.IncludeAlwaysToRecipient}
	badDK := wssecurity.UserNameOverTransport()
	badDK.Supporting[0].Token.DerivedKeys = true
	tests := []struct {
		name   string
		b      Binding
		creds  Credentials
		url    string
		server bool
		want   string
	}{
		{"not a custom binding", func() Binding {
			b := WSHttpBinding()
			b.Security.Custom = customSC(t).Security.Custom
			return b
		}(), full, "http://h/", false, "only a CustomBinding"},
		{"with a mode", with(func(b *Binding) { b.Security.Mode = ModeMessage }), full, "http://h/", false, "leave Security.Mode"},
		{"with EstablishSecurityContext", with(func(b *Binding) { b.Security.Message.EstablishSecurityContext = true }), full, "http://h/", false, "EstablishSecurityContext"},
		{"no policy", with(func(b *Binding) { b.Security.Custom = &SecurityElement{} }), full, "http://h/", false, "Security.Custom.Policy: required"},
		{"invalid policy", oneShot(badDK), full, "https://h/", false, "Security.Custom.Policy: wssecurity"},
		{"session token without bootstrap", oneShot(sctOneShot), full, "http://h/", false, "needs a secure conversation"},
		{"NoCancellation without bootstrap", func() Binding {
			b := oneShot(wssecurity.AnonymousForCertificate(wssecurity.Basic256))
			b.Security.Custom.NoCancellation = true
			return b
		}(), full, "http://h/", false, "Security.Custom.NoCancellation"},
		{"session without the session token", with(func(b *Binding) {
			p := wssecurity.AnonymousForCertificate(wssecurity.Basic256)
			b.Security.Custom = &SecurityElement{Bootstrap: b.Security.Custom.Bootstrap, Policy: &p}
		}), full, "http://h/", false, "must be a SecureConversationToken"},
		{"bootstrap with the session token", with(func(b *Binding) {
			b.Security.Custom = &SecurityElement{Bootstrap: b.Security.Custom.Policy, Policy: b.Security.Custom.Policy}
		}), full, "http://h/", false, "Security.Custom.Bootstrap: the bootstrap cannot use"},
		{"unknown SecureConversation", with(func(b *Binding) { b.SecureConversation = 0 }), full, "http://h/", false, "SecureConversation: unknown version"},
		{"transport policy over http", oneShot(wssecurity.UserNameOverTransport()), full, "http://h/", false, "set Security.Custom.HTTPS"},
		{"transport policy over http on the service", oneShot(wssecurity.UserNameOverTransport()), full, "", true, "set Security.Custom.HTTPS"},
		{"HTTPS with an http URL", func() Binding {
			b := oneShot(wssecurity.UserNameOverTransport())
			b.Security.Custom.HTTPS = true
			return b
		}(), full, "http://h/", false, "needs an https URL"},
		{"client without service certificate", customSC(t), Credentials{UserName: "alice"}, "http://h/", false, "Credentials.ServiceCertificate"},
		{"client without user name", customSC(t), Credentials{ServiceCertificate: k.service}, "http://h/", false, "Credentials.UserName"},
		{"client without client certificate", oneShot(wssecurity.MutualCertificate(wssecurity.WSS10, wssecurity.Basic256)), Credentials{ServiceCertificate: k.service}, "http://h/", false, "Credentials.ClientCertificate"},
		{"service without its key", customSC(t), Credentials{ServiceCertificate: publicOnly(k.service), UserNameValidator: users()}, "", true, "Credentials.ServiceCertificate"},
		{"service without validator", customSC(t), Credentials{ServiceCertificate: k.service}, "", true, "Credentials.UserNameValidator"},
		{"service without trust for client certificates", oneShot(wssecurity.MutualCertificate(wssecurity.WSS10, wssecurity.Basic256)), Credentials{ServiceCertificate: k.service}, "", true, "Credentials.TrustedRoots"},
		{"reliable session over one-shot security", func() Binding {
			b := oneShot(wssecurity.AnonymousForCertificate(wssecurity.Basic256))
			b.ReliableSession.Enabled = true
			return b
		}(), full, "http://h/", false, "needs a secure conversation"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var err error
			if tc.server {
				_, err = NewHandler(whoami(), tc.b, tc.creds)
			} else {
				_, err = NewClient(tc.url, tc.b, tc.creds)
			}
			if !errors.Is(err, ErrConfig) {
				t.Fatalf("err = %v, want ErrConfig", err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to say %q", err, tc.want)
			}
		})
	}
}
