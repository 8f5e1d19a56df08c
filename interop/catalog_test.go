package interop

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestCatalogueBindings checks that every scenario of the catalogue is a
// binding package binding accepts, with the security its policies say.
func TestCatalogueBindings(t *testing.T) {
	for _, v := range TransportVersions() {
		d, err := foundationBinding(v).Describe()
		require.NoError(t, err, v.Name)
		assert.Contains(t, d, "security None", v.Name)
	}
	for _, sc := range WSSecScenarios() {
		d, err := sc.Binding().Describe()
		require.NoError(t, err, sc.Case().String())
		assert.Contains(t, d, "Custom("+sc.Policy.Binding.String()+")", sc.Case().String())
	}
	for _, sc := range SCScenarios() {
		d, err := sc.Binding().Describe()
		require.NoError(t, err, sc.Case().String())
		assert.Contains(t, d, "SecureConversation(Custom("+sc.Bootstrap.Binding.String()+"))", sc.Case().String())
		assert.Equal(t, sc.Cancel, sc.Binding().Security.Element.RequireCancellation(), sc.Case().String())
	}
}

// TestWSSecScenariosGoToGo runs every plain WS-Security scenario with the
// Go client against the Go service: our own consistency; the interop
// claims come from TestCXFInterop and TestMetroInterop.
func TestWSSecScenariosGoToGo(t *testing.T) {
	pki, err := LoadPKI("pki")
	require.NoError(t, err)
	gs, err := StartInteropServer(pki)
	require.NoError(t, err)
	defer gs.Close()
	for _, sc := range WSSecScenarios() {
		t.Run(sc.Case().String(), func(t *testing.T) {
			r := RunGoSecurityCase(context.Background(), gs.URL, gs.TLSURL, pki, sc)
			assert.True(t, r.Pass, r.Reason)
		})
	}
}

// TestMatrixCounts pins the case counts per peer, mode and direction that
// interop/SCENARIOS.md, interop/metro/README.md and the README give: a
// change of the catalogue must update them.
func TestMatrixCounts(t *testing.T) {
	all, variants := len(AllCases()), len(CXFClientVariantCases())
	streamServer, streamClient := len(CXFStreamingCases(false)), len(CXFStreamingCases(true))
	tests := []struct {
		name      string
		got, want int
	}{
		{"foundation", len(FoundationCases()), 16},
		{"wssec10 + wssec11", len(WSSecCases()), 22},
		{"secure conversation (2 WS-SC versions)", len(SCCases()), 46},
		{"cxf dom go-to-peer", all, 84},
		{"cxf dom peer-to-go", all + variants, 86},
		{"cxf streaming go-to-peer", streamServer, 32},
		{"cxf streaming peer-to-go", streamClient + variants, 30},
		{"cxf total (TestCXFInterop)", 2*all + 2*variants + streamServer + streamClient, 232},
		{"cxf rm (TestCXFReliable, both directions)", 2 * len(CXFReliableCases()), 12},
		{"metro security, each direction", len(MetroSecurityCases()), 68},
		{"metro rm, each direction", len(RMCases()), 6},
		{"metro total", 2 * len(MetroCases()), 148},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, tt.got, tt.name)
	}
}
