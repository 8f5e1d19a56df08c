package binding

import (
	"bytes"
	"context"
	"crypto/x509"
	"errors"
	"log/slog"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/soapstack/soapstack/soap"
	"github.com/soapstack/soapstack/wssecurity"
)

// TestConfigErrors checks that each misconfiguration is an error at
// construction that wraps ErrConfig (or ErrNotSupported) and names the
// field.
func TestConfigErrors(t *testing.T) {
	k := loadPKI(t)
	full := Credentials{ServiceCertificate: k.service, ClientCertificate: k.client, UserName: "alice",
		Password: "clarinet", UserNameValidator: users(), TrustedRoots: []*x509.Certificate{k.ca.Cert}}
	mutate := func(b Binding, f func(*Binding)) Binding { f(&b); return b }
	tests := []struct {
		name         string
		b            Binding
		creds        Credentials
		url          string
		server       bool
		notSupported bool
		field        string
	}{
		{"wsHttp defaults: Windows", WSHttpBinding(), full, "http://h/", false, false, "Credentials.Windows"},
		{"wsHttp defaults on the server", WSHttpBinding(), full, "", true, false, "Credentials.Windows.ServiceKeytab"},
		{"Windows without negotiation", mutate(WSHttpBinding(), func(b *Binding) { b.Security.Message.NegotiateServiceCredential = false }), full, "http://h/", false, true, "Kerberos token binding"},
		{"negotiation without trust for the service", mutate(WSHttpBinding(), func(b *Binding) { b.Security.Message.ClientCredentialType = CredentialUserName }), Credentials{UserName: "alice"}, "http://h/", false, false, "Credentials.TrustedRoots"},
		{"negotiation on basicHttp", mutate(basicHTTP(ModeMessage, CredentialCertificate), func(b *Binding) { b.Security.Message.NegotiateServiceCredential = true }), full, "http://h/", false, false, "basicHttpBinding has no negotiation"},
		{"negotiating service without its key", mutate(WSHttpBinding(), func(b *Binding) { b.Security.Message.ClientCredentialType = CredentialNone }), Credentials{ServiceCertificate: publicOnly(k.service)}, "", true, false, "Credentials.ServiceCertificate"},
		{"transport needs https", wsHTTP(ModeTransport, CredentialNone, false), full, "http://h/", false, false, "needs an https URL"},
		{"TWMC needs https", basicHTTP(ModeTransportWithMessageCredential, CredentialUserName), full, "http://h/", false, false, "needs an https URL"},
		{"bad url", BasicHttpBinding(), full, "ftp://h/", false, false, "url"},
		{"TWMC without a credential", wsHTTP(ModeTransportWithMessageCredential, CredentialNone, false), full, "https://h/", false, false, "ClientCredentialType None"},
		{"basicHttp message username", basicHTTP(ModeMessage, CredentialUserName), full, "http://h/", false, false, "ClientCredentialType UserName"},
		{"basicHttp session", mutate(basicHTTP(ModeTransportWithMessageCredential, CredentialUserName), func(b *Binding) { b.Security.Message.EstablishSecurityContext = true }), full, "https://h/", false, false, "EstablishSecurityContext"},
		{"unknown mode", mutate(BasicHttpBinding(), func(b *Binding) { b.Security.Mode = 9 }), full, "http://h/", false, false, "Security.Mode"},
		{"no suite", mutate(wsHTTP(ModeMessage, CredentialUserName, false), func(b *Binding) { b.Security.Message.AlgorithmSuite = 0 }), full, "http://h/", false, false, "AlgorithmSuite"},
		{"unknown SOAP", mutate(BasicHttpBinding(), func(b *Binding) { b.SOAP = 3 }), full, "http://h/", false, false, "SOAP"},
		{"client without service certificate", wsHTTP(ModeMessage, CredentialUserName, false), Credentials{UserName: "alice"}, "http://h/", false, false, "Credentials.ServiceCertificate"},
		{"client without user name", wsHTTP(ModeMessage, CredentialUserName, true), Credentials{ServiceCertificate: k.service}, "http://h/", false, false, "Credentials.UserName"},
		{"client without client certificate key", wsHTTP(ModeMessage, CredentialCertificate, false), Credentials{ServiceCertificate: k.service, ClientCertificate: publicOnly(k.client)}, "http://h/", false, false, "Credentials.ClientCertificate"},
		{"service without its key", wsHTTP(ModeMessage, CredentialNone, false), Credentials{ServiceCertificate: publicOnly(k.service)}, "", true, false, "Credentials.ServiceCertificate"},
		{"service without validator", wsHTTP(ModeMessage, CredentialUserName, false), Credentials{ServiceCertificate: k.service}, "", true, false, "Credentials.UserNameValidator"},
		{"service ChainTrust without roots", wsHTTP(ModeMessage, CredentialCertificate, false), Credentials{ServiceCertificate: k.service}, "", true, false, "Credentials.TrustedRoots"},
		{"service PeerTrust without peers", wsHTTP(ModeMessage, CredentialCertificate, false), Credentials{ServiceCertificate: k.service, Validation: PeerTrust, TrustedRoots: []*x509.Certificate{k.ca.Cert}}, "", true, false, "Credentials.TrustedPeers"},
		{"service unknown validation", wsHTTP(ModeMessage, CredentialCertificate, false), Credentials{ServiceCertificate: k.service, Validation: 7}, "", true, false, "Credentials.Validation"},
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
			if errors.Is(err, ErrNotSupported) != tc.notSupported {
				t.Fatalf("err = %v, ErrNotSupported %v, want %v", err, !tc.notSupported, tc.notSupported)
			}
			if !strings.Contains(err.Error(), tc.field) {
				t.Fatalf("err = %v, want it to name %q", err, tc.field)
			}
		})
	}
}

