package secureconv

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// tClock is a settable clock safe for concurrent use.
type tClock struct{ ns atomic.Int64 }

func newTClock(t time.Time) *tClock {
	c := &tClock{}
	c.ns.Store(t.UnixNano())
	return c
}

func (c *tClock) Now() time.Time          { return time.Unix(0, c.ns.Load()).UTC() }
func (c *tClock) Advance(d time.Duration) { c.ns.Add(int64(d)) }
func (c *tClock) Set(t time.Time)         { c.ns.Store(t.UnixNano()) }

// tSweepAll drops the entries of every shard of c expired at at.
func tSweepAll(c *MemoryTokenCache, at time.Time) {
	now := tUnixNano(at)
	for i := range c.shards {
		s := &c.shards[i]
		s.mu.Lock()
		c.sweep(s, now)
		s.mu.Unlock()
	}
}

// tCacheToken returns a token for session i, generation gen, issued at
// now and valid for life.
func tCacheToken(i int, gen string, now time.Time, life time.Duration) *SessionToken {
	t := tSampleToken(now)
	t.ContextID = fmt.Sprintf("urn:uuid:00000000-0000-4000-8000-%012d", i)
	t.KeyGeneration = gen
	t.ValidTo = now.Add(life)
	t.KeyExpiration = t.ValidTo
	t.Key = []byte(fmt.Sprintf("key of %d/%s........................", i, gen))[:32]
	return t
}

// tRequireGone checks that err reports an expired token: ErrTokenExpired,
// or ErrTokenNotFound if a sweep dropped it first.
func tRequireGone(t testing.TB, err error, msgAndArgs ...any) {
	t.Helper()
	if !errors.Is(err, ErrTokenExpired) {
		require.ErrorIs(t, err, ErrTokenNotFound, msgAndArgs...)
	}
}

// tCheckCounts checks the counters of c against its contents.
func tCheckCounts(t testing.TB, c *MemoryTokenCache) {
	t.Helper()
	sessions, pending := 0, 0
	for i := range c.shards {
		s := &c.shards[i]
		s.mu.Lock()
		for _, ss := range s.m {
			sessions++
			if ss.pending {
				pending++
			}
			require.True(t, ss.hasCur || len(ss.old) > 0, "empty session kept")
			require.LessOrEqual(t, len(ss.old), tOldGenerations)
		}
		s.mu.Unlock()
	}
	require.Equal(t, sessions, c.Len(), "session count")
	require.Equal(t, pending, c.Pending(), "pending count")
}

