package leakcheck

import (
	"runtime"
	"strings"
	"testing"
	"time"
)

// recorder is a testing.TB that records Errorf.
type recorder struct {
	testing.TB
	failed string
}

func (r *recorder) Helper() {}

func (r *recorder) Errorf(format string, args ...any) {
	if len(args) > 0 {
		if s, ok := args[len(args)-1].([]byte); ok {
			r.failed = format + string(s)
			return
		}
	}
	r.failed = format
}

func TestGoroutines(t *testing.T) {
	t.Run("clean", func(t *testing.T) {
		r := &recorder{TB: t}
		check := Goroutines(r, time.Second)
		done := make(chan struct{})
		go func() { <-done }()
		close(done)
		check()
		if r.failed != "" {
			t.Fatalf("a goroutine that ended was reported: %s", r.failed)
		}
	})
	t.Run("leak", func(t *testing.T) {
		// The goroutine of the subtest before may still be ending: a
		// baseline that counts it would hide one leak, so wait until the
		// count settles, and leak three.
		settle()
		r := &recorder{TB: t}
		check := Goroutines(r, 50*time.Millisecond)
		stop := make(chan struct{})
		defer close(stop)
		for range 3 {
			go func() { <-stop }()
		}
		check()
		if !strings.Contains(r.failed, "goroutines leaked") || !strings.Contains(r.failed, "leakcheck.TestGoroutines") {
			t.Fatalf("the leak was not reported with its stack: %q", r.failed)
		}
	})
}

// settle waits (up to a second) until the goroutine count stays the same
// for 50 ms.
func settle() {
	deadline := time.Now().Add(time.Second)
	for n := runtime.NumGoroutine(); time.Now().Before(deadline); {
		time.Sleep(50 * time.Millisecond)
		m := runtime.NumGoroutine()
		if m == n {
			return
		}
		n = m
	}
}
