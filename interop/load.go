package interop

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"sync"
	"time"

	"github.com/soapstack/soapstack/binding"
	"github.com/soapstack/soapstack/soap"
)

// LoadResult summarizes a load run.
type LoadResult struct {
	Target      string        `json:"target"`
	Scenario    string        `json:"scenario"`
	Concurrency int           `json:"concurrency"`
	Duration    time.Duration `json:"duration"`
	Requests    int           `json:"requests"`
	Errors      int           `json:"errors"`
	PerSecond   float64       `json:"perSecond"`
	P50         time.Duration `json:"p50"`
	P99         time.Duration `json:"p99"`
	// ServerCPUPerRequest is the service's CPU time per request in the
	// measured phase, AllocsPerRequest and AllocBytesPerRequest its heap
	// allocations per request (from LoadOptions.Probe; 0 when not
	// measured).
	ServerCPUPerRequest time.Duration `json:"serverCpuPerRequestNs,omitempty"`
	// ServerSysCPUPerRequest is the kernel's part of ServerCPUPerRequest
	// (system calls: on loopback the sockets' TCP work too).
	ServerSysCPUPerRequest time.Duration `json:"serverSysCpuPerRequestNs,omitempty"`
	AllocsPerRequest       float64       `json:"allocsPerRequest,omitempty"`
	AllocBytesPerRequest   float64       `json:"allocBytesPerRequest,omitempty"`
	FirstError             string        `json:"firstError,omitempty"`
}

// LoadOptions configures Load.
type LoadOptions struct {
	// Scenario is a WS-Security scenario case ("A@wssec11"), or "" for the
	// plain Echo over SOAP 1.2 / WS-Addressing 1.0.
	Scenario    string
	Concurrency int
	Warmup      time.Duration
	Duration    time.Duration
	// BodySize is the echo text size in bytes (default 2 KiB).
	BodySize int
	// Probe, when not nil, samples the service's counters right before
	// and right after the measured phase (ServerCPUPerRequest, ...).
	Probe ServerProbe
}

// Load sends echo requests to the service at base (and tlsBase for HTTPS
// scenarios) with the Go client from Concurrency goroutines for Duration,
// after a Warmup that is not counted, and reports throughput and latency.
// The same client drives every peer, so runs against the Go and the CXF
// service compare the services.
func Load(ctx context.Context, base, tlsBase string, pki *PKI, opts LoadOptions) (*LoadResult, error) {
	if opts.Concurrency <= 0 {
		opts.Concurrency = 4
	}
	if opts.BodySize <= 0 {
		opts.BodySize = 2 << 10
	}
	tr := &http.Transport{MaxIdleConnsPerHost: opts.Concurrency * 2}
	if pki != nil {
		tr.TLSClientConfig = pki.ClientTLSConfig()
	}
	hc := &http.Client{Transport: tr}
	defer tr.CloseIdleConnections()
	var cli *PingClient
	if opts.Scenario == "" {
		c, err := binding.NewClient(base+"/soap12", foundationBinding(TransportVersion{Name: "soap12-wsa10", SOAP: soap.V12, Addressing: soap.WSA10}),
			binding.Credentials{}, binding.WithHTTPClient(hc))
		if err != nil {
			return nil, err
		}
		cli = pingClient(c)
	} else {
		var c Case
		if n, v, ok := cut(opts.Scenario, "@"); ok {
			c = Case{Scenario: n, Version: v}
		}
		if sc, ok := scScenario(c); ok {
			// One session shared by all workers, established in the warm-up.
			url := base + sc.Path()
			if sc.TLS {
				url = tlsBase + sc.Path()
			}
			// The session is not closed: the run ends with the process.
			client, err := binding.NewClient(url, sc.Binding(), pki.ClientCredentials(), binding.WithHTTPClient(hc))
			if err != nil {
				return nil, err
			}
			cli = pingClient(client)
		} else {
			sc, ok := wssecScenario(c)
			if !ok {
				return nil, fmt.Errorf("interop: unknown scenario %q (want Name@wssec10, Name@wssec11, Name@sc200502 or Name@sc13)", opts.Scenario)
			}
			url := base + sc.Path()
			if sc.TLS {
				url = tlsBase + sc.Path()
			}
			client, err := binding.NewClient(url, sc.Binding(), pki.ClientCredentials(), clientOpts(sc.Options(), binding.WithHTTPClient(hc))...)
			if err != nil {
				return nil, err
			}
			cli = pingClient(client)
		}
	}
	text := LargeText(opts.BodySize)
	echo := func(ctx context.Context) error {
		got, err := cli.Echo(ctx, text)
		if err == nil && got != text {
			err = fmt.Errorf("echo mismatch")
		}
		return err
	}
	run := func(d time.Duration) ([]time.Duration, int, string) { return hammer(ctx, opts.Concurrency, d, echo) }
	if opts.Warmup > 0 {
		run(opts.Warmup)
	}
	var before ServerCounters
	if opts.Probe != nil {
		var err error
		if before, err = opts.Probe(ctx); err != nil {
			return nil, err
		}
	}
	lat, errs, first := run(opts.Duration)
	var delta counterDelta
	if opts.Probe != nil {
		after, err := opts.Probe(ctx)
		if err != nil {
			return nil, err
		}
		delta = perRequest(before, after, len(lat))
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	r := &LoadResult{Target: base, Scenario: opts.Scenario, Concurrency: opts.Concurrency, Duration: opts.Duration,
		Requests: len(lat), Errors: errs, FirstError: first, PerSecond: float64(len(lat)) / opts.Duration.Seconds(),
		ServerCPUPerRequest: delta.cpuPerRequest, ServerSysCPUPerRequest: delta.sysPerRequest, AllocsPerRequest: delta.allocsPerRequest, AllocBytesPerRequest: delta.allocBytesPerRequest}
	if r.Scenario == "" {
		r.Scenario = "Echo@soap12-wsa10"
	}
	if n := len(lat); n > 0 {
		r.P50 = lat[n/2]
		r.P99 = lat[n*99/100]
	}
	return r, ctx.Err()
}

// hammer calls fn from conc goroutines, each one call after the other,
// until d has passed, and returns the latencies of the calls that
// succeeded, the number that failed and the first error.
func hammer(ctx context.Context, conc int, d time.Duration, fn func(context.Context) error) (lat []time.Duration, errs int, first string) {
	var mu sync.Mutex
	var wg sync.WaitGroup
	deadline := time.Now().Add(d)
	for range conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var local []time.Duration
			var localErrs int
			var localFirst string
			for time.Now().Before(deadline) && ctx.Err() == nil {
				start := time.Now()
				if err := fn(ctx); err != nil {
					localErrs++
					if localFirst == "" {
						localFirst = err.Error()
					}
					continue
				}
				local = append(local, time.Since(start))
			}
			mu.Lock()
			lat = append(lat, local...)
			errs += localErrs
			if first == "" {
				first = localFirst
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	return lat, errs, first
}

func cut(s, sep string) (string, string, bool) {
	for i := 0; i+len(sep) <= len(s); i++ {
		if s[i:i+len(sep)] == sep {
			return s[:i], s[i+len(sep):], true
		}
	}
	return s, "", false
}
