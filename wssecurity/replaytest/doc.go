// Package replaytest is the conformance suite of wssecurity.ReplayCache.
// Every replay cache (the in-memory one, a shared Redis one for server
// farms) must pass it:
//
//	func TestReplayConformance(t *testing.T) {
//		replaytest.Run(t, func(t *testing.T) wssecurity.ReplayCache { return newCache(t) })
//	}
//
// newCache returns an empty cache with room for a few thousand entries;
// each subtest calls it once. Times passed to Seen follow the machine's
// clock (a shared store turns expires-now into its own time-to-live, so
// the suite cannot move time for it); expiry is checked with short
// lifetimes and real waits.
package replaytest
