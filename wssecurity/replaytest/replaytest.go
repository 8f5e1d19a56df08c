package replaytest

import (
	"bytes"
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/soapstack/soapstack/wssecurity"
)

// Run runs the conformance suite against the caches newCache returns.
func Run(t *testing.T, newCache func(t *testing.T) wssecurity.ReplayCache) {
	tests := []struct {
		name string
		fn   func(*testing.T, wssecurity.ReplayCache)
	}{
		{"FirstAndSecondSight", testFirstAndSecond},
		{"DistinctKeys", testDistinctKeys},
		{"PastExpiryNotRecorded", testPastExpiry},
		{"Expiry", testExpiry},
		{"Errors", testErrors},
		{"Concurrent", testConcurrent},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.fn(t, newCache(t)) })
	}
}

var ctx = context.Background()

func seen(t *testing.T, c wssecurity.ReplayCache, key []byte, ttl time.Duration, want bool) {
	t.Helper()
	now := time.Now()
	got, err := c.Seen(ctx, key, now, now.Add(ttl))
	if err != nil {
		t.Fatalf("Seen(%q): %v", key, err)
	}
	if got != want {
		t.Fatalf("Seen(%q) = %v, want %v", key, got, want)
	}
}

func testFirstAndSecond(t *testing.T, c wssecurity.ReplayCache) {
	seen(t, c, []byte("nonce-a"), time.Minute, false)
	seen(t, c, []byte("nonce-a"), time.Minute, true)
	seen(t, c, []byte("nonce-a"), time.Hour, true)
	seen(t, c, []byte("nonce-b"), time.Minute, false)
	seen(t, c, []byte("nonce-b"), time.Minute, true)
}

func testDistinctKeys(t *testing.T, c wssecurity.ReplayCache) {
	keys := [][]byte{
		[]byte("a"), []byte("a\x00"), []byte("A"), {}, {0}, {0xff, 0xfe},
		bytes.Repeat([]byte("x"), 4096), append(bytes.Repeat([]byte("x"), 4095), 'y'),
		[]byte("sig:{tag}"), []byte("{tag}sig:"),
	}
	for _, k := range keys {
		seen(t, c, k, time.Minute, false)
	}
	for _, k := range keys {
		seen(t, c, k, time.Minute, true)
	}
}

func testPastExpiry(t *testing.T, c wssecurity.ReplayCache) {
	now := time.Now()
	for i := range 2 {
		got, err := c.Seen(ctx, []byte("stale"), now, now.Add(-time.Second))
		if err != nil || got {
			t.Fatalf("Seen %d of an already expired key: %v, %v", i, got, err)
		}
	}
	// Not recorded: it is new once it has a future expiry.
	seen(t, c, []byte("stale"), time.Minute, false)
	// A recorded key is still reported when checked with a past expiry.
	got, err := c.Seen(ctx, []byte("stale"), now, now.Add(-time.Second))
	if err != nil || !got {
		t.Fatalf("Seen of a recorded key with a past expiry: %v, %v", got, err)
	}
}

func testExpiry(t *testing.T, c wssecurity.ReplayCache) {
	const life = 200 * time.Millisecond
	seen(t, c, []byte("short"), life, false)
	seen(t, c, []byte("long"), time.Minute, false)
	seen(t, c, []byte("short"), life, true)
	time.Sleep(life + 300*time.Millisecond)
	seen(t, c, []byte("short"), time.Minute, false)
	seen(t, c, []byte("short"), time.Minute, true)
	seen(t, c, []byte("long"), time.Minute, true)
}

func testErrors(t *testing.T, c wssecurity.ReplayCache) {
	if _, err := c.Seen(ctx, []byte("k"), time.Now(), time.Time{}); err == nil {
		t.Fatal("Seen with a zero expiry: no error")
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := c.Seen(cctx, []byte("k"), time.Now(), time.Now().Add(time.Minute)); err == nil {
		t.Fatal("Seen with a canceled context: no error")
	}
	// The refused calls recorded nothing.
	seen(t, c, []byte("k"), time.Minute, false)
}

// testConcurrent races many goroutines on the same keys: for each key
// exactly one caller sees it first.
func testConcurrent(t *testing.T, c wssecurity.ReplayCache) {
	const (
		goroutines = 24
		keys       = 300
	)
	var first [keys]atomic.Int32
	var errs atomic.Int32
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range keys {
				k := (i + g*31) % keys
				now := time.Now()
				got, err := c.Seen(ctx, fmt.Appendf(nil, "nonce-%d", k), now, now.Add(time.Minute))
				switch {
				case err != nil:
					errs.Add(1)
				case !got:
					first[k].Add(1)
				}
			}
		}()
	}
	wg.Wait()
	if n := errs.Load(); n > 0 {
		t.Fatalf("%d errors", n)
	}
	for k := range keys {
		if n := first[k].Load(); n != 1 {
			t.Fatalf("key %d seen first by %d callers", k, n)
		}
	}
}
