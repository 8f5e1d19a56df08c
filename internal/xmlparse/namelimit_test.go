package xmlparse

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestNameLimit: element names, attribute names and prefixes longer than
// MaxNameBytes are refused with ErrNameTooLong, whatever their position;
// names at the limit pass. The reason never quotes the name.
func TestNameLimit(t *testing.T) {
	n := func(k int) string { return strings.Repeat("n", k) }
	const def = DefaultMaxNameBytes
	tests := []struct {
		name   string
		in     string
		lim    Limits
		reason string // "" = accepted
	}{
		{"element at the limit", "<" + n(def) + "/>", Limits{}, ""},
		{"element one over", "<" + n(def+1) + "/>", Limits{}, "element name longer than 1024 bytes"},
		{"1 MiB element name", "<" + n(1<<20) + "/>", Limits{}, "element name longer than 1024 bytes"},
		{"1 MiB element name, not empty", "<" + n(1<<20) + ">x</" + n(1<<20) + ">", Limits{}, "element name longer"},
		{"1 MiB nested element name", "<r><" + n(1<<20) + "/></r>", Limits{}, "element name longer"},
		{"1 MiB end tag name", "<r></" + n(1<<20) + ">", Limits{}, "element name longer"},
		{"qualified element name over", `<p:` + n(def) + ` xmlns:p="urn:p"/>`, Limits{}, "element name longer"},
		{"attribute at the limit", `<r ` + n(def) + `="v"/>`, Limits{}, ""},
		{"attribute one over", `<r ` + n(def+1) + `="v"/>`, Limits{}, "attribute name longer than 1024 bytes"},
		{"512 KiB attribute name", `<r ` + n(512<<10) + `="v"/>`, Limits{}, "attribute name longer than 1024 bytes"},
		{"512 KiB attribute name, second attribute", `<r a="1" ` + n(512<<10) + `="v"/>`, Limits{}, "attribute name longer"},
		{"long element prefix", `<` + n(2000) + `:x xmlns:` + n(2000) + `="urn:p"/>`, Limits{}, "namespace prefix of an element longer than 1024 bytes"},
		{"long attribute prefix", `<r xmlns:p="urn:p" ` + n(2000) + `:a="v"/>`, Limits{}, "namespace prefix of an attribute longer than 1024 bytes"},
		{"long declared prefix", `<r xmlns:` + n(2000) + `="urn:p"/>`, Limits{}, "attribute name longer"},
		{"raised limit", "<" + n(4096) + "/>", Limits{MaxNameBytes: 4096}, ""},
		{"lowered limit", "<abcdefghi/>", Limits{MaxNameBytes: 8}, "element name longer than 8 bytes"},
		{"lowered limit, multibyte", "<ééééé/>", Limits{MaxNameBytes: 8}, "element name longer than 8 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseString(tt.in, tt.lim)
			if tt.reason == "" {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, ErrNameTooLong)
			var pe *Error
			require.ErrorAs(t, err, &pe)
			assert.Contains(t, pe.Reason, tt.reason)
			assert.Less(t, len(pe.Reason), 200, "the reason must not quote the name")
		})
	}
}

// TestOtherErrorsAreNotNameErrors: only the name limit carries
// ErrNameTooLong.
func TestOtherErrorsAreNotNameErrors(t *testing.T) {
	for _, in := range []string{"<a>", "<a b='1' b='2'/>", strings.Repeat("<d>", 101)} {
		_, err := parseString(in, Limits{})
		require.Error(t, err)
		assert.NotErrorIs(t, err, ErrNameTooLong, in)
	}
}
