package interop

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/soapstack/soapstack/reliable"
	"github.com/soapstack/soapstack/soap"
)

// Versions of the WS-ReliableMessaging cases: the exchange pattern of the
// reliable session (the scenario names the WS-RM × WS-Addressing pairing).
const (
	// VersionRMRequestReply: echo calls on a sequence that offers a reply
	// sequence (WCF's IRequestSessionChannel).
	VersionRMRequestReply = "request-reply"
	// VersionRMOneWay: notify calls on a sequence without an offer (WCF's
	// IOutputSessionChannel).
	VersionRMOneWay = "one-way"
)

// CXFReliableStatusPath is the path of a peer's rm status endpoint: a plain (not
// reliable) SOAP 1.2 IPingService whose echo(tag) answers the service's
// verdict on the reliable session of that case, "ok: ..." or "fail: ...".
// The CXF peer and the Go service both serve it.
const CXFReliableStatusPath = "/rm/status"

// cxfRMMessages is the number of application messages of every rm case.
const cxfRMMessages = 3

// CXFReliableScenario is one WS-ReliableMessaging scenario of SCENARIOS.md ("rm"
// family): a WS-RM version with a WS-Addressing version, served at
// /rm/<Name> over SOAP 1.2.
type CXFReliableScenario struct {
	Name       string
	RM         reliable.Version
	Addressing soap.AddressingVersion
}

// Path returns the endpoint path of the scenario on a peer.
func (s CXFReliableScenario) Path() string { return "/rm/" + s.Name }

// CXFReliableScenarios lists the WS-RM scenarios the CXF matrix runs. CXF has no
// WS-RM over secure conversation, so none of them is secured. RM10 and
// RM11 are the configurations the Metro matrix names the same way;
// RM10-WSA200408 is CXF's only (WS-RM 1.0 with the member-submission
// addressing).
func CXFReliableScenarios() []CXFReliableScenario {
	return []CXFReliableScenario{
		{Name: "RM10", RM: reliable.V200502, Addressing: soap.WSA10},
		{Name: "RM10-WSA200408", RM: reliable.V200502, Addressing: soap.WSA200408},
		{Name: "RM11", RM: reliable.V11, Addressing: soap.WSA10},
	}
}

// CXFReliableCases lists the rm cases of the CXF matrix: every scenario
// request-reply and one-way. They run in both directions, in CXF's dom
// mode (RM has no streaming variant).
func CXFReliableCases() []Case {
	var out []Case
	for _, s := range CXFReliableScenarios() {
		for _, v := range []string{VersionRMRequestReply, VersionRMOneWay} {
			out = append(out, Case{Scenario: s.Name, Version: v})
		}
	}
	return out
}

// cxfRMCase returns the scenario of an rm case and whether it is one-way.
func cxfRMCase(c Case) (CXFReliableScenario, bool, bool) {
	if c.Version != VersionRMRequestReply && c.Version != VersionRMOneWay {
		return CXFReliableScenario{}, false, false
	}
	for _, s := range CXFReliableScenarios() {
		if s.Name == c.Scenario {
			return s, c.Version == VersionRMOneWay, true
		}
	}
	return CXFReliableScenario{}, false, false
}

// cxfRMText is the text of application message i of n of a case; both
// services' ledgers parse it.
func cxfRMText(tag string, i, n int) string { return fmt.Sprintf("rm %s %d/%d", tag, i, n) }

var cxfRMTextPattern = regexp.MustCompile(`^rm (\S+) (\d+)/(\d+)$`)

// cxfRMSettle bounds how long a client waits for the service's verdict to
// become "ok" (the service may still be processing the last messages).
const cxfRMSettle = 5 * time.Second

// RunGoCXFReliableCase runs an rm case with the Go client against the peer at
// base: a reliable session (reliable.Client over the HTTP transport) sends
// three echo requests (request-reply) or notifications (one-way), then
// closes the session (LastMessage or CloseSequence, TerminateSequence).
// It passes if every call succeeded and the peer's status endpoint says
// the session was right on its side ("ok": each message delivered once,
// in order, and the peer saw CreateSequence, the close and the terminate
// on the wire, in the scenario's namespaces).
func RunGoCXFReliableCase(ctx context.Context, base string, c Case) Result {
	r := Result{Scenario: c.Scenario, Direction: GoToPeer, Version: c.Version}
	sc, oneWay, ok := cxfRMCase(c)
	if !ok {
		r.Reason = "not an rm case: " + c.String()
		return r
	}
	if err := runGoCXFReliable(ctx, base, sc, oneWay); err != nil {
		r.Reason = err.Error()
		return r
	}
	r.Pass = true
	return r
}