// TestPoliciesShareNothing: the policies of two plans, and the presets,
// share no pointers or slices: changing one changes no other.
func TestPoliciesShareNothing(t *testing.T) {
	b := wsHTTP(ModeMessage, CredentialUserName, true)
	p1, err := b.plan()
	if err != nil {
		t.Fatal(err)
	}
	p2, _ := b.plan()
	p1.message.ProtectionToken.DerivedKeys = false
	p1.message.Supporting[0].Role = wssecurity.Supporting
	p1.session.ProtectionToken.DerivedKeys = false
	p1.session.SignedParts.Headers[0].Local = "changed"
	if !p2.message.ProtectionToken.DerivedKeys || p2.message.Supporting[0].Role != wssecurity.SignedEncryptedSupporting ||
		!p2.session.ProtectionToken.DerivedKeys || p2.session.SignedParts.Headers[0].Local == "changed" {
		t.Fatal("two plans share policy pointers")
	}
	if p2.message.ProtectionToken == p2.session.ProtectionToken {
		t.Fatal("bootstrap and session share the protection token")
	}
	preset := wssecurity.UserNameForCertificate(wssecurity.Basic256)
	if preset.ProtectionToken.DerivedKeys || preset.Supporting[0].Role != wssecurity.SignedEncryptedSupporting {
		t.Fatal("a plan changed the preset")
	}
}

