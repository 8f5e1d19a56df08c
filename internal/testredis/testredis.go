// Package testredis starts a real redis-server for tests: a private
// instance on a free loopback port, without persistence, stopped when the
// test ends. A test that needs Redis fails (never skips) when
// redis-server is not installed, saying how to install it.
package testredis

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Install is how to install the server the tests need.
const Install = "apt-get install redis-server (Debian), or put redis-server on PATH or in SOAPSTACK_REDIS_SERVER"

// Server is a running redis-server.
type Server struct {
	// Addr is its host:port on the loopback interface.
	Addr string

	t    testing.TB
	bin  string
	port int
	dir  string
	mu   sync.Mutex
	cmd  *exec.Cmd
	out  *bytes.Buffer
	done chan struct{}
	args []string
	conf string // configuration file, first argument when set
	// tls, user and password are how the checks reach a TLS server
	// with an ACL user.
	tls            *tls.Config
	user, password string
}

// Binary returns the path of redis-server, from SOAPSTACK_REDIS_SERVER or
// PATH.
func Binary() (string, error) {
	if p := os.Getenv("SOAPSTACK_REDIS_SERVER"); p != "" {
		return p, nil
	}
	p, err := exec.LookPath("redis-server")
	if err != nil {
		return "", fmt.Errorf("redis-server not found: %s", Install)
	}
	return p, nil
}

// Start starts a redis-server for t on a free loopback port and stops it
// when t ends. It fails t when the server is missing or does not start.
func Start(t testing.TB) *Server {
	t.Helper()
	bin, err := Binary()
	if err != nil {
		t.Fatalf("testredis: %v", err)
	}
	return start(t, bin, "")
}

func start(t testing.TB, bin, conf string, args ...string) *Server {
	t.Helper()
	return startServer(t, &Server{t: t, bin: bin, dir: t.TempDir(), args: args, conf: conf})
}

func startServer(t testing.TB, s *Server) *Server {
	t.Helper()
	t.Cleanup(s.Stop)
	for attempt := 0; ; attempt++ {
		s.port = freePort(t)
		s.Addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port))
		err := s.run()
		if err == nil {
			return s
		}
		if !errors.Is(err, errExited) || attempt == 2 {
			t.Fatalf("testredis: %v", err)
		}
	}
}

// TLSOptions configures StartTLS.
type TLSOptions struct {
	// CertFile, KeyFile and CAFile are the server's certificate and key
	// (PEM) and the CA that signed it; the certificate must name
	// 127.0.0.1.
	CertFile, KeyFile, CAFile string
	// User and Password are the one ACL user allowed (all commands, all
	// keys); the default user is off.
	User, Password string
}

