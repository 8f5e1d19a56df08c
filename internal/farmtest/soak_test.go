package farmtest

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// soakDuration is how long TestFarmSoak runs: SOAK (a Go duration, e.g.
// SOAK=5m), 24 s by default: three times the lifetime of a replay entry,
// which sets the steady state of Redis's keys.
func soakDuration(t *testing.T) time.Duration {
	v := os.Getenv("SOAK")
	if v == "" {
		return 24 * time.Second
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		t.Fatalf("SOAK=%q: want a duration such as 5m", v)
	}
	return d
}

// sample is one measurement of the soak.
type sample struct {
	at         time.Duration
	calls      int64
	heap       uint64 // in use after a collection (the three nodes, the clients and the test: one process)
	goroutines int
	keys       int64 // DBSIZE
	replayKeys int   // replay entries, by a SCAN after DBSIZE
	otherKeys  int   // the other keys of that SCAN
	redisMem   int64 // used_memory
}

func (s sample) String() string {
	return fmt.Sprintf("%6.1fs  calls %7d  heap %6.1f MiB  goroutines %5d  redis keys %5d (replay %5d, others %3d)  redis memory %6.1f MiB",
		s.at.Seconds(), s.calls, float64(s.heap)/(1<<20), s.goroutines, s.keys, s.replayKeys, s.otherKeys, float64(s.redisMem)/(1<<20))
}

func heapInUse() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse
}

// redisMemory returns used_memory of INFO memory.
func redisMemory(ctx context.Context, rc *redis.Client) int64 {
	info, err := rc.Info(ctx, "memory").Result()
	if err != nil {
		return -1
	}
	for _, l := range strings.Split(info, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(l), "used_memory:"); ok {
			var n int64
			fmt.Sscan(v, &n)
			return n
		}
	}
	return -1
}

