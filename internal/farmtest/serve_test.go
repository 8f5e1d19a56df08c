package farmtest

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/csv"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/beevik/etree"
	"github.com/redis/go-redis/v9"

	"github.com/soapstack/soapstack/binding"
	"github.com/soapstack/soapstack/internal/deliverylog"
	"github.com/soapstack/soapstack/internal/testredis"
	"github.com/soapstack/soapstack/interop"
	"github.com/soapstack/soapstack/reliable"
	"github.com/soapstack/soapstack/wssecurity"
)

// buildSoapstack builds the soapstack command once for t, from the module
// root, and returns the binary's path.
func buildSoapstack(t *testing.T) string {
	t.Helper()
	gomod, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		t.Fatalf("go env GOMOD: %v", err)
	}
	root := filepath.Dir(strings.TrimSpace(string(gomod)))
	bin := filepath.Join(t.TempDir(), "soapstack")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/soapstack")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/soapstack: %v\n%s", err, out)
	}
	return bin
}

// serveProc is one `soapstack serve` process.
type serveProc struct {
	cmd  *exec.Cmd
	addr string
	done chan struct{}
}

var serveReady = regexp.MustCompile(`at http://(\S+)/secure`)

// startServeProc starts `bin serve` with args on a free port, waits until
// it serves /secure, and kills it when t ends; its log (to a file) is
// shown when t fails.
func startServeProc(t *testing.T, i int, bin string, args ...string) *serveProc {
	t.Helper()
	p := &serveProc{addr: freeAddr(t), done: make(chan struct{})}
	dir := t.TempDir()
	outPath, logPath := filepath.Join(dir, "stdout"), filepath.Join(dir, "log")
	out, err := os.Create(outPath)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	log, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	defer log.Close()
	p.cmd = exec.Command(bin, append([]string{"serve", "--listen", p.addr}, args...)...)
	p.cmd.Stdout, p.cmd.Stderr = out, log
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("starting soapstack serve: %v", err)
	}
	go func() { _ = p.cmd.Wait(); close(p.done) }()
	read := func(path string) string { b, _ := os.ReadFile(path); return string(b) }
	t.Cleanup(func() {
		_ = p.cmd.Process.Kill()
		<-p.done
		if t.Failed() {
			t.Logf("node %d log:\n%s", i, read(logPath))
		}
	})
	deadline := time.Now().Add(10 * time.Second)
	for !serveReady.MatchString(read(outPath)) {
		select {
		case <-p.done:
			t.Fatalf("soapstack serve exited: %s %s", read(outPath), read(logPath))
		case <-time.After(10 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("soapstack serve did not start: %s %s", read(outPath), read(logPath))
		}
	}
	return p
}

// haproxyServed returns the successful (2xx) replies each server of
// backend "nodes" gave, from HAProxy's statistics page at stats.
func haproxyServed(stats string, n int) ([]int, error) {
	resp, err := http.Get(stats + ";csv")
	if err != nil {
		return nil, fmt.Errorf("haproxy stats: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("haproxy stats: %w", err)
	}
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(string(body), "# "))).ReadAll()
	if err != nil || len(rows) < 2 {
		return nil, fmt.Errorf("haproxy stats: %v: %s", err, body)
	}
	col := map[string]int{}
	for i, name := range rows[0] {
		col[name] = i
	}
	served := make([]int, n)
	for _, r := range rows[1:] {
		if r[col["pxname"]] != "nodes" || !strings.HasPrefix(r[col["svname"]], "node") {
			continue
		}
		i, err := strconv.Atoi(strings.TrimPrefix(r[col["svname"]], "node"))
		if err != nil || i >= n {
			continue
		}
		if served[i], err = strconv.Atoi(r[col["hrsp_2xx"]]); err != nil {
			return nil, fmt.Errorf("haproxy stats: hrsp_2xx %q", r[col["hrsp_2xx"]])
		}
	}
	return served, nil
}

// pingEcho sends text to IPingService's echo through c and returns the
// echoed text.
func pingEcho(ctx context.Context, c *binding.Client, text string) (string, error) {
	el := etree.NewElement("tns:echo")
	el.CreateAttr("xmlns:tns", interop.NSPing)
	el.CreateElement("tns:request").SetText(text)
	req, err := c.NewRequest(interop.ActionEcho, el)
	if err != nil {
		return "", err
	}
	resp, err := c.Call(ctx, req)
	if err != nil {
		return "", err
	}
	if resp.Addressing.Action != interop.ActionEchoResponse {
		return "", fmt.Errorf("reply action %q", resp.Addressing.Action)
	}
	r := resp.Payload().FindElement("echoResult")
	if r == nil {
		return "", fmt.Errorf("reply without echoResult")
	}
	return r.Text(), nil
}