func runGoCXFReliable(ctx context.Context, base string, sc CXFReliableScenario, oneWay bool) error {
	url := base + sc.Path()
	var events cxfRMEventLog
	// The WS-Addressing version of the RM messages (CreateSequence, ...)
	// must be the scenario's: RM10-WSA200408 needs 2004/08 there too, and
	// CXF's verdict checks it.
	client, err := reliable.NewClient(soap.NewHTTPClient(url), reliable.ClientConfig{
		Version: sc.RM, SOAP: soap.V12, Addressing: sc.Addressing, To: url, OneWay: oneWay,
		RetryInterval: 500 * time.Millisecond, OnEvent: events.add,
	})
	if err != nil {
		return fmt.Errorf("reliable.NewClient: %w", err)
	}
	cli := &PingClient{Invoker: client, Version: soap.V12, Addressing: sc.Addressing, To: url}
	tag := newCXFRMTag()
	for i := 1; i <= cxfRMMessages; i++ {
		text := cxfRMText(tag, i, cxfRMMessages)
		if oneWay {
			if err := cli.Notify(ctx, text); err != nil {
				return fmt.Errorf("notify %d: %w%s", i, err, events.suffix())
			}
			continue
		}
		got, err := cli.Echo(ctx, text)
		if err != nil {
			return fmt.Errorf("echo %d: %w%s", i, err, events.suffix())
		}
		if got != text {
			return fmt.Errorf("echo %d returned %q, want %q", i, got, text)
		}
	}
	if err := client.Close(ctx); err != nil {
		return fmt.Errorf("close: %w%s", err, events.suffix())
	}
	verdict, err := cxfRMVerdict(ctx, base, tag, cxfRMSettle)
	if err != nil {
		return fmt.Errorf("asking the peer's status endpoint: %w", err)
	}
	if !strings.HasPrefix(verdict, "ok") {
		return fmt.Errorf("the peer's verdict: %s%s", verdict, events.suffix())
	}
	return nil
}

// cxfRMVerdict asks the status endpoint at base for the verdict on tag until
// it starts with "ok" or settle passed; it returns the last answer.
func cxfRMVerdict(ctx context.Context, base, tag string, settle time.Duration) (string, error) {
	url := base + CXFReliableStatusPath
	status := &PingClient{Invoker: soap.NewHTTPClient(url), Version: soap.V12, Addressing: soap.WSA10, To: url}
	deadline := time.Now().Add(settle)
	for {
		v, err := status.Echo(ctx, tag)
		if err != nil {
			return "", err
		}
		if strings.HasPrefix(v, "ok") || time.Now().After(deadline) {
			return v, nil
		}
		select {
		case <-ctx.Done():
			return v, ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}

func newCXFRMTag() string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// cxfRMEventLog keeps the reliable session events of a case, for reports.
type cxfRMEventLog struct {
	mu     sync.Mutex
	events []reliable.Event
}

func (l *cxfRMEventLog) add(e reliable.Event) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.events) < 64 {
		l.events = append(l.events, e)
	}
}

// suffix returns " (events: ...)" for an error message, or "".
func (l *cxfRMEventLog) suffix() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.events) == 0 {
		return ""
	}
	parts := make([]string, 0, len(l.events))
	for _, e := range l.events {
		s := fmt.Sprintf("%d:%d/%d", e.Kind, e.Number, e.Attempt)
		if e.Err != nil {
			s += "(" + e.Err.Error() + ")"
		}
		parts = append(parts, s)
	}
	return " (events kind:number/attempt: " + strings.Join(parts, " ") + ")"
}

// cxfRMLedger is the Go service's record of what its reliable endpoints
// delivered to the application, for the status endpoint: per case tag the
// indexes in delivery order, and the WS-RM sequence and number each came
// with when the reliable layer left the Sequence header in the message.
type cxfRMLedger struct {
	mu    sync.Mutex
	byTag map[string][]cxfRMDelivery
}

type cxfRMDelivery struct {
	index, count int
	sequence     string
	number       int64
}

// app wraps the application handler: it records every rm text delivered.
func (l *cxfRMLedger) app(next soap.Handler) soap.Handler {
	return soap.HandlerFunc(func(ctx context.Context, req *soap.Message) (*soap.Message, error) {
		l.record(req)
		return next.ServeSOAP(ctx, req)
	})
}

