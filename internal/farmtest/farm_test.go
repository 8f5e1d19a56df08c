package farmtest

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/beevik/etree"
	"github.com/redis/go-redis/v9"

	"github.com/soapstack/soapstack/binding"
	"github.com/soapstack/soapstack/internal/testredis"
	"github.com/soapstack/soapstack/redisstore"
	"github.com/soapstack/soapstack/secureconv"
	"github.com/soapstack/soapstack/soap"
	"github.com/soapstack/soapstack/wssecurity"
)

const (
	nsEcho     = "urn:soapstack:farm:test"
	actionEcho = nsEcho + "/echo"
)

func users() wssecurity.UsernameValidator {
	return &wssecurity.UsernameTokenVerifier{CheckPassword: func(_ context.Context, user, password string) error {
		if user == "alice" && password == "clarinet" {
			return nil
		}
		return wssecurity.ErrFailedAuthentication
	}}
}

// node is one server of the farm.
type node struct {
	srv      *httptest.Server
	requests atomic.Int32 // every POST
	issues   atomic.Int32 // secure session handshakes
	calls    atomic.Int32 // application calls
	trips    atomic.Int64 // round trips to Redis
	logPath  string       // the node's log file
	mu       sync.Mutex
	last     []byte // the last application request, as received
	lastType string
}

// wsHTTP is wsHttpBinding with a username bootstrap and a secure session
// (reference mode).
func wsHTTP() binding.Binding {
	b := binding.WSHttpBinding()
	b.Security.Message.ClientCredentialType = binding.CredentialUserName
	b.Security.Message.NegotiateServiceCredential = false
	b.Security.Message.EstablishSecurityContext = true
	return b
}

// startNode starts a node sharing Redis at addr, with its own client (as
// a separate process has): its sessions in cookie mode under ring (the
// replay cache falling back to the node's own during an outage), or in
// reference mode in the shared token cache.
func startNode(t testing.TB, i int, addr string, cert *wssecurity.Certificate, ring *secureconv.KeyRing, cookies bool) *node {
	t.Helper()
	n := &node{logPath: filepath.Join(t.TempDir(), fmt.Sprintf("node%d.log", i))}
	rc := redis.NewClient(&redis.Options{Addr: addr, ContextTimeoutEnabled: true})
	rc.AddHook(tripCounter{&n.trips})
	t.Cleanup(func() { rc.Close() })
	opts := redisstore.Options{Prefix: "farm:", Timeout: 500 * time.Millisecond}
	tokens, err := redisstore.NewTokenCache(rc, redisstore.TokenCacheOptions{Options: opts, Seal: ring})
	if err != nil {
		t.Fatal(err)
	}
	replay, err := redisstore.NewReplayCache(rc, opts)
	if err != nil {
		t.Fatal(err)
	}
	logFile, err := os.Create(n.logPath)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { logFile.Close() })
	app := soap.HandlerFunc(func(ctx context.Context, req *soap.Message) (*soap.Message, error) {
		n.calls.Add(1)
		el := etree.NewElement("t:echoResponse")
		el.CreateAttr("xmlns:t", nsEcho)
		el.SetText(req.Payload().Text())
		return soap.NewReply(req, actionEcho+"Response", el, nil)
	})
	hopts := []binding.HandlerOption{binding.WithLogger(slog.New(slog.NewTextHandler(logFile, nil)))}
	if cookies {
		// Cookie mode needs Redis for replays only: with a local
		// fallback, sessions go on through an outage.
		hopts = append(hopts, binding.WithCookies(ring),
			binding.WithReplayCache(&redisstore.FallbackReplayCache{Shared: replay, Local: wssecurity.NewMemoryReplayCache()}))
	} else {
		hopts = append(hopts, binding.WithTokenCache(tokens), binding.WithReplayCache(replay))
	}
	h, err := binding.NewHandler(app, wsHTTP(), binding.Credentials{ServiceCertificate: cert, UserNameValidator: users()}, hopts...)
	if err != nil {
		t.Fatal(err)
	}
	n.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		n.requests.Add(1)
		ct := r.Header.Get("Content-Type")
		switch {
		case strings.Contains(ct, "/RST/SCT\""), strings.Contains(ct, "/RST/SCT;"):
			n.issues.Add(1)
		case strings.Contains(ct, actionEcho):
			n.mu.Lock()
			n.last, n.lastType = body, ct
			n.mu.Unlock()
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(n.srv.Close)
	return n
}