// TestFarmServeProcesses runs three `soapstack serve` processes sharing
// one redis-server and one key ring file, behind HAProxy (round robin, no
// stickiness), as the README's web farm does, for each kind of /secure
// session: reference mode (tokens in Redis), cookie mode, and a reliable
// session over a reference-mode secure session. Three sessions per kind
// call echo concurrently through the balancer, each with its numbered
// texts; once every node has answered requests (HAProxy's statistics)
// and half the calls ran, one node is killed (SIGKILL) while calls are in
// flight. No session fails: every close succeeds, every call started
// after the process ended succeeds, each reply is the echo of its own
// request (none lost, duplicated to the client or out of order on a
// session), the survivors serve the rest and the dead node answers no
// more. With a reliable session every call succeeds. Without one, a call
// in flight on the killed node may fail (at most one per session): the
// balancer sends it again (L7 retry), but the shared replay cache refuses
// it when the dead node had accepted it, as it must (it may have run).
//
// With a reliable session the nodes record every message their
// application runs, and every delivery completed, in Redis
// (--record-deliveries), and the records are checked (deliverylog.Check):
// each of the 120 messages ran, in order on its sequence, once, but for
// the one window the store cannot close: a message the killed node ran
// and had not completed, run again by a survivor that the store told it
// was a redelivery. Such cases are counted and logged; anything else run
// twice fails the test.
func TestFarmServeProcesses(t *testing.T) {
	bin := buildSoapstack(t)
	redisSrv := testredis.Start(t)
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		t.Fatal(err)
	}
	ring := filepath.Join(t.TempDir(), "ring.json")
	if err := os.WriteFile(ring, fmt.Appendf(nil, `{"keys": [{"id": 1, "secret": %q}]}`, base64.StdEncoding.EncodeToString(secret)), 0o600); err != nil {
		t.Fatal(err)
	}
	pki := "../../interop/pki/"
	cert, err := binding.LoadPEM(pki+"service.pem", "")
	if err != nil {
		t.Fatal(err)
	}
	for db, tc := range []struct {
		name     string
		mode     string
		reliable bool
	}{
		{"reference", "reference", false},
		{"cookie", "cookie", false},
		{"reliable-reference", "reference", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := []string{"--redis", fmt.Sprintf("redis://%s/%d", redisSrv.Addr, db), "--cookie-keys", ring,
				"--session-mode", tc.mode, "--cert", pki + "service.pem", "--key", pki + "service.key", "--user", "alice:clarinet"}
			if tc.reliable {
				// A message the killed node was delivering is claimed
				// by it in Redis; a survivor takes the claim over once
				// it expires (2 min by default, above the test's time).
				args = append(args, "--reliable", "--claim-timeout", "3s", "--record-deliveries")
			}
			var nodes []*serveProc
			var backends []string
			for i := range 3 {
				p := startServeProc(t, i, bin, args...)
				nodes = append(nodes, p)
				backends = append(backends, p.addr)
			}
			// Without a reliable session, a request whose node dies
			// before it answers is sent again to another node by the
			// balancer (L7 retry): the shared replay cache refuses it if
			// the dead node had accepted it (at most once). A reliable
			// session retransmits by itself, under a new security header;
			// the balancer's retry of a message the dead node had
			// accepted faults the reliable session (a replay), so it has
			// none.
			more := []string{"retry-on conn-failure empty-response response-timeout"}
			if tc.reliable {
				more = []string{"# no L7 retry (retry-on) for reliable sessions: they retransmit by themselves, under a",
					"# fresh security header; the balancer's resend of the very message a dead node received is",
					"# a replay to the survivors, whose fault would end the reliable session"}
			}
			lb, stats := startHAProxyStats(t, backends, more)
			runServeFarm(t, "http://"+lb+"/secure", stats, nodes, cert, tc.reliable)
			if tc.reliable {
				checkDeliveries(t, redisSrv.Addr, db, nodes[1].addr)
			}
		})
	}
}

// The sessions of runServeFarm and the calls of each.
const serveSessions, serveCalls = 3, 40

// checkDeliveries checks the delivery records of the nodes in Redis
// database db: serveSessions sequences of serveCalls messages each, every
// one run in order and once, but for the window of node dead.
func checkDeliveries(t *testing.T, addr string, db int, dead string) {
	rc := redis.NewClient(&redis.Options{Addr: addr, DB: db})
	defer rc.Close()
	recs, err := deliverylog.Read(context.Background(), rc, "")
	if err != nil {
		t.Fatal(err)
	}
	rep := deliverylog.Check(recs, dead)
	for _, p := range rep.Problems {
		t.Error(p)
	}
	for _, w := range rep.Window {
		t.Logf("in the window: %s", w)
	}
	t.Logf("delivery records: %d sequences, %d messages, %d runs (%d marked redeliveries), %d completions; %d run twice in the window",
		rep.Sequences, rep.Delivered, rep.Runs, rep.Redeliveries, rep.Completions, len(rep.Window))
	if rep.Sequences != serveSessions || rep.Delivered != serveSessions*serveCalls {
		t.Errorf("%d sequences and %d messages delivered, want %d and %d", rep.Sequences, rep.Delivered, serveSessions, serveSessions*serveCalls)
	}
}