// tTokenCacheGenerations checks the generation and clock contract of a
// TokenCache (see TokenCache), through the interface only, so that every
// implementation (the memory cache, a shared store) runs it. newCache
// returns an empty cache whose rollover window is rollover.
func tTokenCacheGenerations(t *testing.T, newCache func(rollover time.Duration) TokenCache) {
	ctx := context.Background()
	const rollover = 5 * time.Minute
	// The cache keeps no clock: every time comes from the caller, here
	// years away from the machine's clock in both directions.
	for _, start := range []time.Time{time.Date(2001, 2, 3, 4, 5, 6, 0, time.UTC), time.Date(2101, 2, 3, 4, 5, 6, 0, time.UTC)} {
		t.Run(start.Format("2006"), func(t *testing.T) {
			c := newCache(rollover)
			now := start
			issued := tCacheToken(1, "", now, 10*time.Hour) // no Instance
			id := issued.ContextID
			require.NoError(t, c.Put(ctx, issued, now))
			got, err := c.Get(ctx, id, "", now)
			require.NoError(t, err, "the issued generation by \"\"")
			assert.Equal(t, issued.Key, got.Key)
			cur, err := c.Current(ctx, id, now)
			require.NoError(t, err)
			assert.Equal(t, issued.Key, cur.Key)
			_, err = c.Get(ctx, id, "i2", now)
			assert.ErrorIs(t, err, ErrTokenNotFound, "a generation not put yet")

			// Renewal: i2 is current; "" still names the issued key,
			// within the rollover window and not after.
			now = now.Add(time.Hour)
			i2 := tCacheToken(1, "i2", now, 10*time.Hour)
			require.NoError(t, c.Put(ctx, i2, now))
			cur, err = c.Current(ctx, id, now)
			require.NoError(t, err)
			assert.Equal(t, "i2", cur.KeyGeneration)
			assert.Equal(t, i2.Key, cur.Key)
			now = now.Add(rollover - time.Second)
			got, err = c.Get(ctx, id, "", now)
			require.NoError(t, err, "issued generation within the rollover window")
			assert.Empty(t, got.KeyGeneration)
			assert.Equal(t, issued.Key, got.Key, "\"\" is the issued generation, not the current one")
			got, err = c.Get(ctx, id, "i2", now)
			require.NoError(t, err)
			assert.Equal(t, i2.Key, got.Key)
			now = now.Add(time.Second)
			_, err = c.Get(ctx, id, "", now)
			assert.ErrorIs(t, err, ErrTokenNotFound, "issued generation after the rollover window")
			got, err = c.Get(ctx, id, "i2", now)
			require.NoError(t, err)
			assert.Equal(t, i2.Key, got.Key)

			// A second renewal: i2 within its window, i3 current.
			i3 := tCacheToken(1, "i3", now, 10*time.Hour)
			require.NoError(t, c.Put(ctx, i3, now))
			got, err = c.Get(ctx, id, "i2", now.Add(rollover-time.Second))
			require.NoError(t, err)
			assert.Equal(t, i2.Key, got.Key)
			cur, err = c.Current(ctx, id, now)
			require.NoError(t, err)
			assert.Equal(t, i3.Key, cur.Key)

			// Remove is exact too: "" is not the current generation.
			assert.ErrorIs(t, c.Remove(ctx, id, ""), ErrTokenNotFound)
			require.NoError(t, c.Remove(ctx, id, "i3"))
			_, err = c.Current(ctx, id, now)
			assert.ErrorIs(t, err, ErrTokenNotFound, "no current generation after removing it")
			_, err = c.Get(ctx, id, "i2", now)
			assert.NoError(t, err, "the replaced generation stays in its window")
			require.NoError(t, c.RemoveAll(ctx, id))
			_, err = c.Get(ctx, id, "i2", now)
			assert.ErrorIs(t, err, ErrTokenNotFound)

			// Expiry follows the caller's time.
			other := tCacheToken(2, "", start, time.Hour)
			require.NoError(t, c.Put(ctx, other, start))
			_, err = c.Get(ctx, other.ContextID, "", start) // used: no longer pending
			require.NoError(t, err)
			_, err = c.Get(ctx, other.ContextID, "", start.Add(time.Hour-time.Second))
			require.NoError(t, err)
			_, err = c.Current(ctx, other.ContextID, start.Add(time.Hour))
			tRequireGone(t, err, "past ValidTo at the caller's time")
			assert.ErrorIs(t, c.Put(ctx, tCacheToken(3, "", start, time.Hour), start.Add(time.Hour)), ErrTokenExpired)
		})
	}
}

func TestMemoryTokenCacheGenerations(t *testing.T) {
	tTokenCacheGenerations(t, func(rollover time.Duration) TokenCache {
		return NewMemoryTokenCache(WithCacheRollover(rollover))
	})
}