func echo(ctx context.Context, c *binding.Client, text string) (string, error) {
	el := etree.NewElement("t:echo")
	el.CreateAttr("xmlns:t", nsEcho)
	el.SetText(text)
	req, err := c.NewRequest(actionEcho, el)
	if err != nil {
		return "", err
	}
	resp, err := c.Call(ctx, req)
	if err != nil {
		return "", err
	}
	return resp.Payload().Text(), nil
}

// TestFarmReferenceSession runs a reference-mode secure session through
// HAProxy (round robin, no stickiness) in front of three nodes that share
// one Redis: 100 calls on one session, every node serves some, one
// handshake only; then a request replayed to another node than the one
// that received it is refused as a replay.
func TestFarmReferenceSession(t *testing.T) {
	f := startFarm(t, false)
	nodes, lb, c := f.nodes, f.lb, f.client(t)
	ctx := context.Background()
	const calls = 100
	for i := range calls {
		want := "call " + string(rune('A'+i%26))
		got, err := echo(ctx, c, want)
		if err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
		if got != want {
			t.Fatalf("call %d: answer %q", i, got)
		}
	}
	var issues, served int32
	for i, n := range nodes {
		t.Logf("node %d: %d requests, %d application calls, %d handshakes", i, n.requests.Load(), n.calls.Load(), n.issues.Load())
		if n.calls.Load() == 0 {
			t.Errorf("node %d served no call: the balancer is sticky or down", i)
		}
		issues += n.issues.Load()
		served += n.calls.Load()
	}
	if issues != 1 || served != calls {
		t.Fatalf("%d handshakes and %d calls served, want 1 and %d: the session did not survive the moves", issues, served, calls)
	}
	checkReplay(t, nodes, lb)
	if err := c.Close(ctx); err != nil {
		t.Fatalf("Cancel through the balancer: %v", err)
	}
}

// farm is three nodes sharing one Redis behind HAProxy.
type farm struct {
	redis *testredis.Server
	nodes []*node
	lb    string
	cert  *wssecurity.Certificate
}

func startFarm(t testing.TB, cookies bool) *farm {
	t.Helper()
	redisSrv := testredis.Start(t)
	cert := loadCert(t)
	ring := newRing(t)
	var nodes []*node
	var backends []string
	for i := range 3 {
		n := startNode(t, i, redisSrv.Addr, cert, ring, cookies)
		nodes = append(nodes, n)
		backends = append(backends, strings.TrimPrefix(n.srv.URL, "http://"))
	}
	return &farm{redis: redisSrv, nodes: nodes, lb: startHAProxy(t, backends), cert: cert}
}

// client returns a client of the farm, through the balancer.
func (f *farm) client(t testing.TB) *binding.Client {
	t.Helper()
	return f.clientAt(t, "http://"+f.lb+"/svc")
}

