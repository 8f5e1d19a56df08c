package lossy

import (
	"bytes"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/soapstack/soapstack/internal/leakcheck"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func quiet() *slog.Logger { return slog.New(slog.DiscardHandler) }

// backend is a target that echoes the request body and counts the hits.
type backend struct {
	*httptest.Server
	hits  atomic.Int64
	mu    sync.Mutex
	paths []string
	hosts []string
	order []string
}

func newBackend(t *testing.T) *backend {
	b := &backend{}
	b.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		b.hits.Add(1)
		b.mu.Lock()
		b.paths = append(b.paths, r.URL.Path)
		b.hosts = append(b.hosts, r.Host)
		b.order = append(b.order, string(body))
		b.mu.Unlock()
		w.Header().Set("Content-Type", r.Header.Get("Content-Type"))
		w.Header().Set("X-Backend", "yes")
		_, _ = w.Write(body)
	}))
	t.Cleanup(b.Close)
	return b
}

// startProxy serves a Proxy on loopback; the cleanup closes both.
func startProxy(t *testing.T, cfg Config) (*Proxy, *httptest.Server) {
	t.Helper()
	cfg.Logger = quiet()
	p, err := New(cfg)
	require.NoError(t, err)
	srv := httptest.NewServer(p)
	t.Cleanup(func() {
		srv.Close()
		require.NoError(t, p.Close())
	})
	return p, srv
}

// post sends body through the proxy on a client of its own.
func post(c *http.Client, url, body string) (string, error) {
	resp, err := c.Post(url, "text/xml", strings.NewReader(body))
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return string(b), fmt.Errorf("status %d", resp.StatusCode)
	}
	return string(b), err
}

// checkNoLeak fails t when goroutines it started outlive it.
func checkNoLeak(t *testing.T) {
	t.Cleanup(leakcheck.Goroutines(t, 5*time.Second))
}

func TestNewRefusesBadConfig(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
	}{
		{"no target", Config{}},
		{"relative target", Config{Target: "/svc"}},
		{"ftp target", Config{Target: "ftp://host/x"}},
		{"drop above 1", Config{Target: "http://h/", DropRequest: 1.5}},
		{"negative response drop", Config{Target: "http://h/", DropResponse: -0.1}},
		{"NaN duplicate", Config{Target: "http://h/", Duplicate: math.NaN()}},
		{"reorder above 1", Config{Target: "http://h/", Reorder: 2}},
		{"negative delay", Config{Target: "http://h/", Delay: -time.Second}},
		{"negative max delay", Config{Target: "http://h/", MaxDelay: -time.Second}},
		{"negative in-flight", Config{Target: "http://h/", MaxInFlight: -1}},
		{"negative body size", Config{Target: "http://h/", MaxBodySize: -1}},
		{"script: lost request duplicated", Config{Target: "http://h/", Script: []Decision{{DropRequest: true, Duplicate: true}}}},
		{"script: negative hold", Config{Target: "http://h/", Script: []Decision{{Reorder: true, Hold: -1}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.cfg)
			require.ErrorIs(t, err, ErrConfig)
		})
	}
}

func TestDecisionRates(t *testing.T) {
	const n = 20000
	tests := []struct {
		name                            string
		dropReq, dropResp, dup, reorder float64
		maxDelay                        time.Duration
	}{
		{"none", 0, 0, 0, 0, 0},
		{"issue 9 profile", 0.1, 0.1, 0.05, 0.1, 20 * time.Millisecond},
		{"heavy", 0.3, 0.2, 0.5, 0.5, time.Second},
		{"all", 1, 1, 1, 1, time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := New(Config{Target: "http://h/", DropRequest: tt.dropReq, DropResponse: tt.dropResp,
				Duplicate: tt.dup, Reorder: tt.reorder, MaxDelay: tt.maxDelay, Seed: 42})
			require.NoError(t, err)
			var dropReq, dropResp, dup, reorder int
			for i := range n {
				d := p.decide()
				require.Equal(t, uint64(i+1), d.N)
				if d.DropRequest {
					dropReq++
					require.False(t, d.DropResponse || d.Duplicate || d.Reorder, "a lost request has no other fate: %v", d)
					continue
				}
				if d.DropResponse {
					dropResp++
				}
				if d.Duplicate {
					dup++
					require.True(t, d.DuplicateLag > 0 && d.DuplicateLag <= p.cfg.MaxDelay, "lag %v", d.DuplicateLag)
				}
				if d.Reorder {
					reorder++
					require.True(t, d.Hold > 0 && d.Hold <= p.cfg.MaxDelay, "hold %v", d.Hold)
				}
			}
			// The other fates are drawn for requests that were not lost.
			kept := 1 - tt.dropReq
			within(t, "dropped requests", dropReq, n, tt.dropReq)
			within(t, "dropped responses", dropResp, n, tt.dropResp*kept)
			within(t, "duplicates", dup, n, tt.dup*kept)
			within(t, "reordered", reorder, n, tt.reorder*kept)
		})
	}
}