func TestMemoryTokenCacheBasics(t *testing.T) {
	ctx := context.Background()
	clock := newTClock(tTestStart)
	c := NewMemoryTokenCache()
	var _ TokenCache = c

	tok := tCacheToken(1, "g1", clock.Now(), time.Hour)
	require.NoError(t, c.Put(ctx, tok, clock.Now()))
	assert.Equal(t, 1, c.Len())
	assert.Equal(t, 1, c.Pending())

	got, err := c.Current(ctx, tok.ContextID, clock.Now())
	require.NoError(t, err)
	assert.Equal(t, tok, got)
	assert.Equal(t, 1, c.Pending(), "Current is not a use of the session")
	got, err = c.Get(ctx, tok.ContextID, "g1", clock.Now())
	require.NoError(t, err)
	assert.Equal(t, tok, got)
	assert.Equal(t, 0, c.Pending(), "first Get ends the pending state")

	// Copies in and out.
	got.Key[0] ^= 0xff
	tok.Key[1] ^= 0xff
	again, err := c.Get(ctx, tok.ContextID, "g1", clock.Now())
	require.NoError(t, err)
	assert.Equal(t, tCacheToken(1, "g1", tTestStart, time.Hour).Key, again.Key)

	// Generations match exactly: "" is the issued generation (none here),
	// not the current one.
	for _, q := range [][2]string{{tok.ContextID, "g2"}, {tok.ContextID, ""}, {"urn:uuid:unknown", ""}, {"", ""}} {
		_, err = c.Get(ctx, q[0], q[1], clock.Now())
		assert.ErrorIs(t, err, ErrTokenNotFound, "%q", q)
	}

	// Put validates like MarshalBinary.
	assert.Error(t, c.Put(ctx, nil, clock.Now()))
	bad := tCacheToken(2, "", clock.Now(), time.Hour)
	bad.AppContext = make([]byte, MaxAppContextLen+1)
	assert.Error(t, c.Put(ctx, bad, clock.Now()))
	bad = tCacheToken(2, "", clock.Now(), time.Hour)
	bad.ContextID = ""
	assert.Error(t, c.Put(ctx, bad, clock.Now()))
	assert.ErrorIs(t, c.Put(ctx, tCacheToken(3, "", clock.Now(), 0), clock.Now()), ErrTokenExpired)
	assert.Equal(t, 1, c.Len())

	cctx, cancel := context.WithCancel(ctx)
	cancel()
	_, err = c.Get(cctx, tok.ContextID, "", clock.Now())
	assert.ErrorIs(t, err, context.Canceled)
	_, err = c.Current(cctx, tok.ContextID, clock.Now())
	assert.ErrorIs(t, err, context.Canceled)
	assert.ErrorIs(t, c.Put(cctx, tok, clock.Now()), context.Canceled)
	assert.ErrorIs(t, c.Remove(cctx, tok.ContextID, ""), context.Canceled)
	assert.ErrorIs(t, c.RemoveAll(cctx, tok.ContextID), context.Canceled)
	tCheckCounts(t, c)
}

func TestMemoryTokenCacheExpiry(t *testing.T) {
	ctx := context.Background()
	clock := newTClock(tTestStart)
	c := NewMemoryTokenCache()
	short := tCacheToken(1, "", clock.Now(), time.Hour)
	long := tCacheToken(2, "", clock.Now(), 10*time.Hour)
	require.NoError(t, c.Put(ctx, short, clock.Now()))
	require.NoError(t, c.Put(ctx, long, clock.Now()))
	for _, tok := range []*SessionToken{short, long} {
		_, err := c.Get(ctx, tok.ContextID, "", clock.Now()) // both in use
		require.NoError(t, err)
	}

	clock.Advance(time.Hour - time.Nanosecond)
	_, err := c.Get(ctx, short.ContextID, "", clock.Now())
	require.NoError(t, err, "valid until ValidTo")
	clock.Advance(time.Nanosecond)
	_, err = c.Get(ctx, short.ContextID, "", clock.Now())
	assert.ErrorIs(t, err, ErrTokenExpired)
	_, err = c.Get(ctx, short.ContextID, "", clock.Now())
	assert.ErrorIs(t, err, ErrTokenNotFound, "dropped once found expired")
	assert.Equal(t, 1, c.Len())

	// A token whose key expired stays until ValidTo (for RenewNeeded).
	keyExp := tCacheToken(3, "", clock.Now(), time.Hour)
	keyExp.KeyExpiration = clock.Now().Add(time.Minute)
	require.NoError(t, c.Put(ctx, keyExp, clock.Now()))
	_, err = c.Get(ctx, keyExp.ContextID, "", clock.Now())
	require.NoError(t, err)
	clock.Advance(30 * time.Minute)
	got, err := c.Get(ctx, keyExp.ContextID, "", clock.Now())
	require.NoError(t, err)
	assert.False(t, got.KeyValid(clock.Now()))
	assert.True(t, got.Valid(clock.Now()))

	// Unused entries are dropped by the sweep, without a Get.
	clock.Advance(10 * time.Hour)
	tSweepAll(c, clock.Now())
	assert.Equal(t, 0, c.Len())
	tCheckCounts(t, c)
}

