package binding

import (
	"context"
	"crypto/x509"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/beevik/etree"

	"github.com/soapstack/soapstack/secureconv"
	"github.com/soapstack/soapstack/soap"
	"github.com/soapstack/soapstack/wssecurity"
)

const (
	nsTest     = "urn:soapstack:binding:test"
	actionEcho = "urn:soapstack:binding:test/echo"
)

// pki loads the committed test certificates of interop/pki once per test.
type pki struct {
	service, client *wssecurity.Certificate
	ca              *wssecurity.Certificate
}

func loadPKI(t testing.TB) pki {
	t.Helper()
	svc, err := LoadPEM("../interop/pki/service.pem", "../interop/pki/service.key")
	if err != nil {
		t.Fatal(err)
	}
	cl, err := LoadPKCS12("../interop/pki/client.p12", "password")
	if err != nil {
		t.Fatal(err)
	}
	ca, err := LoadPEM("../interop/pki/ca.pem", "")
	if err != nil {
		t.Fatal(err)
	}
	return pki{service: svc, client: cl, ca: ca}
}

// publicOnly returns the certificate without its private key, as a client
// knows the service's.
func publicOnly(c *wssecurity.Certificate) *wssecurity.Certificate {
	return &wssecurity.Certificate{Cert: c.Cert}
}

func users() wssecurity.UsernameValidator {
	return &wssecurity.UsernameTokenVerifier{CheckPassword: func(_ context.Context, user, password string) error {
		if user == "alice" && password == "clarinet" {
			return nil
		}
		return wssecurity.ErrFailedAuthentication
	}}
}

// whoami answers every request with a description of the principal the
// security layers gave it.
func whoami() soap.Handler {
	return soap.HandlerFunc(func(ctx context.Context, req *soap.Message) (*soap.Message, error) {
		p, _ := soap.PrincipalFromContext(ctx)
		desc := "anonymous"
		if p.IsAuthenticated() {
			m := p.AuthenticationMethod()
			desc = p.Name() + " " + m[strings.LastIndex(m, "/")+1:]
		}
		if p != nil && p.Session != nil {
			desc += " session"
		}
		el := etree.NewElement("whoami")
		el.Space = "t"
		el.CreateAttr("xmlns:t", nsTest)
		el.SetText(desc)
		return soap.NewReply(req, actionEcho+"Response", el, nil)
	})
}

func call(ctx context.Context, c *Client) (string, error) { return echoText(ctx, c, "hi") }

// echoText sends text to the echo action and returns the reply's text.
func echoText(ctx context.Context, c *Client, text string) (string, error) {
	el := etree.NewElement("t:echo")
	el.CreateAttr("xmlns:t", nsTest)
	el.SetText(text)
	req, err := c.NewRequest(actionEcho, el)
	if err != nil {
		return "", err
	}
	resp, err := c.Call(ctx, req)
	if err != nil {
		return "", err
	}
	return resp.Payload().Text(), nil
}

// startServer serves h over TLS or plain HTTP until the test ends and
// returns the client options that reach it.
func startServer(t *testing.T, h http.Handler, tls bool) (*httptest.Server, []ClientOption) {
	t.Helper()
	if !tls {
		srv := httptest.NewServer(h)
		t.Cleanup(srv.Close)
		return srv, nil
	}
	srv := httptest.NewTLSServer(h)
	t.Cleanup(srv.Close)
	return srv, []ClientOption{WithHTTPClient(srv.Client())}
}

func wsHTTP(mode SecurityMode, cred CredentialType, sc bool) Binding {
	b := WSHttpBinding()
	b.Security.Mode = mode
	b.Security.Message.ClientCredentialType = cred
	b.Security.Message.NegotiateServiceCredential = false
	b.Security.Message.EstablishSecurityContext = sc
	return b
}

func ws2007HTTP(mode SecurityMode, cred CredentialType, sc bool) Binding {
	b := wsHTTP(mode, cred, sc)
	b.Name, b.kind, b.SecureConversation = "ws2007HttpBinding", kindWS2007HTTP, secureconv.V13
	return b
}

func basicHTTP(mode SecurityMode, cred CredentialType) Binding {
	b := BasicHttpBinding()
	b.Security.Mode = mode
	b.Security.Message.ClientCredentialType = cred
	return b
}

