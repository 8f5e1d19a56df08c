package soap

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/beevik/etree"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// causeRecorder is a slog.Handler that keeps the "cause" attribute of the
// records logged, so a test can see which defence fired.
type causeRecorder struct {
	mu     sync.Mutex
	causes []error
}

func (c *causeRecorder) Enabled(context.Context, slog.Level) bool { return true }
func (c *causeRecorder) WithAttrs([]slog.Attr) slog.Handler       { return c }
func (c *causeRecorder) WithGroup(string) slog.Handler            { return c }
func (c *causeRecorder) Handle(_ context.Context, r slog.Record) error {
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == "cause" || a.Key == "error" {
			if err, ok := a.Value.Any().(error); ok {
				c.mu.Lock()
				c.causes = append(c.causes, err)
				c.mu.Unlock()
			}
		}
		return true
	})
	return nil
}

func (c *causeRecorder) last() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.causes) == 0 {
		return nil
	}
	return c.causes[len(c.causes)-1]
}

// toServer is an endpoint at /svc behind a layer that counts the requests
// reaching it (a security layer would sit there).
type toServer struct {
	srv    *httptest.Server
	url    string // the endpoint's address as the client calls it
	layer  atomic.Int32
	app    atomic.Int32
	causes *causeRecorder
}

func newToServer(t *testing.T, tlsServer bool, opts ...HTTPOption) *toServer {
	t.Helper()
	ts := &toServer{causes: &causeRecorder{}}
	mux := NewServeMux()
	mux.HandleFunc("urn:echo", func(ctx context.Context, req *Message) (*Message, error) {
		ts.app.Add(1)
		return Reply(req, "urn:echoResponse", nil)
	})
	layer := ServerLayer(func(next Handler) Handler {
		return HandlerFunc(func(ctx context.Context, req *Message) (*Message, error) {
			ts.layer.Add(1)
			return next.ServeSOAP(ctx, req)
		})
	})
	opts = append([]HTTPOption{WithLogger(slog.New(ts.causes))}, opts...)
	hmux := http.NewServeMux()
	hmux.Handle("/svc", NewHTTPHandler(ChainHandler(mux, layer), opts...))
	if tlsServer {
		ts.srv = httptest.NewTLSServer(hmux)
	} else {
		ts.srv = httptest.NewServer(hmux)
	}
	t.Cleanup(ts.srv.Close)
	ts.url = ts.srv.URL + "/svc"
	return ts
}

// call sends an echo request with the given To (none when to is "-") and
// returns the fault, if any.
func (ts *toServer) call(t *testing.T, v Version, wv AddressingVersion, to string) *Fault {
	t.Helper()
	m := NewMessageWithBody(v, etree.NewElement("ping"))
	if to == "-" {
		to = ""
	}
	if wv != 0 {
		a, err := RequestAddressing(wv, "urn:echo", to, nil)
		require.NoError(t, err)
		m.SetAddressing(a)
	}
	m.SOAPAction = "urn:echo"
	cli := NewHTTPClient(ts.url, WithHTTPClient(ts.srv.Client()))
	_, err := cli.Call(context.Background(), m)
	if err == nil {
		return nil
	}
	f, ok := AsFault(err)
	require.True(t, ok, "want a fault, got %v", err)
	return f
}

func portOf(t *testing.T, raw string) int {
	t.Helper()
	u, err := url.Parse(raw)
	require.NoError(t, err)
	p, err := strconv.Atoi(u.Port())
	require.NoError(t, err)
	return p
}