// TestMemoryTokenCachePending checks WCF's limits on pending sessions: at
// most 128, each for at most 2 minutes; the 129th is refused, not evicting
// another.
func TestMemoryTokenCachePending(t *testing.T) {
	ctx := context.Background()
	clock := newTClock(tTestStart)
	c := NewMemoryTokenCache()
	for i := range DefaultCacheMaxPending {
		require.NoError(t, c.Put(ctx, tCacheToken(i, "", clock.Now(), time.Hour), clock.Now()), "pending %d", i)
		clock.Advance(100 * time.Millisecond)
	}
	assert.Equal(t, DefaultCacheMaxPending, c.Pending())
	err := c.Put(ctx, tCacheToken(1000, "", clock.Now(), time.Hour), clock.Now())
	require.ErrorIs(t, err, ErrCacheFull, "129th pending session refused")
	for i := range DefaultCacheMaxPending {
		_, err := c.Get(ctx, tCacheToken(i, "", tTestStart, 0).ContextID, "", clock.Now())
		require.NoError(t, err, "pending %d kept", i)
		if i == 9 {
			break // sessions 0..9 are now in use
		}
	}
	assert.Equal(t, DefaultCacheMaxPending-10, c.Pending())

	// Ten slots free; a renewal (new generation of a known session) does
	// not take a pending slot.
	for i := 1000; i < 1010; i++ {
		require.NoError(t, c.Put(ctx, tCacheToken(i, "", clock.Now(), time.Hour), clock.Now()))
	}
	require.ErrorIs(t, c.Put(ctx, tCacheToken(2000, "", clock.Now(), time.Hour), clock.Now()), ErrCacheFull)
	require.NoError(t, c.Put(ctx, tCacheToken(0, "renewed", clock.Now(), time.Hour), clock.Now()))
	require.NoError(t, c.Put(ctx, tCacheToken(20, "renewed", clock.Now(), time.Hour), clock.Now()), "renewal of a pending session")
	assert.Equal(t, DefaultCacheMaxPending, c.Pending())

	// Inactivity: session 10 was put at 1 s; at 2 min + 1 s it is gone,
	// session 0..9 (in use) stay.
	clock.Set(tTestStart.Add(2*time.Minute + time.Second))
	_, err = c.Get(ctx, tCacheToken(10, "", tTestStart, 0).ContextID, "", clock.Now())
	assert.ErrorIs(t, err, ErrTokenNotFound, "idle pending session evicted")
	_, err = c.Get(ctx, tCacheToken(11, "", tTestStart, 0).ContextID, "", clock.Now())
	assert.NoError(t, err, "pending session 11 put at 1.1 s still there")
	_, err = c.Get(ctx, tCacheToken(5, "", tTestStart, 0).ContextID, "", clock.Now())
	assert.NoError(t, err, "sessions in use are not subject to the pending timeout")

	// Later, every idle pending session has gone.
	clock.Advance(2 * time.Minute)
	require.NoError(t, c.Put(ctx, tCacheToken(3000, "", clock.Now(), time.Hour), clock.Now()))
	tSweepAll(c, clock.Now())
	assert.Equal(t, 1, c.Pending())
	assert.Equal(t, 12, c.Len(), "10 + session 11 in use, and the new one")
	tCheckCounts(t, c)

	// Configured limits. When the pending slots are full of idle sessions,
	// a new session evicts them rather than being refused.
	c = NewMemoryTokenCache(WithCacheMaxPending(2), WithCachePendingTimeout(time.Second))
	require.NoError(t, c.Put(ctx, tCacheToken(1, "", clock.Now(), time.Hour), clock.Now()))
	require.NoError(t, c.Put(ctx, tCacheToken(2, "", clock.Now(), time.Hour), clock.Now()))
	require.ErrorIs(t, c.Put(ctx, tCacheToken(3, "", clock.Now(), time.Hour), clock.Now()), ErrCacheFull)
	clock.Advance(time.Second)
	require.NoError(t, c.Put(ctx, tCacheToken(3, "", clock.Now(), time.Hour), clock.Now()))
	assert.Equal(t, 1, c.Len())
	tCheckCounts(t, c)
}

