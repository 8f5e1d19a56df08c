package farmtest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/beevik/etree"
	"github.com/redis/go-redis/v9"

	"github.com/soapstack/soapstack/internal/lossy"
	"github.com/soapstack/soapstack/internal/scref"
	"github.com/soapstack/soapstack/internal/testredis"
	"github.com/soapstack/soapstack/internal/wstrust"
	"github.com/soapstack/soapstack/redisstore"
	"github.com/soapstack/soapstack/reliable"
	"github.com/soapstack/soapstack/secureconv"
	"github.com/soapstack/soapstack/soap"
	"github.com/soapstack/soapstack/wssecurity"
)

const (
	actionRMEcho         = nsEcho + "/rmecho"
	actionRMEchoResponse = actionRMEcho + "Response"
	rmPrefix             = "rmfarm:"
)

// msgKey names one application message: its session, the caller of the
// session that sent it and its index among that caller's messages.
type msgKey struct{ session, caller, index int }

func (k msgKey) String() string { return fmt.Sprintf("%d/%d/%d", k.session, k.caller, k.index) }

func (k msgKey) payload(local string) *etree.Element {
	el := etree.NewElement("t:" + local)
	el.CreateAttr("xmlns:t", nsEcho)
	el.CreateAttr("session", strconv.Itoa(k.session))
	el.CreateAttr("caller", strconv.Itoa(k.caller))
	el.CreateAttr("index", strconv.Itoa(k.index))
	return el
}

func parseKey(el *etree.Element) (msgKey, error) {
	if el == nil {
		return msgKey{}, errors.New("no payload")
	}
	var k msgKey
	var errs []error
	for _, f := range []struct {
		name string
		v    *int
	}{{"session", &k.session}, {"caller", &k.caller}, {"index", &k.index}} {
		n, err := strconv.Atoi(el.SelectAttrValue(f.name, ""))
		*f.v = n
		errs = append(errs, err)
	}
	return k, errors.Join(errs...)
}

// recorder is the application of every node of the farm: it checks each
// message it is given as it comes, with the node that ran it and the
// WS-RM message number it came with, so that delivery can be checked
// across the farm in constant memory per caller: a caller sends its
// messages one after the other, so exactly once and in order means that
// its indexes come 0, 1, 2, ..., and a sequence's message numbers 1, 2,
// 3, ...
type recorder struct {
	mu      sync.Mutex
	next    map[[2]int]int   // session, caller -> the index expected next
	numbers map[string]int64 // sequence -> the last message number delivered
	perNode []int
	bad     []string
	total   atomic.Int64
}

func newRecorder(nodes int) *recorder {
	return &recorder{next: map[[2]int]int{}, numbers: map[string]int64{}, perNode: make([]int, nodes)}
}

// fail records a wrong delivery (the first 20 are kept).
func (r *recorder) fail(format string, args ...any) {
	if len(r.bad) < 20 {
		r.bad = append(r.bad, fmt.Sprintf(format, args...))
	}
}

// handler is node i's application.
func (r *recorder) handler(i int) soap.Handler {
	return soap.HandlerFunc(func(ctx context.Context, req *soap.Message) (*soap.Message, error) {
		k, err := parseKey(req.Payload())
		seqID, number := "", int64(-1)
		for _, ns := range []string{reliable.NSRM200502, reliable.NSRM11} {
			if h := req.FindHeader(ns, "Sequence"); h != nil {
				if id := h.SelectElement("Identifier"); id != nil {
					seqID = strings.TrimSpace(id.Text())
				}
				if n := h.SelectElement("MessageNumber"); n != nil {
					number, _ = strconv.ParseInt(strings.TrimSpace(n.Text()), 10, 64)
				}
			}
		}
		r.mu.Lock()
		switch c := [2]int{k.session, k.caller}; {
		case err != nil:
			r.fail("%v", err)
		case seqID == "":
			r.fail("%v delivered without its Sequence header", k)
		default:
			if k.index != r.next[c] {
				r.fail("message %v delivered when %d/%d/%d was due (a duplicate, a loss or a reordering)", k, k.session, k.caller, r.next[c])
			}
			if last := r.numbers[seqID]; number != last+1 {
				r.fail("sequence %s: message number %d delivered after %d", seqID, number, last)
			}
			r.next[c] = max(r.next[c], k.index+1)
			r.numbers[seqID] = max(r.numbers[seqID], number)
			r.perNode[i]++
		}
		r.mu.Unlock()
		if err != nil {
			return nil, soap.SenderFault(err.Error())
		}
		r.total.Add(1)
		return soap.Reply(req, actionRMEchoResponse, k.payload("echoed"))
	})
}

