package soap

import (
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// versionFromContentTypeMime is VersionFromContentType without its fast
// paths: mime.ParseMediaType decides.
func versionFromContentTypeMime(ct string) (Version, string, bool) {
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil {
		return 0, "", false
	}
	switch strings.ToLower(mt) {
	case ContentType11:
		return V11, "", true
	case ContentType12:
		return V12, params["action"], true
	}
	return 0, "", false
}

var contentTypeSeeds = []string{
	"", "urn:a", "http://x/y", "a b", `a"b`, `a\b`, "a;b", "é:x", "a\tb:", " :", "tok", "a=b:c", `:"`,
	"http://InteropBaseAddress/interop/IPingService/echo",
}

// TestContentTypeFastPaths: ContentType and VersionFromContentType agree
// with mime.FormatMediaType and mime.ParseMediaType on every form.
func TestContentTypeFastPaths(t *testing.T) {
	for _, a := range contentTypeSeeds {
		checkContentType(t, a)
	}
	for _, ct := range []string{
		"text/xml", "text/xml; charset=utf-8", "TEXT/XML; charset=utf-8", "application/soap+xml",
		"application/soap+xml; charset=utf-8", `application/soap+xml; action="urn:a"; charset=utf-8`,
		`application/soap+xml; charset=utf-8; action="urn:a"`, `application/soap+xml; action=""; charset=utf-8`,
		`application/soap+xml; action="a"b"; charset=utf-8`, `application/soap+xml; action="a\"b"; charset=utf-8`,
		`application/soap+xml; action="a"; charset=utf-8; action="b"`, `application/soap+xml; charset=utf-8; action="`,
		`application/soap+xml; action="; charset=utf-8`, `application/soap+xml; action=""`, "application/soap+xml; action=\"\xff\"; charset=utf-8",
		`application/soap+xml; charset=utf-8; action="a"; x="`, `application/soap+xml; charset=utf-8; action="urn:a"; charset=utf-8`,
	} {
		checkParse(t, ct)
	}
}

func checkContentType(t *testing.T, action string) {
	t.Helper()
	want := mime.FormatMediaType(ContentType12, map[string]string{"charset": "utf-8", "action": action})
	if action == "" {
		want = ContentType12 + "; charset=utf-8"
	}
	got := V12.ContentType(action)
	assert.Equal(t, want, got, "action %q", action)
	checkParse(t, got)
}

func checkParse(t *testing.T, ct string) {
	t.Helper()
	v, a, ok := VersionFromContentType(ct)
	wv, wa, wok := versionFromContentTypeMime(ct)
	assert.Equal(t, []any{wv, wa, wok}, []any{v, a, ok}, "%q", ct)
}

func FuzzContentType(f *testing.F) {
	for _, s := range contentTypeSeeds {
		f.Add(s)
		f.Add(V12.ContentType(s))
	}
	f.Fuzz(func(t *testing.T, s string) {
		checkContentType(t, s)
		checkParse(t, s)
		checkParse(t, ContentType12+`; action="`+s+`"; charset=utf-8`)
		checkParse(t, ContentType12+`; charset=utf-8; action="`+s+`"`)
	})
}

// TestPlainPathIsTheEscapedPath: the fast path of requestPath returns what
// parsing the request target would.
func TestPlainPathIsTheEscapedPath(t *testing.T) {
	for _, s := range []string{"/", "/soap12", "/a/b-c_d.e~f/", "//x/y", "/a/../b", "/A9", "/a b", "/a%20b", "/a?x=1", "/é", "*", "", "a", "/a#b", "/a:b", "/a;b", "/a+b"} {
		r := httptest.NewRequest(http.MethodPost, "http://h/", nil)
		r.RequestURI = s
		want := r.URL.EscapedPath()
		if s != "" && s != "*" {
			if u, err := url.ParseRequestURI(s); err == nil {
				want = u.EscapedPath()
			}
		}
		assert.Equal(t, want, requestPath(r), "%q", s)
		if plainPath(s) {
			assert.Equal(t, s, want, "%q", s)
		}
	}
}
