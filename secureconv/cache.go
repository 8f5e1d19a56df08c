package secureconv

import (
	"context"
	"errors"
	"hash/maphash"
	"math"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// TokenCache holds the session tokens of a server in reference mode, by
// context id and key generation. Implementations must be safe for
// concurrent use; NewMemoryTokenCache returns the in-memory one, package
// store a shared (Redis) one for server farms.
//
// Generations are matched exactly, as WCF's SecurityContextTokenCache
// keys its entries by (context id, generation): the generation "" names
// the issued generation, whose SecurityContextToken carries no Instance,
// never "whichever is current". A client may still protect messages with
// the issued key right after a renewal (calls in flight, or a peer that
// switches keys lazily, as WCF's server keeps the previous key for its
// SessionKeyRolloverInterval), and those messages must find that key, not
// the new one. Callers that name a session by its context id only (the
// target of a Cancel or Renew) use Current.
//
// The methods whose result depends on time take the caller's now: the
// server passes its one clock (wssecurity.Config.Now), so expiry, the
// pending timeout and the rollover window follow the same clock as every
// other check. Implementations keep no clock of their own.
type TokenCache interface {
	// Get returns the token of contextID and generation exactly ("" is
	// the issued generation, not the current one). It returns an error
	// wrapping ErrTokenNotFound for an unknown, evicted or removed token
	// and for a replaced generation past its rollover window at now,
	// ErrTokenExpired for one found past its ValidTo at now. The token
	// returned is the caller's to use and modify. A server calls Get when
	// a client uses its session, so the first Get also ends the session's
	// pending state (issued, not yet used) where an implementation limits
	// those.
	Get(ctx context.Context, contextID, generation string, now time.Time) (*SessionToken, error)
	// Current returns the current generation of contextID: the one most
	// recently Put, unless it was removed. Errors are those of Get. It is
	// not a use of the session: it does not end the pending state.
	Current(ctx context.Context, contextID string, now time.Time) (*SessionToken, error)
	// Put stores a copy of token under its ContextID and KeyGeneration,
	// at now. A new generation of a known context id (a renewal) becomes
	// the current one; the previous stays readable by its generation for
	// a rollover window from now. Put returns ErrCacheFull when there is
	// no room, and ErrTokenExpired for a token already past ValidTo.
	Put(ctx context.Context, token *SessionToken, now time.Time) error
	// Remove drops one generation of contextID (matched exactly, as in
	// Get), returning an error wrapping ErrTokenNotFound when there is
	// none.
	Remove(ctx context.Context, contextID, generation string) error
	// RemoveAll drops every generation of contextID (Cancel), returning an
	// error wrapping ErrTokenNotFound when there is none.
	RemoveAll(ctx context.Context, contextID string) error
}

// Errors of TokenCache implementations.
var (
	// ErrTokenNotFound reports a token the cache does not hold.
	ErrTokenNotFound = errors.New("secureconv: session token not found")
	// ErrTokenExpired reports a token past its expiry (caches drop
	// expired tokens lazily, so a later lookup may report
	// ErrTokenNotFound instead).
	ErrTokenExpired = errors.New("secureconv: session token expired")
	// ErrCacheFull reports that a token cache has no room for a new
	// session. It is not a fault of the client (the server is busy).
	ErrCacheFull = errors.New("secureconv: session token cache full")
)

// Defaults of NewMemoryTokenCache.
const (
	// DefaultCacheMaxSessions is the default bound on the sessions a
	// MemoryTokenCache holds. WCF's MaxCachedCookies is 1,000; we allow
	// ten times as many, about 6 MB at the measured cost of a session
	// (see MemoryTokenCache).
	DefaultCacheMaxSessions = 10000
	// DefaultCacheMaxPending is the default bound on pending sessions,
	// WCF's LocalServiceSecuritySettings.MaxPendingSessions.
	DefaultCacheMaxPending = 128
	// DefaultCachePendingTimeout is how long a session may stay pending,
	// WCF's LocalServiceSecuritySettings.InactivityTimeout.
	DefaultCachePendingTimeout = 2 * time.Minute
	// DefaultCacheRollover is how long a generation stays readable after
	// a renewal replaced it, WCF's SessionKeyRolloverInterval.
	DefaultCacheRollover = 5 * time.Minute
)

// tOldGenerations bounds the replaced generations a session keeps in
// their rollover window; renewing more often drops the oldest first.
const tOldGenerations = 3

// tCacheShards is the number of independently locked parts of a
// MemoryTokenCache.
const tCacheShards = 32

// tSweepInterval is how often (in the callers' time) each shard is
// scanned for expired entries as it is used.
const tSweepInterval = 30 * time.Second

// TokenCacheOption configures NewMemoryTokenCache.
type TokenCacheOption interface {
	applyCache(*MemoryTokenCache)
}

type tCacheOptionFunc func(*MemoryTokenCache)

func (f tCacheOptionFunc) applyCache(c *MemoryTokenCache) { f(c) }

// WithCacheMaxSessions bounds the sessions held, pending or not
// (DefaultCacheMaxSessions when n <= 0).
func WithCacheMaxSessions(n int) TokenCacheOption {
	return tCacheOptionFunc(func(c *MemoryTokenCache) {
		if n > 0 {
			c.maxSessions = int64(n)
		}
	})
}

// WithCacheMaxPending bounds the pending sessions held
// (DefaultCacheMaxPending when n <= 0).
func WithCacheMaxPending(n int) TokenCacheOption {
	return tCacheOptionFunc(func(c *MemoryTokenCache) {
		if n > 0 {
			c.maxPending = int64(n)
		}
	})
}

// WithCachePendingTimeout sets how long a session may stay pending before
// it is evicted (DefaultCachePendingTimeout when d <= 0).
func WithCachePendingTimeout(d time.Duration) TokenCacheOption {
	return tCacheOptionFunc(func(c *MemoryTokenCache) {
		if d > 0 {
			c.pendingTimeout = int64(d)
		}
	})
}

// WithCacheRollover sets how long a replaced generation stays readable
// (DefaultCacheRollover when d < 0; 0 drops it at once).
func WithCacheRollover(d time.Duration) TokenCacheOption {
	return tCacheOptionFunc(func(c *MemoryTokenCache) {
		if d >= 0 {
			c.rollover = int64(d)
		}
	})
}

// MemoryTokenCache is a bounded, expiring in-memory TokenCache.
//
// A session (all generations of one context id) is pending from its first
// Put until its first successful Get (not Current), which is how a server
// looks the token up when the client first uses it. As in WCF, pending sessions are
// limited in number (WithCacheMaxPending) and in time
// (WithCachePendingTimeout): a session still pending after the timeout is
// evicted, and when the pending limit is reached a new session is refused
// with ErrCacheFull (after evicting timed-out ones) rather than evicting a
// pending session of another client, as WCF refuses new sessions then:
// evicting would let a flood of handshakes break every honest client
// between its handshake and its first call, while refusing confines the
// damage to new handshakes and makes the overload visible. The same holds
// for the bound on all sessions (WithCacheMaxSessions): live sessions are
// never evicted to make room.
//
// A generation expires at its ValidTo; once a renewal has put a newer
// generation, the older one expires at the end of the rollover window
// (WithCacheRollover) if that is earlier, and at most three replaced
// generations are kept. Expired entries are dropped as the cache is used.
// All times are the callers' (the now of Get, Current and Put): the cache
// has no clock, so a shard is swept at the time of the call that finds its
// sweep due.
// Removing a generation wipes the cache's copy of its key.
//
// Tokens are copied in by Put and out by Get. A cached session with a
// typical token (username claims, 32-byte key) takes about 630 bytes
// (measured by TestMemoryTokenCacheFootprint).
//
// It is safe for concurrent use: sessions are spread over independently
// locked shards, and the bounds are kept exactly with atomic counters.
type MemoryTokenCache struct {
	maxSessions, maxPending  int64
	pendingTimeout, rollover int64 // nanoseconds
	seed                     maphash.Seed
	sessions, pending        atomic.Int64
	shards                   [tCacheShards]tCacheShard
}

type tCacheShard struct {
	mu        sync.Mutex
	m         map[string]*tSession
	nextSweep int64
}

// tSession is the entry of a context id.
type tSession struct {
	cur     tGeneration   // the current generation, if hasCur
	old     []tGeneration // replaced generations, oldest first
	hasCur  bool
	pending bool
	issued  int64 // Unix ns of the first Put, for the pending timeout
}

type tGeneration struct {
	tok     *SessionToken
	expires int64 // Unix ns
}

// NewMemoryTokenCache returns an empty MemoryTokenCache.
func NewMemoryTokenCache(opts ...TokenCacheOption) *MemoryTokenCache {
	c := &MemoryTokenCache{
		maxSessions:    DefaultCacheMaxSessions,
		maxPending:     DefaultCacheMaxPending,
		pendingTimeout: int64(DefaultCachePendingTimeout),
		rollover:       int64(DefaultCacheRollover),
		seed:           maphash.MakeSeed(),
	}
	for _, o := range opts {
		o.applyCache(c)
	}
	for i := range c.shards {
		c.shards[i].m = make(map[string]*tSession)
	}
	return c
}

// Len returns the number of sessions held, expired ones not yet dropped
// included.
func (c *MemoryTokenCache) Len() int { return int(c.sessions.Load()) }

// Pending returns the number of pending sessions held.
func (c *MemoryTokenCache) Pending() int { return int(c.pending.Load()) }

func (c *MemoryTokenCache) shard(contextID string) *tCacheShard {
	return &c.shards[maphash.String(c.seed, contextID)%tCacheShards]
}

// lock locks the shard of contextID and drops its expired entries when its
// sweep is due at now, returning the shard and now in Unix nanoseconds.
func (c *MemoryTokenCache) lock(contextID string, at time.Time) (*tCacheShard, int64) {
	s := c.shard(contextID)
	now := tUnixNano(at)
	s.mu.Lock()
	if now >= s.nextSweep {
		c.sweep(s, now)
	}
	return s, now
}

// sweep drops the expired entries of s; s.mu is held.
func (c *MemoryTokenCache) sweep(s *tCacheShard, now int64) {
	for id, ss := range s.m {
		c.expire(s, id, ss, now)
	}
	s.nextSweep = now + int64(tSweepInterval)
}

// expire drops the expired generations of session id, and the session
// when nothing is left or it has been pending too long; it reports whether
// the session is gone. s.mu is held.
func (c *MemoryTokenCache) expire(s *tCacheShard, id string, ss *tSession, now int64) bool {
	if ss.pending && now-ss.issued >= c.pendingTimeout {
		c.drop(s, id, ss)
		return true
	}
	if ss.hasCur && ss.cur.expires <= now {
		ss.cur.tok.Wipe()
		ss.cur = tGeneration{}
		ss.hasCur = false
	}
	kept := ss.old[:0]
	for _, g := range ss.old {
		if g.expires > now {
			kept = append(kept, g)
		} else {
			g.tok.Wipe()
		}
	}
	clear(ss.old[len(kept):])
	ss.old = kept
	if !ss.hasCur && len(ss.old) == 0 {
		c.drop(s, id, ss)
		return true
	}
	return false
}

// drop removes session id, wiping its keys; s.mu is held.
func (c *MemoryTokenCache) drop(s *tCacheShard, id string, ss *tSession) {
	if ss.hasCur {
		ss.cur.tok.Wipe()
	}
	for _, g := range ss.old {
		g.tok.Wipe()
	}
	if ss.pending {
		c.pending.Add(-1)
	}
	c.sessions.Add(-1)
	delete(s.m, id)
}

// find returns the generation of ss named generation exactly ("" for the
// issued one), nil if there is none.
func (ss *tSession) find(generation string) *tGeneration {
	if ss.hasCur && ss.cur.tok.KeyGeneration == generation {
		return &ss.cur
	}
	for i := range ss.old {
		if ss.old[i].tok.KeyGeneration == generation {
			return &ss.old[i]
		}
	}
	return nil
}

// Get implements TokenCache. A successful Get ends the pending state of
// the session.
func (c *MemoryTokenCache) Get(ctx context.Context, contextID, generation string, now time.Time) (*SessionToken, error) {
	return c.get(ctx, contextID, func(ss *tSession) *tGeneration { return ss.find(generation) }, true, now)
}

// Current implements TokenCache.
func (c *MemoryTokenCache) Current(ctx context.Context, contextID string, now time.Time) (*SessionToken, error) {
	return c.get(ctx, contextID, func(ss *tSession) *tGeneration {
		if ss.hasCur {
			return &ss.cur
		}
		return nil
	}, false, now)
}

// get returns a copy of the generation of contextID that find picks; use
// ends the pending state.
func (c *MemoryTokenCache) get(ctx context.Context, contextID string, find func(*tSession) *tGeneration, use bool, at time.Time) (*SessionToken, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s, now := c.lock(contextID, at)
	defer s.mu.Unlock()
	ss := s.m[contextID]
	if ss == nil {
		return nil, ErrTokenNotFound
	}
	if ss.pending && now-ss.issued >= c.pendingTimeout {
		c.drop(s, contextID, ss)
		return nil, ErrTokenNotFound
	}
	g := find(ss)
	if g == nil {
		return nil, ErrTokenNotFound
	}
	if g.expires <= now {
		// A generation past its rollover window but not its ValidTo is
		// gone, not expired.
		err := ErrTokenNotFound
		if tUnixNano(g.tok.ValidTo) <= now {
			err = ErrTokenExpired
		}
		c.expire(s, contextID, ss, now)
		return nil, err
	}
	if use && ss.pending {
		ss.pending = false
		c.pending.Add(-1)
	}
	return g.tok.Clone(), nil
}

// Put implements TokenCache. The token must have a ContextID and a key,
// and fields within the bounds of MarshalBinary, so that a cache
// shared through that encoding accepts the same tokens.
func (c *MemoryTokenCache) Put(ctx context.Context, token *SessionToken, at time.Time) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if token == nil {
		return errors.New("secureconv: Put of a nil session token")
	}
	if _, _, err := token.validate(); err != nil {
		return err
	}
	tok := token.Clone()
	exp := tUnixNano(tok.ValidTo)
	for attempt := 0; ; attempt++ {
		s, now := c.lock(tok.ContextID, at)
		if exp <= now {
			s.mu.Unlock()
			tok.Wipe()
			return ErrTokenExpired
		}
		ss := s.m[tok.ContextID]
		if ss != nil && c.expire(s, tok.ContextID, ss, now) {
			ss = nil
		}
		if ss != nil {
			c.putGeneration(ss, tok, exp, now)
			s.mu.Unlock()
			return nil
		}
		if tReserve(&c.sessions, c.maxSessions) {
			if tReserve(&c.pending, c.maxPending) {
				s.m[tok.ContextID] = &tSession{cur: tGeneration{tok, exp}, hasCur: true, pending: true, issued: now}
				s.mu.Unlock()
				return nil
			}
			c.sessions.Add(-1)
		}
		s.mu.Unlock()
		if attempt > 0 {
			tok.Wipe()
			return ErrCacheFull
		}
		// Full: drop expired and timed-out entries everywhere, then retry.
		for i := range c.shards {
			o := &c.shards[i]
			o.mu.Lock()
			c.sweep(o, now)
			o.mu.Unlock()
		}
	}
}

