package soap

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/soapstack/soapstack/internal/xmlutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// nameLimitCases are over-long names in every position: element, end tag,
// attribute, element prefix, attribute prefix, declared prefix.
func nameLimitCases() []struct{ name, content, reason string } {
	n := func(k int) string { return strings.Repeat("n", k) }
	return []struct{ name, content, reason string }{
		{"1 MiB element name", "<" + n(1<<20) + "/>", "element name longer than 1024 bytes"},
		{"1 MiB element name with content", "<" + n(1<<20) + ">x</" + n(1<<20) + ">", "element name longer than 1024 bytes"},
		{"512 KiB attribute name", `<x ` + n(512<<10) + `="v"/>`, "attribute name longer than 1024 bytes"},
		{"long element prefix", `<` + n(4096) + `:x xmlns:` + n(4096) + `="urn:p"/>`, "namespace prefix of an element longer than 1024 bytes"},
		{"long attribute prefix", `<x xmlns:p="urn:p" ` + n(4096) + `:a="v"/>`, "namespace prefix of an attribute longer than 1024 bytes"},
		{"long declared prefix", `<x xmlns:` + n(4096) + `="urn:p"/>`, "attribute name longer than 1024 bytes"},
	}
}

// TestNameLimitInEnvelope: an over-long name anywhere in an envelope is a
// Sender fault whose cause is ErrNameTooLong, and the reason says which
// name; names at the limit pass.
func TestNameLimitInEnvelope(t *testing.T) {
	for _, tt := range nameLimitCases() {
		t.Run(tt.name, func(t *testing.T) {
			for _, where := range []string{"body", "header"} {
				in := env12Open + tt.content + env12Close
				if where == "header" {
					in = `<s:Envelope xmlns:s="` + NS12 + `"><s:Header>` + tt.content + `</s:Header><s:Body/></s:Envelope>`
				}
				_, err := ParseMessage([]byte(in), Limits{})
				f, ok := AsFault(err)
				require.True(t, ok, "want a fault, got %v", err)
				assert.Equal(t, CodeSender, f.Code)
				assert.ErrorIs(t, err, ErrNameTooLong)
				var pe *ParseError
				require.ErrorAs(t, err, &pe)
				assert.Contains(t, pe.Reason, tt.reason)
				assert.Less(t, len(f.Reason()), 200, "the fault must not repeat the name")
			}
		})
	}
	ok := env12Open + "<" + strings.Repeat("n", DefaultMaxNameBytes) + ` ` + strings.Repeat("a", DefaultMaxNameBytes) + `="v"/>` + env12Close
	_, err := ParseMessage([]byte(ok), Limits{})
	require.NoError(t, err)
	_, err = ParseMessage([]byte(ok), Limits{MaxNameBytes: DefaultMaxNameBytes - 1})
	require.ErrorIs(t, err, ErrNameTooLong)
	assert.Equal(t, DefaultMaxNameBytes, DefaultLimits().MaxNameBytes)
}

// TestNameLimitInFragment: the limit holds for fragments (decrypted
// content) too.
func TestNameLimitInFragment(t *testing.T) {
	m, err := ParseMessage(readTestdata(t, "soap12-wsa10-request.xml"), Limits{})
	require.NoError(t, err)
	for _, tt := range nameLimitCases() {
		t.Run(tt.name, func(t *testing.T) {
			_, err := xmlutil.ParseFragment([]byte(tt.content), m.Body, Limits{})
			require.ErrorIs(t, err, ErrNameTooLong)
			var pe *ParseError
			require.ErrorAs(t, err, &pe)
			assert.Contains(t, pe.Reason, tt.reason)
		})
	}
	_, err = xmlutil.ParseFragment([]byte("<"+strings.Repeat("n", 64)+"/>"), m.Body, Limits{MaxNameBytes: 64})
	require.NoError(t, err)
	_, err = xmlutil.ParseFragment([]byte("<"+strings.Repeat("n", 65)+"/>"), m.Body, Limits{MaxNameBytes: 64})
	require.ErrorIs(t, err, ErrNameTooLong)
}

// TestNameLimitOverHTTP: the server refuses an over-long name with a Sender
// fault before any handler runs.
func TestNameLimitOverHTTP(t *testing.T) {
	svc := &testService{}
	rec := &causeRecorder{}
	srv := httptest.NewServer(NewHTTPHandler(svc.mux(), WithLogger(slog.New(rec))))
	defer srv.Close()
	for _, tt := range nameLimitCases() {
		t.Run(tt.name, func(t *testing.T) {
			resp := post(t, srv.URL, http.MethodPost, ContentType12+`; action="urn:echo"`, []byte(env12Open+tt.content+env12Close), nil)
			assert.Equal(t, http.StatusInternalServerError, resp.StatusCode)
			m, err := ReadMessage(resp.Body, Limits{})
			require.NoError(t, err)
			f, err := m.Fault()
			require.NoError(t, err)
			require.NotNil(t, f)
			assert.Equal(t, CodeSender, f.Code)
			assert.ErrorIs(t, rec.last(), ErrNameTooLong)
		})
	}
	assert.Zero(t, svc.calls.Load(), "no handler may run")
}
