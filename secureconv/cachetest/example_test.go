package cachetest_test

import (
	"testing"

	"github.com/soapstack/soapstack/secureconv"
	"github.com/soapstack/soapstack/secureconv/cachetest"
)

// A token cache's conformance test: the suite builds one cache per
// configuration it needs. (Examples run without a *testing.T; this one
// shows the test to write and is compiled, not run.)
func Example() {
	testConformance := func(t *testing.T) {
		cachetest.Run(t, func(_ *testing.T, cfg cachetest.Config) secureconv.TokenCache {
			return secureconv.NewMemoryTokenCache(
				secureconv.WithCacheMaxSessions(cfg.MaxSessions),
				secureconv.WithCacheMaxPending(cfg.MaxPending),
				secureconv.WithCachePendingTimeout(cfg.PendingTimeout),
				secureconv.WithCacheRollover(cfg.Rollover))
		})
	}
	_ = testConformance
}