func TestMemoryTokenCacheMaxSessions(t *testing.T) {
	ctx := context.Background()
	clock := newTClock(tTestStart)
	const max = 50
	c := NewMemoryTokenCache(WithCacheMaxSessions(max))
	for i := range max {
		life := time.Hour
		if i%2 == 0 {
			life = 2 * time.Hour
		}
		tok := tCacheToken(i, "", clock.Now(), life)
		require.NoError(t, c.Put(ctx, tok, clock.Now()))
		_, err := c.Get(ctx, tok.ContextID, "", clock.Now())
		require.NoError(t, err)
	}
	require.ErrorIs(t, c.Put(ctx, tCacheToken(max, "", clock.Now(), time.Hour), clock.Now()), ErrCacheFull)
	for i := range max {
		_, err := c.Get(ctx, tCacheToken(i, "", tTestStart, 0).ContextID, "", clock.Now())
		require.NoError(t, err, "live session %d never evicted", i)
	}
	clock.Advance(time.Hour)
	for i := max; i < max+max/2; i++ {
		require.NoError(t, c.Put(ctx, tCacheToken(i, "", clock.Now(), time.Hour), clock.Now()), "room after expiry")
		_, err := c.Get(ctx, tCacheToken(i, "", tTestStart, 0).ContextID, "", clock.Now())
		require.NoError(t, err)
	}
	require.ErrorIs(t, c.Put(ctx, tCacheToken(1000, "", clock.Now(), time.Hour), clock.Now()), ErrCacheFull)
	assert.Equal(t, max, c.Len())
	tCheckCounts(t, c)
}