// within checks that count of n is within five standard deviations of
// the binomial mean n*p.
func within(t *testing.T, what string, count, n int, p float64) {
	t.Helper()
	mean := float64(n) * p
	sd := math.Sqrt(float64(n) * p * (1 - p))
	assert.InDelta(t, mean, float64(count), 5*sd+0.5, "%s: %d of %d, expected about %.0f", what, count, n, mean)
}

func TestSameSeedSameDecisions(t *testing.T) {
	b := newBackend(t)
	run := func(seed uint64) ([]Decision, Stats) {
		var got []Decision
		p, srv := startProxy(t, Config{Target: b.URL, DropRequest: 0.2, DropResponse: 0.2, Duplicate: 0.2,
			Reorder: 0.2, MaxDelay: 2 * time.Millisecond, Seed: seed, OnDecision: func(d Decision) { got = append(got, d) }})
		c := &http.Client{Transport: &http.Transport{}}
		defer c.CloseIdleConnections()
		for i := range 100 {
			_, _ = post(c, srv.URL, fmt.Sprint(i))
		}
		srv.Close()
		require.NoError(t, p.Close())
		return got, p.Stats()
	}
	first, s1 := run(7)
	second, s2 := run(7)
	other, _ := run(8)
	require.Len(t, first, 100)
	assert.Equal(t, first, second, "same seed, same decisions")
	assert.Equal(t, s1, s2, "same seed, same counts")
	assert.NotEqual(t, first, other, "another seed, other decisions")
	assert.Positive(t, s1.DroppedRequests)
	assert.Positive(t, s1.DroppedResponses)
	assert.Positive(t, s1.Duplicated)
	assert.Positive(t, s1.Reordered)
	assert.Equal(t, uint64(100), s1.Requests)

	// The traffic met exactly the sequence decide draws.
	twin, err := New(Config{Target: b.URL, DropRequest: 0.2, DropResponse: 0.2, Duplicate: 0.2,
		Reorder: 0.2, MaxDelay: 2 * time.Millisecond, Seed: 7})
	require.NoError(t, err)
	for _, d := range first {
		d.Action = ""
		require.Equal(t, d, twin.decide())
	}
}

