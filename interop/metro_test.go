package interop

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestMetroInterop runs the WS-Security and secure-conversation matrix (both
// WS-SC versions) against a live Eclipse Metro peer in both directions, in
// one Metro JVM per direction. It never skips. Every case must pass, except
// the documented limits (metroLimits, interop/metro/README.md), which must
// still fail: a limit that starts passing fails the test until it is removed.
func TestMetroInterop(t *testing.T) {
	runMetroMatrix(t, MetroSecurityCases(), "SOAPSTACK_METRO_REPORT")
}

// TestMetroReliable runs the WS-ReliableMessaging cases (RMCases: RM 1.0 and
// 1.1, plain and over WS-SC, sequential and concurrent) against a live Metro
// peer in both directions: the Go reliable client against Metro's service
// and Metro's client against the Go service's reliable.ServerLayer. It never
// skips; every case must pass (interop/metro/README.md, "Results").
func TestMetroReliable(t *testing.T) {
	runMetroMatrix(t, RMCases(), "SOAPSTACK_METRO_RM_REPORT")
}

// runMetroMatrix runs cases against Metro and requires every one to pass in
// both directions (documented limits must still fail); the results go to
// the JSON file named by the environment variable report, if set.
func runMetroMatrix(t *testing.T, cases []Case, report string) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	var log tailBuffer
	log.max = 16 << 10
	results, err := RunMetro(ctx, Options{Log: &log, Cases: cases})
	require.NoError(t, err, "the Metro peer must run (Java 17 + Maven); peer log:\n%s", log.String())

	require.Len(t, results, 2*len(cases))
	seen := map[string]bool{}
	for _, r := range results {
		key := string(r.Direction) + " " + r.Scenario + "@" + r.Version
		seen[key] = true
		assert.Equal(t, PeerMetro, r.Peer, key)
		assert.Equal(t, ModeDefault, r.Mode, key)
		if limit := MetroLimit(r.Direction, Case{r.Scenario, r.Version}); limit != "" {
			assert.False(t, r.Pass, "%s passes now: remove its limit (%s) from metroLimits and interop/metro/README.md", key, limit)
			assert.Equal(t, limit, r.Limit, key)
			continue
		}
		assert.True(t, r.Pass, "%s: %s", key, r.Reason)
		assert.Empty(t, r.Limit, key)
	}
	for _, c := range cases {
		assert.True(t, seen[string(GoToPeer)+" "+c.String()], "missing go-to-peer %s", c)
		assert.True(t, seen[string(PeerToGo)+" "+c.String()], "missing peer-to-go %s", c)
	}
	if out := os.Getenv(report); out != "" {
		b, _ := json.MarshalIndent(results, "", "  ")
		require.NoError(t, os.WriteFile(out, b, 0o644))
	}
	if t.Failed() {
		t.Logf("peer log tail:\n%s", log.String())
	}
}

// TestMetroRMCatalogue: the Metro peer's reliable-messaging cases (its
// rm.wsdl, interop/metro/wsdl/gen-rm) are exactly RMCases, so both sides
// run the same scenarios at the same paths.
func TestMetroRMCatalogue(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	peer, err := FindMetro()
	require.NoError(t, err)
	require.NoError(t, peer.Build(ctx))
	out, err := peer.command(ctx, "list").Output()
	require.NoError(t, err)
	var got []string
	for _, line := range strings.Fields(string(out)) {
		if strings.HasSuffix(line, "@"+VersionRM) {
			got = append(got, line)
		}
	}
	var want []string
	for _, c := range RMCases() {
		want = append(want, c.String())
	}
	assert.ElementsMatch(t, want, got)
}
