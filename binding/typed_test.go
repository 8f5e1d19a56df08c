package binding

import (
	"context"
	"crypto/x509"
	"encoding/xml"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/beevik/etree"

	"github.com/soapstack/soapstack/soap"
)

type tAdd struct {
	XMLName xml.Name `xml:"urn:soapstack:binding:test Add"`
	A       int      `xml:"a"`
	B       int      `xml:"b"`
}

type tAddResponse struct {
	XMLName xml.Name `xml:"urn:soapstack:binding:test AddResponse"`
	Sum     int      `xml:"sum"`
}

// tOverflow is a typed fault detail that is also a Go error.
type tOverflow struct {
	XMLName xml.Name `xml:"urn:soapstack:binding:test Overflow"`
	Limit   int      `xml:"limit,attr"`
}

func (o *tOverflow) Error() string { return "overflow" }

const (
	actionAdd    = nsTest + "/Add"
	actionOneWay = nsTest + "/Notify"
	actionBroken = nsTest + "/Broken"
	actionUnenc  = nsTest + "/Unencodable"
)

// typedService is the tests' calculator; calls counts the runs of Add.
func typedService(calls *atomic.Int32) *soap.ServeMux {
	mux := soap.NewServeMux()
	mux.Handle(actionAdd, Typed(func(_ context.Context, r *tAdd) (*tAddResponse, error) {
		calls.Add(1)
		if r.A+r.B > 100 {
			return nil, DetailFault(soap.CodeSender, "too big", &tOverflow{Limit: 100})
		}
		return &tAddResponse{Sum: r.A + r.B}, nil
	}))
	mux.Handle(actionOneWay, Typed(func(context.Context, *tAdd) (*tAddResponse, error) { return nil, nil }))
	mux.Handle(actionBroken, Typed(func(context.Context, *tAdd) (*tAddResponse, error) {
		return nil, errors.New("database password is hunter2")
	}))
	mux.Handle(actionUnenc, Typed(func(context.Context, *tAdd) (*tAddResponse, error) {
		return nil, DetailFault(soap.CodeSender, "x", make(chan int))
	}))
	return mux
}

// TestTyped runs typed calls, a typed fault and the error cases over
// bindings with and without message security.
func TestTyped(t *testing.T) {
	k := loadPKI(t)
	bindings := []struct {
		name string
		b    Binding
		tls  bool
	}{
		{"BasicHttp/None", BasicHttpBinding(), false},
		{"WSHttp/Message/UserName/SecureConversation", wsHTTP(ModeMessage, CredentialUserName, true), false},
		{"WS2007Http/TransportWithMessageCredential/UserName", ws2007HTTP(ModeTransportWithMessageCredential, CredentialUserName, false), true},
	}
	for _, bc := range bindings {
		t.Run(bc.name, func(t *testing.T) {
			var calls atomic.Int32
			h, err := NewHandler(typedService(&calls), bc.b, Credentials{ServiceCertificate: k.service, UserNameValidator: users(),
				TrustedRoots: []*x509.Certificate{k.ca.Cert}})
			if err != nil {
				t.Fatal(err)
			}
			srv, opts := startServer(t, h, bc.tls)
			c, err := NewClient(srv.URL, bc.b, Credentials{ServiceCertificate: publicOnly(k.service), UserName: "alice", Password: "clarinet"}, opts...)
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			defer c.Close(ctx)

			resp, err := Call[tAdd, tAddResponse](ctx, c, actionAdd, &tAdd{A: 2, B: 40})
			if err != nil {
				t.Fatal(err)
			}
			if resp.Sum != 42 {
				t.Fatalf("sum %d", resp.Sum)
			}

			// A typed fault: the detail decodes into the error type.
			_, err = Call[tAdd, tAddResponse](ctx, c, actionAdd, &tAdd{A: 100, B: 1})
			o, ok := FaultDetail[tOverflow](err)
			if !ok || o.Limit != 100 {
				t.Fatalf("err = %v: detail %+v %v, want Overflow limit 100", err, o, ok)
			}
			var asErr error = o
			if asErr.Error() != "overflow" {
				t.Fatal("the detail is not usable as the typed error")
			}
			if _, ok := FaultDetail[tAddResponse](err); ok {
				t.Fatal("a detail of another type decoded")
			}

			// A body that is not the request type: Sender
			// DeserializationFailed, the function does not run.
			before := calls.Load()
			wrong := etree.NewElement("t:Subtract")
			wrong.CreateAttr("xmlns:t", nsTest)
			req, err := c.NewRequest(actionAdd, wrong)
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.Call(ctx, req)
			f, ok := soap.AsFault(err)
			if !ok || f.Code != soap.CodeSender || !f.HasSubcode(deserializationFailed()) {
				t.Fatalf("err = %v, want Sender DeserializationFailed", err)
			}
			if calls.Load() != before {
				t.Fatal("the function ran on a body it could not decode")
			}

			// A plain error is an opaque Receiver fault: its text stays
			// on the service.
			_, err = Call[tAdd, tAddResponse](ctx, c, actionBroken, &tAdd{})
			f, ok = soap.AsFault(err)
			if !ok || f.Code != soap.CodeReceiver || strings.Contains(f.Reason(), "hunter2") || len(f.Detail) != 0 {
				t.Fatalf("err = %v, want an opaque Receiver fault", err)
			}
			// So is a detail that does not encode.
			_, err = Call[tAdd, tAddResponse](ctx, c, actionUnenc, &tAdd{})
			if f, ok = soap.AsFault(err); !ok || f.Code != soap.CodeReceiver {
				t.Fatalf("err = %v, want a Receiver fault", err)
			}

			// No reply body: ErrNoPayload.
			if _, err = Call[tAdd, tAddResponse](ctx, c, actionOneWay, &tAdd{}); !errors.Is(err, soap.ErrNoPayload) {
				t.Fatalf("err = %v, want ErrNoPayload", err)
			}
		})
	}
}

// TestCallErrors: a request that does not encode fails before anything is
// sent; FaultDetail of a non-fault error reports false.
func TestCallErrors(t *testing.T) {
	var sent atomic.Int32
	srv := httptest.NewServer(mustHandler(t, soap.HandlerFunc(func(context.Context, *soap.Message) (*soap.Message, error) {
		sent.Add(1)
		return nil, nil
	})))
	defer srv.Close()
	c, err := NewClient(srv.URL, BasicHttpBinding(), Credentials{})
	if err != nil {
		t.Fatal(err)
	}
	type bad struct{ C chan int }
	if _, err := Call[bad, tAddResponse](context.Background(), c, actionAdd, &bad{}); err == nil || sent.Load() != 0 {
		t.Fatalf("err = %v, sent %d: want an encoding error and nothing sent", err, sent.Load())
	}
	if _, ok := FaultDetail[tOverflow](errors.New("plain")); ok {
		t.Fatal("a plain error has a fault detail")
	}
}

func mustHandler(t *testing.T, app soap.Handler) http.Handler {
	t.Helper()
	h, err := NewHandler(app, BasicHttpBinding(), Credentials{})
	if err != nil {
		t.Fatal(err)
	}
	return h
}