func (l *cxfRMLedger) record(req *soap.Message) {
	p := req.Payload()
	if p == nil {
		return
	}
	var text string
	for _, c := range p.ChildElements() {
		if (soap.Is(p, NSPing, "echo") && soap.Is(c, NSPing, "request")) ||
			(soap.Is(p, NSPing, "notify") && soap.Is(c, NSPing, "message")) {
			text = c.Text()
		}
	}
	m := cxfRMTextPattern.FindStringSubmatch(text)
	if m == nil {
		return
	}
	d := cxfRMDelivery{number: -1}
	d.index, _ = strconv.Atoi(m[2])
	d.count, _ = strconv.Atoi(m[3])
	for _, v := range []reliable.Version{reliable.V200502, reliable.V11} {
		if h := req.FindHeader(v.Namespace(), "Sequence"); h != nil {
			for _, c := range h.ChildElements() {
				switch c.Tag {
				case "Identifier":
					d.sequence = strings.TrimSpace(c.Text())
				case "MessageNumber":
					d.number, _ = strconv.ParseInt(strings.TrimSpace(c.Text()), 10, 64)
				}
			}
		}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.byTag == nil {
		l.byTag = map[string][]cxfRMDelivery{}
	}
	if len(l.byTag) < 1024 {
		l.byTag[m[1]] = append(l.byTag[m[1]], d)
	}
}

// verdict judges the session of tag: each of 1..n delivered exactly once,
// in order, on one sequence, with message number = index.
func (l *cxfRMLedger) verdict(tag string) string {
	l.mu.Lock()
	ds := append([]cxfRMDelivery(nil), l.byTag[tag]...)
	l.mu.Unlock()
	if len(ds) == 0 {
		return "fail: nothing delivered for tag " + tag
	}
	var problems []string
	got := make([]int, 0, len(ds))
	for _, d := range ds {
		got = append(got, d.index)
		if d.sequence != "" && d.sequence != ds[0].sequence {
			problems = append(problems, fmt.Sprintf("message %d came on another sequence", d.index))
		}
		if d.sequence != "" && d.number != int64(d.index) {
			problems = append(problems, fmt.Sprintf("message %d had message number %d", d.index, d.number))
		}
	}
	want := make([]int, 0, ds[0].count)
	for i := 1; i <= ds[0].count; i++ {
		want = append(want, i)
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		problems = append(problems, fmt.Sprintf("delivered %v, want %v (each once, in order)", got, want))
	}
	summary := fmt.Sprintf("sequence %q delivered %v", ds[0].sequence, got)
	if len(problems) > 0 {
		return "fail: " + strings.Join(problems, "; ") + " (" + summary + ")"
	}
	return "ok: " + summary
}

// status is the status endpoint's handler: echo(tag) answers the verdict.
func (l *cxfRMLedger) status(ctx context.Context, req *soap.Message) (*soap.Message, error) {
	tag, err := payloadText(req, "echo", "request")
	if err != nil {
		return nil, err
	}
	return soap.Reply(req, ActionEchoResponse, pingElement("echoResponse", "echoResult", l.verdict(tag)))
}

// mountCXFReliable adds the Go service's rm endpoints for the CXF client
// to mux: /rm/<Scenario> (reliable.ServerLayer in front of the
// IPingService, accepting the scenario's WS-RM version) and CXFReliableStatusPath.
// When the reliable layer cannot be built, each endpoint answers every
// request with a Receiver fault naming the cause, so only the rm cases
// fail and they say why.
func mountCXFReliable(mux *http.ServeMux, svc *PingService) {
	ledger := &cxfRMLedger{}
	for _, sc := range CXFReliableScenarios() {
		layer, err := reliable.ServerLayer(reliable.ServerConfig{Versions: []reliable.Version{sc.RM}})
		var h soap.Handler
		if err != nil {
			h = cxfRMUnavailable(fmt.Errorf("interop: %s: reliable.ServerLayer: %w", sc.Name, err))
		} else {
			h = soap.ChainHandler(ledger.app(svc.Handler()), layer)
		}
		mux.Handle(sc.Path(), soap.NewHTTPHandler(h))
	}
	status := soap.NewServeMux()
	status.HandleFunc(ActionEcho, ledger.status)
	mux.Handle(CXFReliableStatusPath, soap.NewHTTPHandler(status))
}

func cxfRMUnavailable(err error) soap.Handler {
	return soap.HandlerFunc(func(context.Context, *soap.Message) (*soap.Message, error) {
		return nil, soap.ReceiverFault(err.Error())
	})
}
