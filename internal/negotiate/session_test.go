package negotiate

import (
	"context"
	"crypto/subtle"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/beevik/etree"
	"github.com/soapstack/soapstack/internal/wstrust"
	"github.com/soapstack/soapstack/secureconv"
	"github.com/soapstack/soapstack/soap"
	"github.com/soapstack/soapstack/wssecurity"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// tSessionPolicy is the policy on the negotiated or session token:
// WCF's symmetric binding on a SecurityContextToken with derived keys.
func tSessionPolicy() wssecurity.Policy {
	s := wssecurity.AnonymousForCertificate(wssecurity.Basic256)
	s.ProtectionToken = &wssecurity.Token{Kind: wssecurity.SecureConversationToken,
		Inclusion: wssecurity.IncludeAlwaysToRecipient, DerivedKeys: true}
	s.RequireSignatureConfirmation = false
	return s
}

// tHandlerWire serializes each message as HTTP would and runs it through h.
type tHandlerWire struct {
	h     soap.Handler
	calls []string
}

func (w *tHandlerWire) Call(ctx context.Context, req *soap.Message) (*soap.Message, error) {
	b, err := req.Bytes()
	if err != nil {
		return nil, err
	}
	in, err := soap.ParseMessage(b, soap.Limits{})
	if err != nil {
		return nil, err
	}
	w.calls = append(w.calls, in.Addressing.Action)
	resp, err := w.h.ServeSOAP(ctx, in)
	if err != nil {
		return nil, err
	}
	rb, err := resp.Bytes()
	if err != nil {
		return nil, err
	}
	return soap.ParseMessage(rb, soap.Limits{})
}

type tCred int

const (
	credNone tCred = iota
	credUserName
	credCertificate
)

func (c tCred) String() string { return [...]string{"None", "UserName", "Certificate"}[c] }

// tEcho answers with the caller's name.
func tEcho(ctx context.Context, req *soap.Message) (*soap.Message, error) {
	p, _ := soap.PrincipalFromContext(ctx)
	el := etree.NewElement("echo")
	el.CreateAttr("xmlns", "urn:test")
	el.SetText(p.Name() + ":" + req.Payload().Text())
	return soap.NewReply(req, "urn:test/EchoResponse", el, nil)
}

func TestTLSNegoSecureSession(t *testing.T) {
	p := newPKI(t)
	for _, v := range tVersions {
		for _, establish := range []bool{true, false} {
			for _, cred := range []tCred{credNone, credUserName, credCertificate} {
				if !establish && cred == credUserName {
					continue // the UsernameToken rides in the Issue; see the binding tests for every message
				}
				name := v.String() + "/" + cred.String()
				if establish {
					name += "/establishSecurityContext"
				}
				t.Run(name, func(t *testing.T) { tSession(t, p, v, establish, cred) })
			}
		}
	}
}

// tMechs overrides the TLS mechanisms of tSession (nil: Go's on both sides).
type tMechs struct {
	client, server func(ctx context.Context) (Mechanism, error)
}

func tSession(t *testing.T, p *tPKI, v wstrust.Version, establish bool, cred tCred, mechs ...tMechs) {
	ctx := context.Background()
	newServer, err := NewTLSServer(TLSServerConfig{Certificate: p.service, ClientTrust: p.trust(), RequireClientCertificate: cred == credCertificate})
	require.NoError(t, err)
	ccfg := TLSClientConfig{Trust: p.trust(), DNSIdentity: "service.example"}
	if cred == credCertificate {
		ccfg.Certificate = p.client
	}
	newClient, err := NewTLSClient(ccfg)
	require.NoError(t, err)
	for _, m := range mechs {
		if m.client != nil {
			newClient = m.client
		}
		if m.server != nil {
			newServer = m.server
		}
	}
	acc, err := NewAcceptor(AcceptorConfig{Version: v, NewMechanism: newServer})
	require.NoError(t, err)
	ini, err := NewInitiator(InitiatorConfig{Version: v, NewMechanism: newClient, To: "https://service.example/svc"})
	require.NoError(t, err)

	var boot wssecurity.Policy
	if establish {
		boot = tSessionPolicy()
		if cred == credUserName {
			boot.Supporting = []wssecurity.SupportingToken{{Token: wssecurity.Token{Kind: wssecurity.UsernameToken,
				Inclusion: wssecurity.IncludeAlwaysToRecipient}, Role: wssecurity.SignedEncryptedSupporting}}
		}
	}
	users := &wssecurity.UsernameTokenVerifier{CheckPassword: func(ctx context.Context, user, password string) error {
		if user != "alice" || subtle.ConstantTimeCompare([]byte(password), []byte("wonderland")) != 1 {
			return errors.New("wrong password")
		}
		return nil
	}}
	layer, err := secureconv.ServerLayer(secureconv.ServerConfig{Version: secureconv.Version(v), Bootstrap: boot, Negotiation: acc,
		Policy: tSessionPolicy(), Security: wssecurity.Config{Usernames: users}})
	require.NoError(t, err)
	wire := &tHandlerWire{h: layer(soap.HandlerFunc(tEcho))}
	sec := wssecurity.Config{}
	if cred == credUserName {
		sec.Username, sec.Password = "alice", "wonderland"
	}
	cl, err := secureconv.NewClient(wire, secureconv.ClientConfig{Version: secureconv.Version(v), Bootstrap: boot, Negotiator: ini,
		Policy: tSessionPolicy(), Security: sec, Cancel: true, To: "https://service.example/svc"})
	require.NoError(t, err)
	want := map[tCred]string{credNone: "", credUserName: "alice", credCertificate: "CN=client"}[cred]
	for i := 0; i < 2; i++ {
		el := etree.NewElement("echo")
		el.CreateAttr("xmlns", "urn:test")
		el.SetText("hello")
		req := soap.NewMessageWithBody(soap.V12, el)
		a, err := soap.RequestAddressing(soap.WSA10, "urn:test/Echo", "https://service.example/svc", nil)
		require.NoError(t, err)
		req.SetAddressing(a)
		resp, err := cl.Call(ctx, req)
		require.NoError(t, err)
		assert.Equal(t, want+":hello", resp.Payload().Text())
	}
	require.NoError(t, cl.Close(ctx))
	acts := actionsOf(v)
	wantCalls := []string{acts.RST, acts.RSTR}
	if establish {
		wantCalls = append(wantCalls, v.IssueAction())
	}
	wantCalls = append(wantCalls, "urn:test/Echo", "urn:test/Echo", v.CancelAction())
	assert.Equal(t, wantCalls, wire.calls)
}

// TestTLSNegoSessionRenegotiates: a negotiated token that is itself the
// session is replaced by a new negotiation once 60% of its lifetime has
// passed, never renewed (WCF renews only secure conversations).
func TestTLSNegoSessionRenegotiates(t *testing.T) {
	p := newPKI(t)
	v := wstrust.V13
	now := time.Now()
	clock := func() time.Time { return now }
	newServer, err := NewTLSServer(TLSServerConfig{Certificate: p.service})
	require.NoError(t, err)
	acc, err := NewAcceptor(AcceptorConfig{Version: v, NewMechanism: newServer, Now: clock})
	require.NoError(t, err)
	newClient, err := NewTLSClient(TLSClientConfig{Trust: p.trust(), DNSIdentity: "service.example"})
	require.NoError(t, err)
	ini, err := NewInitiator(InitiatorConfig{Version: v, NewMechanism: newClient, Now: clock})
	require.NoError(t, err)
	layer, err := secureconv.ServerLayer(secureconv.ServerConfig{Version: secureconv.Version(v), Negotiation: acc,
		Policy: tSessionPolicy(), Security: wssecurity.Config{Now: clock}})
	require.NoError(t, err)
	wire := &tHandlerWire{h: layer(soap.HandlerFunc(tEcho))}
	cl, err := secureconv.NewClient(wire, secureconv.ClientConfig{Version: secureconv.Version(v), Negotiator: ini,
		Policy: tSessionPolicy(), Security: wssecurity.Config{Now: clock}, To: "https://service.example/svc"})
	require.NoError(t, err)
	echo := func() {
		el := etree.NewElement("echo")
		el.CreateAttr("xmlns", "urn:test")
		req := soap.NewMessageWithBody(soap.V12, el)
		a, err := soap.RequestAddressing(soap.WSA10, "urn:test/Echo", "https://service.example/svc", nil)
		require.NoError(t, err)
		req.SetAddressing(a)
		_, err = cl.Call(context.Background(), req)
		require.NoError(t, err)
	}
	echo()
	first := cl.Session()
	now = now.Add(7 * time.Hour) // past 60% of the 10-hour lifetime
	echo()
	assert.NotEqual(t, first, cl.Session())
	acts := actionsOf(v)
	assert.Equal(t, []string{acts.RST, acts.RSTR, "urn:test/Echo", acts.RST, acts.RSTR, "urn:test/Echo"}, wire.calls)
	require.NoError(t, cl.Close(context.Background()))
}

// TestTLSNegoSecureSessionOpenSSL runs whole secure sessions whose
// negotiation's TLS is OpenSSL's on one side: the service's (Go client),
// then the client's (Go service), both WS-Trust versions, with a user name
// in the Issue and with a client certificate in the handshake.
func TestTLSNegoSecureSessionOpenSSL(t *testing.T) {
	p := newPKI(t)
	for _, v := range tVersions {
		for _, cred := range []tCred{credUserName, credCertificate} { // None: the leg-level peer tests
			t.Run(v.String()+"/"+cred.String()+"/OpenSSL service", func(t *testing.T) {
				args := []string{"--role", "server", "--ca", filepath.Join(p.dir, "ca.pem"), "--cert", filepath.Join(p.dir, "service.pem")}
				if cred == credCertificate {
					args = append(args, "--client-auth", "required")
				}
				tSession(t, p, v, true, cred, tMechs{server: func(ctx context.Context) (Mechanism, error) { return newPyMech(t, args...), nil }})
			})
			t.Run(v.String()+"/"+cred.String()+"/OpenSSL client", func(t *testing.T) {
				args := []string{"--role", "client", "--ca", filepath.Join(p.dir, "ca.pem"), "--hostname", "service.example"}
				if cred == credCertificate {
					args = append(args, "--cert", filepath.Join(p.dir, "client.pem"))
				}
				tSession(t, p, v, true, cred, tMechs{client: func(ctx context.Context) (Mechanism, error) { return newPyMech(t, args...), nil }})
			})
		}
	}
}
