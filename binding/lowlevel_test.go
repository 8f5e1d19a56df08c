package binding

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/soapstack/soapstack/reliable"
	"github.com/soapstack/soapstack/soap"
)

// TestTransportLayerSeesTheWire: a WithTransportLayer layer sees every
// message below the binding's layers (the CreateSequence and, with the
// one-way shape, no Offer), and the replies.
func TestTransportLayerSeesTheWire(t *testing.T) {
	for _, oneWay := range []bool{false, true} {
		b := withRM(CustomBinding("rm"))
		b.ReliableSession.Version = reliable.V11
		h, err := NewHandler(whoami(), b, Credentials{})
		if err != nil {
			t.Fatal(err)
		}
		srv, _ := startServer(t, h, false)
		var mu sync.Mutex
		var actions []string
		offered := false
		rec := func(next soap.Invoker) soap.Invoker {
			return soap.InvokerFunc(func(ctx context.Context, req *soap.Message) (*soap.Message, error) {
				mu.Lock()
				actions = append(actions, req.Addressing.Action)
				if cs := req.Payload(); cs != nil && soap.Is(cs, reliable.V11.Namespace(), "CreateSequence") {
					for _, c := range cs.ChildElements() {
						offered = offered || soap.Is(c, reliable.V11.Namespace(), "Offer")
					}
				}
				mu.Unlock()
				return next.Call(ctx, req)
			})
		}
		opts := []ClientOption{WithTransportLayer(rec), WithRetryInterval(200 * time.Millisecond)}
		if oneWay {
			opts = append(opts, WithOneWaySession())
		}
		c, err := NewClient(srv.URL, b, Credentials{}, opts...)
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		if err := c.Open(ctx); err != nil {
			t.Fatal(err)
		}
		if err := c.Close(ctx); err != nil {
			t.Fatal(err)
		}
		mu.Lock()
		if len(actions) == 0 || actions[0] != reliable.V11.CreateSequenceAction() {
			t.Fatalf("oneWay %v: the layer saw %v, want a CreateSequence first", oneWay, actions)
		}
		if offered == oneWay {
			t.Fatalf("oneWay %v: CreateSequence offered a sequence: %v", oneWay, offered)
		}
		mu.Unlock()
	}
}

// TestReliableOptionsContradictions: the reliable-session client options
// without a reliable session, and a negative retry interval, are refused.
func TestReliableOptionsContradictions(t *testing.T) {
	plain, rm := CustomBinding("plain"), withRM(CustomBinding("rm"))
	tests := []struct {
		name string
		b    Binding
		opt  ClientOption
		want string
	}{
		{"one-way without RM", plain, WithOneWaySession(), "WithOneWaySession needs ReliableSession.Enabled"},
		{"retry interval without RM", plain, WithRetryInterval(time.Second), "WithRetryInterval needs ReliableSession.Enabled"},
		{"negative retry interval", rm, WithRetryInterval(-time.Second), "want a positive duration"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewClient("http://127.0.0.1:1/", tc.b, Credentials{}, tc.opt)
			if !errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("NewClient: %v, want ErrConfig with %q", err, tc.want)
			}
		})
	}
}

// TestReliableControlMessagesInBindingVersions: the reliable session's own
// messages (CreateSequence, LastMessage, TerminateSequence) are in the
// binding's SOAP and WS-Addressing versions, as WS-RM 1.0 over WS-Addressing
// 2004/08 peers (Apache CXF) check.
func TestReliableControlMessagesInBindingVersions(t *testing.T) {
	b := withRM(CustomBinding("rm10-wsa200408"))
	b.SOAP, b.Addressing, b.ReliableSession.Version = soap.V11, soap.WSA200408, reliable.V200502
	h, err := NewHandler(whoami(), b, Credentials{})
	if err != nil {
		t.Fatal(err)
	}
	srv, _ := startServer(t, h, false)
	var mu sync.Mutex
	var seen []string
	rec := func(next soap.Invoker) soap.Invoker {
		return soap.InvokerFunc(func(ctx context.Context, req *soap.Message) (*soap.Message, error) {
			mu.Lock()
			defer mu.Unlock()
			if req.Addressing.Version != soap.WSA200408 || req.Version != soap.V11 {
				seen = append(seen, req.Addressing.Action)
			}
			return next.Call(ctx, req)
		})
	}
	c, err := NewClient(srv.URL, b, Credentials{}, WithTransportLayer(rec))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := call(ctx, c); err != nil {
		t.Fatal(err)
	}
	if err := c.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if len(seen) > 0 {
		t.Fatalf("messages in other versions than the binding's: %v", seen)
	}
}
