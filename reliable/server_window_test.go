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

// TestServerWindowWait: 50 request-reply messages of one session sent at
// once (in random order) through a window of 8, as Metro's client sends
// its concurrent echoes: the messages beyond the window wait for room
// instead of being answered with an acknowledgement only, so every one
// gets its own reply, the operation runs once for each, in order, and the
// replies are numbered 1..50 in delivery order.
func TestServerWindowWait(t *testing.T) {
	for _, v := range []Version{V200502, V11} {
		t.Run(v.String(), func(t *testing.T) {
			before := runtime.NumGoroutine()
			f := newFixture(t, ServerConfig{MaxTransferWindowSize: 8, DeliveryTimeout: 30 * time.Second})
			ctx := context.Background()
			id := f.createSeq(ctx, v, offerID(7))
			const n = 50
			replies := make([]*soap.Message, n+1)
			var wg sync.WaitGroup
			for _, k := range rand.Perm(n) {
				num := k + 1
				wg.Add(1)
				go func() {
					defer wg.Done()
					replies[num] = f.call(ctx, seqMsg(v, id, uint64(num), testEcho, fmt.Sprint(num)))
				}()
			}
			wg.Wait()
			want := make([]string, n)
			for i := range want {
				want[i] = fmt.Sprint(i + 1)
			}
			assert.Equal(t, want, f.ran(), "each operation ran once, in order")
			for num := 1; num <= n; num++ {
				r := replies[num]
				require.NotNil(t, r, "message %d", num)
				require.False(t, r.IsFault(), "message %d: %v", num, faultCause(r))
				require.NotNil(t, r.Payload(), "message %d is answered with its reply, not an acknowledgement only (%s)", num, r.Addressing.Action)
				assert.Equal(t, fmt.Sprintf("echo:%d", num), r.Payload().Text())
				assert.EqualValues(t, num, seqOf(t, r, v).MessageNumber, "reply numbers follow delivery order")
			}
			st, err := f.store.Get(ctx, id, f.clock())
			require.NoError(t, err)
			assert.Equal(t, []AckRange{{Lower: 1, Upper: n}}, st.Ack.Ranges)
			assert.EqualValues(t, n, st.Replies)
			requireNoLeak(t, before)
		})
	}
}

// TestServerWindowOneWayDrops: a message of a one-way session (no offer)
// beyond the window is still dropped at once, not held for
// DeliveryTimeout: its source retransmits what stays unacknowledged.
func TestServerWindowOneWayDrops(t *testing.T) {
	f := newFixture(t, ServerConfig{MaxTransferWindowSize: 2, DeliveryTimeout: 10 * time.Minute})
	ctx := context.Background()
	v := V11
	id := f.createSeq(ctx, v, "")
	done := make(chan *soap.Message, 1)
	go func() { done <- f.call(ctx, seqMsg(v, id, 3, testPing, "beyond")) }()
	r := answerWithin(t, done, "answered without waiting for room")
	assert.Equal(t, v.SequenceAcknowledgementAction(), r.Addressing.Action)
	assert.Empty(t, ackOf(t, r, v, id).Ranges, "dropped: not acknowledged")
	assert.Empty(t, f.ran())
}

// TestServerWindowWaitTimeout: a request-reply message that finds no room
// within DeliveryTimeout is dropped (acknowledgement only, not
// acknowledged itself) and leaves no waiter behind.
func TestServerWindowWaitTimeout(t *testing.T) {
	f := newFixture(t, ServerConfig{MaxTransferWindowSize: 2, DeliveryTimeout: 30 * time.Millisecond})
	ctx := context.Background()
	v := V200502
	id := f.createSeq(ctx, v, offerID(8))
	r := f.call(ctx, seqMsg(v, id, 3, testEcho, "beyond"))
	assert.Equal(t, v.SequenceAcknowledgementAction(), r.Addressing.Action)
	assert.Empty(t, ackOf(t, r, v, id).Ranges)
	assert.Empty(t, f.ran())
	r = f.call(ctx, seqMsg(v, id, 1, testEcho, "one"))
	assert.Equal(t, "echo:one", r.Payload().Text())
	assert.Equal(t, []wire.Range{{Lower: 1, Upper: 1}}, ackOf(t, r, v, id).Ranges)
}

