package interop

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestPingServiceContract runs the foundation cases Go client → Go service.
// It checks our own contract implementation; interop claims come from the
// CXF tests in cxf_test.go.
func TestPingServiceContract(t *testing.T) {
	gs, err := StartGoServer((&PingService{}).Handler())
	require.NoError(t, err)
	defer gs.Close()
	for _, c := range FoundationCases() {
		t.Run(c.String(), func(t *testing.T) {
			r := RunGoClientCase(context.Background(), gs.URL, c)
			assert.True(t, r.Pass, r.Reason)
			assert.Equal(t, GoToPeer, r.Direction)
		})
	}
}

func TestFilter(t *testing.T) {
	all := FoundationCases()
	assert.Len(t, all, 16)
	assert.Len(t, Filter(all, ""), 16)
	assert.Len(t, Filter(all, "Echo"), 8, "substring: Echo and LargeEcho")
	assert.Len(t, Filter(all, "Echo@*"), 4)
	assert.Len(t, Filter(all, "*@soap12-wsa10"), 4)
	assert.Len(t, Filter(all, "Fault"), 4)
	assert.Empty(t, Filter(all, "nothing"))
}

func TestUnknownScenarioAndVersion(t *testing.T) {
	r := RunGoClientCase(context.Background(), "http://127.0.0.1:1", Case{"Echo", "soap13"})
	assert.False(t, r.Pass)
	assert.Contains(t, r.Reason, "unknown version")
}