// syncBuffer is a log sink safe for the handler's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestRejections: requests the binding's security refuses get the fault
// WCF sends, and the service's log says which defence fired.
func TestRejections(t *testing.T) {
	k := loadPKI(t)
	deny := func(_ context.Context, action string, p *soap.Principal) error {
		if p.Name() == "alice" {
			return errors.New("alice may not call " + action)
		}
		return nil
	}
	tests := []struct {
		name      string
		b         Binding
		clientTLS bool // client and server over TLS
		hopts     []HandlerOption
		creds     Credentials
		subcode   string
		cause     string
	}{
		{"transport over plain HTTP", wsHTTP(ModeTransport, CredentialNone, false), false, nil,
			Credentials{}, wssecurity.FaultInvalidSecurity, "did not arrive over TLS"},
		{"username over plain HTTP", basicHTTP(ModeTransportWithMessageCredential, CredentialUserName), false, nil,
			Credentials{UserName: "alice", Password: "clarinet"}, wssecurity.FaultInvalidSecurity, "did not arrive over TLS"},
		{"wrong password", wsHTTP(ModeMessage, CredentialUserName, false), false, nil,
			Credentials{ServiceCertificate: publicOnly(k.service), UserName: "alice", Password: "oboe"}, wssecurity.FaultInvalidSecurity, "password rejected"},
		{"wrong password, session", ws2007HTTP(ModeMessage, CredentialUserName, true), false, nil,
			Credentials{ServiceCertificate: publicOnly(k.service), UserName: "alice", Password: "oboe"}, wssecurity.FaultInvalidSecurity, "password rejected"},
		{"untrusted client certificate", wsHTTP(ModeMessage, CredentialCertificate, false), false, nil,
			Credentials{ServiceCertificate: publicOnly(k.service), ClientCertificate: k.service}, wssecurity.FaultInvalidSecurity, "not trusted"},
		{"authorize refuses", wsHTTP(ModeMessage, CredentialUserName, false), false, []HandlerOption{WithAuthorize(deny)},
			Credentials{ServiceCertificate: publicOnly(k.service), UserName: "alice", Password: "clarinet"}, "FailedAuthentication", "alice may not call"},
		{"authorize refuses in a session", wsHTTP(ModeMessage, CredentialUserName, true), false, []HandlerOption{WithAuthorize(deny)},
			Credentials{ServiceCertificate: publicOnly(k.service), UserName: "alice", Password: "clarinet"}, "FailedAuthentication", "alice may not call"},
		{"transform refuses", basicHTTP(ModeTransportWithMessageCredential, CredentialUserName), true,
			[]HandlerOption{WithTransformClaims(func(context.Context, *soap.Principal) (*soap.Principal, error) {
				return nil, errors.New("no claims for you")
			})},
			Credentials{UserName: "alice", Password: "clarinet"}, "FailedAuthentication", "no claims for you"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var log syncBuffer
			logger := slog.New(slog.NewTextHandler(&log, &slog.HandlerOptions{Level: slog.LevelDebug}))
			// The service trusts only the CA's PeerTrust list (the client
			// certificate), so the service certificate used as a client
			// certificate is refused.
			svcCreds := Credentials{ServiceCertificate: k.service, UserNameValidator: users(),
				Validation: PeerTrust, TrustedPeers: []*x509.Certificate{k.client.Cert}}
			h, err := NewHandler(whoami(), tc.b, svcCreds, append(tc.hopts, WithLogger(logger))...)
			if err != nil {
				t.Fatal(err)
			}
			var srv *httptest.Server
			opts := []ClientOption{WithLogger(logger)}
			if tc.clientTLS {
				srv = httptest.NewTLSServer(h)
				opts = append(opts, WithHTTPClient(srv.Client()))
			} else {
				srv = httptest.NewServer(h)
				opts = append(opts, WithAllowInsecureTransport())
			}
			defer srv.Close()
			c, err := NewClient(srv.URL, tc.b, tc.creds, opts...)
			if err != nil {
				t.Fatal(err)
			}
			_, err = call(context.Background(), c)
			f, ok := soap.AsFault(err)
			if !ok {
				t.Fatalf("err = %v, want a fault", err)
			}
			if len(f.Subcodes) == 0 || f.Subcodes[0].Local != tc.subcode {
				t.Fatalf("fault %v, want subcode %s", f, tc.subcode)
			}
			if !strings.Contains(log.String(), tc.cause) {
				t.Fatalf("the service log does not name the cause %q:\n%s", tc.cause, log.String())
			}
		})
	}
}

