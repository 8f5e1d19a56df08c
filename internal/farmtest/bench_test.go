package farmtest

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/redis/go-redis/v9"
)

// tripCounter is a go-redis hook counting the round trips of a client:
// each command (a script is one) and each pipeline.
type tripCounter struct{ n *atomic.Int64 }

func (c tripCounter) DialHook(next redis.DialHook) redis.DialHook { return next }

func (c tripCounter) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		c.n.Add(1)
		return next(ctx, cmd)
	}
}

func (c tripCounter) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		c.n.Add(1)
		return next(ctx, cmds)
	}
}

// redisCounters are the nodes' round trips to Redis, and Redis's bytes in
// and out (INFO stats).
type redisCounters struct {
	trips, in, out int64
}

func readCounters(tb testing.TB, rc *redis.Client, trips int64) redisCounters {
	tb.Helper()
	info, err := rc.Info(context.Background(), "stats").Result()
	if err != nil {
		tb.Fatal(err)
	}
	c := redisCounters{trips: trips}
	for _, l := range strings.Split(info, "\n") {
		l = strings.TrimSpace(l)
		if v, ok := strings.CutPrefix(l, "total_net_input_bytes:"); ok {
			c.in, _ = strconv.ParseInt(v, 10, 64)
		}
		if v, ok := strings.CutPrefix(l, "total_net_output_bytes:"); ok {
			c.out, _ = strconv.ParseInt(v, 10, 64)
		}
	}
	return c
}

// reportRedis reports the round trips to Redis and its bytes in and out
// per call since before (the bytes include the measurement's own INFO).
func reportRedis(b *testing.B, rc *redis.Client, before redisCounters, trips int64, calls int64) {
	after := readCounters(b, rc, trips)
	n := float64(calls)
	b.ReportMetric(float64(after.trips-before.trips)/n, "redis-trips/call")
	b.ReportMetric(float64(after.in-before.in)/n, "redis-B-in/call")
	b.ReportMetric(float64(after.out-before.out)/n, "redis-B-out/call")
}

// BenchmarkFarm measures secured round trips (wsHttpBinding, user name,
// a secure session: derived keys, signed and encrypted both ways, the
// replay cache in Redis, and in reference mode the token cache) in both
// session modes: straight to one node, and through HAProxy to three,
// from one session at a time and from 8 concurrent sessions. Each
// result reports calls/s and the Redis commands and bytes per call. On
// a shared machine the figures compare the paths, not the hardware.
func BenchmarkFarm(b *testing.B) {
	for _, mode := range []string{"reference", "cookie"} {
		b.Run(mode, func(b *testing.B) {
			f := startFarm(b, mode == "cookie")
			rc := redis.NewClient(&redis.Options{Addr: f.redis.Addr})
			defer rc.Close()
			for _, tc := range []struct {
				name string
				url  string
			}{
				{"1node", f.nodes[0].srv.URL + "/svc"},
				{"3nodes-haproxy", "http://" + f.lb + "/svc"},
			} {
				for _, sessions := range []int{1, 8} {
					b.Run(fmt.Sprintf("%s/sessions=%d", tc.name, sessions), func(b *testing.B) {
						benchCalls(b, f, rc, tc.url, sessions)
					})
				}
			}
		})
	}
}

// benchCalls runs b.N echo calls spread over sessions concurrent
// sessions of the farm at url.
func benchCalls(b *testing.B, f *farm, rc *redis.Client, url string, sessions int) {
	ctx := context.Background()
	var next atomic.Int64
	var calls atomic.Int64
	b.SetParallelism(max(sessions/2, 1)) // GOMAXPROCS 2 on the CI machine
	before := readCounters(b, rc, f.trips())
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		c := f.clientAt(b, url)
		defer c.Close(ctx)
		id := next.Add(1)
		for pb.Next() {
			if _, err := echo(ctx, c, "hello"); err != nil {
				b.Errorf("session %d: %v", id, err)
				return
			}
			calls.Add(1)
		}
	})
	b.StopTimer()
	b.ReportMetric(float64(calls.Load())/b.Elapsed().Seconds(), "calls/s")
	reportRedis(b, rc, before, f.trips(), calls.Load())
}

// BenchmarkFarmReliable measures request-reply calls of one reliable
// secure session (reference mode; tokens, replays and the sequence in
// Redis) from 1 and 4 callers, straight to one node and through HAProxy to
// three, with the Redis commands and bytes per call.
func BenchmarkFarmReliable(b *testing.B) {
	f := startRMFarm(b, rmFarmOptions{})
	rc := redis.NewClient(&redis.Options{Addr: f.redis.Addr})
	defer rc.Close()
	var ids int // each run's session has its own id
	for _, tc := range []struct {
		name string
		url  string
	}{
		{"1node", f.nodes[0].URL},
		{"3nodes-haproxy", "http://" + f.lb},
	} {
		for _, callers := range []int{1, 4} {
			b.Run(fmt.Sprintf("%s/callers=%d", tc.name, callers), func(b *testing.B) {
				ctx := context.Background()
				ids++
				s := f.session(b, ids, tc.url, nil)
				if err := s.call(ctx, msgKey{s.id, 4, 0}); err != nil {
					b.Fatal(err)
				}
				before := readCounters(b, rc, f.trips.Load())
				start := f.rec.total.Load()
				b.ResetTimer()
				if _, err := s.drive(ctx, b.N, callers, nil); err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				calls := f.rec.total.Load() - start
				b.ReportMetric(float64(calls)/b.Elapsed().Seconds(), "calls/s")
				reportRedis(b, rc, before, f.trips.Load(), calls)
				_ = s.close(ctx)
			})
		}
	}
}
