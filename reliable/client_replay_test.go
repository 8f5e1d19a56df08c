package reliable

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/soapstack/soapstack/reliable/internal/wire"
	"github.com/soapstack/soapstack/soap"
)

// Metro's identifiers in the captures.
var metroOffer = map[Version]string{
	V200502: "uuid:13aeb935-03e2-4ba9-8ddf-047f3f1b4365",
	V11:     "uuid:f9fd3910-3bdd-4c43-92fa-a8ef16ff2b88",
}

var relatesToRE = regexp.MustCompile(`(<RelatesTo[^>]*>)[^<]*(</RelatesTo>)`)

// replay answers the client's n-th request with Metro's service's n-th
// response, byte for byte except for the offered identifier (the
// client's, not Metro's client's) and RelatesTo (the client's request).
type replay struct {
	t    *testing.T
	v    Version
	dir  string
	n    int
	offr string
}

func (r *replay) Call(ctx context.Context, req *soap.Message) (*soap.Message, error) {
	r.n++
	if r.n == 1 {
		cs, err := wire.ParseCreateSequence(req.Payload())
		if err != nil || cs.Offer == nil {
			return nil, fmt.Errorf("replay: %v", err)
		}
		r.offr = cs.Offer.Identifier
	}
	raw, err := os.ReadFile(filepath.Join(r.dir, fmt.Sprintf("%02d-resp.xml", 2*r.n)))
	if err != nil {
		return nil, err
	}
	raw = raw[bytes.Index(raw, []byte("<?xml")):]
	raw = bytes.ReplaceAll(raw, []byte(metroOffer[r.v]), []byte(r.offr))
	if id := req.Addressing.MessageID; id != "" {
		raw = relatesToRE.ReplaceAll(raw, []byte("${1}"+id+"${2}"))
	}
	resp, err := soap.ParseMessage(raw, soap.DefaultLimits())
	if err != nil {
		return nil, err
	}
	if resp.IsFault() {
		f, _ := resp.Fault()
		return resp, f
	}
	return resp, nil
}

// TestClientMetroReplay runs Metro's probe exchange with the client
// against the very bytes Metro's service sent (server-msgs): Metro's
// prefixes, mustUnderstand="true", uuid: identifiers, its acknowledgement
// messages, LastMessage and TerminateSequence answers.
func TestClientMetroReplay(t *testing.T) {
	for _, v := range []Version{V200502, V11} {
		dir := map[Version]string{V200502: "rm10", V11: "rm11"}[v]
		t.Run(dir, func(t *testing.T) {
			r := &replay{t: t, v: v, dir: filepath.Join("testdata", "metro-source", dir, "server-msgs")}
			c, err := NewClient(r, ClientConfig{Version: v, To: "http://127.0.0.1:18083/Rm11Port", Logger: discardLogger()})
			if err != nil {
				t.Fatal(err)
			}
			b := &bench{t: t, url: "http://127.0.0.1:18083/Rm11Port", client: c}
			ctx := testCtx(t)
			b.echo(ctx, "a")
			b.echo(ctx, "b")
			if resp, err := c.Call(ctx, b.request("p", true)); err != nil || resp != nil {
				t.Fatalf("ping: %v %v", resp, err)
			}
			b.echo(ctx, "c")
			if err := c.Close(ctx); err != nil {
				t.Fatalf("Close: %v", err)
			}
			if r.n != 7 {
				t.Errorf("%d exchanges, Metro's had 7", r.n)
			}
			if !strings.HasPrefix(c.Sequence(), "uuid:") {
				t.Errorf("sequence %q: want Metro's", c.Sequence())
			}
		})
	}
}
