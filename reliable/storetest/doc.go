// Package storetest is the conformance suite of reliable.SequenceStore.
// Every store (the in-memory one, a shared Redis one for server farms)
// must pass it:
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func() reliable.SequenceStore { return newStore(t) })
//	}
//
// The function must return an empty store with its default bounds (in
// particular reliable.DefaultMaxPending pending sequences and room for at
// least 64 sequences and a full window of small messages per sequence);
// each subtest calls it once. The suite runs the subtests one after the
// other; some start many goroutines on one store to check that delivery
// stays in order and exactly once, and replies numbered in order, under
// concurrent delivery, as on the nodes of a farm; others that an offered
// identifier is taken once. Time is injected: the suite passes its own clock to
// every call, so a store must judge inactivity, expiry and claims by the
// times it is given only.
package storetest