func TestMemoryTokenCacheRollover(t *testing.T) {
	ctx := context.Background()
	clock := newTClock(tTestStart)
	c := NewMemoryTokenCache()
	g1 := tCacheToken(1, "g1", clock.Now(), 10*time.Hour)
	id := g1.ContextID
	require.NoError(t, c.Put(ctx, g1, clock.Now()))
	_, err := c.Get(ctx, id, "g1", clock.Now())
	require.NoError(t, err)

	// Renewal at 6 h: g2 is current, g1 readable for 5 more minutes.
	clock.Advance(6 * time.Hour)
	g2 := tCacheToken(1, "g2", clock.Now(), 10*time.Hour)
	require.NoError(t, c.Put(ctx, g2, clock.Now()))
	cur, err := c.Current(ctx, id, clock.Now())
	require.NoError(t, err)
	assert.Equal(t, "g2", cur.KeyGeneration)
	clock.Advance(DefaultCacheRollover - time.Nanosecond)
	old, err := c.Get(ctx, id, "g1", clock.Now())
	require.NoError(t, err)
	assert.Equal(t, g1.Key, old.Key)
	clock.Advance(time.Nanosecond)
	_, err = c.Get(ctx, id, "g1", clock.Now())
	tRequireGone(t, err, "old generation after the rollover window")
	_, err = c.Get(ctx, id, "g1", clock.Now())
	assert.ErrorIs(t, err, ErrTokenNotFound)
	_, err = c.Get(ctx, id, "g2", clock.Now())
	assert.NoError(t, err)

	// An old generation whose ValidTo comes first expires then.
	g3 := tCacheToken(1, "g3", clock.Now(), 10*time.Hour)
	clock.Advance(time.Hour)
	g3.ValidTo = clock.Now().Add(time.Minute)
	require.NoError(t, c.Put(ctx, g3, clock.Now())) // g3 current, expires in 1 min
	g4 := tCacheToken(1, "g4", clock.Now(), 10*time.Hour)
	require.NoError(t, c.Put(ctx, g4, clock.Now()))
	clock.Advance(time.Minute)
	_, err = c.Get(ctx, id, "g3", clock.Now())
	tRequireGone(t, err)
	_, err = c.Get(ctx, id, "g2", clock.Now())
	assert.NoError(t, err, "g2, replaced by g3 a minute ago, is within its rollover window")

	// Renewing again and again keeps at most three old generations.
	for i := 5; i < 12; i++ {
		require.NoError(t, c.Put(ctx, tCacheToken(1, fmt.Sprint("g", i), clock.Now(), 10*time.Hour), clock.Now()))
	}
	for i := 1; i < 12; i++ {
		_, err := c.Get(ctx, id, fmt.Sprint("g", i), clock.Now())
		if i >= 8 {
			assert.NoError(t, err, "g%d", i)
		} else {
			assert.Error(t, err, "g%d", i)
		}
	}

	// Putting the current generation again replaces it in place.
	g11 := tCacheToken(1, "g11", clock.Now(), 10*time.Hour)
	g11.AppContext = []byte("updated")
	require.NoError(t, c.Put(ctx, g11, clock.Now()))
	cur, err = c.Current(ctx, id, clock.Now())
	require.NoError(t, err)
	assert.Equal(t, []byte("updated"), cur.AppContext)
	_, err = c.Get(ctx, id, "g10", clock.Now())
	assert.NoError(t, err)
	// Putting an old generation again updates it and keeps its deadline.
	g9 := tCacheToken(1, "g9", clock.Now(), 10*time.Hour)
	g9.AppContext = []byte("g9 again")
	require.NoError(t, c.Put(ctx, g9, clock.Now()))
	cur, err = c.Current(ctx, id, clock.Now())
	require.NoError(t, err)
	assert.Equal(t, "g11", cur.KeyGeneration)
	got9, err := c.Get(ctx, id, "g9", clock.Now())
	require.NoError(t, err)
	assert.Equal(t, []byte("g9 again"), got9.AppContext)
	clock.Advance(DefaultCacheRollover)
	_, err = c.Get(ctx, id, "g9", clock.Now())
	assert.Error(t, err)

	// No rollover window: the old generation goes at once.
	c = NewMemoryTokenCache(WithCacheRollover(0))
	require.NoError(t, c.Put(ctx, tCacheToken(1, "a", clock.Now(), time.Hour), clock.Now()))
	require.NoError(t, c.Put(ctx, tCacheToken(1, "b", clock.Now(), time.Hour), clock.Now()))
	_, err = c.Get(ctx, id, "a", clock.Now())
	assert.ErrorIs(t, err, ErrTokenNotFound)
	tCheckCounts(t, c)
}

