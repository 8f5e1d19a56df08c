package interop

import (
	"testing"

	"github.com/stretchr/testify/assert"
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
