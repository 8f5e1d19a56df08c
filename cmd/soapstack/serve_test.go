package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/soapstack/soapstack/internal/testredis"
	"github.com/soapstack/soapstack/interop"
)

var servingAt = regexp.MustCompile(`at (https?://\S+)/secure`)

// startServe runs soapstack serve with args on a free port until the test
// ends and returns its base URL.
func startServe(t *testing.T, args ...string) string {
	t.Helper()
	url, _ := startServeOutput(t, args...)
	return url
}

// startServeOutput is startServe, returning serve's output too.
func startServeOutput(t *testing.T, args ...string) (string, *syncBuffer) {
	t.Helper()
	url, out, _ := startServeStreams(t, args...)
	return url, out
}

// startServeStreams is startServe, returning serve's output and its log
// (stderr) too.
func startServeStreams(t *testing.T, args ...string) (string, *syncBuffer, *syncBuffer) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	out, errb := newSyncBuffer(), newSyncBuffer()
	done := make(chan int, 1)
	go func() { done <- run(ctx, append([]string{"serve", "--listen", "127.0.0.1:0"}, args...), out, errb) }()
	t.Cleanup(func() {
		cancel()
		if code := <-done; code != 0 {
			t.Errorf("serve exited %d: %s", code, errb.String())
		}
	})
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if m := servingAt.FindStringSubmatch(out.String()); m != nil {
			return m[1], out, errb
		}
		select {
		case code := <-done:
			done <- code
			t.Fatalf("serve exited %d: %s", code, errb.String())
		case <-time.After(10 * time.Millisecond):
		}
	}
	t.Fatalf("serve did not start: %s %s", out.String(), errb.String())
	return "", nil, nil
}

// roundRobin is a balancer without stickiness in front of targets,
// counting the requests each gets.
func roundRobin(t *testing.T, targets []string) (string, []*atomic.Int32) {
	var next atomic.Uint32
	counts := make([]*atomic.Int32, len(targets))
	var proxies []*httputil.ReverseProxy
	for i, target := range targets {
		u, err := url.Parse(target)
		require.NoError(t, err)
		counts[i] = new(atomic.Int32)
		proxies = append(proxies, httputil.NewSingleHostReverseProxy(u))
	}
	lb := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		i := int(next.Add(1)) % len(targets)
		counts[i].Add(1)
		proxies[i].ServeHTTP(w, r)
	}))
	t.Cleanup(lb.Close)
	return lb.URL, counts
}

func writeRing(t *testing.T) string {
	secret := make([]byte, 32)
	_, err := rand.Read(secret)
	require.NoError(t, err)
	ring := fmt.Sprintf(`{"keys": [{"id": 1, "secret": %q}]}`, base64.StdEncoding.EncodeToString(secret))
	path := filepath.Join(t.TempDir(), "ring.json")
	require.NoError(t, os.WriteFile(path, []byte(ring), 0o600))
	return path
}

