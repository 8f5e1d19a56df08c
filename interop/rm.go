package interop

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/beevik/etree"
	"github.com/soapstack/soapstack/reliable"
	"github.com/soapstack/soapstack/secureconv"
	"github.com/soapstack/soapstack/soap"
)

// VersionRM is the version name of the reliable-messaging cases (one family,
// the RM version is part of the scenario name; SCENARIOS.md, "Reliable
// messaging").
const VersionRM = "rm"

// rmConcurrent is how many echoes a "-Concurrent" scenario sends at once.
const rmConcurrent = 50

// RMScenario is a WS-ReliableMessaging scenario of the Metro matrix
// (interop/metro/wsdl/gen-rm has the peer's policies): SOAP 1.2, WS-A 1.0.
type RMScenario struct {
	Name string
	// RM is the WS-RM version.
	RM reliable.Version
	// SC is the secure session under the sequences (nil: none): the _AD
	// scenario of its version with WS-A 1.0 and the RM headers signed.
	SC *SCScenario
	// Concurrent is the number of echoes sent at once (0: the sequential
	// exchange).
	Concurrent int
}

// Path returns the endpoint path of the scenario on a peer.
func (s RMScenario) Path() string { return "/" + VersionRM + "/" + s.Name }

// Case returns the scenario as an interop case.
func (s RMScenario) Case() Case { return Case{Scenario: s.Name, Version: VersionRM} }

// RMScenarios lists the reliable-messaging scenarios.
func RMScenarios() []RMScenario {
	return []RMScenario{
		{Name: "RM10", RM: reliable.V200502},
		{Name: "RM11", RM: reliable.V11},
		{Name: "RM10-SC200502", RM: reliable.V200502, SC: rmSession(VersionSC200502, reliable.V200502)},
		{Name: "RM11-SC13", RM: reliable.V11, SC: rmSession(VersionSC13, reliable.V11)},
		{Name: "RM10-Concurrent", RM: reliable.V200502, Concurrent: rmConcurrent},
		{Name: "RM11-Concurrent", RM: reliable.V11, Concurrent: rmConcurrent},
	}
}

// rmSession is the secure session of an RM-over-SC scenario: _AD of the
// WS-SC version, with WS-Addressing 1.0 in both policies and every header
// of the RM namespace signed in the session's (binding-level, as Metro
// applies it to the RM control messages too).
func rmSession(scVersion string, rm reliable.Version) *SCScenario {
	sc, ok := scScenario(Case{Scenario: "_AD", Version: scVersion})
	if !ok {
		panic("interop: no _AD@" + scVersion)
	}
	wsa := wsaHeaders(soap.WSA10.Namespace())
	sc.Addressing = soap.WSA10
	sc.Bootstrap.SignedParts.Headers = wsa
	sc.Policy.SignedParts.Headers = append(slices.Clip(wsa), xml.Name{Space: rm.Namespace()})
	sc.Cancel = true
	return &sc
}

// RMCases lists the reliable-messaging scenarios as cases.
func RMCases() []Case {
	var out []Case
	for _, s := range RMScenarios() {
		out = append(out, s.Case())
	}
	return out
}

func rmScenario(c Case) (RMScenario, bool) {
	if c.Version != VersionRM {
		return RMScenario{}, false
	}
	for _, s := range RMScenarios() {
		if s.Name == c.Scenario {
			return s, true
		}
	}
	return RMScenario{}, false
}

// rmServerHandlers returns the Go service's endpoints of the RM scenarios
// by path (reliable.ServerLayer above secureconv.ServerLayer for the SC
// ones). A layer that cannot be built answers every request with a
// Receiver fault naming the error, so the cases fail and the rest of the
// service runs; broken has those errors by case ("Scenario@rm").
func rmServerHandlers(svc *PingService, pki *PKI, peer string) (handlers map[string]soap.Handler, broken map[string]error) {
	handlers, broken = map[string]soap.Handler{}, map[string]error{}
	for _, s := range RMScenarios() {
		h, err := rmServerHandler(svc.Handler(), pki, peer, s)
		if err != nil {
			err = fmt.Errorf("interop: %s: %w", s.Name, err)
			broken[s.Case().String()] = err
			h = failingHandler(err)
		}
		handlers[s.Path()] = h
	}
	return handlers, broken
}

