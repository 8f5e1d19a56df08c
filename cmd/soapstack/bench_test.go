package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/soapstack/soapstack/interop"
)

// keepAffinity restores this process's CPU affinity when the test ends:
// bench pins the client (the test binary) to one CPU.
func keepAffinity(t *testing.T) {
	cpus, err := allowedCPUs()
	require.NoError(t, err)
	t.Cleanup(func() {
		tset, err := exec.LookPath("taskset")
		if err != nil {
			return // bench could not pin either
		}
		list := make([]string, len(cpus))
		for i, c := range cpus {
			list[i] = strconv.Itoa(c)
		}
		out, err := exec.Command(tset, "-a", "-c", "-p", strings.Join(list, ","), strconv.Itoa(os.Getpid())).CombinedOutput()
		assert.NoError(t, err, "restoring the CPU affinity: %s", out)
	})
}

func runBenchJSON(t *testing.T, args ...string) benchJSON {
	t.Helper()
	t.Setenv(testMainEnv, "1") // inherited by the Go service's process only
	keepAffinity(t)
	code, out, errOut := runCmd(append([]string{"bench", "--json"}, args...)...)
	require.Equal(t, 0, code, "stdout: %s\nstderr: %s", out, errOut)
	var report benchJSON
	require.NoError(t, json.Unmarshal([]byte(out), &report), out)
	require.NotNil(t, report.BenchReport, out)
	assert.NotEmpty(t, report.Pinning)
	if cpus, _ := allowedCPUs(); len(cpus) >= 2 {
		assert.True(t, report.Pinned, "two CPUs and taskset, yet: %s", report.Pinning)
	}
	assert.NotEmpty(t, report.Environment.GoVersion)
	assert.False(t, report.Started.IsZero())
	assert.False(t, report.Finished.Before(report.Started))
	return report
}

// checkRow asserts a request row's sanity: requests measured, none
// failed, latencies ordered, the service's CPU time measured; for the Go
// service its allocations too.
func checkRow(t *testing.T, r *interop.BenchRow) {
	t.Helper()
	name := r.Target + " " + r.Scenario
	assert.Positive(t, r.Requests, name)
	assert.Zero(t, r.Errors, "%s: %s", name, r.FirstError)
	assert.Positive(t, r.PerSecond, name)
	assert.Positive(t, r.P50, name)
	assert.GreaterOrEqual(t, r.P99, r.P50, name)
	assert.Positive(t, r.ServerCPUPerRequest, "%s: the service's CPU time is measured", name)
	assert.GreaterOrEqual(t, r.ServerSysCPUPerRequest, time.Duration(0), name)
	assert.LessOrEqual(t, r.ServerSysCPUPerRequest, r.ServerCPUPerRequest, "%s: the kernel's part is a part", name)
	assert.Equal(t, 2, r.Concurrency, name)
	if r.Target == interop.TargetGo {
		assert.Positive(t, r.AllocsPerRequest, name)
		assert.Greater(t, r.AllocBytesPerRequest, r.AllocsPerRequest, "%s: bytes and objects", name)
	} else {
		assert.Zero(t, r.AllocsPerRequest, "%s: no allocation counters for a JVM", name)
	}
}

func checkHandshake(t *testing.T, h *interop.HandshakeRow) {
	t.Helper()
	assert.Equal(t, interop.DefaultHandshakeScenario, h.Scenario)
	assert.Positive(t, h.Handshakes, h.Target)
	assert.Zero(t, h.Errors, "%s: %s", h.Target, h.FirstError)
	assert.Positive(t, h.ServerCPUPerHandshake, h.Target)
	assert.InDelta(t, 1e9/float64(h.ServerCPUPerHandshake), h.PerSecondPerCore, 1e-6*h.PerSecondPerCore, h.Target)
	if h.Target == interop.TargetGo {
		assert.Positive(t, h.AllocsPerHandshake)
	}
}

func checkSessions(t *testing.T, s *interop.SessionRow, scenario string, n int) {
	t.Helper()
	assert.Empty(t, s.Error, s.Target)
	assert.Equal(t, scenario, s.Scenario)
	assert.Equal(t, n, s.Sessions, s.Target)
	assert.Positive(t, s.RSSBefore, s.Target)
	assert.Positive(t, s.RSSAfter, s.Target)
	assert.Positive(t, s.HeapBefore, s.Target)
	assert.Positive(t, s.HeapAfter, s.Target)
	assert.NotEmpty(t, s.Method, s.Target)
}

