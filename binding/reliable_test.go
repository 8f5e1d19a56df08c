package binding

// Tests of the reliable session wiring. The configuration and plan tests
// run on their own; the end-to-end tests need package reliable's client and
// server (reliable.NewClient, reliable.ServerLayer) and fail until those
// are built.

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/beevik/etree"

	"github.com/soapstack/soapstack/internal/wsse"
	"github.com/soapstack/soapstack/internal/wstrust"
	"github.com/soapstack/soapstack/reliable"
	"github.com/soapstack/soapstack/secureconv"
	"github.com/soapstack/soapstack/soap"
)

// withRM returns b with a reliable session.
func withRM(b Binding) Binding {
	b.ReliableSession.Enabled = true
	return b
}

// TestReliableConfigErrors: a reliable session WCF would refuse is an
// error at construction naming the field, on both sides.
func TestReliableConfigErrors(t *testing.T) {
	k := loadPKI(t)
	creds := Credentials{ServiceCertificate: k.service, UserName: "alice", Password: "clarinet", UserNameValidator: users()}
	mutate := func(b Binding, f func(*Binding)) Binding { f(&b); return b }
	rm := func(f func(*ReliableSession)) Binding {
		return mutate(withRM(wsHTTP(ModeMessage, CredentialUserName, true)), func(b *Binding) { f(&b.ReliableSession) })
	}
	tests := []struct {
		name         string
		b            Binding
		url          string
		notSupported bool
		field        string
	}{
		{"basicHttp", withRM(BasicHttpBinding()), "http://h/", false, "basicHttpBinding has no reliable sessions"},
		{"message security without a session", withRM(wsHTTP(ModeMessage, CredentialUserName, false)), "http://h/", false, "EstablishSecurityContext"},
		{"TWMC without a session", withRM(ws2007HTTP(ModeTransportWithMessageCredential, CredentialUserName, false)), "https://h/", false, "EstablishSecurityContext"},
		{"no addressing", mutate(withRM(CustomBinding("c")), func(b *Binding) { b.Addressing = 0 }), "http://h/", false, "WS-Addressing"},
		{"RM 1.1 over WS-Addressing 2004/08", mutate(withRM(CustomBinding("c")), func(b *Binding) { b.Addressing = soap.WSA200408 }), "http://h/", false, "WS-RM 1.1 needs WS-Addressing 1.0"},
		{"unknown version", rm(func(r *ReliableSession) { r.Version = 7 }), "http://h/", false, "ReliableSession.Version"},
		{"unordered", rm(func(r *ReliableSession) { r.Unordered = true }), "http://h/", true, "ReliableSession.Unordered"},
		{"window", rm(func(r *ReliableSession) { r.MaxTransferWindowSize = 5000 }), "http://h/", false, "MaxTransferWindowSize"},
		{"negative window", rm(func(r *ReliableSession) { r.MaxTransferWindowSize = -1 }), "http://h/", false, "MaxTransferWindowSize"},
		{"retries", rm(func(r *ReliableSession) { r.MaxRetryCount = -1 }), "http://h/", false, "MaxRetryCount"},
		{"pending", rm(func(r *ReliableSession) { r.MaxPendingChannels = 20000 }), "http://h/", false, "MaxPendingChannels"},
		{"inactivity", rm(func(r *ReliableSession) { r.InactivityTimeout = -1 }), "http://h/", false, "InactivityTimeout"},
		{"ack interval", rm(func(r *ReliableSession) { r.AcknowledgementInterval = -1 }), "http://h/", false, "AcknowledgementInterval"},
		{"ack interval past inactivity", rm(func(r *ReliableSession) {
			r.InactivityTimeout, r.AcknowledgementInterval = 1e9, 2e9
		}), "http://h/", false, "AcknowledgementInterval"},
	}
	// A store of one's own brings its own bound on pending sequences.
	b := withRM(wsHTTP(ModeMessage, CredentialUserName, true))
	b.ReliableSession.MaxPendingChannels = 2
	if _, err := NewHandler(whoami(), b, creds, WithSequenceStore(reliable.NewMemoryStore())); !errors.Is(err, ErrConfig) ||
		!strings.Contains(err.Error(), "MaxPendingChannels") {
		t.Fatalf("store and MaxPendingChannels: err = %v, want ErrConfig naming MaxPendingChannels", err)
	}
	// A negative claim timeout is refused when the handler is built.
	if _, err := NewHandler(whoami(), withRM(wsHTTP(ModeMessage, CredentialUserName, true)), creds, WithClaimTimeout(-time.Second)); !errors.Is(err, ErrConfig) {
		t.Fatalf("negative claim timeout: err = %v, want ErrConfig", err)
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, cerr := NewClient(tc.url, tc.b, creds)
			_, herr := NewHandler(whoami(), tc.b, creds)
			for side, err := range map[string]error{"client": cerr, "handler": herr} {
				if !errors.Is(err, ErrConfig) {
					t.Fatalf("%s: err = %v, want ErrConfig", side, err)
				}
				if errors.Is(err, ErrNotSupported) != tc.notSupported {
					t.Fatalf("%s: err = %v, want ErrNotSupported %v", side, err, tc.notSupported)
				}
				if !strings.Contains(err.Error(), tc.field) {
					t.Fatalf("%s: err = %v, want it to name %q", side, err, tc.field)
				}
			}
		})
	}
}