// clientAt returns a client of the farm's service at url.
func (f *farm) clientAt(t testing.TB, url string) *binding.Client {
	t.Helper()
	c, err := binding.NewClient(url, wsHTTP(), binding.Credentials{
		ServiceCertificate: &wssecurity.Certificate{Cert: f.cert.Cert}, UserName: "alice", Password: "clarinet"})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// checkReplay sends the last application request one node received to
// another node: it must be refused by the shared replay cache, and the
// operation must not run.
func checkReplay(t *testing.T, nodes []*node, lb string) {
	// A replay of the last call, sent straight to another node.
	var from int
	var body []byte
	var ct string
	for i, n := range nodes {
		n.mu.Lock()
		if n.last != nil && body == nil {
			from, body, ct = i, n.last, n.lastType
		}
		n.mu.Unlock()
	}
	if body == nil {
		t.Fatal("no application request recorded")
	}
	to := nodes[(from+1)%len(nodes)]
	before := to.calls.Load()
	// Sent as the balancer forwards it (the Host the client addressed).
	replay, err := http.NewRequest(http.MethodPost, to.srv.URL+"/svc", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	replay.Host = lb
	replay.Header.Set("Content-Type", ct)
	resp, err := http.DefaultClient.Do(replay)
	if err != nil {
		t.Fatal(err)
	}
	answer, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusInternalServerError || !bytes.Contains(answer, []byte("InvalidSecurity")) {
		t.Fatalf("replay to node %d answered %d: %s", (from+1)%len(nodes), resp.StatusCode, answer)
	}
	if to.calls.Load() != before {
		t.Fatal("the replayed call ran")
	}
	if log, _ := os.ReadFile(to.logPath); !bytes.Contains(log, []byte("replay detected")) {
		t.Fatalf("the refusal was not the replay check:\n%s", log)
	}
}

// TestFarmRedisRestart stops Redis in the middle of a reference-mode
// session: the calls meanwhile get a Receiver fault (never an accept, and
// the session is not dropped for it); once Redis is back without its data
// the session is unknown (BadContextToken) and the client re-establishes
// it once, on whatever node.
func TestFarmRedisRestart(t *testing.T) {
	f := startFarm(t, false)
	c := f.client(t)
	ctx := context.Background()
	for i := range 6 {
		if _, err := echo(ctx, c, "before"); err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
	}
	calls := f.calls()
	f.redis.Stop()
	for i := range 3 {
		_, err := echo(ctx, c, "during")
		fault, ok := soap.AsFault(err)
		if !ok || fault.Code != soap.CodeReceiver {
			t.Fatalf("call %d with Redis down: %v, want a Receiver fault", i, err)
		}
	}
	if f.calls() != calls {
		t.Fatal("an operation ran while Redis was down")
	}
	f.redis.Restart()
	for i := range 6 {
		if got, err := echo(ctx, c, "after"); err != nil || got != "after" {
			t.Fatalf("call %d after the restart: %q %v", i, got, err)
		}
	}
	if n := f.issues(); n != 2 {
		t.Fatalf("%d handshakes, want 2 (the session re-established once)", n)
	}
}

// TestFarmRedisRestartCookie stops and restarts Redis in the middle of a
// cookie-mode session whose nodes fall back to their own replay caches:
// no call fails and no new session is needed.
func TestFarmRedisRestartCookie(t *testing.T) {
	f := startFarm(t, true)
	c := f.client(t)
	ctx := context.Background()
	for _, phase := range []string{"before", "during", "after"} {
		switch phase {
		case "during":
			f.redis.Stop()
		case "after":
			f.redis.Restart()
		}
		for i := range 6 {
			if got, err := echo(ctx, c, phase); err != nil || got != phase {
				t.Fatalf("call %d %s the outage: %q %v", i, phase, got, err)
			}
		}
	}
	if n := f.issues(); n != 1 {
		t.Fatalf("%d handshakes, want 1", n)
	}
	if got := f.calls(); got != 18 {
		t.Fatalf("%d calls served, want 18", got)
	}
}

func (f *farm) calls() (n int32) {
	for _, x := range f.nodes {
		n += x.calls.Load()
	}
	return n
}

// trips returns the nodes' round trips to Redis.
func (f *farm) trips() (n int64) {
	for _, x := range f.nodes {
		n += x.trips.Load()
	}
	return n
}

func (f *farm) issues() (n int32) {
	for _, x := range f.nodes {
		n += x.issues.Load()
	}
	return n
}

// TestFarmNodeLoss kills one node in the middle of a run, in both modes:
// the balancer sends its share to the survivors, which serve the session
// from Redis (reference mode) or from its cookie (cookie mode); no call
// fails and no new session is needed.
func TestFarmNodeLoss(t *testing.T) {
	for _, cookies := range []bool{false, true} {
		t.Run(map[bool]string{false: "reference", true: "cookie"}[cookies], func(t *testing.T) {
			f := startFarm(t, cookies)
			c := f.client(t)
			ctx := context.Background()
			for i := range 30 {
				if _, err := echo(ctx, c, "before"); err != nil {
					t.Fatalf("call %d: %v", i, err)
				}
			}
			f.nodes[1].srv.Close() // the node is gone: connections refused
			lost := f.nodes[1].calls.Load()
			if lost == 0 {
				t.Fatal("node 1 served nothing before it was lost")
			}
			for i := range 30 {
				if _, err := echo(ctx, c, "after"); err != nil {
					t.Fatalf("call %d after the node was lost: %v", i, err)
				}
			}
			if f.nodes[1].calls.Load() != lost {
				t.Fatal("the lost node served calls")
			}
			if got := f.calls(); got != 60 {
				t.Fatalf("%d calls served, want 60", got)
			}
			for _, i := range []int{0, 2} {
				if f.nodes[i].calls.Load() <= 10 {
					t.Errorf("node %d served %d calls", i, f.nodes[i].calls.Load())
				}
			}
			if n := f.issues(); n != 1 {
				t.Fatalf("%d handshakes, want 1", n)
			}
			if err := c.Close(ctx); err != nil {
				t.Fatalf("Cancel: %v", err)
			}
		})
	}
}

// TestFarmConcurrentSessions runs many reference-mode sessions at once
// through the balancer, then cancels them: every call succeeds, each
// session has one handshake, and Redis keeps nothing of the cancelled
// sessions (only replay entries, each with its TTL).
func TestFarmConcurrentSessions(t *testing.T) {
	f := startFarm(t, false)
	const (
		sessions = 12
		calls    = 15
	)
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, sessions)
	clients := make([]*binding.Client, sessions)
	for s := range clients {
		clients[s] = f.client(t)
	}
	for s, c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range calls {
				want := fmt.Sprintf("session %d call %d", s, i)
				if got, err := echo(ctx, c, want); err != nil || got != want {
					errs <- fmt.Errorf("session %d call %d: %q %v", s, i, got, err)
					return
				}
			}
			if err := c.Close(ctx); err != nil {
				errs <- fmt.Errorf("session %d: Cancel: %v", s, err)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if got := f.calls(); got != sessions*calls {
		t.Fatalf("%d calls served, want %d", got, sessions*calls)
	}
	if got := f.issues(); got != sessions {
		t.Fatalf("%d handshakes for %d sessions", got, sessions)
	}
	rc := redis.NewClient(&redis.Options{Addr: f.redis.Addr})
	defer rc.Close()
	keys, err := rc.Keys(ctx, "farm:*").Result()
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		if !strings.HasPrefix(k, "farm:replay:") {
			t.Errorf("key %s left after every session was cancelled", k)
			continue
		}
		if ttl, err := rc.PTTL(ctx, k).Result(); err != nil || ttl <= 0 {
			t.Errorf("replay key %s without TTL (%v %v)", k, ttl, err)
		}
	}
	t.Logf("%d replay entries for %d messages", len(keys), sessions*(calls+2))
}

// newRing returns a key ring of one random key.
func newRing(t testing.TB) *secureconv.KeyRing {
	t.Helper()
	secret := make([]byte, secureconv.RingKeySize)
	if _, err := rand.Read(secret); err != nil {
		t.Fatal(err)
	}
	ring, err := secureconv.NewKeyRing(secureconv.RingKey{ID: 1, Secret: secret})
	if err != nil {
		t.Fatal(err)
	}
	return ring
}

// loadCert loads the service certificate of interop/pki.
func loadCert(t testing.TB) *wssecurity.Certificate {
	t.Helper()
	cert, err := binding.LoadPEM("../../interop/pki/service.pem", "../../interop/pki/service.key")
	if err != nil {
		t.Fatal(err)
	}
	return cert
}
