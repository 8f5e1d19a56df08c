package reliable

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/soapstack/soapstack/reliable/internal/wire"
	"github.com/soapstack/soapstack/soap"
)

// fast is a configuration with short retransmission delays.
func fast() ClientConfig {
	return ClientConfig{RetryInterval: 10 * time.Millisecond, SendTimeout: 2 * time.Second}
}

// TestClientRetransmits loses requests and responses on the network: the
// client retransmits (a new transmission through the layers below each
// time), the destination delivers each message once, and each reply
// reaches the application once.
func TestClientRetransmits(t *testing.T) {
	cases := []struct {
		name string
		rule func(n int64, attempt int) (bool, bool)
	}{
		{"request lost", func(n int64, a int) (bool, bool) { return a == 1, false }},
		{"response lost", func(n int64, a int) (bool, bool) { return false, a == 1 }},
		{"both lost twice", func(n int64, a int) (bool, bool) { return a == 1, a == 2 }},
	}
	for _, v := range []Version{V200502, V11} {
		for _, tc := range cases {
			t.Run(v.String()+"/"+tc.name, func(t *testing.T) {
				b := newBench(t, v, fast())
				b.net.rule = tc.rule
				ctx := testCtx(t)
				for _, s := range []string{"a", "b", "c"} {
					b.echo(ctx, s)
				}
				if _, err := b.client.Call(ctx, b.request("p", true)); err != nil {
					t.Fatalf("ping: %v", err)
				}
				if err := b.client.Close(ctx); err != nil {
					t.Fatalf("Close: %v", err)
				}
				reqs, delivered := b.dest.snapshot()
				ids := map[uint64]map[string]bool{}
				for _, r := range reqs {
					if el := r.FindHeader(v.Namespace(), "Sequence"); el != nil && r.Payload() != nil {
						sq, _ := wire.ParseSequence(el)
						if ids[sq.MessageNumber] == nil {
							ids[sq.MessageNumber] = map[string]bool{}
						}
						ids[sq.MessageNumber][r.Addressing.MessageID] = true
					}
				}
				for n, set := range ids {
					if len(set) != 1 {
						t.Errorf("message %d arrived with %d MessageIDs; a retransmission keeps the request's, as WCF's buffered copy", n, len(set))
					}
				}
				if got := strings.Join(delivered, ","); got != "a,b,c,p" {
					t.Errorf("delivered %q, want each message once, in order", got)
				}
				for n := int64(1); n <= 4; n++ {
					if b.net.attempts(n) < 2 {
						t.Errorf("message %d sent %d times, want a retransmission", n, b.net.attempts(n))
					}
				}
				if b.waitCount(EventRetransmitted, 4) < 4 {
					t.Errorf("%d retransmission events", b.count(EventRetransmitted))
				}
				if n := b.waitCount(EventDelivered, 3); n != 3 {
					t.Errorf("%d replies delivered, want 3", n)
				}
			})
		}
	}
}

// TestClientDuplicateReplyDropped delivers a reply twice: the network
// keeps the response to message 1 and hands it over again as the first
// response to message 2. The duplicate (reply number 1 again) is dropped,
// message 2 is retransmitted and gets its own reply, and each reply
// reaches the application once.
func TestClientDuplicateReplyDropped(t *testing.T) {
	for _, v := range []Version{V200502, V11} {
		t.Run(v.String(), func(t *testing.T) {
			b := newBench(t, v, fast())
			inner := b.net.next
			var mu sync.Mutex
			var first []byte
			replayed := false
			b.net.next = soap.InvokerFunc(func(ctx context.Context, req *soap.Message) (*soap.Message, error) {
				resp, err := inner.Call(ctx, req)
				el := req.FindHeader(v.Namespace(), "Sequence")
				if el == nil || resp == nil {
					return resp, err
				}
				sq, _ := wire.ParseSequence(el)
				mu.Lock()
				defer mu.Unlock()
				switch {
				case sq.MessageNumber == 1 && first == nil:
					first, _ = resp.Bytes()
				case sq.MessageNumber == 2 && !replayed:
					replayed = true
					return soap.ParseMessage(first, soap.DefaultLimits())
				}
				return resp, err
			})
			ctx := testCtx(t)
			b.echo(ctx, "a")
			b.echo(ctx, "b")
			if err := b.client.Close(ctx); err != nil {
				t.Fatal(err)
			}
			if !replayed {
				t.Fatal("the duplicate was not replayed")
			}
			_, delivered := b.dest.snapshot()
			if strings.Join(delivered, ",") != "a,b" {
				t.Errorf("delivered %q", delivered)
			}
			if n := b.waitCount(EventDelivered, 2); n != 2 {
				t.Errorf("%d replies delivered, want 2", n)
			}
			if b.net.attempts(2) != 2 {
				t.Errorf("message 2 sent %d times, want 2", b.net.attempts(2))
			}
		})
	}
}