// TestServeRedis starts two soapstack serve --redis nodes on one
// redis-server, behind a round-robin balancer, and calls /secure through
// it with soapstack call: secure sessions in reference mode (tokens in
// Redis, sealed with the key ring) and in cookie mode (the ring from the
// environment), with and without a reliable session. Each session's
// calls land on both nodes; Redis holds the shared state while the
// sessions run and nothing but expiring replay entries after they close.
func TestServeRedis(t *testing.T) {
	srv := testredis.Start(t)
	ring := writeRing(t)
	ringJSON, err := os.ReadFile(ring)
	require.NoError(t, err)
	t.Setenv("SOAPSTACK_TEST_RING", string(ringJSON))
	pki := "../../interop/pki/"
	body := filepath.Join(t.TempDir(), "echo.xml")
	require.NoError(t, os.WriteFile(body, []byte(`<tns:echo xmlns:tns="`+interop.NSPing+`"><tns:request>farm</tns:request></tns:echo>`), 0o600))
	rc := redis.NewClient(&redis.Options{Addr: srv.Addr})
	t.Cleanup(func() { rc.Close() })
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"reference", []string{"--cookie-keys", ring, "--session-mode", "reference"}},
		{"reference-reliable", []string{"--cookie-keys", ring, "--session-mode", "reference", "--reliable"}},
		{"cookie-reliable", []string{"--cookie-keys-env", "SOAPSTACK_TEST_RING", "--reliable"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.NoError(t, rc.FlushAll(context.Background()).Err())
			args := append([]string{"--redis", "redis://" + srv.Addr + "/0", "--cert", pki + "service.pem", "--key", pki + "service.key",
				"--user", "alice:clarinet"}, tc.args...)
			lb, counts := roundRobin(t, []string{startServe(t, args...), startServe(t, args...)})
			callArgs := []string{"call", lb + "/secure", "--action", interop.ActionEcho, "--body", body,
				"--service-cert", pki + "service.pem", "--user", "alice:clarinet", "--n", "6"}
			if strings.Contains(tc.name, "reliable") {
				callArgs = append(callArgs, "--reliable")
			}
			code, out, errOut := runCmd(callArgs...)
			require.Equal(t, 0, code, errOut)
			assert.Contains(t, out, "echoResponse")
			assert.Contains(t, out, ">farm<")
			for i, c := range counts {
				assert.Greater(t, c.Load(), int32(2), "node %d", i)
			}
			keys, err := rc.Keys(context.Background(), "soapstack:*").Result()
			require.NoError(t, err)
			var replays int
			for _, k := range keys {
				if strings.HasPrefix(k, "soapstack:replay:") {
					replays++
					ttl, err := rc.PTTL(context.Background(), k).Result()
					require.NoError(t, err)
					assert.Greater(t, ttl, time.Duration(0), "replay entry %s without TTL", k)
					continue
				}
				// Registries of the bounds stay, without members.
				if strings.Contains(k, "reg{") {
					n, err := rc.ZCard(context.Background(), k).Result()
					if err == nil {
						assert.Zero(t, n, "registry %s after every session closed", k)
					}
					continue
				}
				t.Errorf("key %s left after the session closed", k)
			}
			assert.Greater(t, replays, 6, "the replay cache in Redis was not used")
		})
	}
}

func TestServeUsage(t *testing.T) {
	for _, args := range [][]string{
		{"serve", "--redis", "redis://127.0.0.1:1"},
		{"serve", "--cert", "../../interop/pki/service.pem", "--key", "../../interop/pki/service.key"},
		{"serve", "--cert", "../../interop/pki/service.pem", "--key", "../../interop/pki/service.key", "--user", "a:b", "--session-mode", "cookie"},
		{"serve", "--cert", "../../interop/pki/service.pem", "--key", "../../interop/pki/service.key", "--user", "a:b", "--redis", "redis://127.0.0.1:1"},
		{"serve", "--cert", "../../interop/pki/service.pem", "--key", "../../interop/pki/service.key", "--user", "a:b", "--redis", "http://x"},
		{"serve", "--claim-timeout", "3s"},
		{"serve", "--cert", "../../interop/pki/service.pem", "--key", "../../interop/pki/service.key", "--user", "a:b", "--claim-timeout", "3s"},
		{"serve", "--cert", "../../interop/pki/service.pem", "--key", "../../interop/pki/service.key", "--user", "a:b", "--reliable", "--claim-timeout", "-1s"},
		{"serve", "--record-deliveries"},
		{"serve", "--cert", "../../interop/pki/service.pem", "--key", "../../interop/pki/service.key", "--user", "a:b", "--reliable", "--record-deliveries"},
		{"serve", "--cert", "../../interop/pki/service.pem", "--key", "../../interop/pki/service.key", "--user", "a:b", "--redis", "redis://127.0.0.1:1", "--record-deliveries"},
	} {
		code, _, errOut := runCmd(args...)
		assert.Equal(t, 2, code, "%v: %s", args, errOut)
	}
}
