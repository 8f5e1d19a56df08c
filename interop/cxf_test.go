package interop

import (
	"context"
	"encoding/json"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestCXFInterop runs the foundation matrix against a live Apache CXF peer
// in both directions. It never skips: without Java, Maven or the peer the
// test fails with the reason.
func TestCXFInterop(t *testing.T) {
	if testing.Short() {
		t.Log("running the CXF interop matrix even in -short mode: interop is the point of this project")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	var log tailBuffer
	log.max = 16 << 10
	// The WS-ReliableMessaging cases run in TestCXFReliable.
	results, err := RunCXF(ctx, Options{Log: &log, NoReliable: true})
	require.NoError(t, err, "the CXF peer must run (Java 17 + Maven); peer log:\n%s", log.String())

	cases := AllCases()
	streamServer, streamClient := CXFStreamingCases(false), CXFStreamingCases(true)
	variants := CXFClientVariantCases()
	require.Len(t, results, 2*len(cases)+len(streamServer)+len(streamClient)+2*len(variants))
	seen := map[string]bool{}
	for _, r := range results {
		key := string(r.Direction) + " " + r.Mode + " " + r.Scenario + "@" + r.Version
		seen[key] = true
		assert.Equal(t, PeerCXF, r.Peer, key)
		assert.True(t, r.Pass, "%s: %s", key, r.Reason)
	}
	for _, c := range cases {
		assert.True(t, seen[string(GoToPeer)+" dom "+c.String()], "missing go-to-peer %s", c)
		assert.True(t, seen[string(PeerToGo)+" dom "+c.String()], "missing peer-to-go %s", c)
	}
	for _, c := range streamServer {
		assert.True(t, seen[string(GoToPeer)+" streaming "+c.String()], "missing streaming go-to-peer %s", c)
	}
	for _, c := range streamClient {
		assert.True(t, seen[string(PeerToGo)+" streaming "+c.String()], "missing streaming peer-to-go %s", c)
	}
	for _, c := range variants {
		assert.True(t, seen[string(PeerToGo)+" dom "+c.String()], "missing peer-to-go %s", c)
		assert.True(t, seen[string(PeerToGo)+" streaming "+c.String()], "missing streaming peer-to-go %s", c)
	}
	if out := os.Getenv("SOAPSTACK_INTEROP_REPORT"); out != "" {
		b, _ := json.MarshalIndent(results, "", "  ")
		require.NoError(t, os.WriteFile(out, b, 0o644))
	}
	if t.Failed() {
		t.Logf("peer log tail:\n%s", log.String())
	}
}

// TestCXFReliable runs the WS-ReliableMessaging cases of the CXF matrix
// (CXFReliableCases: RM10, RM10-WSA200408 and RM11, request-reply and
// one-way) in both directions: the Go reliable client against CXF's /rm
// endpoints, and CXF's reliable client against the Go service's. A case
// passes only if the calls succeeded and both the client's wire checks and
// the service's verdict (its /rm/status endpoint) are "ok". It never
// skips.
func TestCXFReliable(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	var log tailBuffer
	log.max = 16 << 10
	results, err := RunCXF(ctx, Options{Log: &log, Only: "RM*"})
	require.NoError(t, err, "the CXF peer must run (Java 17 + Maven); peer log:\n%s", log.String())

	cases := CXFReliableCases()
	require.Len(t, results, 2*len(cases))
	seen := map[string]bool{}
	for _, r := range results {
		key := string(r.Direction) + " " + r.Scenario + "@" + r.Version
		seen[key] = true
		assert.Equal(t, PeerCXF, r.Peer, key)
		assert.Equal(t, ModeDOM, r.Mode, key)
		assert.True(t, r.Pass, "%s: %s", key, r.Reason)
	}
	for _, c := range cases {
		assert.True(t, seen[string(GoToPeer)+" "+c.String()], "missing go-to-peer %s", c)
		assert.True(t, seen[string(PeerToGo)+" "+c.String()], "missing peer-to-go %s", c)
	}
	if t.Failed() {
		t.Logf("peer log tail:\n%s", log.String())
	}
}
