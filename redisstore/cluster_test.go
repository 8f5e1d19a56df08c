package redisstore

import (
	"fmt"
	"testing"

	"github.com/redis/go-redis/v9"
	"github.com/soapstack/soapstack/internal/testredis"
	"github.com/soapstack/soapstack/reliable"
	"github.com/soapstack/soapstack/reliable/storetest"
	"github.com/soapstack/soapstack/secureconv"
	"github.com/soapstack/soapstack/secureconv/cachetest"
	"github.com/soapstack/soapstack/wssecurity"
	"github.com/soapstack/soapstack/wssecurity/replaytest"
)

// TestCluster runs the three conformance suites through a
// redis.ClusterClient against a Redis Cluster, which refuses any script
// on keys of more than one hash slot: every call of every store stays
// within one slot.
func TestCluster(t *testing.T) {
	srv := testredis.StartCluster(t)
	c := redis.NewUniversalClient(&redis.UniversalOptions{Addrs: []string{srv.Addr}, IsClusterMode: true, ContextTimeoutEnabled: true})
	t.Cleanup(func() { c.Close() })
	if _, ok := c.(*redis.ClusterClient); !ok {
		t.Fatalf("client %T, want a cluster client", c)
	}
	n := 0
	prefix := func() Options { n++; return Options{Prefix: fmt.Sprintf("cl%d:", n)} }
	t.Run("SequenceStore", func(t *testing.T) {
		storetest.Run(t, func() reliable.SequenceStore {
			s, err := NewSequenceStore(c, SequenceOptions{Options: prefix()})
			if err != nil {
				t.Fatal(err)
			}
			return s
		})
	})
	t.Run("TokenCache", func(t *testing.T) {
		cachetest.Run(t, func(t *testing.T, cfg cachetest.Config) secureconv.TokenCache {
			o := TokenCacheOptions{Options: prefix(), Seal: testRing(t, 1, 9),
				MaxSessions: cfg.MaxSessions, MaxPending: cfg.MaxPending, PendingTimeout: cfg.PendingTimeout, Rollover: cfg.Rollover}
			if cfg.Rollover == 0 {
				o.Rollover = -1
			}
			tc, err := NewTokenCache(c, o)
			if err != nil {
				t.Fatal(err)
			}
			return tc
		})
	})
	t.Run("ReplayCache", func(t *testing.T) {
		replaytest.Run(t, func(t *testing.T) wssecurity.ReplayCache {
			r, err := NewReplayCache(c, prefix())
			if err != nil {
				t.Fatal(err)
			}
			return r
		})
	})
}

// TestSentinel runs the stores through a failover client that finds the
// master through Redis Sentinel.
func TestSentinel(t *testing.T) {
	master := testredis.Start(t)
	sentinel := testredis.StartSentinel(t, master, "farm")
	c := redis.NewUniversalClient(&redis.UniversalOptions{Addrs: []string{sentinel.Addr}, MasterName: "farm", ContextTimeoutEnabled: true})
	t.Cleanup(func() { c.Close() })
	if _, ok := c.(*redis.Client); !ok {
		t.Fatalf("client %T, want a failover client", c)
	}
	n := 0
	storetest.Run(t, func() reliable.SequenceStore {
		n++
		s, err := NewSequenceStore(c, SequenceOptions{Options: Options{Prefix: fmt.Sprintf("st%d:", n)}})
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}