// TestToCheck: a request whose wsa:To names another endpoint (other path,
// host, port or scheme) is refused with DestinationUnreachable in the
// request's addressing version before any layer runs; one addressed to this
// endpoint, in any equivalent spelling, passes.
func TestToCheck(t *testing.T) {
	ts := newToServer(t, false)
	port := portOf(t, ts.srv.URL)
	base := ts.srv.URL
	tests := []struct {
		name string
		to   string
		ok   bool
	}{
		{"this endpoint", base + "/svc", true},
		{"trailing slash", base + "/svc/", true},
		{"query ignored", base + "/svc?wsdl", true},
		{"fragment ignored", base + "/svc#f", true},
		{"scheme and host case", strings.ToUpper(base) + "/svc", true},
		{"percent-encoded path", base + "/%73vc", true},
		{"dot segments", base + "/x/../svc", true},
		{"user info ignored", fmt.Sprintf("http://u:p@127.0.0.1:%d/svc", port), true},
		{"no To", "-", true},
		{"other path", base + "/other", false},
		{"path prefix", base + "/svc/more", false},
		{"path case", base + "/SVC", false},
		{"other host", fmt.Sprintf("http://127.0.0.2:%d/svc", port), false},
		{"other host name", fmt.Sprintf("http://localhost:%d/svc", port), false},
		{"other port", fmt.Sprintf("http://127.0.0.1:%d/svc", port+1), false},
		{"default port", "http://127.0.0.1/svc", false},
		{"other scheme", fmt.Sprintf("https://127.0.0.1:%d/svc", port), false},
		{"urn", "urn:example:svc", false},
		{"relative", "/svc", false},
		{"none address", NoneWSA10, false},
		{"not a URI", "http://[::1/svc", false},
	}
	for _, tt := range tests {
		for _, v := range []Version{V11, V12} {
			for _, wv := range []AddressingVersion{WSA10, WSA200408} {
				t.Run(tt.name+"/"+v.String()+"/"+wv.String(), func(t *testing.T) {
					layer, app := ts.layer.Load(), ts.app.Load()
					f := ts.call(t, v, wv, tt.to)
					if tt.ok {
						require.Nil(t, f, "want success, got %v", f)
						assert.Equal(t, layer+1, ts.layer.Load())
						assert.Equal(t, app+1, ts.app.Load())
						return
					}
					require.NotNil(t, f, "want DestinationUnreachable")
					assert.Equal(t, CodeSender, f.Code)
					assert.Equal(t, xml.Name{Space: wv.Namespace(), Local: "DestinationUnreachable"}, f.Subcode())
					assert.Contains(t, f.Reason(), "cannot be processed at the receiver, due to an AddressFilter mismatch at the EndpointDispatcher.")
					assert.Contains(t, f.Reason(), "'"+tt.to+"'")
					assert.ErrorIs(t, ts.causes.last(), ErrDestinationUnreachable, "the To check must be what fired")
					assert.Equal(t, layer, ts.layer.Load(), "no layer may run")
					assert.Equal(t, app, ts.app.Load(), "the application must not run")
				})
			}
		}
	}
}

// TestToCheckAnonymous: the anonymous address, like an absent To, means the
// transport's destination.
func TestToCheckAnonymous(t *testing.T) {
	ts := newToServer(t, false)
	assert.Nil(t, ts.call(t, V12, WSA10, AnonymousWSA10))
	assert.Nil(t, ts.call(t, V11, WSA200408, AnonymousWSA200408))
	// Plain SOAP without addressing.
	assert.Nil(t, ts.call(t, V11, 0, "-"))
	assert.Nil(t, ts.call(t, V12, 0, "-"))
	assert.Equal(t, int32(4), ts.app.Load())
}