// TestBenchGo runs `bench --quick --json` against the Go service only
// (no JVM): every default scenario, the handshake and the idle-session
// rows, and checks the report's fields and their sanity (the numbers
// themselves are benchmarks, not tested).
func TestBenchGo(t *testing.T) {
	report := runBenchJSON(t, "--quick", "--targets", "go")
	require.Len(t, report.Rows, len(interop.BenchScenarios()))
	for i, r := range report.Rows {
		assert.Equal(t, interop.TargetGo, r.Target)
		assert.Equal(t, interop.BenchScenarios()[i], r.Scenario)
		want := "echo"
		if strings.HasPrefix(r.Scenario, "RM") {
			want = "reliable"
		}
		assert.Equal(t, want, r.Kind, r.Scenario)
		checkRow(t, r)
	}
	require.Len(t, report.Handshakes, 1)
	checkHandshake(t, report.Handshakes[0])
	require.Len(t, report.Sessions, 1)
	checkSessions(t, report.Sessions[0], interop.DefaultSessionScenario, 20)
	assert.Empty(t, report.Ratios, "no peer, no ratio")
	assert.Empty(t, report.Notes)
	assert.Equal(t, 2<<10, report.Options.BodySize)
}

// TestBenchPeers runs one row against each peer (CXF and Metro: XDC@sc13)
// and the Go service, with the handshake and idle-session rows on the same
// endpoint, at tiny durations, to keep the peer path working: JVM
// defaults, jcmd, the ratios from one run. The peers must have been built.
// Most of its time is the two JVMs' start (Metro publishes every
// endpoint of the catalogue).
func TestBenchPeers(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the CXF and Metro JVMs")
	}
	for _, p := range []struct{ name, jar string }{
		{"CXF", "../../interop/cxf/target/soapstack-cxf-peer.jar"},
		{"Metro", "../../interop/metro/target/soapstack-metro-peer.jar"},
	} {
		if _, err := os.Stat(p.jar); err != nil {
			t.Fatalf("the %s peer is not built (%v): run interop/%s/peer build", p.name, err, strings.ToLower(p.name))
		}
	}
	report := runBenchJSON(t, "--targets", "go,cxf,metro", "--scenarios", "XDC@sc13", "--warmup", "200ms", "-d", "500ms",
		"--handshake-d", "500ms", "--sessions", "3", "--session-scenario", "XDC@sc13")
	require.Len(t, report.Rows, 3)
	for i, target := range []string{interop.TargetGo, interop.TargetCXF, interop.TargetMetro} {
		assert.Equal(t, target, report.Rows[i].Target)
		checkRow(t, report.Rows[i])
	}
	require.Len(t, report.Handshakes, 3)
	for _, h := range report.Handshakes {
		checkHandshake(t, h)
	}
	require.Len(t, report.Sessions, 3)
	for _, s := range report.Sessions {
		checkSessions(t, s, "XDC@sc13", 3) // the endpoint the row warmed
	}
	var kinds []string
	for _, q := range report.Ratios {
		kinds = append(kinds, q.Peer+" "+q.Kind)
		if q.Kind != "session" {
			assert.Positive(t, q.PerSecond, "%+v", q)
			assert.Positive(t, q.CPU, "%+v", q)
		}
	}
	assert.Subset(t, kinds, []string{"cxf echo", "metro echo", "cxf handshake", "metro handshake"})
	assert.Contains(t, report.Environment.Java, "Runtime")
}

func TestBenchUsage(t *testing.T) {
	for _, args := range [][]string{
		{"bench", "--targets", "wcf", "--pin=false"},
		{"bench", "--scenarios", "Nope@wssec11", "--pin=false"},
		{"bench", "--handshake-scenario", "A@wssec11", "--pin=false"},
		{"bench", "--size", "2MB"},
		{"bench", "extra"},
		{"serve", "--interop-endpoints"},
	} {
		code, _, errOut := runCmd(args...)
		assert.Equal(t, 2, code, "%v: %s", args, errOut)
	}
}
