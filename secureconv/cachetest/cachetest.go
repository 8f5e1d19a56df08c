package cachetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/soapstack/soapstack/secureconv"
)

// Config is the configuration a cache under test must have. Every field
// is set by the suite.
type Config struct {
	// MaxSessions bounds the sessions held, pending or not.
	MaxSessions int
	// MaxPending bounds the pending sessions (put, not yet used by Get).
	MaxPending int
	// PendingTimeout is how long a session may stay pending.
	PendingTimeout time.Duration
	// Rollover is how long a replaced generation stays readable (0:
	// dropped at once).
	Rollover time.Duration
}

// defaults is the configuration of secureconv.NewMemoryTokenCache.
func defaults() Config {
	return Config{
		MaxSessions:    secureconv.DefaultCacheMaxSessions,
		MaxPending:     secureconv.DefaultCacheMaxPending,
		PendingTimeout: secureconv.DefaultCachePendingTimeout,
		Rollover:       secureconv.DefaultCacheRollover,
	}
}

// Run runs the conformance suite against the caches newCache returns.
func Run(t *testing.T, newCache func(t *testing.T, cfg Config) secureconv.TokenCache) {
	tests := []struct {
		name string
		fn   func(*testing.T, func(Config) secureconv.TokenCache)
	}{
		{"Generations", testGenerations},
		{"Basics", testBasics},
		{"Expiry", testExpiry},
		{"Pending", testPending},
		{"MaxSessions", testMaxSessions},
		{"Rollover", testRollover},
		{"Remove", testRemove},
		{"Concurrent", testConcurrent},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.fn(t, func(cfg Config) secureconv.TokenCache { return newCache(t, cfg) })
		})
	}
}

var ctx = context.Background()

// start is the suite's clock origin.
var start = time.Date(2026, 11, 22, 19, 0, 0, 0, time.UTC)

// token returns a token for session i, generation gen, issued at now and
// valid for life.
func token(i int, gen string, now time.Time, life time.Duration) *secureconv.SessionToken {
	return &secureconv.SessionToken{
		ContextID:     contextID(i),
		KeyGeneration: gen,
		Key:           []byte(fmt.Sprintf("key of %d/%s........................", i, gen))[:32],
		ValidFrom:     now,
		ValidTo:       now.Add(life),
		KeyEffective:  now,
		KeyExpiration: now.Add(life),
		Claims:        secureconv.Claims{Method: secureconv.AuthUsername, Username: "alice"},
		Endpoint:      "http://localhost:8080/services/SecureConversation",
		IssuedAt:      now,
	}
}

func contextID(i int) string { return fmt.Sprintf("urn:uuid:00000000-0000-4000-8000-%012d", i) }

func must(t *testing.T, err error, format string, args ...any) {
	t.Helper()
	if err != nil {
		t.Fatalf(format+": %v", append(args, err)...)
	}
}

func wantErr(t *testing.T, err, want error, format string, args ...any) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf(format+": error %v, want %v", append(args, err, want)...)
	}
}

// wantGone checks that err reports an expired token: ErrTokenExpired, or
// ErrTokenNotFound when it was dropped first.
func wantGone(t *testing.T, err error, format string, args ...any) {
	t.Helper()
	if !errors.Is(err, secureconv.ErrTokenExpired) && !errors.Is(err, secureconv.ErrTokenNotFound) {
		t.Fatalf(format+": error %v, want expired or not found", append(args, err)...)
	}
}

func getKey(t *testing.T, c secureconv.TokenCache, id, gen string, now time.Time) []byte {
	t.Helper()
	tok, err := c.Get(ctx, id, gen, now)
	must(t, err, "Get(%s, %q)", id, gen)
	if tok.ContextID != id || tok.KeyGeneration != gen {
		t.Fatalf("Get(%s, %q) returned %s/%q", id, gen, tok.ContextID, tok.KeyGeneration)
	}
	return tok.Key
}