func (r *recorder) served(i int) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.perNode[i]
}

// check reports every wrong delivery, and every caller of keys whose
// messages did not all arrive.
func (r *recorder) check(t *testing.T, keys []msgKey) {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, b := range r.bad {
		t.Error(b)
	}
	sent := map[[2]int]int{}
	for _, k := range keys {
		c := [2]int{k.session, k.caller}
		sent[c] = max(sent[c], k.index+1)
	}
	for c, n := range sent {
		if r.next[c] != n {
			t.Errorf("caller %d/%d: %d messages delivered, %d sent", c[0], c[1], r.next[c], n)
		}
	}
	for c := range r.next {
		if _, ok := sent[c]; !ok {
			t.Errorf("caller %d/%d: delivered, never sent", c[0], c[1])
		}
	}
}

// rmFarmOptions vary the farm of reliable secure sessions.
type rmFarmOptions struct {
	// lifetime of the session tokens (1 h when zero).
	lifetime time.Duration
	// timestampTTL and skew of the messages, which bound how long the
	// replay cache keeps an entry (5 min each when zero).
	timestampTTL, skew time.Duration
	// inactivity is the sequences' inactivity timeout (10 min when zero).
	inactivity time.Duration
}

// rmFarm is three nodes running reliable sessions over secure sessions
// (reference mode), sharing one Redis for the token cache, the replay
// cache and the sequence store, behind HAProxy.
type rmFarm struct {
	redis        *testredis.Server
	nodes        []*httptest.Server
	rec          *recorder
	lb           string
	cert         *wssecurity.Certificate
	boot, policy wssecurity.Policy
	opts         rmFarmOptions
	trips        atomic.Int64 // the nodes' round trips to Redis
}

// rmPolicies returns the bootstrap and session policies of the farm: an
// anonymous client over the service certificate, and derived keys of
// the session token for the application and RM messages.
func rmPolicies(o rmFarmOptions) (boot, policy wssecurity.Policy) {
	boot = wssecurity.AnonymousForCertificate(wssecurity.Basic128)
	boot.TimestampTTL, boot.MaxClockSkew = o.timestampTTL, o.skew
	policy = boot
	policy.ProtectionToken = &wssecurity.Token{Kind: wssecurity.SecureConversationToken,
		Inclusion: wssecurity.IncludeAlwaysToRecipient, DerivedKeys: true}
	policy.RequireSignatureConfirmation = false
	return boot, policy
}

func startRMFarm(t testing.TB, o rmFarmOptions) *rmFarm {
	t.Helper()
	f := &rmFarm{redis: testredis.Start(t), rec: newRecorder(3), cert: loadCert(t), opts: o}
	f.boot, f.policy = rmPolicies(o)
	ring := newRing(t)
	var backends []string
	for i := range 3 {
		srv := f.startNode(t, i, ring)
		f.nodes = append(f.nodes, srv)
		backends = append(backends, strings.TrimPrefix(srv.URL, "http://"))
	}
	f.lb = startHAProxy(t, backends)
	return f
}

