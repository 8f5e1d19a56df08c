package interop

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/soapstack/soapstack/binding"
)

// ErrBenchOptions reports BenchOptions that name an unknown target or
// scenario, or are otherwise unusable (a usage error, not a failed row).
var ErrBenchOptions = errors.New("interop: bad bench options")

// EchoScenario is the bench's name of the plain SOAP 1.2 / WS-Addressing
// 1.0 echo (Load's scenario "").
const EchoScenario = "Echo@soap12-wsa10"

// BenchScenarios are Bench's scenarios when BenchOptions.Scenarios is
// empty: the plain echo, the per-message RSA scenarios A and X, the XDC
// session in both WS-SC versions, and the reliable sessions (RM 1.0, RM
// 1.1, RM over a secure session in both versions).
func BenchScenarios() []string {
	return []string{EchoScenario, "A@wssec11", "X@wssec11", "XDC@sc200502", "XDC@sc13",
		"RM10", "RM11", "RM10-SC200502", "RM11-SC13"}
}

// Defaults of BenchOptions.
const (
	// DefaultHandshakeScenario is the session whose establishment the
	// handshake rows measure: the XDC bootstrap (X.509, derived keys).
	DefaultHandshakeScenario = "XDC@sc13"
	// DefaultSessionScenario is the session the idle-session rows open:
	// _XD keeps every session on the service (no cookie), in the Go
	// service's token cache as in the peers'.
	DefaultSessionScenario = "_XD@sc13"
)

// BenchOptions configures Bench.
type BenchOptions struct {
	// Targets are the services measured, in order: TargetGo, TargetCXF,
	// TargetMetro (all three when empty).
	Targets []string
	// Scenarios are the request rows (BenchScenarios when empty): a
	// WS-Security or WS-SC case ("A@wssec11", "XDC@sc13"), EchoScenario
	// (or "Echo"), or a reliable scenario of ReliableBench ("RM11", also
	// "RM11@rm"). A target that does not serve a scenario (Metro hosts
	// no plain echo, CXF no RM over WS-SC) skips it with a note.
	Scenarios []string
	// Concurrency is the number of callers (2): concurrent echo loops,
	// or reliable sessions.
	Concurrency int
	// Warmup is run before each row's measured Duration and not counted
	// (the JVMs' JIT); Duration is each row's measured phase.
	Warmup, Duration time.Duration
	// BodySize is the echo text size in bytes (2 KiB).
	BodySize int
	// HandshakeScenario is the WS-SC case of the handshake rows
	// (DefaultHandshakeScenario when empty, "-" for none): Concurrency
	// loops each establish a session (RST/RSTR) and drop it (cancel it
	// when the scenario cancels), for Warmup and then HandshakeDuration
	// (Duration when 0).
	HandshakeScenario string
	HandshakeDuration time.Duration
	// SessionScenario is the WS-SC case of the idle-session rows
	// (DefaultSessionScenario when empty, "-" for none): Sessions
	// sessions are opened and used once each, and the service's memory
	// after a GC is compared with before.
	SessionScenario string
	// Sessions is the number of idle sessions (500 when 0).
	Sessions int
	// GoServer is the command serving the Go service in a process of its
	// own: `soapstack serve --addr 127.0.0.1:0 --rm-endpoints
	// --interop-endpoints --debug-metrics`. Bench appends "--pki" and the
	// test PKI's directory and expects StartCommandServer's READY line
	// and the counters of RuntimeHandler at RuntimePath.
	GoServer []string
	// ServerWrap is the command every service runs under ("taskset",
	// "-c", "0"); nil for none.
	ServerWrap []string
	// JVMOptions are the peers' JVM options; empty runs the JVMs with
	// their defaults (as ReliableBench).
	JVMOptions string
	// Log receives progress lines and the services' output (nil:
	// discarded).
	Log io.Writer
}

