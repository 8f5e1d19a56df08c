package wssecurity

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"math"
	"sync"
	"sync/atomic"
	"time"
)

// ReplayCache remembers values (nonces, timestamps, signature values) until
// they expire, to detect messages received twice. Implementations must be
// safe for concurrent use; package store provides shared (Redis) ones for
// server farms.
type ReplayCache interface {
	// Seen reports whether key was already recorded and has not expired at
	// time now; if not, it records key until expires. now is the caller's
	// clock (the layer's Config.Now), so that the cache and the message
	// checks agree on the time; a shared store turns expires-now into its
	// own time-to-live. The check and the insert are one atomic step, so of
	// two concurrent calls with the same key exactly one reports false. A
	// non-nil error means the key could not be checked and the message must
	// be rejected.
	Seen(ctx context.Context, key []byte, now, expires time.Time) (replayed bool, err error)
}

// DefaultReplayCacheSize is the default capacity of a MemoryReplayCache,
// that of WCF's LocalServiceSecuritySettings.MaxCachedNonces.
const DefaultReplayCacheSize = 900000

// ErrReplayCacheFull is returned by MemoryReplayCache.Seen when the cache
// holds its maximum number of live entries. It is not a fault of the sender
// (FaultFor maps it to a Receiver fault).
var ErrReplayCacheFull = errors.New("wssecurity: replay cache full")

// replayShards is the number of independently locked parts of a
// MemoryReplayCache.
const replayShards = 32

// ReplayCacheOption configures NewMemoryReplayCache.
type ReplayCacheOption interface {
	apply(*MemoryReplayCache)
}

type replayOptionFunc func(*MemoryReplayCache)

func (f replayOptionFunc) apply(c *MemoryReplayCache) { f(c) }

// WithMaxEntries sets the capacity (DefaultReplayCacheSize when n <= 0).
func WithMaxEntries(n int) ReplayCacheOption {
	return replayOptionFunc(func(c *MemoryReplayCache) {
		if n > 0 {
			c.max = int64(n)
		}
	})
}

// MemoryReplayCache is a bounded in-memory ReplayCache.
//
// Keys are stored as the first 128 bits of their SHA-256, so an entry takes
// a fixed amount of memory whatever the key (about 65 bytes, measured: some
// 60 MB for the default 900,000 entries). Expired entries are dropped as new keys
// arrive. When the cache is full, expired entries are evicted first; if it
// is still full the new key is refused with ErrReplayCacheFull rather than
// forgetting a live entry: forgetting would silently reopen the replay
// window for that entry, while refusing makes the overload visible and only
// delays new messages until entries expire. Size the cache for the peak
// message rate times the replay window.
//
// It is safe for concurrent use: keys are spread over independently locked
// shards, and the bound is kept exactly with an atomic counter.
type MemoryReplayCache struct {
	max    int64
	count  atomic.Int64
	shards [replayShards]replayShard
}

type replayKey [16]byte

type replayShard struct {
	mu      sync.Mutex
	entries map[replayKey]int64 // expiry, Unix nanoseconds
	order   expiryHeap
}

// NewMemoryReplayCache returns an empty MemoryReplayCache.
func NewMemoryReplayCache(opts ...ReplayCacheOption) *MemoryReplayCache {
	c := &MemoryReplayCache{max: DefaultReplayCacheSize}
	for _, o := range opts {
		o.apply(c)
	}
	for i := range c.shards {
		c.shards[i].entries = make(map[replayKey]int64)
	}
	return c
}

// Len returns the number of entries held, expired ones not yet dropped
// included.
func (c *MemoryReplayCache) Len() int { return int(c.count.Load()) }

// Seen implements ReplayCache. A key whose expires is not after now is
// checked but not recorded (the message's own freshness check rejects it
// anyway); a zero expires is an error. Entries expire by the times callers
// pass as now (time.Now when now is zero).
func (c *MemoryReplayCache) Seen(ctx context.Context, key []byte, at, expires time.Time) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	if expires.IsZero() {
		return false, errors.New("wssecurity: replay cache entry without expiry")
	}
	sum := sha256.Sum256(key)
	var k replayKey
	copy(k[:], sum[:])
	s := &c.shards[binary.LittleEndian.Uint32(sum[16:])%replayShards]
	exp := unixNano(expires)
	if at.IsZero() {
		at = time.Now()
	}
	now := unixNano(at)
	for attempt := 0; ; attempt++ {
		s.mu.Lock()
		c.dropExpired(s, now)
		if e, ok := s.entries[k]; ok && e > now {
			s.mu.Unlock()
			return true, nil
		}
		if exp <= now {
			s.mu.Unlock()
			return false, nil
		}
		if c.reserve() {
			s.entries[k] = exp
			s.order.push(expiryEntry{exp: exp, key: k})
			s.mu.Unlock()
			return false, nil
		}
		s.mu.Unlock()
		if attempt > 0 {
			return false, ErrReplayCacheFull
		}
		// Full: evict expired entries of every shard, then try once more.
		for i := range c.shards {
			o := &c.shards[i]
			o.mu.Lock()
			c.dropExpired(o, now)
			o.mu.Unlock()
		}
	}
}

// unixNano returns t in Unix nanoseconds, clamped to the int64 range
// (years 1678 to 2262).
func unixNano(t time.Time) int64 {
	switch sec := t.Unix(); {
	case sec <= math.MinInt64/int64(time.Second):
		return math.MinInt64
	case sec >= math.MaxInt64/int64(time.Second):
		return math.MaxInt64
	}
	return t.UnixNano()
}

// reserve takes one unit of capacity, reporting false when full.
func (c *MemoryReplayCache) reserve() bool {
	for {
		n := c.count.Load()
		if n >= c.max {
			return false
		}
		if c.count.CompareAndSwap(n, n+1) {
			return true
		}
	}
}

// dropExpired removes the entries of s that expired at now; s.mu is held.
// The heap and the map hold the same entries: a key is inserted only when
// absent (expired entries are dropped first, with the same now) and never
// updated, so each popped entry is in the map with that expiry.
func (c *MemoryReplayCache) dropExpired(s *replayShard, now int64) {
	for len(s.order) > 0 && s.order[0].exp <= now {
		delete(s.entries, s.order.pop().key)
		c.count.Add(-1)
	}
}

type expiryEntry struct {
	exp int64
	key replayKey
}

// expiryHeap is a binary min-heap of entries by expiry (hand-written
// rather than container/heap to avoid boxing an entry per operation).
type expiryHeap []expiryEntry

func (h *expiryHeap) push(e expiryEntry) {
	*h = append(*h, e)
	a := *h
	for i := len(a) - 1; i > 0; {
		p := (i - 1) / 2
		if a[p].exp <= a[i].exp {
			break
		}
		a[p], a[i] = a[i], a[p]
		i = p
	}
}

func (h *expiryHeap) pop() expiryEntry {
	a := *h
	top := a[0]
	n := len(a) - 1
	a[0] = a[n]
	a = a[:n]
	for i := 0; ; {
		l, small := 2*i+1, i
		if l < n && a[l].exp < a[small].exp {
			small = l
		}
		if r := l + 1; r < n && a[r].exp < a[small].exp {
			small = r
		}
		if small == i {
			break
		}
		a[i], a[small] = a[small], a[i]
		i = small
	}
	*h = a
	return top
}
