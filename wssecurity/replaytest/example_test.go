package replaytest_test

import (
	"testing"

	"github.com/soapstack/soapstack/wssecurity"
	"github.com/soapstack/soapstack/wssecurity/replaytest"
)

// A replay cache's conformance test: the suite builds one empty cache per
// subtest. (Examples run without a *testing.T; this one shows the test to
// write and is compiled, not run.)
func Example() {
	testConformance := func(t *testing.T) {
		replaytest.Run(t, func(*testing.T) wssecurity.ReplayCache {
			return wssecurity.NewMemoryReplayCache()
		})
	}
	_ = testConformance
}
