package binding

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/soapstack/soapstack/secureconv"
	"github.com/soapstack/soapstack/soap"
	"github.com/soapstack/soapstack/wssecurity"
)

// recorder collects every hook event, as strings and values.
type recorder struct {
	mu         sync.Mutex
	calls      []string
	rejections []Rejection
	sessions   []SessionEvent
	reliable   []ReliableEvent
}

type ctxMark struct{}

func (r *recorder) hooks() Hooks {
	return Hooks{
		Call: func(ctx context.Context, info CallInfo) (context.Context, func(error)) {
			return context.WithValue(ctx, ctxMark{}, "marked"), func(err error) {
				r.mu.Lock()
				defer r.mu.Unlock()
				outcome := "ok"
				if f, ok := soap.AsFault(err); ok {
					outcome = "fault " + f.Subcode().Local
				} else if err != nil {
					outcome = "error"
				}
				r.calls = append(r.calls, fmt.Sprintf("%s %s %s", info.Side, info.Action, outcome))
			}
		},
		Rejected: func(_ context.Context, rj Rejection) {
			r.mu.Lock()
			defer r.mu.Unlock()
			r.rejections = append(r.rejections, rj)
		},
		Session: func(e SessionEvent) {
			r.mu.Lock()
			defer r.mu.Unlock()
			r.sessions = append(r.sessions, e)
		},
		Reliable: func(e ReliableEvent) {
			r.mu.Lock()
			defer r.mu.Unlock()
			r.reliable = append(r.reliable, e)
		},
	}
}

func (r *recorder) sessionKinds(side Side) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, e := range r.sessions {
		if e.Side == side {
			out = append(out, e.Kind.String())
		}
	}
	return out
}

// TestHooks: calls on both sides, session events on both sides, and the
// service's rejections with the defence that fired.
func TestHooks(t *testing.T) {
	k := loadPKI(t)
	b := wsHTTP(ModeMessage, CredentialUserName, true)
	var rec, second recorder
	sawMark := make(chan any, 8)
	mux := soap.NewServeMux()
	mux.Handle(actionEcho, soap.HandlerFunc(func(ctx context.Context, req *soap.Message) (*soap.Message, error) {
		sawMark <- ctx.Value(ctxMark{})
		return whoami().ServeSOAP(ctx, req)
	}))
	mux.HandleFunc(nsTest+"/fail", func(context.Context, *soap.Message) (*soap.Message, error) {
		return nil, soap.SenderFault("no", xmlName(nsTest, "Nope"))
	})
	deny := func(_ context.Context, action string, _ *soap.Principal) error {
		if action == nsTest+"/forbidden" {
			return errors.New("forbidden action")
		}
		return nil
	}
	h, err := NewHandler(mux, b, Credentials{ServiceCertificate: k.service, UserNameValidator: users()},
		WithHooks(rec.hooks()), WithHooks(second.hooks()), WithAuthorize(deny), WithLogger(discard()))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	ctx := context.Background()
	c, err := NewClient(srv.URL, b, Credentials{ServiceCertificate: publicOnly(k.service), UserName: "alice", Password: "clarinet"},
		WithHooks(rec.hooks()))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := call(ctx, c); err != nil {
		t.Fatal(err)
	}
	if m := <-sawMark; m != "marked" {
		t.Fatalf("the application's context carries %v, want the hook's context", m)
	}
	// An application fault is a call outcome, not a rejection.
	if _, err := callAction(ctx, c, nsTest+"/fail"); err == nil {
		t.Fatal("no fault")
	}
	// An authorization refusal is a rejection.
	if _, err := callAction(ctx, c, nsTest+"/forbidden"); err == nil {
		t.Fatal("no fault")
	}
	if err := c.Close(ctx); err != nil {
		t.Fatal(err)
	}

	// A wrong password: rejected by the bootstrap security.
	bad, err := NewClient(srv.URL, b, Credentials{ServiceCertificate: publicOnly(k.service), UserName: "alice", Password: "oboe"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := call(ctx, bad); err == nil {
		t.Fatal("no fault")
	}
	// Not even a SOAP message: rejected by the HTTP handler's parser.
	resp, err := http.Post(srv.URL, soap.ContentType12, strings.NewReader("<not xml"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()

	rec.mu.Lock()
	defer rec.mu.Unlock()
	wantCalls := []string{
		"service " + actionEcho + " ok", "client " + actionEcho + " ok",
		"service " + nsTest + "/fail fault Nope", "client " + nsTest + "/fail fault Nope",
		"client " + nsTest + "/forbidden fault FailedAuthentication",
	}
	if fmt.Sprint(rec.calls) != fmt.Sprint(wantCalls) {
		t.Errorf("calls\n got %q\nwant %q", rec.calls, wantCalls)
	}
	if len(rec.rejections) != 3 {
		t.Fatalf("rejections %+v, want 3", rec.rejections)
	}
	forbidden, password, parse := rec.rejections[0], rec.rejections[1], rec.rejections[2]
	if forbidden.Action != nsTest+"/forbidden" || forbidden.Fault.Subcode().Local != "FailedAuthentication" || !strings.Contains(fmt.Sprint(forbidden.Fault.Cause), "forbidden action") {
		t.Errorf("authorization rejection %+v", forbidden)
	}
	if !errors.Is(password.Fault, wssecurity.ErrFailedAuthentication) || !strings.Contains(password.Action, "trust") {
		t.Errorf("password rejection %+v (cause %v), want ErrFailedAuthentication on the Issue", password, password.Fault.Cause)
	}
	if parse.Action != "" || parse.Fault.Code != soap.CodeSender {
		t.Errorf("parse rejection %+v", parse)
	}
	rec.mu.Unlock()
	want := "[issued cancelled]"
	if got := fmt.Sprint(rec.sessionKinds(SideClient)); got != want {
		t.Errorf("client session events %s, want %s", got, want)
	}
	if got := fmt.Sprint(rec.sessionKinds(SideService)); got != want {
		t.Errorf("service session events %s, want %s", got, want)
	}
	if got := fmt.Sprint(second.sessionKinds(SideService)); got != want {
		t.Errorf("the second hooks saw %s, want %s", got, want)
	}
	rec.mu.Lock()
	for _, e := range rec.sessions {
		if e.ContextID == "" || e.Binding != "wsHttpBinding" {
			t.Errorf("session event %+v", e)
		}
		if e.Kind != secureconv.EventIssued && e.Kind != secureconv.EventCancelled {
			t.Errorf("unexpected %v", e.Kind)
		}
	}
}

func callAction(ctx context.Context, c *Client, action string) (*soap.Message, error) {
	req, err := c.NewRequest(action, nil)
	if err != nil {
		return nil, err
	}
	return c.Call(ctx, req)
}

func discard() *slog.Logger { return slog.New(slog.DiscardHandler) }

func xmlName(ns, local string) xml.Name { return xml.Name{Space: ns, Local: local} }
