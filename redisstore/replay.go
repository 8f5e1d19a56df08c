package redisstore

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/soapstack/soapstack/wssecurity"
)

// ReplayCache is a wssecurity.ReplayCache in Redis, shared by the nodes
// of a farm: a message replayed to another node than the one that first
// received it is detected.
//
// A value is recorded under the first 128 bits of its SHA-256 (as
// wssecurity.MemoryReplayCache does), with one SET NX PX: the check and
// the insert are one atomic step on the Redis node that holds the key,
// and the entry's time-to-live is expires minus the caller's now (rounded up to
// the millisecond). Entries are bounded by Redis's maxmemory: use
// the noeviction policy, so that a full Redis refuses new entries
// (ErrUnavailable, a Receiver fault) instead of forgetting live ones.
type ReplayCache struct {
	base
}

// NewReplayCache returns a ReplayCache using client c.
func NewReplayCache(c redis.UniversalClient, o Options) (*ReplayCache, error) {
	b, err := newBase(c, o)
	if err != nil {
		return nil, err
	}
	return &ReplayCache{base: b}, nil
}

func (r *ReplayCache) key(value []byte) string {
	sum := sha256.Sum256(value)
	return r.prefix + "replay:" + hex.EncodeToString(sum[:16])
}

// Seen implements wssecurity.ReplayCache. A value whose expires is not
// after now is checked but not recorded; a zero expires is an error.
func (r *ReplayCache) Seen(ctx context.Context, value []byte, now, expires time.Time) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	if expires.IsZero() {
		return false, errors.New("redisstore: replay cache entry without expiry")
	}
	if now.IsZero() {
		now = time.Now()
	}
	cctx, cancel, err := r.call(ctx)
	if err != nil {
		return false, err
	}
	defer cancel()
	k := r.key(value)
	ttl := expires.Sub(now)
	if ttl <= 0 {
		n, err := r.c.Exists(cctx, k).Result()
		if err != nil {
			return false, unavailable("replay check", err)
		}
		return n > 0, nil
	}
	ttl = (ttl + time.Millisecond - 1).Truncate(time.Millisecond) // at least until expires
	err = r.c.SetArgs(cctx, k, "1", redis.SetArgs{Mode: "NX", TTL: ttl}).Err()
	switch {
	case err == nil:
		return false, nil
	case errors.Is(err, redis.Nil):
		return true, nil
	}
	return false, unavailable("replay check", err)
}

// FallbackReplayCache is a ReplayCache that keeps answering while Redis is
// unavailable, from a cache of this node: the trade-off a farm may choose
// so that cookie-mode sessions, which need nothing else from Redis, go on
// through an outage. While Redis is down, a replay to the node that saw
// the original is still detected, a replay to another node is not, and
// neither is, after the outage, a replay of a message seen only during
// it. Without it (the default) an outage refuses every message.
type FallbackReplayCache struct {
	// Shared is the farm's cache.
	Shared *ReplayCache
	// Local answers when Shared fails with ErrUnavailable (for example a
	// wssecurity.NewMemoryReplayCache).
	Local wssecurity.ReplayCache
}

// Seen implements wssecurity.ReplayCache. A value is recorded in Local
// too, so that Local knows what this node saw before the outage.
func (f *FallbackReplayCache) Seen(ctx context.Context, value []byte, now, expires time.Time) (bool, error) {
	seen, err := f.Shared.Seen(ctx, value, now, expires)
	if err == nil {
		// Its answer does not matter while Redis answers (a full Local
		// refuses, which only matters in an outage).
		_, _ = f.Local.Seen(ctx, value, now, expires)
		return seen, nil
	}
	if !errors.Is(err, ErrUnavailable) || ctx.Err() != nil {
		return false, err
	}
	return f.Local.Seen(ctx, value, now, expires)
}
