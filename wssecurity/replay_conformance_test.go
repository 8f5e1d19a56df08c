package wssecurity_test

import (
	"testing"

	"github.com/soapstack/soapstack/wssecurity"
	"github.com/soapstack/soapstack/wssecurity/replaytest"
)

func TestMemoryReplayCacheConformance(t *testing.T) {
	replaytest.Run(t, func(*testing.T) wssecurity.ReplayCache { return wssecurity.NewMemoryReplayCache() })
}
