package interop

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Peer names (the "peer" field of the report).
const (
	PeerCXF   = "cxf"
	PeerMetro = "metro"
)

// ScriptPeer drives a Java interop peer through its script (interop/cxf/peer,
// interop/metro/peer): build, server (prints READY), client (one JSON line
// per case).
type ScriptPeer struct {
	// Name is the peer's name in the report (PeerCXF, PeerMetro).
	Name string
	// Dir is the directory holding the peer script.
	Dir string
	// Log receives the peer's stderr (nil: kept only for error messages).
	Log io.Writer
	// Env is added to the environment of the peer's processes
	// ("NAME=value"; SOAPSTACK_CXF_JAVA_OPTS, say).
	Env []string
	// Wrap is the command the peer script runs under, with its arguments
	// ("taskset", "-c", "0", say: the JVM then starts on CPU 0 only); nil
	// runs the script itself. The wrapper must exec the script, so that
	// the process group and the process are the script's.
	Wrap []string
}

func (p *ScriptPeer) label() string {
	switch p.Name {
	case PeerCXF:
		return "CXF"
	case PeerMetro:
		return "Metro"
	case "":
		return "interop"
	}
	return p.Name
}

func (p *ScriptPeer) command(ctx context.Context, args ...string) *exec.Cmd {
	argv := append(append(slices.Clip(p.Wrap), filepath.Join(p.Dir, "peer")), args...)
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Dir = p.Dir
	if len(p.Env) > 0 {
		cmd.Env = append(os.Environ(), p.Env...)
	}
	setProcessGroup(cmd)
	return cmd
}

// setProcessGroup makes cmd the leader of a process group of its own,
// killed as a whole when cmd's context ends.
func setProcessGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second
}

// tailBuffer keeps the last bytes written to it (for error messages).
type tailBuffer struct {
	mu  sync.Mutex
	buf []byte
	max int
	fwd io.Writer
}

func (t *tailBuffer) Write(b []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, b...)
	if len(t.buf) > t.max {
		t.buf = t.buf[len(t.buf)-t.max:]
	}
	if t.fwd != nil {
		_, _ = t.fwd.Write(b)
	}
	return len(b), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return strings.TrimSpace(string(t.buf))
}

// Build builds the peer jar (a no-op when it is up to date).
func (p *ScriptPeer) Build(ctx context.Context) error {
	stderr := &tailBuffer{max: 4096, fwd: p.Log}
	cmd := p.command(ctx, "build")
	cmd.Stdout = stderr
	cmd.Stderr = stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%w: building the %s peer: %v: %s", ErrPeerUnavailable, p.label(), err, stderr)
	}
	return nil
}

// PeerServer is a running peer service.
type PeerServer struct {
	// URL is the base address, e.g. http://127.0.0.1:40123; TLSURL the
	// HTTPS one, when the peer serves HTTPS.
	URL    string
	TLSURL string
	cmd    *exec.Cmd
	done   chan struct{}
	log    *tailBuffer
	plog   peerLogLines
}

// StartServer starts the peer service on a free loopback port and waits
// until it is ready.
func (p *ScriptPeer) StartServer(ctx context.Context) (*PeerServer, error) {
	return startServer(ctx, p.command(context.WithoutCancel(ctx), "server", "--port", "0"), p.label(), p.Log)
}

// StartCommandServer starts a service that speaks the peers' server
// protocol (it prints "READY <base URL> [<HTTPS base URL>]" on stdout when
// it serves, and stops on SIGTERM) from argv, in a process group of its
// own, and waits until it is ready; label names it in errors, log
// receives its stderr. `soapstack serve --rm-endpoints` is one.
func StartCommandServer(ctx context.Context, label string, argv []string, env []string, log io.Writer) (*PeerServer, error) {
	if len(argv) == 0 {
		return nil, errors.New("interop: no server command")
	}
	cmd := exec.CommandContext(context.WithoutCancel(ctx), argv[0], argv[1:]...)
	if len(env) > 0 {
		cmd.Env = append(os.Environ(), env...)
	}
	setProcessGroup(cmd)
	return startServer(ctx, cmd, label, log)
}

// Pid returns the server's process identifier, which is also its process
// group's.
func (s *PeerServer) Pid() int { return s.cmd.Process.Pid }

func startServer(ctx context.Context, cmd *exec.Cmd, label string, log io.Writer) (*PeerServer, error) {
	stderr := &tailBuffer{max: 8192, fwd: log}
	s := &PeerServer{cmd: cmd, done: make(chan struct{}), log: stderr}
	cmd.Stderr = io.MultiWriter(stderr, &s.plog)
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if _, err := cmd.StdinPipe(); err != nil { // the server stops when stdin closes
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("%w: starting the %s peer: %v", ErrPeerUnavailable, label, err)
	}
	ready := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			line := sc.Text()
			if u, ok := strings.CutPrefix(line, "READY "); ok {
				select {
				case ready <- u:
				default:
				}
			} else if log != nil {
				fmt.Fprintln(log, line)
			}
		}
	}()
	go func() {
		_ = cmd.Wait()
		close(s.done)
	}()
	timeout := time.NewTimer(5 * time.Minute) // includes a first build
	defer timeout.Stop()
	select {
	case u := <-ready:
		// "READY http://127.0.0.1:P [https://127.0.0.1:T]"
		f := strings.Fields(u)
		if len(f) == 0 {
			s.Close()
			return nil, fmt.Errorf("%w: the %s peer announced no address", ErrPeerUnavailable, label)
		}
		s.URL = f[0]
		if len(f) > 1 {
			s.TLSURL = f[1]
		}
		return s, nil
	case <-s.done:
		return nil, fmt.Errorf("%w: the %s peer exited before it was ready: %s", ErrPeerUnavailable, label, stderr)
	case <-ctx.Done():
		s.Close()
		return nil, ctx.Err()
	case <-timeout.C:
		s.Close()
		return nil, fmt.Errorf("%w: the %s peer was not ready in time: %s", ErrPeerUnavailable, label, stderr)
	}
}