// BenchRow is one request row of Bench: the same Go client against one
// service in one scenario. Durations are in nanoseconds in JSON.
type BenchRow struct {
	Target   string `json:"target"`
	Scenario string `json:"scenario"`
	// Kind is "echo" (Load: concurrent echo loops, one connection each)
	// or "reliable" (ReliableLoad: concurrent reliable sessions, loss 0).
	Kind        string        `json:"kind"`
	Concurrency int           `json:"concurrency"`
	Duration    time.Duration `json:"durationNs"`
	Requests    int           `json:"requests"`
	Errors      int           `json:"errors"`
	PerSecond   float64       `json:"perSecond"`
	P50         time.Duration `json:"p50Ns"`
	P99         time.Duration `json:"p99Ns"`
	// ServerCPUPerRequest is the service's CPU time (every process of its
	// process group, from /proc) per request of the measured phase.
	ServerCPUPerRequest time.Duration `json:"serverCpuPerRequestNs"`
	// ServerSysCPUPerRequest is the kernel's part of ServerCPUPerRequest
	// (stime: system calls, on loopback with the TCP work they do).
	ServerSysCPUPerRequest time.Duration `json:"serverSysCpuPerRequestNs"`
	// AllocsPerRequest and AllocBytesPerRequest are the Go service's heap
	// allocations per request (its runtime/metrics counters); absent for
	// the JVMs.
	AllocsPerRequest     float64 `json:"allocsPerRequest,omitempty"`
	AllocBytesPerRequest float64 `json:"allocBytesPerRequest,omitempty"`
	FirstError           string  `json:"firstError,omitempty"`
}

// Failed reports whether the row had a failed request or none at all.
func (r *BenchRow) Failed() bool { return r.Errors > 0 || r.Requests == 0 }

// HandshakeRow is one handshake-only row: sessions established per
// second and the service's CPU time per handshake.
type HandshakeRow struct {
	Target      string        `json:"target"`
	Scenario    string        `json:"scenario"`
	Concurrency int           `json:"concurrency"`
	Duration    time.Duration `json:"durationNs"`
	Handshakes  int           `json:"handshakes"`
	Errors      int           `json:"errors"`
	// PerSecond is what the client saw; PerSecondPerCore is 1 s over
	// ServerCPUPerHandshake, what one fully used core of the service
	// would sustain.
	PerSecond              float64       `json:"perSecond"`
	PerSecondPerCore       float64       `json:"perSecondPerCore"`
	P50                    time.Duration `json:"p50Ns"`
	P99                    time.Duration `json:"p99Ns"`
	ServerCPUPerHandshake  time.Duration `json:"serverCpuPerHandshakeNs"`
	AllocsPerHandshake     float64       `json:"allocsPerHandshake,omitempty"`
	AllocBytesPerHandshake float64       `json:"allocBytesPerHandshake,omitempty"`
	FirstError             string        `json:"firstError,omitempty"`
}

// Failed reports whether the row had a failed handshake or none at all.
func (r *HandshakeRow) Failed() bool { return r.Errors > 0 || r.Handshakes == 0 }

// SessionRow is one idle-session row: the service's memory after a GC
// before and after Sessions sessions were opened and used once each.
type SessionRow struct {
	Target   string `json:"target"`
	Scenario string `json:"scenario"`
	Sessions int    `json:"sessions"`
	// Method says how the memory was read.
	Method     string `json:"method"`
	RSSBefore  uint64 `json:"rssBefore"`
	RSSAfter   uint64 `json:"rssAfter"`
	HeapBefore uint64 `json:"heapBefore"`
	HeapAfter  uint64 `json:"heapAfter"`
	// RSSPerSession and HeapPerSession are the differences over
	// Sessions, in bytes (negative when the service shrank meanwhile).
	RSSPerSession  float64 `json:"rssPerSession"`
	HeapPerSession float64 `json:"heapPerSession"`
	Error          string  `json:"error,omitempty"`
}

// Failed reports whether the row could not be measured.
func (r *SessionRow) Failed() bool { return r.Error != "" }

// BenchRatio compares the Go service with a peer in one row kind and
// scenario, each ratio oriented so that above 1 means Go did better: 0
// when either side has no value.
type BenchRatio struct {
	Peer     string `json:"peer"`
	Scenario string `json:"scenario"`
	// Kind is "echo", "reliable", "handshake" or "session".
	Kind string `json:"kind"`
	// PerSecond is Go's requests (handshakes) per second over the peer's.
	PerSecond float64 `json:"perSecondGoOverPeer,omitempty"`
	// CPU is the peer's server CPU per request (handshake) over Go's.
	CPU float64 `json:"cpuPeerOverGo,omitempty"`
	// P50 is the peer's median latency over Go's.
	P50 float64 `json:"p50PeerOverGo,omitempty"`
	// Heap is the peer's heap per idle session over Go's.
	Heap float64 `json:"heapPerSessionPeerOverGo,omitempty"`
}