// TestReliablePlan: the version follows the binding, and a symmetric
// session policy signs the RM headers (a transport session has no
// signature over headers; the bootstrap never carries them).
func TestReliablePlan(t *testing.T) {
	rmHeaders := []xml.Name{{Space: reliable.NSRM200502, Local: "Sequence"}, {Space: reliable.NSRM11, Local: "SequenceAcknowledgement"},
		{Space: reliable.NSNetRM, Local: "BufferRemaining"}}
	custom13 := withRM(CustomBinding("c"))
	custom200502 := custom13
	custom200502.SecureConversation = secureconv.V200502
	pinned := withRM(wsHTTP(ModeMessage, CredentialUserName, true))
	pinned.ReliableSession.Version = reliable.V11
	tests := []struct {
		name    string
		b       Binding
		version reliable.Version
		signs   bool
	}{
		{"wsHttp message session", withRM(wsHTTP(ModeMessage, CredentialUserName, true)), reliable.V200502, true},
		{"ws2007Http message session", withRM(ws2007HTTP(ModeMessage, CredentialCertificate, true)), reliable.V11, true},
		{"ws2007Http TWMC session", withRM(ws2007HTTP(ModeTransportWithMessageCredential, CredentialUserName, true)), reliable.V11, false},
		{"wsHttp no security", withRM(wsHTTP(ModeNone, CredentialNone, false)), reliable.V200502, false},
		{"wsHttp transport", withRM(wsHTTP(ModeTransport, CredentialNone, false)), reliable.V200502, false},
		{"custom 1.3", custom13, reliable.V11, false},
		{"custom 2005/02", custom200502, reliable.V200502, false},
		{"version set", pinned, reliable.V11, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := tc.b.plan()
			if err != nil {
				t.Fatal(err)
			}
			if p.rm == nil || p.rm.version != tc.version {
				t.Fatalf("rm plan %+v, want version %v", p.rm, tc.version)
			}
			if p.session != nil {
				for _, h := range rmHeaders {
					if p.session.SignedParts.Includes(h) != tc.signs {
						t.Errorf("session policy signs %v: %v, want %v", h, !tc.signs, tc.signs)
					}
				}
			}
			if p.message != nil {
				for _, h := range rmHeaders {
					if p.message.SignedParts.Includes(h) {
						t.Errorf("the bootstrap policy signs %v", h)
					}
				}
			}
			d, err := tc.b.Describe()
			if err != nil || !strings.Contains(d, ", reliable session "+tc.version.String()+",") {
				t.Fatalf("Describe = %q, %v", d, err)
			}
		})
	}
	// Without ReliableSession the session policy is WCF's, unchanged.
	p, err := wsHTTP(ModeMessage, CredentialUserName, true).plan()
	if err != nil {
		t.Fatal(err)
	}
	if p.rm != nil || p.session.SignedParts.Includes(rmHeaders[0]) {
		t.Fatal("a binding without ReliableSession plans a reliable session")
	}
}

