package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/soapstack/soapstack/binding"
	"github.com/soapstack/soapstack/internal/lossy"
	"github.com/soapstack/soapstack/internal/wstrust"
	"github.com/soapstack/soapstack/interop"
	"github.com/soapstack/soapstack/reliable"
	"github.com/soapstack/soapstack/soap"
	"github.com/soapstack/soapstack/wssecurity"
)

// demoCallers is the number of concurrent callers of the reliable session.
const demoCallers = 4

// demoReliable runs WCF's wsHttpBinding with reliableSession
// (sessionBinding with ReliableSession.Enabled, through binding.NewClient
// and binding.NewHandler): a secure session, a reliable session over it (CreateSequence refers to the
// session token and offers the reply sequence), n echo calls from four
// callers through an in-process link that loses, duplicates and reorders
// messages, then the sequence's close and termination and the secure
// session's cancel.
func demoReliable(ctx context.Context, stdout io.Writer, n int, seed uint64) error {
	ctx, cancel := context.WithTimeout(ctx, time.Minute+time.Duration(n)*20*time.Millisecond)
	defer cancel()
	out := &lockedWriter{w: stdout}
	svcLog, cliLog := demoLogger(out, "  service: "), demoLogger(out, "  client: ")
	svcCert, err := demoCertificate()
	if err != nil {
		return err
	}
	b := sessionBinding()
	b.ReliableSession.Enabled = true
	got := &deliveries{seen: map[string]int{}}
	h, err := binding.NewHandler(got.handler((&interop.PingService{}).Handler()), b,
		binding.Credentials{ServiceCertificate: svcCert}, binding.WithLogger(svcLog), binding.WithSessionLifetime(time.Hour))
	if err != nil {
		return err
	}
	srv, err := startHTTP(h)
	if err != nil {
		return err
	}
	defer srv.close()

	// The handshake and the Cancel are spared: WCF runs them below the
	// reliable session and does not retransmit them.
	linkCfg := lossy.Config{Target: srv.url, DropRequest: 0.1, DropResponse: 0.1, Duplicate: 0.05, Reorder: 0.1,
		MaxDelay: 30 * time.Millisecond, Seed: seed, Pass: lossy.PassActions(wstrust.NSTrust200502), Logger: svcLog,
		OnDecision: func(d lossy.Decision) {
			if d.DropRequest || d.DropResponse || d.Duplicate || d.Reorder {
				fmt.Fprintf(out, "  link %s\n", d)
			}
		}}
	link, err := startLink(linkCfg)
	if err != nil {
		return err
	}
	defer link.close()

	var retransmissions atomic.Int64
	rm, err := binding.NewClient(link.url+"/secure", b, binding.Credentials{ServiceCertificate: &wssecurity.Certificate{Cert: svcCert.Cert}},
		binding.WithLogger(cliLog), binding.WithHooks(binding.Hooks{Reliable: func(e binding.ReliableEvent) {
			if e.Side != binding.SideClient {
				return
			}
			if e.Kind == reliable.EventRetransmitted {
				retransmissions.Add(1)
			}
			printEvent(out, e.Event)
		}}))
	if err != nil {
		return err
	}

	d, _ := b.Describe() // NewHandler checked it
	fmt.Fprintf(out, "== 7. a reliable session over the secure session, through a lossy link: %s\n", d)
	fmt.Fprintf(out, "the link %s %s (seed %d);\n  it spares WS-Trust (the handshake and the Cancel)\n", link.url, describe(linkCfg), seed)
	fmt.Fprintln(out, "opening: the secure session's handshake, then CreateSequence referring to the session token, offering the reply sequence")
	if err := rm.Open(ctx); err != nil {
		return err
	}
	fmt.Fprintf(out, "secure session %s, request sequence %s\n", rm.Session(), rm.Sequence())
	fmt.Fprintf(out, "%d echo calls from %d callers; the link's losses show as retransmissions\n", n, demoCallers)
	var replies atomic.Int64
	progress := func() {
		fmt.Fprintf(out, "progress: %d/%d replies, %d retransmissions\n", replies.Load(), n, retransmissions.Load())
	}
	stop := every(time.Second, progress)
	err = callConcurrently(n, demoCallers, func(caller, i int) error {
		c := pingClient(rm)
		text := fmt.Sprintf("caller %d message %d", caller, i)
		echoed, err := c.Echo(ctx, text)
		if err != nil {
			return err
		}
		if echoed != text {
			return fmt.Errorf("sent %q, the reply says %q", text, echoed)
		}
		replies.Add(1)
		return nil
	})
	stop()
	if err != nil {
		return err
	}
	progress()
	if err := got.check(n, demoCallers); err != nil {
		return err
	}
	fmt.Fprintf(out, "every reply returned to its caller; the service got the %d messages once each and in order\n", n)
	fmt.Fprintln(out, "closing: the client closes the sequence and terminates it, then cancels the secure session")
	if err := rm.Close(ctx); err != nil {
		return err
	}
	fmt.Fprintf(out, "the link: %s\n\n", link.proxy.Stats())
	return nil
}

