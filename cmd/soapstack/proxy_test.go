package main

import (
	"bytes"
	"context"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/soapstack/soapstack/interop"
	"github.com/soapstack/soapstack/soap"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// syncBuffer is a bytes.Buffer safe for a writer and a reader at once.
type syncBuffer struct {
	lockedWriter
	b bytes.Buffer
}

func newSyncBuffer() *syncBuffer {
	s := &syncBuffer{}
	s.w = &s.b
	return s
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startProxyCmd runs "soapstack proxy" with args until the returned stop
// is called, which returns the exit status and the output.
func startProxyCmd(t *testing.T, args ...string) (url string, stop func() (int, string, string)) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	out, errb := newSyncBuffer(), newSyncBuffer()
	done := make(chan int, 1)
	go func() { done <- run(ctx, append([]string{"proxy", "--listen", "127.0.0.1:0"}, args...), out, errb) }()
	listening := regexp.MustCompile(`listening on (http://[0-9.:]+),`)
	require.Eventually(t, func() bool { return listening.MatchString(out.String()) }, 10*time.Second, 5*time.Millisecond, errb.String())
	stop = func() (int, string, string) {
		cancel()
		select {
		case code := <-done:
			return code, out.String(), errb.String()
		case <-time.After(10 * time.Second):
			t.Fatal("soapstack proxy did not stop")
			return 0, "", ""
		}
	}
	return listening.FindStringSubmatch(out.String())[1], stop
}

func TestProxyCommand(t *testing.T) {
	svc := httptest.NewServer(soap.NewHTTPHandler((&interop.PingService{}).Handler()))
	defer svc.Close()
	url, stop := startProxyCmd(t, "--target", svc.URL, "--drop", "0.3", "--dup", "0.2", "--reorder", "0.2",
		"--max-delay", "2ms", "--seed", "11", "--stats-every", "20ms", "-v")
	c := &interop.PingClient{Invoker: soap.NewHTTPClient(url + "/soap12"), Version: soap.V12, Addressing: soap.WSA10, To: url + "/soap12"}
	ok, failed := 0, 0
	for i := range 40 {
		got, err := c.Echo(context.Background(), "through the proxy")
		if err != nil {
			failed++
			continue
		}
		require.Equal(t, "through the proxy", got, "call %d", i)
		ok++
	}
	time.Sleep(50 * time.Millisecond) // at least one periodic stats line
	code, out, errOut := stop()
	require.Equal(t, 0, code, errOut)
	assert.Positive(t, ok)
	assert.Positive(t, failed, "30%% loss each way loses some of 40 calls")
	assert.Contains(t, out, "forwarding to "+svc.URL)
	assert.Contains(t, out, "loses 30% of the requests and 30% of the responses, sends 20% twice")
	assert.Contains(t, out, "seed 11 (run again with --seed 11")
	assert.Contains(t, out, "stats: requests")
	assert.Contains(t, out, "#40 ", "-v prints every decision")
	assert.Contains(t, out, "drop request")
	assert.Regexp(t, `stats at exit: requests 40 \(passed 0\), dropped \d+ requests and \d+ responses`, out)

	// The same seed meets the same decisions.
	url2, stop2 := startProxyCmd(t, "--target", svc.URL, "--drop", "0.3", "--dup", "0.2", "--reorder", "0.2",
		"--max-delay", "2ms", "--seed", "11", "--stats-every", "0", "-v")
	c.Invoker, c.To = soap.NewHTTPClient(url2+"/soap12"), url2+"/soap12"
	for range 40 {
		_, _ = c.Echo(context.Background(), "again")
	}
	_, out2, _ := stop2()
	decisions := func(s string) []string {
		var d []string
		for _, l := range strings.Split(s, "\n") {
			if strings.HasPrefix(l, "  #") {
				d = append(d, l)
			}
		}
		return d
	}
	assert.Equal(t, decisions(out), decisions(out2))
	assert.NotContains(t, out2, "stats: requests", "--stats-every 0 prints only at exit")
}

func TestProxyCommandSpare(t *testing.T) {
	svc := httptest.NewServer(soap.NewHTTPHandler((&interop.PingService{}).Handler()))
	defer svc.Close()
	url, stop := startProxyCmd(t, "--target", svc.URL, "--drop", "1", "--spare", interop.ActionEcho)
	c := &interop.PingClient{Invoker: soap.NewHTTPClient(url + "/soap12"), Version: soap.V12, Addressing: soap.WSA10, To: url + "/soap12"}
	_, err := c.Echo(context.Background(), "spared")
	require.NoError(t, err)
	require.Error(t, c.Notify(context.Background(), "lost"))
	code, out, _ := stop()
	require.Equal(t, 0, code)
	assert.Contains(t, out, "forwards untouched the actions starting with "+interop.ActionEcho)
	assert.Contains(t, out, "stats at exit: requests 2 (passed 1), dropped 1 requests")
}

func TestProxyUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"proxy"},
		{"proxy", "--target", "not a url"},
		{"proxy", "--target", "http://127.0.0.1:1/", "--drop", "1.5"},
		{"proxy", "--target", "http://127.0.0.1:1/", "--dup", "-1"},
		{"proxy", "--target", "http://127.0.0.1:1/", "--delay", "-1s"},
		{"proxy", "--target", "http://127.0.0.1:1/", "--stats-every", "-1s"},
		{"proxy", "--target", "http://127.0.0.1:1/", "extra"},
		{"proxy", "--nope"},
	} {
		code, _, _ := runCmd(args...)
		assert.Equal(t, 2, code, "%v", args)
	}
	code, _, errOut := runCmd("proxy", "--target", "http://127.0.0.1:1/", "--listen", "256.0.0.1:0")
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, "soapstack proxy:")
}
