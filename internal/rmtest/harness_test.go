package rmtest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/beevik/etree"
	"github.com/soapstack/soapstack/internal/lossy"
	"github.com/soapstack/soapstack/internal/scref"
	"github.com/soapstack/soapstack/internal/wstrust"
	"github.com/soapstack/soapstack/reliable"
	"github.com/soapstack/soapstack/secureconv"
	"github.com/soapstack/soapstack/soap"
	"github.com/soapstack/soapstack/wssecurity"
	"github.com/stretchr/testify/require"
)

// The test service's contract.
const (
	nsTest             = "urn:soapstack:rmtest"
	actionEcho         = nsTest + "/echo"
	actionEchoResponse = nsTest + "/echoResponse"
	actionNotify       = nsTest + "/notify"
	servicePath        = "/svc"
)

// variant is one shape of the session under test.
type variant struct {
	name   string
	secure bool // RM over a secure session (wsHttpBinding's default)
	oneWay bool // one-way session (no offer, no replies)
}

func variants() []variant {
	return []variant{
		{name: "request-reply"},
		{name: "one-way", oneWay: true},
		{name: "secure/request-reply", secure: true},
		{name: "secure/one-way", secure: true, oneWay: true},
	}
}

// issue9Loss is the network of issue 9: 10% of the messages lost in each
// direction, 5% duplicated, 10% reordered.
func issue9Loss(seed uint64) lossy.Config {
	return lossy.Config{DropRequest: 0.1, DropResponse: 0.1, Duplicate: 0.05, Reorder: 0.1,
		MaxDelay: 10 * time.Millisecond, Seed: seed}
}

// msgID names one application message: the caller that sent it and its
// index among that caller's messages.
type msgID struct{ caller, index int }

func (m msgID) String() string { return fmt.Sprintf("%d/%d", m.caller, m.index) }

// payload is the body of message m.
func payload(local string, m msgID) *etree.Element {
	el := etree.NewElement("t:" + local)
	el.CreateAttr("xmlns:t", nsTest)
	el.CreateAttr("caller", strconv.Itoa(m.caller))
	el.CreateAttr("index", strconv.Itoa(m.index))
	return el
}

// parseID reads the message id of a test body.
func parseID(el *etree.Element) (msgID, error) {
	if el == nil || el.Space != "t" {
		return msgID{}, errors.New("no test payload")
	}
	c, err1 := strconv.Atoi(el.SelectAttrValue("caller", ""))
	i, err2 := strconv.Atoi(el.SelectAttrValue("index", ""))
	if err := errors.Join(err1, err2); err != nil {
		return msgID{}, fmt.Errorf("bad test payload: %w", err)
	}
	return msgID{c, i}, nil
}

// app is the test service: it records every message it is given, with
// the WS-RM message number when the message still carries its Sequence
// header.
type app struct {
	mu      sync.Mutex
	seen    []msgID
	numbers []int64 // -1: no Sequence header
	count   map[msgID]int
	bad     []error
}

func newApp() *app { return &app{count: map[msgID]int{}} }

func (a *app) mux() *soap.ServeMux {
	m := soap.NewServeMux()
	m.HandleFunc(actionEcho, func(ctx context.Context, req *soap.Message) (*soap.Message, error) {
		id, err := a.record(req)
		if err != nil {
			return nil, soap.SenderFault(err.Error())
		}
		return soap.Reply(req, actionEchoResponse, payload("echoed", id))
	})
	m.HandleFunc(actionNotify, func(ctx context.Context, req *soap.Message) (*soap.Message, error) {
		if _, err := a.record(req); err != nil {
			return nil, soap.SenderFault(err.Error())
		}
		return nil, nil
	})
	return m
}

func (a *app) record(req *soap.Message) (msgID, error) {
	id, err := parseID(req.Payload())
	number := int64(-1)
	if h := req.FindHeader(reliable.V200502.Namespace(), "Sequence"); h != nil {
		if n := h.SelectElement("MessageNumber"); n != nil {
			number, _ = strconv.ParseInt(n.Text(), 10, 64)
		}
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if err != nil {
		a.bad = append(a.bad, err)
		return id, err
	}
	a.seen = append(a.seen, id)
	a.numbers = append(a.numbers, number)
	a.count[id]++
	return id, nil
}

func (a *app) delivered() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.seen)
}

// events counts the reliable session's events by kind.
type events struct {
	mu     sync.Mutex
	byKind map[reliable.EventKind]int
}

func (e *events) record(ev reliable.Event) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.byKind == nil {
		e.byKind = map[reliable.EventKind]int{}
	}
	e.byKind[ev.Kind]++
}

func (e *events) get(k reliable.EventKind) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.byKind[k]
}

// harness is one client, link and service.
type harness struct {
	v      variant
	app    *app
	events events
	svc    *httptest.Server
	proxy  *lossy.Proxy
	link   *httptest.Server
	hc     *http.Client
	url    string // the service's address as the client sees it

	rm     *reliable.Client   // nil without RM (plumbing test)
	sc     *secureconv.Client // nil without a secure session
	client soap.Invoker       // what the callers call
}

// harnessOptions vary the harness for the plumbing test and benchmarks.
type harnessOptions struct {
	loss  lossy.Config // Target is filled in; Pass spares WS-Trust when nil
	noRM  bool         // leave the reliable layers out (plumbing test)
	retry time.Duration
}

func quiet() *slog.Logger { return slog.New(slog.DiscardHandler) }

