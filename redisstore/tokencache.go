package redisstore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/soapstack/soapstack/secureconv"
)

// TokenCacheOptions configures NewTokenCache. Zero fields take the
// defaults of secureconv.NewMemoryTokenCache.
type TokenCacheOptions struct {
	Options
	// Endpoint scopes the cache: entries are keyed by endpoint, context
	// id and key generation, as WIF's SessionSecurityTokenCacheKey, so
	// services sharing a Redis and a prefix never see each other's
	// sessions. Use the endpoint's ServerConfig.Endpoint.
	Endpoint string
	// Seal is the key ring that seals every stored token (AES-256-GCM,
	// the cookie format of secureconv.SealCookie): Redis then holds no
	// session key in clear, and an entry altered in Redis, or moved to
	// another session's key, is refused. Required unless Unsealed. It is
	// consulted at every call, so a rotating source (the cookie ring's
	// secureconv.WatchKeyRingFile) rotates these seals too; an entry
	// sealed by a retired key reads as not found.
	Seal secureconv.KeyRingSource
	// Unsealed stores tokens in secureconv's binary encoding, session keys
	// in clear: only for a Redis the deployment trusts with them (TLS,
	// ACL, a private network).
	Unsealed bool
	// Rand is the random source of the seals' nonces (crypto/rand when
	// nil).
	Rand io.Reader
	// MaxSessions bounds the sessions held, pending or not
	// (secureconv.DefaultCacheMaxSessions), for the farm.
	MaxSessions int
	// MaxPending bounds the pending sessions, put but not yet used
	// (secureconv.DefaultCacheMaxPending), for the farm.
	MaxPending int
	// PendingTimeout is how long a session may stay pending
	// (secureconv.DefaultCachePendingTimeout).
	PendingTimeout time.Duration
	// Rollover is how long a replaced generation stays readable
	// (secureconv.DefaultCacheRollover when zero; negative: dropped at
	// once).
	Rollover time.Duration
}

// TokenCache is a secureconv.TokenCache in Redis, shared by the nodes of
// a farm: a reference-mode secure session established on one node
// continues on every other.
//
// A session (every generation of one context id at one endpoint) is one
// hash under its own hash tag, and every call is one Lua script on it,
// with the semantics of secureconv.MemoryTokenCache: generations matched
// exactly, the rollover window of replaced generations (at most three),
// the pending state and its timeout, the bounds on sessions and pending
// ones (refusing with ErrCacheFull, never evicting a live session). The
// key's TTL is the session's remaining lifetime (its latest ValidTo, or
// the pending deadline, at the caller's clock) plus DefaultTTLGrace. A
// Redis failure is an error wrapping ErrUnavailable, which the server
// answers with a Receiver fault.
type TokenCache struct {
	base
	endpoint          string
	seal              secureconv.KeyRingSource
	rand              io.Reader
	pending, rollover time.Duration
	reg               registry
}

// NewTokenCache returns a TokenCache using client c.
func NewTokenCache(c redis.UniversalClient, o TokenCacheOptions) (*TokenCache, error) {
	b, err := newBase(c, o.Options)
	if err != nil {
		return nil, err
	}
	if o.Seal == nil && !o.Unsealed {
		return nil, errors.New("redisstore: TokenCacheOptions.Seal: no key ring to seal the session tokens (set Unsealed to store them in clear)")
	}
	tc := &TokenCache{base: b, endpoint: o.Endpoint, seal: o.Seal, rand: o.Rand,
		pending: o.PendingTimeout, rollover: o.Rollover}
	if tc.pending <= 0 {
		tc.pending = secureconv.DefaultCachePendingTimeout
	}
	switch {
	case tc.rollover == 0:
		tc.rollover = secureconv.DefaultCacheRollover
	case tc.rollover < 0:
		tc.rollover = 0
	}
	maxAll, maxPending := int64(o.MaxSessions), int64(o.MaxPending)
	if maxAll <= 0 {
		maxAll = secureconv.DefaultCacheMaxSessions
	}
	if maxPending <= 0 {
		maxPending = secureconv.DefaultCacheMaxPending
	}
	tc.reg = registry{
		all:     b.prefix + "tokreg{r}:all",
		pending: b.prefix + "tokreg{r}:pending",
		maxAll:  maxAll, maxPending: maxPending,
		verify: tc.status,
	}
	return tc, nil
}

