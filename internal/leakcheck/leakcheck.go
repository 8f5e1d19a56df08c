// Package leakcheck finds goroutines a test leaves behind.
package leakcheck

import (
	"runtime"
	"testing"
	"time"
)

// Goroutines takes a baseline of the running goroutines and returns the
// check: called when the test has stopped everything it started, it waits
// up to grace for the count to come back to the baseline (connections and
// timers end asynchronously) and fails t with every goroutine's stack if
// it does not.
func Goroutines(t testing.TB, grace time.Duration) (check func()) {
	before := runtime.NumGoroutine()
	return func() {
		t.Helper()
		deadline := time.Now().Add(grace)
		for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		if n := runtime.NumGoroutine(); n > before {
			buf := make([]byte, 1<<20)
			t.Errorf("%d goroutines leaked:\n%s", n-before, buf[:runtime.Stack(buf, true)])
		}
	}
}