// newHarness starts the service, the lossy link in front of it and the
// client. The secure session's handshake and Cancel are spared by the
// link: WCF does not run them under the reliable session and does not
// retransmit them.
func newHarness(t testing.TB, v variant, o harnessOptions) *harness {
	t.Helper()
	h := &harness{v: v, app: newApp()}
	var layers []soap.ServerLayer
	var boot, appPolicy wssecurity.Policy
	var svcCert *wssecurity.Certificate
	if v.secure {
		var err error
		svcCert, err = certificate()
		require.NoError(t, err)
		boot = wssecurity.AnonymousForCertificate(wssecurity.Basic128)
		appPolicy = boot
		appPolicy.ProtectionToken = &wssecurity.Token{Kind: wssecurity.SecureConversationToken,
			Inclusion: wssecurity.IncludeAlwaysToRecipient, DerivedKeys: true}
		appPolicy.RequireSignatureConfirmation = false
		sc, err := secureconv.ServerLayer(secureconv.ServerConfig{Version: secureconv.V200502, Bootstrap: boot,
			Policy: appPolicy, Security: wssecurity.Config{Certificate: svcCert, Logger: quiet()}, Lifetime: time.Hour})
		require.NoError(t, err)
		layers = append(layers, sc)
	}
	if !o.noRM {
		rm, err := reliable.ServerLayer(reliable.ServerConfig{RequireSecureSession: v.secure, Logger: quiet()})
		require.NoError(t, err, "reliable.ServerLayer")
		layers = append(layers, rm)
	}
	h.svc = httptest.NewServer(soap.NewHTTPHandler(soap.ChainHandler(h.app.mux(), layers...), soap.WithLogger(quiet())))

	loss := o.loss
	loss.Target = h.svc.URL
	loss.Logger = quiet()
	if loss.Pass == nil {
		loss.Pass = lossy.PassActions(wstrust.NSTrust200502)
	}
	var err error
	h.proxy, err = lossy.New(loss)
	require.NoError(t, err)
	h.link = httptest.NewServer(h.proxy)
	h.url = h.link.URL + servicePath
	h.hc = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}

	var next soap.Invoker = soap.NewHTTPClient(h.url, soap.WithHTTPClient(h.hc), soap.WithLogger(quiet()))
	if v.secure {
		h.sc, err = secureconv.NewClient(next, secureconv.ClientConfig{Version: secureconv.V200502, Bootstrap: boot,
			Policy: appPolicy, Cancel: true, To: h.url, Addressing: soap.WSA10,
			Security: wssecurity.Config{PeerCertificate: svcCert.Cert, Logger: quiet()}})
		require.NoError(t, err)
		next = h.sc
	}
	h.client = next
	if !o.noRM {
		retry := o.retry
		if retry == 0 {
			retry = 20 * time.Millisecond
		}
		cfg := reliable.ClientConfig{To: h.url, OneWay: v.oneWay, MaxTransferWindowSize: 8, MaxRetryCount: 20,
			RetryInterval: retry, AcknowledgementInterval: 10 * time.Millisecond, Logger: quiet(), OnEvent: h.events.record}
		if h.sc != nil {
			cfg.SecureSession = scref.SecureSession(h.sc, secureconv.V200502)
		}
		h.rm, err = reliable.NewClient(next, cfg)
		require.NoError(t, err, "reliable.NewClient")
		h.client = h.rm
	}
	t.Cleanup(h.shutdown)
	return h
}

// call sends message id and checks its reply.
func (h *harness) call(ctx context.Context, id msgID) error {
	action, local := actionEcho, "echo"
	if h.v.oneWay {
		action, local = actionNotify, "notify"
	}
	req := soap.NewMessageWithBody(soap.V12, payload(local, id))
	a, err := soap.RequestAddressing(soap.WSA10, action, h.url, nil)
	if err != nil {
		return err
	}
	req.SetAddressing(a)
	req.SOAPAction = action
	resp, err := h.client.Call(ctx, req)
	if err != nil {
		return fmt.Errorf("message %v: %w", id, err)
	}
	if h.v.oneWay {
		if resp != nil {
			return fmt.Errorf("message %v: a reply to a one-way message", id)
		}
		return nil
	}
	if resp == nil {
		return fmt.Errorf("message %v: no reply", id)
	}
	if resp.Addressing.Action != actionEchoResponse {
		return fmt.Errorf("message %v: reply action %q", id, resp.Addressing.Action)
	}
	got, err := parseID(resp.Payload())
	if err != nil || got != id {
		return fmt.Errorf("message %v: got the reply to %v (%v)", id, got, err)
	}
	return nil
}

// close closes the sessions as an application does: the reliable session
// first, then the secure session below it.
func (h *harness) close(ctx context.Context) error {
	var errs []error
	if h.rm != nil {
		errs = append(errs, h.rm.Close(ctx))
	}
	if h.sc != nil {
		errs = append(errs, h.sc.Close(ctx))
	}
	return errors.Join(errs...)
}

// shutdown stops the link and the service.
func (h *harness) shutdown() {
	h.link.Close()
	_ = h.proxy.Close()
	h.svc.Close()
	h.hc.CloseIdleConnections()
}

// certificate loads the service credential of the test PKI.
func certificate() (*wssecurity.Certificate, error) {
	cert, err := os.ReadFile("testdata/service.pem")
	if err != nil {
		return nil, err
	}
	key, err := os.ReadFile("testdata/service.key")
	if err != nil {
		return nil, err
	}
	return wssecurity.LoadPEM(cert, key)
}

// drive sends n messages from callers concurrent callers (caller c sends
// its messages one after the other), returning the first error.
func drive(ctx context.Context, h *harness, n, callers int) error {
	var wg sync.WaitGroup
	var first atomic.Pointer[error]
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	for c := range callers {
		wg.Go(func() {
			for i := 0; c+i*callers < n; i++ {
				if err := h.call(ctx, msgID{c, i}); err != nil {
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
		return *p
	}
	return nil
}

// heapInUse returns the heap in use after a collection.
func heapInUse() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse
}
