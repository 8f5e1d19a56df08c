package interop

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/soapstack/soapstack/binding"
	"github.com/soapstack/soapstack/internal/lossy"
	"github.com/soapstack/soapstack/internal/wstrust"
	"github.com/soapstack/soapstack/reliable"
)

// ReliableLoadOptions configures ReliableLoad.
type ReliableLoadOptions struct {
	// Sessions is the number of reliable sessions run at once (4), each
	// sending one echo at a time, as many WCF clients of one service do.
	Sessions int
	// Warmup is run on the same sessions before the measured Duration
	// and not counted (the JIT of a Java service, the connections).
	Warmup   time.Duration
	Duration time.Duration
	// BodySize is the echo text size in bytes (2 KiB).
	BodySize int
	// Loss is the probability that the lossy link between the client and
	// the service loses a request, and, drawn apart, that it loses the
	// response (internal/lossy's DropRequest and DropResponse). The link
	// is there at 0 too, so that runs with and without loss differ only in
	// the losses. The secure session's handshake is spared.
	Loss float64
	// Seed seeds the link's decisions.
	Seed uint64
	// RetryInterval is the client's first retransmission delay
	// (reliable.DefaultRetryInterval when zero).
	RetryInterval time.Duration
	// ServerPID, when not 0, is the service's process group (the leader's
	// pid): the CPU time (user + system, /proc/<pid>/stat) of its
	// processes over the measured phase is reported per request.
	ServerPID int
	// Probe, when not nil, samples the service's counters at the start
	// and the end of the measured phase instead of ServerPID's CPU time
	// alone (the Go service's allocations too: GoServiceProbe).
	Probe ServerProbe
}

// ReliableLoadResult is one ReliableLoad run. Durations are in
// nanoseconds in JSON.
type ReliableLoadResult struct {
	Target   string  `json:"target"`
	Scenario string  `json:"scenario"`
	Loss     float64 `json:"loss"`
	Sessions int     `json:"sessions"`
	// Duration is the measured phase; Requests the echoes that started
	// and ended in it, Errors those that failed (or 1 when the run could
	// not start: FirstError says why).
	Duration  time.Duration `json:"durationNs"`
	Requests  int           `json:"requests"`
	Errors    int           `json:"errors"`
	PerSecond float64       `json:"perSecond"`
	// P50 and P99 are the echoes' round-trip times, retransmissions
	// included.
	P50 time.Duration `json:"p50Ns"`
	P99 time.Duration `json:"p99Ns"`
	// ServerCPUPerRequest is the service's CPU time per request in the
	// measured phase (0 when not measured).
	ServerCPUPerRequest time.Duration `json:"serverCpuPerRequestNs"`
	// ServerSysCPUPerRequest is the kernel's part of ServerCPUPerRequest.
	ServerSysCPUPerRequest time.Duration `json:"serverSysCpuPerRequestNs,omitempty"`
	// AllocsPerRequest and AllocBytesPerRequest are the service's heap
	// allocations per request in the measured phase (with a Probe that
	// knows them, else 0).
	AllocsPerRequest     float64 `json:"allocsPerRequest,omitempty"`
	AllocBytesPerRequest float64 `json:"allocBytesPerRequest,omitempty"`
	// Retransmissions counts the client's retransmissions in the measured
	// phase; Retransmitted the echoes among Requests that needed one.
	// RetransmitP50 is the median, over those echoes, of the time from the
	// first transmission to the reply of its retransmission (from the
	// client's OnEvent timestamps).
	Retransmissions int           `json:"retransmissions"`
	Retransmitted   int           `json:"retransmitted"`
	RetransmitP50   time.Duration `json:"retransmitP50Ns"`
	// CloseErrors counts the sessions whose close (after the measured
	// phase) failed; CloseError is the first such error.
	CloseErrors int    `json:"closeErrors"`
	CloseError  string `json:"closeError,omitempty"`
	// Link is what the lossy link did over the whole run.
	Link       string `json:"link"`
	FirstError string `json:"firstError,omitempty"`
}

