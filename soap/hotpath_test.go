package soap

import (
	"context"
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/beevik/etree"
	"github.com/soapstack/soapstack/internal/xmlutil"
	"github.com/stretchr/testify/require"

	"github.com/stretchr/testify/assert"
)

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
	wv, wa, wok := versionFromMediaType(ct)
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

// TestAnnouncedSizeSizesTheBuffer: a Content-Length sizes the first
// buffer exactly, but never beyond maxAnnounced, so announcing a big body
// and sending a small one costs the sender, not us; the limit still holds.
func TestAnnouncedSizeSizesTheBuffer(t *testing.T) {
	body := strings.Repeat("x", 3000)
	b, err := xmlutil.ReadInputSize(iotestOneByte(body), int64(len(body)), 1<<20)
	assert.NoError(t, err)
	assert.Equal(t, body, string(b))
	assert.Equal(t, len(body)+1, cap(b))

	b, err = xmlutil.ReadInputSize(iotestOneByte("<a/>"), 1<<30, 4<<20)
	assert.NoError(t, err)
	assert.Equal(t, "<a/>", string(b))
	assert.LessOrEqual(t, cap(b), 4<<10, "the unused room is given back")

	_, err = xmlutil.ReadInputSize(iotestOneByte(body), 10, 100)
	assert.ErrorIs(t, err, ErrTooLarge)
}

// iotestOneByte is a reader of s without a Len method.
func iotestOneByte(s string) io.Reader { return iotest.OneByteReader(strings.NewReader(s)) }

// TestNewMessageBlock: the envelope NewMessage builds in one allocation
// behaves as one built with etree's constructors when it grows.
func TestNewMessageBlock(t *testing.T) {
	m := NewMessage(V12)
	for i := range 5 {
		m.Envelope.CreateAttr("xmlns:p"+strconv.Itoa(i), "urn:p")
		m.AddHeader(etree.NewElement("h" + strconv.Itoa(i)))
	}
	el := addTextElement(m.Body, "p0", "t", "text")
	el.CreateAttr("a", "1")
	el.CreateAttr("b", "2")
	el.CreateAttr("c", "3")
	el.CreateElement("x")
	el.SetText("new")
	b, err := m.Bytes()
	require.NoError(t, err)
	assert.Equal(t, `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:p0="urn:p" xmlns:p1="urn:p" xmlns:p2="urn:p" xmlns:p3="urn:p" xmlns:p4="urn:p">`+
		`<s:Header><h0/><h1/><h2/><h3/><h4/></s:Header><s:Body><p0:t a="1" b="2" c="3">new<x/></p0:t></s:Body></s:Envelope>`, string(b))
	back, err := ParseMessage(b, Limits{})
	require.NoError(t, err)
	assert.Len(t, back.Headers(), 5)
	assert.Equal(t, m.Doc.Root(), m.Envelope)
	assert.Equal(t, m.Envelope, m.Body.Parent())
	assert.Equal(t, 1, m.Body.Index())
	assert.Equal(t, 0, m.Header.Index())
}

// TestToCheckedAgainWhenChanged: ServeMux skips parsing again only the To
// the handler already accepted; a layer that changes a valid To into a
// foreign one is still refused.
func TestToCheckedAgainWhenChanged(t *testing.T) {
	for _, tt := range []struct {
		name string
		to   string // what the layer sets; "" leaves the To alone
		ok   bool
	}{
		{"unchanged", "", true},
		{"changed to another endpoint", "http://other.example/svc", false},
		{"changed to a relative URI", "svc", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			mux := NewServeMux()
			mux.HandleFunc("urn:echo", func(ctx context.Context, req *Message) (*Message, error) {
				return Reply(req, "urn:echoResponse", nil)
			})
			rewriting := ServerLayer(func(next Handler) Handler {
				return HandlerFunc(func(ctx context.Context, req *Message) (*Message, error) {
					if tt.to != "" {
						req.Addressing.Elem("To").SetText(tt.to)
						if err := req.ReadAddressing(); err != nil {
							return nil, err
						}
					}
					return next.ServeSOAP(ctx, req)
				})
			})
			srv := httptest.NewServer(NewHTTPHandler(ChainHandler(mux, rewriting)))
			defer srv.Close()
			m := NewMessageWithBody(V12, etree.NewElement("ping"))
			a, err := RequestAddressing(WSA10, "urn:echo", srv.URL+"/svc", nil)
			require.NoError(t, err)
			m.SetAddressing(a)
			_, err = NewHTTPClient(srv.URL+"/svc").Call(context.Background(), m)
			if tt.ok {
				require.NoError(t, err)
				return
			}
			f, ok := AsFault(err)
			require.True(t, ok, "%v", err)
			assert.Equal(t, "DestinationUnreachable", f.Subcode().Local)
		})
	}
}

// TestUnderstoodMarks: marks are found whether they are kept in the list
// or, past maxUnderstoodList, in the set; an unmarked block is not.
func TestUnderstoodMarks(t *testing.T) {
	for _, n := range []int{0, 1, maxUnderstoodList, maxUnderstoodList + 1, 1000} {
		m := NewMessage(V12)
		var hs []*etree.Element
		for i := range n + 1 {
			h := etree.NewElement("h")
			m.AddHeader(h)
			hs = append(hs, h)
			if i < n {
				m.MarkUnderstood(h)
				m.MarkUnderstood(h) // twice is once
			}
		}
		for i, h := range hs {
			assert.Equal(t, i < n, m.Understood(h), "n=%d header %d", n, i)
		}
		assert.False(t, m.Understood(etree.NewElement("h")))
	}
}

// TestFragmentScopeKeepsWhiteSpace: a namespace URI in scope holding a TAB,
// LF or CR (written as references where it was declared) is the same URI
// inside a parsed fragment.
func TestFragmentScopeKeepsWhiteSpace(t *testing.T) {
	m, err := ParseMessage([]byte(`<s:Envelope xmlns:s="`+NS12+`" xmlns:p="urn:a&#9;b&#10;c&#13;d&amp;&lt;&quot;"><s:Body/></s:Envelope>`), Limits{})
	require.NoError(t, err)
	toks, err := xmlutil.ParseFragment([]byte(`<p:x/>`), m.Body, Limits{})
	require.NoError(t, err)
	require.Len(t, toks, 1)
	m.Body.AddChild(toks[0])
	assert.Equal(t, "urn:a\tb\nc\rd&<\"", ElementName(toks[0].(*etree.Element)).Space)

	_, err = xmlutil.ParseFragment([]byte(strings.Repeat("x", 100)), m.Body, Limits{MaxBytes: 50})
	assert.ErrorIs(t, err, ErrTooLarge)
}
