package redisstore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/soapstack/soapstack/secureconv"
	"github.com/soapstack/soapstack/secureconv/cachetest"
)

func testRing(t *testing.T, id uint32, fill byte) *secureconv.KeyRing {
	t.Helper()
	r, err := secureconv.NewKeyRing(secureconv.RingKey{ID: id, Secret: bytes.Repeat([]byte{fill}, secureconv.RingKeySize)})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestTokenCacheConformance(t *testing.T) {
	_, c := newClient(t)
	for _, sealed := range []bool{true, false} {
		t.Run(fmt.Sprintf("sealed=%v", sealed), func(t *testing.T) {
			cachetest.Run(t, tokenCaches(c, "conf", sealed))
		})
	}
}

func tToken(id string, now time.Time) *secureconv.SessionToken {
	return &secureconv.SessionToken{ContextID: id, Key: bytes.Repeat([]byte{0x5a}, 32), ValidFrom: now, ValidTo: now.Add(time.Hour),
		Claims: secureconv.Claims{Method: secureconv.AuthUsername, Username: "alice"}, IssuedAt: now}
}

// TestTokenCacheSealing checks what Redis holds: no session key in clear,
// entries bound to their session and endpoint, and a cache without a
// ring refused unless Unsealed.
func TestTokenCacheSealing(t *testing.T) {
	_, c := newClient(t)
	ctx := context.Background()
	if _, err := NewTokenCache(c, TokenCacheOptions{}); err == nil {
		t.Fatal("a token cache without a ring was built")
	}
	tc, err := NewTokenCache(c, TokenCacheOptions{Seal: testRing(t, 1, 0x11), Endpoint: "https://a.example/svc"})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	tok := tToken("urn:uuid:sealed", now)
	tok.Key = []byte("0123456789abcdef0123456789abcdef")
	if err := tc.Put(ctx, tok, now); err != nil {
		t.Fatal(err)
	}
	keys, err := c.Keys(ctx, "*").Result()
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		if bytes.Contains([]byte(k), []byte("sealed")) {
			t.Fatalf("key %q names the context id", k)
		}
		if typ, _ := c.Type(ctx, k).Result(); typ == "hash" {
			all, _ := c.HGetAll(ctx, k).Result()
			for f, v := range all {
				if bytes.Contains([]byte(v), tok.Key) || bytes.Contains([]byte(v), []byte("alice")) {
					t.Fatalf("field %s of %s holds the token in clear", f, k)
				}
			}
		}
	}
	// Another endpoint's cache does not see the session.
	other, _ := NewTokenCache(c, TokenCacheOptions{Seal: testRing(t, 1, 0x11), Endpoint: "https://b.example/svc"})
	if _, err := other.Get(ctx, tok.ContextID, "", now); !errors.Is(err, secureconv.ErrTokenNotFound) {
		t.Fatalf("another endpoint's cache: %v", err)
	}
	// A node with another ring (same key id) cannot open the entry.
	wrong, _ := NewTokenCache(c, TokenCacheOptions{Seal: testRing(t, 1, 0x22), Endpoint: "https://a.example/svc"})
	if _, err := wrong.Get(ctx, tok.ContextID, "", now); !errors.Is(err, secureconv.ErrTokenNotFound) || !errors.Is(err, secureconv.ErrCookieForged) {
		t.Fatalf("entry opened under another ring: %v", err)
	}
	// An entry moved to another session's place is refused.
	tok2 := tToken("urn:uuid:other", now)
	if err := tc.Put(ctx, tok2, now); err != nil {
		t.Fatal(err)
	}
	k1, k2 := tc.key(tc.member(tok.ContextID)), tc.key(tc.member(tok2.ContextID))
	blob, err := c.HGet(ctx, k1, "v:").Result()
	if err != nil {
		t.Fatal(err)
	}
	if err := c.HSet(ctx, k2, "v:", blob).Err(); err != nil {
		t.Fatal(err)
	}
	if _, err := tc.Get(ctx, tok2.ContextID, "", now); !errors.Is(err, secureconv.ErrTokenNotFound) {
		t.Fatalf("a swapped entry was accepted: %v", err)
	}
}

// TestTokenCacheNodes: a session put by one node is used, renewed and
// cancelled by others.
func TestTokenCacheNodes(t *testing.T) {
	srv, _ := newClient(t)
	ring := testRing(t, 3, 0x33)
	var nodes []*TokenCache
	for range 3 {
		c := redis.NewClient(&redis.Options{Addr: srv.Addr, ContextTimeoutEnabled: true})
		t.Cleanup(func() { c.Close() })
		tc, err := NewTokenCache(c, TokenCacheOptions{Seal: ring})
		if err != nil {
			t.Fatal(err)
		}
		nodes = append(nodes, tc)
	}
	ctx := context.Background()
	now := time.Now()
	tok := tToken("urn:uuid:farm", now)
	if err := nodes[0].Put(ctx, tok, now); err != nil {
		t.Fatal(err)
	}
	got, err := nodes[1].Get(ctx, tok.ContextID, "", now)
	if err != nil || !bytes.Equal(got.Key, tok.Key) {
		t.Fatalf("node 1: %v", err)
	}
	renewed := tToken(tok.ContextID, now)
	renewed.KeyGeneration = "urn:uuid:gen2"
	renewed.Key = bytes.Repeat([]byte{0x77}, 32)
	if err := nodes[2].Put(ctx, renewed, now); err != nil {
		t.Fatal(err)
	}
	cur, err := nodes[0].Current(ctx, tok.ContextID, now)
	if err != nil || cur.KeyGeneration != "urn:uuid:gen2" {
		t.Fatalf("node 0 Current: %v", err)
	}
	if _, err := nodes[1].Get(ctx, tok.ContextID, "", now); err != nil {
		t.Fatalf("the issued generation within its rollover window on node 1: %v", err)
	}
	if err := nodes[1].RemoveAll(ctx, tok.ContextID); err != nil {
		t.Fatal(err)
	}
	if _, err := nodes[2].Get(ctx, tok.ContextID, "urn:uuid:gen2", now); !errors.Is(err, secureconv.ErrTokenNotFound) {
		t.Fatalf("after Cancel on node 1: %v", err)
	}
}

// TestTokenCacheOutage: with Redis down every call fails with
// ErrUnavailable (never ErrTokenNotFound, which would make the server
// answer BadContextToken for a live session).
func TestTokenCacheOutage(t *testing.T) {
	srv, c := newClient(t)
	tc, err := NewTokenCache(c, TokenCacheOptions{Seal: testRing(t, 1, 1), Options: Options{Timeout: 300 * time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	now := time.Now()
	if err := tc.Put(ctx, tToken("urn:uuid:o", now), now); err != nil {
		t.Fatal(err)
	}
	srv.Pause()
	_, err = tc.Get(ctx, "urn:uuid:o", "", now)
	if !errors.Is(err, ErrUnavailable) || errors.Is(err, secureconv.ErrTokenNotFound) {
		t.Fatalf("Get during a pause: %v", err)
	}
	if err := tc.Put(ctx, tToken("urn:uuid:p", now), now); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("Put during a pause: %v", err)
	}
	srv.Resume()
	if _, err := tc.Get(ctx, "urn:uuid:o", "", now); err != nil {
		t.Fatalf("Get after the pause: %v", err)
	}
}