// ReliableLoad runs opts.Sessions reliable request-reply sessions of
// scenario s (reliable.NewClient over the HTTP transport, or over
// secureconv.NewClient for an RM-over-SC scenario) against the service at
// base, through a lossy link, for opts.Warmup and then opts.Duration, and
// reports throughput, latency, retransmissions and the service's CPU time
// per request. The same client drives every service, so runs against the
// Go, Metro and CXF services compare the services. The sessions are
// opened one after the other before the warm-up (a service admits few
// sequences created and not yet used at once: WCF's MaxPendingChannels)
// and closed after the measured phase; neither is measured.
func ReliableLoad(ctx context.Context, base string, pki *PKI, s RMScenario, opts ReliableLoadOptions) (*ReliableLoadResult, error) {
	if opts.Sessions <= 0 {
		opts.Sessions = 4
	}
	if opts.BodySize <= 0 {
		opts.BodySize = 2 << 10
	}
	if opts.Duration <= 0 {
		return nil, errors.New("interop: no measured duration")
	}
	if s.SC != nil && pki == nil {
		return nil, fmt.Errorf("interop: %s needs the test PKI", s.Name)
	}
	quiet := slog.New(slog.DiscardHandler)
	// The link keeps a connection per session to the service: with
	// net/http's default of 2 idle connections per host the service would
	// also be measured accepting connections.
	upstream := &http.Transport{MaxIdleConnsPerHost: opts.Sessions * 2}
	defer upstream.CloseIdleConnections()
	proxy, err := lossy.New(lossy.Config{Target: base, DropRequest: opts.Loss, DropResponse: opts.Loss, Seed: opts.Seed,
		Pass: lossy.PassActions(wstrust.NSTrust200502, wstrust.NSTrust13), Logger: quiet, Transport: upstream})
	if err != nil {
		return nil, err
	}
	defer proxy.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	link := &http.Server{Handler: proxy, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = link.Serve(ln) }()
	defer link.Close()

	tr := &http.Transport{MaxIdleConnsPerHost: opts.Sessions * 2}
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr}
	url := "http://" + ln.Addr().String() + s.Path()
	text := LargeText(opts.BodySize)
	sessions := make([]*loadSession, opts.Sessions)
	defer func() {
		for _, ls := range sessions {
			if ls != nil {
				ls.abandon()
			}
		}
	}()
	for i := range sessions {
		ls, err := openLoadSession(ctx, url, hc, pki, s, opts.RetryInterval, quiet, text)
		if err != nil {
			return nil, fmt.Errorf("interop: opening session %d of %s: %w", i+1, s.Name, err)
		}
		sessions[i] = ls
	}

	warmEnd := time.Now().Add(opts.Warmup)
	end := warmEnd.Add(opts.Duration)
	for _, ls := range sessions {
		ls.window(warmEnd, end)
	}
	probe := opts.Probe
	if probe == nil && opts.ServerPID != 0 {
		probe = PIDProbe(opts.ServerPID)
	}
	var cpu cpuWindow
	if probe != nil {
		cpu.start(ctx, probe, warmEnd, end)
	}
	var wg sync.WaitGroup
	for _, ls := range sessions {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ls.run(ctx, text, warmEnd, end)
		}()
	}
	wg.Wait()
	before, after, cpuErr := cpu.wait()

	r := &ReliableLoadResult{Target: base, Scenario: s.Name, Loss: opts.Loss, Sessions: opts.Sessions, Duration: opts.Duration}
	var lat, retx []time.Duration
	for i, ls := range sessions {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		err := ls.close(cctx)
		cancel()
		sessions[i] = nil
		if err != nil {
			r.CloseErrors++
			if r.CloseError == "" {
				r.CloseError = err.Error()
			}
		}
		lat = append(lat, ls.lat...)
		retx = append(retx, ls.retx...)
		r.Errors += ls.errs
		r.Retransmissions += ls.retransmissions
		if r.FirstError == "" {
			r.FirstError = ls.first
		}
	}
	r.Requests, r.Retransmitted = len(lat), len(retx)
	r.PerSecond = float64(r.Requests) / opts.Duration.Seconds()
	r.P50, r.P99 = percentile(lat, 50), percentile(lat, 99)
	r.RetransmitP50 = percentile(retx, 50)
	r.Link = proxy.Stats().String()
	switch {
	case cpuErr != nil:
		if r.FirstError == "" {
			r.FirstError = "server CPU time: " + cpuErr.Error()
		}
	case probe != nil && r.Requests > 0:
		d := perRequest(before, after, r.Requests)
		r.ServerCPUPerRequest, r.AllocsPerRequest, r.AllocBytesPerRequest = d.cpuPerRequest, d.allocsPerRequest, d.allocBytesPerRequest
		r.ServerSysCPUPerRequest = d.sysPerRequest
	}
	return r, ctx.Err()
}

// percentile returns the p-th percentile of ds (sorting it), 0 for none.
func percentile(ds []time.Duration, p int) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	slices.Sort(ds)
	return ds[len(ds)*p/100]
}

