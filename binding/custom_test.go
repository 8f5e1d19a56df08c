package binding

import (
	"context"
	"crypto/x509"
	"encoding/xml"
	"errors"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/soapstack/soapstack/secureconv"
	"github.com/soapstack/soapstack/soap"
	"github.com/soapstack/soapstack/wssecurity"
)

// plugfestX is a policy no WCF preset produces: the plugfest's "X"
// scenario (symmetric binding on the service certificate, an endorsing
// client certificate by thumbprint, Basic128, Strict layout, the
// WS-Addressing 1.0 headers signed).
func plugfestX() wssecurity.Policy {
	var headers []xml.Name
	for _, l := range []string{"To", "Action", "MessageID", "ReplyTo", "RelatesTo"} {
		headers = append(headers, xml.Name{Space: soap.WSA10.Namespace(), Local: l})
	}
	return wssecurity.Policy{Binding: wssecurity.SymmetricBinding, WSS: wssecurity.WSS11, Suite: wssecurity.Basic128,
		Layout: wssecurity.Strict, IncludeTimestamp: true, Order: wssecurity.SignBeforeEncrypt,
		ProtectionToken: &wssecurity.Token{Kind: wssecurity.X509Token, Inclusion: wssecurity.IncludeNever, Reference: wssecurity.RefThumbprint, DerivedKeys: true},
		SignedParts:     wssecurity.Parts{Body: true, Headers: headers}, EncryptedParts: wssecurity.Parts{Body: true},
		Supporting: []wssecurity.SupportingToken{{Token: wssecurity.Token{Kind: wssecurity.X509Token,
			Inclusion: wssecurity.IncludeAlwaysToRecipient, Reference: wssecurity.RefThumbprint}, Role: wssecurity.EndorsingSupporting}}}
}

// plugfestSession is the session policy of the plugfest's "_XD": a
// symmetric binding on the SecurityContextToken with derived keys.
func plugfestSession() wssecurity.Policy {
	p := plugfestX()
	p.Layout, p.Supporting = wssecurity.Lax, nil
	p.ProtectionToken = &wssecurity.Token{Kind: wssecurity.SecureConversationToken, Inclusion: wssecurity.IncludeAlwaysToRecipient, DerivedKeys: true}
	return p
}

// overTransport is a UserNameOverTransport bootstrap and its session
// endorsing the Timestamp, as the plugfest's
// SecureConversation_UserNameOverTransport.
func overTransport() (wssecurity.Policy, wssecurity.Policy) {
	boot := wssecurity.UserNameOverTransport()
	boot.Suite, boot.Layout = wssecurity.Basic128, wssecurity.Strict
	session := wssecurity.Policy{Binding: wssecurity.TransportBinding, WSS: wssecurity.WSS11, Suite: wssecurity.Basic128,
		Layout: wssecurity.Lax, IncludeTimestamp: true,
		Supporting: []wssecurity.SupportingToken{{Token: wssecurity.Token{Kind: wssecurity.SecureConversationToken,
			Inclusion: wssecurity.IncludeAlwaysToRecipient}, Role: wssecurity.EndorsingSupporting}}}
	return boot, session
}

func custom(mode SecurityMode, e *SecurityElement) Binding {
	b := CustomBinding("plugfest")
	b.Security.Mode, b.Security.Element = mode, e
	return b
}