// TestToCheckOtherAddressingVersion: a message's addressing is read in the
// version of its first addressing header and the other version's headers
// are skipped; a To of the other version must name this endpoint too, or an
// unsigned header of one version put first would hide a signed To of the
// other (naming another endpoint) from the check.
func TestToCheckOtherAddressingVersion(t *testing.T) {
	ts := newToServer(t, false)
	header := func(wv AddressingVersion, local, text string) *etree.Element {
		h := etree.NewElement("o:" + local)
		h.CreateAttr("xmlns:o", wv.Namespace())
		h.SetText(text)
		return h
	}
	tests := []struct {
		name string
		// build returns the request's header blocks, in order.
		build func() []*etree.Element
		ok    bool
	}{
		{"other version's To first, naming another endpoint", func() []*etree.Element {
			return []*etree.Element{header(WSA10, "MessageID", "urn:uuid:1"), header(WSA200408, "To", "http://other.example/svc"),
				header(WSA200408, "Action", "urn:echo")}
		}, false},
		{"other version's To after, naming another endpoint", func() []*etree.Element {
			return []*etree.Element{header(WSA10, "To", ts.url), header(WSA10, "Action", "urn:echo"),
				header(WSA200408, "To", "http://other.example/svc")}
		}, false},
		{"other version's To naming this endpoint", func() []*etree.Element {
			return []*etree.Element{header(WSA10, "Action", "urn:echo"), header(WSA200408, "To", ts.url)}
		}, true},
		{"other version's anonymous To", func() []*etree.Element {
			return []*etree.Element{header(WSA10, "Action", "urn:echo"), header(WSA200408, "To", AnonymousWSA200408)}
		}, true},
		{"a To in another namespace is not addressing", func() []*etree.Element {
			h := etree.NewElement("x:To")
			h.CreateAttr("xmlns:x", "urn:x")
			h.SetText("http://other.example/svc")
			return []*etree.Element{header(WSA10, "Action", "urn:echo"), h}
		}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			app := ts.app.Load()
			m := NewMessageWithBody(V12, etree.NewElement("ping"))
			for _, h := range tt.build() {
				m.AddHeader(h)
			}
			require.NoError(t, m.ReadAddressing())
			m.SOAPAction = "urn:echo"
			_, err := NewHTTPClient(ts.url).Call(context.Background(), m)
			if tt.ok {
				require.NoError(t, err)
				assert.Equal(t, app+1, ts.app.Load())
				return
			}
			f, ok := AsFault(err)
			require.True(t, ok, "want a fault, got %v", err)
			assert.Equal(t, "DestinationUnreachable", f.Subcode().Local)
			assert.ErrorIs(t, ts.causes.last(), ErrDestinationUnreachable, "the To check must be what fired")
			assert.Equal(t, app, ts.app.Load(), "the application must not run")
		})
	}
}

// TestToCheckTLS: over TLS the endpoint's scheme is https.
func TestToCheckTLS(t *testing.T) {
	ts := newToServer(t, true)
	require.True(t, strings.HasPrefix(ts.url, "https://"))
	assert.Nil(t, ts.call(t, V12, WSA10, ts.url))
	f := ts.call(t, V12, WSA10, "http://"+strings.TrimPrefix(ts.url, "https://"))
	require.NotNil(t, f)
	assert.Equal(t, "DestinationUnreachable", f.Subcode().Local)
	assert.ErrorIs(t, ts.causes.last(), ErrDestinationUnreachable)
	assert.Equal(t, int32(1), ts.app.Load())
}

// TestToCheckEndpointAddress: behind a proxy that rewrites the address, the
// configured public addresses are what To must name, and they replace the
// address the request arrived at.
func TestToCheckEndpointAddress(t *testing.T) {
	ts := newToServer(t, false, WithEndpointAddress("https://public.example/api/svc", "https://alias.example:8443/svc"))
	for _, to := range []string{
		"https://public.example/api/svc",
		"https://PUBLIC.example:443/api/svc/",
		"https://alias.example:8443/svc",
	} {
		assert.Nil(t, ts.call(t, V12, WSA10, to), to)
	}
	for _, to := range []string{
		ts.url, // the internal address is not the public one
		"http://public.example/api/svc",
		"https://public.example/svc",
		"https://alias.example/svc",
		"https://evil.example/api/svc",
	} {
		f := ts.call(t, V12, WSA10, to)
		require.NotNil(t, f, to)
		assert.Equal(t, "DestinationUnreachable", f.Subcode().Local, to)
		assert.ErrorIs(t, ts.causes.last(), ErrDestinationUnreachable, to)
	}
	assert.Equal(t, int32(3), ts.app.Load())
}

