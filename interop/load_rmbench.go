package interop

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"time"
)

// Targets of ReliableBench: the services compared.
const (
	TargetGo    = "go"
	TargetMetro = PeerMetro
	TargetCXF   = PeerCXF
)

// ReliableMux returns the Go service's reliable endpoints as the Metro peer
// serves them: /rm/<Scenario> for each of RMScenarios, binding.NewHandler
// of the scenario's binding (a reliable session in front of the
// IPingService, above a secure session for RM over SC). Without pki the RM-over-SC endpoints are left out. It also returns
// the paths it serves.
func ReliableMux(pki *PKI) (*http.ServeMux, []string, error) {
	svc := &PingService{}
	mux := http.NewServeMux()
	var paths []string
	for _, s := range RMScenarios() {
		if s.SC != nil && pki == nil {
			continue
		}
		h, err := rmServerHandler(svc.Handler(), pki, "", s)
		if err != nil {
			return nil, nil, fmt.Errorf("interop: %s: %w", s.Name, err)
		}
		mux.Handle(s.Path(), h)
		paths = append(paths, s.Path())
	}
	return mux, paths, nil
}

// ReliableBenchOptions configures ReliableBench.
type ReliableBenchOptions struct {
	// Targets are the services measured, in order: TargetGo, TargetMetro,
	// TargetCXF (all three when empty).
	Targets []string
	// Scenarios are the RMScenarios names run against each target (RM10,
	// RM11, RM10-SC200502 and RM11-SC13 when empty). CXF has no RM over
	// SC: it runs the plain ones only.
	Scenarios []string
	// Losses are the lossy link's loss probabilities of the runs (0 and
	// 0.05 when empty); see ReliableLoadOptions.Loss.
	Losses []float64
	// Load configures every run (ReliableBench sets Loss and ServerPID).
	Load ReliableLoadOptions
	// GoServer is the command serving the Go service in a process of its
	// own, `soapstack serve --rm-endpoints --addr 127.0.0.1:0` say:
	// ReliableBench appends "--pki" and the test PKI's directory, and
	// expects the "READY <base URL>" line of StartCommandServer.
	GoServer []string
	// ServerWrap is the command every service runs under ("taskset", "-c",
	// "0" to pin it to CPU 0); nil for none.
	ServerWrap []string
	// JVMOptions are the peers' JVM options; empty runs the JVMs with
	// their defaults (not the peer scripts' quick-start flags), Metro's
	// with the JDK HTTP server's TCP_NODELAY on (metroNoDelay).
	JVMOptions string
	// Log receives progress lines and the peers' output (nil: discarded).
	Log io.Writer
}

// ReliableBenchReport is ReliableBench's outcome.
type ReliableBenchReport struct {
	// Results has one row per target, scenario and loss, in run order.
	Results []*ReliableLoadResult `json:"results"`
	// Ratios compares the Go service with each peer, per scenario and
	// loss.
	Ratios []ReliableRatio `json:"ratios"`
}

// ReliableRatio is the Go service's result over a peer's in one
// scenario and loss: PerSecond above 1 means Go served more round trips
// per second; CPUPerRequest and P50 below 1 mean Go used less CPU per
// request and answered faster. A ratio is 0 when either side has no value.
type ReliableRatio struct {
	Scenario      string  `json:"scenario"`
	Loss          float64 `json:"loss"`
	Peer          string  `json:"peer"`
	PerSecond     float64 `json:"perSecond"`
	CPUPerRequest float64 `json:"cpuPerRequest"`
	P50           float64 `json:"p50"`
}

// jvmDefaultsOption is passed as the peers' JVM options to run the JVMs
// with their defaults: the scripts fall back to their quick-start flags
// (C1 only, serial GC) when the variable is empty.
const jvmDefaultsOption = "-Dsoapstack.jvm=defaults"

// metroNoDelay turns on TCP_NODELAY in the JDK's built-in HTTP server
// that hosts the Metro peer (Endpoint.publish): without it (the JDK's
// default) the response's second write waits for the client's delayed
// ACK, ~40 ms a round trip on Linux, a property of that test server and
// not of Metro (a servlet container sets TCP_NODELAY). It is a system
// property, no JVM tuning flag.
const metroNoDelay = "-Dsun.net.httpserver.nodelay=true"