// TestClientOutOfOrder holds message 1 until message 2 has reached the
// destination, which buffers 2 and answers it with an acknowledgement
// only; the client retransmits 2 and gets its cached reply.
func TestClientOutOfOrder(t *testing.T) {
	for _, v := range []Version{V200502, V11} {
		t.Run(v.String(), func(t *testing.T) {
			b := newBench(t, v, fast())
			second := make(chan struct{})
			b.net.rule = func(n int64, attempt int) (bool, bool) {
				if n == 1 && attempt == 1 {
					<-second
				}
				return false, false
			}
			b.net.after = func(n int64, attempt int) {
				if n == 2 && attempt == 1 {
					close(second)
				}
			}
			ctx := testCtx(t)
			var wg sync.WaitGroup
			wg.Add(2)
			go func() { defer wg.Done(); b.echo(ctx, "a") }()
			// Message 1 is numbered first: wait for its Sent event.
			for b.count(EventSent) < 1 {
				time.Sleep(time.Millisecond)
			}
			go func() { defer wg.Done(); b.echo(ctx, "b") }()
			wg.Wait()
			_, delivered := b.dest.snapshot()
			if strings.Join(delivered, ",") != "a,b" {
				t.Errorf("delivered %q, want in order", delivered)
			}
			if b.net.attempts(2) < 2 {
				t.Errorf("message 2 sent %d times; its first answer was an acknowledgement only", b.net.attempts(2))
			}
			if err := b.client.Close(ctx); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestClientRetriesExhausted loses everything after CreateSequence: the
// call fails with ErrRetriesExhausted after MaxRetryCount
// retransmissions, wrapping the last transport error, and the session is
// faulted for later calls.
func TestClientRetriesExhausted(t *testing.T) {
	cfg := fast()
	cfg.MaxRetryCount = 3
	b := newBench(t, V11, cfg)
	b.net.rule = func(n int64, attempt int) (bool, bool) { return true, false }
	ctx := testCtx(t)
	_, err := b.client.Call(ctx, b.request("a", false))
	if !errors.Is(err, ErrRetriesExhausted) || !errors.Is(err, ErrFaulted) || !errors.Is(err, errLost) {
		t.Fatalf("err = %v, want ErrRetriesExhausted and ErrFaulted wrapping the transport error", err)
	}
	if got := b.net.attempts(1); got != 4 {
		t.Errorf("%d transmissions, want 1 + MaxRetryCount (3)", got)
	}
	if _, err := b.client.Call(ctx, b.request("b", false)); !errors.Is(err, ErrFaulted) {
		t.Errorf("call on the faulted session: %v", err)
	}
	if b.waitCount(EventFaulted, 1) != 1 {
		t.Errorf("%d faulted events", b.count(EventFaulted))
	}
	if err := b.client.Close(ctx); !errors.Is(err, ErrRetriesExhausted) {
		t.Errorf("Close of the faulted session: %v", err)
	}
}

// TestClientCreateSequenceRetries loses the first CreateSequence.
func TestClientCreateSequenceRetries(t *testing.T) {
	b := newBench(t, V200502, fast())
	lost := 0
	b.dest.before = func(req *soap.Message) (*soap.Message, error, bool) {
		return nil, nil, false
	}
	inner := b.net.next
	b.net.next = soap.InvokerFunc(func(ctx context.Context, req *soap.Message) (*soap.Message, error) {
		if req.Addressing.Action == V200502.CreateSequenceAction() && lost < 2 {
			lost++
			return nil, errLost
		}
		return inner.Call(ctx, req)
	})
	ctx := testCtx(t)
	b.echo(ctx, "a")
	if lost != 2 || b.dest.created != 1 {
		t.Errorf("lost %d, created %d", lost, b.dest.created)
	}
}

// TestClientCreateSequenceResponseLost: the first CreateSequence reaches
// the service and its response is lost; the retransmission offers a new
// reply sequence (Metro refuses an offered identifier it holds), and the
// session runs on the sequence that answered.
func TestClientCreateSequenceResponseLost(t *testing.T) {
	b := newBench(t, V11, fast())
	var offers []string
	inner := b.net.next
	b.net.next = soap.InvokerFunc(func(ctx context.Context, req *soap.Message) (*soap.Message, error) {
		if req.Addressing.Action != V11.CreateSequenceAction() {
			return inner.Call(ctx, req)
		}
		cs, err := wire.ParseCreateSequence(req.Payload())
		if err != nil {
			return nil, err
		}
		offers = append(offers, cs.Offer.Identifier)
		resp, err := inner.Call(ctx, req)
		if len(offers) == 1 {
			return nil, errLost // the service created it; the answer is lost
		}
		return resp, err
	})
	ctx := testCtx(t)
	b.echo(ctx, "a")
	if len(offers) != 2 || offers[0] == offers[1] {
		t.Fatalf("offers %q: want two different ones", offers)
	}
	if got := b.client.ReplySequence(); got != offers[1] {
		t.Errorf("reply sequence %q, want the second offer %q", got, offers[1])
	}
}

// TestClientTerminateAnswerLost: the answer to TerminateSequence is lost
// and the service, which terminated and forgot the sequence, answers the
// retransmission with UnknownSequence (Metro does): Close succeeds. An
// UnknownSequence answering the first TerminateSequence is still an
// error.
func TestClientTerminateAnswerLost(t *testing.T) {
	for _, v := range []Version{V200502, V11} {
		for _, retried := range []bool{true, false} {
			b := newBench(t, v, fast())
			sent := 0
			inner := b.net.next
			b.net.next = soap.InvokerFunc(func(ctx context.Context, req *soap.Message) (*soap.Message, error) {
				if req.Addressing.Action != v.TerminateSequenceAction() {
					return inner.Call(ctx, req)
				}
				sent++
				if sent == 1 && retried {
					return nil, errLost
				}
				return nil, wire.NewFault(v, wire.UnknownSequence, b.client.Sequence()).SOAP()
			})
			ctx := testCtx(t)
			b.echo(ctx, "a")
			err := b.client.Close(ctx)
			switch {
			case retried && err != nil:
				t.Errorf("%s: Close after a lost TerminateSequence answer: %v", v, err)
			case !retried && !errors.Is(err, ErrUnknownSequence):
				t.Errorf("%s: Close with UnknownSequence at once: %v", v, err)
			}
		}
	}
}

// TestClientWindow bounds the messages in flight: with a window of 2 and
// the destination's application blocked, a third call waits until one of
// the first two completes, and a waiting call ends with its ctx.
func TestClientWindow(t *testing.T) {
	cfg := fast()
	cfg.MaxTransferWindowSize = 2
	cfg.RetryInterval = time.Second
	b := newBench(t, V11, cfg)
	gate := make(chan struct{})
	b.dest.hold = func(n int64) {
		if n <= 2 {
			<-gate
		}
	}
	ctx := testCtx(t)
	if err := b.client.Open(ctx); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for _, s := range []string{"a", "b"} {
		wg.Add(1)
		go func() { defer wg.Done(); b.echo(ctx, s) }()
		for b.count(EventSent) < map[string]int{"a": 1, "b": 2}[s] {
			time.Sleep(time.Millisecond)
		}
	}
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if _, err := b.client.Call(short, b.request("x", false)); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("call past the window: %v, want it to wait until its ctx ends", err)
	}
	if n := b.count(EventSent); n != 2 {
		t.Fatalf("%d messages sent with a window of 2", n)
	}
	wg.Add(1)
	go func() { defer wg.Done(); b.echo(ctx, "c") }()
	time.Sleep(20 * time.Millisecond)
	if n := b.count(EventSent); n != 2 {
		t.Fatalf("%d messages sent with a window of 2", n)
	}
	close(gate)
	wg.Wait()
	if n := b.count(EventSent); n != 3 {
		t.Errorf("%d messages sent", n)
	}
}

// TestClientFlowControl: the destination announces BufferRemaining 0; the
// next call waits until an acknowledgement (to the keep-alive the client
// sends for it) announces room.
func TestClientFlowControl(t *testing.T) {
	b := newBench(t, V11, fast())
	var mu sync.Mutex
	room := 0
	b.dest.bufferRemaining = func() *int {
		mu.Lock()
		defer mu.Unlock()
		r := room
		return &r
	}
	ctx := testCtx(t)
	if _, err := b.client.Call(ctx, b.request("p", true)); err != nil {
		t.Fatal(err)
	}
	short, cancel := context.WithTimeout(ctx, 60*time.Millisecond)
	defer cancel()
	if _, err := b.client.Call(short, b.request("x", false)); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("call with BufferRemaining 0: %v, want it to wait", err)
	}
	reqs, _ := b.dest.snapshot()
	probes := 0
	for _, r := range reqs {
		if r.Addressing.Action == V11.AckRequestedAction() {
			probes++
		}
	}
	if probes == 0 {
		t.Error("no AckRequested sent to learn of room")
	}
	mu.Lock()
	room = 4
	mu.Unlock()
	b.echo(ctx, "a")
	t.Run("disabled", func(t *testing.T) {
		cfg := fast()
		cfg.FlowControlDisabled = true
		b := newBench(t, V11, cfg)
		zero := 0
		b.dest.bufferRemaining = func() *int { return &zero }
		for _, s := range []string{"a", "b", "c"} {
			b.echo(ctx, s)
		}
	})
}

// TestClientKeepAlive: an idle session sends AckRequested before the
// inactivity timeout.
func TestClientKeepAlive(t *testing.T) {
	cfg := fast()
	cfg.InactivityTimeout = 100 * time.Millisecond
	b := newBench(t, V200502, cfg)
	ctx := testCtx(t)
	b.echo(ctx, "a")
	time.Sleep(250 * time.Millisecond)
	reqs, _ := b.dest.snapshot()
	n := 0
	for _, r := range reqs {
		if r.Addressing.Action == V200502.AckRequestedAction() {
			n++
			if r.FindHeader(NSRM200502, "AckRequested") == nil {
				t.Error("keep-alive without AckRequested header")
			}
		}
	}
	if n < 2 {
		t.Errorf("%d keep-alives in 250 ms with an inactivity timeout of 100 ms", n)
	}
	if b.count(EventFaulted) != 0 {
		t.Error("the kept-alive session faulted")
	}
	b.echo(ctx, "b")
}

// TestClientConcurrentOpen: concurrent first calls share one
// CreateSequence.
func TestClientConcurrentOpen(t *testing.T) {
	b := newBench(t, V11, fast())
	ctx := testCtx(t)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() { defer wg.Done(); b.echo(ctx, string(rune('a'+i))) }()
	}
	wg.Wait()
	if b.dest.created != 1 {
		t.Errorf("%d CreateSequence", b.dest.created)
	}
	_, delivered := b.dest.snapshot()
	if len(delivered) != 8 {
		t.Errorf("delivered %q", delivered)
	}
}

// TestClientOneWaySession: no Offer; every message completes on its
// acknowledgement.
func TestClientOneWaySession(t *testing.T) {
	cfg := fast()
	cfg.OneWay = true
	b := newBench(t, V11, cfg)
	ctx := testCtx(t)
	for _, s := range []string{"a", "b"} {
		resp, err := b.client.Call(ctx, b.request(s, true))
		if err != nil || resp != nil {
			t.Fatalf("%v %v", resp, err)
		}
	}
	if err := b.client.Close(ctx); err != nil {
		t.Fatal(err)
	}
	reqs, _ := b.dest.snapshot()
	cs, err := wire.ParseCreateSequence(reqs[0].Payload())
	if err != nil || cs.Offer != nil {
		t.Fatalf("CreateSequence of a one-way session: %+v %v", cs, err)
	}
	for _, r := range reqs[1:] {
		if len(r.FindHeaders(NSRM11, "SequenceAcknowledgement")) != 0 {
			t.Errorf("%s: acknowledgement of a reply sequence that does not exist", r.Addressing.Action)
		}
	}
}

// TestClientAddressing200408: WS-RM 1.0 with WS-Addressing 2004/08 (the
// control messages and AcksTo in that version).
func TestClientAddressing200408(t *testing.T) {
	b := newBench(t, V200502, ClientConfig{Addressing: soap.WSA200408})
	ctx := testCtx(t)
	b.echo(ctx, "a")
	if err := b.client.Close(ctx); err != nil {
		t.Fatal(err)
	}
	reqs, _ := b.dest.snapshot()
	cs, err := wire.ParseCreateSequence(reqs[0].Payload())
	if err != nil {
		t.Fatal(err)
	}
	if reqs[0].Addressing.Version != soap.WSA200408 || cs.AcksTo.Address != soap.AnonymousWSA200408 {
		t.Errorf("CreateSequence in %v with AcksTo %q", reqs[0].Addressing.Version, cs.AcksTo.Address)
	}
}

// BenchmarkClientCall measures one reliable request-reply round trip
// through the client, over HTTP to the fake destination.
func BenchmarkClientCall(b *testing.B) {
	bn := newBench(b, V11, ClientConfig{})
	ctx := context.Background()
	if err := bn.client.Open(ctx); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for range b.N {
		if _, err := bn.client.Call(ctx, bn.request("a", false)); err != nil {
			b.Fatal(err)
		}
	}
}

// TestClientInactivityTimeout: when nothing is heard from the service
// for the inactivity timeout (the keep-alives are lost too), the session
// faults with ErrInactivityTimeout.
func TestClientInactivityTimeout(t *testing.T) {
	cfg := fast()
	cfg.InactivityTimeout = 60 * time.Millisecond
	b := newBench(t, V11, cfg)
	ctx := testCtx(t)
	b.echo(ctx, "a")
	b.net.mu.Lock()
	b.net.dropAll = true
	b.net.mu.Unlock()
	deadline := time.Now().Add(3 * time.Second)
	for b.count(EventFaulted) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the session did not fault")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if _, err := b.client.Call(ctx, b.request("b", false)); !errors.Is(err, ErrInactivityTimeout) || !errors.Is(err, ErrFaulted) {
		t.Fatalf("call after the timeout: %v", err)
	}
}

