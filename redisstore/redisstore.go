package redisstore

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// ErrUnavailable is wrapped by every error that means Redis could not
// answer: a connection refused or lost, a timeout, a cluster or script
// error, an out-of-memory refusal (maxmemory with noeviction). The
// layers refuse the message with a Receiver fault, never accept it.
var ErrUnavailable = errors.New("redisstore: redis unavailable")

// DefaultPrefix is the key prefix of the stores when Options.Prefix is
// empty.
const DefaultPrefix = "soapstack:"

// DefaultTimeout bounds one store call (its one or few round trips) when
// Options.Timeout is zero.
const DefaultTimeout = 2 * time.Second

// Options are the options every store of this package takes. The
// connection itself (addresses, TLS, ACL user and password, pool size,
// dial, read and write timeouts, Sentinel or Cluster) is the
// redis.UniversalOptions (or redis.Options, redis.ClusterOptions,
// redis.FailoverOptions) of the client the caller passes in.
type Options struct {
	// Prefix starts every key (DefaultPrefix when empty). Stores with
	// distinct prefixes share a Redis without seeing each other's keys.
	// It must not contain '{' or '}' (the keys' Cluster hash tags).
	Prefix string
	// Timeout bounds each store call (DefaultTimeout when zero; negative
	// for none beyond the caller's context and the client's own
	// timeouts). go-redis honours a context's deadline on the socket only
	// with ContextTimeoutEnabled set in the client's options; without it
	// a call against an unresponsive Redis lasts the client's
	// ReadTimeout (3 s by default).
	Timeout time.Duration
}

// base is what every store holds.
type base struct {
	c       redis.UniversalClient
	prefix  string
	timeout time.Duration
}

func newBase(c redis.UniversalClient, o Options) (base, error) {
	if c == nil {
		return base{}, errors.New("redisstore: nil client")
	}
	p := o.Prefix
	if p == "" {
		p = DefaultPrefix
	}
	if strings.ContainsAny(p, "{}") {
		return base{}, fmt.Errorf("redisstore: Options.Prefix %q contains a brace", p)
	}
	t := o.Timeout
	if t == 0 {
		t = DefaultTimeout
	}
	return base{c: c, prefix: p, timeout: t}, nil
}

// call returns the context of one store call; it checks ctx first.
func (b *base) call(ctx context.Context) (context.Context, context.CancelFunc, error) {
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	if b.timeout < 0 {
		return ctx, func() {}, nil
	}
	c, cancel := context.WithTimeout(ctx, b.timeout)
	return c, cancel, nil
}

// unavailable wraps an error of the client in ErrUnavailable, keeping it
// (so errors.Is finds context.DeadlineExceeded too). Errors of the client
// name no key contents: keys are digests.
func unavailable(op string, err error) error {
	return fmt.Errorf("%w: %s: %w", ErrUnavailable, op, err)
}

// tag returns the Cluster hash tag of a logical key: a digest, so that
// keys have a bounded length, leak nothing of the identifiers and never
// contain braces.
func tag(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		fmt.Fprintf(h, "%d:%s;", len(p), p)
	}
	return "{" + hex.EncodeToString(h.Sum(nil)[:16]) + "}"
}

// splitTime returns t as Unix seconds and nanoseconds, the form the
// scripts compare (Lua numbers are doubles: exact for both parts).
func splitTime(t time.Time) (sec, nsec int64) {
	const lim = 1 << 50
	sec = t.Unix()
	switch {
	case sec > lim:
		return lim, 0
	case sec < -lim:
		return -lim, 0
	}
	return sec, int64(t.Nanosecond())
}

// joinTime is the inverse of splitTime.
func joinTime(sec, nsec int64) time.Time { return time.Unix(sec, nsec) }

// unixMilli returns t in Unix milliseconds, the registry's scores.
func unixMilli(t time.Time) int64 {
	s, n := splitTime(t)
	return s*1000 + n/1e6
}