// BenchReport is Bench's outcome.
type BenchReport struct {
	Rows       []*BenchRow     `json:"rows"`
	Handshakes []*HandshakeRow `json:"handshakes"`
	Sessions   []*SessionRow   `json:"sessions"`
	Ratios     []BenchRatio    `json:"ratios"`
	// Notes say which rows a target skipped and why.
	Notes []string `json:"notes,omitempty"`
}

// Failed reports whether any row failed.
func (r *BenchReport) Failed() bool {
	for _, x := range r.Rows {
		if x.Failed() {
			return true
		}
	}
	for _, x := range r.Handshakes {
		if x.Failed() {
			return true
		}
	}
	for _, x := range r.Sessions {
		if x.Failed() {
			return true
		}
	}
	return false
}

// benchScenario is one parsed request scenario.
type benchScenario struct {
	name string // as reported
	load string // Load's Scenario ("" for the echo); empty with rm
	rm   *RMScenario
}

func parseBenchScenario(name string) (benchScenario, error) {
	switch name {
	case "Echo", EchoScenario:
		return benchScenario{name: EchoScenario}, nil
	}
	if n, ok := strings.CutSuffix(name, "@"+VersionRM); ok {
		name = n
	}
	if s, ok := rmScenario(Case{Scenario: name, Version: VersionRM}); ok && s.Concurrent == 0 {
		return benchScenario{name: s.Name, rm: &s}, nil
	}
	n, v, _ := strings.Cut(name, "@")
	c := Case{Scenario: n, Version: v}
	if _, ok := scScenario(c); ok {
		return benchScenario{name: name, load: name}, nil
	}
	if _, ok := wssecScenario(c); ok {
		return benchScenario{name: name, load: name}, nil
	}
	return benchScenario{}, fmt.Errorf("%w: unknown scenario %q (want Echo, Name@wssec10, Name@wssec11, Name@sc200502, Name@sc13, RM10, RM11, RM10-SC200502 or RM11-SC13)",
		ErrBenchOptions, name)
}

// sessionScenario parses a WS-SC case of the handshake or session rows
// ("" gives def, "-" none).
func sessionScenario(name, def, what string) (*SCScenario, error) {
	switch name {
	case "-":
		return nil, nil
	case "":
		name = def
	}
	n, v, _ := strings.Cut(name, "@")
	sc, ok := scScenario(Case{Scenario: n, Version: v})
	if !ok {
		return nil, fmt.Errorf("%w: %s scenario %q is no WS-SC case (Name@sc200502 or Name@sc13)", ErrBenchOptions, what, name)
	}
	return &sc, nil
}

// serves says whether target hosts s, and why not.
func (s benchScenario) servedBy(target string) (bool, string) {
	switch {
	case target == TargetMetro && s.name == EchoScenario:
		return false, "the Metro peer hosts no plain SOAP endpoint (/soap12)"
	case target == TargetCXF && s.rm != nil && s.rm.SC != nil:
		return false, "the CXF peer has no WS-RM over WS-SC"
	}
	return true, ""
}

// benchService is one running service of Bench and how to sample it.
type benchService struct {
	srv    *PeerServer
	probe  ServerProbe
	memory MemoryProbe
	method string
}