func testGenerations(t *testing.T, newCache func(Config) secureconv.TokenCache) {
	const rollover = 5 * time.Minute
	for _, origin := range []time.Time{time.Date(2001, 2, 3, 4, 5, 6, 0, time.UTC), time.Date(2101, 2, 3, 4, 5, 6, 0, time.UTC)} {
		t.Run(origin.Format("2006"), func(t *testing.T) {
			cfg := defaults()
			cfg.Rollover = rollover
			c := newCache(cfg)
			now := origin
			issued := token(1, "", now, 10*time.Hour)
			id := issued.ContextID
			must(t, c.Put(ctx, issued, now), "Put")
			if k := getKey(t, c, id, "", now); !bytes.Equal(k, issued.Key) {
				t.Fatal("issued key")
			}
			cur, err := c.Current(ctx, id, now)
			must(t, err, "Current")
			if !bytes.Equal(cur.Key, issued.Key) {
				t.Fatal("current key")
			}
			_, err = c.Get(ctx, id, "i2", now)
			wantErr(t, err, secureconv.ErrTokenNotFound, "a generation not put yet")

			now = now.Add(time.Hour)
			i2 := token(1, "i2", now, 10*time.Hour)
			must(t, c.Put(ctx, i2, now), "Put i2")
			cur, err = c.Current(ctx, id, now)
			must(t, err, "Current")
			if cur.KeyGeneration != "i2" || !bytes.Equal(cur.Key, i2.Key) {
				t.Fatalf("current after renewal: %q", cur.KeyGeneration)
			}
			now = now.Add(rollover - time.Second)
			if k := getKey(t, c, id, "", now); !bytes.Equal(k, issued.Key) {
				t.Fatal(`"" is the issued generation, not the current one`)
			}
			getKey(t, c, id, "i2", now)
			now = now.Add(time.Second)
			_, err = c.Get(ctx, id, "", now)
			wantErr(t, err, secureconv.ErrTokenNotFound, "issued generation after the rollover window")
			getKey(t, c, id, "i2", now)

			i3 := token(1, "i3", now, 10*time.Hour)
			must(t, c.Put(ctx, i3, now), "Put i3")
			getKey(t, c, id, "i2", now.Add(rollover-time.Second))
			cur, err = c.Current(ctx, id, now)
			must(t, err, "Current")
			if !bytes.Equal(cur.Key, i3.Key) {
				t.Fatal("current i3")
			}

			wantErr(t, c.Remove(ctx, id, ""), secureconv.ErrTokenNotFound, `Remove("")`)
			must(t, c.Remove(ctx, id, "i3"), "Remove i3")
			_, err = c.Current(ctx, id, now)
			wantErr(t, err, secureconv.ErrTokenNotFound, "no current generation after removing it")
			getKey(t, c, id, "i2", now)
			must(t, c.RemoveAll(ctx, id), "RemoveAll")
			_, err = c.Get(ctx, id, "i2", now)
			wantErr(t, err, secureconv.ErrTokenNotFound, "after RemoveAll")

			other := token(2, "", origin, time.Hour)
			must(t, c.Put(ctx, other, origin), "Put")
			getKey(t, c, other.ContextID, "", origin)
			getKey(t, c, other.ContextID, "", origin.Add(time.Hour-time.Second))
			_, err = c.Current(ctx, other.ContextID, origin.Add(time.Hour))
			wantGone(t, err, "past ValidTo at the caller's time")
			wantErr(t, c.Put(ctx, token(3, "", origin, time.Hour), origin.Add(time.Hour)), secureconv.ErrTokenExpired, "Put of an expired token")
		})
	}
}