// startNode starts node i with its own Redis client, as a separate process
// has; its log goes to a file shown when the test fails.
func (f *rmFarm) startNode(t testing.TB, i int, ring *secureconv.KeyRing) *httptest.Server {
	t.Helper()
	rc := redis.NewClient(&redis.Options{Addr: f.redis.Addr, ContextTimeoutEnabled: true})
	rc.AddHook(tripCounter{&f.trips})
	t.Cleanup(func() { rc.Close() })
	opts := redisstore.Options{Prefix: rmPrefix, Timeout: time.Second}
	tokens, err := redisstore.NewTokenCache(rc, redisstore.TokenCacheOptions{Options: opts, Seal: ring})
	if err != nil {
		t.Fatal(err)
	}
	replay, err := redisstore.NewReplayCache(rc, opts)
	if err != nil {
		t.Fatal(err)
	}
	// The bound on pending sequences is the farm's (4 by default, WCF's
	// MaxPendingChannels): room for the soak's sessions starting at once.
	seqs, err := redisstore.NewSequenceStore(rc, redisstore.SequenceOptions{Options: opts, MaxPending: 64})
	if err != nil {
		t.Fatal(err)
	}
	log := nodeLog(t, i)
	sc, err := secureconv.ServerLayer(secureconv.ServerConfig{Version: secureconv.V200502, Bootstrap: f.boot, Policy: f.policy,
		Security: wssecurity.Config{Certificate: f.cert, Replay: replay, Logger: log}, Cache: tokens, Lifetime: f.opts.lifetime})
	if err != nil {
		t.Fatal(err)
	}
	rm, err := reliable.ServerLayer(reliable.ServerConfig{Store: seqs, RequireSecureSession: true, InactivityTimeout: f.opts.inactivity,
		ClaimTimeout: 5 * time.Second, DeliveryTimeout: 5 * time.Second, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(soap.NewHTTPHandler(soap.ChainHandler(f.rec.handler(i), sc, rm), soap.WithLogger(log)))
	t.Cleanup(srv.Close)
	return srv
}

// nodeLog returns node i's logger (warnings and errors, to a file), and
// shows the file's end when t fails.
func nodeLog(t testing.TB, i int) *slog.Logger {
	path := filepath.Join(t.TempDir(), fmt.Sprintf("node%d.log", i))
	file, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		file.Close()
		if !t.Failed() {
			return
		}
		b, _ := os.ReadFile(path)
		if len(b) > 4000 {
			b = b[len(b)-4000:]
		}
		t.Logf("node %d log (end):\n%s", i, b)
	})
	return slog.New(slog.NewTextHandler(file, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

// rmSession is one client of the farm: a reliable session over a secure
// session, through a lossy link to the balancer when loss is set.
type rmSession struct {
	id     int
	url    string
	sc     *secureconv.Client
	rm     *reliable.Client
	hc     *http.Client
	proxy  *lossy.Proxy
	events atomic.Int64 // retransmissions
	cut    atomic.Bool  // the client's network is gone: every request fails
}

// cutTransport fails every request once cut is set.
type cutTransport struct {
	base http.RoundTripper
	cut  *atomic.Bool
}

var errCut = errors.New("farmtest: the client's network is cut")

func (c cutTransport) CloseIdleConnections() {
	if t, ok := c.base.(interface{ CloseIdleConnections() }); ok {
		t.CloseIdleConnections()
	}
}

func (c cutTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if c.cut.Load() {
		return nil, errCut
	}
	return c.base.RoundTrip(r)
}

// session opens client id of the farm at target (the balancer, or a
// node), through a lossy link with loss when loss is not nil.
func (f *rmFarm) session(t testing.TB, id int, target string, loss *lossy.Config) *rmSession {
	t.Helper()
	s := &rmSession{id: id, url: target + "/svc"}
	s.hc = &http.Client{Transport: cutTransport{base: &http.Transport{MaxIdleConnsPerHost: 64}, cut: &s.cut}}
	t.Cleanup(s.hc.CloseIdleConnections)
	if loss != nil {
		l := *loss
		l.Target = target
		l.Logger = slog.New(slog.DiscardHandler)
		// The secure session's handshake and Cancel are spared: WCF does
		// not run them under the reliable session, nor retransmit them.
		l.Pass = lossy.PassActions(wstrust.NSTrust200502)
		p, err := lossy.New(l)
		if err != nil {
			t.Fatal(err)
		}
		link := httptest.NewServer(p)
		t.Cleanup(func() { link.Close(); _ = p.Close() })
		s.proxy, s.url = p, link.URL+"/svc"
	}
	quiet := slog.New(slog.DiscardHandler)
	next := soap.NewHTTPClient(s.url, soap.WithHTTPClient(s.hc), soap.WithLogger(quiet))
	var err error
	s.sc, err = secureconv.NewClient(next, secureconv.ClientConfig{Version: secureconv.V200502, Bootstrap: f.boot,
		Policy: f.policy, Cancel: true, To: s.url, Addressing: soap.WSA10,
		Security: wssecurity.Config{PeerCertificate: f.cert.Cert, Logger: quiet}})
	if err != nil {
		t.Fatal(err)
	}
	s.rm, err = reliable.NewClient(s.sc, reliable.ClientConfig{To: s.url, MaxTransferWindowSize: 8, MaxRetryCount: 20,
		RetryInterval: 20 * time.Millisecond, AcknowledgementInterval: 10 * time.Millisecond, InactivityTimeout: f.opts.inactivity,
		SecureSession: scref.SecureSession(s.sc, secureconv.V200502), Logger: quiet,
		OnEvent: func(e reliable.Event) {
			if e.Kind == reliable.EventRetransmitted {
				s.events.Add(1)
			}
		}})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// call sends message k and checks that its reply is k's.
func (s *rmSession) call(ctx context.Context, k msgKey) error {
	req := soap.NewMessageWithBody(soap.V12, k.payload("rmecho"))
	a, err := soap.RequestAddressing(soap.WSA10, actionRMEcho, s.url, nil)
	if err != nil {
		return err
	}
	req.SetAddressing(a)
	req.SOAPAction = actionRMEcho
	resp, err := s.rm.Call(ctx, req)
	if err != nil {
		return fmt.Errorf("message %v: %w", k, err)
	}
	if resp == nil || resp.Addressing.Action != actionRMEchoResponse {
		return fmt.Errorf("message %v: reply %v", k, resp)
	}
	if got, err := parseKey(resp.Payload()); err != nil || got != k {
		return fmt.Errorf("message %v: the reply to %v (%v)", k, got, err)
	}
	return nil
}

// close terminates the reliable session, then cancels the secure one.
func (s *rmSession) close(ctx context.Context) error {
	return errors.Join(s.rm.Close(ctx), s.sc.Close(ctx))
}

// drive sends n messages of s from callers concurrent callers (each
// sending its own one after the other) and returns the keys sent, with
// the first error. Messages go while more() is true when more is set.
func (s *rmSession) drive(ctx context.Context, n, callers int, more func() bool) ([]msgKey, error) {
	var wg sync.WaitGroup
	var mu sync.Mutex
	var sent []msgKey
	var first atomic.Pointer[error]
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	for c := range callers {
		wg.Go(func() {
			for i := 0; (n <= 0 || c+i*callers < n) && (more == nil || more()); i++ {
				k := msgKey{s.id, c, i}
				mu.Lock()
				sent = append(sent, k)
				mu.Unlock()
				if err := s.call(ctx, k); err != nil {
					if first.CompareAndSwap(nil, &err) {
						cancel()
					}
					return
				}
			}
		})
	}
	wg.Wait()
	if p := first.Load(); p != nil {
		return sent, *p
	}
	return sent, nil
}

// TestFarmReliableSession runs one reliable secure session through a
// lossy link (7% of requests and of responses lost, 5% duplicated, 7%
// reordered, seeded) to HAProxy in front of three nodes that share the
// token cache, the replay cache and the sequence store in Redis, round
// robin without stickiness: 300 request-reply calls from 4 callers. Half
// way one node is shut down. Every message runs exactly once, in order
// of its message number, whichever node it (or its retransmission)
// landed on; every node ran some; the session closes cleanly.
func TestFarmReliableSession(t *testing.T) {
	f := startRMFarm(t, rmFarmOptions{})
	loss := lossy.Config{DropRequest: 0.07, DropResponse: 0.07, Duplicate: 0.05, Reorder: 0.07,
		MaxDelay: 10 * time.Millisecond, Seed: 11}
	s := f.session(t, 0, "http://"+f.lb, &loss)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	const calls, callers = 300, 4

	// Node 1 is shut down once half the calls ran: it takes no new
	// connection and finishes the requests it has (its store steps are
	// done or not, never half).
	killed := make(chan int)
	go func() {
		defer close(killed)
		for f.rec.total.Load() < calls/2 {
			select {
			case <-ctx.Done():
				return
			case <-time.After(5 * time.Millisecond):
			}
		}
		f.nodes[1].Close()
		killed <- f.rec.served(1)
	}()
	start := time.Now()
	keys, err := s.drive(ctx, calls, callers, nil)
	if err != nil {
		t.Fatal(err)
	}
	elapsed := time.Since(start)
	servedBefore, ok := <-killed
	if !ok {
		t.Fatal("node 1 was not shut down")
	}
	if err := s.close(ctx); err != nil {
		t.Fatalf("close: %v", err)
	}
	if len(keys) != calls {
		t.Fatalf("%d calls sent, want %d", len(keys), calls)
	}
	f.rec.check(t, keys)
	st := s.proxy.Stats()
	t.Logf("%d calls in %v; per node %v (node 1 shut down after %d); %d retransmissions; link: %v",
		calls, elapsed.Round(time.Millisecond), f.rec.perNode, servedBefore, s.events.Load(), st)
	for i := range f.nodes {
		if f.rec.served(i) == 0 {
			t.Errorf("node %d ran no call: the balancer is sticky or down", i)
		}
	}
	if f.rec.served(1) != servedBefore {
		t.Errorf("node 1 ran %d calls after its shutdown", f.rec.served(1)-servedBefore)
	}
	if st.DroppedRequests+st.DroppedResponses == 0 || st.Duplicated == 0 || st.Reordered == 0 {
		t.Errorf("the link did not lose, duplicate and reorder: %+v", st)
	}
}