// Bench measures every target with the same Go client, one service at a
// time (each started for its rows and stopped after them, under
// opts.ServerWrap): per scenario requests per second, latency, the
// service's CPU time per request and, for the Go service, its allocations
// per request; then memory per idle session and handshakes per second per
// core; and the ratios of Go to each peer from this run. A row that
// fails is reported with its error; the error returned is for what stops
// the whole bench (options, a peer that cannot be built or started).
func Bench(ctx context.Context, opts BenchOptions) (*BenchReport, error) {
	targets := opts.Targets
	if len(targets) == 0 {
		targets = []string{TargetGo, TargetCXF, TargetMetro}
	}
	for _, t := range targets {
		if t != TargetGo && t != TargetCXF && t != TargetMetro {
			return nil, fmt.Errorf("%w: unknown target %q (want %s, %s or %s)", ErrBenchOptions, t, TargetGo, TargetCXF, TargetMetro)
		}
	}
	names := opts.Scenarios
	if len(names) == 0 {
		names = BenchScenarios()
	}
	var scenarios []benchScenario
	for _, n := range names {
		s, err := parseBenchScenario(n)
		if err != nil {
			return nil, err
		}
		scenarios = append(scenarios, s)
	}
	hs, err := sessionScenario(opts.HandshakeScenario, DefaultHandshakeScenario, "handshake")
	if err != nil {
		return nil, err
	}
	ss, err := sessionScenario(opts.SessionScenario, DefaultSessionScenario, "session")
	if err != nil {
		return nil, err
	}
	if opts.Concurrency <= 0 {
		opts.Concurrency = 2
	}
	if opts.BodySize <= 0 {
		opts.BodySize = 2 << 10
	}
	if opts.Duration <= 0 {
		return nil, fmt.Errorf("%w: no measured duration", ErrBenchOptions)
	}
	if opts.HandshakeDuration <= 0 {
		opts.HandshakeDuration = opts.Duration
	}
	if opts.Sessions <= 0 {
		opts.Sessions = 500
	}
	logf := func(format string, args ...any) {
		if opts.Log != nil {
			fmt.Fprintf(opts.Log, format+"\n", args...)
		}
	}
	pkiDir, pki, err := benchPKI()
	if err != nil {
		return nil, err
	}

	report := &BenchReport{}
	for _, target := range targets {
		logf("%s: starting the service", target)
		svc, err := startBenchService(ctx, target, pkiDir, opts)
		if err != nil {
			return nil, err
		}
		for _, s := range scenarios {
			if ok, why := s.servedBy(target); !ok {
				report.Notes = append(report.Notes, fmt.Sprintf("%s: %s not run: %s", target, s.name, why))
				continue
			}
			r := benchRow(ctx, svc, pki, target, s, opts)
			logf("%s %s: %.1f req/s, p50 %v, p99 %v, server CPU %v/req, %.0f allocs/req, errors %d %s", target, r.Scenario,
				r.PerSecond, r.P50.Round(time.Microsecond), r.P99.Round(time.Microsecond), r.ServerCPUPerRequest.Round(time.Microsecond),
				r.AllocsPerRequest, r.Errors, r.FirstError)
			report.Rows = append(report.Rows, r)
			if ctx.Err() != nil {
				svc.srv.Close()
				return nil, ctx.Err()
			}
		}
		// The idle sessions before the handshakes: the sessions those
		// leave in a peer's store (and their expiry) would blur the
		// difference.
		if ss != nil && ctx.Err() == nil {
			m := IdleSessions(ctx, svc.srv.URL, svc.srv.TLSURL, pki, *ss, opts.Sessions, svc.memory)
			m.Target, m.Method = target, svc.method
			logf("%s idle sessions %s: %d, heap %+.0f B and RSS %+.0f B each %s", target, m.Scenario, m.Sessions,
				m.HeapPerSession, m.RSSPerSession, m.Error)
			report.Sessions = append(report.Sessions, m)
		}
		if hs != nil {
			h := HandshakeLoad(ctx, svc.srv.URL, svc.srv.TLSURL, pki, *hs, target, opts.Concurrency, opts.Warmup, opts.HandshakeDuration, svc.probe)
			logf("%s handshakes %s: %.1f/s, server CPU %v each (%.0f/s per core), errors %d %s", target, h.Scenario, h.PerSecond,
				h.ServerCPUPerHandshake.Round(time.Microsecond), h.PerSecondPerCore, h.Errors, h.FirstError)
			report.Handshakes = append(report.Handshakes, h)
		}
		svc.srv.Close()
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
	}
	report.Ratios = benchRatios(report)
	return report, nil
}

