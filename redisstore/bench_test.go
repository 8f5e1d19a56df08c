package redisstore

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/soapstack/soapstack/internal/testredis"
	"github.com/soapstack/soapstack/reliable"
	"github.com/soapstack/soapstack/secureconv"
)

// countingHook counts the commands sent to Redis (each a round trip:
// the stores do not pipeline).
type countingHook struct{ n atomic.Int64 }

func (h *countingHook) DialHook(next redis.DialHook) redis.DialHook { return next }

func (h *countingHook) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		h.n.Add(1)
		return next(ctx, cmd)
	}
}

func (h *countingHook) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		h.n.Add(1)
		return next(ctx, cmds)
	}
}

func benchClient(b *testing.B) (*redis.Client, *countingHook) {
	srv := testredis.Start(b)
	c := redis.NewClient(&redis.Options{Addr: srv.Addr, ContextTimeoutEnabled: true})
	b.Cleanup(func() { c.Close() })
	h := &countingHook{}
	c.AddHook(h)
	return c, h
}

// netIn returns Redis's total_net_input_bytes (INFO stats).
func netIn(b *testing.B, c *redis.Client) int64 {
	info, err := c.Info(context.Background(), "stats").Result()
	if err != nil {
		b.Fatal(err)
	}
	for _, l := range strings.Split(info, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(l), "total_net_input_bytes:"); ok {
			n, _ := strconv.ParseInt(v, 10, 64)
			return n
		}
	}
	b.Fatal("INFO stats without total_net_input_bytes")
	return 0
}

// BenchmarkSequenceStoreDeliver measures the store's part of one message
// of 2 KiB with a reply of 1 KiB: in order (Accept granting the claim,
// then Complete caching the reply), with the message's bytes left out of
// Accept as the layer does, or given (as the layer did before the store
// asked for them only to buffer); and out of order, every other message
// arriving before the one due (Accept without the bytes, answered
// OutcomeNeedMessage, Accept with them; then the one due, whose Complete
// claims the buffered one). It reports the round trips and the bytes
// Redis received per message.
func BenchmarkSequenceStoreDeliver(b *testing.B) {
	for _, tc := range []struct {
		name       string
		give, swap bool
	}{
		{"in-order/message=left-out", false, false},
		{"in-order/message=given", true, false},
		{"out-of-order/message=left-out", false, true},
	} {
		b.Run(tc.name, func(b *testing.B) {
			c, hook := benchClient(b)
			s, err := NewSequenceStore(c, SequenceOptions{})
			if err != nil {
				b.Fatal(err)
			}
			ctx := context.Background()
			now := time.Now()
			msg, rep := make([]byte, 2048), make([]byte, 1024)
			incoming := func(n int64, give bool) reliable.Incoming {
				in := reliable.Incoming{Owner: tOwner, Number: n, Now: now, ClaimUntil: now.Add(time.Minute)}
				if give {
					in.Message = msg
				}
				return in
			}
			seqs := 0
			var id string
			var n int64
			messages := 0
			in0 := netIn(b, c)
			hook.n.Store(0)
			b.ResetTimer()
			for b.Loop() {
				if n == 0 || n >= 100000 {
					seqs++
					id = fmt.Sprintf("urn:seq:bench:%d", seqs)
					if err := s.Create(ctx, reliable.SequenceInfo{ID: id, Owner: tOwner}, now); err != nil {
						b.Fatal(err)
					}
					n = 0
				}
				if tc.swap {
					// n+2 first: asked for its bytes, then buffered.
					a, err := s.Accept(ctx, id, incoming(n+2, false))
					if err != nil || a.Outcome != reliable.OutcomeNeedMessage {
						b.Fatalf("Accept(%d): %v %v", n+2, a.Outcome, err)
					}
					if a, err = s.Accept(ctx, id, incoming(n+2, true)); err != nil || a.Outcome != reliable.OutcomeBuffered {
						b.Fatalf("Accept(%d): %v %v", n+2, a.Outcome, err)
					}
				}
				n++
				a, err := s.Accept(ctx, id, incoming(n, tc.give))
				if err != nil || a.Outcome != reliable.OutcomeDeliver {
					b.Fatalf("Accept(%d): %v %v", n, a.Outcome, err)
				}
				d, err := s.Complete(ctx, id, tOwner, n, a.Claim, rep, now, now.Add(time.Minute))
				if err != nil {
					b.Fatal(err)
				}
				messages++
				if tc.swap {
					if d == nil || d.Number != n+1 {
						b.Fatalf("Complete(%d) claimed %+v", n, d)
					}
					n++
					if _, err := s.Complete(ctx, id, tOwner, n, d.Claim, rep, now, now.Add(time.Minute)); err != nil {
						b.Fatal(err)
					}
					messages++
				}
			}
			b.StopTimer()
			trips := hook.n.Load()
			b.ReportMetric(float64(trips)/float64(messages), "roundtrips/msg")
			b.ReportMetric(float64(netIn(b, c)-in0)/float64(messages), "redis-B-in/msg")
		})
	}
}

// BenchmarkTokenCacheGet measures the lookup of a sealed session token.
func BenchmarkTokenCacheGet(b *testing.B) {
	c, hook := benchClient(b)
	ring, err := secureconv.NewKeyRing(secureconv.RingKey{ID: 1, Secret: make([]byte, secureconv.RingKeySize)})
	if err != nil {
		b.Fatal(err)
	}
	tc, err := NewTokenCache(c, TokenCacheOptions{Seal: ring})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	now := time.Now()
	tok := tToken("urn:uuid:bench", now)
	if err := tc.Put(ctx, tok, now); err != nil {
		b.Fatal(err)
	}
	hook.n.Store(0)
	b.ResetTimer()
	for b.Loop() {
		if _, err := tc.Get(ctx, tok.ContextID, "", now); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(hook.n.Load())/float64(b.N), "roundtrips/op")
}

// BenchmarkReplayCacheSeen measures one check-and-insert.
func BenchmarkReplayCacheSeen(b *testing.B) {
	c, hook := benchClient(b)
	r, err := NewReplayCache(c, Options{})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	hook.n.Store(0)
	i := 0
	for b.Loop() {
		i++
		now := time.Now()
		if _, err := r.Seen(ctx, fmt.Appendf(nil, "nonce-%d", i), now, now.Add(time.Minute)); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(hook.n.Load())/float64(b.N), "roundtrips/op")
}