// putGeneration stores tok in the existing session ss; the shard is
// locked.
func (c *MemoryTokenCache) putGeneration(ss *tSession, tok *SessionToken, exp, now int64) {
	if ss.hasCur && ss.cur.tok.KeyGeneration == tok.KeyGeneration {
		ss.cur.tok.Wipe()
		ss.cur = tGeneration{tok, exp}
		return
	}
	for i := range ss.old {
		if g := &ss.old[i]; g.tok.KeyGeneration == tok.KeyGeneration {
			// A replaced generation put again keeps its rollover deadline.
			g.tok.Wipe()
			g.tok = tok
			g.expires = min(g.expires, exp)
			return
		}
	}
	if ss.hasCur {
		old := ss.cur
		old.expires = min(old.expires, now+c.rollover)
		if old.expires > now {
			if len(ss.old) == tOldGenerations {
				ss.old[0].tok.Wipe()
				ss.old = slices.Delete(ss.old, 0, 1)
			}
			ss.old = append(ss.old, old)
		} else {
			old.tok.Wipe()
		}
	}
	ss.cur = tGeneration{tok, exp}
	ss.hasCur = true
}

// Remove implements TokenCache. Removing the current generation leaves
// the replaced ones readable by their generation until their rollover
// window ends, and none current. Remove and RemoveAll take no time: they
// drop what they find, expired or not, and sweep nothing.
func (c *MemoryTokenCache) Remove(ctx context.Context, contextID, generation string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s := c.shard(contextID)
	s.mu.Lock()
	defer s.mu.Unlock()
	ss := s.m[contextID]
	if ss == nil {
		return ErrTokenNotFound
	}
	g := ss.find(generation)
	switch {
	case g == nil:
		return ErrTokenNotFound
	case g == &ss.cur:
		ss.cur.tok.Wipe()
		ss.cur = tGeneration{}
		ss.hasCur = false
	default:
		i := 0
		for &ss.old[i] != g {
			i++
		}
		g.tok.Wipe()
		ss.old = slices.Delete(ss.old, i, i+1)
	}
	if !ss.hasCur && len(ss.old) == 0 {
		c.drop(s, contextID, ss)
	}
	return nil
}

// RemoveAll implements TokenCache.
func (c *MemoryTokenCache) RemoveAll(ctx context.Context, contextID string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s := c.shard(contextID)
	s.mu.Lock()
	defer s.mu.Unlock()
	ss := s.m[contextID]
	if ss == nil {
		return ErrTokenNotFound
	}
	c.drop(s, contextID, ss)
	return nil
}

// tReserve takes one unit of n under max, reporting false when full.
func tReserve(n *atomic.Int64, max int64) bool {
	for {
		v := n.Load()
		if v >= max {
			return false
		}
		if n.CompareAndSwap(v, v+1) {
			return true
		}
	}
}

// tUnixNano returns t in Unix nanoseconds, clamped to the int64 range
// (years 1678 to 2262).
func tUnixNano(t time.Time) int64 {
	switch sec := t.Unix(); {
	case sec <= math.MinInt64/int64(time.Second):
		return math.MinInt64
	case sec >= math.MaxInt64/int64(time.Second):
		return math.MaxInt64
	}
	return t.UnixNano()
}