// Close stops the server and its process group.
func (s *PeerServer) Close() {
	if s.cmd.Process != nil {
		_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGTERM)
	}
	select {
	case <-s.done:
	case <-time.After(5 * time.Second):
		_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
		<-s.done
	}
}

// TakePeerLog returns and forgets the protocol complaints the server logged
// since the last call: its stderr lines starting with "PEERLOG " (the Metro
// and the CXF peer's servers print every warning or error of their stack
// that way, but for the few that say nothing about a case).
func (s *PeerServer) TakePeerLog() []string { return s.plog.take() }

// peerLogLines collects the "PEERLOG " lines of a stream.
type peerLogLines struct {
	mu      sync.Mutex
	partial []byte
	lines   []string
}

func (l *peerLogLines) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.partial = append(l.partial, b...)
	for {
		i := bytes.IndexByte(l.partial, '\n')
		if i < 0 {
			break
		}
		line := strings.TrimSpace(string(l.partial[:i]))
		l.partial = l.partial[i+1:]
		if m, ok := strings.CutPrefix(line, "PEERLOG "); ok && len(l.lines) < 100 {
			l.lines = append(l.lines, m)
		}
	}
	if len(l.partial) > 64<<10 { // a line that long is no log line of interest
		l.partial = l.partial[:0]
	}
	return len(b), nil
}

func (l *peerLogLines) take() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := l.lines
	l.lines = nil
	return out
}

// Log returns the tail of the server's stderr.
func (s *PeerServer) Log() string { return s.log.String() }

// RunClient runs the peer client for cases against the Go service at base
// and returns one peer-to-go result per case. A case the peer did not
// report is a failure.
func (p *ScriptPeer) RunClient(ctx context.Context, base, tlsBase string, cases []Case) ([]Result, error) {
	mode := ModeDOM
	if p.Name == PeerMetro {
		mode = ModeDefault
	}
	return p.RunClientMode(ctx, base, tlsBase, cases, mode)
}

// RunClientMode is RunClient with the peer in mode (for CXF, ModeDOM or
// ModeStreaming). A case for which the peer logged a protocol error
// without failing (its report's warnings) is a failure.
func (p *ScriptPeer) RunClientMode(ctx context.Context, base, tlsBase string, cases []Case, mode string) ([]Result, error) {
	return p.runClient(ctx, base, tlsBase, cases, mode)
}

// runClient is RunClientMode with extra arguments for the peer's client.
func (p *ScriptPeer) runClient(ctx context.Context, base, tlsBase string, cases []Case, mode string, extra ...string) ([]Result, error) {
	names := make([]string, len(cases))
	for i, c := range cases {
		names[i] = c.String()
	}
	args := []string{"client", "--base", base, "--cases", strings.Join(names, ","), "--timeout", "60"}
	if tlsBase != "" {
		args = append(args, "--tls-base", tlsBase)
	}
	if mode == ModeStreaming {
		args = append(args, "--streaming")
	}
	args = append(args, extra...)
	cmd := p.command(ctx, args...)
	var stdout bytes.Buffer
	stderr := &tailBuffer{max: 8192, fwd: p.Log}
	cmd.Stdout = &stdout
	cmd.Stderr = stderr
	runErr := cmd.Run()
	got := map[string]Result{}
	for _, line := range strings.Split(stdout.String(), "\n") {
		line = strings.TrimSpace(line)
		if !strings.HasPrefix(line, "{") {
			continue
		}
		var r Result
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			continue
		}
		r.Direction, r.Peer, r.Mode = PeerToGo, p.Name, mode
		if r.Pass && len(r.Warnings) > 0 {
			r.Pass = false
			r.Reason = "the " + p.label() + " client logged a protocol error: " + strings.Join(r.Warnings, "; ")
		}
		got[Case{r.Scenario, r.Version}.String()] = r
	}
	if len(got) == 0 && runErr != nil {
		return nil, fmt.Errorf("%w: running the %s client: %v: %s", ErrPeerUnavailable, p.label(), runErr, stderr)
	}
	out := make([]Result, 0, len(cases))
	for _, c := range cases {
		r, ok := got[c.String()]
		if !ok {
			r = Result{Scenario: c.Scenario, Direction: PeerToGo, Version: c.Version, Peer: p.Name, Mode: mode,
				Reason: "the " + p.label() + " client did not report this case: " + lastLine(stderr.String())}
		}
		out = append(out, r)
	}
	return out, nil
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		return s[i+1:]
	}
	return s
}