// TestCustomBindings runs a Go client against a Go handler for custom
// security elements and checks the principal the application sees, the
// plan's description, and whether Close cancelled the session.
func TestCustomBindings(t *testing.T) {
	k := loadPKI(t)
	clientCreds := Credentials{ServiceCertificate: publicOnly(k.service), ClientCertificate: k.client,
		UserName: "alice", Password: "clarinet"}
	serviceCreds := Credentials{ServiceCertificate: k.service, UserNameValidator: users(),
		TrustedRoots: []*x509.Certificate{k.ca.Cert}}
	boot, transportSession := overTransport()
	const cert = "CN=soapstack-client,OU=interop tests,O=soapstack x509"
	tests := []struct {
		name      string
		b         Binding
		tls       bool
		opts      []Option
		want      string
		describe  string
		cancelled bool
	}{
		{"Message", custom(ModeMessage, MessageSecurityElement(plugfestX())), false, nil, cert,
			"plugfest: security Message, Custom(SymmetricBinding) (Basic128), SOAP 1.2, WS-Addressing 1.0", false},
		{"SecureConversation/Cancel", custom(ModeMessage, SecureConversationElement(plugfestX(), plugfestSession(), true)), false, nil, cert + " session",
			"plugfest: security Message, SecureConversation(Custom(SymmetricBinding)) (Basic128), session WS-SC 1.3, SOAP 1.2, WS-Addressing 1.0", true},
		{"SecureConversation/CancelWithBootstrap", custom(ModeMessage, SecureConversationElement(plugfestX(), plugfestSession(), true)), false,
			[]Option{WithCancelWithBootstrap()}, cert + " session", "", true},
		{"SecureConversation/CancelSignedOnly", custom(ModeMessage, SecureConversationElement(plugfestX(), plugfestSession(), true)), false,
			[]Option{WithCancelSignedOnly()}, cert + " session", "", true},
		{"SecureConversation/NoCancel", custom(ModeMessage, SecureConversationElement(plugfestX(), plugfestSession(), false)), false, nil, cert + " session", "", false},
		{"TransportWithMessageCredential/SecureConversation", custom(ModeTransportWithMessageCredential, SecureConversationElement(boot, transportSession, true)), true, nil,
			"alice password session", "plugfest: security TransportWithMessageCredential, SecureConversation(Custom(TransportBinding)) (Basic128), session WS-SC 1.3, SOAP 1.2, WS-Addressing 1.0", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.describe != "" {
				d, err := tc.b.Describe()
				if err != nil || d != tc.describe {
					t.Fatalf("Describe = %q, %v; want %q", d, err, tc.describe)
				}
			}
			var cancelled atomic.Int32
			hopts := []HandlerOption{WithHooks(Hooks{Session: func(e SessionEvent) {
				if e.Kind == secureconv.EventCancelled {
					cancelled.Add(1)
				}
			}})}
			var copts []ClientOption
			for _, o := range tc.opts {
				hopts, copts = append(hopts, o), append(copts, o)
			}
			h, err := NewHandler(whoami(), tc.b, serviceCreds, hopts...)
			if err != nil {
				t.Fatal(err)
			}
			srv, o := startServer(t, h, tc.tls)
			c, err := NewClient(srv.URL+"/svc", tc.b, clientCreds, append(copts, o...)...)
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
			if err := c.Close(ctx); err != nil {
				t.Fatal(err)
			}
			if (cancelled.Load() == 1) != tc.cancelled {
				t.Fatalf("the service saw %d Cancel, want cancelled %v", cancelled.Load(), tc.cancelled)
			}
		})
	}
}

// TestCustomBindingContradictions checks that a custom security element
// that contradicts the binding's other settings is refused when the client
// and the handler are built, naming the field.
func TestCustomBindingContradictions(t *testing.T) {
	k := loadPKI(t)
	clientCreds := Credentials{ServiceCertificate: publicOnly(k.service), ClientCertificate: k.client}
	serviceCreds := Credentials{ServiceCertificate: k.service, TrustedRoots: []*x509.Certificate{k.ca.Cert}}
	boot, transportSession := overTransport()
	sc := SecureConversationElement(plugfestX(), plugfestSession(), true)
	with := func(b Binding, f func(*Binding)) Binding { f(&b); return b }
	tests := []struct {
		name       string
		b          Binding
		clientOpts []ClientOption
		want       string
		service    bool // the handler is refused too
	}{
		{"preset binding", with(WSHttpBinding(), func(b *Binding) { b.Security.Element = sc }), nil, "only a CustomBinding takes a security binding element", true},
		{"mode None", custom(ModeNone, sc), nil, "Security.Element needs Security.Mode Message or TransportWithMessageCredential, not None", true},
		{"mode Transport", custom(ModeTransport, sc), nil, "not Transport", true},
		{"client credential type", with(custom(ModeMessage, sc), func(b *Binding) { b.Security.Message.ClientCredentialType = CredentialCertificate }), nil,
			"ClientCredentialType Certificate contradicts Security.Element", true},
		{"establish security context", with(custom(ModeMessage, MessageSecurityElement(plugfestX())), func(b *Binding) { b.Security.Message.EstablishSecurityContext = true }), nil,
			"EstablishSecurityContext contradicts Security.Element", true},
		{"negotiate", with(custom(ModeMessage, sc), func(b *Binding) { b.Security.Message.NegotiateServiceCredential = true }), nil,
			"NegotiateServiceCredential", true},
		{"transport policy in Message mode", custom(ModeMessage, SecureConversationElement(boot, transportSession, true)), nil,
			"policy has a TransportBinding, which contradicts Security.Mode Message", true},
		{"message policy over transport", custom(ModeTransportWithMessageCredential, sc), nil,
			"policy has a SymmetricBinding, which contradicts Security.Mode TransportWithMessageCredential", true},
		{"session over transport under a message bootstrap", custom(ModeMessage, SecureConversationElement(plugfestX(), transportSession, true)), nil,
			"session policy has a TransportBinding", true},
		{"invalid policy", custom(ModeMessage, MessageSecurityElement(wssecurity.Policy{Binding: wssecurity.SymmetricBinding, Suite: wssecurity.Basic128})), nil,
			"Security.Element: policy:", true},
		{"empty element", custom(ModeMessage, &SecurityElement{}), nil, "Security.Element", true},
		{"unknown WS-SC version", with(custom(ModeMessage, sc), func(b *Binding) { b.SecureConversation = secureconv.Version(9) }), nil,
			"SecureConversation: unknown version 9", true},
		{"cancel with bootstrap without cancellation", custom(ModeMessage, SecureConversationElement(plugfestX(), plugfestSession(), false)),
			[]ClientOption{WithCancelWithBootstrap()}, "does not require cancellation", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewClient("https://127.0.0.1:1/svc", tc.b, clientCreds, tc.clientOpts...)
			if !errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("NewClient: %v, want ErrConfig with %q", err, tc.want)
			}
			_, err = NewHandler(whoami(), tc.b, serviceCreds)
			if tc.service && (!errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), tc.want)) {
				t.Fatalf("NewHandler: %v, want ErrConfig with %q", err, tc.want)
			}
			if !tc.service && err != nil {
				t.Fatalf("NewHandler: %v", err)
			}
		})
	}
}