func TestMemoryTokenCacheRemove(t *testing.T) {
	ctx := context.Background()
	clock := newTClock(tTestStart)
	c := NewMemoryTokenCache()
	for _, g := range []string{"g1", "g2", "g3"} {
		require.NoError(t, c.Put(ctx, tCacheToken(1, g, clock.Now(), time.Hour), clock.Now()))
	}
	require.NoError(t, c.Put(ctx, tCacheToken(2, "", clock.Now(), time.Hour), clock.Now()))
	id := tCacheToken(1, "", tTestStart, 0).ContextID

	require.NoError(t, c.Remove(ctx, id, "g2"))
	_, err := c.Get(ctx, id, "g2", clock.Now())
	assert.ErrorIs(t, err, ErrTokenNotFound)
	_, err = c.Get(ctx, id, "g1", clock.Now())
	assert.NoError(t, err)
	assert.ErrorIs(t, c.Remove(ctx, id, "g2"), ErrTokenNotFound)

	// "" names the issued generation exactly, which this session (g1 put
	// first) does not have.
	assert.ErrorIs(t, c.Remove(ctx, id, ""), ErrTokenNotFound)
	// Removing the current generation leaves the old ones, none current.
	require.NoError(t, c.Remove(ctx, id, "g3"))
	_, err = c.Current(ctx, id, clock.Now())
	assert.ErrorIs(t, err, ErrTokenNotFound)
	_, err = c.Get(ctx, id, "g3", clock.Now())
	assert.ErrorIs(t, err, ErrTokenNotFound)
	_, err = c.Get(ctx, id, "g1", clock.Now())
	assert.NoError(t, err)
	assert.ErrorIs(t, c.Remove(ctx, id, "g3"), ErrTokenNotFound)
	require.NoError(t, c.Remove(ctx, id, "g1"))
	assert.Equal(t, 1, c.Len(), "the session went with its last generation")

	// RemoveAll (Cancel).
	for _, g := range []string{"g1", "g2"} {
		require.NoError(t, c.Put(ctx, tCacheToken(1, g, clock.Now(), time.Hour), clock.Now()))
	}
	require.NoError(t, c.RemoveAll(ctx, id))
	for _, g := range []string{"", "g1", "g2"} {
		_, err = c.Get(ctx, id, g, clock.Now())
		assert.ErrorIs(t, err, ErrTokenNotFound)
	}
	assert.ErrorIs(t, c.RemoveAll(ctx, id), ErrTokenNotFound)
	assert.ErrorIs(t, c.Remove(ctx, "urn:uuid:unknown", ""), ErrTokenNotFound)
	assert.Equal(t, 1, c.Len())
	tCheckCounts(t, c)
}

// TestMemoryTokenCacheConcurrent runs Put, Get, renewals, Remove and
// RemoveAll from many goroutines over shared sessions while the clock
// moves, then checks the counters and bounds. Run with -race.
func TestMemoryTokenCacheConcurrent(t *testing.T) {
	ctx := context.Background()
	clock := newTClock(tTestStart)
	const (
		goroutines = 64
		ops        = 2000
		sessions   = 500
		maxSess    = 300
		maxPending = 40
	)
	c := NewMemoryTokenCache(WithCacheMaxSessions(maxSess), WithCacheMaxPending(maxPending))
	var full atomic.Int64
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range ops {
				s := (i*7 + g*13) % sessions
				id := tCacheToken(s, "", tTestStart, 0).ContextID
				switch (i + g) % 10 {
				case 0, 1, 2:
					err := c.Put(ctx, tCacheToken(s, fmt.Sprint("g", i%5), clock.Now(), time.Duration(1+s%5)*time.Minute), clock.Now())
					// The clock may have moved past the token's ValidTo
					// since it was made.
					if err == ErrCacheFull {
						full.Add(1)
					} else if err != nil && err != ErrTokenExpired {
						t.Error(err)
						return
					}
				case 3, 4, 5, 6:
					tok, err := c.Get(ctx, id, "", clock.Now())
					if err == nil && tok.ContextID != id {
						t.Errorf("Get(%s) returned %s", id, tok.ContextID)
						return
					}
				case 7:
					_, _ = c.Get(ctx, id, fmt.Sprint("g", i%5), clock.Now())
				case 8:
					_ = c.Remove(ctx, id, fmt.Sprint("g", i%5))
				case 9:
					if i%3 == 0 {
						_ = c.RemoveAll(ctx, id)
					}
				}
				if i%50 == 0 {
					clock.Advance(time.Second)
				}
				if n, p := c.Len(), c.Pending(); n > maxSess || p > maxPending || p > n+goroutines {
					t.Errorf("bounds exceeded: %d sessions, %d pending", n, p)
					return
				}
			}
		}()
	}
	wg.Wait()
	tCheckCounts(t, c)
	t.Logf("%d sessions, %d pending at the end; %d Puts refused (full)", c.Len(), c.Pending(), full.Load())
	clock.Advance(time.Hour)
	require.ErrorIs(t, c.Put(ctx, tCacheToken(0, "", clock.Now(), 0), clock.Now()), ErrTokenExpired)
	tSweepAll(c, clock.Now())
	assert.Equal(t, 0, c.Len())
	assert.Equal(t, 0, c.Pending())
}