// wireTap records the SOAP requests a client sends (and can lose the reply
// of one, after the service processed it: a lost response).
type wireTap struct {
	next http.RoundTripper
	mu   sync.Mutex
	reqs []*etree.Document
	// lose is the action whose first reply is lost ("" for none).
	lose string
	lost bool
}

func (w *wireTap) RoundTrip(r *http.Request) (*http.Response, error) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, err
	}
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(body); err != nil {
		return nil, err
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	w.mu.Lock()
	w.reqs = append(w.reqs, doc)
	loseThis := w.lose != "" && !w.lost && wireAction(doc) == w.lose
	if loseThis {
		w.lost = true
	}
	w.mu.Unlock()
	resp, err := w.next.RoundTrip(r)
	if err != nil || !loseThis {
		return resp, err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return nil, errors.New("wire tap: the reply was lost")
}

// requests returns the recorded requests.
func (w *wireTap) requests() []*etree.Document {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]*etree.Document(nil), w.reqs...)
}

// header returns the first header block of doc in namespace ns named local.
func header(doc *etree.Document, ns, local string) *etree.Element {
	env := doc.Root()
	if env == nil {
		return nil
	}
	for _, part := range env.ChildElements() {
		if part.Tag != "Header" {
			continue
		}
		for _, h := range part.ChildElements() {
			if h.Tag == local && h.NamespaceURI() == ns {
				return h
			}
		}
	}
	return nil
}

// wireAction returns the wsa:Action of doc (either addressing version).
func wireAction(doc *etree.Document) string {
	for _, ns := range []string{soap.NSWSA10, soap.NSWSA200408} {
		if a := header(doc, ns, "Action"); a != nil {
			return strings.TrimSpace(a.Text())
		}
	}
	return ""
}

// countingApp answers echo requests and counts how often it saw each text.
type countingApp struct {
	mu      sync.Mutex
	seen    map[string]int
	order   []string
	session bool // every request arrived in a secure session
}

func newCountingApp() *countingApp { return &countingApp{seen: map[string]int{}, session: true} }

func (a *countingApp) ServeSOAP(ctx context.Context, req *soap.Message) (*soap.Message, error) {
	text := req.Payload().Text()
	p, _ := soap.PrincipalFromContext(ctx)
	a.mu.Lock()
	a.seen[text]++
	a.order = append(a.order, text)
	if p == nil || p.Session == nil {
		a.session = false
	}
	a.mu.Unlock()
	el := etree.NewElement("t:echoResponse")
	el.CreateAttr("xmlns:t", nsTest)
	el.SetText(text)
	return soap.NewReply(req, actionEcho+"Response", el, nil)
}

// reliableCase is one binding with a reliable session, served and called
// through a wire tap.
type reliableCase struct {
	name    string
	b       Binding
	tls     bool
	version reliable.Version
	secure  bool // a secure session below the reliable one
	signed  bool // the RM headers are signed (they carry a wsu:Id)
}

func reliableCases() []reliableCase {
	return []reliableCase{
		{"WSHttp/Message/UserName", withRM(wsHTTP(ModeMessage, CredentialUserName, true)), false, reliable.V200502, true, true},
		{"WS2007Http/Message/Certificate", withRM(ws2007HTTP(ModeMessage, CredentialCertificate, true)), false, reliable.V11, true, true},
		{"WS2007Http/TransportWithMessageCredential/UserName", withRM(ws2007HTTP(ModeTransportWithMessageCredential, CredentialUserName, true)), true, reliable.V11, true, false},
		{"WSHttp/None", withRM(wsHTTP(ModeNone, CredentialNone, false)), false, reliable.V200502, false, false},
	}
}

// serve starts the case's service around app and returns a client whose
// requests go through tap.
func (rc reliableCase) serve(t *testing.T, app soap.Handler, tap *wireTap, hopts ...HandlerOption) *Client {
	t.Helper()
	return rc.serveWith(t, app, tap, hopts, nil)
}

