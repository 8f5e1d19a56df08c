package soap

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/beevik/etree"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type testService struct {
	calls atomic.Int32
}

func (s *testService) mux() *ServeMux {
	mux := NewServeMux()
	mux.HandleFunc("urn:echo", func(ctx context.Context, req *Message) (*Message, error) {
		s.calls.Add(1)
		return Reply(req, "urn:echoResponse", req.Payload().Copy())
	})
	mux.HandleFunc("urn:fail", func(ctx context.Context, req *Message) (*Message, error) {
		s.calls.Add(1)
		return nil, SenderFault("declared failure")
	})
	mux.HandleFunc("urn:oneway", func(ctx context.Context, req *Message) (*Message, error) {
		s.calls.Add(1)
		return nil, nil
	})
	mux.HandleFunc("urn:internal", func(ctx context.Context, req *Message) (*Message, error) {
		s.calls.Add(1)
		return nil, errors.New("database password=hunter2 rejected")
	})
	mux.HandleFunc("urn:panic", func(ctx context.Context, req *Message) (*Message, error) {
		s.calls.Add(1)
		panic("boom")
	})
	mux.HandleFunc("urn:slow", func(ctx context.Context, req *Message) (*Message, error) {
		s.calls.Add(1)
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(5 * time.Second):
			return nil, nil
		}
	})
	return mux
}

func newTestServer(t *testing.T, opts ...HTTPOption) (*httptest.Server, *testService) {
	t.Helper()
	svc := &testService{}
	srv := httptest.NewServer(NewHTTPHandler(svc.mux(), opts...))
	t.Cleanup(srv.Close)
	return srv, svc
}

// newRequest builds a request addressed (wsa:To) to url.
func newRequest(t *testing.T, url string, v Version, wv AddressingVersion, action string, text string) *Message {
	t.Helper()
	p := etree.NewElement("t:echo")
	p.CreateAttr("xmlns:t", "urn:t")
	p.CreateElement("t:request").SetText(text)
	m := NewMessageWithBody(v, p)
	a, err := RequestAddressing(wv, action, url, nil)
	require.NoError(t, err)
	m.SetAddressing(a)
	return m
}

func TestHTTPRoundTrip(t *testing.T) {
	for _, gz := range []bool{false, true} {
		srv, _ := newTestServer(t, WithGzip(gz))
		cli := NewHTTPClient(srv.URL, WithGzip(gz))
		for _, v := range []Version{V11, V12} {
			for _, wv := range []AddressingVersion{WSA10, WSA200408} {
				name := v.String() + "/" + wv.String()
				if gz {
					name += "/gzip"
				}
				t.Run(name, func(t *testing.T) {
					text := strings.Repeat("x", 5000)
					req := newRequest(t, srv.URL, v, wv, "urn:echo", text)
					resp, err := cli.Call(context.Background(), req)
					require.NoError(t, err)
					require.NotNil(t, resp)
					assert.Equal(t, v, resp.Version)
					assert.Equal(t, "urn:echoResponse", resp.Addressing.Action)
					assert.Equal(t, req.Addressing.MessageID, resp.Addressing.RelatesTo[0].ID)
					assert.Equal(t, text, resp.Payload().SelectElement("t:request").Text())

					resp, err = cli.Call(context.Background(), newRequest(t, srv.URL, v, wv, "urn:oneway", "n"))
					require.NoError(t, err)
					assert.Nil(t, resp)

					resp, err = cli.Call(context.Background(), newRequest(t, srv.URL, v, wv, "urn:fail", "n"))
					f, ok := AsFault(err)
					require.True(t, ok, "want fault, got %v", err)
					assert.Equal(t, CodeSender, f.Code)
					assert.Equal(t, "declared failure", f.Reason())
					require.NotNil(t, resp, "the fault message is returned for layers above")
					assert.Equal(t, wv.FaultAction(), resp.Addressing.Action)
				})
			}
		}
	}
}

func TestHTTPInternalErrorsAreOpaque(t *testing.T) {
	srv, _ := newTestServer(t)
	cli := NewHTTPClient(srv.URL)
	for _, action := range []string{"urn:internal", "urn:panic"} {
		_, err := cli.Call(context.Background(), newRequest(t, srv.URL, V12, WSA10, action, "x"))
		f, ok := AsFault(err)
		require.True(t, ok)
		assert.Equal(t, CodeReceiver, f.Code)
		assert.Equal(t, internalErrorReason, f.Reason())
		assert.NotContains(t, f.Error(), "hunter2")
	}
}

func TestHTTPContextDeadline(t *testing.T) {
	srv, _ := newTestServer(t)
	cli := NewHTTPClient(srv.URL)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := cli.Call(ctx, newRequest(t, srv.URL, V12, WSA10, "urn:slow", "x"))
	require.Error(t, err)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Less(t, time.Since(start), 4*time.Second)
}

