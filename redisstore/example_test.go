package redisstore_test

import (
	"crypto/tls"
	"log"
	"net/http"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/soapstack/soapstack/binding"
	"github.com/soapstack/soapstack/redisstore"
	"github.com/soapstack/soapstack/reliable"
	"github.com/soapstack/soapstack/secureconv"
	"github.com/soapstack/soapstack/soap"
)

// Example shows one node of a farm: the Redis client (TLS, ACL user,
// pool and timeouts are go-redis options), the shared token and replay
// caches, and a session service that uses them. Every node runs the same
// code against the same Redis and key ring.
func Example() {
	rdb := redis.NewUniversalClient(&redis.UniversalOptions{
		Addrs:                 []string{"redis-1:6380", "redis-2:6380", "redis-3:6380"}, // one address: a single node
		MasterName:            "",                                                       // set for Sentinel
		Username:              "soapstack",
		Password:              "from-a-secret-store",
		TLSConfig:             &tls.Config{MinVersion: tls.VersionTLS12},
		PoolSize:              32,
		ContextTimeoutEnabled: true, // let the stores' Timeout reach the socket
	})
	defer rdb.Close()
	ring, err := secureconv.LoadKeyRing("/etc/soapstack/session-keys.json")
	if err != nil {
		log.Fatal(err)
	}
	opts := redisstore.Options{Prefix: "billing:", Timeout: time.Second}
	tokens, err := redisstore.NewTokenCache(rdb, redisstore.TokenCacheOptions{Options: opts, Seal: ring,
		Endpoint: "https://billing.example.com/svc"})
	if err != nil {
		log.Fatal(err)
	}
	replay, err := redisstore.NewReplayCache(rdb, opts)
	if err != nil {
		log.Fatal(err)
	}
	b := binding.WSHttpBinding()
	b.Security.Message.ClientCredentialType = binding.CredentialUserName
	b.Security.Message.NegotiateServiceCredential = false
	var app soap.Handler // the service
	var creds binding.Credentials
	h, err := binding.NewHandler(app, b, creds, binding.WithTokenCache(tokens), binding.WithReplayCache(replay))
	if err != nil {
		log.Fatal(err)
	}
	log.Fatal(http.ListenAndServe(":8080", h))
}

// ExampleNewSequenceStore makes the reliable sessions of a farm share
// their sequences: any node delivers the next message of any sequence, in
// order and exactly once.
func ExampleNewSequenceStore() {
	rdb := redis.NewClient(&redis.Options{Addr: "localhost:6379", ContextTimeoutEnabled: true})
	defer rdb.Close()
	store, err := redisstore.NewSequenceStore(rdb, redisstore.SequenceOptions{
		Options:    redisstore.Options{Prefix: "billing:"},
		MaxPending: 64, // for the whole farm
	})
	if err != nil {
		log.Fatal(err)
	}
	_ = reliable.ServerConfig{Store: store}
}
