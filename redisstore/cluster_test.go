package redisstore

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"os"
	"testing"
	"time"

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

// TestTLSAndACL runs the stores against a Redis that speaks TLS only and
// admits one ACL user: TLS and authentication are the client's options.
// A client without the password is refused, as ErrUnavailable.
func TestTLSAndACL(t *testing.T) {
	const pki = "../interop/pki/"
	srv := testredis.StartTLS(t, testredis.TLSOptions{CertFile: pki + "service.pem", KeyFile: pki + "service.key", CAFile: pki + "ca.pem",
		User: "soapstack", Password: "redis-secret"})
	pem, err := os.ReadFile(pki + "ca.pem")
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(pem)
	opts := &redis.UniversalOptions{Addrs: []string{srv.Addr}, Username: "soapstack", Password: "redis-secret",
		TLSConfig: &tls.Config{RootCAs: roots, ServerName: "127.0.0.1", MinVersion: tls.VersionTLS12}, ContextTimeoutEnabled: true}
	c := redis.NewUniversalClient(opts)
	t.Cleanup(func() { c.Close() })
	t.Run("SequenceStore", func(t *testing.T) { storetest.Run(t, seqStores(t, c, "tls")) })
	t.Run("TokenCache", func(t *testing.T) { cachetest.Run(t, tokenCaches(c, "tls", true)) })
	t.Run("ReplayCache", func(t *testing.T) { replaytest.Run(t, replayCaches(c, "tls")) })

	bad := *opts
	bad.Password = "wrong"
	nc := redis.NewUniversalClient(&bad)
	t.Cleanup(func() { nc.Close() })
	r, _ := NewReplayCache(nc, Options{})
	now := time.Now()
	if _, err := r.Seen(context.Background(), []byte("x"), now, now.Add(time.Minute)); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("a client with the wrong password: %v, want ErrUnavailable", err)
	}
}
