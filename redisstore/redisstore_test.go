package redisstore

import (
	"testing"

	"github.com/redis/go-redis/v9"
	"github.com/soapstack/soapstack/internal/testredis"
)

// newClient starts a redis-server for t and returns a client of it.
func newClient(t *testing.T) (*testredis.Server, redis.UniversalClient) {
	t.Helper()
	srv := testredis.Start(t)
	c := redis.NewUniversalClient(&redis.UniversalOptions{Addrs: []string{srv.Addr}, MaxRetries: -1, ContextTimeoutEnabled: true})
	t.Cleanup(func() { c.Close() })
	return srv, c
}
