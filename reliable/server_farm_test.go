package reliable

import (
	"context"
	"fmt"
	"log/slog"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/soapstack/soapstack/reliable/internal/wire"
	"github.com/soapstack/soapstack/soap"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestServerFarmRequestReply runs one request-reply session whose
// consecutive messages go to two server layers (the nodes of a farm)
// sharing one store, alternately, with duplicates, out-of-order and
// concurrent messages: every reply carries the right number on the reply
// sequence, every operation runs once, retransmissions get the cached
// reply, the client's acknowledgements of the replies are checked on
// either node against the replies the other sent, and a third node that
// never saw the session ends it.
func TestServerFarmRequestReply(t *testing.T) {
	for _, v := range []Version{V200502, V11} {
		t.Run(v.String(), func(t *testing.T) { testFarm(t, v) })
	}
}

func testFarm(t *testing.T, v Version) {
	ctx := context.Background()
	a := newFixture(t, ServerConfig{})
	b := newFixture(t, ServerConfig{Store: a.store})
	offer := offerID(5)
	id := b.createSeq(ctx, v, offer)

	// Message 3 is one-way: the replies are numbered without it.
	replyNumber := map[uint64]uint64{1: 1, 2: 2, 4: 3, 5: 4, 6: 5, 7: 6}
	msgOf := func(n uint64) *soap.Message {
		if n == 3 {
			return seqMsg(v, id, n, testPing, "m3")
		}
		return seqMsg(v, id, n, testEcho, fmt.Sprintf("m%d", n))
	}
	// wantReply checks that r is the reply to message n.
	wantReply := func(r *soap.Message, n uint64) {
		t.Helper()
		require.False(t, r.IsFault(), "%v", faultCause(r))
		assert.Equal(t, fmt.Sprintf("echo:m%d", n), r.Payload().Text())
		sq := seqOf(t, r, v)
		assert.Equal(t, offer, sq.Identifier)
		assert.Equal(t, replyNumber[n], sq.MessageNumber, "reply number of message %d", n)
	}
	wantAckOnly := func(r *soap.Message, ranges ...wire.Range) {
		t.Helper()
		require.False(t, r.IsFault(), "%v", faultCause(r))
		assert.Equal(t, v.SequenceAcknowledgementAction(), r.Addressing.Action)
		assert.Nil(t, r.FindHeader(v.Namespace(), "Sequence"))
		assert.Equal(t, ranges, ackOf(t, r, v, id).Ranges)
	}

	wantReply(a.call(ctx, msgOf(1)), 1)
	wantReply(b.call(ctx, msgOf(1)), 1) // duplicate on the other node
	wantReply(b.call(ctx, msgOf(2)), 2)
	wantAckOnly(a.call(ctx, msgOf(3)), wire.Range{Lower: 1, Upper: 3})
	// 5 before 4, on b: buffered; b's exchange waits, then gets an
	// acknowledgement.
	wantAckOnly(b.call(ctx, msgOf(5)), wire.Range{Lower: 1, Upper: 3}, wire.Range{Lower: 5, Upper: 5})
	// 4 on a, with the acknowledgement of replies b and a sent: a
	// delivers 4, then 5 from its stored bytes.
	wantReply(a.call(ctx, withReplyAck(msgOf(4), v, offer, wire.Range{Lower: 1, Upper: 2})), 4)
	assert.Equal(t, []string{"m5"}, a.ran()[len(a.ran())-1:], "a delivered the buffered message")
	// The retransmission of 5 on b gets the reply a cached.
	wantReply(b.call(ctx, msgOf(5)), 5)

	// 7 on b while 6 is delivered on a: either node may deliver 7.
	seven := onWire(t, msgOf(7))
	done := make(chan *soap.Message, 1)
	go func() {
		r, err := b.h.ServeSOAP(ctx, seven)
		if err != nil {
			r = nil
		}
		done <- r
	}()
	wantReply(a.call(ctx, withReplyAck(msgOf(6), v, offer, wire.Range{Lower: 1, Upper: 4})), 6)
	r7 := <-done
	require.NotNil(t, r7)
	if r7.Addressing.Action != v.SequenceAcknowledgementAction() {
		wantReply(r7, 7)
	}
	wantReply(a.call(ctx, msgOf(7)), 7) // retransmission: the cached reply
	// Reply 2 was acknowledged (1-4, on message 6): the client has it, the
	// store dropped it, and a late duplicate of 2 gets an acknowledgement.
	wantAckOnly(b.call(ctx, msgOf(2)), wire.Range{Lower: 1, Upper: 7})

	// Acknowledgements of the replies, on b: an older one is ignored; one
	// of a reply never sent (by either node) is refused.
	ackMsg := func(ranges ...wire.Range) *soap.Message {
		return withReplyAck(request(soap.V12, soap.WSA10, v.SequenceAcknowledgementAction(), nil), v, offer, ranges...)
	}
	assert.Nil(t, b.call(ctx, ackMsg(wire.Range{Lower: 1, Upper: 2})))
	requireFault(t, b.call(ctx, ackMsg(wire.Range{Lower: 1, Upper: 7})), v, "InvalidAcknowledgement", ErrAckUnsent)
	assert.Nil(t, b.call(ctx, ackMsg(wire.Range{Lower: 1, Upper: 6})))
	st, err := a.store.GetByOffer(ctx, offer, a.clock())
	require.NoError(t, err)
	assert.Equal(t, []AckRange{{Lower: 1, Upper: 6}}, st.RepliesAcked)
	assert.Equal(t, int64(6), st.Replies)

	// A node that never saw the session ends it.
	c := newFixture(t, ServerConfig{Store: a.store})
	requireFault(t, c.call(ctx, controlMsg(v, wire.TerminateSequence, offer, 0)), v, "UnknownSequence", ErrNotDestination)
	if v == V200502 {
		// LastMessage on c gets the reply sequence's last message, next
		// number; TerminateSequence the reply sequence's.
		lm := request(soap.V12, soap.WSA10, v.LastMessageAction(), nil)
		sh := (&wire.Sequence{Version: v, Identifier: id, MessageNumber: 8, LastMessage: true}).Build()
		lm.AddHeader(sh)
		lm.SetMustUnderstand(sh)
		r := c.call(ctx, lm)
		require.False(t, r.IsFault(), "%v", faultCause(r))
		sq := seqOf(t, r, v)
		assert.Equal(t, offer, sq.Identifier)
		assert.Equal(t, uint64(7), sq.MessageNumber)
		assert.True(t, sq.LastMessage)
		r = c.call(ctx, controlMsg(v, wire.TerminateSequence, id, 0))
		require.False(t, r.IsFault(), "%v", faultCause(r))
		sc, err := wire.ParseSequenceControl(r.Payload())
		require.NoError(t, err)
		assert.Equal(t, wire.TerminateSequence, sc.Kind)
		assert.Equal(t, offer, sc.Identifier)
	} else {
		r := c.call(ctx, controlMsg(v, wire.CloseSequence, id, 7))
		require.False(t, r.IsFault(), "%v", faultCause(r))
		ack := ackOf(t, r, v, id)
		assert.True(t, ack.Final)
		assert.Equal(t, []wire.Range{{Lower: 1, Upper: 7}}, ack.Ranges)
		r = c.call(ctx, controlMsg(v, wire.TerminateSequence, id, 7))
		require.False(t, r.IsFault(), "%v", faultCause(r))
		assert.Equal(t, v.TerminateSequenceResponseAction(), r.Addressing.Action)
	}
	_, err = a.store.GetByOffer(ctx, offer, a.clock())
	assert.ErrorIs(t, err, ErrUnknownSequence, "the terminated sequence is removed with its offer")

	// Every operation ran once, on whichever node.
	ran := append(append(a.ran(), b.ran()...), c.ran()...)
	sort.Strings(ran)
	assert.Equal(t, []string{"m1", "m2", "m3", "m4", "m5", "m6", "m7"}, ran)
}

// TestServerFarmWaitElsewhere: a request waits on one node for its turn
// while another node delivers it (from its stored bytes, after the
// message before): when its wait ends the waiting exchange finds the
// reply in the store and answers with it, not with an acknowledgement.
func TestServerFarmWaitElsewhere(t *testing.T) {
	ctx := context.Background()
	v := V11
	a := newFixture(t, ServerConfig{})
	b := newFixture(t, ServerConfig{Store: a.store, DeliveryTimeout: 200 * time.Millisecond})
	offer := offerID(6)
	id := a.createSeq(ctx, v, offer)
	two := onWire(t, seqMsg(v, id, 2, testEcho, "m2"))
	done := make(chan *soap.Message, 1)
	go func() {
		r, _ := b.h.ServeSOAP(ctx, two)
		done <- r
	}()
	// 2 is buffered (b's exchange waits) before 1 reaches a.
	require.Eventually(t, func() bool {
		st, err := a.store.Get(ctx, id, a.clock())
		return err == nil && st.Buffered == 1
	}, 5*time.Second, time.Millisecond)
	r := a.call(ctx, seqMsg(v, id, 1, testEcho, "m1"))
	require.False(t, r.IsFault(), "%v", faultCause(r))
	assert.Equal(t, uint64(1), seqOf(t, r, v).MessageNumber)
	r = <-done
	require.NotNil(t, r)
	require.False(t, r.IsFault(), "%v", faultCause(r))
	assert.Equal(t, "echo:m2", r.Payload().Text())
	assert.Equal(t, uint64(2), seqOf(t, r, v).MessageNumber)
	assert.Equal(t, []string{"m1", "m2"}, a.ran(), "a delivered 2 after 1")
	assert.Empty(t, b.ran())
}

// TestServerFarmPoll: a request waiting on one node for its turn is
// answered with the reply once another node delivered it (from the
// stored copy, the node having no waiter of its own), by polling the
// shared store, long before its DeliveryTimeout (an hour here).
func TestServerFarmPoll(t *testing.T) {
	ctx := context.Background()
	cfg := ServerConfig{DeliveryTimeout: time.Hour, PollInterval: 2 * time.Millisecond}
	a := newFixture(t, cfg)
	cfg.Store = a.store
	b := newFixture(t, cfg)
	v := V11
	id := a.createSeq(ctx, v, offerID(3))
	require.False(t, a.call(ctx, seqMsg(v, id, 1, testEcho, "m1")).IsFault())
	got := make(chan *soap.Message, 1)
	go func() {
		r, err := b.h.ServeSOAP(ctx, onWire(t, seqMsg(v, id, 3, testEcho, "m3")))
		assert.NoError(t, err)
		got <- r
	}()
	require.Eventually(t, func() bool {
		st, err := a.store.Get(ctx, id, a.clock())
		return err == nil && st.Buffered == 1
	}, 10*time.Second, time.Millisecond, "message 3 buffered on b")
	require.False(t, a.call(ctx, seqMsg(v, id, 2, testEcho, "m2")).IsFault())
	assert.Equal(t, []string{"m1", "m2", "m3"}, a.ran(), "a delivered 3 from the store")
	select {
	case r := <-got:
		require.False(t, r.IsFault(), "%v", faultCause(r))
		assert.Equal(t, "echo:m3", r.Payload().Text())
	case <-time.After(30 * time.Second):
		t.Fatal("b's exchange did not learn that a delivered its message")
	}
	assert.Empty(t, b.ran(), "b ran nothing")
}

// TestServerPollIntervalConfig: a negative PollInterval is refused.
func TestServerPollIntervalConfig(t *testing.T) {
	_, err := ServerLayer(ServerConfig{Store: NewMemoryStore(), PollInterval: -time.Millisecond})
	assert.ErrorIs(t, err, ErrServerConfig)
}

// TestServerFarmRedelivery opens the one window of exactly once: node a
// runs message 1 and "dies" before completing it (its operation does not
// return). Until the claim ends, the retransmission on node b waits and
// gets an acknowledgement only; past it, b takes the claim over and runs
// the message again, and b's operation is told it is a redelivery
// (DeliveryFromContext), as a's was not. a's late completion is refused
// (the claim is lost): the message is completed once, and a later
// retransmission gets b's reply.
func TestServerFarmRedelivery(t *testing.T) {
	ctx := context.Background()
	v := V11
	a := newFixture(t, ServerConfig{})
	var (
		mu   sync.Mutex
		seen []string // node, number, redelivery, whether the sequence was named
		id   string
	)
	release := make(chan struct{})
	app := func(node string, block bool) soap.Handler {
		return soap.HandlerFunc(func(ctx context.Context, req *soap.Message) (*soap.Message, error) {
			d, ok := DeliveryFromContext(ctx)
			mu.Lock()
			seen = append(seen, fmt.Sprintf("%s:%d:%v:%v", node, d.Number, d.Redelivery, ok && d.Sequence == id))
			mu.Unlock()
			if block {
				<-release
			}
			return soap.Reply(req, testEcho+"Response", textPayload("echoResponse", node))
		})
	}
	layer := func() soap.ServerLayer {
		l, err := ServerLayer(ServerConfig{Store: a.store, Now: a.clock, ClaimTimeout: time.Minute,
			DeliveryTimeout: 50 * time.Millisecond, Logger: slog.New(slog.DiscardHandler)})
		require.NoError(t, err)
		return l
	}
	a.h = soap.ChainHandler(app("a", true), layer())
	b := soap.ChainHandler(app("b", false), layer())
	id = a.createSeq(ctx, v, offerID(7))
	one := func() *soap.Message { return onWire(t, seqMsg(v, id, 1, testEcho, "m1")) }
	doneA := make(chan struct{})
	go func() {
		defer close(doneA)
		_, _ = a.h.ServeSOAP(ctx, one())
	}()
	require.Eventually(t, func() bool { mu.Lock(); defer mu.Unlock(); return len(seen) == 1 }, 5*time.Second, time.Millisecond)

	r, err := b.ServeSOAP(ctx, one())
	require.NoError(t, err)
	assert.Equal(t, v.SequenceAcknowledgementAction(), r.Addressing.Action, "claimed by a: not run again before the claim ends")
	a.advance(2 * time.Minute)
	r, err = b.ServeSOAP(ctx, one())
	require.NoError(t, err)
	require.False(t, r.IsFault(), "%v", faultCause(r))
	assert.Equal(t, "b", r.Payload().Text())
	close(release)
	<-doneA
	r, err = b.ServeSOAP(ctx, one())
	require.NoError(t, err)
	assert.Equal(t, "b", r.Payload().Text(), "completed once, by b")
	assert.Equal(t, []string{"a:1:false:true", "b:1:true:true"}, seen)
}

// TestServerFarmOfferReused: node a caches which request sequence an
// offered identifier belongs to (it reads the store for it only once);
// the sequence ends on node b and a new one reuses the offered
// identifier. a's next acknowledgement of the reply sequence reaches the
// new sequence: the stale entry is dropped and the store read again.
func TestServerFarmOfferReused(t *testing.T) {
	ctx := context.Background()
	v := V11
	a := newFixture(t, ServerConfig{})
	b := newFixture(t, ServerConfig{Store: a.store})
	offer := offerID(8)
	id1 := a.createSeq(ctx, v, offer)
	require.False(t, a.call(ctx, seqMsg(v, id1, 1, testEcho, "m1")).IsFault())
	r := a.call(ctx, withReplyAck(seqMsg(v, id1, 2, testEcho, "m2"), v, offer, wire.Range{Lower: 1, Upper: 1}))
	require.False(t, r.IsFault(), "%v", faultCause(r))
	r = b.call(ctx, controlMsg(v, wire.TerminateSequence, id1, 2))
	require.False(t, r.IsFault(), "%v", faultCause(r))
	_, err := a.store.Get(ctx, id1, a.clock())
	require.ErrorIs(t, err, ErrUnknownSequence, "the first sequence is removed")

	id2 := b.createSeq(ctx, v, offer)
	require.False(t, b.call(ctx, seqMsg(v, id2, 1, testEcho, "n1")).IsFault())
	r = a.call(ctx, withReplyAck(seqMsg(v, id2, 2, testEcho, "n2"), v, offer, wire.Range{Lower: 1, Upper: 1}))
	require.False(t, r.IsFault(), "%v", faultCause(r))
	assert.Equal(t, "echo:n2", r.Payload().Text())
	st, err := a.store.Get(ctx, id2, a.clock())
	require.NoError(t, err)
	assert.Equal(t, []AckRange{{Lower: 1, Upper: 1}}, st.RepliesAcked)
}