// TestCustomBindingMissingCredentials checks that the credentials a custom
// element's policies need are asked for when the client and the handler
// are built.
func TestCustomBindingMissingCredentials(t *testing.T) {
	k := loadPKI(t)
	b := custom(ModeMessage, SecureConversationElement(plugfestX(), plugfestSession(), true))
	_, err := NewClient("http://127.0.0.1:1/svc", b, Credentials{ServiceCertificate: publicOnly(k.service)})
	if !errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), "Config.Certificate is required") {
		t.Fatalf("NewClient without the endorsing client certificate: %v", err)
	}
	_, err = NewHandler(whoami(), b, Credentials{ServiceCertificate: k.service})
	if !errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), "Security.Trust") {
		t.Fatalf("NewHandler without trusted roots: %v", err)
	}
	_, err = NewHandler(whoami(), custom(ModeMessage, MessageSecurityElement(plugfestX())), Credentials{ServiceCertificate: k.service})
	if !errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), "Config.Trust is required") {
		t.Fatalf("NewHandler of one-shot security without trusted roots: %v", err)
	}
}

// TestSecurityElementCopies checks that an element shares nothing with
// the policies it was built from or the ones it returns, and that building
// a reliable session on it (which adds the RM headers to the session's
// signed parts) leaves the element as it was.
func TestSecurityElementCopies(t *testing.T) {
	boot, session := plugfestX(), plugfestSession()
	e := SecureConversationElement(boot, session, true)
	boot.ProtectionToken.DerivedKeys = false
	boot.Supporting[0].Role = wssecurity.SignedSupporting
	boot.SignedParts.Headers[0].Local = "changed"
	session.ProtectionToken.Kind = wssecurity.X509Token
	got := e.Policy()
	if !got.ProtectionToken.DerivedKeys || got.Supporting[0].Role != wssecurity.EndorsingSupporting || got.SignedParts.Headers[0].Local == "changed" {
		t.Fatal("the element shares the bootstrap policy it was built from")
	}
	got.ProtectionToken.DerivedKeys = false
	if !e.Policy().ProtectionToken.DerivedKeys {
		t.Fatal("Policy returns the element's own token")
	}
	if s, ok := e.SessionPolicy(); !ok || s.ProtectionToken.Kind != wssecurity.SecureConversationToken {
		t.Fatal("the element shares the session policy it was built from")
	}
	b := custom(ModeMessage, e)
	b.ReliableSession.Enabled = true
	n := len(plugfestSession().SignedParts.Headers)
	for range 2 {
		p, err := b.plan()
		if err != nil {
			t.Fatal(err)
		}
		if len(p.session.SignedParts.Headers) != n+3 {
			t.Fatalf("the reliable session's plan signs %d headers, want %d", len(p.session.SignedParts.Headers), n+3)
		}
	}
	if s, _ := e.SessionPolicy(); len(s.SignedParts.Headers) != n {
		t.Fatalf("planning a reliable session changed the element: %d signed headers, want %d", len(s.SignedParts.Headers), n)
	}
}
