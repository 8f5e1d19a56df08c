package lossy

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/soapstack/soapstack/soap"
)

// Defaults for zero Config fields.
const (
	DefaultMaxDelay    = 50 * time.Millisecond
	DefaultMaxInFlight = 256
	DefaultMaxBodySize = 4 << 20
)

// ErrConfig is wrapped by the errors New returns for a bad Config.
var ErrConfig = errors.New("lossy: invalid configuration")

// Config configures a Proxy. The probabilities are in [0, 1].
type Config struct {
	// Target is the absolute http or https URL requests are forwarded to;
	// the request's path is joined to its path.
	Target string
	// DropRequest is the probability that a request is lost before it
	// reaches the target; DropResponse that its response is lost after
	// the target processed it.
	DropRequest, DropResponse float64
	// Duplicate is the probability that a request is forwarded twice, the
	// copy after the original was answered.
	Duplicate float64
	// Reorder is the probability that a request is held back, for a
	// uniformly random time in (0, MaxDelay], so that later ones overtake
	// it.
	Reorder float64
	// Delay is added to every forwarded request. MaxDelay bounds the hold
	// of a reordered request and the lag of a duplicate
	// (DefaultMaxDelay when zero).
	Delay, MaxDelay time.Duration
	// Seed seeds the proxy's one random source.
	Seed uint64
	// Script, when set, decides the fates of the first len(Script)
	// requests (N and Action are filled in) instead of the random source,
	// which then decides the later ones as if they came first: scripted
	// losses at exact places.
	Script []Decision
	// Pass, when set, exempts the requests it reports true for: they are
	// forwarded untouched and draw no decision. PassActions and
	// OnlyActions make one.
	Pass func(*http.Request) bool
	// OnDecision, when set, is called with every decision, in the order
	// they are drawn, synchronously; it must not block.
	OnDecision func(Decision)
	// MaxInFlight bounds the requests and duplicates being handled at
	// once (DefaultMaxInFlight); past it a request is answered 503.
	MaxInFlight int
	// MaxBodySize bounds request and response bodies (DefaultMaxBodySize):
	// a larger request is answered 413, a larger response 502.
	MaxBodySize int64
	// Transport forwards the requests (a transport of the proxy's own
	// when nil, whose idle connections Close closes).
	Transport http.RoundTripper
	// Logger receives each decision at Debug and forwarding failures at
	// Warn (slog.Default() when nil).
	Logger *slog.Logger
}

// Decision is what the proxy does with one request. The flags are
// exclusive where they must be: a dropped request is neither duplicated,
// held nor answered.
type Decision struct {
	// N numbers the requests that drew a decision, from 1.
	N uint64
	// DropRequest and DropResponse say which direction is lost.
	DropRequest, DropResponse bool
	// Duplicate sends the request again after DuplicateLag.
	Duplicate    bool
	DuplicateLag time.Duration
	// Reorder holds the request for Hold (in addition to Config.Delay).
	Reorder bool
	Hold    time.Duration
	// Action is the SOAP action of the request, when it names one (not
	// drawn: it only describes the request).
	Action string
}

// String describes d in one line.
func (d Decision) String() string {
	var parts []string
	if d.DropRequest {
		parts = append(parts, "drop request")
	}
	if d.Reorder {
		parts = append(parts, "hold "+d.Hold.Round(time.Millisecond).String())
	}
	if d.Duplicate {
		parts = append(parts, "duplicate after "+d.DuplicateLag.Round(time.Millisecond).String())
	}
	if d.DropResponse {
		parts = append(parts, "drop response")
	}
	if len(parts) == 0 {
		parts = append(parts, "forward")
	}
	s := fmt.Sprintf("#%d %s", d.N, strings.Join(parts, ", "))
	if d.Action != "" {
		s += " (" + d.Action[strings.LastIndexAny(d.Action, "/:")+1:] + ")"
	}
	return s
}

// Stats counts what a Proxy did.
type Stats struct {
	// Requests counts the requests received; Passed those exempted by
	// Config.Pass.
	Requests, Passed uint64
	// DroppedRequests and DroppedResponses count the lost messages.
	DroppedRequests, DroppedResponses uint64
	// Duplicated counts the duplicates sent, Reordered the held requests.
	Duplicated, Reordered uint64
	// Rejected counts the requests refused (in-flight limit, body too
	// large, proxy closed); Failed those the target could not be reached
	// for, or answered with too large a body.
	Rejected, Failed uint64
}