func testBasics(t *testing.T, newCache func(Config) secureconv.TokenCache) {
	c := newCache(defaults())
	now := start
	tok := token(1, "g1", now, time.Hour)
	tok.AppContext = []byte("app context")
	tok.Persistent = true
	must(t, c.Put(ctx, tok, now), "Put")
	got, err := c.Current(ctx, tok.ContextID, now)
	must(t, err, "Current")
	if !equalTokens(got, tok) {
		t.Fatalf("Current returned %+v, want %+v", got, tok)
	}
	got, err = c.Get(ctx, tok.ContextID, "g1", now)
	must(t, err, "Get")
	if !equalTokens(got, tok) {
		t.Fatalf("Get returned %+v, want %+v", got, tok)
	}
	// Copies in and out.
	got.Key[0] ^= 0xff
	tok.Key[1] ^= 0xff
	if k := getKey(t, c, tok.ContextID, "g1", now); !bytes.Equal(k, token(1, "g1", start, time.Hour).Key) {
		t.Fatal("the cached key changed with the caller's copies")
	}
	for _, q := range [][2]string{{tok.ContextID, "g2"}, {tok.ContextID, ""}, {"urn:uuid:unknown", ""}, {"", ""}} {
		_, err = c.Get(ctx, q[0], q[1], now)
		wantErr(t, err, secureconv.ErrTokenNotFound, "Get%q", q)
	}
	if c.Put(ctx, nil, now) == nil {
		t.Fatal("Put(nil) accepted")
	}
	bad := token(2, "", now, time.Hour)
	bad.AppContext = make([]byte, secureconv.MaxAppContextLen+1)
	if c.Put(ctx, bad, now) == nil {
		t.Fatal("Put of an oversized AppContext accepted")
	}
	bad = token(2, "", now, time.Hour)
	bad.ContextID = ""
	if c.Put(ctx, bad, now) == nil {
		t.Fatal("Put without ContextID accepted")
	}
	_, err = c.Get(ctx, contextID(2), "", now)
	wantErr(t, err, secureconv.ErrTokenNotFound, "a refused Put stored something")
	wantErr(t, c.Put(ctx, token(3, "", now, 0), now), secureconv.ErrTokenExpired, "Put of an expired token")

	cctx, cancel := context.WithCancel(ctx)
	cancel()
	_, err = c.Get(cctx, tok.ContextID, "g1", now)
	wantErr(t, err, context.Canceled, "Get")
	_, err = c.Current(cctx, tok.ContextID, now)
	wantErr(t, err, context.Canceled, "Current")
	wantErr(t, c.Put(cctx, tok, now), context.Canceled, "Put")
	wantErr(t, c.Remove(cctx, tok.ContextID, "g1"), context.Canceled, "Remove")
	wantErr(t, c.RemoveAll(cctx, tok.ContextID), context.Canceled, "RemoveAll")
	getKey(t, c, tok.ContextID, "g1", now)
}

// equalTokens compares the fields a cache must keep.
func equalTokens(a, b *secureconv.SessionToken) bool {
	ab, err1 := a.MarshalBinary()
	bb, err2 := b.MarshalBinary()
	return err1 == nil && err2 == nil && bytes.Equal(ab, bb) && a.CookieMode == b.CookieMode
}

func testExpiry(t *testing.T, newCache func(Config) secureconv.TokenCache) {
	c := newCache(defaults())
	now := start
	short := token(1, "", now, time.Hour)
	long := token(2, "", now, 10*time.Hour)
	must(t, c.Put(ctx, short, now), "Put")
	must(t, c.Put(ctx, long, now), "Put")
	getKey(t, c, short.ContextID, "", now)
	getKey(t, c, long.ContextID, "", now)
	now = now.Add(time.Hour - time.Nanosecond)
	getKey(t, c, short.ContextID, "", now)
	now = now.Add(time.Nanosecond)
	_, err := c.Get(ctx, short.ContextID, "", now)
	wantErr(t, err, secureconv.ErrTokenExpired, "at ValidTo")
	_, err = c.Get(ctx, short.ContextID, "", now)
	wantErr(t, err, secureconv.ErrTokenNotFound, "dropped once found expired")
	getKey(t, c, long.ContextID, "", now)

	// A token whose key expired stays until ValidTo (for RenewNeeded).
	keyExp := token(3, "", now, time.Hour)
	keyExp.KeyExpiration = now.Add(time.Minute)
	must(t, c.Put(ctx, keyExp, now), "Put")
	getKey(t, c, keyExp.ContextID, "", now)
	now = now.Add(30 * time.Minute)
	got, err := c.Get(ctx, keyExp.ContextID, "", now)
	must(t, err, "Get after the key expired")
	if got.KeyValid(now) || !got.Valid(now) {
		t.Fatal("key and token validity")
	}
}

