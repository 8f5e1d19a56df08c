package reliable

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/beevik/etree"
	"github.com/soapstack/soapstack/reliable/internal/seq"
	"github.com/soapstack/soapstack/reliable/internal/wire"
	"github.com/soapstack/soapstack/soap"
)

// This file is the test bench of the client: fakeDest, a scripted WS-RM
// destination that answers as Metro's service does (the messages of
// testdata/metro-source/*/server-msgs), served over soap.NewHTTPHandler,
// and lossyNet, an Invoker between the client and the HTTP transport that
// drops, duplicates and holds messages.

const (
	probeNS       = "urn:probe"
	actEcho       = "urn:probe:echo"
	actEchoResp   = "urn:probe:echoResponse"
	actPing       = "urn:probe:ping"
	testEndpoint  = "/Rm11Port"
	faultTextWord = "fault"
)

// fakeDest is a WS-RM destination for one sequence with an offered reply
// sequence, answering as Metro's service: replies carry Sequence,
// AckRequested and the acknowledgement; one-way messages and out-of-order
// requests get an acknowledgement message; duplicates get the cached
// reply.
type fakeDest struct {
	t  testing.TB
	v  Version
	mu sync.Mutex

	seqID, offerID string
	recv           seq.Set
	next           int64 // next number to deliver
	buffered       map[int64]*soap.Message
	replies        map[int64]*cachedReply // by request number
	replyNext      int64
	lastMsg        int64 // 1.0 LastMessage number
	delivered      []string
	appCalls       map[int64]int
	created        int
	closed         bool
	terminated     bool
	faults         []*soap.Message // faults the client sent
	requests       []*soap.Message // every request, as received
	rand           io.Reader

	// hooks, all optional
	// before may answer a request itself (handled true).
	before func(req *soap.Message) (resp *soap.Message, err error, handled bool)
	// hold blocks the application's processing of a message.
	hold func(n int64)
	// bufferRemaining is the netrm:BufferRemaining of each ack (absent
	// when nil).
	bufferRemaining func() *int
	// ackExtra lets a test tamper with every ack sent.
	ackExtra func(a *wire.SequenceAcknowledgement)
}

type cachedReply struct {
	number  int64
	payload *etree.Element
	fault   *soap.Fault
	action  string
}

func newFakeDest(t testing.TB, v Version) *fakeDest {
	return &fakeDest{t: t, v: v, next: 1, replyNext: 1, buffered: map[int64]*soap.Message{},
		replies: map[int64]*cachedReply{}, appCalls: map[int64]int{}, rand: strings.NewReader(strings.Repeat("0123456789abcdef", 1<<12))}
}

func (d *fakeDest) id(prefix string) string {
	b := make([]byte, 16)
	if _, err := io.ReadFull(d.rand, b); err != nil {
		d.rand = strings.NewReader(strings.Repeat("fedcba9876543210", 1<<12))
	}
	return fmt.Sprintf("urn:uuid:%s-%x", prefix, b[:6])
}

// ServeSOAP implements soap.Handler.
func (d *fakeDest) ServeSOAP(ctx context.Context, req *soap.Message) (*soap.Message, error) {
	d.mu.Lock()
	d.requests = append(d.requests, req.Clone())
	before := d.before
	d.mu.Unlock()
	for _, h := range req.Headers() {
		req.MarkUnderstood(h)
	}
	if before != nil {
		if resp, err, ok := before(req); ok {
			return resp, err
		}
	}
	if req.IsFault() {
		d.mu.Lock()
		d.faults = append(d.faults, req.Clone())
		d.mu.Unlock()
		return nil, nil
	}
	v := d.v
	switch req.Addressing.Action {
	case v.CreateSequenceAction():
		return d.createSequence(req)
	case v.CloseSequenceAction(), v.TerminateSequenceAction():
		return d.control(req)
	case v.AckRequestedAction():
		d.mu.Lock()
		defer d.mu.Unlock()
		return d.ackMessage(req)
	}
	return d.sequenceMessage(req)
}

