package spnego

import (
	"context"
	"net/http/httptest"
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

// onToken is the policy on a negotiated (or session) token: WCF's
// symmetric binding on a SecurityContextToken with derived keys.
func onToken() wssecurity.Policy {
	p := wssecurity.AnonymousForCertificate(wssecurity.Basic256)
	p.ProtectionToken = &wssecurity.Token{Kind: wssecurity.SecureConversationToken,
		Inclusion: wssecurity.IncludeAlwaysToRecipient, DerivedKeys: true}
	p.RequireSignatureConfirmation = false
	return p
}

// whoCalled answers with the caller's name and how it authenticated.
func whoCalled(ctx context.Context, req *soap.Message) (*soap.Message, error) {
	p, _ := soap.PrincipalFromContext(ctx)
	el := etree.NewElement("who")
	el.CreateAttr("xmlns", "urn:test")
	el.SetText(p.Name() + " " + p.AuthenticationMethod())
	return soap.NewReply(req, "urn:test/WhoResponse", el, nil)
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
				var served soap.Handler // set below, once the layers exist
				srv := httptest.NewServer(soap.NewHTTPHandler(soap.HandlerFunc(func(ctx context.Context, req *soap.Message) (*soap.Message, error) {
					return served.ServeSOAP(ctx, req)
				})))
				defer srv.Close()
				to := srv.URL + "/svc"
				acc, err := negotiate.NewAcceptor(negotiate.AcceptorConfig{Version: wstrust.Version(v), NewMechanism: svc.NewMechanism})
				require.NoError(t, err)
				newInit, err := NewInitiatorFactory(InitiatorConfig{Client: cl, SPN: r.kdc.ServiceSPN})
				require.NoError(t, err)
				ini, err := negotiate.NewInitiator(negotiate.InitiatorConfig{Version: wstrust.Version(v), NewMechanism: newInit, To: to})
				require.NoError(t, err)
				var boot wssecurity.Policy
				if establish {
					boot = onToken()
				}
				layer, err := secureconv.ServerLayer(secureconv.ServerConfig{Version: v, Bootstrap: boot, Negotiation: acc, Policy: onToken()})
				require.NoError(t, err)
				served = soap.ChainHandler(soap.HandlerFunc(whoCalled), layer)
				var calls []string
				http := soap.NewHTTPClient(to)
				wire := soap.InvokerFunc(func(ctx context.Context, req *soap.Message) (*soap.Message, error) {
					calls = append(calls, req.Addressing.Action)
					return http.Call(ctx, req)
				})
				c, err := secureconv.NewClient(wire, secureconv.ClientConfig{Version: v, Bootstrap: boot, Negotiator: ini,
					Policy: onToken(), Cancel: true, To: to})
				require.NoError(t, err)
				for i := 0; i < 2; i++ {
					el := etree.NewElement("who")
					el.CreateAttr("xmlns", "urn:test")
					req := soap.NewMessageWithBody(soap.V12, el)
					a, err := soap.RequestAddressing(soap.WSA10, "urn:test/Who", to, nil)
					require.NoError(t, err)
					req.SetAddressing(a)
					resp, err := c.Call(ctx, req)
					require.NoError(t, err)
					assert.Equal(t, "alice@SOAPSTACK.TEST "+soap.AuthMethodWindows, resp.Payload().Text())
				}
				require.NoError(t, c.Close(ctx))
				// One round trip negotiates: the RST with the AP-REQ, answered
				// by the final RSTR(C) with the AP-REP and the wrapped key.
				wv := wstrust.Version(v)
				want := []string{wv.TrustNamespace() + "/RST/Issue"}
				if establish {
					want = append(want, wv.IssueAction())
				}
				want = append(want, "urn:test/Who", "urn:test/Who", wv.CancelAction())
				assert.Equal(t, want, calls)
			})
		}
	}
}
