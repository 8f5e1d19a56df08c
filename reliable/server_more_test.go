package reliable

import (
	"context"
	"fmt"
	"math/rand/v2"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/soapstack/soapstack/reliable/internal/wire"
	"github.com/soapstack/soapstack/soap"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestServerSOAP11Addressing200408 runs a WS-RM 1.0 session in SOAP 1.1
// with WS-Addressing 2004/08 (WCF's wsHttpBinding with
// MessageVersion.Soap11WSAddressingAugust2004).
func TestServerSOAP11Addressing200408(t *testing.T) {
	f := newFixture(t, ServerConfig{})
	ctx := context.Background()
	v := V200502
	anon := wire.EndpointReference{Addressing: soap.WSA200408, Address: soap.AnonymousWSA200408}
	cs := &wire.CreateSequence{Version: v, AcksTo: anon, Offer: &wire.Offer{Identifier: offerID(1)}}
	r := f.call(ctx, request(soap.V11, soap.WSA200408, v.CreateSequenceAction(), cs.Build()))
	require.False(t, r.IsFault(), "%v", faultCause(r))
	csr, err := wire.ParseCreateSequenceResponse(r.Payload())
	require.NoError(t, err)
	assert.Equal(t, soap.WSA200408, csr.Accept.Addressing)
	m := request(soap.V11, soap.WSA200408, testEcho, textPayload("echo", "x"))
	m.AddHeader((&wire.Sequence{Version: v, Identifier: csr.Identifier, MessageNumber: 1}).Build())
	r = f.call(ctx, m)
	assert.Equal(t, soap.V11, r.Version)
	assert.Equal(t, soap.AnonymousWSA200408, r.Addressing.To)
	assert.Equal(t, "echo:x", r.Payload().Text())
	assert.Equal(t, offerID(1), seqOf(t, r, v).Identifier)
}

// TestServerLastMessageOnApplicationMessage: WS-RM 1.0's LastMessage on an
// application message is delivered, and the reply is the reply
// sequence's last message (B1203); in a one-way session the empty
// LastMessage is acknowledged only.
func TestServerLastMessageOnApplicationMessage(t *testing.T) {
	f := newFixture(t, ServerConfig{})
	ctx := context.Background()
	v := V200502
	id := f.createSeq(ctx, v, offerID(1))
	m := seqMsg(v, id, 1, testEcho, "last")
	m.FindHeader(v.Namespace(), "Sequence").CreateElement("r:LastMessage")
	r := f.call(ctx, m)
	assert.Equal(t, "echo:last", r.Payload().Text())
	assert.True(t, seqOf(t, r, v).LastMessage)

	oneway := f.createSeq(ctx, v, "")
	lm := request(soap.V12, soap.WSA10, v.LastMessageAction(), nil)
	lm.AddHeader((&wire.Sequence{Version: v, Identifier: oneway, MessageNumber: 1, LastMessage: true}).Build())
	r = f.call(ctx, lm)
	assert.Equal(t, v.SequenceAcknowledgementAction(), r.Addressing.Action)
	r = f.call(ctx, controlMsg(v, wire.TerminateSequence, oneway, 0))
	assert.Nil(t, r, "1.0 one-way TerminateSequence is one-way (HTTP 202)")
}

// TestServerTerminatedWhileBuffered: a sequence terminated with messages
// still buffered stays known, so late messages get SequenceTerminated.
func TestServerTerminatedWhileBuffered(t *testing.T) {
	f := newFixture(t, ServerConfig{DeliveryTimeout: time.Millisecond})
	ctx := context.Background()
	v := V11
	id := f.createSeq(ctx, v, "")
	f.call(ctx, seqMsg(v, id, 2, testPing, "two"))
	r := f.call(ctx, controlMsg(v, wire.TerminateSequence, id, 0))
	require.Equal(t, v.TerminateSequenceResponseAction(), r.Addressing.Action)
	requireFault(t, f.call(ctx, seqMsg(v, id, 3, testPing, "three")), v, "SequenceTerminated", ErrSequenceTerminated)
}

// TestServerOperationFault: an operation's fault is its reply, numbered
// and cached: its duplicate gets the same fault without a second run.
func TestServerOperationFault(t *testing.T) {
	layer, err := ServerLayer(ServerConfig{})
	require.NoError(t, err)
	runs := 0
	app := soap.HandlerFunc(func(ctx context.Context, req *soap.Message) (*soap.Message, error) {
		runs++
		return nil, soap.SenderFault("no such order")
	})
	h := soap.ChainHandler(app, layer)
	ctx := context.Background()
	v := V11
	resp, err := h.ServeSOAP(ctx, onWire(t, createSequenceMsg(v, offerID(1))))
	require.NoError(t, err)
	csr, err := wire.ParseCreateSequenceResponse(resp.Payload())
	require.NoError(t, err)
	req := seqMsg(v, csr.Identifier, 1, testEcho, "x")
	for i := 0; i < 2; i++ {
		r, err := h.ServeSOAP(ctx, onWire(t, req))
		require.NoError(t, err)
		require.True(t, r.IsFault())
		f, _ := r.Fault()
		assert.Equal(t, "no such order", f.Reason())
		assert.EqualValues(t, 1, seqOf(t, r, v).MessageNumber)
		assert.Equal(t, []wire.Range{{Lower: 1, Upper: 1}}, ackOf(t, r, v, csr.Identifier).Ranges)
	}
	assert.Equal(t, 1, runs)
}

// TestServerConcurrentStress sends a window's worth of messages in random
// order, each several times, concurrently: every operation runs once, in
// order, and every exchange gets its own reply or an acknowledgement.
func TestServerConcurrentStress(t *testing.T) {
	before := runtime.NumGoroutine()
	f := newFixture(t, ServerConfig{DeliveryTimeout: 5 * time.Second})
	ctx := context.Background()
	v := V11
	id := f.createSeq(ctx, v, offerID(1))
	const n, copies = DefaultWindow, 3
	order := rand.Perm(n * copies)
	var wg sync.WaitGroup
	for _, k := range order {
		num := uint64(k%n + 1)
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := f.call(ctx, seqMsg(v, id, num, testEcho, fmt.Sprint(num)))
			if r.IsFault() {
				t.Errorf("message %d: fault %v", num, faultCause(r))
				return
			}
			if p := r.Payload(); p != nil && p.Text() != fmt.Sprintf("echo:%d", num) {
				t.Errorf("message %d got reply %q", num, p.Text())
			}
		}()
	}
	wg.Wait()
	want := make([]string, n)
	for i := range want {
		want[i] = fmt.Sprint(i + 1)
	}
	assert.Equal(t, want, f.ran())
	requireNoLeak(t, before)
}