func (d *fakeDest) createSequence(req *soap.Message) (*soap.Message, error) {
	cs, err := wire.ParseCreateSequence(req.Payload())
	if err != nil {
		return nil, soap.SenderFault("bad CreateSequence").WithCause(err)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.created++
	d.seqID = d.id("s")
	csr := &wire.CreateSequenceResponse{Version: d.v, Identifier: d.seqID}
	if cs.Offer != nil {
		d.offerID = cs.Offer.Identifier
		csr.Accept = &wire.EndpointReference{Addressing: soap.WSA10, Address: "http://127.0.0.1/Rm11Port"}
	}
	return soap.NewReply(req, d.v.CreateSequenceResponseAction(), csr.Build(), d.rand)
}

// ackLocked is the acknowledgement of the request sequence.
func (d *fakeDest) ackLocked(final bool) *etree.Element {
	a := &wire.SequenceAcknowledgement{Version: d.v, Identifier: d.seqID, Ranges: wireRanges(d.recv), Final: final && d.v == V11}
	if d.bufferRemaining != nil {
		a.BufferRemaining = d.bufferRemaining()
	}
	if d.ackExtra != nil {
		d.ackExtra(a)
	}
	return a.Build()
}

// ackMessage answers with an acknowledgement message, as Metro answers a
// one-way message.
func (d *fakeDest) ackMessage(req *soap.Message) (*soap.Message, error) {
	m, err := soap.NewReply(req, d.v.SequenceAcknowledgementAction(), nil, d.rand)
	if err != nil {
		return nil, err
	}
	m.Body.Child = nil
	m.AddHeader(d.ackLocked(false))
	return m, nil
}

func (d *fakeDest) sequenceMessage(req *soap.Message) (*soap.Message, error) {
	el := req.FindHeader(d.v.Namespace(), "Sequence")
	if el == nil {
		return nil, soap.SenderFault("no Sequence header")
	}
	sq, err := wire.ParseSequence(el)
	if err != nil {
		return nil, soap.SenderFault("bad Sequence header").WithCause(err)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if sq.Identifier != d.seqID {
		return nil, wire.NewFault(d.v, wire.UnknownSequence, sq.Identifier).SOAP()
	}
	n := int64(sq.MessageNumber)
	if sq.LastMessage {
		d.lastMsg = n
		d.recv.Add(n)
		d.next = max(d.next, n+1)
		// Metro answers with the reply sequence's own LastMessage.
		m := soap.NewMessage(req.Version)
		a := soap.Addressing{Version: soap.WSA10, Action: d.v.LastMessageAction(), To: soap.AnonymousWSA10, MessageID: d.id("m")}
		m.SetAddressing(a)
		ls := &wire.Sequence{Version: d.v, Identifier: d.offerID, MessageNumber: uint64(d.replyNext), LastMessage: true}
		d.replyNext++
		m.AddHeader(ls.Build())
		m.AddHeader(d.ackLocked(false))
		return m, nil
	}
	if c, ok := d.replies[n]; ok {
		return d.replyLocked(req, c)
	}
	if d.recv.Contains(n) || n < d.next {
		return d.ackMessage(req) // buffered or one-way: acknowledge again
	}
	d.recv.Add(n)
	if n != d.next {
		d.buffered[n] = req.Clone()
		return d.ackMessage(req)
	}
	var first *cachedReply
	for cur := req; cur != nil; {
		num := d.next
		c := d.deliverLocked(num, cur)
		if num == n {
			first = c
		}
		d.next++
		cur = d.buffered[d.next]
		delete(d.buffered, d.next)
	}
	if first == nil {
		return d.ackMessage(req)
	}
	return d.replyLocked(req, first)
}

// deliverLocked runs the application on message num; it returns its
// reply (nil for a one-way message).
func (d *fakeDest) deliverLocked(num int64, req *soap.Message) *cachedReply {
	d.appCalls[num]++
	text := ""
	if pl := req.Payload(); pl != nil {
		if t := pl.SelectElement("text"); t != nil {
			text = t.Text()
		}
	}
	d.delivered = append(d.delivered, text)
	if d.hold != nil {
		h := d.hold
		d.mu.Unlock()
		h(num)
		d.mu.Lock()
	}
	if req.Addressing.ReplyTo == nil {
		return nil
	}
	c := &cachedReply{number: d.replyNext, action: actEchoResp}
	d.replyNext++
	if text == faultTextWord {
		c.fault = soap.SenderFault("the application refused")
	} else {
		pl := etree.NewElement("ns2:echoResponse")
		pl.CreateAttr("xmlns:ns2", probeNS)
		pl.CreateElement("return").SetText("echo:" + text)
		c.payload = pl
	}
	d.replies[num] = c
	return c
}

// replyLocked builds reply c to req with the RM headers.
func (d *fakeDest) replyLocked(req *soap.Message, c *cachedReply) (*soap.Message, error) {
	var m *soap.Message
	var err error
	if c.fault != nil {
		m, err = soap.NewFaultMessage(req.Version, c.fault, req, d.rand)
	} else {
		m, err = soap.NewReply(req, c.action, c.payload.Copy(), d.rand)
	}
	if err != nil {
		return nil, err
	}
	sq := (&wire.Sequence{Version: d.v, Identifier: d.offerID, MessageNumber: uint64(c.number)}).Build()
	m.SetMustUnderstand(sq)
	m.AddHeader(sq)
	m.AddHeader((&wire.AckRequested{Version: d.v, Identifier: d.offerID}).Build())
	m.AddHeader(d.ackLocked(false))
	return m, nil
}

func (d *fakeDest) control(req *soap.Message) (*soap.Message, error) {
	sc, err := wire.ParseSequenceControl(req.Payload())
	if err != nil {
		return nil, soap.SenderFault("bad control message").WithCause(err)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if sc.Identifier != d.seqID {
		return nil, wire.NewFault(d.v, wire.UnknownSequence, sc.Identifier).SOAP()
	}
	var resp *wire.SequenceControl
	switch sc.Kind {
	case wire.CloseSequence:
		d.closed = true
		resp = &wire.SequenceControl{Version: d.v, Kind: wire.CloseSequenceResponse, Identifier: d.seqID}
	case wire.TerminateSequence:
		d.terminated = true
		if d.v == V200502 {
			// Metro terminates the reply sequence in its answer.
			m, err := soap.NewReply(req, d.v.TerminateSequenceAction(), (&wire.SequenceControl{Version: d.v,
				Kind: wire.TerminateSequence, Identifier: d.offerID}).Build(), d.rand)
			if err != nil {
				return nil, err
			}
			m.AddHeader((&wire.AckRequested{Version: d.v, Identifier: d.offerID}).Build())
			m.AddHeader(d.ackLocked(false))
			return m, nil
		}
		resp = &wire.SequenceControl{Version: d.v, Kind: wire.TerminateSequenceResponse, Identifier: d.seqID}
	default:
		return nil, soap.SenderFault("unexpected control message")
	}
	m, err := soap.NewReply(req, resp.Action(), resp.Build(), d.rand)
	if err != nil {
		return nil, err
	}
	m.AddHeader(d.ackLocked(true))
	return m, nil
}

// snapshot returns copies of what the destination saw.
func (d *fakeDest) snapshot() (reqs []*soap.Message, delivered []string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]*soap.Message(nil), d.requests...), append([]string(nil), d.delivered...)
}

// lossyNet is the network between the client and the transport: rule
// decides, per transmission of a sequence message (number, attempt),
// whether the request or its response is lost; it may block to reorder.
type lossyNet struct {
	next soap.Invoker
	v    Version
	mu   sync.Mutex
	seen map[int64]int
	rule func(n int64, attempt int) (dropRequest, dropResponse bool)
	// after runs once the transmission is done (response in hand).
	after func(n int64, attempt int)
	// dropAll loses every message, control messages included.
	dropAll bool
}

var errLost = errors.New("lossy network: message lost")

func (l *lossyNet) Call(ctx context.Context, req *soap.Message) (*soap.Message, error) {
	l.mu.Lock()
	if l.dropAll {
		l.mu.Unlock()
		return nil, errLost
	}
	n := int64(0)
	if el := req.FindHeader(l.v.Namespace(), "Sequence"); el != nil {
		if sq, err := wire.ParseSequence(el); err == nil {
			n = int64(sq.MessageNumber)
		}
	}
	attempt := 0
	if n > 0 {
		if l.seen == nil {
			l.seen = map[int64]int{}
		}
		l.seen[n]++
		attempt = l.seen[n]
	}
	rule, after := l.rule, l.after
	l.mu.Unlock()
	var dropReq, dropResp bool
	if rule != nil && n > 0 {
		dropReq, dropResp = rule(n, attempt)
	}
	if dropReq {
		return nil, errLost
	}
	resp, err := l.next.Call(ctx, req)
	if after != nil && n > 0 {
		after(n, attempt)
	}
	if dropResp {
		return nil, errLost
	}
	return resp, err
}

func (l *lossyNet) attempts(n int64) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.seen[n]
}