func TestFates(t *testing.T) {
	tests := []struct {
		name     string
		cfg      Config
		wantErr  bool
		wantHits int64
		want     Stats
	}{
		{"forward", Config{}, false, 1, Stats{Requests: 1}},
		{"drop request", Config{DropRequest: 1}, true, 0, Stats{Requests: 1, DroppedRequests: 1}},
		{"drop response", Config{DropResponse: 1}, true, 1, Stats{Requests: 1, DroppedResponses: 1}},
		{"duplicate", Config{Duplicate: 1, MaxDelay: time.Millisecond}, false, 2, Stats{Requests: 1, Duplicated: 1}},
		{"reorder", Config{Reorder: 1, MaxDelay: time.Millisecond}, false, 1, Stats{Requests: 1, Reordered: 1}},
		{"delay", Config{Delay: 5 * time.Millisecond}, false, 1, Stats{Requests: 1}},
		{"pass", Config{DropRequest: 1, Pass: func(*http.Request) bool { return true }}, false, 1, Stats{Requests: 1, Passed: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkNoLeak(t)
			b := newBackend(t)
			cfg := tt.cfg
			cfg.Target = b.URL
			p, err := New(cfg)
			require.NoError(t, err)
			srv := httptest.NewServer(p)
			c := &http.Client{Transport: &http.Transport{}}
			start := time.Now()
			got, err := post(c, srv.URL+"/svc", "<ping/>")
			elapsed := time.Since(start)
			// Close abandons a duplicate not yet sent: wait for it.
			require.Eventually(t, func() bool { return b.hits.Load() >= tt.wantHits }, 5*time.Second, time.Millisecond)
			c.CloseIdleConnections()
			srv.Close()
			require.NoError(t, p.Close())
			if tt.wantErr {
				require.Error(t, err)
			} else {
				require.NoError(t, err)
				assert.Equal(t, "<ping/>", got)
			}
			assert.GreaterOrEqual(t, elapsed, cfg.Delay)
			assert.Equal(t, tt.wantHits, b.hits.Load())
			assert.Equal(t, tt.want, p.Stats())
		})
	}
}

func TestReorderedRequestIsOvertaken(t *testing.T) {
	b := newBackend(t)
	// Find a seed whose first request is held long enough.
	cfg := Config{Target: b.URL, Reorder: 1, MaxDelay: 300 * time.Millisecond}
	for cfg.Seed = 1; ; cfg.Seed++ {
		twin, err := New(cfg)
		require.NoError(t, err)
		if twin.decide().Hold > 150*time.Millisecond {
			break
		}
	}
	// The second request is exempted, so it is not held.
	cfg.Pass = func(r *http.Request) bool { return r.URL.Path == "/late" }
	p, srv := startProxy(t, cfg)
	c := &http.Client{Transport: &http.Transport{}}
	defer c.CloseIdleConnections()
	var wg sync.WaitGroup
	wg.Go(func() {
		_, err := post(c, srv.URL+"/early", "first")
		assert.NoError(t, err)
	})
	require.Eventually(t, func() bool { return p.Stats().Reordered == 1 }, 5*time.Second, time.Millisecond)
	_, err := post(c, srv.URL+"/late", "second")
	require.NoError(t, err)
	wg.Wait()
	b.mu.Lock()
	defer b.mu.Unlock()
	assert.Equal(t, []string{"second", "first"}, b.order)
}

func TestTransparent(t *testing.T) {
	b := newBackend(t)
	for _, tt := range []struct{ target, path, want string }{
		{b.URL, "/soap12", "/soap12"},
		{b.URL + "/", "/soap12", "/soap12"},
		{b.URL + "/base", "/soap12", "/base/soap12"},
		{b.URL + "/base/", "/", "/base/"},
	} {
		_, srv := startProxy(t, Config{Target: tt.target})
		req, err := http.NewRequest(http.MethodPost, srv.URL+tt.path, strings.NewReader("x"))
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/soap+xml; action=\"urn:a\"")
		req.Header.Set("Connection", "close, X-Hop")
		req.Header.Set("X-Hop", "gone")
		resp, err := http.DefaultTransport.RoundTrip(req)
		require.NoError(t, err)
		resp.Body.Close()
		assert.Equal(t, http.StatusOK, resp.StatusCode)
		assert.Equal(t, "yes", resp.Header.Get("X-Backend"))
		assert.Equal(t, "application/soap+xml; action=\"urn:a\"", resp.Header.Get("Content-Type"))
		b.mu.Lock()
		assert.Equal(t, tt.want, b.paths[len(b.paths)-1])
		assert.Equal(t, strings.TrimPrefix(srv.URL, "http://"), b.hosts[len(b.hosts)-1], "the Host header is kept")
		b.mu.Unlock()
	}
}