// String is the one-line summary the command line prints.
func (s Stats) String() string {
	return fmt.Sprintf("requests %d (passed %d), dropped %d requests and %d responses, duplicated %d, reordered %d, rejected %d, failed %d",
		s.Requests, s.Passed, s.DroppedRequests, s.DroppedResponses, s.Duplicated, s.Reordered, s.Rejected, s.Failed)
}

// Proxy is the lossy proxy, an http.Handler. It is safe for concurrent
// use; Close stops it.
type Proxy struct {
	cfg       Config
	target    *url.URL
	transport http.RoundTripper
	own       *http.Transport // cfg.Transport == nil
	log       *slog.Logger

	mu  sync.Mutex // guards rng and n
	rng *rand.Rand
	n   uint64

	slots  chan struct{}
	ctx    context.Context // cancelled by Close
	cancel context.CancelFunc
	wg     sync.WaitGroup // the duplicates in flight

	requests, passed, droppedReq, droppedResp, duplicated, reordered, rejected, failed atomic.Uint64
}

// New checks cfg and returns a Proxy.
func New(cfg Config) (*Proxy, error) {
	target, err := url.Parse(cfg.Target)
	if err != nil || (target.Scheme != "http" && target.Scheme != "https") || target.Host == "" {
		return nil, fmt.Errorf("%w: target %q is not an absolute http(s) URL", ErrConfig, cfg.Target)
	}
	for _, p := range []struct {
		name string
		v    float64
	}{{"DropRequest", cfg.DropRequest}, {"DropResponse", cfg.DropResponse}, {"Duplicate", cfg.Duplicate}, {"Reorder", cfg.Reorder}} {
		if !(p.v >= 0 && p.v <= 1) {
			return nil, fmt.Errorf("%w: %s %v is not a probability in [0, 1]", ErrConfig, p.name, p.v)
		}
	}
	if cfg.Delay < 0 || cfg.MaxDelay < 0 || cfg.MaxInFlight < 0 || cfg.MaxBodySize < 0 {
		return nil, fmt.Errorf("%w: negative delay or limit", ErrConfig)
	}
	for i, d := range cfg.Script {
		if d.Hold < 0 || d.DuplicateLag < 0 || (d.DropRequest && (d.DropResponse || d.Duplicate || d.Reorder)) {
			return nil, fmt.Errorf("%w: Script[%d]: a negative delay, or a lost request with another fate", ErrConfig, i)
		}
	}
	cfg.Script = append([]Decision(nil), cfg.Script...)
	if cfg.MaxDelay == 0 {
		cfg.MaxDelay = DefaultMaxDelay
	}
	if cfg.MaxInFlight == 0 {
		cfg.MaxInFlight = DefaultMaxInFlight
	}
	if cfg.MaxBodySize == 0 {
		cfg.MaxBodySize = DefaultMaxBodySize
	}
	p := &Proxy{
		cfg:       cfg,
		target:    target,
		transport: cfg.Transport,
		log:       cfg.Logger,
		rng:       rand.New(rand.NewPCG(cfg.Seed, cfg.Seed^0x9e3779b97f4a7c15)),
		slots:     make(chan struct{}, cfg.MaxInFlight),
	}
	if p.log == nil {
		p.log = slog.Default()
	}
	if p.transport == nil {
		p.own = &http.Transport{
			MaxIdleConnsPerHost: cfg.MaxInFlight,
			IdleConnTimeout:     30 * time.Second,
		}
		p.transport = p.own
	}
	p.ctx, p.cancel = context.WithCancel(context.Background())
	return p, nil
}

// Stats returns the counters so far.
func (p *Proxy) Stats() Stats {
	return Stats{
		Requests: p.requests.Load(), Passed: p.passed.Load(),
		DroppedRequests: p.droppedReq.Load(), DroppedResponses: p.droppedResp.Load(),
		Duplicated: p.duplicated.Load(), Reordered: p.reordered.Load(),
		Rejected: p.rejected.Load(), Failed: p.failed.Load(),
	}
}

// Close stops the proxy: held requests are abandoned (their connections
// closed), later requests answered 503, and Close waits for the
// duplicates in flight. It does not close the http.Server serving the
// proxy.
func (p *Proxy) Close() error {
	p.cancel()
	p.wg.Wait()
	if p.own != nil {
		p.own.CloseIdleConnections()
	}
	return nil
}