func startBenchService(ctx context.Context, target, pkiDir string, opts BenchOptions) (*benchService, error) {
	if target == TargetGo {
		srv, err := startGoService(ctx, opts.GoServer, opts.ServerWrap, pkiDir, opts.Log)
		if err != nil {
			return nil, err
		}
		metricsURL := srv.URL + RuntimePath
		if _, err := FetchRuntimeSample(ctx, metricsURL, false); err != nil {
			srv.Close()
			return nil, fmt.Errorf("interop: the Go service (%s) serves no runtime counters (--debug-metrics): %w", strings.Join(opts.GoServer, " "), err)
		}
		return &benchService{srv: srv, probe: GoServiceProbe(srv.Pid(), metricsURL), memory: GoMemoryProbe(srv.Pid(), metricsURL),
			method: "Go: /gc/heap/live:bytes after runtime.GC(); RSS of the process"}, nil
	}
	peer, err := benchPeer(ctx, target, opts.JVMOptions, opts.ServerWrap, opts.Log)
	if err != nil {
		return nil, err
	}
	srv, err := peer.StartServer(ctx)
	if err != nil {
		return nil, err
	}
	return &benchService{srv: srv, probe: PIDProbe(srv.Pid()), memory: JVMMemoryProbe(srv.Pid()),
		method: "JVM: used heap of jcmd GC.heap_info after jcmd GC.run; RSS of the process"}, nil
}

// benchPKI loads the test PKI, which lives next to the peers
// (interop/pki), and returns its directory too.
func benchPKI() (string, *PKI, error) {
	locator, err := FindCXF()
	if err != nil {
		return "", nil, err
	}
	dir := filepath.Join(filepath.Dir(locator.Dir), "pki")
	pki, err := LoadPKI(dir)
	return dir, pki, err
}

// startGoService starts the Go service command argv (`soapstack serve
// ...`) under wrap with "--pki" pkiDir appended, in a process of its own.
func startGoService(ctx context.Context, argv, wrap []string, pkiDir string, log io.Writer) (*PeerServer, error) {
	if len(argv) == 0 {
		return nil, errors.New("interop: no GoServer command")
	}
	cmd := append(append(slices.Clip(wrap), argv...), "--pki", pkiDir)
	return StartCommandServer(ctx, "Go", cmd, nil, log)
}

// benchPeer finds and builds the peer of target (TargetCXF, TargetMetro)
// for a benchmark, to run under wrap: with jvmOpts, or when empty the
// JVM's defaults (not the peer scripts' quick-start flags), Metro's with
// the JDK HTTP server's TCP_NODELAY on (metroNoDelay).
func benchPeer(ctx context.Context, target, jvmOpts string, wrap []string, log io.Writer) (*ScriptPeer, error) {
	find, env, def := FindCXF, "SOAPSTACK_CXF_JAVA_OPTS=", jvmDefaultsOption
	if target == TargetMetro {
		find, env, def = FindMetro, "SOAPSTACK_METRO_JAVA_OPTS=", metroNoDelay
	}
	if jvmOpts == "" {
		jvmOpts = def
	}
	peer, err := find()
	if err != nil {
		return nil, err
	}
	peer.Log, peer.Env = log, []string{env + jvmOpts}
	if err := peer.Build(ctx); err != nil {
		return nil, err
	}
	peer.Wrap = wrap
	return peer, nil
}

func benchRow(ctx context.Context, svc *benchService, pki *PKI, target string, s benchScenario, opts BenchOptions) *BenchRow {
	row := &BenchRow{Target: target, Scenario: s.name, Kind: "echo", Concurrency: opts.Concurrency, Duration: opts.Duration}
	if s.rm != nil {
		row.Kind = "reliable"
		r, err := ReliableLoad(ctx, svc.srv.URL, pki, *s.rm, ReliableLoadOptions{Sessions: opts.Concurrency, Warmup: opts.Warmup,
			Duration: opts.Duration, BodySize: opts.BodySize, Probe: svc.probe})
		if err != nil {
			row.Errors, row.FirstError = 1, err.Error()
			return row
		}
		row.Requests, row.Errors, row.PerSecond, row.P50, row.P99 = r.Requests, r.Errors, r.PerSecond, r.P50, r.P99
		row.ServerCPUPerRequest, row.AllocsPerRequest, row.AllocBytesPerRequest = r.ServerCPUPerRequest, r.AllocsPerRequest, r.AllocBytesPerRequest
		row.ServerSysCPUPerRequest = r.ServerSysCPUPerRequest
		row.FirstError = r.FirstError
		if r.FirstError == "" && r.CloseError != "" {
			row.FirstError = "close: " + r.CloseError
		}
		return row
	}
	r, err := Load(ctx, svc.srv.URL, svc.srv.TLSURL, pki, LoadOptions{Scenario: s.load, Concurrency: opts.Concurrency,
		Warmup: opts.Warmup, Duration: opts.Duration, BodySize: opts.BodySize, Probe: svc.probe})
	if err != nil {
		row.Errors, row.FirstError = 1, err.Error()
		return row
	}
	row.Requests, row.Errors, row.PerSecond, row.P50, row.P99 = r.Requests, r.Errors, r.PerSecond, r.P50, r.P99
	row.ServerCPUPerRequest, row.AllocsPerRequest, row.AllocBytesPerRequest = r.ServerCPUPerRequest, r.AllocsPerRequest, r.AllocBytesPerRequest
	row.ServerSysCPUPerRequest = r.ServerSysCPUPerRequest
	row.FirstError = r.FirstError
	return row
}

