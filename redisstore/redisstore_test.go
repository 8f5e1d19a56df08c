package redisstore

import (
	"fmt"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/soapstack/soapstack/internal/testredis"
	"github.com/soapstack/soapstack/reliable"
	"github.com/soapstack/soapstack/secureconv"
	"github.com/soapstack/soapstack/secureconv/cachetest"
	"github.com/soapstack/soapstack/wssecurity"
)

// newClient starts a redis-server for t and returns a client of it.
func newClient(t *testing.T) (*testredis.Server, redis.UniversalClient) {
	t.Helper()
	srv := testredis.Start(t)
	c := redis.NewUniversalClient(&redis.UniversalOptions{Addrs: []string{srv.Addr}, MaxRetries: -1, ContextTimeoutEnabled: true})
	t.Cleanup(func() { c.Close() })
	return srv, c
}

// confTimeout bounds each store call of the conformance suites: they check
// behaviour, not latency, and a loaded CI machine (the race detector, TLS,
// 16 goroutines at once) can take longer than DefaultTimeout.
const confTimeout = 15 * time.Second

// seqStores returns the store factory of storetest.Run: empty stores on
// c, each under its own prefix.
func seqStores(t *testing.T, c redis.UniversalClient, tag string) func() reliable.SequenceStore {
	n := 0
	return func() reliable.SequenceStore {
		n++
		s, err := NewSequenceStore(c, SequenceOptions{Options: Options{Prefix: fmt.Sprintf("%s%d:", tag, n), Timeout: confTimeout}})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
}

// tokenCaches returns the cache factory of cachetest.Run: caches on c,
// each under its own prefix, sealed or not.
func tokenCaches(c redis.UniversalClient, tag string, sealed bool) func(*testing.T, cachetest.Config) secureconv.TokenCache {
	n := 0
	return func(t *testing.T, cfg cachetest.Config) secureconv.TokenCache {
		n++
		o := TokenCacheOptions{Options: Options{Prefix: fmt.Sprintf("%s%v%d:", tag, sealed, n), Timeout: confTimeout},
			MaxSessions: cfg.MaxSessions, MaxPending: cfg.MaxPending, PendingTimeout: cfg.PendingTimeout, Rollover: cfg.Rollover}
		if cfg.Rollover == 0 {
			o.Rollover = -1
		}
		if sealed {
			o.Seal = testRing(t, 7, 0x42)
		} else {
			o.Unsealed = true
		}
		tc, err := NewTokenCache(c, o)
		if err != nil {
			t.Fatal(err)
		}
		return tc
	}
}

// replayCaches returns the cache factory of replaytest.Run.
func replayCaches(c redis.UniversalClient, tag string) func(*testing.T) wssecurity.ReplayCache {
	n := 0
	return func(t *testing.T) wssecurity.ReplayCache {
		n++
		r, err := NewReplayCache(c, Options{Prefix: fmt.Sprintf("%s%d:", tag, n), Timeout: confTimeout})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
}