// testPending checks WCF's limits on pending sessions: at most
// MaxPending, each for at most PendingTimeout; one more is refused, not
// evicting another.
func testPending(t *testing.T, newCache func(Config) secureconv.TokenCache) {
	cfg := defaults()
	cfg.MaxPending = 16
	c := newCache(cfg)
	now := start
	for i := range cfg.MaxPending {
		must(t, c.Put(ctx, token(i, "", now, time.Hour), now), "pending %d", i)
		now = now.Add(100 * time.Millisecond)
	}
	wantErr(t, c.Put(ctx, token(1000, "", now, time.Hour), now), secureconv.ErrCacheFull, "one pending session too many")
	for i := range 4 {
		getKey(t, c, contextID(i), "", now) // sessions 0..3 are now in use
	}
	for i := 1000; i < 1004; i++ {
		must(t, c.Put(ctx, token(i, "", now, time.Hour), now), "Put %d after four sessions were used", i)
	}
	wantErr(t, c.Put(ctx, token(2000, "", now, time.Hour), now), secureconv.ErrCacheFull, "pending slots full again")
	must(t, c.Put(ctx, token(0, "renewed", now, time.Hour), now), "renewal of a session in use")
	must(t, c.Put(ctx, token(10, "renewed", now, time.Hour), now), "renewal of a pending session")
	wantErr(t, c.Put(ctx, token(2000, "", now, time.Hour), now), secureconv.ErrCacheFull, "renewals took no pending slot")

	// Session 4 was put at 0.4 s: at PendingTimeout + 0.4 s it is gone;
	// session 5, put at 0.5 s, is still there; sessions in use stay.
	now = start.Add(cfg.PendingTimeout + 400*time.Millisecond)
	_, err := c.Get(ctx, contextID(4), "", now)
	wantErr(t, err, secureconv.ErrTokenNotFound, "idle pending session evicted")
	getKey(t, c, contextID(5), "", now)
	getKey(t, c, contextID(2), "", now)

	// Later every idle pending session has gone: room again.
	now = now.Add(cfg.PendingTimeout)
	for i := 3000; i < 3000+cfg.MaxPending; i++ {
		must(t, c.Put(ctx, token(i, "", now, time.Hour), now), "Put %d after the pending sessions timed out", i)
	}
	getKey(t, c, contextID(1), "", now)

	// Configured limits: a short timeout frees the slots.
	c = newCache(Config{MaxSessions: 100, MaxPending: 2, PendingTimeout: time.Second, Rollover: cfg.Rollover})
	must(t, c.Put(ctx, token(1, "", now, time.Hour), now), "Put")
	must(t, c.Put(ctx, token(2, "", now, time.Hour), now), "Put")
	wantErr(t, c.Put(ctx, token(3, "", now, time.Hour), now), secureconv.ErrCacheFull, "third pending session")
	now = now.Add(time.Second)
	must(t, c.Put(ctx, token(3, "", now, time.Hour), now), "Put after the timeout")
	_, err = c.Get(ctx, contextID(1), "", now)
	wantErr(t, err, secureconv.ErrTokenNotFound, "timed-out pending session")
}

func testMaxSessions(t *testing.T, newCache func(Config) secureconv.TokenCache) {
	const max = 30
	cfg := defaults()
	cfg.MaxSessions = max
	c := newCache(cfg)
	now := start
	for i := range max {
		life := time.Hour
		if i%2 == 0 {
			life = 2 * time.Hour
		}
		must(t, c.Put(ctx, token(i, "", now, life), now), "Put %d", i)
		getKey(t, c, contextID(i), "", now)
	}
	wantErr(t, c.Put(ctx, token(max, "", now, time.Hour), now), secureconv.ErrCacheFull, "one session too many")
	for i := range max {
		getKey(t, c, contextID(i), "", now) // live sessions are never evicted
	}
	now = now.Add(time.Hour)
	for i := max; i < max+max/2; i++ {
		must(t, c.Put(ctx, token(i, "", now, time.Hour), now), "room after expiry (%d)", i)
		getKey(t, c, contextID(i), "", now)
	}
	wantErr(t, c.Put(ctx, token(1000, "", now, time.Hour), now), secureconv.ErrCacheFull, "full again")
}

