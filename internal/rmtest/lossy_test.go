package rmtest

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/soapstack/soapstack/internal/leakcheck"
	"github.com/soapstack/soapstack/internal/lossy"
	"github.com/soapstack/soapstack/reliable"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// callers is the number of concurrent callers: one per slot of the
// transfer window.
const callers = 8

// TestLossy10k sends 10,000 messages (1,000 with -short or -race) per variant
// through a link that loses 10% of the messages in each direction,
// duplicates 5% and reorders 10%, and checks that the application saw
// each exactly once and in order, that each caller got its own reply,
// and that closing the session leaves no goroutine and no heap behind.
func TestLossy10k(t *testing.T) {
	n := 10000
	if testing.Short() || raceEnabled {
		n = 1000
	}
	for i, v := range variants() {
		t.Run(v.name, func(t *testing.T) {
			leaked := leakcheck.Goroutines(t, 10*time.Second)
			before := heapInUse()
			ctx, cancel := context.WithTimeout(context.Background(), budget(n))
			defer cancel()

			h := newHarness(t, v, harnessOptions{loss: issue9Loss(uint64(i + 1))})
			stopWatch := watchHeap()
			start := time.Now()
			require.NoError(t, drive(ctx, h, n, callers))
			require.NoError(t, h.close(ctx), "closing the sessions")
			peak := stopWatch()
			if v.oneWay {
				// Close returns once every message is acknowledged; the
				// last ones may still be on their way to the application.
				require.Eventually(t, func() bool { return h.app.delivered() >= n }, 30*time.Second, 10*time.Millisecond,
					"the application got %d of %d one-way messages", h.app.delivered(), n)
			}
			elapsed := time.Since(start)
			h.shutdown()

			checkDelivery(t, h.app, n, callers)
			st := h.proxy.Stats()
			t.Logf("%d messages in %v; link: %s; retransmissions %d", n, elapsed.Round(time.Millisecond), st,
				h.events.get(reliable.EventRetransmitted))
			// The link did what the test is about.
			assert.Positive(t, st.DroppedRequests, "requests lost")
			assert.Positive(t, st.DroppedResponses, "responses lost")
			assert.Positive(t, st.Duplicated, "requests duplicated")
			assert.Positive(t, st.Reordered, "requests reordered")
			assert.Zero(t, st.Rejected+st.Failed, "the link itself failed")
			assert.Positive(t, h.events.get(reliable.EventRetransmitted), "no retransmission reported through OnEvent")
			assert.Equal(t, 1, h.events.get(reliable.EventCreated), "one request sequence created")
			assert.Positive(t, h.events.get(reliable.EventTerminated), "the sequence was not terminated")
			assert.Zero(t, h.events.get(reliable.EventFaulted), "the session faulted")

			leaked()
			// Generous bounds: the window is 8 messages; neither the
			// client nor the service may keep what was acknowledged, nor
			// anything of a terminated sequence.
			const mib = 1 << 20
			after := heapInUse()
			t.Logf("heap in use: %d MiB at the start, %d MiB at the peak, %d MiB after Close", before/mib, peak/mib, after/mib)
			assert.Less(t, int64(peak)-int64(before), int64(128*mib), "heap in use while running: %d MiB over the start", (int64(peak)-int64(before))/mib)
			assert.Less(t, int64(after)-int64(before), int64(16*mib), "heap in use after Close: %d MiB over the start", (int64(after)-int64(before))/mib)
		})
	}
}

// budget bounds a run of n messages: it fails a stuck session well before
// go test's own timeout, and is generous enough for -race on a shared
// machine.
func budget(n int) time.Duration { return 30*time.Second + time.Duration(n)*40*time.Millisecond }

// checkDelivery checks that app saw the n messages of the callers exactly
// once and in order.
func checkDelivery(t *testing.T, a *app, n, callers int) {
	t.Helper()
	a.mu.Lock()
	defer a.mu.Unlock()
	require.Empty(t, a.bad, "the application got messages it could not read")
	var dups []string
	for id, c := range a.count {
		if c > 1 {
			dups = append(dups, fmt.Sprintf("%v x%d", id, c))
		}
	}
	require.Empty(t, dups, "messages delivered more than once")
	require.Len(t, a.seen, n, "messages delivered")
	// Each caller sends its messages one after the other, so the
	// sequence numbers them in that order: in-order delivery shows as
	// each caller's messages arriving 0, 1, 2, ...
	next := make([]int, callers)
	for k, id := range a.seen {
		require.True(t, id.caller >= 0 && id.caller < callers, "caller %d", id.caller)
		require.Equal(t, next[id.caller], id.index, "delivery %d: caller %d's message %d came before %d", k, id.caller, id.index, next[id.caller])
		next[id.caller]++
	}
	// Where the application still sees the wsrm:Sequence header, the
	// numbers must run 1, 2, 3, ... in delivery order.
	if a.numbers[0] < 0 {
		for k, num := range a.numbers {
			require.Equal(t, int64(-1), num, "delivery %d carries a Sequence header, the first did not", k)
		}
		t.Log("the application does not see the Sequence header: order checked per caller")
		return
	}
	for k, num := range a.numbers {
		require.Equal(t, int64(k+1), num, "delivery %d has message number %d", k, num)
	}
}

