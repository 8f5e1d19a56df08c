package interop

import (
	"bytes"
	"encoding/xml"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/soapstack/soapstack/reliable"
	"github.com/soapstack/soapstack/soap"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// metroCapture reads one captured Metro exchange (testdata/metro-rm/<dir>)
// into the RM wire check's view, in wire order.
func metroCapture(t *testing.T, dir string) []rmMessage {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "metro-rm", dir, "*.xml"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	slices.Sort(files)
	w := &rmWire{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		at := bytes.Index(b, []byte("<?xml"))
		require.GreaterOrEqual(t, at, 0, f)
		m, err := soap.ParseMessage(b[at:], soap.DefaultLimits())
		require.NoError(t, err, f)
		w.record(strings.HasSuffix(f, "-req.xml"), m)
	}
	return w.messages()
}

// TestCheckReliableWireOnMetroCaptures runs the RM wire check on Metro's own
// exchanges (echo, echo, one-way ping, echo: four requests, three replies)
// and on mutations of them, each of which the check must refuse.
func TestCheckReliableWireOnMetroCaptures(t *testing.T) {
	for _, tc := range []struct {
		dir string
		v   reliable.Version
	}{
		{"rm10", reliable.V200502},
		{"rm11", reliable.V11},
		{"rm11sc-clear", reliable.V11},
	} {
		t.Run(tc.dir, func(t *testing.T) {
			msgs := metroCapture(t, tc.dir)
			assert.Empty(t, checkReliableWire(tc.v, msgs, 4, 3, true))

			isApp := func(m rmMessage, request bool) bool {
				return m.request == request && m.seq != "" && !m.last && strings.HasPrefix(m.action, "urn:probe:")
			}
			firstApp := slices.IndexFunc(msgs, func(m rmMessage) bool { return isApp(m, true) })
			require.GreaterOrEqual(t, firstApp, 0)
			without := func(action string) []rmMessage {
				return slices.DeleteFunc(slices.Clone(msgs), func(m rmMessage) bool { return m.action == action })
			}
			for _, bad := range []struct {
				name string
				msgs []rmMessage
				want string
			}{
				{"retransmitted request", slices.Insert(slices.Clone(msgs), firstApp+1, msgs[firstApp]), "requests #1..#4 once each"},
				{"requests out of order", swapApp(msgs, true), "requests out of order"},
				{"replies out of order", swapApp(msgs, false), "replies out of order"},
				{"no CreateSequence", without(tc.v.CreateSequenceAction()), "want 1 CreateSequence, saw 0"},
				{"no TerminateSequence", without(tc.v.TerminateSequenceAction()), "want 1 TerminateSequence, saw 0"},
				{"a reply missing", slices.DeleteFunc(slices.Clone(msgs), func(m rmMessage) bool { return isApp(m, false) && m.number == 2 }), "replies #1..#3 once each"},
			} {
				assert.Contains(t, strings.Join(checkReliableWire(tc.v, bad.msgs, 4, 3, true), "; "), bad.want, bad.name)
			}
			closing := tc.v.CloseSequenceAction()
			if tc.v == reliable.V200502 {
				closing = tc.v.LastMessageAction()
			}
			assert.NotEmpty(t, checkReliableWire(tc.v, without(closing), 4, 3, true), "no close")
			// Unordered (concurrent) checks accept any order, not a gap.
			assert.Empty(t, checkReliableWire(tc.v, swapApp(msgs, true), 4, 3, false))
			assert.NotEmpty(t, checkReliableWire(tc.v, msgs, 5, 3, false))
		})
	}
}

// swapApp swaps the message numbers of the first two application messages
// of one direction.
func swapApp(msgs []rmMessage, request bool) []rmMessage {
	out := slices.Clone(msgs)
	var idx []int
	for i, m := range out {
		if m.request == request && m.seq != "" && !m.last && strings.HasPrefix(m.action, "urn:probe:") {
			idx = append(idx, i)
		}
	}
	out[idx[0]].number, out[idx[1]].number = out[idx[1]].number, out[idx[0]].number
	return out
}

// TestRMScenarios: names and paths are the Metro peer's; the secure
// sessions under RM sign every RM header and use WS-Addressing 1.0, and the
// catalogue's SC scenarios are left unchanged.
func TestRMScenarios(t *testing.T) {
	var names []string
	for _, s := range RMScenarios() {
		names = append(names, s.Name)
		assert.Equal(t, "/rm/"+s.Name, s.Path())
		assert.Equal(t, Case{s.Name, VersionRM}, s.Case())
		got, ok := rmScenario(s.Case())
		assert.True(t, ok, s.Name)
		assert.Equal(t, s.Name, got.Name)
		if s.SC == nil {
			continue
		}
		assert.Equal(t, soap.WSA10, s.SC.Addressing, s.Name)
		assert.True(t, s.SC.Cancel, s.Name)
		for _, h := range []string{"Sequence", "AckRequested", "SequenceAcknowledgement", "UsesSequenceSTR"} {
			assert.True(t, s.SC.Policy.SignedParts.Includes(xml.Name{Space: s.RM.Namespace(), Local: h}), "%s signs %s", s.Name, h)
		}
		assert.True(t, s.SC.Policy.SignedParts.Includes(xml.Name{Space: soap.WSA10.Namespace(), Local: "Action"}), s.Name)
		assert.True(t, s.SC.Bootstrap.SignedParts.Includes(xml.Name{Space: soap.WSA10.Namespace(), Local: "To"}), s.Name)
		assert.True(t, s.SC.Policy.EncryptedParts.Body, s.Name)
	}
	assert.Equal(t, []string{"RM10", "RM11", "RM10-SC200502", "RM11-SC13", "RM10-Concurrent", "RM11-Concurrent"}, names)
	_, ok := rmScenario(Case{"RM10", VersionSC13})
	assert.False(t, ok)
	orig, ok := scScenario(Case{"_AD", VersionSC200502})
	require.True(t, ok)
	assert.Equal(t, soap.WSA200408, orig.Addressing, "the sc200502 catalogue keeps WS-A 2004/08")
	assert.False(t, orig.Policy.SignedParts.Includes(xml.Name{Space: reliable.V200502.Namespace(), Local: "Sequence"}))
}
