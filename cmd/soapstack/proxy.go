package main

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/soapstack/soapstack/internal/lossy"
)

// runProxy serves a lossy proxy in front of a SOAP service until ctx ends
// (Ctrl-C), printing its counters periodically and at exit.
func runProxy(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("proxy", stderr)
	listen := fs.String("listen", "127.0.0.1:8081", "address to listen on")
	target := fs.String("target", "", "URL of the service to forward to (required)")
	drop := fs.Float64("drop", 0, "probability that a message is lost, in each direction")
	dropReq := fs.Float64("drop-request", 0, "probability that a request is lost (default: --drop)")
	dropResp := fs.Float64("drop-response", 0, "probability that a response is lost (default: --drop)")
	dup := fs.Float64("dup", 0, "probability that a request is sent twice")
	reorder := fs.Float64("reorder", 0, "probability that a request is held back so that later ones overtake it")
	delay := fs.Duration("delay", 0, "latency added to every request")
	maxDelay := fs.Duration("max-delay", 0, "longest hold of a reordered request and lag of a duplicate (default 50ms)")
	seed := fs.Uint64("seed", 0, "seed of the random decisions (default: a random seed, printed)")
	every := fs.Duration("stats-every", 10*time.Second, "how often to print the counters (0: only at exit)")
	spare := fs.String("spare", "", "comma-separated action prefixes forwarded untouched (a secure session's handshake: the WS-Trust namespace)")
	verbose := fs.Bool("v", false, "print every decision")
	if pos, err := parseFlags(fs, args); err != nil || len(pos) != 0 {
		return 2
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if !set["drop-request"] {
		*dropReq = *drop
	}
	if !set["drop-response"] {
		*dropResp = *drop
	}
	if !set["seed"] {
		var b [8]byte
		_, _ = rand.Read(b[:])
		*seed = binary.LittleEndian.Uint64(b[:])
	}
	if *every < 0 {
		fmt.Fprintln(stderr, "soapstack proxy: --stats-every must not be negative")
		return 2
	}
	out := &lockedWriter{w: stdout}
	cfg := lossy.Config{Target: *target, DropRequest: *dropReq, DropResponse: *dropResp, Duplicate: *dup,
		Reorder: *reorder, Delay: *delay, MaxDelay: *maxDelay, Seed: *seed,
		Logger: slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))}
	if *spare != "" {
		cfg.Pass = lossy.PassActions(strings.Split(*spare, ",")...)
	}
	if *verbose {
		cfg.OnDecision = func(d lossy.Decision) { fmt.Fprintf(out, "  %s\n", d) }
	}
	p, err := lossy.New(cfg)
	if err != nil {
		fmt.Fprintf(stderr, "soapstack proxy: %v\n", err)
		return 2
	}
	defer p.Close()
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		fmt.Fprintf(stderr, "soapstack proxy: %v\n", err)
		return 1
	}
	srv := &http.Server{Handler: p, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: time.Minute}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()

	fmt.Fprintf(out, "soapstack proxy: listening on http://%s, forwarding to %s\n", ln.Addr(), *target)
	fmt.Fprintf(out, "  %s\n", describe(cfg))
	if *spare != "" {
		fmt.Fprintf(out, "  forwards untouched the actions starting with %s\n", strings.Join(strings.Split(*spare, ","), " or "))
	}
	fmt.Fprintf(out, "  seed %d (run again with --seed %d for the same decisions)\n", *seed, *seed)
	var tick <-chan time.Time
	if *every > 0 {
		t := time.NewTicker(*every)
		defer t.Stop()
		tick = t.C
	}
	code := 0
loop:
	for {
		select {
		case <-tick:
			fmt.Fprintf(out, "stats: %s\n", p.Stats())
		case err := <-served:
			fmt.Fprintf(stderr, "soapstack proxy: %v\n", err)
			code = 1
			break loop
		case <-ctx.Done():
			break loop
		}
	}
	// Close first abandons the requests held back, so Shutdown does not
	// wait for them.
	_ = p.Close()
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		fmt.Fprintf(stderr, "soapstack proxy: shutdown: %v\n", err)
	}
	fmt.Fprintf(out, "stats at exit: %s\n", p.Stats())
	return code
}

// describe says in words what the proxy does with the messages.
func describe(cfg lossy.Config) string {
	maxDelay := cfg.MaxDelay
	if maxDelay == 0 {
		maxDelay = lossy.DefaultMaxDelay
	}
	pct := func(p float64) string { return fmt.Sprintf("%g%%", p*100) }
	s := fmt.Sprintf("loses %s of the requests and %s of the responses, sends %s twice (the copy up to %v later), holds %s back for up to %v",
		pct(cfg.DropRequest), pct(cfg.DropResponse), pct(cfg.Duplicate), maxDelay, pct(cfg.Reorder), maxDelay)
	if cfg.Delay > 0 {
		s += fmt.Sprintf(", delays every request by %v", cfg.Delay)
	}
	return s
}

// lockedWriter serializes the writes of concurrent goroutines.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(b)
}