// decide draws the next decision: always six draws, whatever they decide,
// so that the sequence depends on the seed and the number of requests
// only.
func (p *Proxy) decide() Decision {
	p.mu.Lock()
	p.n++
	if n := p.n; n <= uint64(len(p.cfg.Script)) {
		d := p.cfg.Script[n-1]
		p.mu.Unlock()
		d.N, d.Action = n, ""
		return d
	}
	d := Decision{N: p.n}
	dropReq := p.rng.Float64() < p.cfg.DropRequest
	dropResp := p.rng.Float64() < p.cfg.DropResponse
	dup := p.rng.Float64() < p.cfg.Duplicate
	lag := p.randDelay()
	reorder := p.rng.Float64() < p.cfg.Reorder
	hold := p.randDelay()
	p.mu.Unlock()
	if dropReq {
		d.DropRequest = true
		return d
	}
	d.DropResponse = dropResp
	if dup {
		d.Duplicate, d.DuplicateLag = true, lag
	}
	if reorder {
		d.Reorder, d.Hold = true, hold
	}
	return d
}

// randDelay is uniform in (0, MaxDelay]; p.mu is held.
func (p *Proxy) randDelay() time.Duration {
	return time.Duration(p.rng.Int64N(int64(p.cfg.MaxDelay))) + 1
}

// ServeHTTP forwards r according to the next decision.
func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.requests.Add(1)
	if p.ctx.Err() != nil {
		p.reject(w, http.StatusServiceUnavailable, "proxy closed")
		return
	}
	select {
	case p.slots <- struct{}{}:
		defer func() { <-p.slots }()
	default:
		p.reject(w, http.StatusServiceUnavailable, "too many requests in flight")
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, p.cfg.MaxBodySize+1))
	if err != nil {
		p.reject(w, http.StatusBadRequest, "reading the request: "+err.Error())
		return
	}
	if int64(len(body)) > p.cfg.MaxBodySize {
		p.reject(w, http.StatusRequestEntityTooLarge, "request body too large")
		return
	}
	if p.cfg.Pass != nil && p.cfg.Pass(r) {
		p.passed.Add(1)
		p.relay(w, r, body, Decision{})
		return
	}
	d := p.decide()
	d.Action = soapAction(r)
	p.log.Debug("lossy: decision", "decision", d.String(), "path", r.URL.Path)
	if p.cfg.OnDecision != nil {
		p.cfg.OnDecision(d)
	}
	if d.DropRequest {
		p.droppedReq.Add(1)
		abort(w)
		return
	}
	wait := p.cfg.Delay
	if d.Reorder {
		p.reordered.Add(1)
		wait += d.Hold
	}
	if !p.sleep(r.Context(), wait) {
		abort(w)
		return
	}
	p.relay(w, r, body, d)
}

// relay forwards the request and writes the target's response, or loses
// it as d says.
func (p *Proxy) relay(w http.ResponseWriter, r *http.Request, body []byte, d Decision) {
	resp, err := p.forward(r.Context(), r, body)
	if d.Duplicate {
		// The copy follows the original, which the target has answered:
		// a byte-identical copy that overtook it would make a target
		// with replay detection refuse the original instead.
		p.duplicate(r, body, d.DuplicateLag)
	}
	if err != nil {
		p.failed.Add(1)
		p.log.Warn("lossy: forwarding failed", "err", err)
		http.Error(w, "lossy proxy: "+err.Error(), http.StatusBadGateway)
		return
	}
	if d.DropResponse {
		p.droppedResp.Add(1)
		abort(w)
		return
	}
	copyHeader(w.Header(), resp.header)
	w.WriteHeader(resp.status)
	_, _ = w.Write(resp.body)
}

// duplicate sends a copy of the request lag after the original was
// answered, in the background, when a slot is free; its answer is thrown
// away.
func (p *Proxy) duplicate(r *http.Request, body []byte, lag time.Duration) {
	select {
	case p.slots <- struct{}{}:
	default:
		return
	}
	p.duplicated.Add(1)
	dup := r.Clone(p.ctx)
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		defer func() { <-p.slots }()
		if !p.sleep(p.ctx, lag) {
			return
		}
		if _, err := p.forward(p.ctx, dup, body); err != nil && p.ctx.Err() == nil {
			p.log.Warn("lossy: forwarding a duplicate failed", "err", err)
		}
	}()
}