// StartTLS starts a redis-server that speaks TLS only and admits only
// one ACL user, as a production Redis does.
func StartTLS(t testing.TB, o TLSOptions) *Server {
	t.Helper()
	bin, err := Binary()
	if err != nil {
		t.Fatalf("testredis: %v", err)
	}
	// The server changes to its --dir before it reads them.
	for _, f := range []*string{&o.CertFile, &o.KeyFile, &o.CAFile} {
		if *f, err = filepath.Abs(*f); err != nil {
			t.Fatalf("testredis: %v", err)
		}
	}
	pem, err := os.ReadFile(o.CAFile)
	if err != nil {
		t.Fatalf("testredis: %v", err)
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(pem) {
		t.Fatalf("testredis: no certificate in %s", o.CAFile)
	}
	s := &Server{t: t, bin: bin, dir: t.TempDir(), user: o.User, password: o.Password,
		tls: &tls.Config{RootCAs: roots, ServerName: "127.0.0.1", MinVersion: tls.VersionTLS12},
		args: []string{"--tls-cert-file", o.CertFile, "--tls-key-file", o.KeyFile, "--tls-ca-cert-file", o.CAFile,
			"--tls-auth-clients", "no", "--user", "default", "off",
			"--user", o.User, "on", ">" + o.Password, "~*", "&*", "+@all"}}
	return startServer(t, s)
}

// StartCluster starts a one-node Redis Cluster holding every hash slot:
// it enforces what a real cluster does (a script or multi-key command on
// keys of different slots fails with CROSSSLOT), so a store that passes
// its tests on it keeps each call within one slot. Restart of a cluster
// server is not supported.
func StartCluster(t testing.TB) *Server {
	t.Helper()
	bin, err := Binary()
	if err != nil {
		t.Fatalf("testredis: %v", err)
	}
	s := start(t, bin, "", "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf")
	if _, err := s.command("CLUSTER ADDSLOTSRANGE 0 16383"); err != nil {
		t.Fatalf("testredis: assigning the slots: %v", err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		info, err := s.command("CLUSTER INFO")
		if err == nil && strings.Contains(info, "cluster_state:ok") {
			return s
		}
		if time.Now().After(deadline) {
			t.Fatalf("testredis: the cluster did not become ready: %q %v", info, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// StartSentinel starts a Redis Sentinel watching master under the name
// name (quorum 1), for clients that find the master through Sentinel
// (redis.UniversalOptions.MasterName). It waits until the sentinel knows
// the master.
func StartSentinel(t testing.TB, master *Server, name string) *Server {
	t.Helper()
	bin, err := Binary()
	if err != nil {
		t.Fatalf("testredis: %v", err)
	}
	host, port, _ := net.SplitHostPort(master.Addr)
	conf := filepath.Join(t.TempDir(), "sentinel.conf")
	if err := os.WriteFile(conf, []byte(fmt.Sprintf("sentinel monitor %s %s %s 1\n", name, host, port)), 0o600); err != nil {
		t.Fatal(err)
	}
	s := start(t, bin, conf, "--sentinel")
	deadline := time.Now().Add(10 * time.Second)
	for {
		addr, err := s.command("SENTINEL GET-MASTER-ADDR-BY-NAME " + name)
		if err == nil && addr != "" && addr != "*-1" {
			return s
		}
		if time.Now().After(deadline) {
			t.Fatalf("testredis: the sentinel does not know %s: %v", name, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// command sends one inline command (after AUTH when the server has a
// user) and returns the reply's first line, or the bulk string that
// follows a $ line.
func (s *Server) command(line string) (string, error) {
	d := &net.Dialer{Timeout: time.Second}
	var c net.Conn
	var err error
	if s.tls != nil {
		c, err = tls.DialWithDialer(d, "tcp", s.Addr, s.tls)
	} else {
		c, err = d.Dial("tcp", s.Addr)
	}
	if err != nil {
		return "", err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(2 * time.Second))
	r := bufio.NewReader(c)
	if s.user != "" {
		if _, err := fmt.Fprintf(c, "AUTH %s %s\r\n", s.user, s.password); err != nil {
			return "", err
		}
		if ok, err := reply(r); err != nil || ok != "+OK" {
			return "", fmt.Errorf("AUTH: %q %v", ok, err)
		}
	}
	if _, err := c.Write([]byte(line + "\r\n")); err != nil {
		return "", err
	}
	return reply(r)
}

// reply reads one reply of the inline protocol.
func reply(r *bufio.Reader) (string, error) {
	first, err := r.ReadString('\n')
	if err != nil {
		return "", err
	}
	switch first[0] {
	case '-':
		return "", fmt.Errorf("%s", strings.TrimSpace(first[1:]))
	case '$':
		n, err := strconv.Atoi(strings.TrimSpace(first[1:]))
		if err != nil || n < 0 {
			return "", fmt.Errorf("unexpected reply %q", first)
		}
		buf := make([]byte, n+2)
		if _, err := io.ReadFull(r, buf); err != nil {
			return "", err
		}
		return string(buf[:n]), nil
	}
	return strings.TrimSpace(first), nil
}

// freePort returns a loopback TCP port that was free a moment ago.
func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("testredis: %v", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// Restart starts the server again on the same port after Stop (with no
// data: it persists nothing). It is a no-op while the server runs.
func (s *Server) Restart() {
	s.t.Helper()
	if err := s.run(); err != nil {
		s.t.Fatalf("testredis: %v", err)
	}
}

// errExited reports a server that exited before it answered (typically:
// its port was taken meanwhile).
var errExited = errors.New("redis-server exited")

// run starts the server unless it runs, and waits for its PING.
func (s *Server) run() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd != nil {
		return nil
	}
	port := []string{"--port", strconv.Itoa(s.port)}
	if s.tls != nil {
		port = []string{"--port", "0", "--tls-port", strconv.Itoa(s.port)}
	}
	args := append(append(port, "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--dir", s.dir, "--protected-mode", "yes"), s.args...)
	if s.conf != "" {
		args = append([]string{s.conf}, args...)
	}
	cmd := exec.Command(s.bin, args...)
	out := &bytes.Buffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting %s: %w", s.bin, err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	s.cmd, s.out, s.done = cmd, out, done
	deadline := time.Now().Add(10 * time.Second)
	for {
		select {
		case <-done:
			s.cmd = nil
			return fmt.Errorf("%w: %s", errExited, out)
		default:
		}
		err := s.ping()
		if err == nil {
			// The server on the port must be ours, not another test's.
			info, ierr := s.command("INFO server")
			if ierr == nil && strings.Contains(info, fmt.Sprintf("process_id:%d\r", cmd.Process.Pid)) {
				return nil
			}
			err = fmt.Errorf("another server answers on %s", s.Addr)
		}
		if time.Now().After(deadline) {
			s.stopLocked()
			return fmt.Errorf("redis-server did not answer PING on %s: %v\n%s", s.Addr, err, out)
		}
		select {
		case <-done:
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// Stop stops the server (kill, then wait); the port stays reserved for
// Restart only by convention.
func (s *Server) Stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stopLocked()
}

func (s *Server) stopLocked() {
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Signal(syscall.SIGCONT) // a paused server too
	_ = s.cmd.Process.Kill()
	<-s.done
	s.cmd = nil
}

// ping sends PING and expects PONG.
func (s *Server) ping() error {
	r, err := s.command("PING")
	if err == nil && r != "+PONG" {
		err = fmt.Errorf("unexpected answer %q", r)
	}
	return err
}

// Pause stops the server's process (SIGSTOP) without losing its data:
// clients time out until Resume. Commands sent meanwhile run on Resume.
func (s *Server) Pause() { s.signal(syscall.SIGSTOP) }

// Resume continues a paused server (SIGCONT).
func (s *Server) Resume() { s.signal(syscall.SIGCONT) }

func (s *Server) signal(sig os.Signal) {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil {
		s.t.Fatal("testredis: server not running")
	}
	if err := s.cmd.Process.Signal(sig); err != nil {
		s.t.Fatalf("testredis: %v", err)
	}
}