// bench is one client against one fakeDest over HTTP.
type bench struct {
	t      testing.TB
	dest   *fakeDest
	net    *lossyNet
	client *Client
	srv    *httptest.Server
	tr     *http.Transport
	url    string
	mu     sync.Mutex
	events []Event
	// soapV is the SOAP version of the requests (1.2 when zero).
	soapV soap.Version
}

// newBench starts a fakeDest of version v and a client configured by cfg
// (To, Version and OnEvent are filled in).
func newBench(t testing.TB, v Version, cfg ClientConfig) *bench {
	t.Helper()
	b := &bench{t: t, dest: newFakeDest(t, v), soapV: cfg.SOAP}
	mux := http.NewServeMux()
	mux.Handle(testEndpoint, soap.NewHTTPHandler(b.dest, soap.WithLogger(discardLogger())))
	b.srv = httptest.NewServer(mux)
	b.url = b.srv.URL + testEndpoint
	b.tr = &http.Transport{}
	b.net = &lossyNet{v: v, next: soap.NewHTTPClient(b.url, soap.WithHTTPClient(&http.Client{Transport: b.tr}))}
	cfg.Version, cfg.To = v, b.url
	if cfg.Logger == nil {
		cfg.Logger = discardLogger()
	}
	user := cfg.OnEvent
	cfg.OnEvent = func(ev Event) {
		b.mu.Lock()
		b.events = append(b.events, ev)
		b.mu.Unlock()
		if user != nil {
			user(ev)
		}
	}
	c, err := NewClient(b.net, cfg)
	if err != nil {
		t.Fatal(err)
	}
	b.client = c
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = c.Close(ctx)
		b.srv.Close()
		b.tr.CloseIdleConnections()
	})
	return b
}

