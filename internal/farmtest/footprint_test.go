package farmtest

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/soapstack/soapstack/binding"
)

// TestFarmRedisFootprint measures, through the farm, what one session
// and one open sequence keep in Redis: used_memory and keys per
// reference-mode secure session (established through HAProxy, two calls
// made: its sealed token and the replay entries of its messages), and
// per reliable secure session (its token, its sequence with the offered
// reply sequence, two calls made and their replies acknowledged), less
// the replay entries, which expire with their Timestamps whatever the
// sessions do. The figures are bounded so that a regression shows.
func TestFarmRedisFootprint(t *testing.T) {
	const n = 40
	ctx := context.Background()

	f := startFarm(t, false)
	rc := redis.NewClient(&redis.Options{Addr: f.redis.Addr})
	defer rc.Close()
	// A first session loads the scripts and sizes Redis's tables.
	warm := f.client(t)
	if _, err := echo(ctx, warm, "warm"); err != nil {
		t.Fatal(err)
	}
	before, beforeKeys := redisMemory(ctx, rc), dbSize(t, rc)
	var clients []*binding.Client
	for i := range n {
		c := f.client(t)
		for range 2 {
			if _, err := echo(ctx, c, fmt.Sprint("session ", i)); err != nil {
				t.Fatal(err)
			}
		}
		clients = append(clients, c)
	}
	session := float64(redisMemory(ctx, rc)-before) / n
	sessionKeys := float64(dbSize(t, rc)-beforeKeys) / n
	refKinds := usageByKind(t, rc, "farm:")
	// The replay entries alone: the sessions gone, only they remain.
	for _, c := range clients {
		if err := c.Close(ctx); err != nil {
			t.Fatal(err)
		}
	}
	replayMem := redisMemory(ctx, rc) - before
	replayKeys := float64(dbSize(t, rc)-beforeKeys) / n

	rf := startRMFarm(t, rmFarmOptions{})
	rrc := redis.NewClient(&redis.Options{Addr: rf.redis.Addr})
	defer rrc.Close()
	rwarm := rf.session(t, n, "http://"+rf.lb, nil)
	if err := rwarm.call(ctx, msgKey{n, 0, 0}); err != nil {
		t.Fatal(err)
	}
	before, beforeKeys = redisMemory(ctx, rrc), dbSize(t, rrc)
	var sessions []*rmSession
	for i := range n {
		s := rf.session(t, i, "http://"+rf.lb, nil)
		for k := range 2 {
			if err := s.call(ctx, msgKey{i, 0, k}); err != nil {
				t.Fatal(err)
			}
		}
		sessions = append(sessions, s)
	}
	// The clients acknowledge the replies with their next messages: let
	// the last acknowledgements reach the store.
	time.Sleep(100 * time.Millisecond)
	reliable := float64(redisMemory(ctx, rrc)-before) / n
	reliableKeys := float64(dbSize(t, rrc)-beforeKeys) / n
	kinds := usageByKind(t, rrc, rmPrefix)
	for _, s := range sessions {
		_ = s.close(ctx)
	}
	t.Logf("Redis used_memory per reference-mode session: %.0f bytes, %.1f keys (the replay entries of its 3 messages alone, the session closed: %.0f bytes, %.1f keys)",
		session, sessionKeys, float64(replayMem)/n, replayKeys)
	t.Logf("Redis used_memory per reliable secure session: %.0f bytes, %.1f keys (token, sequence and offered reply sequence, replay entries)", reliable, reliableKeys)
	show := func(what string, kinds map[string]usage) {
		for _, k := range []string{"token", "sequence", "replay", "registry"} {
			u := kinds[k]
			t.Logf("  %s %-8s %4d keys, MEMORY USAGE %7d bytes: %5.0f bytes, %.1f keys per session", what, k, u.keys, u.bytes, float64(u.bytes)/(n+1), float64(u.keys)/(n+1))
		}
	}
	show("secure:  ", refKinds)
	show("reliable:", kinds)
	tok, sq := float64(kinds["token"].bytes)/(n+1), float64(kinds["sequence"].bytes)/(n+1)
	if kinds["sequence"].keys == 0 || tok == 0 || tok > 2<<10 || sq > 4<<10 {
		t.Fatalf("per session: token %.0f bytes, sequence %.0f bytes (%+v)", tok, sq, kinds)
	}
	if session > 8<<10 || reliable > 16<<10 {
		t.Fatalf("footprint grew: %.0f bytes per session, %.0f per reliable session", session, reliable)
	}
}

func dbSize(t *testing.T, rc *redis.Client) int64 {
	t.Helper()
	n, err := rc.DBSize(context.Background()).Result()
	if err != nil {
		t.Fatal(err)
	}
	return n
}

type usage struct{ keys, bytes int64 }

// usageByKind sums MEMORY USAGE of the keys under prefix by what they
// hold: session tokens, sequences (with their offers' pointers), replay
// entries, the registries of the bounds.
func usageByKind(t *testing.T, rc *redis.Client, prefix string) map[string]usage {
	t.Helper()
	ctx := context.Background()
	keys, err := rc.Keys(ctx, prefix+"*").Result()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]usage{}
	for _, k := range keys {
		rest := strings.TrimPrefix(k, prefix)
		kind := "other"
		switch {
		case strings.Contains(rest, "reg{"):
			kind = "registry"
		case strings.HasPrefix(rest, "tok{"):
			kind = "token"
		case strings.HasPrefix(rest, "seq{"):
			kind = "sequence"
		case strings.HasPrefix(rest, "replay:"):
			kind = "replay"
		}
		n, err := rc.MemoryUsage(ctx, k).Result()
		if err != nil {
			continue // expired meanwhile
		}
		u := out[kind]
		u.keys++
		u.bytes += n
		out[kind] = u
	}
	return out
}