func TestLimits(t *testing.T) {
	t.Run("request body", func(t *testing.T) {
		b := newBackend(t)
		p, srv := startProxy(t, Config{Target: b.URL, MaxBodySize: 10})
		_, err := post(http.DefaultClient, srv.URL, strings.Repeat("x", 11))
		require.EqualError(t, err, "status 413")
		_, err = post(http.DefaultClient, srv.URL, strings.Repeat("x", 10))
		require.NoError(t, err)
		assert.Equal(t, int64(1), b.hits.Load())
		assert.Equal(t, uint64(1), p.Stats().Rejected)
	})
	t.Run("response body", func(t *testing.T) {
		big := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, _ = w.Write(bytes.Repeat([]byte("y"), 100))
		}))
		defer big.Close()
		p, srv := startProxy(t, Config{Target: big.URL, MaxBodySize: 50})
		_, err := post(http.DefaultClient, srv.URL, "x")
		require.EqualError(t, err, "status 502")
		assert.Equal(t, uint64(1), p.Stats().Failed)
	})
	t.Run("in flight", func(t *testing.T) {
		release := make(chan struct{})
		entered := make(chan struct{}, 1)
		slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			entered <- struct{}{}
			<-release
		}))
		defer slow.Close()
		p, srv := startProxy(t, Config{Target: slow.URL, MaxInFlight: 1})
		var wg sync.WaitGroup
		wg.Go(func() {
			_, err := post(http.DefaultClient, srv.URL, "first")
			assert.NoError(t, err)
		})
		<-entered
		_, err := post(http.DefaultClient, srv.URL, "second")
		require.EqualError(t, err, "status 503")
		close(release)
		wg.Wait()
		assert.Equal(t, uint64(1), p.Stats().Rejected)
	})
	t.Run("target down", func(t *testing.T) {
		down := httptest.NewServer(http.NotFoundHandler())
		down.Close()
		p, srv := startProxy(t, Config{Target: down.URL})
		_, err := post(http.DefaultClient, srv.URL, "x")
		require.EqualError(t, err, "status 502")
		assert.Equal(t, uint64(1), p.Stats().Failed)
	})
}

func TestCloseAbandonsHeldRequests(t *testing.T) {
	checkNoLeak(t)
	b := newBackend(t)
	p, err := New(Config{Target: b.URL, Delay: time.Hour})
	require.NoError(t, err)
	srv := httptest.NewServer(p)
	c := &http.Client{Transport: &http.Transport{}}
	done := make(chan error, 1)
	go func() {
		_, err := post(c, srv.URL, "held")
		done <- err
	}()
	require.Eventually(t, func() bool { return p.Stats().Requests == 1 }, 5*time.Second, time.Millisecond)
	require.NoError(t, p.Close())
	select {
	case err := <-done:
		require.Error(t, err, "the held request's connection is closed")
	case <-time.After(5 * time.Second):
		t.Fatal("a held request outlived Close")
	}
	_, err = post(c, srv.URL, "after")
	require.EqualError(t, err, "status 503")
	c.CloseIdleConnections()
	srv.Close()
	assert.Zero(t, b.hits.Load())
}

func TestDecisionString(t *testing.T) {
	tests := []struct {
		d    Decision
		want string
	}{
		{Decision{N: 1}, "#1 forward"},
		{Decision{N: 2, DropRequest: true}, "#2 drop request"},
		{Decision{N: 3, Reorder: true, Hold: 12 * time.Millisecond, Duplicate: true, DuplicateLag: 3 * time.Millisecond, DropResponse: true},
			"#3 hold 12ms, duplicate after 3ms, drop response"},
		{Decision{N: 4, DropRequest: true, Action: "http://schemas.xmlsoap.org/ws/2005/02/rm/CreateSequence"}, "#4 drop request (CreateSequence)"},
		{Decision{N: 5, Action: "urn:probe:echo"}, "#5 forward (echo)"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, tt.d.String())
	}
	assert.Contains(t, Stats{Requests: 5, DroppedRequests: 1}.String(), "requests 5 (passed 0), dropped 1 requests")
}

func TestAbortWithoutHijack(t *testing.T) {
	// HTTP/2 has no hijacking: the stream is reset instead.
	assert.PanicsWithError(t, http.ErrAbortHandler.Error(), func() { abort(httptest.NewRecorder()) })
}