// TestServerConfigErrors: misconfiguration is an error when the layer is
// built.
func TestServerConfigErrors(t *testing.T) {
	for _, cfg := range []ServerConfig{
		{MaxTransferWindowSize: -1},
		{MaxTransferWindowSize: 5000},
		{MaxPendingChannels: -1},
		{InactivityTimeout: -time.Second},
		{Versions: []Version{Version(9)}},
		{Store: NewMemoryStore(), MaxPendingChannels: 2},
	} {
		_, err := ServerLayer(cfg)
		assert.ErrorIs(t, err, ErrServerConfig, "%+v", cfg)
	}
}

// BenchmarkServerSequenceMessage measures one in-order request-reply
// message through the layer (store, reply numbering, caching).
func BenchmarkServerSequenceMessage(b *testing.B) {
	layer, err := ServerLayer(ServerConfig{MaxTransferWindowSize: 8, InactivityTimeout: time.Hour})
	require.NoError(b, err)
	app := soap.HandlerFunc(func(ctx context.Context, req *soap.Message) (*soap.Message, error) {
		return soap.Reply(req, testEcho+"Response", textPayload("echoResponse", "ok"))
	})
	h := soap.ChainHandler(app, layer)
	ctx := context.Background()
	resp, err := h.ServeSOAP(ctx, onWire(b, createSequenceMsg(V11, offerID(1))))
	require.NoError(b, err)
	csr, err := wire.ParseCreateSequenceResponse(resp.Payload())
	require.NoError(b, err)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		b.StopTimer()
		m := onWire(b, seqMsg(V11, csr.Identifier, uint64(i+1), testEcho, "x"))
		b.StartTimer()
		if _, err := h.ServeSOAP(ctx, m); err != nil {
			b.Fatal(err)
		}
	}
}

// TestServerRolloverFaultVersion: a header fault about a Sequence header
// that does not parse is in the header's version and names its sequence.
func TestServerRolloverFaultVersion(t *testing.T) {
	f := newFixture(t, ServerConfig{})
	ctx := context.Background()
	v := V200502
	id := f.createSeq(ctx, v, "")
	r := f.call(ctx, seqMsg(v, id, 1<<63, testPing, "x"))
	requireFault(t, r, v, "MessageNumberRollover", wire.ErrMessageNumberRollover)
	fl := mustFault(t, r)
	assert.Equal(t, v.Namespace(), fl.Subcodes[0].Space)
	wf, err := wire.ParseFault(v, fl, nil)
	require.NoError(t, err)
	assert.Equal(t, id, wf.Identifier)
}

