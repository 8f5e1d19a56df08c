package interop

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSCScenariosGoToGo runs every secure-conversation scenario with the Go
// client against the Go service: our own consistency; the interop claims
// come from TestCXFInterop.
func TestSCScenariosGoToGo(t *testing.T) {
	pki, err := LoadPKI("pki")
	require.NoError(t, err)
	gs, err := StartInteropServer(pki)
	require.NoError(t, err)
	defer gs.Close()
	for _, sc := range SCScenarios() {
		t.Run(sc.Case().String(), func(t *testing.T) {
			r := RunGoSessionCase(context.Background(), gs.URL, gs.TLSURL, pki, sc)
			assert.True(t, r.Pass, r.Reason)
		})
	}
}