// loadSession is one reliable session of ReliableLoad and what it measured.
type loadSession struct {
	c      *binding.Client // the reliable session, over the secure one if any
	cli    *PingClient
	closed bool

	// Written by run only (after ReliableLoad's wg.Wait, read by it).
	lat   []time.Duration
	errs  int
	first string

	// mu guards what OnEvent writes.
	mu              sync.Mutex
	from, to        time.Time // the measured phase
	sent            time.Time // first transmission of the message in flight
	retx            []time.Duration
	retransmissions int
}

func openLoadSession(ctx context.Context, url string, hc *http.Client, pki *PKI, s RMScenario, retry time.Duration,
	quiet *slog.Logger, text string) (*loadSession, error) {
	ls := &loadSession{}
	opts := []binding.ClientOption{binding.WithHTTPClient(hc), binding.WithLogger(quiet),
		binding.WithHooks(binding.Hooks{Reliable: func(e binding.ReliableEvent) { ls.event(e.Event) }})}
	if retry != 0 {
		opts = append(opts, binding.WithRetryInterval(retry))
	}
	c, err := newReliableClient(url, pki, s, func(*binding.Binding) {}, opts...)
	if err != nil {
		return nil, err
	}
	ls.c, ls.cli = c, pingClient(c)
	// Open and use the sequence: a sequence created and not used counts
	// against the service's pending limit.
	got, err := ls.cli.Echo(ctx, text)
	if err == nil && got != text {
		err = errors.New("echo mismatch")
	}
	if err != nil {
		ls.abandon()
		return nil, err
	}
	return ls, nil
}

func (ls *loadSession) window(from, to time.Time) {
	ls.mu.Lock()
	ls.from, ls.to = from, to
	ls.mu.Unlock()
}

// event is the session's OnEvent: the calls of a session are sequential,
// so a delivered reply belongs to the message last sent.
func (ls *loadSession) event(e reliable.Event) {
	now := time.Now()
	ls.mu.Lock()
	defer ls.mu.Unlock()
	in := !ls.from.IsZero() && !now.Before(ls.from) && !now.After(ls.to)
	switch e.Kind {
	case reliable.EventSent:
		ls.sent = now
	case reliable.EventRetransmitted:
		if in {
			ls.retransmissions++
		}
	case reliable.EventDelivered:
		if e.Attempt > 1 && in && !ls.sent.Before(ls.from) {
			ls.retx = append(ls.retx, now.Sub(ls.sent))
		}
	}
}

// run sends echoes one after the other until end; those that start at or
// after from and end by end are measured.
func (ls *loadSession) run(ctx context.Context, text string, from, end time.Time) {
	for ctx.Err() == nil {
		start := time.Now()
		if !start.Before(end) {
			return
		}
		got, err := ls.cli.Echo(ctx, text)
		if err == nil && got != text {
			err = errors.New("echo mismatch")
		}
		if err != nil {
			ls.fail(err)
			if errors.Is(err, reliable.ErrFaulted) || errors.Is(err, reliable.ErrClosed) {
				return // the session is over
			}
			continue
		}
		if done := time.Now(); !start.Before(from) && !done.After(end) {
			ls.lat = append(ls.lat, done.Sub(start))
		}
	}
}

func (ls *loadSession) fail(err error) {
	ls.errs++
	if ls.first == "" {
		ls.first = err.Error()
	}
}

// close closes the reliable session and the secure session below it.
func (ls *loadSession) close(ctx context.Context) error {
	ls.closed = true
	return ls.c.Close(ctx)
}

// abandon ends a session that was not closed, bounded and best effort.
func (ls *loadSession) abandon() {
	if ls.closed {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = ls.close(ctx)
}

// cpuWindow samples a service's counters (its CPU time, ...) at the
// start and the end of the measured phase.
type cpuWindow struct {
	done          chan struct{}
	before, after ServerCounters
	err           error
}

func (w *cpuWindow) start(ctx context.Context, probe ServerProbe, from, to time.Time) {
	w.done = make(chan struct{})
	go func() {
		defer close(w.done)
		if !sleepUntil(ctx, from) {
			w.err = ctx.Err()
			return
		}
		if w.before, w.err = probe(ctx); w.err != nil {
			return
		}
		if !sleepUntil(ctx, to) {
			w.err = ctx.Err()
			return
		}
		w.after, w.err = probe(ctx)
	}()
}

func (w *cpuWindow) wait() (before, after ServerCounters, err error) {
	if w.done == nil {
		return before, after, nil
	}
	<-w.done
	return w.before, w.after, w.err
}

func sleepUntil(ctx context.Context, t time.Time) bool {
	timer := time.NewTimer(time.Until(t))
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-timer.C:
		return true
	}
}
