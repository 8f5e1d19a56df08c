package redisstore

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/soapstack/soapstack/wssecurity"
	"github.com/soapstack/soapstack/wssecurity/replaytest"
)

func TestReplayCacheConformance(t *testing.T) {
	_, c := newClient(t)
	replaytest.Run(t, replayCaches(c, "test"))
}

// TestReplayCacheNodes checks that two nodes sharing one Redis see each
// other's entries, and that stores of another prefix do not.
func TestReplayCacheNodes(t *testing.T) {
	_, c := newClient(t)
	a, _ := NewReplayCache(c, Options{})
	b, _ := NewReplayCache(c, Options{})
	other, _ := NewReplayCache(c, Options{Prefix: "other:"})
	ctx := context.Background()
	now := time.Now()
	if seen, err := a.Seen(ctx, []byte("nonce"), now, now.Add(time.Minute)); err != nil || seen {
		t.Fatalf("first sight on node a: %v %v", seen, err)
	}
	if seen, err := b.Seen(ctx, []byte("nonce"), now, now.Add(time.Minute)); err != nil || !seen {
		t.Fatalf("replay on node b not detected: %v %v", seen, err)
	}
	if seen, err := other.Seen(ctx, []byte("nonce"), now, now.Add(time.Minute)); err != nil || seen {
		t.Fatalf("store of another prefix: %v %v", seen, err)
	}
}

// TestReplayCacheOutage stops Redis: Seen fails with ErrUnavailable (never
// a false "not seen"), and works again once Redis is back.
func TestReplayCacheOutage(t *testing.T) {
	srv, c := newClient(t)
	r, _ := NewReplayCache(c, Options{Timeout: time.Second})
	ctx := context.Background()
	now := time.Now()
	if _, err := r.Seen(ctx, []byte("before"), now, now.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	srv.Stop()
	seen, err := r.Seen(ctx, []byte("during"), now, now.Add(time.Minute))
	if !errors.Is(err, ErrUnavailable) || seen {
		t.Fatalf("Seen during the outage: %v, %v; want ErrUnavailable", seen, err)
	}
	if f := wssecurity.FaultFor(err); f.Code.String() != "Receiver" {
		t.Fatalf("fault of an outage: %v, want a Receiver fault", f.Code)
	}
	srv.Restart()
	if seen, err := r.Seen(ctx, []byte("during"), now, now.Add(time.Minute)); err != nil || seen {
		t.Fatalf("Seen after the outage: %v %v", seen, err)
	}
}

func TestNewStoreOptions(t *testing.T) {
	if _, err := NewReplayCache(nil, Options{}); err == nil {
		t.Error("nil client accepted")
	}
	_, c := newClient(t)
	if _, err := NewReplayCache(c, Options{Prefix: "a{b}:"}); err == nil {
		t.Error("prefix with braces accepted")
	}
}

// TestFallbackReplayCache: while Redis is down the node's own cache
// answers (a replay to this node still detected), and Redis answers again
// once it is back.
func TestFallbackReplayCache(t *testing.T) {
	srv, c := newClient(t)
	shared, _ := NewReplayCache(c, Options{Timeout: 300 * time.Millisecond})
	f := &FallbackReplayCache{Shared: shared, Local: wssecurity.NewMemoryReplayCache()}
	var _ wssecurity.ReplayCache = f
	ctx := context.Background()
	now := time.Now()
	seen := func(v string, want bool) {
		t.Helper()
		got, err := f.Seen(ctx, []byte(v), now, now.Add(time.Minute))
		if err != nil || got != want {
			t.Fatalf("Seen(%s) = %v, %v; want %v", v, got, err, want)
		}
	}
	seen("before", false)
	srv.Stop()
	seen("before", true) // known locally
	seen("during", false)
	seen("during", true)
	srv.Restart()
	seen("after", false)
	seen("after", true)
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := f.Seen(cctx, []byte("x"), now, now.Add(time.Minute)); err == nil {
		t.Fatal("a canceled call answered from the fallback")
	}
}
