package redisstore

import (
	"context"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/beevik/etree"
	"github.com/redis/go-redis/v9"
	"github.com/soapstack/soapstack/reliable"
	"github.com/soapstack/soapstack/soap"
)

// TestReliableFarm runs the reliable layer on three nodes sharing one
// Redis sequence store: every message of one sequence is sent to two
// different nodes; each runs once, in order, and the second copy gets the
// cached reply. Then Redis is paused: the message is refused with a
// Receiver fault, and once Redis is back its retransmission runs once.
// (Needs main's reliable.ServerLayer; drop into redisstore/ after the
// merge of branch farm.)
func TestReliableFarm(t *testing.T) {
	srv, _ := newClient(t)
	var mu sync.Mutex
	var order []string
	var urls []string
	var per [3]atomic.Int32
	for i := range 3 {
		rc := redis.NewClient(&redis.Options{Addr: srv.Addr, ContextTimeoutEnabled: true})
		t.Cleanup(func() { rc.Close() })
		store, err := NewSequenceStore(rc, SequenceOptions{Options: Options{Prefix: "rm:", Timeout: 300 * time.Millisecond}})
		if err != nil {
			t.Fatal(err)
		}
		layer, err := reliable.ServerLayer(reliable.ServerConfig{Store: store, ClaimTimeout: 2 * time.Second, DeliveryTimeout: 3 * time.Second, Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			t.Fatal(err)
		}
		mux := soap.NewServeMux()
		mux.HandleFunc("urn:example:echo", func(ctx context.Context, req *soap.Message) (*soap.Message, error) {
			per[i].Add(1)
			mu.Lock()
			order = append(order, req.Payload().Text())
			mu.Unlock()
			out := etree.NewElement("e:echoResponse")
			out.CreateAttr("xmlns:e", "urn:example")
			out.SetText(req.Payload().Text())
			return soap.Reply(req, "urn:example:echoResponse", out)
		})
		hs := httptest.NewServer(soap.NewHTTPHandler(soap.ChainHandler(mux, layer)))
		t.Cleanup(hs.Close)
		urls = append(urls, hs.URL)
	}
	clients := []*soap.HTTPClient{soap.NewHTTPClient(urls[0]), soap.NewHTTPClient(urls[1]), soap.NewHTTPClient(urls[2])}
	ctx := context.Background()
	const rm = "http://docs.oasis-open.org/ws-rx/wsrm/200702"
	send := func(node int, action string, body *etree.Element, headers ...*etree.Element) *soap.Message {
		t.Helper()
		m := soap.NewMessageWithBody(soap.V12, body)
		a, _ := soap.RequestAddressing(soap.WSA10, action, urls[node], nil)
		m.SetAddressing(a)
		for _, h := range headers {
			m.AddHeader(h)
		}
		resp, err := clients[node].Call(ctx, m)
		if err != nil {
			t.Fatalf("%s to node %d: %v", action, node, err)
		}
		return resp
	}
	cs := etree.NewElement("r:CreateSequence")
	cs.CreateAttr("xmlns:r", rm)
	cs.CreateAttr("xmlns:a", "http://www.w3.org/2005/08/addressing")
	cs.CreateElement("r:AcksTo").CreateElement("a:Address").SetText(soap.AnonymousWSA10)
	off := cs.CreateElement("r:Offer")
	off.CreateElement("r:Identifier").SetText("urn:uuid:6e2b8f0a-53c1-4d5e-9a0b-1c2d3e4f5a6b")
	off.CreateElement("r:Endpoint").CreateElement("a:Address").SetText(soap.AnonymousWSA10)
	csr := send(0, rm+"/CreateSequence", cs)
	idEl := csr.Payload().FindElement(".//Identifier")
	if idEl == nil {
		t.Fatal("no Identifier in CreateSequenceResponse")
	}
	id := idEl.Text()
	const n = 30
	for i := 1; i <= n; i++ {
		for try, node := range []int{i % 3, (i + 1) % 3} { // each message twice, to two nodes
			body := etree.NewElement("e:echo")
			body.CreateAttr("xmlns:e", "urn:example")
			body.SetText(fmt.Sprint(i))
			sq := etree.NewElement("r:Sequence")
			sq.CreateAttr("xmlns:r", rm)
			sq.CreateAttr("s:mustUnderstand", "1")
			sq.CreateAttr("xmlns:s", "http://www.w3.org/2003/05/soap-envelope")
			sq.CreateElement("r:Identifier").SetText(id)
			sq.CreateElement("r:MessageNumber").SetText(fmt.Sprint(i))
			resp := send(node, "urn:example:echo", body, sq)
			if got := resp.Payload().Text(); got != fmt.Sprint(i) {
				t.Fatalf("message %d try %d on node %d: reply %q", i, try, node, got)
			}
		}
	}
	for i := range order {
		if order[i] != fmt.Sprint(i+1) {
			t.Fatalf("delivery %d was %s", i, order[i])
		}
	}
	if len(order) != n {
		t.Fatalf("%d delivered, want %d", len(order), n)
	}
	t.Logf("per node: %d %d %d", per[0].Load(), per[1].Load(), per[2].Load())

	// Redis paused: message 31 is refused with a Receiver fault, not run;
	// once Redis is back its retransmission runs once.
	msg := func(i int) (*etree.Element, *etree.Element) {
		body := etree.NewElement("e:echo")
		body.CreateAttr("xmlns:e", "urn:example")
		body.SetText(fmt.Sprint(i))
		sq := etree.NewElement("r:Sequence")
		sq.CreateAttr("xmlns:r", rm)
		sq.CreateElement("r:Identifier").SetText(id)
		sq.CreateElement("r:MessageNumber").SetText(fmt.Sprint(i))
		return body, sq
	}
	srv.Pause()
	body, sq := msg(n + 1)
	m := soap.NewMessageWithBody(soap.V12, body)
	a, _ := soap.RequestAddressing(soap.WSA10, "urn:example:echo", urls[1], nil)
	m.SetAddressing(a)
	m.AddHeader(sq)
	_, err := clients[1].Call(ctx, m)
	f, ok := soap.AsFault(err)
	if !ok || f.Code != soap.CodeReceiver {
		t.Fatalf("message %d with Redis paused: %v, want a Receiver fault", n+1, err)
	}
	t.Logf("fault during the pause: %v", err)
	srv.Resume()
	start := time.Now()
	for try := 0; ; try++ {
		body, sq = msg(n + 1)
		resp := send(try%3, "urn:example:echo", body, sq)
		if p := resp.Payload(); p != nil && p.Text() == fmt.Sprint(n+1) {
			t.Logf("message %d answered after the pause, try %d, %v", n+1, try, time.Since(start))
			break
		}
		if try == 10 {
			t.Fatalf("message %d never answered", n+1)
		}
		time.Sleep(500 * time.Millisecond)
	}
	if len(order) != n+1 {
		t.Fatalf("%d delivered, want %d", len(order), n+1)
	}
}
