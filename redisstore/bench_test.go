package redisstore

import (
	"context"
	"fmt"
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

// BenchmarkSequenceStoreDeliver measures one in-order message: Accept
// (granting the claim) and Complete (caching a 1 KiB reply).
func BenchmarkSequenceStoreDeliver(b *testing.B) {
	c, hook := benchClient(b)
	s, err := NewSequenceStore(c, SequenceOptions{})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	now := time.Now()
	msg, rep := make([]byte, 2048), make([]byte, 1024)
	seqs := 0
	var id string
	var n int64
	hook.n.Store(0)
	b.ResetTimer()
	for b.Loop() {
		if n == 0 || n == 100000 {
			seqs++
			id = fmt.Sprintf("urn:seq:bench:%d", seqs)
			if err := s.Create(ctx, reliable.SequenceInfo{ID: id, Owner: tOwner}, now); err != nil {
				b.Fatal(err)
			}
			n = 0
		}
		n++
		a, err := s.Accept(ctx, id, reliable.Incoming{Owner: tOwner, Number: n, Message: msg, Now: now, ClaimUntil: now.Add(time.Minute)})
		if err != nil || a.Outcome != reliable.OutcomeDeliver {
			b.Fatalf("Accept(%d): %v %v", n, a.Outcome, err)
		}
		if _, err := s.Complete(ctx, id, tOwner, n, a.Claim, rep, now, now.Add(time.Minute)); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(hook.n.Load())/float64(b.N), "roundtrips/op")
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
