// Package cachetest is the conformance suite of secureconv.TokenCache.
// Every token cache (the in-memory one, a shared Redis one for server
// farms) must pass it:
//
//	func TestTokenCacheConformance(t *testing.T) {
//		cachetest.Run(t, func(t *testing.T, cfg cachetest.Config) secureconv.TokenCache {
//			return newCache(t, cfg)
//		})
//	}
//
// newCache returns an empty cache configured as cfg says; each subtest
// calls it at least once. Time is injected: the suite passes its own
// clock (years away from the machine's, in both directions) to every
// call, so a cache must judge expiry, the pending timeout and the
// rollover window by the times it is given only.
package cachetest