// TestToCheckOff: WithToCheck(false) serves any To.
func TestToCheckOff(t *testing.T) {
	ts := newToServer(t, false, WithToCheck(false))
	assert.Nil(t, ts.call(t, V12, WSA10, "http://elsewhere.example/other"))
	assert.Nil(t, ts.call(t, V11, WSA200408, "urn:anything"))
	assert.Equal(t, int32(2), ts.app.Load())
	on := newToServer(t, false, WithToCheck(false), WithToCheck(true))
	assert.NotNil(t, on.call(t, V12, WSA10, "http://elsewhere.example/other"))
}

// TestToCheckStripPrefix: the endpoint's path is the one the client sent,
// even when a wrapping handler shortened r.URL.Path.
func TestToCheckStripPrefix(t *testing.T) {
	var app atomic.Int32
	mux := NewServeMux()
	mux.HandleFunc("urn:echo", func(ctx context.Context, req *Message) (*Message, error) {
		app.Add(1)
		return Reply(req, "urn:echoResponse", nil)
	})
	hmux := http.NewServeMux()
	hmux.Handle("/api/", http.StripPrefix("/api", NewHTTPHandler(mux, WithLogger(slog.New(slog.DiscardHandler)))))
	srv := httptest.NewServer(hmux)
	defer srv.Close()
	send := func(to string) error {
		m := NewMessageWithBody(V12, etree.NewElement("ping"))
		a, err := RequestAddressing(WSA10, "urn:echo", to, nil)
		require.NoError(t, err)
		m.SetAddressing(a)
		_, err = NewHTTPClient(srv.URL+"/api/svc").Call(context.Background(), m)
		return err
	}
	require.NoError(t, send(srv.URL+"/api/svc"))
	err := send(srv.URL + "/svc")
	f, ok := AsFault(err)
	require.True(t, ok, "%v", err)
	assert.Equal(t, "DestinationUnreachable", f.Subcode().Local)
	assert.Equal(t, int32(1), app.Load())
}

// TestToCheckLongTo: the fault and the log repeat at most 512 bytes of the
// received To.
func TestToCheckLongTo(t *testing.T) {
	ts := newToServer(t, false)
	to := ts.srv.URL + "/" + strings.Repeat("é", 100<<10)
	f := ts.call(t, V12, WSA10, to)
	require.NotNil(t, f)
	assert.Less(t, len(f.Reason()), 1024)
	assert.Less(t, len(ts.causes.last().Error()), 2048)
	assert.True(t, strings.Contains(f.Reason(), "..."))
}

func TestWithEndpointAddressInvalid(t *testing.T) {
	for _, addrs := range [][]string{nil, {"/svc"}, {"svc"}, {"http://[::1/svc"}, {"https://ok.example/", ""}} {
		assert.Panics(t, func() { NewHTTPHandler(NewServeMux(), WithEndpointAddress(addrs...)) }, "%q", addrs)
	}
	assert.NotPanics(t, func() { NewHTTPHandler(NewServeMux(), WithEndpointAddress("urn:example:svc")) })
}

// TestEndpointAddressMatch covers the comparison rules on their own.
func TestEndpointAddressMatch(t *testing.T) {
	tests := []struct {
		a, b string
		want bool
	}{
		{"http://h/svc", "http://h:80/svc", true},
		{"https://h/svc", "https://h:443/svc", true},
		{"http://h/svc", "http://h:443/svc", false},
		{"https://h/svc", "https://h:80/svc", false},
		{"http://h", "http://h/", true},
		{"http://h/a/b/", "http://h/a/b", true},
		{"http://h/a//b", "http://h/a/b", true},
		{"http://h/a%20b", "http://h/a b", true},
		{"http://h/a%2Fb", "http://h/a/b", true},
		{"http://h/a/./b", "http://h/a/b", true},
		{"http://h/a/../../b", "http://h/b", true},
		{"HtTp://H.Example/svc", "http://h.example/svc", true},
		{"http://[::1]:8080/svc", "http://[::1]:8080/svc", true},
		{"http://[::1]:8080/svc", "http://[::2]:8080/svc", false},
		{"http://h/svc", "http://h/Svc", false},
		{"http://h/svc", "ftp://h/svc", false},
		{"urn:a:b", "urn:a:b", true},
		{"urn:a:b", "urn:a:c", false},
		{"urn:a:b", "http://h/urn:a:b", false},
	}
	for _, tt := range tests {
		a, err := parseEndpointAddress(tt.a)
		require.NoError(t, err, tt.a)
		b, err := parseEndpointAddress(tt.b)
		require.NoError(t, err, tt.b)
		assert.Equal(t, tt.want, a.matches(b), "%s vs %s", tt.a, tt.b)
		assert.Equal(t, tt.want, b.matches(a), "%s vs %s", tt.b, tt.a)
	}
}

