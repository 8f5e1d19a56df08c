package reliable

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/soapstack/soapstack/reliable/internal/seq"
	"github.com/soapstack/soapstack/soap"
)

// The sequences of Metro's captures, so that the seeds reach every path.
var fuzzIDs = map[Version][2]string{
	V200502: {"uuid:15297d5a-79f2-4265-94e5-7765c7fab643", "uuid:13aeb935-03e2-4ba9-8ddf-047f3f1b4365"},
	V11:     {"uuid:d8ebe17f-6ad1-4170-8c77-9cdfa5ff0748", "uuid:f9fd3910-3bdd-4c43-92fa-a8ef16ff2b88"},
}

// fuzzClient returns an open client of version v with messages 1..3
// sent (2 a one-way message, 3 a request) and the pending records of 2
// and 3, without any network: next answers nothing.
func fuzzClient(t testing.TB, v Version) (*Client, []*pending) {
	next := soap.InvokerFunc(func(ctx context.Context, req *soap.Message) (*soap.Message, error) { return nil, nil })
	c, err := NewClient(next, ClientConfig{Version: v, To: "http://127.0.0.1:18083/Rm11Port", Logger: discardLogger(),
		SendTimeout: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	c.state, c.id, c.replyID = stOpen, fuzzIDs[v][0], fuzzIDs[v][1]
	c.win = seq.NewSendWindow(c.cfg.MaxTransferWindowSize, true)
	c.buf = seq.NewRetryBuffer[*pending](c.backoff, c.cfg.MaxTransferWindowSize, 0)
	c.pend = map[int64]*pending{}
	var ps []*pending
	for n := int64(1); n <= 3; n++ {
		if _, err := c.win.Next(); err != nil {
			t.Fatal(err)
		}
		p := &pending{n: n, msgID: "uuid:m", oneWay: n == 2, done: make(chan struct{})}
		if err := c.buf.Add(n, p, 0, time.Now()); err != nil {
			t.Fatal(err)
		}
		c.pend[n] = p
		ps = append(ps, p)
	}
	c.done.Add(1)
	delete(c.pend, 1)
	return c, ps[1:]
}

// FuzzClientResponse feeds arbitrary responses, with arbitrary RM headers,
// to the client's response handling (as the answer to a request and to a
// control message): it must never panic, and whatever it accepts leaves
// the session consistent.
func FuzzClientResponse(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "metro-source", "*", "server-msgs", "*.xml"))
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		if i := bytes.Index(b, []byte("<?xml")); i >= 0 {
			f.Add(b[i:])
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		resp, err := soap.ParseMessage(data, soap.DefaultLimits())
		if err != nil {
			return
		}
		var ferr error
		if resp.IsFault() {
			if sf, err := resp.Fault(); err == nil {
				ferr = sf
			}
		}
		for _, v := range []Version{V200502, V11} {
			c, ps := fuzzClient(t, v)
			if rt := resp.Addressing.RelatesTo; len(rt) > 0 {
				ps[1].msgID = rt[0].ID // let the reply reach its request
			}
			for _, p := range ps {
				c.handle(p, resp.Clone(), ferr)
			}
			_ = c.absorb(resp.Clone())
			_ = c.checkControlResponse(resp.Clone(), 0)
			c.mu.Lock()
			if c.state == stOpen {
				if c.win.Acked().Max() > c.win.LastSent() {
					t.Errorf("acknowledged %d of %d sent", c.win.Acked().Max(), c.win.LastSent())
				}
				for _, p := range ps {
					if p.finished() && p.err == nil && !p.oneWay && p.reply == nil {
						t.Errorf("request %d completed without a reply", p.n)
					}
				}
			}
			c.mu.Unlock()
			c.shutdown()
		}
	})
}