func post(t *testing.T, url, method, contentType string, body []byte, hdr map[string]string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	require.NoError(t, err)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

func TestHTTPServerRejects(t *testing.T) {
	srv, svc := newTestServer(t)
	body, err := newRequest(t, srv.URL, V12, WSA10, "urn:echo", "x").Bytes()
	require.NoError(t, err)
	assert.Equal(t, http.StatusMethodNotAllowed, post(t, srv.URL, http.MethodGet, "", nil, nil).StatusCode)
	assert.Equal(t, http.StatusUnsupportedMediaType, post(t, srv.URL, http.MethodPost, "application/json", body, nil).StatusCode)
	assert.Equal(t, http.StatusUnsupportedMediaType, post(t, srv.URL, http.MethodPost, ContentType12, body, map[string]string{"Content-Encoding": "br"}).StatusCode)
	// A SOAP 1.2 envelope sent as SOAP 1.1 is a VersionMismatch.
	resp := post(t, srv.URL, http.MethodPost, ContentType11, body, nil)
	assert.Equal(t, http.StatusInternalServerError, resp.StatusCode)
	m, err := ReadMessage(resp.Body, Limits{})
	require.NoError(t, err)
	f, err := m.Fault()
	require.NoError(t, err)
	assert.Equal(t, CodeVersionMismatch, f.Code)
	assert.Zero(t, svc.calls.Load())
}

// TestHTTPAttackCasesNeverReachHandler posts every strict-input attack and
// checks the Sender fault on the wire and that no handler ran.
func TestHTTPAttackCasesNeverReachHandler(t *testing.T) {
	for _, tt := range attackCases() {
		t.Run(tt.name, func(t *testing.T) {
			srv, svc := newTestServer(t, WithLimits(tt.lim))
			resp := post(t, srv.URL, http.MethodPost, ContentType12+`; action="urn:echo"`, []byte(tt.input), nil)
			assert.Equal(t, http.StatusInternalServerError, resp.StatusCode)
			m, err := ReadMessage(resp.Body, Limits{})
			require.NoError(t, err)
			f, err := m.Fault()
			require.NoError(t, err)
			require.NotNil(t, f)
			assert.Equal(t, CodeSender, f.Code)
			assert.Zero(t, svc.calls.Load(), "handler must not run")
		})
	}
}

func TestHTTPGzipBomb(t *testing.T) {
	srv, svc := newTestServer(t, WithGzip(true), WithLimits(Limits{MaxBytes: 64 << 10}))
	var zb bytes.Buffer
	zw := gzip.NewWriter(&zb)
	_, _ = io.WriteString(zw, env12Open+"<x>")
	_, _ = zw.Write(bytes.Repeat([]byte("A"), 10<<20))
	_, _ = io.WriteString(zw, "</x>"+env12Close)
	require.NoError(t, zw.Close())
	require.Less(t, zb.Len(), 64<<10)
	resp := post(t, srv.URL, http.MethodPost, ContentType12, zb.Bytes(), map[string]string{"Content-Encoding": "gzip"})
	assert.Equal(t, http.StatusInternalServerError, resp.StatusCode)
	m, err := ReadMessage(resp.Body, Limits{})
	require.NoError(t, err)
	f, _ := m.Fault()
	require.NotNil(t, f)
	assert.Contains(t, f.Reason(), "larger than the configured limit")
	assert.Zero(t, svc.calls.Load())
}

func TestHTTPClientNonSOAPResponse(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "no such endpoint", http.StatusNotFound)
	}))
	defer srv.Close()
	_, err := NewHTTPClient(srv.URL).Call(context.Background(), newRequest(t, srv.URL, V11, WSA10, "urn:echo", "x"))
	var he *HTTPError
	require.ErrorAs(t, err, &he)
	assert.Equal(t, http.StatusNotFound, he.StatusCode)
	assert.Contains(t, he.Body, "no such endpoint")
}

func TestHTTPClientSendsSOAPAction(t *testing.T) {
	var got http.Header
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.Header.Clone()
		w.WriteHeader(http.StatusAccepted)
	}))
	defer srv.Close()
	_, err := NewHTTPClient(srv.URL).Call(context.Background(), newRequest(t, srv.URL, V11, WSA10, "urn:a", "x"))
	require.NoError(t, err)
	assert.Equal(t, `"urn:a"`, got.Get("SOAPAction"))
	assert.True(t, strings.HasPrefix(got.Get("Content-Type"), "text/xml"))
	_, err = NewHTTPClient(srv.URL).Call(context.Background(), newRequest(t, srv.URL, V12, WSA10, "urn:b", "x"))
	require.NoError(t, err)
	v, action, ok := VersionFromContentType(got.Get("Content-Type"))
	assert.True(t, ok)
	assert.Equal(t, V12, v)
	assert.Equal(t, "urn:b", action)
}
