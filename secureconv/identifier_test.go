package secureconv

import (
	"context"
	"errors"
	"io"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/beevik/etree"
	"github.com/soapstack/soapstack/soap"
	"github.com/soapstack/soapstack/wssecurity"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// peerIdentifiers hands out identifiers as other stacks write them: a
// "urn:uuid:" whose last group is too long to be a UUID, "uuid:" without
// "urn:", and something that is no UUID at all.
func peerIdentifiers(ids ...string) func(io.Reader) (string, error) {
	var n atomic.Int32
	return func(io.Reader) (string, error) {
		return ids[int(n.Add(1)-1)%len(ids)], nil
	}
}

// TestOpaqueIdentifiersThroughASession runs a whole session (issue, calls,
// renewal, cancel) whose context identifier and key instance are no valid
// UUIDs, in reference and cookie mode: both sides carry and compare them as
// the strings they are.
func TestOpaqueIdentifiersThroughASession(t *testing.T) {
	sets := [][]string{
		{"urn:uuid:0c8b3f5e-1d2a-4e6f-9b7c-a41cd200000000", "urn:uuid:5e0e5b4a-8d71-4a86-bf27-a41cd200000001"},
		{"uuid:5a7d8c3e-2f1b-4c9a-8e6d-3b2a1c0f9e8d", "uuid:instance-2"},
		{"urn:x-peer:ctx/42?k=v&x=y", "7"},
	}
	for _, v := range []Version{V200502, V13} {
		for _, cookies := range []bool{false, true} {
			for _, ids := range sets {
				t.Run(v.String()+"/"+ids[0], func(t *testing.T) {
					cert := testServiceCert(t)
					boot, app := scPolicies(v)
					clock := &fakeClock{t: time.Now()}
					scfg := ServerConfig{Version: v, Bootstrap: boot, Policy: app, Lifetime: time.Hour,
						Security: wssecurity.Config{Certificate: cert, Now: clock.Now}, NewIdentifier: peerIdentifiers(ids...)}
					if cookies {
						ring, err := NewKeyRing(RingKey{ID: 1, Secret: make([]byte, 32)})
						require.NoError(t, err)
						scfg.Cookies = ring
					} else {
						scfg.Cache = NewMemoryTokenCache()
					}
					layer, err := ServerLayer(scfg)
					require.NoError(t, err)
					srv := soap.ChainHandler(soap.HandlerFunc(func(ctx context.Context, req *soap.Message) (*soap.Message, error) {
						return soap.Reply(req, "urn:echoResponse", req.Payload().Copy())
					}), layer)
					var wire strings.Builder
					transport := soap.InvokerFunc(func(ctx context.Context, req *soap.Message) (*soap.Message, error) {
						b, err := req.Bytes()
						require.NoError(t, err)
						wire.Write(b)
						in, err := soap.ParseMessage(b, soap.Limits{})
						require.NoError(t, err)
						resp, err := srv.ServeSOAP(ctx, in)
						if err != nil {
							return nil, err
						}
						out, err := resp.Bytes()
						require.NoError(t, err)
						wire.Write(out)
						return soap.ParseMessage(out, soap.Limits{})
					})
					c, err := NewClient(transport, ClientConfig{Version: v, Bootstrap: boot, Policy: app, Cancel: true, To: "http://svc/",
						Security: wssecurity.Config{PeerCertificate: cert.Cert, Now: clock.Now}})
					require.NoError(t, err)
					call := func(text string) {
						t.Helper()
						p := etree.NewElement("e:echo")
						p.CreateAttr("xmlns:e", "urn:echo")
						p.SetText(text)
						m := soap.NewMessageWithBody(soap.V12, p)
						a, err := soap.RequestAddressing(c.cfg.Addressing, "urn:echo", "http://svc/", nil)
						require.NoError(t, err)
						a.MessageID = "uuid:" + text // opaque message ids too
						m.SetAddressing(a)
						resp, err := c.Call(context.Background(), m)
						require.NoError(t, err)
						assert.Equal(t, text, resp.Payload().Text())
						require.Len(t, resp.Addressing.RelatesTo, 1)
						assert.Equal(t, "uuid:"+text, resp.Addressing.RelatesTo[0].ID)
					}
					call("one")
					assert.Equal(t, ids[0], c.Session(), "the client keeps the identifier as issued")
					clock.Add(40 * time.Minute) // past 60%: the client renews
					call("two")
					assert.Equal(t, ids[0], c.Session(), "a renewal keeps the context identifier")
					require.NoError(t, c.Close(context.Background()))
					var esc strings.Builder
					require.NoError(t, xmlEscape(&esc, ids[0]))
					assert.Contains(t, wire.String(), ">"+esc.String()+"</", "the Identifier travels verbatim")
				})
			}
		}
	}
}

func xmlEscape(w *strings.Builder, s string) error {
	r := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")
	_, err := r.WriteString(w, s)
	return err
}

// TestNewIdentifierChecked: a generator's identifier must fit the wire
// (non-empty, bounded, no whitespace); anything else fails the Issue with
// ErrBadIdentifier as the cause.
func TestNewIdentifierChecked(t *testing.T) {
	for name, id := range map[string]string{
		"empty":      "",
		"whitespace": "urn:uuid:a b",
		"too long":   "urn:" + strings.Repeat("x", MaxContextIDLen),
	} {
		t.Run(name, func(t *testing.T) {
			s := &server{cfg: ServerConfig{NewIdentifier: peerIdentifiers(id)}}
			_, err := s.newIdentifier(nil)
			assert.ErrorIs(t, err, ErrBadIdentifier)
		})
	}
	boom := errors.New("boom")
	s := &server{cfg: ServerConfig{NewIdentifier: func(io.Reader) (string, error) { return "", boom }}}
	_, err := s.newIdentifier(nil)
	assert.ErrorIs(t, err, boom)
}

// TestSCTWSUIDIsAnXMLID: the token's wsu:Id stays a valid XML ID whatever
// the identifier looks like (the old code sliced the last 12 bytes, which
// panicked on short identifiers and could copy ':' or '/').
func TestSCTWSUIDIsAnXMLID(t *testing.T) {
	assert.Equal(t, "uuid-sct-a41cd2000000", sctWSUID("urn:uuid:0c8b3f5e-1d2a-4e6f-9b7c-a41cd2000000"))
	for _, id := range []string{"7", "uuid:x", "urn:x-peer:ctx/42?k=v&x=y", "urn:uuid:" + strings.Repeat("é", 8)} {
		got := sctWSUID(id)
		assert.Len(t, got, len("uuid-sct-")+12, id)
		assert.Equal(t, "", strings.Trim(got, "0123456789abcdefghijklmnopqrstuvwxyz-"), "%s → %s", id, got)
	}
}
