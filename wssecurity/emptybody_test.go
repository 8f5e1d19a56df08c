package wssecurity

import (
	"context"
	"testing"

	"github.com/soapstack/soapstack/internal/xmlenc"
	"github.com/soapstack/soapstack/soap"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestEngineEmptyBodyEncrypted: under EncryptedParts Body an empty Body
// (a WS-RM LastMessage or acknowledgement) travels as an EncryptedData of
// no content in both directions, as WCF and Metro send it (Metro refuses
// a plain one: "Looking for an Encryption Element"), and arrives empty.
func TestEngineEmptyBodyEncrypted(t *testing.T) {
	pki := newTestPKI(t)
	ccfg, scfg := pki.configs()
	for name, p := range presets() {
		if !p.EncryptedParts.Body || p.Binding == TransportBinding {
			continue
		}
		t.Run(name, func(t *testing.T) {
			app := soap.HandlerFunc(func(ctx context.Context, req *soap.Message) (*soap.Message, error) {
				if len(req.Body.Child) != 0 {
					return nil, soap.SenderFault("the body is not empty after decryption")
				}
				for _, h := range req.Headers() {
					req.MarkUnderstood(h)
				}
				resp, err := soap.Reply(req, "urn:emptyResponse", nil)
				if err == nil {
					resp.Body.Child = nil
				}
				return resp, err
			})
			sl, err := ServerLayer(p, scfg)
			require.NoError(t, err)
			server := soap.ChainHandler(app, sl)
			var reqBody, respBody []string
			bodyShape := func(m *soap.Message) []string {
				var out []string
				for _, c := range m.Body.ChildElements() {
					out = append(out, c.NamespaceURI()+" "+c.Tag)
				}
				return out
			}
			transport := soap.InvokerFunc(func(ctx context.Context, req *soap.Message) (*soap.Message, error) {
				in := wire(t, req)
				reqBody = bodyShape(in)
				resp, err := server.ServeSOAP(tlsContext(ctx), in)
				if err != nil {
					return nil, err
				}
				out := wire(t, resp)
				respBody = bodyShape(out)
				return out, nil
			})
			cl, err := ClientLayer(p, ccfg)
			require.NoError(t, err)
			req := echoRequest(t, "")
			req.Body.Child = nil
			resp, err := soap.ChainInvoker(transport, cl).Call(context.Background(), req)
			require.NoError(t, err)
			want := []string{xmlenc.NS + " EncryptedData"}
			assert.Equal(t, want, reqBody, "request body on the wire")
			assert.Equal(t, want, respBody, "response body on the wire")
			assert.Empty(t, resp.Body.ChildElements(), "decrypted response body")
		})
	}
}