// serveWith is serve with client options.
func (rc reliableCase) serveWith(t *testing.T, app soap.Handler, tap *wireTap, hopts []HandlerOption, copts []ClientOption) *Client {
	t.Helper()
	k := loadPKI(t)
	h, err := NewHandler(app, rc.b, Credentials{ServiceCertificate: k.service, UserNameValidator: users(),
		TrustedRoots: []*x509.Certificate{k.ca.Cert}}, hopts...)
	if err != nil {
		t.Fatal(err)
	}
	srv, _ := startServer(t, h, rc.tls)
	tap.next = srv.Client().Transport
	c, err := NewClient(srv.URL+"/svc", rc.b, Credentials{ServiceCertificate: publicOnly(k.service), ClientCertificate: k.client,
		UserName: "alice", Password: "clarinet"}, append(copts, WithHTTPClient(&http.Client{Transport: tap}))...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestReliableSessions: each application request goes on one sequence,
// inside the secure session where there is one, with its RM headers signed
// by it; the application sees each request once and in order; Close
// terminates the sequence before it cancels the secure session.
func TestReliableSessions(t *testing.T) {
	for _, rc := range reliableCases() {
		t.Run(rc.name, func(t *testing.T) {
			app, tap := newCountingApp(), &wireTap{}
			c := rc.serve(t, app, tap)
			ctx := context.Background()
			if err := c.Open(ctx); err != nil {
				t.Fatal(err)
			}
			if c.Sequence() == "" {
				t.Fatal("no sequence after Open")
			}
			if rc.secure != (c.Session() != "") {
				t.Fatalf("secure session %q, want one: %v", c.Session(), rc.secure)
			}
			texts := []string{"one", "two", "three"}
			for _, text := range texts {
				got, err := echoText(ctx, c, text)
				if err != nil {
					t.Fatalf("%s: %v", text, err)
				}
				if got != text {
					t.Fatalf("reply %q, want %q", got, text)
				}
			}
			seq := c.Sequence()
			if err := c.Close(ctx); err != nil {
				t.Fatal(err)
			}

			app.mu.Lock()
			if fmt.Sprint(app.order) != fmt.Sprint(texts) {
				t.Errorf("the application saw %v, want %v once each in order", app.order, texts)
			}
			if rc.secure && !app.session {
				t.Error("a request reached the application outside the secure session")
			}
			app.mu.Unlock()

			ns := rc.version.Namespace()
			creates, terminate, cancel, apps := 0, -1, -1, 0
			for i, doc := range tap.requests() {
				switch a := wireAction(doc); a {
				case rc.version.CreateSequenceAction():
					creates++
				case rc.version.TerminateSequenceAction():
					terminate = i
				case actionEcho:
					apps++
					s := header(doc, ns, "Sequence")
					if s == nil {
						t.Fatalf("request %d (%s) has no %s Sequence header", i, a, rc.version)
					}
					if id := s.FindElement("./Identifier"); id == nil || strings.TrimSpace(id.Text()) != seq {
						t.Errorf("request %d: Sequence %v, want identifier %s", i, id, seq)
					}
					if hasID := hasWsuID(s); hasID != rc.signed {
						t.Errorf("request %d: Sequence header carries a wsu:Id: %v, want %v (signed by the session)", i, hasID, rc.signed)
					}
				default:
					if a == wstrust.V200502.CancelAction() || a == wstrust.V13.CancelAction() {
						cancel = i
					}
				}
			}
			if creates != 1 || apps != len(texts) || terminate < 0 {
				t.Fatalf("wire: %d CreateSequence, %d application requests, TerminateSequence at %d; want 1, %d, sent", creates, apps, terminate, len(texts))
			}
			if rc.secure && (cancel < 0 || cancel < terminate) {
				t.Fatalf("the secure session was cancelled at %d, the sequence terminated at %d: want terminate first", cancel, terminate)
			}
		})
	}
}

// hasWsuID reports whether el carries a wsu:Id under any prefix.
func hasWsuID(el *etree.Element) bool {
	for _, a := range el.Attr {
		if a.Key == "Id" && a.NamespaceURI() == wsse.NSWSU {
			return true
		}
	}
	return false
}

// TestReliableRetransmission: the reply of the first application request
// is lost after the service processed it; the client retransmits it (with
// fresh security: a new message on the wire) and returns the reply, and
// the application ran it once.
func TestReliableRetransmission(t *testing.T) {
	for _, rc := range reliableCases()[:2] {
		t.Run(rc.name, func(t *testing.T) {
			app, tap := newCountingApp(), &wireTap{lose: actionEcho}
			var cli, svc recorder
			c := rc.serveWith(t, app, tap, []HandlerOption{WithHooks(svc.hooks())}, []ClientOption{WithHooks(cli.hooks())})
			ctx := context.Background()
			got, err := echoText(ctx, c, "once")
			if err != nil {
				t.Fatal(err)
			}
			if got != "once" {
				t.Fatalf("reply %q", got)
			}
			app.mu.Lock()
			n := app.seen["once"]
			app.mu.Unlock()
			if n != 1 {
				t.Fatalf("the application ran the request %d times, want once", n)
			}
			var copies []string
			for _, doc := range tap.requests() {
				if wireAction(doc) == actionEcho {
					s, _ := doc.WriteToString()
					num := header(doc, rc.version.Namespace(), "Sequence").FindElement("./MessageNumber").Text()
					if num != "1" {
						t.Fatalf("message number %s, want 1 on each copy", num)
					}
					copies = append(copies, s)
				}
			}
			if len(copies) < 2 {
				t.Fatalf("%d copies on the wire, want a retransmission", len(copies))
			}
			if copies[0] == copies[1] {
				t.Fatal("the retransmission is byte-identical: want fresh security per attempt")
			}
			if err := c.Close(ctx); err != nil {
				t.Fatal(err)
			}
			// The hooks saw the sequence on both sides and the
			// retransmission on the client.
			kinds := func(r *recorder) map[reliable.EventKind]int {
				r.mu.Lock()
				defer r.mu.Unlock()
				m := map[reliable.EventKind]int{}
				for _, e := range r.reliable {
					m[e.Kind]++
					if e.Binding != rc.b.name() {
						t.Errorf("event %+v of binding %q", e, e.Binding)
					}
				}
				return m
			}
			ck, sk := kinds(&cli), kinds(&svc)
			if ck[reliable.EventCreated] == 0 || ck[reliable.EventRetransmitted] == 0 || ck[reliable.EventTerminated] == 0 {
				t.Errorf("client reliable events %v: want created, retransmitted, terminated", ck)
			}
			if sk[reliable.EventCreated] == 0 || sk[reliable.EventDelivered] == 0 {
				t.Errorf("service reliable events %v: want created and delivered", sk)
			}
			cli.mu.Lock()
			defer cli.mu.Unlock()
			if fmt.Sprint(cli.calls) != fmt.Sprint([]string{"client " + actionEcho + " ok"}) {
				t.Errorf("client calls %v: want one call however often it was sent", cli.calls)
			}
		})
	}
}

// TestReliableAuthorize: with a reliable session WithAuthorize decides
// about application requests only, never about the RM control messages.
func TestReliableAuthorize(t *testing.T) {
	rc := reliableCases()[0]
	var mu sync.Mutex
	var actions []string
	authz := func(_ context.Context, action string, p *soap.Principal) error {
		mu.Lock()
		defer mu.Unlock()
		actions = append(actions, action)
		if p.Name() != "alice" {
			return errors.New("not alice")
		}
		return nil
	}
	c := rc.serve(t, newCountingApp(), &wireTap{}, WithAuthorize(authz))
	ctx := context.Background()
	if _, err := echoText(ctx, c, "x"); err != nil {
		t.Fatal(err)
	}
	if err := c.Close(ctx); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if fmt.Sprint(actions) != fmt.Sprint([]string{actionEcho}) {
		t.Fatalf("the authorizer saw %v, want only the application request", actions)
	}
}
