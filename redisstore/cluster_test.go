package redisstore

import (
	"testing"

	"github.com/redis/go-redis/v9"
	"github.com/soapstack/soapstack/internal/testredis"
	"github.com/soapstack/soapstack/reliable/storetest"
	"github.com/soapstack/soapstack/secureconv/cachetest"
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
	t.Run("SequenceStore", func(t *testing.T) { storetest.Run(t, seqStores(t, c, "cl")) })
	t.Run("TokenCache", func(t *testing.T) { cachetest.Run(t, tokenCaches(c, "cl", true)) })
	t.Run("ReplayCache", func(t *testing.T) { replaytest.Run(t, replayCaches(c, "cl")) })
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
	storetest.Run(t, seqStores(t, c, "st"))
}
