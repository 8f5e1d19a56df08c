package leakcheck

import (
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
		r := &recorder{TB: t}
		check := Goroutines(r, 50*time.Millisecond)
		stop := make(chan struct{})
		defer close(stop)
		go func() { <-stop }()
		check()
		if !strings.Contains(r.failed, "goroutines leaked") || !strings.Contains(r.failed, "leakcheck.TestGoroutines") {
			t.Fatalf("the leak was not reported with its stack: %q", r.failed)
		}
	})
}