// rmServerHandler is the endpoint of scenario s in front of app.
func rmServerHandler(app soap.Handler, pki *PKI, peer string, s RMScenario) (soap.Handler, error) {
	rm, err := reliable.ServerLayer(reliable.ServerConfig{Versions: []reliable.Version{s.RM}, RequireSecureSession: s.SC != nil})
	if err != nil {
		return nil, err
	}
	if s.SC == nil {
		return soap.ChainHandler(app, rm), nil
	}
	sc, err := secureconv.ServerLayer(secureconv.ServerConfig{Version: s.SC.SC, Bootstrap: s.SC.Bootstrap, Policy: s.SC.Policy,
		Security: pki.ServiceConfig(), CancelWithBootstrap: true, CancelSignedOnly: true, KeySizeFromSuite: peer == PeerMetro})
	if err != nil {
		return nil, err
	}
	return soap.ChainHandler(app, sc, rm), nil
}

// failingHandler answers every request with a Receiver fault carrying err.
func failingHandler(err error) soap.Handler {
	return soap.HandlerFunc(func(context.Context, *soap.Message) (*soap.Message, error) {
		return nil, soap.ReceiverFault(err.Error())
	})
}

// RunGoReliableCase runs an RM scenario with the Go client against a peer
// at base: reliable.NewClient over the secure session (if any) over HTTP.
// The sequential exchange is two sessions: a one-way session (no Offer)
// with two notifies, then a request-reply session: echo of "last-notify"
// (the one-way session's last message must have been delivered), echo,
// notify, echo of "last-notify", then Close (and Cancel of the secure
// session). A "-Concurrent" scenario sends its echoes at once on one
// request-reply session. Each session's wire must show what
// checkReliableWire requires.
func RunGoReliableCase(ctx context.Context, base string, pki *PKI, s RMScenario) Result {
	r := Result{Scenario: s.Name, Direction: GoToPeer, Version: VersionRM}
	if s.Concurrent > 0 {
		texts := make([]string, s.Concurrent)
		for i := range texts {
			texts[i] = goText(i + 1)
		}
		err := runReliableSession(ctx, base, pki, s, false, len(texts), len(texts), func(ctx context.Context, cli *PingClient) error {
			errs := make([]error, len(texts))
			var wg sync.WaitGroup
			for i, t := range texts {
				wg.Add(1)
				go func() {
					defer wg.Done()
					got, err := cli.Echo(ctx, t)
					if err == nil && got != t {
						err = fmt.Errorf("returned %q, want %q", got, t)
					}
					if err != nil {
						errs[i] = fmt.Errorf("concurrent echo %d: %w", i+1, err)
					}
				}()
			}
			wg.Wait()
			return errors.Join(errs...)
		})
		if err != nil {
			r.Reason = err.Error()
			return r
		}
		r.Pass = true
		return r
	}
	oneWay := []string{goText(1), goText(2)}
	err := runReliableSession(ctx, base, pki, s, true, len(oneWay), 0, func(ctx context.Context, cli *PingClient) error {
		for i, t := range oneWay {
			if err := cli.Notify(ctx, t); err != nil {
				return fmt.Errorf("one-way session, notify %d: %w", i+1, err)
			}
		}
		return nil
	})
	if err != nil {
		r.Reason = err.Error()
		return r
	}
	t1, t2 := goText(3), goText(4)
	err = runReliableSession(ctx, base, pki, s, false, 4, 3, func(ctx context.Context, cli *PingClient) error {
		steps := []struct {
			what, send, want string
			notify           bool
		}{
			{what: "echo of last-notify after the one-way session", send: LastNotify, want: oneWay[len(oneWay)-1]},
			{what: "echo", send: t1, want: t1},
			{what: "notify", send: t2, notify: true},
			{what: "echo of last-notify after the notify", send: LastNotify, want: t2},
		}
		for i, st := range steps {
			if st.notify {
				if err := cli.Notify(ctx, st.send); err != nil {
					return fmt.Errorf("request-reply session, %d (%s): %w", i+1, st.what, err)
				}
				continue
			}
			got, err := cli.Echo(ctx, st.send)
			if err == nil && got != st.want {
				err = fmt.Errorf("returned %q, want %q", got, st.want)
			}
			if err != nil {
				return fmt.Errorf("request-reply session, %d (%s): %w", i+1, st.what, err)
			}
		}
		return nil
	})
	if err != nil {
		r.Reason = err.Error()
		return r
	}
	r.Pass = true
	return r
}

