package redisstore

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/soapstack/soapstack/reliable"
)

// checkKeys checks that every key under prefix has a TTL of at most max
// (the registries excepted: they are bounded by their entries), and
// returns the number of keys.
func checkKeys(t *testing.T, c redis.UniversalClient, prefix string, max time.Duration) int {
	t.Helper()
	ctx := context.Background()
	keys, err := c.Keys(ctx, prefix+"*").Result()
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		if strings.Contains(k, "reg{r}") {
			continue
		}
		ttl, err := c.PTTL(ctx, k).Result()
		if err != nil {
			t.Fatal(err)
		}
		if ttl <= 0 || ttl > max {
			t.Fatalf("key %s has TTL %v, want (0, %v]", k, ttl, max)
		}
	}
	return len(keys)
}

// TestKeysBounded checks that what the stores write expires with the
// sessions and sequences it belongs to, and goes when they are removed.
func TestKeysBounded(t *testing.T) {
	_, c := newClient(t)
	ctx := context.Background()
	now := time.Now()

	tc, _ := NewTokenCache(c, TokenCacheOptions{Options: Options{Prefix: "tk:"}, Unsealed: true})
	for i := range 5 {
		tok := tToken(fmt.Sprintf("urn:uuid:%d", i), now)
		if err := tc.Put(ctx, tok, now); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := tc.Get(ctx, "urn:uuid:0", "", now); err != nil {
		t.Fatal(err)
	}
	// Pending sessions live at most the pending timeout, used ones their
	// lifetime (1 h).
	checkKeys(t, c, "tk:", time.Hour+DefaultTTLGrace)
	for i := range 5 {
		if err := tc.RemoveAll(ctx, fmt.Sprintf("urn:uuid:%d", i)); err != nil {
			t.Fatal(err)
		}
	}
	if n := checkKeys(t, c, "tk:", time.Hour); n != 0 {
		t.Fatalf("%d keys left after every session was removed", n)
	}

	s, _ := NewSequenceStore(c, SequenceOptions{Options: Options{Prefix: "sq:"}})
	for i := range 3 {
		id := fmt.Sprintf("urn:seq:%d", i)
		if err := s.Create(ctx, reliable.SequenceInfo{ID: id, Owner: tOwner, InactivityTimeout: time.Minute}, now); err != nil {
			t.Fatal(err)
		}
		for n := int64(2); n <= 4; n++ { // buffered
			if _, err := s.Accept(ctx, id, reliable.Incoming{Owner: tOwner, Number: n, Message: tMsg(n), Now: now, ClaimUntil: now.Add(time.Minute)}); err != nil {
				t.Fatal(err)
			}
		}
		a, err := s.Accept(ctx, id, reliable.Incoming{Owner: tOwner, Number: 1, Message: tMsg(1), Now: now, ClaimUntil: now.Add(time.Minute)})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Complete(ctx, id, tOwner, 1, a.Claim, tReply(1), now, now.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
	}
	checkKeys(t, c, "sq:", time.Minute+DefaultTTLGrace)
	for i := range 3 {
		if err := s.Remove(ctx, fmt.Sprintf("urn:seq:%d", i)); err != nil {
			t.Fatal(err)
		}
	}
	if n := checkKeys(t, c, "sq:", time.Minute); n != 0 {
		t.Fatalf("%d keys left after every sequence was removed", n)
	}

	r, _ := NewReplayCache(c, Options{Prefix: "rp:"})
	if _, err := r.Seen(ctx, []byte("n"), now, now.Add(90*time.Second)); err != nil {
		t.Fatal(err)
	}
	if n := checkKeys(t, c, "rp:", 90*time.Second); n != 1 {
		t.Fatalf("%d replay keys", n)
	}
}