// demoLogger logs warnings and errors to w, one line each after prefix,
// without the time: the service refusing the link's byte-identical
// duplicates (replay detection) shows there.
func demoLogger(w io.Writer, prefix string) *slog.Logger {
	return slog.New(slog.NewTextHandler(&prefixWriter{prefix: prefix, w: w}, &slog.HandlerOptions{Level: slog.LevelWarn,
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			if len(groups) == 0 && a.Key == slog.TimeKey {
				return slog.Attr{}
			}
			return a
		}}))
}

// prefixWriter writes prefix before each write (slog writes one record
// per call).
type prefixWriter struct {
	prefix string
	w      io.Writer
}

func (p *prefixWriter) Write(b []byte) (int, error) {
	if _, err := io.WriteString(p.w, p.prefix+string(b)); err != nil {
		return 0, err
	}
	return len(b), nil
}

// printEvent prints the reliable session's events, but for the sends and
// acknowledgements of every message.
func printEvent(w io.Writer, e reliable.Event) {
	switch e.Kind {
	case reliable.EventCreated:
		fmt.Fprintf(w, "  sequence %s created\n", e.Sequence)
	case reliable.EventRetransmitted:
		fmt.Fprintf(w, "  message %d retransmitted (attempt %d): %v\n", e.Number, e.Attempt, e.Err)
	case reliable.EventClosed:
		fmt.Fprintf(w, "  sequence %s closed\n", e.Sequence)
	case reliable.EventTerminated:
		fmt.Fprintf(w, "  sequence %s terminated\n", e.Sequence)
	case reliable.EventFaulted:
		fmt.Fprintf(w, "  sequence %s faulted: %v\n", e.Sequence, e.Err)
	}
}

// callConcurrently calls f for n messages from callers goroutines, each
// caller's messages one after the other, and returns the first error.
func callConcurrently(n, callers int, f func(caller, i int) error) error {
	errs := make([]error, callers)
	var wg sync.WaitGroup
	for c := range callers {
		wg.Go(func() {
			for i := 0; c+i*callers < n; i++ {
				if errs[c] = f(c, i); errs[c] != nil {
					return
				}
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// every calls f every d until the returned stop is called.
func every(d time.Duration, f func()) (stop func()) {
	done, stopped := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(stopped)
		t := time.NewTicker(d)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				f()
			case <-done:
				return
			}
		}
	}()
	return func() { close(done); <-stopped }
}

// deliveries records the echo requests the application gets.
type deliveries struct {
	mu    sync.Mutex
	order []string
	seen  map[string]int
}

func (d *deliveries) handler(app soap.Handler) soap.Handler {
	return soap.HandlerFunc(func(ctx context.Context, req *soap.Message) (*soap.Message, error) {
		if p := req.Payload(); p != nil {
			if r := p.SelectElement("request"); r != nil {
				d.mu.Lock()
				d.order = append(d.order, r.Text())
				d.seen[r.Text()]++
				d.mu.Unlock()
			}
		}
		return app.ServeSOAP(ctx, req)
	})
}

// check verifies that the application got each of the n messages once,
// each caller's in the order it sent them.
func (d *deliveries) check(n, callers int) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	next := make([]int, callers)
	for _, text := range d.order {
		var c, i int
		if _, err := fmt.Sscanf(text, "caller %d message %d", &c, &i); err != nil || c < 0 || c >= callers {
			return fmt.Errorf("the service got an unexpected message %q", text)
		}
		if d.seen[text] != 1 {
			return fmt.Errorf("the service got %q %d times", text, d.seen[text])
		}
		if i != next[c] {
			return fmt.Errorf("the service got %q out of order", text)
		}
		next[c]++
	}
	if len(d.order) != n {
		return fmt.Errorf("the service got %d of the %d messages", len(d.order), n)
	}
	return nil
}

// link is a lossy proxy served on loopback.
type link struct {
	proxy *lossy.Proxy
	srv   *http.Server
	url   string
}

func startLink(cfg lossy.Config) (*link, error) {
	p, err := lossy.New(cfg)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	l := &link{proxy: p, srv: &http.Server{Handler: p, ReadHeaderTimeout: 10 * time.Second}, url: "http://" + ln.Addr().String()}
	go func() { _ = l.srv.Serve(ln) }()
	return l, nil
}

func (l *link) close() {
	_ = l.proxy.Close()
	_ = l.srv.Close()
}