// watchHeap samples the heap in use until the returned function is
// called, which returns the peak.
func watchHeap() func() uint64 {
	var mu sync.Mutex
	var peak uint64
	done := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		t := time.NewTicker(50 * time.Millisecond)
		defer t.Stop()
		var m runtime.MemStats
		for {
			runtime.ReadMemStats(&m)
			mu.Lock()
			peak = max(peak, m.HeapInuse)
			mu.Unlock()
			select {
			case <-t.C:
			case <-done:
				return
			}
		}
	}()
	return func() uint64 {
		close(done)
		<-stopped
		mu.Lock()
		defer mu.Unlock()
		return peak
	}
}

// TestHarnessPlumbing runs the harness without the reliable layers, so
// that a failure of TestLossy10k is the reliable session's, not the
// harness's: over a perfect link every message arrives once; over a lossy
// one, without the reliable session, messages are lost and calls fail.
func TestHarnessPlumbing(t *testing.T) {
	for _, v := range variants() {
		t.Run(v.name, func(t *testing.T) {
			leaked := leakcheck.Goroutines(t, 10*time.Second)
			ctx := context.Background()
			h := newHarness(t, v, harnessOptions{noRM: true})
			require.NoError(t, drive(ctx, h, 40, 4))
			require.NoError(t, h.close(ctx))
			h.shutdown()
			checkDelivery(t, h.app, 40, 4)
			assert.Equal(t, lossy.Stats{Requests: h.proxy.Stats().Requests, Passed: h.proxy.Stats().Passed}, h.proxy.Stats())
			if v.secure {
				assert.Equal(t, uint64(2), h.proxy.Stats().Passed, "the handshake and the Cancel are spared")
			}
			leaked()
		})
	}
	t.Run("lossy link without the reliable session", func(t *testing.T) {
		h := newHarness(t, variant{}, harnessOptions{noRM: true, loss: issue9Loss(1)})
		failed := 0
		for i := range 100 {
			if err := h.call(context.Background(), msgID{0, i}); err != nil {
				failed++
			}
		}
		st := h.proxy.Stats()
		assert.Equal(t, st.DroppedRequests+st.DroppedResponses, uint64(failed), "every loss fails its call")
		assert.Positive(t, failed)
		assert.Equal(t, uint64(100)-st.DroppedRequests+st.Duplicated, uint64(waitDelivered(h, int(100-st.DroppedRequests+st.Duplicated))),
			"the service got the requests not lost, and the duplicates")
	})
}

// waitDelivered waits briefly for the application to have seen want
// messages (duplicates arrive after their originals) and returns the
// count.
func waitDelivered(h *harness, want int) int {
	deadline := time.Now().Add(5 * time.Second)
	for h.app.delivered() < want && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	return h.app.delivered()
}

// BenchmarkReliableRoundTrip measures request-reply round trips per
// second through the reliable session, with and without a secure session
// below, over a perfect link and one losing 5% of the messages in each
// direction, with 8 concurrent callers.
func BenchmarkReliableRoundTrip(b *testing.B) {
	for _, secure := range []bool{false, true} {
		for _, loss := range []float64{0, 0.05} {
			name := "plain"
			if secure {
				name = "secure"
			}
			b.Run(fmt.Sprintf("%s/loss=%g%%", name, loss*100), func(b *testing.B) {
				ctx, cancel := context.WithTimeout(context.Background(), budget(b.N+callers))
				defer cancel()
				h := newHarness(b, variant{secure: secure},
					harnessOptions{loss: lossy.Config{DropRequest: loss, DropResponse: loss, Seed: 1}, retry: 20 * time.Millisecond})
				// Establish the sessions before the clock runs.
				require.NoError(b, drive(ctx, h, callers, callers))
				b.ResetTimer()
				start := time.Now()
				require.NoError(b, drive(ctx, h, b.N, callers))
				b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "roundtrips/s")
				b.StopTimer()
				require.NoError(b, h.close(ctx))
			})
		}
	}
}