// truncating cuts the bodies of the responses to the requests it names
// short, as a balancer does that passes on part of a response when the
// node writing it dies.
type truncating struct {
	base http.RoundTripper
	mu   sync.Mutex
	n    int
	cut  func(n int) bool // by the request's number, from 1
}

func (tr *truncating) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := tr.base.RoundTrip(r)
	if err != nil {
		return nil, err
	}
	tr.mu.Lock()
	tr.n++
	cut := tr.cut(tr.n)
	tr.mu.Unlock()
	if !cut {
		return resp, nil
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(io.MultiReader(bytes.NewReader(body[:len(body)/2]), errReader{io.ErrUnexpectedEOF}))
	resp.ContentLength = -1
	return resp, nil
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

// TestClientTruncatedResponse cuts responses short, to CreateSequence
// and to application messages: the client cannot read them, sends the
// messages again as if the responses were lost (not taking the parse error for the service's
// fault, which would fault the session), and each reply reaches the
// application once.
func TestClientTruncatedResponse(t *testing.T) {
	for _, v := range []Version{V200502, V11} {
		t.Run(v.String(), func(t *testing.T) {
			b := newBench(t, v, fast())
			// Request 1 is CreateSequence, 2 its retransmission; 3 and
			// 5 are echoes.
			tr := &truncating{base: b.tr, cut: func(n int) bool { return n == 1 || n == 3 || n == 5 }}
			b.net.next = soap.NewHTTPClient(b.url, soap.WithHTTPClient(&http.Client{Transport: tr}))
			ctx := testCtx(t)
			for _, s := range []string{"a", "b", "c"} {
				b.echo(ctx, s)
			}
			if err := b.client.Close(ctx); err != nil {
				t.Fatalf("Close: %v", err)
			}
			if _, delivered := b.dest.snapshot(); strings.Join(delivered, ",") != "a,b,c" {
				t.Errorf("delivered %q, want each message once, in order", delivered)
			}
			if n := b.count(EventRetransmitted); n < 2 {
				t.Errorf("%d retransmissions, want one per truncated response", n)
			}
		})
	}
}
