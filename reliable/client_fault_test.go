package reliable

import (
	"context"
	"errors"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/beevik/etree"
	"github.com/soapstack/soapstack/reliable/internal/wire"
	"github.com/soapstack/soapstack/soap"
	"github.com/stretchr/testify/require"
)

// onMessage makes the destination answer the application messages (those
// with a Sequence header and a payload) with answer.
func onMessage(b *bench, answer func(req *soap.Message) (*soap.Message, error)) {
	v := b.dest.v
	b.dest.before = func(req *soap.Message) (*soap.Message, error, bool) {
		if req.FindHeader(v.Namespace(), "Sequence") == nil || req.Payload() == nil {
			return nil, nil, false
		}
		resp, err := answer(req)
		return resp, err, true
	}
}

// TestClientRMFaults: every RM fault the service sends about the sequence
// faults the session with the error callers branch on, wrapping the
// *soap.Fault; in SOAP 1.2 (subcode) and SOAP 1.1 (wsrm:SequenceFault
// header) forms.
func TestClientRMFaults(t *testing.T) {
	kinds := []struct {
		kind wire.FaultKind
		want error
	}{
		{wire.UnknownSequence, ErrUnknownSequence},
		{wire.SequenceTerminated, ErrSequenceTerminated},
		{wire.InvalidAcknowledgement, ErrInvalidAcknowledgement},
		{wire.MessageNumberRollover, ErrMessageNumberRollover},
		{wire.LastMessageNumberExceeded, ErrLastMessageNumberExceeded},
		{wire.SequenceClosed, ErrSequenceClosed},
		{wire.WSRMRequired, ErrWSRMRequired},
	}
	for _, v := range []Version{V200502, V11} {
		for _, sv := range []soap.Version{soap.V12, soap.V11} {
			for _, k := range kinds {
				only10 := k.kind == wire.LastMessageNumberExceeded
				only11 := k.kind == wire.SequenceClosed || k.kind == wire.WSRMRequired
				if only10 && v != V200502 || only11 && v != V11 {
					continue // not a fault of this version
				}
				t.Run(v.String()+"/"+sv.String()+"/"+k.kind.String(), func(t *testing.T) {
					b := newBench(t, v, ClientConfig{SOAP: sv})
					onMessage(b, func(req *soap.Message) (*soap.Message, error) {
						f := wire.NewFault(v, k.kind, b.dest.seqID)
						if sv == soap.V12 {
							return nil, f.SOAP()
						}
						m, err := soap.NewFaultMessage(sv, f.SOAP(), req, nil)
						if err != nil {
							return nil, err
						}
						if h := f.SequenceFaultHeader(); h != nil {
							m.AddHeader(h)
						}
						return m, nil
					})
					ctx := testCtx(t)
					_, err := b.client.Call(ctx, b.request("a", false))
					var sf *soap.Fault
					if !errors.Is(err, k.want) || !errors.Is(err, ErrFaulted) || !errors.As(err, &sf) {
						t.Fatalf("err = %v, want %v and ErrFaulted wrapping the *soap.Fault", err, k.want)
					}
					if _, err := b.client.Call(ctx, b.request("b", false)); !errors.Is(err, k.want) {
						t.Errorf("next call: %v", err)
					}
				})
			}
		}
	}
}

