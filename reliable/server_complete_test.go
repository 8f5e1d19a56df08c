package reliable

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// errLostAnswer is the failure of flakyStore: the store's answer did not
// reach the layer.
var errLostAnswer = errors.New("test: store answer lost")

// flakyStore fails the first fail Completes: before applying them
// (applied false: the store was unreachable) or after (applied true: the
// answer was lost on the way back).
type flakyStore struct {
	*MemoryStore
	mu       sync.Mutex
	fail     int
	applied  bool
	attempts int
}

func (s *flakyStore) Complete(ctx context.Context, id string, o Owner, n int64, claim Claim, reply []byte, now, claimUntil time.Time) (*Delivery, error) {
	s.mu.Lock()
	s.attempts++
	failing := s.attempts <= s.fail
	s.mu.Unlock()
	if !failing {
		return s.MemoryStore.Complete(ctx, id, o, n, claim, reply, now, claimUntil)
	}
	if s.applied {
		_, _ = s.MemoryStore.Complete(ctx, id, o, n, claim, reply, now, claimUntil)
	}
	return nil, errLostAnswer
}

func (s *flakyStore) tries() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.attempts
}

// TestServerCompleteRetried: a Complete the store did not answer is
// retried while the claim lasts, so the operation runs once and its
// reply is cached whether or not the failed attempt was applied.
func TestServerCompleteRetried(t *testing.T) {
	for _, tc := range []struct {
		name      string
		applied   bool
		wantTries int
	}{
		{"store unreachable", false, 2},
		{"answer lost", true, 2}, // the retry finds the claim completed: ErrClaimLost
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := &flakyStore{MemoryStore: NewMemoryStore(), fail: 1, applied: tc.applied}
			f := newFixture(t, ServerConfig{Store: st})
			ctx := context.Background()
			v := V11
			id := f.createSeq(ctx, v, offerID(4))
			req := seqMsg(v, id, 1, testEcho, "once")
			r1 := f.call(ctx, req)
			require.False(t, r1.IsFault(), "reply: %v", faultCause(r1))
			assert.Equal(t, "echo:once", r1.Payload().Text())
			assert.Equal(t, tc.wantTries, st.tries())
			stt, err := st.Get(ctx, id, f.clock())
			require.NoError(t, err)
			assert.Equal(t, []AckRange{{Lower: 1, Upper: 1}}, stt.Ack.Ranges, "completed and acknowledged")
			assert.EqualValues(t, 1, stt.Replies)
			// A retransmission gets the cached reply; the operation ran once.
			r2 := f.call(ctx, req)
			assert.Equal(t, "echo:once", r2.Payload().Text())
			assert.Equal(t, []string{"once"}, f.ran())
		})
	}
}

// TestServerCompleteRetriesBounded: a store that never answers gets
// completeTries attempts, then the message is refused (not acknowledged).
func TestServerCompleteRetriesBounded(t *testing.T) {
	st := &flakyStore{MemoryStore: NewMemoryStore(), fail: 1 << 30}
	f := newFixture(t, ServerConfig{Store: st})
	ctx := context.Background()
	id := f.createSeq(ctx, V11, offerID(5))
	resp, err := f.h.ServeSOAP(ctx, onWire(t, seqMsg(V11, id, 1, testEcho, "x")))
	assert.True(t, err != nil || resp.IsFault(), "the message is refused")
	assert.Equal(t, completeTries, st.tries())
	stt, err := st.Get(ctx, id, f.clock())
	require.NoError(t, err)
	assert.Empty(t, stt.Ack.Ranges, "not acknowledged")
}

// TestServerCompleteRetriesUntilClaimEnd: no retry once the claim has
// ended (another exchange may have taken the message over).
func TestServerCompleteRetriesUntilClaimEnd(t *testing.T) {
	st := &flakyStore{MemoryStore: NewMemoryStore(), fail: 1 << 30}
	var f *fixture
	f = newFixture(t, ServerConfig{Store: st, ClaimTimeout: time.Second, Now: func() time.Time {
		// Each reading of the clock is a second later: the claim has
		// ended by the first failure.
		f.advance(time.Second)
		return f.clock()
	}})
	ctx := context.Background()
	id := f.createSeq(ctx, V11, offerID(6))
	resp, err := f.h.ServeSOAP(ctx, onWire(t, seqMsg(V11, id, 1, testEcho, "x")))
	assert.True(t, err != nil || resp.IsFault(), "the message is refused")
	assert.Equal(t, 1, st.tries())
}