// countKeys returns the keys under prefix, and how many are replay
// entries; every key but the registries' must have a TTL of at most max.
func countKeys(ctx context.Context, t *testing.T, rc *redis.Client, prefix string, max time.Duration) (all, replay int) {
	t.Helper()
	var cursor uint64
	for {
		keys, next, err := rc.Scan(ctx, cursor, prefix+"*", 1000).Result()
		if err != nil {
			t.Fatal(err)
		}
		var checked []string
		for _, k := range keys {
			all++
			if strings.HasPrefix(k, prefix+"replay:") {
				replay++
			}
			if !strings.Contains(k, "reg{") {
				checked = append(checked, k)
			}
		}
		ttls := make([]*redis.DurationCmd, len(checked))
		_, err = rc.Pipelined(ctx, func(p redis.Pipeliner) error {
			for i, k := range checked {
				ttls[i] = p.PTTL(ctx, k)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		for i, c := range ttls {
			ttl := c.Val()
			if ttl == -2*time.Nanosecond {
				continue // expired meanwhile
			}
			if ttl < 0 || ttl > max {
				t.Errorf("key %s: TTL %v, want [0, %v]", checked[i], ttl, max)
			}
		}
		if cursor = next; cursor == 0 {
			return all, replay
		}
	}
}

// TestFarmSoak runs 20 reliable secure sessions (two callers each, calling
// without pause) through HAProxy to the three nodes for soakDuration,
// with short lifetimes (tokens 10 s, so every session renews on the way;
// Timestamps 5 s; sequences inactive for 4 s expire): every call
// succeeds, each message runs once and in order; the process's heap and
// goroutines and Redis's memory stay bounded (the last third of the run
// needs no more than the second), and so do its keys: the sessions' by
// the sessions, the replay entries by the messages of a replay entry's
// lifetime; every key has a TTL within its lifetime. Then 18 sessions close and two are abandoned: everything
// they left in Redis expires on its TTL, and the goroutines go back.
func TestFarmSoak(t *testing.T) {
	d := soakDuration(t)
	o := rmFarmOptions{lifetime: 10 * time.Second, timestampTTL: 5 * time.Second, skew: 2 * time.Second, inactivity: 4 * time.Second}
	f := startRMFarm(t, o)
	rc := redis.NewClient(&redis.Options{Addr: f.redis.Addr})
	defer rc.Close()
	ctx := context.Background()
	// The longest TTL of a key: a token's lifetime, a replay entry's
	// Timestamp and skew, a sequence's inactivity, plus the grace.
	maxTTL := o.lifetime + o.timestampTTL + o.skew + 10*time.Second
	const sessions, callers = 20, 2
	base := runtime.NumGoroutine()
	ss := make([]*rmSession, sessions)
	for i := range ss {
		ss[i] = f.session(t, i, "http://"+f.lb, nil)
	}
	start := time.Now()
	stop := start.Add(d)
	more := func() bool { return time.Now().Before(stop) }
	var wg sync.WaitGroup
	var mu sync.Mutex
	var sent []msgKey
	errs := make(chan error, sessions)
	for _, s := range ss {
		wg.Go(func() {
			keys, err := s.drive(ctx, 0, callers, more)
			mu.Lock()
			sent = append(sent, keys...)
			mu.Unlock()
			if err != nil {
				errs <- fmt.Errorf("session %d: %w", s.id, err)
			}
		})
	}
	var samples []sample
	measure := func() sample {
		keys, _ := rc.DBSize(ctx).Result()
		all, replay := countKeys(ctx, t, rc, rmPrefix, maxTTL)
		return sample{at: time.Since(start), calls: f.rec.total.Load(), heap: heapInUse(), goroutines: runtime.NumGoroutine(),
			keys: keys, replayKeys: replay, otherKeys: all - replay, redisMem: redisMemory(ctx, rc)}
	}
	every := max(d/40, time.Second)
	for time.Now().Before(stop) {
		time.Sleep(min(every, time.Until(stop)+time.Millisecond))
		samples = append(samples, measure())
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if t.Failed() {
		t.FailNow()
	}
	elapsed := time.Since(start)
	f.rec.check(t, sent)
	for i := range f.nodes {
		if f.rec.served(i) == 0 {
			t.Errorf("node %d ran no call", i)
		}
	}
	step := max(len(samples)/10, 1)
	for i := 0; i < len(samples); i += step {
		t.Log(samples[i])
	}
	t.Log(samples[len(samples)-1])
	total := f.rec.total.Load()
	t.Logf("%d calls in %v: %.0f calls/s over %d sessions; per node %v", total, elapsed.Round(time.Millisecond),
		float64(total)/elapsed.Seconds(), sessions, f.rec.perNode)

	// Bounded: past the warm-up (the first third: the replay entries
	// reach their steady state after a Timestamp's lifetime and skew), the
	// last third needs no more than the second, give or take noise.
	if len(samples) >= 6 {
		q, h := len(samples)/3, 2*len(samples)/3
		peak := func(from, to int, f func(sample) float64) float64 {
			m := 0.0
			for _, s := range samples[from:to] {
				m = max(m, f(s))
			}
			return m
		}
		for _, b := range []struct {
			what  string
			f     func(sample) float64
			slack float64
		}{
			{"heap (bytes)", func(s sample) float64 { return float64(s.heap) }, 16 << 20},
			{"goroutines", func(s sample) float64 { return float64(s.goroutines) }, 64},
			{"redis memory (bytes)", func(s sample) float64 { return float64(s.redisMem) }, 4 << 20},
		} {
			early, late := peak(q, h, b.f), peak(h, len(samples), b.f)
			if late > 1.25*early+b.slack {
				t.Errorf("%s grows: peak %.0f in the second third, %.0f in the last", b.what, early, late)
			}
		}
	}

	// Redis's keys: those of the sessions (tokens, with a replaced
	// generation during a renewal's rollover; sequences and their offers;
	// the registries) are bounded by the sessions, the replay entries by
	// the messages of the last replay lifetime (Timestamp, skew, grace).
	window := o.timestampTTL + o.skew + 5*time.Second
	for i, sm := range samples {
		if sm.otherKeys > 10*sessions+10 {
			t.Errorf("at %v: %d keys besides the replay entries for %d sessions", sm.at.Round(time.Second), sm.otherKeys, sessions)
		}
		var from int64
		for _, e := range samples[:i] {
			if e.at < sm.at-window-every {
				from = e.calls
			}
		}
		// Each call is one request; acknowledgements, handshakes and
		// renewals add a few.
		if recent := sm.calls - from; int64(sm.replayKeys) > 2*recent+400 {
			t.Errorf("at %v: %d replay entries, %d calls in the last %v", sm.at.Round(time.Second), sm.replayKeys, recent, window+every)
		}
	}

	// 18 sessions close, two are abandoned: what they keep in Redis
	// expires with its TTL; the nodes' and clients' goroutines go back.
	for _, s := range ss[:sessions-2] {
		if err := s.close(ctx); err != nil {
			t.Errorf("session %d: close: %v", s.id, err)
		}
	}
	for _, s := range ss[sessions-2:] {
		// The client vanishes: its network is cut before it can end its
		// sessions.
		s.cut.Store(true)
		cctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		_ = s.close(cctx)
		cancel()
	}
	for _, s := range ss {
		s.hc.CloseIdleConnections()
	}
	ended := time.Now()
	deadline := ended.Add(maxTTL + 5*time.Second)
	var left []string
	for {
		left = left[:0]
		keys, err := rc.Keys(ctx, rmPrefix+"*").Result()
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range keys {
			if !strings.Contains(k, "reg{") {
				left = append(left, k)
			}
		}
		if len(left) == 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(250 * time.Millisecond)
	}
	slices.Sort(left)
	if len(left) > 0 {
		t.Errorf("%d keys still in Redis %v after the sessions ended: %v", len(left), time.Since(ended).Round(time.Second), left[:min(len(left), 10)])
	}
	t.Logf("every session key expired or was removed %v after the sessions ended", time.Since(ended).Round(100*time.Millisecond))
	var g int
	for range 50 {
		if g = runtime.NumGoroutine(); g <= base+20 {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if g > base+20 {
		var b strings.Builder
		_ = pprof.Lookup("goroutine").WriteTo(&b, 1)
		t.Errorf("%d goroutines after the sessions ended, %d before they started:\n%s", g, base, b.String())
	}
	t.Logf("goroutines: %d before the sessions, %d after", base, g)
}