// ReliableBench measures the reliable request-reply round trip against
// each target with the same Go client (ReliableLoad): the Go service
// (opts.GoServer, a process of its own) and the Metro and CXF peers'
// services, each started for its runs and stopped after them, under
// opts.ServerWrap. A run that fails is a row with its error; the error
// returned is for what stops the whole bench (a peer that cannot be
// built, the PKI missing).
func ReliableBench(ctx context.Context, opts ReliableBenchOptions) (*ReliableBenchReport, error) {
	targets := opts.Targets
	if len(targets) == 0 {
		targets = []string{TargetGo, TargetMetro, TargetCXF}
	}
	names := opts.Scenarios
	if len(names) == 0 {
		names = []string{"RM10", "RM11", "RM10-SC200502", "RM11-SC13"}
	}
	var scenarios []RMScenario
	for _, n := range names {
		s, ok := rmScenario(Case{Scenario: n, Version: VersionRM})
		if !ok || s.Concurrent > 0 {
			return nil, fmt.Errorf("interop: unknown reliable scenario %q (want RM10, RM11, RM10-SC200502 or RM11-SC13)", n)
		}
		scenarios = append(scenarios, s)
	}
	losses := opts.Losses
	if len(losses) == 0 {
		losses = []float64{0, 0.05}
	}
	for _, l := range losses {
		if l < 0 || l >= 1 {
			return nil, fmt.Errorf("interop: loss %v not in [0, 1)", l)
		}
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

	report := &ReliableBenchReport{}
	for _, target := range targets {
		var start func() (*PeerServer, error)
		var serves func(RMScenario) bool
		switch target {
		case TargetGo:
			start = func() (*PeerServer, error) {
				return startGoService(ctx, opts.GoServer, opts.ServerWrap, pkiDir, opts.Log)
			}
			serves = func(RMScenario) bool { return true }
		case TargetMetro, TargetCXF:
			serves = func(RMScenario) bool { return true }
			if target == TargetCXF {
				serves = func(s RMScenario) bool { return s.SC == nil }
			}
			peer, err := benchPeer(ctx, target, opts.JVMOptions, opts.ServerWrap, opts.Log)
			if err != nil {
				return nil, err
			}
			start = func() (*PeerServer, error) { return peer.StartServer(ctx) }
		default:
			return nil, fmt.Errorf("interop: unknown target %q (want %s, %s or %s)", target, TargetGo, TargetMetro, TargetCXF)
		}
		logf("%s: starting the service", target)
		srv, err := start()
		if err != nil {
			return nil, err
		}
		for _, s := range scenarios {
			if !serves(s) {
				continue
			}
			for _, loss := range losses {
				lo := opts.Load
				lo.Loss, lo.ServerPID = loss, srv.Pid()
				r, err := ReliableLoad(ctx, srv.URL, pki, s, lo)
				if err != nil {
					if ctx.Err() != nil {
						srv.Close()
						return nil, ctx.Err()
					}
					r = &ReliableLoadResult{Scenario: s.Name, Loss: loss, Sessions: lo.Sessions, Duration: lo.Duration,
						Errors: 1, FirstError: err.Error()}
				}
				r.Target = target
				logf("%s %s loss %g: %.1f req/s, p50 %v, p99 %v, server CPU %v/req, %d retransmissions, errors %d %s, close errors %d %s",
					target, s.Name, loss, r.PerSecond, r.P50.Round(time.Microsecond), r.P99.Round(time.Microsecond),
					r.ServerCPUPerRequest.Round(time.Microsecond), r.Retransmissions, r.Errors, r.FirstError, r.CloseErrors, r.CloseError)
				report.Results = append(report.Results, r)
			}
		}
		srv.Close()
	}
	report.Ratios = reliableRatios(report.Results)
	return report, nil
}

// reliableRatios compares the Go rows with the peers' rows of the same
// scenario and loss.
func reliableRatios(results []*ReliableLoadResult) []ReliableRatio {
	ratio := func(a, b float64) float64 {
		if a <= 0 || b <= 0 {
			return 0
		}
		return a / b
	}
	var out []ReliableRatio
	for _, g := range results {
		if g.Target != TargetGo || g.Requests == 0 {
			continue
		}
		for _, p := range results {
			if p.Target == TargetGo || p.Scenario != g.Scenario || p.Loss != g.Loss || p.Requests == 0 {
				continue
			}
			out = append(out, ReliableRatio{Scenario: g.Scenario, Loss: g.Loss, Peer: p.Target,
				PerSecond:     ratio(g.PerSecond, p.PerSecond),
				CPUPerRequest: ratio(float64(g.ServerCPUPerRequest), float64(p.ServerCPUPerRequest)),
				P50:           ratio(float64(g.P50), float64(p.P50))})
		}
	}
	return out
}