func testRollover(t *testing.T, newCache func(Config) secureconv.TokenCache) {
	cfg := defaults()
	c := newCache(cfg)
	now := start
	g1 := token(1, "g1", now, 10*time.Hour)
	id := g1.ContextID
	must(t, c.Put(ctx, g1, now), "Put")
	getKey(t, c, id, "g1", now)

	now = now.Add(6 * time.Hour)
	must(t, c.Put(ctx, token(1, "g2", now, 10*time.Hour), now), "Put g2")
	now = now.Add(cfg.Rollover - time.Nanosecond)
	getKey(t, c, id, "g1", now)
	now = now.Add(time.Nanosecond)
	_, err := c.Get(ctx, id, "g1", now)
	wantGone(t, err, "old generation after the rollover window")
	getKey(t, c, id, "g2", now)

	// An old generation whose ValidTo comes first expires then.
	g3 := token(1, "g3", now, 10*time.Hour)
	now = now.Add(time.Hour)
	g3.ValidTo = now.Add(time.Minute)
	must(t, c.Put(ctx, g3, now), "Put g3")
	must(t, c.Put(ctx, token(1, "g4", now, 10*time.Hour), now), "Put g4")
	now = now.Add(time.Minute)
	_, err = c.Get(ctx, id, "g3", now)
	wantGone(t, err, "g3 past its ValidTo")
	getKey(t, c, id, "g2", now) // replaced by g3 a minute ago: within its window

	// Renewing again and again keeps at most three old generations.
	for i := 5; i < 12; i++ {
		must(t, c.Put(ctx, token(1, fmt.Sprint("g", i), now, 10*time.Hour), now), "Put g%d", i)
	}
	for i := 1; i < 12; i++ {
		_, err := c.Get(ctx, id, fmt.Sprint("g", i), now)
		if (err == nil) != (i >= 8) {
			t.Fatalf("g%d: %v", i, err)
		}
	}
	// Putting the current generation again replaces it in place.
	g11 := token(1, "g11", now, 10*time.Hour)
	g11.AppContext = []byte("updated")
	must(t, c.Put(ctx, g11, now), "Put g11 again")
	cur, err := c.Current(ctx, id, now)
	must(t, err, "Current")
	if string(cur.AppContext) != "updated" {
		t.Fatalf("current AppContext %q", cur.AppContext)
	}
	getKey(t, c, id, "g10", now)
	// Putting an old generation again updates it and keeps its deadline.
	g9 := token(1, "g9", now, 10*time.Hour)
	g9.AppContext = []byte("g9 again")
	must(t, c.Put(ctx, g9, now), "Put g9 again")
	cur, err = c.Current(ctx, id, now)
	must(t, err, "Current")
	if cur.KeyGeneration != "g11" {
		t.Fatalf("current %q after putting an old generation", cur.KeyGeneration)
	}
	got9, err := c.Get(ctx, id, "g9", now)
	must(t, err, "Get g9")
	if string(got9.AppContext) != "g9 again" {
		t.Fatalf("g9 AppContext %q", got9.AppContext)
	}
	now = now.Add(cfg.Rollover)
	if _, err := c.Get(ctx, id, "g9", now); err == nil {
		t.Fatal("g9 past its rollover deadline")
	}

	// No rollover window: the old generation goes at once.
	cfg.Rollover = 0
	c = newCache(cfg)
	must(t, c.Put(ctx, token(1, "a", now, time.Hour), now), "Put a")
	must(t, c.Put(ctx, token(1, "b", now, time.Hour), now), "Put b")
	_, err = c.Get(ctx, id, "a", now)
	wantErr(t, err, secureconv.ErrTokenNotFound, "old generation without a rollover window")
}