// TestServerStrandedClaim: a message left claimed by an exchange that
// went away (its store call paused past the claim, or its node died):
// the retransmission waiting behind the claim asks the store again when
// the claim's ClaimUntil passes and delivers the message then, instead of
// waiting the whole DeliveryTimeout for news that never comes.
func TestServerStrandedClaim(t *testing.T) {
	f := newFixture(t, ServerConfig{DeliveryTimeout: 10 * time.Minute})
	ctx := context.Background()
	v := V11
	id := f.createSeq(ctx, v, offerID(9))
	// The stranded delivery: claimed for 50 ms, never completed.
	now := f.clock()
	acc, err := f.store.Accept(ctx, id, Incoming{Number: 1, Message: []byte("<x/>"), Now: now, ClaimUntil: now.Add(50 * time.Millisecond)})
	require.NoError(t, err)
	require.Equal(t, OutcomeDeliver, acc.Outcome)
	in, err := f.store.Accept(ctx, id, Incoming{Number: 1, Message: []byte("<x/>"), Now: now, ClaimUntil: now})
	require.NoError(t, err)
	require.Equal(t, OutcomeInProgress, in.Outcome)
	assert.True(t, now.Add(50*time.Millisecond).Equal(in.ClaimUntil), "the store tells when the live claim ends")
	done := make(chan *soap.Message, 1)
	go func() { done <- f.call(ctx, seqMsg(v, id, 1, testEcho, "again")) }()
	// The retransmission waits behind the claim; the clock moves past its
	// end.
	w := f.h.(*serverHandler).s.waiters
	require.Eventually(t, func() bool {
		w.mu.Lock()
		defer w.mu.Unlock()
		return w.n == 1
	}, 5*time.Second, time.Millisecond)
	f.advance(time.Second)
	r := answerWithin(t, done, "the retransmission takes over once the claim has ended")
	require.NotNil(t, r.Payload(), "%s", r.Addressing.Action)
	assert.Equal(t, "echo:again", r.Payload().Text())
	assert.Equal(t, []string{"again"}, f.ran())
	_, err = f.store.Complete(ctx, id, Owner{}, 1, acc.Claim, nil, f.clock(), f.clock())
	assert.ErrorIs(t, err, ErrClaimLost, "the stranded holder's late Complete changes nothing")
}

// answerWithin returns the answer sent on done, failing the test (with
// what) when none comes within 5 s: far below the DeliveryTimeout the
// waits under test would otherwise take.
func answerWithin(t *testing.T, done <-chan *soap.Message, what string) *soap.Message {
	t.Helper()
	select {
	case r := <-done:
		return r
	case <-time.After(5 * time.Second):
		require.FailNow(t, what)
		return nil
	}
}

// TestWaitersRoom: a delivery wakes only the waiters for room whose
// message it brings into the window (one per delivery when they queue up),
// not every waiter of the sequence; other sequences' waiters sleep on.
func TestWaitersRoom(t *testing.T) {
	w := newWaiters(16, 8)
	woken := func(wt *waiter) bool {
		select {
		case r := <-wt.ch:
			require.True(t, r.room)
			return true
		default:
			return false
		}
	}
	ten, seventeen := w.addRoom(wkey{"s", 10}), w.addRoom(wkey{"s", 17})
	other := w.addRoom(wkey{"o", 3})
	w.done(wkey{"s", 1}, nil) // next 2: the window is 2..9
	assert.False(t, woken(ten))
	w.done(wkey{"s", 2}, nil) // 3..10
	assert.True(t, woken(ten))
	assert.False(t, woken(seventeen))
	assert.False(t, woken(other))
	assert.Equal(t, 2, w.n, "the woken waiter is removed")
	assert.True(t, w.remove(roomKey("s"), seventeen))
	assert.True(t, w.remove(roomKey("o"), other))
	assert.Equal(t, 0, w.n)
}