var _ secureconv.TokenCache = (*TokenCache)(nil)

func (tc *TokenCache) member(contextID string) string {
	t := tag("tok", tc.endpoint, contextID)
	return t[1 : len(t)-1]
}

func (tc *TokenCache) key(member string) string { return tc.prefix + "tok{" + member + "}" }

// run runs one step on the session of contextID.
func (tc *TokenCache) run(ctx context.Context, op, contextID string, now time.Time, args ...any) ([]any, error) {
	cctx, cancel, err := tc.call(ctx)
	if err != nil {
		return nil, err
	}
	defer cancel()
	return tc.runIn(cctx, op, tc.member(contextID), contextID, now, args...)
}

func (tc *TokenCache) runIn(ctx context.Context, op, member, contextID string, now time.Time, args ...any) ([]any, error) {
	sec, nsec := splitTime(now)
	argv := append([]any{op, sec, nsec, contextID,
		int64(tc.pending / time.Second), int64(tc.pending % time.Second),
		int64(tc.rollover / time.Second), int64(tc.rollover % time.Second), DefaultTTLGrace.Milliseconds()}, args...)
	v, err := tokenScript.Run(ctx, tc.c, []string{tc.key(member)}, argv...).Slice()
	if err != nil {
		return nil, unavailable("token cache "+op, err)
	}
	if len(v) < 3 {
		return nil, fmt.Errorf("%w: malformed script result", ErrUnavailable)
	}
	if dropped, unpended := num(v[1]) == 1, num(v[2]) == 1; dropped || unpended {
		_ = tc.reg.forget(ctx, tc.c, member, dropped)
	}
	return v, nil
}

// status is the registry's verify of the session with member m.
func (tc *TokenCache) status(ctx context.Context, m string, nowMS int64, _ []any) (entryStatus, error) {
	v, err := tc.runIn(ctx, "status", m, "", time.UnixMilli(nowMS))
	if err != nil {
		return entryStatus{}, err
	}
	if str(v[0]) != "live" || len(v) < 5 {
		return entryStatus{gone: true}, nil
	}
	return entryStatus{pending: num(v[3]) == 1, deadline: num(v[4])}, nil
}

func notFound(code string) error {
	switch code {
	case "notfound":
		return secureconv.ErrTokenNotFound
	case "expired":
		return secureconv.ErrTokenExpired
	}
	return fmt.Errorf("%w: unexpected script result %q", ErrUnavailable, code)
}

// Get implements secureconv.TokenCache.
func (tc *TokenCache) Get(ctx context.Context, contextID, generation string, now time.Time) (*secureconv.SessionToken, error) {
	return tc.get(ctx, contextID, generation, "1", "0", now)
}

// Current implements secureconv.TokenCache.
func (tc *TokenCache) Current(ctx context.Context, contextID string, now time.Time) (*secureconv.SessionToken, error) {
	return tc.get(ctx, contextID, "", "0", "1", now)
}

func (tc *TokenCache) get(ctx context.Context, contextID, generation, use, current string, now time.Time) (*secureconv.SessionToken, error) {
	v, err := tc.run(ctx, "get", contextID, now, generation, use, current)
	if err != nil {
		return nil, err
	}
	if str(v[0]) != "ok" || len(v) < 4 {
		return nil, notFound(str(v[0]))
	}
	tok, err := tc.open(ctx, []byte(str(v[3])), now)
	if err != nil {
		return nil, err
	}
	if tok.ContextID != contextID || (current == "0" && tok.KeyGeneration != generation) {
		tok.Wipe()
		return nil, fmt.Errorf("%w: the entry holds another session's token", secureconv.ErrTokenNotFound)
	}
	return tok, nil
}