func testRemove(t *testing.T, newCache func(Config) secureconv.TokenCache) {
	c := newCache(defaults())
	now := start
	for _, g := range []string{"g1", "g2", "g3"} {
		must(t, c.Put(ctx, token(1, g, now, time.Hour), now), "Put %s", g)
	}
	must(t, c.Put(ctx, token(2, "", now, time.Hour), now), "Put")
	id := contextID(1)
	must(t, c.Remove(ctx, id, "g2"), "Remove g2")
	_, err := c.Get(ctx, id, "g2", now)
	wantErr(t, err, secureconv.ErrTokenNotFound, "removed g2")
	getKey(t, c, id, "g1", now)
	wantErr(t, c.Remove(ctx, id, "g2"), secureconv.ErrTokenNotFound, "Remove g2 twice")
	wantErr(t, c.Remove(ctx, id, ""), secureconv.ErrTokenNotFound, `Remove("") of a session without an issued generation`)
	must(t, c.Remove(ctx, id, "g3"), "Remove the current generation")
	_, err = c.Current(ctx, id, now)
	wantErr(t, err, secureconv.ErrTokenNotFound, "Current after removing it")
	getKey(t, c, id, "g1", now)
	must(t, c.Remove(ctx, id, "g1"), "Remove g1")
	_, err = c.Get(ctx, id, "g1", now)
	wantErr(t, err, secureconv.ErrTokenNotFound, "the session went with its last generation")

	for _, g := range []string{"g1", "g2"} {
		must(t, c.Put(ctx, token(1, g, now, time.Hour), now), "Put %s", g)
	}
	must(t, c.RemoveAll(ctx, id), "RemoveAll")
	for _, g := range []string{"", "g1", "g2"} {
		_, err = c.Get(ctx, id, g, now)
		wantErr(t, err, secureconv.ErrTokenNotFound, "Get(%q) after RemoveAll", g)
	}
	wantErr(t, c.RemoveAll(ctx, id), secureconv.ErrTokenNotFound, "RemoveAll twice")
	wantErr(t, c.Remove(ctx, "urn:uuid:unknown", ""), secureconv.ErrTokenNotFound, "Remove unknown")
	getKey(t, c, contextID(2), "", now)
}

// testConcurrent runs Put, Get, renewals, Remove and RemoveAll from many
// goroutines over shared sessions while the clock moves: no call fails
// but for a full cache or an expired token, and Get returns the session
// asked for.
func testConcurrent(t *testing.T, newCache func(Config) secureconv.TokenCache) {
	const (
		goroutines = 16
		ops        = 300
		sessions   = 100
	)
	c := newCache(Config{MaxSessions: 60, MaxPending: 20, PendingTimeout: secureconv.DefaultCachePendingTimeout, Rollover: secureconv.DefaultCacheRollover})
	var clock atomic.Int64
	clock.Store(start.UnixNano())
	now := func() time.Time { return time.Unix(0, clock.Load()) }
	var errs atomic.Int32
	var first atomic.Value
	fail := func(err error) {
		errs.Add(1)
		first.CompareAndSwap(nil, err)
	}
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range ops {
				s := (i*7 + g*13) % sessions
				id := contextID(s)
				switch (i + g) % 10 {
				case 0, 1, 2:
					err := c.Put(ctx, token(s, fmt.Sprint("g", i%5), now(), time.Duration(1+s%5)*time.Minute), now())
					if err != nil && !errors.Is(err, secureconv.ErrCacheFull) && !errors.Is(err, secureconv.ErrTokenExpired) {
						fail(err)
					}
				case 3, 4, 5, 6:
					tok, err := c.Get(ctx, id, "", now())
					if err == nil && tok.ContextID != id {
						fail(fmt.Errorf("Get(%s) returned %s", id, tok.ContextID))
					} else if err != nil && !errors.Is(err, secureconv.ErrTokenNotFound) && !errors.Is(err, secureconv.ErrTokenExpired) {
						fail(err)
					}
				case 7:
					_, _ = c.Get(ctx, id, fmt.Sprint("g", i%5), now())
				case 8:
					_ = c.Remove(ctx, id, fmt.Sprint("g", i%5))
				case 9:
					if i%3 == 0 {
						_ = c.RemoveAll(ctx, id)
					}
				}
				if i%50 == 0 {
					clock.Add(int64(time.Second))
				}
			}
		}()
	}
	wg.Wait()
	if n := errs.Load(); n > 0 {
		t.Fatalf("%d failures, first: %v", n, first.Load())
	}
	// Everything expires: the cache has room for a full set again.
	clock.Add(int64(time.Hour))
	for i := range 20 {
		must(t, c.Put(ctx, token(500+i, "", now(), time.Hour), now()), "Put after everything expired")
	}
}