// runServeFarm drives sessions through the balancer at url, kills node 1
// half way, and checks every call.
func runServeFarm(t *testing.T, url, stats string, nodes []*serveProc, cert *wssecurity.Certificate, rel bool) {
	const sessions, calls = serveSessions, serveCalls
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	b := binding.WSHttpBinding()
	b.Security.Message.ClientCredentialType = binding.CredentialUserName
	b.Security.Message.NegotiateServiceCredential = false
	b.Security.Message.EstablishSecurityContext = true
	b.ReliableSession.Enabled = rel
	var retransmitted atomic.Int64
	hooks := binding.WithHooks(binding.Hooks{Reliable: func(e binding.ReliableEvent) {
		if e.Kind == reliable.EventRetransmitted {
			retransmitted.Add(1)
		}
	}})
	var done atomic.Int32
	var killedAt atomic.Int32
	var killing atomic.Bool   // set as node 1 is being killed
	var killDone atomic.Int64 // when the kill returned (UnixNano)
	servedBefore := make(chan []int, 1)
	var statsErr error
	go func() {
		defer close(servedBefore)
		for done.Load() < sessions*calls/2 {
			select {
			case <-ctx.Done():
				return
			case <-time.After(2 * time.Millisecond):
			}
		}
		s, err := haproxyServed(stats, len(nodes))
		statsErr = err
		killing.Store(true)
		_ = nodes[1].cmd.Process.Kill()
		<-nodes[1].done // the signal is sent: wait for the process to end
		killDone.Store(time.Now().UnixNano())
		killedAt.Store(done.Load())
		servedBefore <- s
	}()
	errs := make([]error, sessions)
	lost := make([][]error, sessions) // calls failed by the kill, per session
	var wg sync.WaitGroup
	for s := range sessions {
		c, err := binding.NewClient(url, b, binding.Credentials{ServiceCertificate: &wssecurity.Certificate{Cert: cert.Cert},
			UserName: "alice", Password: "clarinet"}, hooks)
		if err != nil {
			t.Fatal(err)
		}
		wg.Go(func() {
			for i := range calls {
				want := fmt.Sprintf("session %d message %d", s, i)
				start := time.Now().UnixNano()
				got, err := pingEcho(ctx, c, want)
				if kd := killDone.Load(); err != nil && !rel && len(lost[s]) == 0 && killing.Load() && (kd == 0 || start < kd) {
					// In flight on the node as it was killed: without a
					// reliable session nothing sends it again but the
					// balancer, whose retry the shared replay cache
					// refuses if the node had accepted it. The session
					// must go on.
					lost[s] = append(lost[s], fmt.Errorf("call %d: %w", i, err))
					continue
				}
				if err != nil {
					errs[s] = fmt.Errorf("session %d call %d: %w", s, i, err)
					return
				}
				if got != want {
					errs[s] = fmt.Errorf("session %d call %d: reply %q", s, i, got)
					return
				}
				done.Add(1)
			}
			if err := c.Close(ctx); err != nil {
				errs[s] = fmt.Errorf("session %d close: %w", s, err)
			}
		})
	}
	wg.Wait()
	before, ok := <-servedBefore
	var failed int
	for s, err := range errs {
		if err != nil {
			t.Error(err)
		}
		failed += len(lost[s])
		for _, err := range lost[s] {
			t.Logf("session %d: lost at the kill: %v", s, err)
		}
	}
	if !ok {
		t.Fatal("node 1 was not killed")
	}
	if statsErr != nil {
		t.Fatal(statsErr)
	}
	select {
	case <-nodes[1].done:
	case <-time.After(5 * time.Second):
		t.Fatal("node 1 still runs after its kill")
	}
	after, err := haproxyServed(stats, len(nodes))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d calls succeeded, %d failed at the kill, on %d sessions; 2xx replies per node before the kill %v (at %d calls done), at the end %v; %d reliable retransmissions",
		done.Load(), failed, sessions, before, killedAt.Load(), after, retransmitted.Load())
	for i, n := range before {
		if n == 0 {
			t.Errorf("node %d served no request before the kill: the balancer is sticky or down", i)
		}
	}
	for _, i := range []int{0, 2} {
		if after[i] <= before[i] {
			t.Errorf("survivor node %d served nothing after the kill", i)
		}
	}
	// Replies on their way as the statistics were read may follow; no
	// more.
	if after[1]-before[1] > sessions {
		t.Errorf("node 1 gave %d replies after its kill", after[1]-before[1])
	}
	if got := done.Load(); got+int32(failed) != sessions*calls {
		t.Errorf("%d calls succeeded and %d failed at the kill, want %d in all", got, failed, sessions*calls)
	}
}