// benchClient returns the HTTP client and the address of session
// scenario sc on a service.
func benchClient(base, tlsBase string, pki *PKI, sc SCScenario, conc int) (*http.Client, *http.Transport, string) {
	tr := &http.Transport{MaxIdleConnsPerHost: conc * 2, TLSClientConfig: pki.ClientTLSConfig()}
	url := base + sc.Path()
	if sc.TLS {
		url = tlsBase + sc.Path()
	}
	return &http.Client{Transport: tr}, tr, url
}

// sessionClient is the Go client of session scenario sc against peer
// (binding.NewClient of the scenario's binding; it cancels as
// runGoSessionCase does).
func sessionClient(hc *http.Client, url string, pki *PKI, sc SCScenario, peer string) (*binding.Client, error) {
	return binding.NewClient(url, sc.Binding(), pki.ClientCredentials(), append(sc.clientOptions(peer), binding.WithHTTPClient(hc))...)
}

// HandshakeLoad establishes sessions of scenario sc from conc loops (a
// new session client each time: RST/RSTR, and the Cancel when the
// scenario cancels) for warmup and then d against the service at base
// (tlsBase for HTTPS scenarios), peer naming the service's flavour
// (PeerMetro: Cancel signed only), and reports the handshakes per second
// and, from probe, the service's CPU time per handshake.
func HandshakeLoad(ctx context.Context, base, tlsBase string, pki *PKI, sc SCScenario, peer string, conc int,
	warmup, d time.Duration, probe ServerProbe) *HandshakeRow {
	row := &HandshakeRow{Target: peer, Scenario: sc.Name + "@" + sc.Version, Concurrency: conc, Duration: d}
	hc, tr, url := benchClient(base, tlsBase, pki, sc, conc)
	defer tr.CloseIdleConnections()
	handshake := func(ctx context.Context) error {
		c, err := sessionClient(hc, url, pki, sc, peer)
		if err != nil {
			return err
		}
		if err := c.Open(ctx); err != nil {
			return err
		}
		if sc.Cancel {
			return c.Close(ctx)
		}
		return nil
	}
	if warmup > 0 {
		hammer(ctx, conc, warmup, handshake)
	}
	var before ServerCounters
	if probe != nil {
		var err error
		if before, err = probe(ctx); err != nil {
			row.Errors, row.FirstError = 1, err.Error()
			return row
		}
	}
	lat, errs, first := hammer(ctx, conc, d, handshake)
	row.Handshakes, row.Errors, row.FirstError = len(lat), errs, first
	row.PerSecond = float64(len(lat)) / d.Seconds()
	row.P50, row.P99 = percentile(lat, 50), percentile(lat, 99)
	if probe != nil {
		after, err := probe(ctx)
		if err != nil {
			row.Errors++
			if row.FirstError == "" {
				row.FirstError = err.Error()
			}
			return row
		}
		delta := perRequest(before, after, len(lat))
		row.ServerCPUPerHandshake, row.AllocsPerHandshake, row.AllocBytesPerHandshake = delta.cpuPerRequest, delta.allocsPerRequest, delta.allocBytesPerRequest
		if delta.cpuPerRequest > 0 {
			row.PerSecondPerCore = float64(time.Second) / float64(delta.cpuPerRequest)
		}
	}
	return row
}

