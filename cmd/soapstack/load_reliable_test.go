package main

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/soapstack/soapstack/interop"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// testMainEnv makes the test binary run the command instead of the tests,
// so that `load --reliable` can start the Go service as `serve --rm-endpoints`
// in a process of its own (os.Executable is the test binary).
const testMainEnv = "SOAPSTACK_TEST_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(testMainEnv) != "" {
		main()
	}
	os.Exit(m.Run())
}

// TestLoadReliableGo runs `load --reliable` with tiny durations against the
// Go service only (no JVM): a plain and an RM-over-SC scenario, with and
// without loss. It keeps the command working; the numbers are not checked
// (benchmarks, not tests).
func TestLoadReliableGo(t *testing.T) {
	t.Setenv(testMainEnv, "1") // inherited by the service process only
	// 2 s a row: /proc counts CPU time in 10 ms ticks, and at 5% loss the
	// retransmission timer bounds a row to ~45 echoes a second (~15 ms
	// of the service's CPU): at 500 ms the difference was sometimes 0.
	code, out, errOut := runCmd("load", "--reliable", "--targets", "go", "--scenarios", "RM11,RM10-SC200502",
		"--loss", "0,5%", "-c", "2", "--warmup", "100ms", "-d", "2s", "--pin=false", "--json")
	require.Equal(t, 0, code, "stdout: %s\nstderr: %s", out, errOut)
	var report struct {
		interop.ReliableBenchReport
		Pinning string `json:"pinning"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &report), out)
	require.Len(t, report.Results, 4)
	for i, want := range []struct {
		scenario string
		loss     float64
	}{{"RM11", 0}, {"RM11", 0.05}, {"RM10-SC200502", 0}, {"RM10-SC200502", 0.05}} {
		r := report.Results[i]
		assert.Equal(t, interop.TargetGo, r.Target)
		assert.Equal(t, want.scenario, r.Scenario)
		assert.InDelta(t, want.loss, r.Loss, 1e-9)
		assert.Equal(t, 2, r.Sessions)
		assert.Positive(t, r.Requests, "%s %g", r.Scenario, r.Loss)
		assert.Zero(t, r.Errors, "%s %g: %s", r.Scenario, r.Loss, r.FirstError)
		assert.Positive(t, r.PerSecond)
		assert.Positive(t, r.P50)
		assert.GreaterOrEqual(t, r.P99, r.P50)
		assert.GreaterOrEqual(t, r.ServerCPUPerRequest, time.Duration(0))
		assert.Contains(t, r.Link, "requests ")
		if want.loss == 0 {
			// Only the loss-free rows make enough requests in 500 ms to use
			// more than one clock tick of /proc's CPU time (a lossy row
			// waits on retransmission timers: a dozen requests).
			assert.Positive(t, r.ServerCPUPerRequest, "the service process's CPU time is measured")
			assert.Zero(t, r.Retransmissions)
			assert.Contains(t, r.Link, "dropped 0 requests and 0 responses")
		}
	}
	assert.Empty(t, report.Ratios, "no peer, no ratio")
}

func TestLoadReliableUsage(t *testing.T) {
	for _, args := range [][]string{
		{"load", "--reliable", "--loss", "1"},
		{"load", "--reliable", "--loss", "x"},
		{"load", "--reliable", "--scenario", "A@wssec11"},
		{"serve", "--pki", "dir"},
	} {
		code, _, errOut := runCmd(args...)
		assert.Equal(t, 2, code, "%v: %s", args, errOut)
	}
	code, _, errOut := runCmd("load", "--reliable", "--targets", "wcf", "--pin=false")
	assert.Equal(t, 1, code)
	assert.True(t, strings.Contains(errOut, `unknown target "wcf"`), errOut)
}