func goText(i int) string {
	nonce := make([]byte, 4)
	_, _ = rand.Read(nonce)
	return "reliable " + strconv.Itoa(i) + " from Go " + hex.EncodeToString(nonce) + " <&> é中"
}

// runReliableSession opens one reliable session (one-way: no Offer), runs
// exchange on it, closes it (and the secure session below) and checks the
// wire: requests application messages numbered on the request sequence,
// replies on the offered one.
func runReliableSession(ctx context.Context, base string, pki *PKI, s RMScenario, oneWay bool, requests, replies int,
	exchange func(context.Context, *PingClient) error) error {
	url := base + s.Path()
	wire := &rmWire{next: soap.NewHTTPClient(url)}
	rc, session, err := newReliableClient(wire, pki, s, reliable.ClientConfig{Version: s.RM, To: url, OneWay: oneWay})
	if err != nil {
		return err
	}
	cli := &PingClient{Invoker: rc, Version: soap.V12, Addressing: soap.WSA10, To: url}
	if err := exchange(ctx, cli); err != nil {
		// End the sessions anyway, so nothing of this case (retransmissions,
		// keep-alives) reaches the peer during the next one.
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		_ = rc.Close(cctx)
		if session != nil {
			_ = session.Close(cctx)
		}
		return err
	}
	if err := rc.Close(ctx); err != nil {
		return fmt.Errorf("reliable close: %w", err)
	}
	if session != nil {
		if err := session.Close(ctx); err != nil {
			return fmt.Errorf("secure session close: %w", err)
		}
	}
	if problems := checkReliableWire(s.RM, wire.messages(), requests, replies, s.Concurrent == 0); len(problems) > 0 {
		what := "request-reply session"
		if oneWay {
			what = "one-way session"
		}
		return fmt.Errorf("%s: %s", what, strings.Join(problems, "; "))
	}
	return nil
}

// newReliableClient builds the client side of scenario s over next:
// reliable.NewClient(cfg) over the secure session of s (returned, nil when
// s has none) over next. cfg.To is the address of both.
func newReliableClient(next soap.Invoker, pki *PKI, s RMScenario, cfg reliable.ClientConfig) (*reliable.Client, *secureconv.Client, error) {
	var session *secureconv.Client
	if s.SC != nil {
		sc, err := secureconv.NewClient(next, secureconv.ClientConfig{Version: s.SC.SC, Bootstrap: s.SC.Bootstrap,
			Policy: s.SC.Policy, Security: pki.ClientConfig(), Cancel: true, Addressing: soap.WSA10, To: cfg.To})
		if err != nil {
			return nil, nil, err
		}
		ss, ok := any(sc).(reliable.SecureSession)
		if !ok {
			return nil, nil, errors.New("*secureconv.Client does not implement reliable.SecureSession (SessionTokenReference) yet")
		}
		session, next, cfg.SecureSession = sc, sc, ss
	}
	rc, err := reliable.NewClient(next, cfg)
	if err != nil {
		return nil, nil, fmt.Errorf("reliable.NewClient: %w", err)
	}
	return rc, session, nil
}

// rmMessage is one message on the wire as the RM check sees it.
type rmMessage struct {
	request bool
	action  string
	// seq and number are the wsrm:Sequence header's (seq "" when none);
	// last is its LastMessage marker (RM 1.0).
	seq    string
	number int64
	last   bool
}

// rmWire records the messages an Invoker sends and receives (every
// attempt: it sits below the reliable and security layers).
type rmWire struct {
	next soap.Invoker
	mu   sync.Mutex
	msgs []rmMessage
}

func (w *rmWire) Call(ctx context.Context, req *soap.Message) (*soap.Message, error) {
	w.record(true, req)
	resp, err := w.next.Call(ctx, req)
	if resp != nil {
		w.record(false, resp)
	}
	return resp, err
}