// IdleSessions opens n sessions of scenario sc one after the other,
// using each once (an echo: a session never used stays pending, and a
// service admits few of those), against the service at base, and
// reports the service's memory after a GC (memory) before and after, per
// session. A few sessions opened before the first sample (not counted)
// take the one-time costs (class loading, the JIT, first allocations of
// caches) out of the difference. The sessions are left open: the service
// is stopped after.
func IdleSessions(ctx context.Context, base, tlsBase string, pki *PKI, sc SCScenario, n int, memory MemoryProbe) *SessionRow {
	row := &SessionRow{Scenario: sc.Name + "@" + sc.Version, Sessions: n}
	hc, tr, url := benchClient(base, tlsBase, pki, sc, 1)
	defer tr.CloseIdleConnections()
	text := LargeText(256)
	var sessions []*binding.Client
	open := func(k int) error {
		for range k {
			c, err := sessionClient(hc, url, pki, sc, "")
			if err == nil {
				cli := pingClient(c)
				var got string
				if got, err = cli.Echo(ctx, text); err == nil && got != text {
					err = errors.New("echo mismatch")
				}
			}
			if err != nil {
				return fmt.Errorf("session %d: %w", len(sessions)+1, err)
			}
			sessions = append(sessions, c)
		}
		return nil
	}
	if err := open(min(n, 10)); err != nil {
		row.Error = err.Error()
		return row
	}
	before, err := memory(ctx)
	if err != nil {
		row.Error = err.Error()
		return row
	}
	if err := open(n); err != nil {
		row.Error = err.Error()
		return row
	}
	after, err := memory(ctx)
	if err != nil {
		row.Error = err.Error()
		return row
	}
	row.RSSBefore, row.RSSAfter, row.HeapBefore, row.HeapAfter = before.RSS, after.RSS, before.Heap, after.Heap
	row.RSSPerSession = (float64(after.RSS) - float64(before.RSS)) / float64(n)
	row.HeapPerSession = (float64(after.Heap) - float64(before.Heap)) / float64(n)
	return row
}

// benchRatios compares the Go rows with the peers' rows of the same kind
// and scenario.
func benchRatios(report *BenchReport) []BenchRatio {
	ratio := func(a, b float64) float64 {
		if a <= 0 || b <= 0 {
			return 0
		}
		return a / b
	}
	var out []BenchRatio
	for _, g := range report.Rows {
		if g.Target != TargetGo || g.Failed() {
			continue
		}
		for _, p := range report.Rows {
			if p.Target == TargetGo || p.Scenario != g.Scenario || p.Failed() {
				continue
			}
			out = append(out, BenchRatio{Peer: p.Target, Scenario: g.Scenario, Kind: g.Kind,
				PerSecond: ratio(g.PerSecond, p.PerSecond),
				CPU:       ratio(float64(p.ServerCPUPerRequest), float64(g.ServerCPUPerRequest)),
				P50:       ratio(float64(p.P50), float64(g.P50))})
		}
	}
	for _, g := range report.Handshakes {
		if g.Target != TargetGo || g.Failed() {
			continue
		}
		for _, p := range report.Handshakes {
			if p.Target == TargetGo || p.Scenario != g.Scenario || p.Failed() {
				continue
			}
			out = append(out, BenchRatio{Peer: p.Target, Scenario: g.Scenario, Kind: "handshake",
				PerSecond: ratio(g.PerSecondPerCore, p.PerSecondPerCore),
				CPU:       ratio(float64(p.ServerCPUPerHandshake), float64(g.ServerCPUPerHandshake)),
				P50:       ratio(float64(p.P50), float64(g.P50))})
		}
	}
	for _, g := range report.Sessions {
		if g.Target != TargetGo || g.Failed() {
			continue
		}
		for _, p := range report.Sessions {
			if p.Target == TargetGo || p.Scenario != g.Scenario || p.Failed() {
				continue
			}
			out = append(out, BenchRatio{Peer: p.Target, Scenario: g.Scenario, Kind: "session", Heap: ratio(p.HeapPerSession, g.HeapPerSession)})
		}
	}
	return out
}
