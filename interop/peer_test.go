package interop

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestPeerLogLines: only complete "PEERLOG " lines are collected, across
// writes that split lines, and take empties the list.
func TestPeerLogLines(t *testing.T) {
	var l peerLogLines
	for _, chunk := range []string{"noise\nPEERLOG SEVERE a: one", " two\nPEERNOTE WARNING x\n", "PEERLOG WARNING b: three\nPEERLOG half"} {
		_, _ = l.Write([]byte(chunk))
	}
	assert.Equal(t, []string{"SEVERE a: one two", "WARNING b: three"}, l.take())
	assert.Empty(t, l.take())
	_, _ = l.Write([]byte(" done\n"))
	assert.Equal(t, []string{"half done"}, l.take())
}

// TestUnexpected: a failure counts unless a documented limit explains it.
func TestUnexpected(t *testing.T) {
	tests := []struct {
		name string
		in   []Result
		want int
	}{
		{"all pass", []Result{{Pass: true}, {Pass: true}}, 0},
		{"documented limit", []Result{{Pass: true}, {Pass: false, Limit: "known"}}, 0},
		{"plain failure", []Result{{Pass: false}, {Pass: false, Limit: "known"}}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Len(t, Unexpected(tt.in), tt.want)
		})
	}
	// The UX family passes since it follows the plugfest policies.
	assert.Empty(t, MetroLimit(PeerToGo, Case{"UX", VersionWSSec11}))
	assert.Empty(t, MetroLimit(GoToPeer, Case{"UX", VersionWSSec11}))
}

// TestRunClientPeerWarnings drives RunClientMode with a stand-in peer
// script: a case the peer reports as passed but with warnings (a protocol
// error it logged without failing, as CXF's STS client does for a refused
// Cancel) fails and keeps its warnings; a case the peer did not report
// fails; every row carries peer, mode, direction and version, in the JSON
// report too.
func TestRunClientPeerWarnings(t *testing.T) {
	dir := t.TempDir()
	script := "#!/bin/sh\n" +
		"echo 'noise'\n" +
		`echo '{"scenario":"_X10","version":"sc200502","pass":true,"reason":"","warnings":["Problem cancelling token"]}'` + "\n" +
		`echo '{"scenario":"_A","version":"sc200502","pass":true,"reason":""}'` + "\n"
	require.NoError(t, os.WriteFile(filepath.Join(dir, "peer"), []byte(script), 0o755))
	p := &ScriptPeer{Name: PeerCXF, Dir: dir}
	cases := []Case{{"_X10", VersionSC200502}, {"_A", VersionSC200502}, {"_AD", VersionSC200502}}
	got, err := p.RunClientMode(context.Background(), "http://127.0.0.1:1", "", cases, ModeStreaming)
	require.NoError(t, err)
	require.Len(t, got, 3)
	tests := []struct {
		i        int
		pass     bool
		reason   string
		warnings int
	}{
		{0, false, "the CXF client logged a protocol error: Problem cancelling token", 1},
		{1, true, "", 0},
		{2, false, "the CXF client did not report this case", 0},
	}
	for _, tt := range tests {
		r := got[tt.i]
		assert.Equal(t, cases[tt.i].Scenario, r.Scenario)
		assert.Equal(t, tt.pass, r.Pass, r.Scenario)
		assert.Contains(t, r.Reason, tt.reason, r.Scenario)
		assert.Len(t, r.Warnings, tt.warnings, r.Scenario)
		assert.Equal(t, PeerCXF, r.Peer)
		assert.Equal(t, ModeStreaming, r.Mode)
		assert.Equal(t, PeerToGo, r.Direction)
		assert.Equal(t, VersionSC200502, r.Version)
	}
	b, err := json.Marshal(got[0])
	require.NoError(t, err)
	for _, field := range []string{`"peer":"cxf"`, `"mode":"streaming"`, `"direction":"peer-to-go"`, `"version":"sc200502"`, `"warnings":["Problem cancelling token"]`, `"pass":false`} {
		assert.Contains(t, string(b), field)
	}
}

// TestServerComplaintsFailACase: a PEERLOG line the peer's server writes
// while a Go-client case runs fails that case (a pass that hid a peer
// error), whatever way the server's output arrives in chunks.
func TestServerComplaintsFailACase(t *testing.T) {
	var l peerLogLines
	for _, chunk := range []string{"INFO starting\nPEERLOG Problem canc", "elling token: AsymmetricBinding\n",
		"PEERLOG \n", "WARN not ours\r\nPEERLOG second one\n", "PEERLOG no newline yet"} {
		_, err := l.Write([]byte(chunk))
		require.NoError(t, err)
	}
	complaints := l.take()
	assert.Equal(t, []string{"Problem cancelling token: AsymmetricBinding", "second one"}, complaints,
		"only whole PEERLOG lines with a message")
	assert.Empty(t, l.take(), "taken once")

	tests := []struct {
		name       string
		in         Result
		complaints []string
		pass       bool
		reason     string
	}{
		{"a pass without complaints stays", Result{Pass: true}, nil, true, ""},
		{"a pass with a complaint fails", Result{Pass: true}, complaints, false,
			"the CXF server logged: Problem cancelling token: AsymmetricBinding | second one"},
		{"a failure keeps its reason first", Result{Reason: "fault: InvalidSecurity"}, complaints[1:], false,
			"fault: InvalidSecurity; the CXF server logged: second one"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := withServerComplaints(tt.in, "CXF", tt.complaints)
			assert.Equal(t, tt.pass, r.Pass)
			assert.Equal(t, tt.reason, r.Reason)
		})
	}
}