func (tc *TokenCache) open(ctx context.Context, data []byte, now time.Time) (*secureconv.SessionToken, error) {
	defer clear(data)
	if tc.seal == nil {
		tok := new(secureconv.SessionToken)
		if err := tok.UnmarshalBinary(data); err != nil {
			return nil, fmt.Errorf("%w: %w", secureconv.ErrTokenNotFound, err)
		}
		return tok, nil
	}
	ring, err := tc.seal.KeyRing(ctx)
	if err != nil {
		return nil, fmt.Errorf("redisstore: token cache key ring: %w", err)
	}
	tok, err := secureconv.OpenCookie(ring, data, now)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", secureconv.ErrTokenNotFound, err)
	}
	return tok, nil
}

func (tc *TokenCache) encode(ctx context.Context, tok *secureconv.SessionToken, now time.Time) ([]byte, error) {
	if tc.seal == nil {
		return tok.MarshalBinary()
	}
	ring, err := tc.seal.KeyRing(ctx)
	if err != nil {
		return nil, fmt.Errorf("redisstore: token cache key ring: %w", err)
	}
	return secureconv.SealCookie(ring, tok, tc.rand, now)
}

// Put implements secureconv.TokenCache. The token must satisfy
// MarshalBinary's bounds.
func (tc *TokenCache) Put(ctx context.Context, tok *secureconv.SessionToken, now time.Time) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if tok == nil {
		return errors.New("redisstore: Put of a nil session token")
	}
	if tok.ContextID == "" {
		return errors.New("redisstore: Put of a session token without ContextID")
	}
	if !now.Before(tok.ValidTo) {
		return secureconv.ErrTokenExpired
	}
	blob, err := tc.encode(ctx, tok, now)
	if err != nil {
		return err
	}
	defer clear(blob)
	xs, xn := splitTime(tok.ValidTo)
	cctx, cancel, err := tc.call(ctx)
	if err != nil {
		return err
	}
	defer cancel()
	m := tc.member(tok.ContextID)
	v, err := tc.runIn(cctx, "put", m, tok.ContextID, now, tok.KeyGeneration, blob, xs, xn, "put")
	if err != nil {
		return err
	}
	if str(v[0]) == "ok" {
		return nil
	}
	// A new session: reserve its place, then create it (a concurrent Put
	// of the same session may have created it meanwhile: it is then
	// stored as a generation of that one).
	deadline := min(unixMilli(tok.ValidTo), unixMilli(now)+tc.pending.Milliseconds())
	err = tc.reg.reserve(cctx, tc.c, m, deadline, true, unixMilli(now), nil)
	switch {
	case errors.Is(err, errRegistryFull), errors.Is(err, errRegistryPending):
		return secureconv.ErrCacheFull
	case err != nil:
		return err
	}
	_, err = tc.runIn(cctx, "put", m, tok.ContextID, now, tok.KeyGeneration, blob, xs, xn, "create")
	return err
}

// Remove implements secureconv.TokenCache.
func (tc *TokenCache) Remove(ctx context.Context, contextID, generation string) error {
	v, err := tc.run(ctx, "remove", contextID, time.Time{}, generation)
	if err != nil {
		return err
	}
	if str(v[0]) != "ok" {
		return notFound(str(v[0]))
	}
	return nil
}

// RemoveAll implements secureconv.TokenCache.
func (tc *TokenCache) RemoveAll(ctx context.Context, contextID string) error {
	v, err := tc.run(ctx, "removeall", contextID, time.Time{})
	if err != nil {
		return err
	}
	if str(v[0]) != "ok" {
		return notFound(str(v[0]))
	}
	return nil
}