// TestDestinationUnreachableFault: WCF's fault, in each addressing version.
func TestDestinationUnreachableFault(t *testing.T) {
	cause := errors.New("x")
	f := DestinationUnreachableFault(WSA200408, "http://a/b", cause)
	assert.Equal(t, CodeSender, f.Code)
	assert.Equal(t, xml.Name{Space: NSWSA200408, Local: "DestinationUnreachable"}, f.Subcode())
	assert.Equal(t, "The message with To 'http://a/b' cannot be processed at the receiver, due to an AddressFilter mismatch at the EndpointDispatcher.  Check that the sender and receiver's EndpointAddresses agree.", f.Reason())
	assert.ErrorIs(t, f, cause)
	assert.Equal(t, NSWSA10, DestinationUnreachableFault(0, "x", nil).Subcode().Space)
}

// TestToCheckAfterLayers: a To that appears only after a layer ran (as a
// decrypted EncryptedHeader does) is checked by ServeMux before dispatch.
func TestToCheckAfterLayers(t *testing.T) {
	for _, tt := range []struct {
		name  string
		later func(url string) string // the To the layer reveals
		ok    bool
	}{
		{"revealed To names another endpoint", func(string) string { return "http://other.example/svc" }, false},
		{"revealed To names this endpoint", func(url string) string { return url }, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var app atomic.Int32
			var url atomic.Value
			mux := NewServeMux()
			mux.HandleFunc("urn:echo", func(ctx context.Context, req *Message) (*Message, error) {
				app.Add(1)
				return Reply(req, "urn:echoResponse", nil)
			})
			decrypting := ServerLayer(func(next Handler) Handler {
				return HandlerFunc(func(ctx context.Context, req *Message) (*Message, error) {
					to := etree.NewElement("a:To")
					to.CreateAttr("xmlns:a", NSWSA10)
					to.SetText(tt.later(url.Load().(string)))
					req.AddHeader(to)
					if err := req.ReadAddressing(); err != nil {
						return nil, err
					}
					return next.ServeSOAP(ctx, req)
				})
			})
			rec := &causeRecorder{}
			srv := httptest.NewServer(NewHTTPHandler(ChainHandler(mux, decrypting), WithLogger(slog.New(rec))))
			defer srv.Close()
			url.Store(srv.URL)
			m := NewMessageWithBody(V12, etree.NewElement("ping"))
			a, err := RequestAddressing(WSA10, "urn:echo", "", nil)
			require.NoError(t, err)
			m.SetAddressing(a)
			_, err = NewHTTPClient(srv.URL).Call(context.Background(), m)
			if tt.ok {
				require.NoError(t, err)
				assert.Equal(t, int32(1), app.Load())
				return
			}
			f, ok := AsFault(err)
			require.True(t, ok, "%v", err)
			assert.Equal(t, "DestinationUnreachable", f.Subcode().Local)
			assert.ErrorIs(t, rec.last(), ErrDestinationUnreachable)
			assert.Zero(t, app.Load())
		})
	}
	// Without an HTTPHandler in the context CheckTo has nothing to check.
	m := request(t, V12, WSA10, "urn:echo")
	assert.NoError(t, CheckTo(context.Background(), m))
}