func (w *rmWire) record(request bool, m *soap.Message) {
	rec := rmMessage{request: request}
	if a := m.FindHeader(soap.WSA10.Namespace(), "Action"); a != nil {
		rec.action = strings.TrimSpace(a.Text())
	}
	for _, v := range []reliable.Version{reliable.V200502, reliable.V11} {
		if h := m.FindHeader(v.Namespace(), "Sequence"); h != nil {
			rec.seq = childText(h, v.Namespace(), "Identifier")
			rec.number, _ = strconv.ParseInt(childText(h, v.Namespace(), "MessageNumber"), 10, 64)
			for _, c := range h.ChildElements() {
				rec.last = rec.last || soap.Is(c, v.Namespace(), "LastMessage")
			}
		}
	}
	w.mu.Lock()
	w.msgs = append(w.msgs, rec)
	w.mu.Unlock()
}

func (w *rmWire) messages() []rmMessage {
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.Clone(w.msgs)
}

func childText(el *etree.Element, ns, local string) string {
	for _, c := range el.ChildElements() {
		if soap.Is(c, ns, local) {
			return strings.TrimSpace(c.Text())
		}
	}
	return ""
}

// checkReliableWire checks one session's RM messages, as the Metro peer's
// client checks its own (RmExchange.check): one CreateSequence and its
// response; requests application requests numbered 1..requests on one
// sequence, each sent once (in order when ordered); replies numbered
// 1..replies on the offered sequence, each once; the close (RM 1.1:
// CloseSequence and its response; RM 1.0: one LastMessage); one
// TerminateSequence (RM 1.1: and its response).
func checkReliableWire(v reliable.Version, msgs []rmMessage, requests, replies int, ordered bool) []string {
	var problems []string
	expect := func(request bool, action string, want int) {
		n := 0
		for _, m := range msgs {
			if m.request == request && m.action == action {
				n++
			}
		}
		if n != want {
			what := action[strings.LastIndexByte(action, '/')+1:]
			if !request {
				what += " answer"
			}
			problems = append(problems, fmt.Sprintf("want %d %s, saw %d", want, what, n))
		}
	}
	expect(true, v.CreateSequenceAction(), 1)
	expect(false, v.CreateSequenceResponseAction(), 1)
	expect(true, v.TerminateSequenceAction(), 1)
	if v == reliable.V11 {
		expect(true, v.CloseSequenceAction(), 1)
		expect(false, v.CloseSequenceResponseAction(), 1)
		expect(false, v.TerminateSequenceResponseAction(), 1)
	} else {
		expect(true, v.LastMessageAction(), 1)
	}
	problems = append(problems, rmNumbers("requests", msgs, true, requests, ordered)...)
	problems = append(problems, rmNumbers("replies", msgs, false, replies, ordered)...)
	return problems
}

// rmNumbers checks the application messages of one direction (what, a
// plural noun): numbers 1..want on one sequence, each once.
func rmNumbers(what string, msgs []rmMessage, request bool, want int, ordered bool) []string {
	seen := map[int64]int{}
	var order []int64
	seq := ""
	for _, m := range msgs {
		if m.request != request || m.seq == "" || m.last || strings.HasPrefix(m.action, reliable.V200502.Namespace()) ||
			strings.HasPrefix(m.action, reliable.V11.Namespace()) {
			continue
		}
		if seq == "" {
			seq = m.seq
		} else if m.seq != seq {
			return []string{fmt.Sprintf("%s on two sequences: %s and %s", what, seq, m.seq)}
		}
		seen[m.number]++
		order = append(order, m.number)
	}
	var bad []string
	for i := int64(1); i <= int64(want); i++ {
		if seen[i] != 1 {
			bad = append(bad, fmt.Sprintf("#%d ×%d", i, seen[i]))
		}
	}
	if len(seen) != want {
		bad = append(bad, fmt.Sprintf("%d distinct numbers", len(seen)))
	}
	if len(bad) > 0 {
		return []string{fmt.Sprintf("want %s #1..#%d once each, saw %s", what, want, strings.Join(bad, ", "))}
	}
	if ordered {
		for i, n := range order {
			if n != int64(i+1) {
				return []string{fmt.Sprintf("%s out of order: %v", what, order)}
			}
		}
	}
	return nil
}
