package reliable

import (
	"bytes"
	"context"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/soapstack/soapstack/reliable/internal/wire"
	"github.com/soapstack/soapstack/soap"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestServerSession runs a whole request-reply session in each version:
// CreateSequence with an offer, an echo, a one-way ping, the end of the
// sequence (1.0 LastMessage, 1.1 CloseSequence) and TerminateSequence.
func TestServerSession(t *testing.T) {
	for _, v := range []Version{V200502, V11} {
		t.Run(v.String(), func(t *testing.T) {
			f := newFixture(t, ServerConfig{})
			ctx := context.Background()
			offer := offerID(1)
			id := f.createSeq(ctx, v, offer)

			r := f.call(ctx, seqMsg(v, id, 1, testEcho, "a"))
			require.False(t, r.IsFault(), "%v", faultCause(r))
			assert.Equal(t, "echo:a", r.Payload().Text())
			sq := seqOf(t, r, v)
			assert.Equal(t, offer, sq.Identifier)
			assert.EqualValues(t, 1, sq.MessageNumber)
			assert.NotNil(t, r.FindHeader(v.Namespace(), "AckRequested"))
			a := ackOf(t, r, v, id)
			assert.Equal(t, []wire.Range{{Lower: 1, Upper: 1}}, a.Ranges)
			require.NotNil(t, a.BufferRemaining)
			assert.Equal(t, DefaultWindow, *a.BufferRemaining)

			r = f.call(ctx, withReplyAck(seqMsg(v, id, 2, testPing, "p"), v, offer, wire.Range{Lower: 1, Upper: 1}))
			assert.Equal(t, v.SequenceAcknowledgementAction(), r.Addressing.Action)
			assert.Equal(t, []wire.Range{{Lower: 1, Upper: 2}}, ackOf(t, r, v, id).Ranges)
			assert.Nil(t, r.FindHeader(v.Namespace(), "Sequence"), "a one-way message gets no reply-sequence message")

			r = f.call(ctx, withReplyAck(seqMsg(v, id, 3, testEcho, "b"), v, offer, wire.Range{Lower: 1, Upper: 1}))
			assert.EqualValues(t, 2, seqOf(t, r, v).MessageNumber, "replies are numbered in the order they are made")

			if v == V200502 {
				lm := request(soap.V12, soap.WSA10, v.LastMessageAction(), nil)
				sh := (&wire.Sequence{Version: v, Identifier: id, MessageNumber: 4, LastMessage: true}).Build()
				lm.AddHeader(sh)
				r = f.call(ctx, lm)
				assert.Equal(t, v.LastMessageAction(), r.Addressing.Action)
				sq := seqOf(t, r, v)
				assert.Equal(t, offer, sq.Identifier)
				assert.True(t, sq.LastMessage)
				assert.EqualValues(t, 3, sq.MessageNumber)
				assert.Equal(t, []wire.Range{{Lower: 1, Upper: 4}}, ackOf(t, r, v, id).Ranges)

				r = f.call(ctx, withReplyAck(controlMsg(v, wire.TerminateSequence, id, 0), v, offer, wire.Range{Lower: 1, Upper: 3}))
				assert.Equal(t, v.TerminateSequenceAction(), r.Addressing.Action, "1.0 answers with the reply sequence's TerminateSequence")
				sc, err := wire.ParseSequenceControl(r.Payload())
				require.NoError(t, err)
				assert.Equal(t, offer, sc.Identifier)
			} else {
				r = f.call(ctx, withReplyAck(controlMsg(v, wire.CloseSequence, id, 3), v, offer, wire.Range{Lower: 1, Upper: 2}))
				assert.Equal(t, v.CloseSequenceResponseAction(), r.Addressing.Action)
				a := ackOf(t, r, v, id)
				assert.True(t, a.Final)
				assert.Equal(t, []wire.Range{{Lower: 1, Upper: 3}}, a.Ranges)
				r = f.call(ctx, controlMsg(v, wire.TerminateSequence, id, 3))
				assert.Equal(t, v.TerminateSequenceResponseAction(), r.Addressing.Action)
				assert.True(t, ackOf(t, r, v, id).Final)
			}
			assert.Equal(t, []string{"a", "p", "b"}, f.ran())
			// Reclaimed at once (WCF B1303): late messages are unknown.
			r = f.call(ctx, seqMsg(v, id, 9, testEcho, "late"))
			requireFault(t, r, v, "UnknownSequence", ErrUnknownSequence)
			assert.Zero(t, f.store.Len())
		})
	}
}

// TestServerOrdering sends 3, then 1 and 2 concurrently: the operation
// sees 1, 2, 3, and every exchange gets its own reply.
func TestServerOrdering(t *testing.T) {
	before := runtime.NumGoroutine()
	for _, v := range []Version{V200502, V11} {
		t.Run(v.String(), func(t *testing.T) {
			f := newFixture(t, ServerConfig{DeliveryTimeout: 10 * time.Second})
			ctx := context.Background()
			id := f.createSeq(ctx, v, offerID(2))
			replies := make([]*soap.Message, 4)
			var wg sync.WaitGroup
			send := func(n uint64, text string) {
				defer wg.Done()
				replies[n] = f.call(ctx, seqMsg(v, id, n, testEcho, text))
			}
			wg.Add(1)
			go send(3, "c")
			require.Eventually(t, func() bool {
				st, err := f.store.Get(ctx, id, f.clock())
				return err == nil && st.Buffered == 1
			}, 5*time.Second, time.Millisecond)
			wg.Add(2)
			go send(1, "a")
			go send(2, "b")
			wg.Wait()
			assert.Equal(t, []string{"a", "b", "c"}, f.ran())
			for n, want := range map[int]string{1: "echo:a", 2: "echo:b", 3: "echo:c"} {
				require.False(t, replies[n].IsFault(), "%v", faultCause(replies[n]))
				assert.Equal(t, want, replies[n].Payload().Text())
				assert.EqualValues(t, n, seqOf(t, replies[n], v).MessageNumber, "reply numbers follow delivery order")
			}
		})
	}
	requireNoLeak(t, before)
}

// requireNoLeak waits for the goroutine count to fall back to before.
func requireNoLeak(t *testing.T, before int) {
	t.Helper()
	for i := 0; i < 500 && runtime.NumGoroutine() > before; i++ {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		buf := make([]byte, 1<<16)
		t.Fatalf("goroutines leaked: %d before, %d after\n%s", before, n, buf[:runtime.Stack(buf, true)])
	}
}

// TestServerDuplicate: a retransmission gets the cached reply, the
// operation runs once.
func TestServerDuplicate(t *testing.T) {
	f := newFixture(t, ServerConfig{})
	ctx := context.Background()
	v := V11
	id := f.createSeq(ctx, v, offerID(3))
	req := seqMsg(v, id, 1, testEcho, "once")
	r1 := f.call(ctx, req)
	r2 := f.call(ctx, req)
	assert.Equal(t, []string{"once"}, f.ran())
	b1, b2 := bodyBytes(t, r1), bodyBytes(t, r2)
	assert.True(t, bytes.Equal(b1, b2), "duplicate gets the same reply body")
	assert.Equal(t, r1.Addressing.MessageID, r2.Addressing.MessageID)
	assert.EqualValues(t, 1, seqOf(t, r2, v).MessageNumber, "same reply number")

	p := seqMsg(v, id, 2, testPing, "ping")
	f.call(ctx, p)
	r := f.call(ctx, p)
	assert.Equal(t, v.SequenceAcknowledgementAction(), r.Addressing.Action)
	assert.Equal(t, []string{"once", "ping"}, f.ran())
}

func bodyBytes(t *testing.T, m *soap.Message) []byte {
	d := m.Doc.Copy()
	var buf bytes.Buffer
	for _, el := range d.FindElements("//Body") {
		el.WriteTo(&buf, &d.WriteSettings)
	}
	return buf.Bytes()
}

// TestServerOutOfOrderTimeout: a message ahead of a gap waits
// DeliveryTimeout, then is acknowledged only; its retransmission after
// the gap is filled gets the cached reply.
func TestServerOutOfOrderTimeout(t *testing.T) {
	f := newFixture(t, ServerConfig{DeliveryTimeout: 20 * time.Millisecond})
	ctx := context.Background()
	v := V200502
	id := f.createSeq(ctx, v, offerID(4))
	r := f.call(ctx, seqMsg(v, id, 2, testEcho, "two"))
	assert.Equal(t, v.SequenceAcknowledgementAction(), r.Addressing.Action)
	assert.Equal(t, []wire.Range{{Lower: 2, Upper: 2}}, ackOf(t, r, v, id).Ranges)
	assert.Empty(t, f.ran())
	r = f.call(ctx, seqMsg(v, id, 1, testEcho, "one"))
	assert.Equal(t, "echo:one", r.Payload().Text())
	assert.Equal(t, []string{"one", "two"}, f.ran(), "the buffered message is delivered by the exchange that filled the gap")
	r = f.call(ctx, seqMsg(v, id, 2, testEcho, "two"))
	assert.Equal(t, "echo:two", r.Payload().Text())
	assert.Equal(t, []wire.Range{{Lower: 1, Upper: 2}}, ackOf(t, r, v, id).Ranges)
	assert.Len(t, f.ran(), 2)
}

// TestServerWindow: a message beyond the transfer window is dropped, not
// acknowledged.
func TestServerWindow(t *testing.T) {
	f := newFixture(t, ServerConfig{MaxTransferWindowSize: 2, DeliveryTimeout: time.Millisecond})
	ctx := context.Background()
	v := V11
	id := f.createSeq(ctx, v, offerID(5))
	r := f.call(ctx, seqMsg(v, id, 2, testEcho, "in"))
	a := ackOf(t, r, v, id)
	assert.Equal(t, []wire.Range{{Lower: 2, Upper: 2}}, a.Ranges)
	assert.Equal(t, 1, *a.BufferRemaining)
	r = f.call(ctx, seqMsg(v, id, 3, testEcho, "out"))
	assert.Equal(t, []wire.Range{{Lower: 2, Upper: 2}}, ackOf(t, r, v, id).Ranges, "beyond the window: not acknowledged")
	assert.Empty(t, f.ran())
}

// TestServerInactivity: a sequence idle past InactivityTimeout is gone.
func TestServerInactivity(t *testing.T) {
	f := newFixture(t, ServerConfig{})
	ctx := context.Background()
	v := V11
	id := f.createSeq(ctx, v, offerID(6))
	f.call(ctx, seqMsg(v, id, 1, testEcho, "x"))
	f.advance(DefaultInactivityTimeout + time.Second)
	r := f.call(ctx, seqMsg(v, id, 2, testEcho, "y"))
	requireFault(t, r, v, "UnknownSequence", ErrUnknownSequence)
}

// TestServerKeepAlive: a stand-alone AckRequested is answered with the
// acknowledgement (1.0's 0-0 form before any message).
func TestServerKeepAlive(t *testing.T) {
	for _, v := range []Version{V200502, V11} {
		f := newFixture(t, ServerConfig{FlowControlDisabled: true})
		ctx := context.Background()
		id := f.createSeq(ctx, v, "")
		m := request(soap.V12, soap.WSA10, v.AckRequestedAction(), nil)
		m.AddHeader((&wire.AckRequested{Version: v, Identifier: id}).Build())
		r := f.call(ctx, m)
		assert.Equal(t, v.SequenceAcknowledgementAction(), r.Addressing.Action)
		el := r.FindHeader(v.Namespace(), "SequenceAcknowledgement")
		require.NotNil(t, el)
		if v == V200502 {
			assert.Equal(t, "0", el.FindElement("AcknowledgementRange").SelectAttrValue("Upper", ""))
		} else {
			assert.NotNil(t, el.FindElement("None"))
		}
		assert.Nil(t, el.FindElement("BufferRemaining"), "flow control off")
	}
}

// TestServerEmptyAckMessage: Apache CXF's client sends a
// SequenceAcknowledgement message with no header at all after a WS-RM 1.0
// session; it is answered with HTTP 202, while an AckRequested message
// without its header is malformed.
func TestServerEmptyAckMessage(t *testing.T) {
	for _, v := range []Version{V200502, V11} {
		f := newFixture(t, ServerConfig{})
		ctx := context.Background()
		f.createSeq(ctx, v, "")
		r := f.call(ctx, request(soap.V12, soap.WSA10, v.SequenceAcknowledgementAction(), nil))
		assert.Nil(t, r, "%s: an empty SequenceAcknowledgement message gets no answer", v)
		r = f.call(ctx, request(soap.V12, soap.WSA10, v.AckRequestedAction(), nil))
		require.NotNil(t, r)
		require.True(t, r.IsFault(), "%s: AckRequested without its header", v)
		assert.Empty(t, f.ran())
	}
}

// TestServerStaleAck: a retransmission carries the acknowledgement it was
// first sent with, older than the last one: it is ignored, not refused.
func TestServerStaleAck(t *testing.T) {
	f := newFixture(t, ServerConfig{})
	ctx := context.Background()
	v := V11
	offer := offerID(1)
	id := f.createSeq(ctx, v, offer)
	f.call(ctx, seqMsg(v, id, 1, testEcho, "a"))
	f.call(ctx, seqMsg(v, id, 2, testEcho, "b"))
	first := withReplyAck(seqMsg(v, id, 3, testEcho, "c"), v, offer, wire.Range{Lower: 1, Upper: 1})
	f.call(ctx, withReplyAck(seqMsg(v, id, 4, testEcho, "d"), v, offer, wire.Range{Lower: 1, Upper: 3}))
	r := f.call(ctx, first)
	require.False(t, r.IsFault(), "%v", faultCause(r))
	assert.Equal(t, "echo:c", r.Payload().Text())
	// Forgetting 2 and 3 while acknowledging 4 is inconsistent.
	r = f.call(ctx, withReplyAck(seqMsg(v, id, 5, testEcho, "e"), v, offer, wire.Range{Lower: 1, Upper: 1}, wire.Range{Lower: 4, Upper: 4}))
	requireFault(t, r, v, "InvalidAcknowledgement", ErrAckUnsent)
}

// TestServerResume: a node delivering a buffered message went away (its
// claim lapsed); the next message resumes the sequence from the store:
// the stranded message is delivered from its stored bytes, then the new
// one, in order.
func TestServerResume(t *testing.T) {
	f := newFixture(t, ServerConfig{ClaimTimeout: time.Second, DeliveryTimeout: 5 * time.Second})
	ctx := context.Background()
	v := V11
	id := f.createSeq(ctx, v, offerID(2))
	// Another node: 2 buffered, 1 delivered, the claim on 2 granted, then
	// the node is gone.
	two, err := storedForm(onWire(t, seqMsg(v, id, 2, testEcho, "two")))
	require.NoError(t, err)
	now := f.clock()
	_, err = f.store.Accept(ctx, id, Incoming{Number: 2, Message: two, Now: now, ClaimUntil: now.Add(time.Second)})
	require.NoError(t, err)
	acc, err := f.store.Accept(ctx, id, Incoming{Number: 1, Message: []byte("x"), Now: now, ClaimUntil: now.Add(time.Second)})
	require.NoError(t, err)
	require.Equal(t, OutcomeDeliver, acc.Outcome)
	d, err := f.store.Complete(ctx, id, Owner{}, 1, acc.Claim, nil, now, now.Add(time.Second))
	require.NoError(t, err)
	require.NotNil(t, d)
	f.advance(2 * time.Second)

	r := f.call(ctx, seqMsg(v, id, 3, testEcho, "three"))
	require.False(t, r.IsFault(), "%v", faultCause(r))
	assert.Equal(t, "echo:three", r.Payload().Text())
	assert.Equal(t, []string{"two", "three"}, f.ran())
	assert.Equal(t, []wire.Range{{Lower: 1, Upper: 3}}, ackOf(t, r, v, id).Ranges)
	// The stranded message's reply was cached for its retransmission.
	r = f.call(ctx, seqMsg(v, id, 2, testEcho, "two"))
	assert.Equal(t, "echo:two", r.Payload().Text())
	assert.Len(t, f.ran(), 2)
}
