package farmtest

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// startHAProxy starts HAProxy in front of backends (host:port), round
// robin per request without stickiness, and returns its address. It fails
// t when haproxy is not installed.
func startHAProxy(t testing.TB, backends []string) string {
	t.Helper()
	addr, _ := startHAProxyStats(t, backends, nil)
	return addr
}

// startHAProxyStats is startHAProxy that also serves HAProxy's statistics
// page, with more lines (directives) in the backend section; it returns
// the balancer's address and the page's URL (append ";csv" for the CSV
// form).
func startHAProxyStats(t testing.TB, backends, more []string) (addr, stats string) {
	t.Helper()
	bin := os.Getenv("SOAPSTACK_HAPROXY")
	if bin == "" {
		var err error
		if bin, err = exec.LookPath("haproxy"); err != nil {
			t.Fatal("farmtest: haproxy not found: apt-get install haproxy (Debian), or set SOAPSTACK_HAPROXY")
		}
	}
	addr, statsAddr := freeAddr(t), freeAddr(t)
	stats = "http://" + statsAddr + "/stats"
	var cfg strings.Builder
	fmt.Fprintf(&cfg, `global
  maxconn 512
defaults
  mode http
  timeout connect 5s
  timeout client 30s
  timeout server 30s
  # every request is balanced on its own, whatever connection it came on
  option http-server-close
  # a node that refuses connections (killed) is skipped: the request is
  # sent to another one, and health checks take it out of the rotation
  retries 2
  option redispatch 1
frontend stats
  bind %s
  stats enable
  stats uri /stats
frontend farm
  bind %s
  default_backend nodes
backend nodes
  balance roundrobin
`, statsAddr, addr)
	for _, line := range more {
		fmt.Fprintf(&cfg, "  %s\n", line)
	}
	for i, b := range backends {
		fmt.Fprintf(&cfg, "  server node%d %s check inter 200ms fall 1 rise 1\n", i, b)
	}
	path := filepath.Join(t.TempDir(), "haproxy.cfg")
	if err := os.WriteFile(path, []byte(cfg.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-db", "-f", path)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatalf("farmtest: starting haproxy: %v", err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-done
	})
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err == nil {
			c.Close()
			return addr, stats
		}
		select {
		case <-done:
			t.Fatalf("farmtest: haproxy exited: %s", out.String())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("farmtest: haproxy not listening on %s: %s", addr, out.String())
		}
	}
}

// freeAddr returns a free loopback host:port.
func freeAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}
