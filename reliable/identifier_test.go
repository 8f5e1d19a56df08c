package reliable

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/soapstack/soapstack/reliable/internal/wire"
	"github.com/soapstack/soapstack/soap"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// aliasNet sits between a client and a server layer and renames their
// sequence identifiers as another stack would have chosen them: the
// server's (from its CreateSequenceResponse) is seqAlias on the client's
// side, the client's offer is offerAlias on the server's. Each side thus
// sees only the other's alias, and must echo it byte for byte for the
// exchange to work. It records what each side wrote.
type aliasNet struct {
	t                    *testing.T
	h                    soap.Handler
	seqAlias, offerAlias string

	mu               sync.Mutex
	realSeq, offer   string // the server's and the client's own identifiers
	sentByClient     [][]byte
	sentByServer     [][]byte
	sawCreateSeqResp bool
}

func (n *aliasNet) Call(ctx context.Context, req *soap.Message) (*soap.Message, error) {
	b, err := req.Bytes()
	if err != nil {
		return nil, err
	}
	n.mu.Lock()
	if cs, err := wire.ParseCreateSequence(req.Payload()); err == nil && cs.Offer != nil {
		n.offer = cs.Offer.Identifier
	}
	n.sentByClient = append(n.sentByClient, b)
	realSeq, offer := n.realSeq, n.offer
	n.mu.Unlock()
	if realSeq != "" {
		b = bytes.ReplaceAll(b, []byte(n.seqAlias), []byte(realSeq))
	}
	if offer != "" {
		b = bytes.ReplaceAll(b, []byte(offer), []byte(n.offerAlias))
	}
	in, err := soap.ParseMessage(b, soap.DefaultLimits())
	require.NoError(n.t, err)
	resp, err := n.h.ServeSOAP(ctx, in)
	if err != nil || resp == nil {
		return resp, err
	}
	out, err := resp.Bytes()
	if err != nil {
		return nil, err
	}
	n.mu.Lock()
	if csr, err := wire.ParseCreateSequenceResponse(resp.Payload()); err == nil {
		n.realSeq, n.sawCreateSeqResp = csr.Identifier, true
	}
	n.sentByServer = append(n.sentByServer, out)
	realSeq = n.realSeq
	n.mu.Unlock()
	out = bytes.ReplaceAll(out, []byte(realSeq), []byte(n.seqAlias))
	if offer != "" {
		out = bytes.ReplaceAll(out, []byte(n.offerAlias), []byte(offer))
	}
	m, err := soap.ParseMessage(out, soap.DefaultLimits())
	if err != nil {
		return nil, err
	}
	if m.IsFault() {
		f, _ := m.Fault()
		return m, f
	}
	return m, nil
}

// TestOpaqueSequenceIdentifiers (issue 13): sequence identifiers are
// opaque strings. A client whose service names the sequence
// "urn:uuid:…a41cd200000000" (no valid UUID) or "uuid:…" (no "urn:")
// carries that very string in every Sequence, AckRequested, Close and
// Terminate; a service offered such an identifier for the replies uses
// it verbatim in their Sequence headers and acknowledges the requests'.
func TestOpaqueSequenceIdentifiers(t *testing.T) {
	ids := []string{
		"urn:uuid:0c8b3f5e-1d2a-4e6f-9b7c-a41cd200000000", // last group too long: not a UUID
		"uuid:5a7d8c3e-2f1b-4c9a-8e6d-3b2a1c0f9e8d",       // no urn:
		"urn:x-peer:seq/42?gen=1",
	}
	for _, v := range []Version{V200502, V11} {
		for i := range ids {
			seqAlias, offerAlias := ids[i], ids[(i+1)%len(ids)]
			t.Run(v.String()+"/"+seqAlias, func(t *testing.T) {
				f := newFixture(t, ServerConfig{})
				n := &aliasNet{t: t, h: f.h, seqAlias: seqAlias, offerAlias: offerAlias}
				c, err := NewClient(n, ClientConfig{Version: v, To: testTo, Logger: discardLogger()})
				require.NoError(t, err)
				ctx := testCtx(t)
				for _, text := range []string{"a", "b", "c"} {
					resp, err := c.Call(ctx, request(soap.V12, soap.WSA10, testEcho, textPayload("echo", text)))
					require.NoError(t, err)
					assert.Equal(t, "echo:"+text, resp.Payload().Text())
				}
				require.NoError(t, c.Close(ctx))
				assert.Equal(t, seqAlias, c.Sequence(), "the client keeps the identifier as the service sent it")
				assert.Equal(t, []string{"a", "b", "c"}, f.ran())

				n.mu.Lock()
				defer n.mu.Unlock()
				require.True(t, n.sawCreateSeqResp)
				require.NotEmpty(t, n.offer, "the client offers a reply sequence")
				esc := func(s string) string { return strings.ReplaceAll(s, "&", "&amp;") }
				after := 0
				for _, b := range n.sentByClient[1:] { // after CreateSequence
					if strings.Contains(string(b), ">"+esc(seqAlias)+"</") {
						after++
					}
					assert.NotContains(t, string(b), n.realSeq, "the client only knows the alias")
				}
				assert.Equal(t, len(n.sentByClient)-1, after, "every later request names the sequence by the alias, verbatim")
				replies := 0
				for _, b := range n.sentByServer {
					if strings.Contains(string(b), ">"+esc(offerAlias)+"</") {
						replies++
					}
					assert.NotContains(t, string(b), n.offer, "the service only knows the alias")
				}
				assert.GreaterOrEqual(t, replies, 3, "the replies' Sequence headers carry the offered identifier verbatim")
			})
		}
	}
}