// TestServerCreateSequenceHeaders: a CreateSequence without MessageID gets
// WS-Addressing's MessageAddressingHeaderRequired (WCF B1801); one with a
// mustUnderstand UsesSequenceSSL (which WCF does not support, R2402) gets
// a MustUnderstand fault.
func TestServerCreateSequenceHeaders(t *testing.T) {
	f := newFixture(t, ServerConfig{})
	ctx := context.Background()
	m := createSequenceMsg(V11, "")
	a := m.Addressing
	a.MessageID = ""
	m.SetAddressing(a)
	requireFault(t, f.call(ctx, m), V11, "MessageAddressingHeaderRequired", errNoMessageID)

	m = createSequenceMsg(V11, "")
	h := wire.UsesSequenceSSL.Build()
	m.AddHeader(h)
	m.SetMustUnderstand(h)
	r := f.call(ctx, m)
	require.True(t, r.IsFault())
	assert.Equal(t, soap.CodeMustUnderstand, mustFault(t, r).Code)
	assert.Zero(t, f.store.Len())
}

// TestServerInProgressRetransmission: a retransmission that arrives while
// its message is being delivered waits for the reply instead of running
// the operation again.
func TestServerInProgressRetransmission(t *testing.T) {
	srv, err := newServer(ServerConfig{DeliveryTimeout: 5 * time.Second})
	require.NoError(t, err)
	entered, release := make(chan struct{}), make(chan struct{})
	runs := 0
	app := soap.HandlerFunc(func(ctx context.Context, req *soap.Message) (*soap.Message, error) {
		runs++
		close(entered)
		<-release
		return soap.Reply(req, testEcho+"Response", textPayload("echoResponse", "slow"))
	})
	h := &serverHandler{s: srv, next: app}
	ctx := context.Background()
	resp, err := h.ServeSOAP(ctx, onWire(t, createSequenceMsg(V11, offerID(1))))
	require.NoError(t, err)
	csr, err := wire.ParseCreateSequenceResponse(resp.Payload())
	require.NoError(t, err)
	req := seqMsg(V11, csr.Identifier, 1, testEcho, "x")
	replies := make([]*soap.Message, 2)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		replies[0], _ = h.ServeSOAP(ctx, onWire(t, req))
	}()
	<-entered
	wg.Add(1)
	go func() {
		defer wg.Done()
		replies[1], _ = h.ServeSOAP(ctx, onWire(t, req))
	}()
	require.Eventually(t, func() bool { // the retransmission waits
		srv.waiters.mu.Lock()
		defer srv.waiters.mu.Unlock()
		return srv.waiters.n == 1
	}, 5*time.Second, time.Millisecond)
	close(release)
	wg.Wait()
	assert.Equal(t, 1, runs)
	for _, r := range replies {
		require.NotNil(t, r)
		assert.Equal(t, "slow", r.Payload().Text())
		assert.EqualValues(t, 1, seqOf(t, r, V11).MessageNumber)
	}
}

// TestServerOperationPanic: a panicking operation is answered with an
// opaque Receiver fault as its reply; the sequence goes on.
func TestServerOperationPanic(t *testing.T) {
	layer, err := ServerLayer(ServerConfig{})
	require.NoError(t, err)
	app := soap.HandlerFunc(func(ctx context.Context, req *soap.Message) (*soap.Message, error) {
		if req.Payload().Text() == "boom" {
			panic("boom")
		}
		return soap.Reply(req, testEcho+"Response", textPayload("echoResponse", "ok"))
	})
	h := soap.ChainHandler(app, layer)
	ctx := context.Background()
	resp, err := h.ServeSOAP(ctx, onWire(t, createSequenceMsg(V11, offerID(1))))
	require.NoError(t, err)
	csr, err := wire.ParseCreateSequenceResponse(resp.Payload())
	require.NoError(t, err)
	r, err := h.ServeSOAP(ctx, onWire(t, seqMsg(V11, csr.Identifier, 1, testEcho, "boom")))
	require.NoError(t, err)
	require.True(t, r.IsFault())
	assert.Equal(t, soap.CodeReceiver, mustFault(t, r).Code)
	assert.NotContains(t, mustFault(t, r).Reason(), "boom", "the panic stays in the log")
	r, err = h.ServeSOAP(ctx, onWire(t, seqMsg(V11, csr.Identifier, 2, testEcho, "x")))
	require.NoError(t, err)
	assert.Equal(t, "ok", r.Payload().Text())
}

// TestServerDuplicateNewMessageID: a retransmission with a new MessageID
// gets the cached reply related to it.
func TestServerDuplicateNewMessageID(t *testing.T) {
	f := newFixture(t, ServerConfig{})
	ctx := context.Background()
	id := f.createSeq(ctx, V11, offerID(1))
	r1 := f.call(ctx, seqMsg(V11, id, 1, testEcho, "a"))
	again := seqMsg(V11, id, 1, testEcho, "a") // a fresh MessageID
	r2 := f.call(ctx, again)
	assert.Equal(t, []string{"a"}, f.ran())
	assert.Equal(t, r1.Addressing.MessageID, r2.Addressing.MessageID)
	require.Len(t, r2.Addressing.RelatesTo, 1)
	assert.Equal(t, again.Addressing.MessageID, r2.Addressing.RelatesTo[0].ID)
	assert.Equal(t, "echo:a", r2.Payload().Text())
}