// TestClientCreateSequenceRefused: Open fails with
// ErrCreateSequenceRefused (the fault, or a response that does not accept
// the offer); the session is not faulted and a later Open may succeed.
func TestClientCreateSequenceRefused(t *testing.T) {
	for _, tc := range []struct {
		name   string
		answer func(b *bench, req *soap.Message) (*soap.Message, error)
	}{
		{"fault", func(b *bench, req *soap.Message) (*soap.Message, error) {
			return nil, wire.CreateSequenceRefusedFault(V11, "no").SOAP()
		}},
		{"connection limit", func(b *bench, req *soap.Message) (*soap.Message, error) {
			return nil, wire.ConnectionLimitFault(V11, b.url).SOAP()
		}},
		{"offer not accepted", func(b *bench, req *soap.Message) (*soap.Message, error) {
			csr := &wire.CreateSequenceResponse{Version: V11, Identifier: "urn:uuid:x"}
			return soap.NewReply(req, V11.CreateSequenceResponseAction(), csr.Build(), nil)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := newBench(t, V11, fast())
			refuse := true
			b.dest.before = func(req *soap.Message) (*soap.Message, error, bool) {
				if !refuse || req.Addressing.Action != V11.CreateSequenceAction() {
					return nil, nil, false
				}
				resp, err := tc.answer(b, req)
				return resp, err, true
			}
			ctx := testCtx(t)
			if err := b.client.Open(ctx); !errors.Is(err, ErrCreateSequenceRefused) {
				t.Fatalf("Open: %v", err)
			}
			if b.client.Sequence() != "" {
				t.Error("a sequence after a refusal")
			}
			refuse = false
			b.echo(ctx, "a")
		})
	}
}

// TestClientRefusalAsMessage: over a secure session the refusal comes back
// from the layers below as a fault message, not as an error (the HTTP
// client cannot see the fault through the encryption); it is still
// ErrCreateSequenceRefused.
func TestClientRefusalAsMessage(t *testing.T) {
	next := soap.InvokerFunc(func(ctx context.Context, req *soap.Message) (*soap.Message, error) {
		return soap.NewFaultMessage(req.Version, wire.CreateSequenceRefusedFault(V11, "no").SOAP(), req, nil)
	})
	c, err := NewClient(next, ClientConfig{Version: V11, To: "https://svc.example/rm", RetryInterval: time.Millisecond})
	require.NoError(t, err)
	err = c.Open(testCtx(t))
	require.ErrorIs(t, err, ErrCreateSequenceRefused)
	require.NotErrorIs(t, err, ErrProtocol)
}

