package redisstore

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/soapstack/soapstack/reliable"
)

// usedMemory returns Redis's used_memory.
func usedMemory(t *testing.T, c redis.UniversalClient) int64 {
	t.Helper()
	info, err := c.Info(context.Background(), "memory").Result()
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(info, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "used_memory:"); ok {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
	}
	t.Fatal("no used_memory in INFO")
	return 0
}

// TestFootprint measures the Redis memory of an idle reference-mode
// session (sealed token, username claims, 32-byte key) and of an open
// sequence with nothing buffered, and bounds them so that a regression
// shows.
func TestFootprint(t *testing.T) {
	_, c := newClient(t)
	ctx := context.Background()
	const n = 500
	now := time.Now()
	tc, _ := NewTokenCache(c, TokenCacheOptions{Seal: testRing(t, 1, 1), MaxPending: n})
	before := usedMemory(t, c)
	for i := range n {
		tok := tToken(fmt.Sprintf("urn:uuid:00000000-0000-4000-8000-%012d", i), now)
		if err := tc.Put(ctx, tok, now); err != nil {
			t.Fatal(err)
		}
		if _, err := tc.Get(ctx, tok.ContextID, "", now); err != nil {
			t.Fatal(err)
		}
	}
	perSession := float64(usedMemory(t, c)-before) / n

	s, _ := NewSequenceStore(c, SequenceOptions{MaxPending: n})
	before = usedMemory(t, c)
	for i := range n {
		id := fmt.Sprintf("urn:uuid:10000000-0000-4000-8000-%012d", i)
		if err := s.Create(ctx, reliable.SequenceInfo{ID: id, Owner: tOwner, AcksTo: "http://www.w3.org/2005/08/addressing/anonymous"}, now); err != nil {
			t.Fatal(err)
		}
	}
	perSequence := float64(usedMemory(t, c)-before) / n
	t.Logf("Redis memory: %.0f bytes per idle session, %.0f bytes per open sequence", perSession, perSequence)
	if perSession > 3072 || perSequence > 2048 {
		t.Fatalf("footprint grew: %.0f bytes per session, %.0f per sequence", perSession, perSequence)
	}
}