// tFootprint returns the heap bytes per session held by a MemoryTokenCache
// of n typical sessions (username claims, 32-byte key, urn:uuid ids),
// measured with runtime.MemStats. Each token is made, put and dropped, as
// a server does, so the strings it shares with the cached copy count.
func tFootprint(t testing.TB, n int) float64 {
	ctx := context.Background()
	clock := newTClock(tTestStart)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	c := NewMemoryTokenCache(WithCacheMaxSessions(n), WithCacheMaxPending(n))
	for i := range n {
		tok := tCacheToken(i, "", clock.Now(), 10*time.Hour)
		tok.KeyGeneration = fmt.Sprintf("urn:uuid:0b1c2d3e-4f50-4a6b-8c7d-%012d", i)
		tok.Claims.Username = fmt.Sprintf("user%06d", i)
		tok.Endpoint = string([]byte(tok.Endpoint))
		require.NoError(t, c.Put(ctx, tok, clock.Now()))
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(c)
	return float64(after.HeapAlloc-before.HeapAlloc) / float64(n)
}

// TestMemoryTokenCacheFootprint measures the memory of an idle session in
// reference mode and bounds it, so that a regression shows.
func TestMemoryTokenCacheFootprint(t *testing.T) {
	if testing.Short() {
		t.Skip("memory measurement")
	}
	per := tFootprint(t, 10000)
	t.Logf("memory per idle session: %.0f bytes (10,000 sessions)", per)
	assert.Less(t, per, 1200.0)
}

func BenchmarkMemoryTokenCacheFootprint(b *testing.B) {
	var per float64
	for b.Loop() {
		per = tFootprint(b, 10000)
	}
	b.ReportMetric(per, "bytes/session")
}

func BenchmarkMemoryTokenCacheGet(b *testing.B) {
	ctx := context.Background()
	clock := newTClock(time.Now())
	c := NewMemoryTokenCache(WithCacheMaxPending(DefaultCacheMaxSessions))
	const n = 10000
	ids := make([]string, n)
	for i := range n {
		tok := tCacheToken(i, "g", time.Now(), time.Hour)
		ids[i] = tok.ContextID
		if err := c.Put(ctx, tok, clock.Now()); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	var next atomic.Int64
	b.RunParallel(func(pb *testing.PB) {
		i := int(next.Add(7919))
		for pb.Next() {
			i++
			if _, err := c.Get(ctx, ids[i%n], "", clock.Now()); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

func BenchmarkMemoryTokenCachePut(b *testing.B) {
	ctx := context.Background()
	clock := newTClock(time.Now())
	c := NewMemoryTokenCache()
	const n = 10000
	toks := make([]*SessionToken, n)
	for i := range n {
		toks[i] = tCacheToken(i, "g", time.Now(), time.Hour)
		if err := c.Put(ctx, toks[i], clock.Now()); err != nil {
			b.Fatal(err)
		}
		if _, err := c.Get(ctx, toks[i].ContextID, "", clock.Now()); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	var next atomic.Int64
	b.RunParallel(func(pb *testing.PB) {
		i := int(next.Add(7919))
		for pb.Next() {
			i++
			// Re-put of a known session's current generation.
			if err := c.Put(ctx, toks[i%n], clock.Now()); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
