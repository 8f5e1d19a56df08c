package spnego

import (
	"context"
	"testing"

	"github.com/beevik/etree"
	"github.com/soapstack/soapstack/internal/negotiate"
	"github.com/soapstack/soapstack/internal/wstrust"
	"github.com/soapstack/soapstack/secureconv"
	"github.com/soapstack/soapstack/soap"
	"github.com/soapstack/soapstack/wssecurity"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var _ negotiate.Authenticated = (*Acceptor)(nil)

// sessionPolicy is WCF's symmetric binding on a SecurityContextToken with
// derived keys, the policy on the negotiated token.
func sessionPolicy() wssecurity.Policy {
	s := wssecurity.AnonymousForCertificate(wssecurity.Basic256)
	s.ProtectionToken = &wssecurity.Token{Kind: wssecurity.SecureConversationToken,
		Inclusion: wssecurity.IncludeAlwaysToRecipient, DerivedKeys: true}
	s.RequireSignatureConfirmation = false
	return s
}

// handlerWire serializes each message as HTTP would and runs it through h.
type handlerWire struct {
	h     soap.Handler
	calls []string
}

func (w *handlerWire) Call(ctx context.Context, req *soap.Message) (*soap.Message, error) {
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

// echo answers with the caller's name.
func echo(ctx context.Context, req *soap.Message) (*soap.Message, error) {
	p, _ := soap.PrincipalFromContext(ctx)
	el := etree.NewElement("echo")
	el.CreateAttr("xmlns", "urn:test")
	el.SetText(p.Name() + ":" + req.Payload().Text())
	return soap.NewReply(req, "urn:test/EchoResponse", el, nil)
}

// TestEngineSecureSession: a Go client and a Go server negotiate a secure
// session by SPNEGO/Kerberos through the negotiation engine, with tickets
// from the real KDC, in both WS-Trust versions, with and without the
// outer Issue; the application sees the Kerberos client as its caller.
func TestEngineSecureSession(t *testing.T) {
	r := startRealm(t)
	svc := r.service(t, nil)
	cl := r.client(t)
	for _, v := range []secureconv.Version{secureconv.V200502, secureconv.V13} {
		for _, establish := range []bool{false, true} {
			name := v.String()
			if establish {
				name += "/establishSecurityContext"
			}
			t.Run(name, func(t *testing.T) {
				ctx := context.Background()
				acc, err := negotiate.NewAcceptor(negotiate.AcceptorConfig{Version: wstrust.Version(v), NewMechanism: svc.NewMechanism})
				require.NoError(t, err)
				newInit, err := NewInitiatorFactory(InitiatorConfig{Client: cl, SPN: r.kdc.ServiceSPN})
				require.NoError(t, err)
				ini, err := negotiate.NewInitiator(negotiate.InitiatorConfig{Version: wstrust.Version(v), NewMechanism: newInit, To: "https://server.soapstack.test/svc"})
				require.NoError(t, err)
				var boot wssecurity.Policy
				if establish {
					boot = sessionPolicy()
				}
				layer, err := secureconv.ServerLayer(secureconv.ServerConfig{Version: v, Bootstrap: boot, Negotiation: acc, Policy: sessionPolicy()})
				require.NoError(t, err)
				wire := &handlerWire{h: layer(soap.HandlerFunc(echo))}
				c, err := secureconv.NewClient(wire, secureconv.ClientConfig{Version: v, Bootstrap: boot, Negotiator: ini,
					Policy: sessionPolicy(), Cancel: true, To: "https://server.soapstack.test/svc"})
				require.NoError(t, err)
				for i := 0; i < 2; i++ {
					el := etree.NewElement("echo")
					el.CreateAttr("xmlns", "urn:test")
					el.SetText("hello")
					req := soap.NewMessageWithBody(soap.V12, el)
					a, err := soap.RequestAddressing(soap.WSA10, "urn:test/Echo", "https://server.soapstack.test/svc", nil)
					require.NoError(t, err)
					req.SetAddressing(a)
					resp, err := c.Call(ctx, req)
					require.NoError(t, err)
					assert.Equal(t, "alice@SOAPSTACK.TEST:hello", resp.Payload().Text())
				}
				require.NoError(t, c.Close(ctx))
				// One round trip negotiates: the RST with the AP-REQ, answered
				// by the final RSTR(C) with the AP-REP and the wrapped key.
				wv := wstrust.Version(v)
				want := []string{wv.TrustNamespace() + "/RST/Issue"}
				if establish {
					want = append(want, wv.IssueAction())
				}
				want = append(want, "urn:test/Echo", "urn:test/Echo", wv.CancelAction())
				assert.Equal(t, want, wire.calls)
			})
		}
	}
}