func TestPassActions(t *testing.T) {
	pass := PassActions("http://schemas.xmlsoap.org/ws/2005/02/trust", "urn:spare")
	tests := []struct {
		name        string
		contentType string
		soapAction  string
		want        bool
	}{
		{"SOAP 1.2 handshake", `application/soap+xml; charset=utf-8; action="http://schemas.xmlsoap.org/ws/2005/02/trust/RST/SCT"`, "", true},
		{"SOAP 1.1 handshake", "text/xml; charset=utf-8", `"http://schemas.xmlsoap.org/ws/2005/02/trust/RST/SCT"`, true},
		{"SOAP 1.2 other", `application/soap+xml; action="urn:app"`, "", false},
		{"SOAP 1.1 other prefix", "text/xml", `"urn:spare:x"`, true},
		{"no action", "application/soap+xml", "", false},
		{"not SOAP", "text/plain", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodPost, "/", nil)
			r.Header.Set("Content-Type", tt.contentType)
			if tt.soapAction != "" {
				r.Header.Set("SOAPAction", tt.soapAction)
			}
			assert.Equal(t, tt.want, pass(r))
		})
	}
}

func TestDuplicateFollowsTheAnswer(t *testing.T) {
	var mu sync.Mutex
	var events []string
	var hits atomic.Int64
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := hits.Add(1)
		mu.Lock()
		events = append(events, fmt.Sprint("start ", n))
		mu.Unlock()
		if n == 1 {
			time.Sleep(30 * time.Millisecond) // the original is slow to answer
		}
		mu.Lock()
		events = append(events, fmt.Sprint("end ", n))
		mu.Unlock()
	}))
	defer slow.Close()
	_, srv := startProxy(t, Config{Target: slow.URL, Duplicate: 1, MaxDelay: time.Microsecond})
	_, err := post(http.DefaultClient, srv.URL, "x")
	require.NoError(t, err)
	require.Eventually(t, func() bool { return hits.Load() == 2 }, 5*time.Second, time.Millisecond)
	require.Eventually(t, func() bool { mu.Lock(); defer mu.Unlock(); return len(events) == 4 }, 5*time.Second, time.Millisecond)
	mu.Lock()
	defer mu.Unlock()
	assert.Equal(t, []string{"start 1", "end 1", "start 2", "end 2"}, events, "the copy is sent after the original was answered")
}

func TestScript(t *testing.T) {
	b := newBackend(t)
	var mu sync.Mutex
	var got []Decision
	script := []Decision{{DropRequest: true}, {DropResponse: true}, {}, {Reorder: true, Hold: time.Millisecond}}
	p, srv := startProxy(t, Config{Target: b.URL, Script: script, DropRequest: 0.5, Seed: 3,
		OnDecision: func(d Decision) { mu.Lock(); got = append(got, d); mu.Unlock() }})
	c := &http.Client{Transport: &http.Transport{}}
	defer c.CloseIdleConnections()
	var errs []bool
	for i := range 10 {
		_, err := post(c, srv.URL, fmt.Sprint(i))
		errs = append(errs, err != nil)
	}
	assert.Equal(t, []bool{true, true, false, false}, errs[:4], "the scripted fates")
	mu.Lock()
	defer mu.Unlock()
	for i, d := range script {
		d.N = uint64(i + 1)
		assert.Equal(t, d, got[i])
	}
	// After the script, the random source decides as if from the start.
	twin, err := New(Config{Target: b.URL, DropRequest: 0.5, Seed: 3})
	require.NoError(t, err)
	for _, d := range got[len(script):] {
		want := twin.decide()
		want.N += uint64(len(script))
		d.Action = ""
		assert.Equal(t, want, d)
	}
	assert.Equal(t, uint64(1), p.Stats().Reordered, "the scripted hold; the random source holds none")
}

func TestOnlyActions(t *testing.T) {
	only := OnlyActions("urn:lose")
	r := httptest.NewRequest(http.MethodPost, "/", nil)
	r.Header.Set("Content-Type", `application/soap+xml; action="urn:lose:this"`)
	assert.False(t, only(r), "the link acts on the named action")
	r.Header.Set("Content-Type", `application/soap+xml; action="urn:keep"`)
	assert.True(t, only(r), "every other request is exempted")
}