// TestPrincipalHooks: WithTransformClaims adds a claim the application
// sees; WithAuthorize lets the others through.
func TestPrincipalHooks(t *testing.T) {
	k := loadPKI(t)
	for _, sc := range []bool{false, true} {
		b := wsHTTP(ModeMessage, CredentialUserName, sc)
		addRole := func(_ context.Context, p *soap.Principal) (*soap.Principal, error) {
			p = p.Clone()
			p.Identities[0].Claims = append(p.Identities[0].Claims, soap.Claim{Type: soap.ClaimRole, Value: "reader", Issuer: "test"})
			return p, nil
		}
		var sawRole bool
		var mu sync.Mutex
		app := soap.HandlerFunc(func(ctx context.Context, req *soap.Message) (*soap.Message, error) {
			p, _ := soap.PrincipalFromContext(ctx)
			mu.Lock()
			sawRole = p.HasClaim(soap.ClaimRole, "reader")
			mu.Unlock()
			return whoami().ServeSOAP(ctx, req)
		})
		h, err := NewHandler(app, b, Credentials{ServiceCertificate: k.service, UserNameValidator: users()},
			WithTransformClaims(addRole), WithAuthorize(func(context.Context, string, *soap.Principal) error { return nil }))
		if err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(h)
		c, err := NewClient(srv.URL, b, Credentials{ServiceCertificate: publicOnly(k.service), UserName: "alice", Password: "clarinet"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := call(context.Background(), c); err != nil {
			t.Fatal(err)
		}
		_ = c.Close(context.Background())
		srv.Close()
		mu.Lock()
		if !sawRole {
			t.Errorf("session %v: the application did not see the transformed principal", sc)
		}
		mu.Unlock()
	}
}

// TestPlanPolicies pins the policy details in which WCF's factories differ
// from the wssecurity presets the plans start from.
func TestPlanPolicies(t *testing.T) {
	tests := []struct {
		name     string
		b        Binding
		sigConf  bool
		derived  bool
		endorse  wssecurity.KeyReference // 0: no endorsing certificate
		sessionD bool
	}{
		{"AnonymousForCertificate", wsHTTP(ModeMessage, CredentialNone, false), true, true, 0, false},
		{"UserNameForCertificate", wsHTTP(ModeMessage, CredentialUserName, false), false, true, 0, false},
		{"MutualCertificate", wsHTTP(ModeMessage, CredentialCertificate, false), true, true, wssecurity.RefThumbprint, false},
		{"SecureConversation(UserNameForCertificate)", wsHTTP(ModeMessage, CredentialUserName, true), false, true, 0, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := tc.b.plan()
			if err != nil {
				t.Fatal(err)
			}
			m := p.message
			if m.RequireSignatureConfirmation != tc.sigConf || m.ProtectionToken.DerivedKeys != tc.derived {
				t.Fatalf("sigconf %v derived %v, want %v %v", m.RequireSignatureConfirmation, m.ProtectionToken.DerivedKeys, tc.sigConf, tc.derived)
			}
			if tc.endorse != 0 && (len(m.Supporting) != 1 || m.Supporting[0].Token.Reference != tc.endorse) {
				t.Fatalf("endorsing token %+v, want reference %v", m.Supporting, tc.endorse)
			}
			if tc.sessionD && (p.session.ProtectionToken.Kind != wssecurity.SecureConversationToken || !p.session.ProtectionToken.DerivedKeys || p.session.RequireSignatureConfirmation) {
				t.Fatalf("session policy %+v", p.session)
			}
			if err := m.Validate(); err != nil {
				t.Fatal(err)
			}
		})
	}
	if wssecurity.MutualCertificate(wssecurity.WSS11, wssecurity.Basic256).Supporting[0].Token.Reference != wssecurity.RefDirect {
		t.Fatal("the plan changed the MutualCertificate preset")
	}
}
