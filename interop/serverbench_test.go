package interop

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/soapstack/soapstack/secureconv"
	"github.com/soapstack/soapstack/soap"
)

// BenchmarkXDCServer measures the service's whole path for one request of
// an established XDC session (cookie token, derived keys, sign and encrypt
// both ways), in process: the request bytes → parse → secureconv and
// wssecurity verification and decryption → the echo → securing the reply
// → the reply's bytes. No socket and no client work is measured.
//
// The requests are made beforehand by our client (secureconv.NewClient,
// the XDC scenario of the catalogue) against a twin service holding the
// same cookie key ring, one distinct request per iteration: the measured
// service has a replay cache of its own and sees every request once, as in
// production. Run it with a fixed count, e.g. -benchtime=2000x, since each
// iteration's request is made before the timer starts.
func BenchmarkXDCServer(b *testing.B) {
	pki, err := LoadPKI("pki")
	if err != nil {
		b.Fatal(err)
	}
	for _, version := range []string{VersionSC200502, VersionSC13} {
		for _, size := range []int{2 << 10, 50 << 10} {
			b.Run(fmt.Sprintf("%s/%dKiB", version, size>>10), func(b *testing.B) {
				benchXDCServer(b, pki, version, size)
			})
		}
	}
}

func xdcHandler(b *testing.B, pki *PKI, sc SCScenario) http.Handler {
	b.Helper()
	ring, err := secureconv.NewKeyRing(secureconv.RingKey{ID: 1, Secret: interopCookieSecret()})
	if err != nil {
		b.Fatal(err)
	}
	layer, err := secureconv.ServerLayer(secureconv.ServerConfig{Version: sc.SC, Bootstrap: sc.Bootstrap, Policy: sc.Policy,
		Security: pki.ServiceConfig(), CancelWithBootstrap: true, CancelSignedOnly: true, Cookies: ring})
	if err != nil {
		b.Fatal(err)
	}
	return soap.NewHTTPHandler(soap.ChainHandler((&PingService{}).Handler(), layer))
}

// recordingTransport keeps the body of every request it sends.
type recordingTransport struct {
	mu     sync.Mutex
	bodies [][]byte
	ctype  string
}

func (t *recordingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, err
	}
	t.mu.Lock()
	t.bodies = append(t.bodies, body)
	t.ctype = r.Header.Get("Content-Type")
	t.mu.Unlock()
	r.Body = io.NopCloser(bytes.NewReader(body))
	return http.DefaultTransport.RoundTrip(r)
}

// processCPU returns the user and system time of this process so far.
func processCPU(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// discardWriter is a reusable http.ResponseWriter that keeps nothing but
// the status.
type discardWriter struct {
	h      http.Header
	status int
	n      int
}

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) WriteHeader(status int)      { w.status = status }
func (w *discardWriter) Write(p []byte) (int, error) { w.n += len(p); return len(p), nil }

func benchXDCServer(b *testing.B, pki *PKI, version string, size int) {
	sc, ok := scScenario(Case{Scenario: "XDC", Version: version})
	if !ok || !sc.Cookie {
		b.Fatal("no cookie XDC scenario at", version)
	}
	twin := httptest.NewServer(xdcHandler(b, pki, sc))
	defer twin.Close()
	url := twin.URL + sc.Path()
	rec := &recordingTransport{}
	c, err := secureconv.NewClient(soap.NewHTTPClient(url, soap.WithHTTPClient(&http.Client{Transport: rec})), secureconv.ClientConfig{
		Version: sc.SC, Bootstrap: sc.Bootstrap, Policy: sc.Policy, Security: pki.ClientConfig(), Addressing: sc.Addressing, To: url})
	if err != nil {
		b.Fatal(err)
	}
	if err := c.Open(context.Background()); err != nil {
		b.Fatal(err)
	}
	cli := &PingClient{Invoker: c, Version: soap.V12, Addressing: sc.Addressing, To: url}
	text := LargeText(size)
	rec.bodies = nil
	const extra = 20 // served after the measured loop, to count allocations
	for range b.N + 1 + extra {
		if _, err := cli.Echo(context.Background(), text); err != nil {
			b.Fatal(err)
		}
	}
	reqs := rec.bodies
	h := xdcHandler(b, pki, sc)
	w := &discardWriter{h: http.Header{}}
	serve := func(body []byte) {
		r := httptest.NewRequest(http.MethodPost, url, bytes.NewReader(body))
		r.Header.Set("Content-Type", rec.ctype)
		clear(w.h)
		w.status, w.n = 0, 0
		h.ServeHTTP(w, r)
		if w.status != http.StatusOK {
			b.Fatalf("status %d", w.status)
		}
	}
	serve(reqs[0]) // the first request restores the session from its cookie
	b.ReportAllocs()
	b.SetBytes(int64(size))
	b.ResetTimer()
	cpu0 := processCPU(b)
	for i := range b.N {
		serve(reqs[i+1])
	}
	b.StopTimer()
	// The process's CPU time (all threads, the GC's included) per request:
	// on a shared machine steadier than the wall time of ns/op.
	b.ReportMetric(float64((processCPU(b)-cpu0).Nanoseconds())/float64(b.N), "cpu-ns/op")
	// The allocations of the service alone (allocs/op also counts what
	// other goroutines of the process allocate meanwhile).
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	for _, r := range reqs[b.N+1:] {
		serve(r)
	}
	runtime.ReadMemStats(&m1)
	b.ReportMetric(float64(m1.Mallocs-m0.Mallocs)/extra, "srv-allocs/op")
	b.ReportMetric(float64(m1.TotalAlloc-m0.TotalAlloc)/extra, "srv-B/op")
	b.ReportMetric(float64(len(reqs[1])), "req-bytes")
	b.ReportMetric(float64(w.n), "reply-bytes")
}