// TestClientProtocolViolations: answers that break the protocol fault the
// session with ErrProtocol.
func TestClientProtocolViolations(t *testing.T) {
	cases := []struct {
		name   string
		answer func(b *bench, req *soap.Message) (*soap.Message, error)
		also   error
	}{
		{"reply without Sequence", func(b *bench, req *soap.Message) (*soap.Message, error) {
			pl := etree.NewElement("echoResponse")
			pl.CreateAttr("xmlns", probeNS)
			return soap.NewReply(req, actEchoResp, pl, nil)
		}, nil},
		{"reply on another sequence", func(b *bench, req *soap.Message) (*soap.Message, error) {
			m, err := soap.NewReply(req, actEchoResp, nil, nil)
			if err == nil {
				m.AddHeader((&wire.Sequence{Version: V11, Identifier: "urn:uuid:other", MessageNumber: 1}).Build())
			}
			return m, err
		}, ErrUnknownSequence},
		{"unparsable Sequence", func(b *bench, req *soap.Message) (*soap.Message, error) {
			m, err := soap.NewReply(req, actEchoResp, nil, nil)
			if err == nil {
				el := (&wire.Sequence{Version: V11, Identifier: b.dest.offerID, MessageNumber: 1}).Build()
				el.SelectElement("r:MessageNumber").SetText("0")
				m.AddHeader(el)
			}
			return m, err
		}, wire.ErrNumber},
		{"reply relating to another request", func(b *bench, req *soap.Message) (*soap.Message, error) {
			m, err := soap.NewReply(req, actEchoResp, nil, nil)
			if err == nil {
				a := m.Addressing
				a.RelatesTo = []soap.RelatesTo{{ID: "urn:uuid:someone-else"}}
				m.SetAddressing(a)
				m.AddHeader((&wire.Sequence{Version: V11, Identifier: b.dest.offerID, MessageNumber: 1}).Build())
			}
			return m, err
		}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b := newBench(t, V11, fast())
			onMessage(b, func(req *soap.Message) (*soap.Message, error) { return tc.answer(b, req) })
			_, err := b.client.Call(testCtx(t), b.request("a", false))
			if !errors.Is(err, ErrProtocol) || !errors.Is(err, ErrFaulted) || (tc.also != nil && !errors.Is(err, tc.also)) {
				t.Fatalf("err = %v", err)
			}
		})
	}
	t.Run("Final acknowledgement before CloseSequence", func(t *testing.T) {
		b := newBench(t, V11, fast())
		b.dest.ackExtra = func(a *wire.SequenceAcknowledgement) { a.Final = true }
		_, err := b.client.Call(testCtx(t), b.request("a", false))
		if !errors.Is(err, ErrProtocol) || !errors.Is(err, ErrFaulted) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("fault not on the sequence", func(t *testing.T) {
		b := newBench(t, V11, fast())
		onMessage(b, func(req *soap.Message) (*soap.Message, error) {
			return nil, soap.ReceiverFault("busy")
		})
		_, err := b.client.Call(testCtx(t), b.request("a", false))
		var sf *soap.Fault
		if !errors.Is(err, ErrFaulted) || !errors.As(err, &sf) || sf.Reason() != "busy" {
			t.Fatalf("err = %v", err)
		}
	})
}

// TestClientInvalidAcknowledgement: an acknowledgement of numbers never
// sent faults the session and the client sends the InvalidAcknowledgement
// fault to the service.
func TestClientInvalidAcknowledgement(t *testing.T) {
	b := newBench(t, V11, fast())
	b.dest.ackExtra = func(a *wire.SequenceAcknowledgement) {
		a.Ranges = []wire.Range{{Lower: 1, Upper: 5}}
	}
	_, err := b.client.Call(testCtx(t), b.request("a", false))
	if !errors.Is(err, ErrInvalidAcknowledgement) || !errors.Is(err, ErrFaulted) {
		t.Fatalf("err = %v", err)
	}
	deadline := time.Now().Add(2 * time.Second)
	for {
		b.dest.mu.Lock()
		faults := append([]*soap.Message(nil), b.dest.faults...)
		b.dest.mu.Unlock()
		if len(faults) > 0 {
			f, err := faults[0].Fault()
			if err != nil {
				t.Fatal(err)
			}
			rf, err := wire.ParseFault(V11, f, nil)
			if err != nil || rf.Kind != wire.InvalidAcknowledgement || rf.Ack == nil || rf.Ack.Identifier != b.dest.seqID {
				t.Fatalf("fault sent: %+v %v", rf, err)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no InvalidAcknowledgement fault sent to the service")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestClientApplicationFault: a fault of the service's application on
// the reply sequence is a reply like any other: returned once as the
// *soap.Fault, and the session goes on.
func TestClientApplicationFault(t *testing.T) {
	for _, v := range []Version{V200502, V11} {
		t.Run(v.String(), func(t *testing.T) {
			b := newBench(t, v, fast())
			ctx := testCtx(t)
			resp, err := b.client.Call(ctx, b.request(faultTextWord, false))
			var sf *soap.Fault
			if !errors.As(err, &sf) || sf.Reason() != "the application refused" || errors.Is(err, ErrFaulted) {
				t.Fatalf("err = %v", err)
			}
			if resp == nil || !resp.IsFault() || resp.FindHeader(v.Namespace(), "Sequence") != nil {
				t.Errorf("fault reply %v: want the fault message without RM headers", resp)
			}
			b.echo(ctx, "b")
			if err := b.client.Close(ctx); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestClientClosedAndCancelled: calls after Close get ErrClosed; a call
// whose ctx ends returns at once while its message stays on the sequence.
func TestClientClosedAndCancelled(t *testing.T) {
	b := newBench(t, V11, fast())
	ctx := testCtx(t)
	gate := make(chan struct{})
	b.dest.hold = func(n int64) {
		if n == 1 {
			<-gate
		}
	}
	short, cancel := context.WithTimeout(ctx, 30*time.Millisecond)
	defer cancel()
	if _, err := b.client.Call(short, b.request("slow", false)); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("cancelled call: %v", err)
	}
	close(gate)
	if err := b.client.Close(ctx); err != nil {
		t.Fatalf("Close: %v", err)
	}
	_, delivered := b.dest.snapshot()
	if strings.Join(delivered, ",") != "slow" {
		t.Errorf("delivered %q", delivered)
	}
	if _, err := b.client.Call(ctx, b.request("late", false)); !errors.Is(err, ErrClosed) {
		t.Errorf("call after Close: %v", err)
	}
	if err := b.client.Open(ctx); !errors.Is(err, ErrClosed) {
		t.Errorf("Open after Close: %v", err)
	}
	if err := b.client.Close(ctx); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

// TestClientCloseTimeout: Close whose ctx ends before the messages are
// acknowledged abandons the session and returns the ctx error.
func TestClientCloseTimeout(t *testing.T) {
	b := newBench(t, V11, fast())
	ctx := testCtx(t)
	b.echo(ctx, "a")
	b.net.rule = func(n int64, attempt int) (bool, bool) { return true, false }
	go func() { _, _ = b.client.Call(ctx, b.request("lost", true)) }()
	for b.count(EventSent) < 2 {
		time.Sleep(time.Millisecond)
	}
	short, cancel := context.WithTimeout(ctx, 30*time.Millisecond)
	defer cancel()
	if err := b.client.Close(short); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Close: %v", err)
	}
}

// TestClientNoGoroutineLeak runs sessions with retransmissions,
// keep-alives, a fault and a timed-out Close, and checks that every
// goroutine of the client has ended after Close.
func TestClientNoGoroutineLeak(t *testing.T) {
	before := runtime.NumGoroutine()
	t.Run("sessions", func(t *testing.T) {
		for _, v := range []Version{V200502, V11} {
			cfg := fast()
			cfg.InactivityTimeout = time.Second // room for a loaded machine; keep-alives go every 500 ms
			b := newBench(t, v, cfg)
			b.net.rule = func(n int64, a int) (bool, bool) { return a == 1, false }
			ctx := testCtx(t)
			b.echo(ctx, "a")
			time.Sleep(700 * time.Millisecond) // at least one keep-alive
			b.echo(ctx, "b")
			if err := b.client.Close(ctx); err != nil {
				t.Fatal(err)
			}
		}
		cfg := fast()
		cfg.MaxRetryCount = 1
		b := newBench(t, V11, cfg)
		b.net.rule = func(n int64, a int) (bool, bool) { return true, false }
		if _, err := b.client.Call(testCtx(t), b.request("a", false)); !errors.Is(err, ErrRetriesExhausted) {
			t.Fatal(err)
		}
		_ = b.client.Close(testCtx(t))
		// A client never opened, and one closed while opening.
		c, err := NewClient(b.net, ClientConfig{To: b.url})
		if err != nil {
			t.Fatal(err)
		}
		if err := c.Close(testCtx(t)); err != nil {
			t.Fatal(err)
		}
		b2 := newBench(t, V11, fast())
		b2.net.dropAll = true
		go func() { _ = b2.client.Open(context.Background()) }()
		time.Sleep(20 * time.Millisecond)
		_ = b2.client.Close(testCtx(t))
	})
	// The subtest's cleanups closed the servers and idle connections.
	deadline := time.Now().Add(3 * time.Second)
	for runtime.NumGoroutine() > before {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<16)
			t.Fatalf("%d goroutines before, %d after:\n%s", before, runtime.NumGoroutine(), buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestClientConfig: NewClient names what is wrong.
func TestClientConfig(t *testing.T) {
	next := soap.InvokerFunc(func(ctx context.Context, req *soap.Message) (*soap.Message, error) { return nil, nil })
	for _, tc := range []struct {
		name string
		cfg  ClientConfig
		want string
	}{
		{"no To", ClientConfig{}, "To"},
		{"relative To", ClientConfig{To: "svc"}, "absolute"},
		{"version", ClientConfig{To: "http://x/", Version: 9}, "Version"},
		{"1.1 over 2004/08", ClientConfig{To: "http://x/", Version: V11, Addressing: soap.WSA200408}, "WS-Addressing"},
		{"window", ClientConfig{To: "http://x/", MaxTransferWindowSize: -1}, "MaxTransferWindowSize"},
		{"window too big", ClientConfig{To: "http://x/", MaxTransferWindowSize: 1000}, "MaxTransferWindowSize"},
		{"retries", ClientConfig{To: "http://x/", MaxRetryCount: -2}, "MaxRetryCount"},
		{"interval", ClientConfig{To: "http://x/", RetryInterval: -1}, "RetryInterval"},
		{"soap", ClientConfig{To: "http://x/", SOAP: 7}, "SOAP"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewClient(next, tc.cfg)
			if !errors.Is(err, ErrClientConfig) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want ErrClientConfig naming %s", err, tc.want)
			}
		})
	}
	if _, err := NewClient(nil, ClientConfig{To: "http://x/"}); !errors.Is(err, ErrClientConfig) {
		t.Errorf("nil next: %v", err)
	}
}

// TestClientNonAnonymousReplyTo: replies come back on the HTTP response,
// so a request that asks for its reply elsewhere is refused before it is
// numbered.
func TestClientNonAnonymousReplyTo(t *testing.T) {
	b := newBench(t, V11, fast())
	req := b.request("a", false)
	a := req.Addressing
	a.ReplyTo = &soap.EndpointReference{Address: "http://client.example/replies"}
	req.SetAddressing(a)
	if _, err := b.client.Call(testCtx(t), req); err == nil || !strings.Contains(err.Error(), "ReplyTo") {
		t.Fatalf("err = %v", err)
	}
	b.echo(testCtx(t), "b")
	if b.client.win.LastSent() != 1 {
		t.Errorf("%d numbers used", b.client.win.LastSent())
	}
}

// TestClientAckedWithoutReply: a request-reply message (it has a
// wsa:ReplyTo) that the service takes for one-way is acknowledged with no
// reply: the call keeps waiting (the message is retransmitted, as a reply
// may still come) and its error at the deadline says what went wrong.
func TestClientAckedWithoutReply(t *testing.T) {
	for _, v := range []Version{V200502, V11} {
		t.Run(v.String(), func(t *testing.T) {
			b := newBench(t, v, fast())
			b.dest.before = func(req *soap.Message) (*soap.Message, error, bool) {
				req.Addressing.ReplyTo = nil // the service sees a one-way message
				return nil, nil, false
			}
			ctx, cancel := context.WithTimeout(testCtx(t), 300*time.Millisecond)
			defer cancel()
			_, err := b.client.Call(ctx, b.request("a", false))
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("err = %v, want the deadline", err)
			}
			const want = "no reply to a request-reply message (has wsa:ReplyTo); a one-way message must not carry ReplyTo"
			if !strings.Contains(err.Error(), want) {
				t.Errorf("err = %v, want it to say %q", err, want)
			}
			if n := b.count(EventAcknowledged); n != 1 {
				t.Errorf("%d acknowledgements, want 1", n)
			}
			if n := b.count(EventRetransmitted); n == 0 {
				t.Error("the acknowledged request without reply was not retransmitted")
			}
			if errors.Is(err, ErrFaulted) {
				t.Errorf("the session faulted: %v", err)
			}
			cctx, ccancel := context.WithTimeout(testCtx(t), 200*time.Millisecond)
			defer ccancel()
			if err := b.client.Close(cctx); !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), want) {
				t.Errorf("Close = %v, want the deadline and %q", err, want)
			}
		})
	}
}
