package wssecurity

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakeClock is a settable clock safe for concurrent use.
type fakeClock struct{ ns atomic.Int64 }

func newFakeClock(t time.Time) *fakeClock {
	c := &fakeClock{}
	c.ns.Store(t.UnixNano())
	return c
}

func (c *fakeClock) Now() time.Time          { return time.Unix(0, c.ns.Load()).UTC() }
func (c *fakeClock) Advance(d time.Duration) { c.ns.Add(int64(d)) }

func TestMemoryReplayCache(t *testing.T) {
	start := time.Date(2026, 11, 22, 19, 0, 0, 0, time.UTC)
	ctx := context.Background()
	type step struct {
		advance time.Duration
		key     string
		ttl     time.Duration // expires = now + ttl
		want    bool
		wantErr bool
		wantLen int // -1: not checked
	}
	tests := []struct {
		name  string
		steps []step
	}{
		{"first and second sight", []step{
			{key: "a", ttl: time.Minute, want: false, wantLen: 1},
			{key: "a", ttl: time.Minute, want: true, wantLen: 1},
			{key: "b", ttl: time.Minute, want: false, wantLen: 2},
		}},
		{"live until expiry, then forgotten", []step{
			{key: "a", ttl: time.Minute, want: false, wantLen: 1},
			{advance: 59 * time.Second, key: "a", ttl: time.Minute, want: true, wantLen: 1},
			// "a" expired; it is dropped when its shard is next used.
			{advance: time.Second, key: "b", ttl: time.Minute, want: false, wantLen: -1},
			{key: "a", ttl: time.Minute, want: false, wantLen: 2},
			{key: "a", ttl: time.Minute, want: true, wantLen: 2},
		}},
		{"expiry in the past is not recorded", []step{
			{key: "a", ttl: -time.Second, want: false, wantLen: 0},
			{key: "a", ttl: -time.Second, want: false, wantLen: 0},
		}},
		{"expiry beyond 2262 (clamped)", []step{
			{key: "a", ttl: 250 * 365 * 24 * time.Hour, want: false, wantLen: 1},
			{advance: 100 * 365 * 24 * time.Hour, key: "a", ttl: time.Minute, want: true, wantLen: 1},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := newFakeClock(start)
			c := NewMemoryReplayCache()
			for i, s := range tt.steps {
				clock.Advance(s.advance)
				got, err := c.Seen(ctx, []byte(s.key), clock.Now(), clock.Now().Add(s.ttl))
				if s.wantErr {
					require.Error(t, err, "step %d", i)
					continue
				}
				require.NoError(t, err, "step %d", i)
				assert.Equal(t, s.want, got, "step %d", i)
				if s.wantLen >= 0 {
					assert.Equal(t, s.wantLen, c.Len(), "step %d", i)
				}
			}
		})
	}

	c := NewMemoryReplayCache()
	_, err := c.Seen(ctx, []byte("a"), time.Now(), time.Time{})
	assert.Error(t, err, "zero expiry")
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	_, err = c.Seen(cctx, []byte("a"), time.Now(), time.Now().Add(time.Minute))
	assert.ErrorIs(t, err, context.Canceled)
}

// TestMemoryReplayCacheFull checks the bound: expired entries go first,
// live ones are never forgotten, new keys are refused instead.
func TestMemoryReplayCacheFull(t *testing.T) {
	ctx := context.Background()
	clock := newFakeClock(time.Date(2026, 11, 22, 19, 0, 0, 0, time.UTC))
	const max = 100
	c := NewMemoryReplayCache(WithMaxEntries(max))
	key := func(i int) []byte { return []byte(fmt.Sprintf("key-%d", i)) }
	// Half the entries live 1 minute, half 1 hour.
	for i := range max {
		ttl := time.Minute
		if i%2 == 1 {
			ttl = time.Hour
		}
		got, err := c.Seen(ctx, key(i), clock.Now(), clock.Now().Add(ttl))
		require.NoError(t, err)
		require.False(t, got)
	}
	assert.Equal(t, max, c.Len())
	_, err := c.Seen(ctx, []byte("one too many"), clock.Now(), clock.Now().Add(time.Minute))
	require.ErrorIs(t, err, ErrReplayCacheFull)
	assert.Equal(t, "", FaultSubcode(err))
	assert.Equal(t, max, c.Len())
	for i := range max {
		got, err := c.Seen(ctx, key(i), clock.Now(), clock.Now().Add(time.Minute))
		require.NoError(t, err)
		assert.True(t, got, "live entry %d still known when full", i)
	}

	// After a minute the short-lived half expired: room for 50 new keys,
	// and every long-lived entry is still a replay.
	clock.Advance(time.Minute)
	for i := max; i < max+max/2; i++ {
		got, err := c.Seen(ctx, key(i), clock.Now(), clock.Now().Add(time.Hour))
		require.NoError(t, err, "key %d", i)
		require.False(t, got)
	}
	_, err = c.Seen(ctx, []byte("still too many"), clock.Now(), clock.Now().Add(time.Minute))
	require.ErrorIs(t, err, ErrReplayCacheFull)
	for i := 1; i < max; i += 2 {
		got, err := c.Seen(ctx, key(i), clock.Now(), clock.Now().Add(time.Hour))
		require.NoError(t, err)
		assert.True(t, got, "long-lived entry %d", i)
	}
	assert.Equal(t, max, c.Len())
}

// TestMemoryReplayCacheConcurrent races many goroutines on the same keys:
// for each key exactly one caller sees it first. Run with -race.
func TestMemoryReplayCacheConcurrent(t *testing.T) {
	ctx := context.Background()
	clock := newFakeClock(time.Date(2026, 11, 22, 19, 0, 0, 0, time.UTC))
	const (
		goroutines = 64
		keys       = 2000
		max        = 1500
	)
	tests := []struct {
		name string
		max  int
	}{
		{"room for all", 0},
		{"bounded", max},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := NewMemoryReplayCache(WithMaxEntries(tt.max))
			var first, full [keys]atomic.Int32
			var wg sync.WaitGroup
			for g := range goroutines {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := range keys {
						k := (i + g*31) % keys
						seen, err := c.Seen(ctx, []byte(fmt.Sprint("nonce", k)), clock.Now(), clock.Now().Add(time.Hour))
						switch {
						case err != nil:
							full[k].Add(1)
						case !seen:
							first[k].Add(1)
						}
						if i%100 == 0 {
							clock.Advance(time.Millisecond)
						}
					}
				}()
			}
			wg.Wait()
			accepted := 0
			for k := range keys {
				n := first[k].Load()
				require.LessOrEqual(t, n, int32(1), "key %d accepted twice", k)
				accepted += int(n)
			}
			if tt.max == 0 {
				assert.Equal(t, keys, accepted)
			} else {
				assert.Equal(t, max, accepted, "exactly the capacity is accepted")
			}
			assert.Equal(t, accepted, c.Len())
		})
	}
}
