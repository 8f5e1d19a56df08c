package secureconv_test

import (
	"testing"

	"github.com/soapstack/soapstack/secureconv"
	"github.com/soapstack/soapstack/secureconv/cachetest"
)

func TestMemoryTokenCacheConformance(t *testing.T) {
	cachetest.Run(t, func(_ *testing.T, cfg cachetest.Config) secureconv.TokenCache {
		return secureconv.NewMemoryTokenCache(secureconv.WithCacheMaxSessions(cfg.MaxSessions),
			secureconv.WithCacheMaxPending(cfg.MaxPending), secureconv.WithCachePendingTimeout(cfg.PendingTimeout),
			secureconv.WithCacheRollover(cfg.Rollover))
	})
}