// TestBindings runs a Go client against a Go handler for each binding
// combination and checks the principal the application sees.
func TestBindings(t *testing.T) {
	k := loadPKI(t)
	clientCreds := Credentials{ServiceCertificate: publicOnly(k.service), ClientCertificate: k.client,
		UserName: "alice", Password: "clarinet"}
	serviceCreds := Credentials{ServiceCertificate: k.service, UserNameValidator: users(),
		TrustedRoots: []*x509.Certificate{k.ca.Cert}}
	tests := []struct {
		name    string
		b       Binding
		tls     bool
		want    string
		preset  string
		session bool
	}{
		{"BasicHttp/None", BasicHttpBinding(), false, "anonymous", "", false},
		{"BasicHttp/TransportWithMessageCredential/UserName", basicHTTP(ModeTransportWithMessageCredential, CredentialUserName), true, "alice password", "UserNameOverTransport", false},
		{"BasicHttp/Message/Certificate", basicHTTP(ModeMessage, CredentialCertificate), false, "CN=soapstack-client,OU=interop tests,O=soapstack x509", "MutualCertificate10", false},
		{"WSHttp/Transport", wsHTTP(ModeTransport, CredentialNone, false), true, "anonymous", "", false},
		{"WSHttp/Message/None", wsHTTP(ModeMessage, CredentialNone, false), false, "anonymous", "AnonymousForCertificate", false},
		{"WSHttp/Message/UserName", wsHTTP(ModeMessage, CredentialUserName, false), false, "alice password", "UserNameForCertificate", false},
		{"WSHttp/Message/UserName/SecureConversation", wsHTTP(ModeMessage, CredentialUserName, true), false, "alice password session", "SecureConversation(UserNameForCertificate)", true},
		{"WSHttp/Message/Certificate", wsHTTP(ModeMessage, CredentialCertificate, false), false, "CN=soapstack-client,OU=interop tests,O=soapstack x509", "MutualCertificate", false},
		{"WSHttp/Message/Certificate/SecureConversation", wsHTTP(ModeMessage, CredentialCertificate, true), false, "CN=soapstack-client,OU=interop tests,O=soapstack x509 session", "SecureConversation(MutualCertificate)", true},
		{"WSHttp/Message/None/SecureConversation", wsHTTP(ModeMessage, CredentialNone, true), false, "anonymous session", "SecureConversation(AnonymousForCertificate)", true},
		{"WS2007Http/Message/UserName/SecureConversation", ws2007HTTP(ModeMessage, CredentialUserName, true), false, "alice password session", "SecureConversation(UserNameForCertificate)", true},
		{"WS2007Http/TransportWithMessageCredential/UserName", ws2007HTTP(ModeTransportWithMessageCredential, CredentialUserName, false), true, "alice password", "UserNameOverTransport", false},
		{"WS2007Http/TransportWithMessageCredential/UserName/SecureConversation", ws2007HTTP(ModeTransportWithMessageCredential, CredentialUserName, true), true, "alice password session", "SecureConversation(UserNameOverTransport)", true},
		{"WS2007Http/TransportWithMessageCredential/Certificate", ws2007HTTP(ModeTransportWithMessageCredential, CredentialCertificate, false), true, "CN=soapstack-client,OU=interop tests,O=soapstack x509", "CertificateOverTransport", false},
		{"WS2007Http/TransportWithMessageCredential/Certificate/SecureConversation", ws2007HTTP(ModeTransportWithMessageCredential, CredentialCertificate, true), true, "CN=soapstack-client,OU=interop tests,O=soapstack x509 session", "SecureConversation(CertificateOverTransport)", true},
		{"BasicHttp/TransportWithMessageCredential/Certificate", basicHTTP(ModeTransportWithMessageCredential, CredentialCertificate), true, "CN=soapstack-client,OU=interop tests,O=soapstack x509", "CertificateOverTransport", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := tc.b.plan()
			if err != nil {
				t.Fatal(err)
			}
			if p.preset != tc.preset || (p.session != nil) != tc.session || p.tls != tc.tls {
				t.Fatalf("plan: preset %q session %v tls %v, want %q %v %v", p.preset, p.session != nil, p.tls, tc.preset, tc.session, tc.tls)
			}
			h, err := NewHandler(whoami(), tc.b, serviceCreds)
			if err != nil {
				t.Fatal(err)
			}
			srv, opts := startServer(t, h, tc.tls)
			c, err := NewClient(srv.URL+"/svc", tc.b, clientCreds, opts...)
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			if err := c.Open(ctx); err != nil {
				t.Fatal(err)
			}
			for i := range 2 {
				got, err := call(ctx, c)
				if err != nil {
					t.Fatalf("call %d: %v", i, err)
				}
				if got != tc.want {
					t.Fatalf("call %d: the service saw %q, want %q", i, got, tc.want)
				}
			}
			if tc.session && c.Session() == "" {
				t.Fatal("no session after the calls")
			}
			if err := c.Close(ctx); err != nil {
				t.Fatal(err)
			}
		})
	}
}