// count returns how many events of kind k were reported.
func (b *bench) count(k EventKind) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	n := 0
	for _, ev := range b.events {
		if ev.Kind == k {
			n++
		}
	}
	return n
}

// waitCount waits up to 2 s until n events of kind k were reported (an
// event is reported after the lock that produced it is released, so a
// call may return before it) and returns the count.
func (b *bench) waitCount(k EventKind, n int) int {
	deadline := time.Now().Add(2 * time.Second)
	for b.count(k) < n && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	return b.count(k)
}

// request returns an echo (or, oneWay, a ping) request as Metro writes
// it: To, Action, ReplyTo, FaultTo, MessageID.
func (b *bench) request(text string, oneWay bool) *soap.Message {
	b.t.Helper()
	action, local := actEcho, "ns2:echo"
	if oneWay {
		action, local = actPing, "ns2:ping"
	}
	pl := etree.NewElement(local)
	pl.CreateAttr("xmlns:ns2", probeNS)
	pl.CreateElement("text").SetText(text)
	sv := b.soapV
	if sv == 0 {
		sv = soap.V12
	}
	m := soap.NewMessageWithBody(sv, pl)
	a, err := soap.RequestAddressing(soap.WSA10, action, b.url, nil)
	if err != nil {
		b.t.Fatal(err)
	}
	if oneWay {
		a.ReplyTo = nil
	} else {
		a.FaultTo = &soap.EndpointReference{Address: soap.AnonymousWSA10}
	}
	m.SetAddressing(a)
	m.SOAPAction = action
	return m
}

// echo calls echo(text) and checks the reply.
func (b *bench) echo(ctx context.Context, text string) {
	b.t.Helper()
	resp, err := b.client.Call(ctx, b.request(text, false))
	if err != nil {
		b.t.Fatalf("echo %q: %v", text, err)
	}
	checkEcho(b.t, resp, text)
}

func checkEcho(t testing.TB, resp *soap.Message, text string) {
	t.Helper()
	if resp == nil {
		t.Fatalf("echo %q: no reply", text)
	}
	got := ""
	if pl := resp.Payload(); pl != nil {
		if r := pl.SelectElement("return"); r != nil {
			got = r.Text()
		}
	}
	if got != "echo:"+text {
		t.Fatalf("echo %q: reply %q", text, got)
	}
	for _, h := range resp.Headers() {
		if ns := h.NamespaceURI(); ns == NSRM11 || ns == NSRM200502 {
			t.Fatalf("echo %q: the reply still carries the RM header %s", text, h.Tag)
		}
	}
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}