// response is a buffered response of the target.
type response struct {
	status int
	header http.Header
	body   []byte
}

// forward sends the request to the target and reads the whole response.
func (p *Proxy) forward(ctx context.Context, r *http.Request, body []byte) (*response, error) {
	u := *p.target
	u.Path = joinPath(p.target.Path, r.URL.Path)
	u.RawPath = ""
	u.RawQuery = r.URL.RawQuery
	out, err := http.NewRequestWithContext(ctx, r.Method, u.String(), bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	copyHeader(out.Header, r.Header)
	out.Host = r.Host
	resp, err := p.transport.RoundTrip(out)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	rb, err := io.ReadAll(io.LimitReader(resp.Body, p.cfg.MaxBodySize+1))
	if err != nil {
		return nil, fmt.Errorf("reading the response: %w", err)
	}
	if int64(len(rb)) > p.cfg.MaxBodySize {
		return nil, errors.New("response body too large")
	}
	return &response{status: resp.StatusCode, header: resp.Header, body: rb}, nil
}

// sleep waits d, or less when ctx or the proxy ends first (false then).
func (p *Proxy) sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil && p.ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	case <-p.ctx.Done():
		return false
	}
}

func (p *Proxy) reject(w http.ResponseWriter, status int, msg string) {
	p.rejected.Add(1)
	http.Error(w, "lossy proxy: "+msg, status)
}

// abort loses the exchange: the client's connection is closed without a
// response.
func abort(w http.ResponseWriter) {
	if hj, ok := w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			_ = conn.Close()
			return
		}
	}
	// Not hijackable (HTTP/2): net/http resets the stream.
	panic(http.ErrAbortHandler)
}

// copyHeader copies the end-to-end headers of src to dst: not those that
// belong to one connection (RFC 9110 §7.6.1), nor Content-Length, which
// the body sets.
func copyHeader(dst, src http.Header) {
	for k, vs := range src {
		dst[k] = append([]string(nil), vs...)
	}
	for _, f := range src.Values("Connection") {
		for _, k := range strings.Split(f, ",") {
			dst.Del(strings.TrimSpace(k))
		}
	}
	for _, k := range [...]string{"Connection", "Keep-Alive", "Proxy-Authenticate", "Proxy-Authorization",
		"Proxy-Connection", "Te", "Trailer", "Transfer-Encoding", "Upgrade", "Content-Length"} {
		dst.Del(k)
	}
}

// joinPath joins the target's path and the request's with one slash.
func joinPath(base, p string) string {
	switch {
	case base == "" || base == "/":
		if p == "" {
			return "/"
		}
		return p
	case p == "" || p == "/":
		return base
	}
	return strings.TrimSuffix(base, "/") + "/" + strings.TrimPrefix(p, "/")
}

// PassActions returns a Config.Pass that exempts the SOAP messages whose
// action (SOAP 1.2's Content-Type action parameter, or SOAP 1.1's
// SOAPAction header) starts with one of prefixes: the WS-Trust namespace,
// say, to spare a secure session's handshake.
func PassActions(prefixes ...string) func(*http.Request) bool {
	prefixes = append([]string(nil), prefixes...)
	return func(r *http.Request) bool {
		action := soapAction(r)
		if action == "" {
			return false
		}
		for _, p := range prefixes {
			if strings.HasPrefix(action, p) {
				return true
			}
		}
		return false
	}
}

// OnlyActions returns a Config.Pass that exempts every request but the
// SOAP messages whose action starts with one of prefixes: the link then
// acts on those only (a lost CreateSequence, say).
func OnlyActions(prefixes ...string) func(*http.Request) bool {
	match := PassActions(prefixes...)
	return func(r *http.Request) bool { return !match(r) }
}

// soapAction is the action of a SOAP request over HTTP: SOAP 1.2's
// Content-Type action parameter, or SOAP 1.1's SOAPAction header.
func soapAction(r *http.Request) string {
	if _, a, ok := soap.VersionFromContentType(r.Header.Get("Content-Type")); ok && a != "" {
		return a
	}
	return strings.Trim(r.Header.Get("SOAPAction"), `"`)
}
