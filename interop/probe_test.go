package interop

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseHeapInfo(t *testing.T) {
	for _, tc := range []struct {
		name, out string
		want      uint64
		err       bool
	}{
		{"serial", `12345:
 def new generation   total 4928K, used 2233K [0x00000000e0000000, 0x00000000e0550000, 0x00000000eaaa0000)
  eden space 4416K,  50% used [0x00000000e0000000, 0x00000000e022e5a0, 0x00000000e0450000)
  from space 512K,   0% used [0x00000000e0450000, 0x00000000e0450000, 0x00000000e04d0000)
  to   space 512K,   0% used [0x00000000e04d0000, 0x00000000e04d0000, 0x00000000e0550000)
 tenured generation   total 10944K, used 5230K [0x00000000eaaa0000, 0x00000000eb550000, 0x0000000100000000)
   the space 10944K,  47% used [0x00000000eaaa0000, 0x00000000eafbbb58, 0x00000000eafbbc00, 0x00000000eb550000)
 Metaspace       used 6712K, committed 6848K, reserved 1056768K
  class space    used 597K, committed 640K, reserved 1048576K
`, (2233 + 5230) << 10, false},
		{"g1", `777:
 garbage-first heap   total 262144K, used 24552K [0x0000000082000000, 0x0000000100000000)
  region size 1024K, 3 young (3072K), 0 survivors (0K)
 Metaspace       used 20744K, committed 21120K, reserved 1114112K
`, 24552 << 10, false},
		{"no heap", "777:\n Metaspace       used 20744K, committed 21120K, reserved 1114112K\n", 0, true},
		{"error", "777:\ncom.sun.tools.attach.AttachNotSupportedException: Unable to open socket file\n", 0, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseHeapInfo([]byte(tc.out))
			if tc.err {
				assert.Error(t, err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
}

func TestParseVmRSS(t *testing.T) {
	got, err := parseVmRSS([]byte("Name:\tjava\nVmHWM:\t  90000 kB\nVmRSS:\t   81234 kB\nRssAnon:\t 1 kB\n"))
	require.NoError(t, err)
	assert.Equal(t, uint64(81234<<10), got)
	got, err = parseVmRSS([]byte("Name:\tzombie\nState:\tZ (zombie)\n"))
	require.NoError(t, err)
	assert.Zero(t, got, "a zombie has no VmRSS line")
}

func TestProcessGroupRSS(t *testing.T) {
	pgid, err := syscall.Getpgid(os.Getpid()) // the test's process group
	require.NoError(t, err)
	rss, err := ProcessGroupRSS(pgid)
	require.NoError(t, err)
	assert.Greater(t, rss, uint64(1<<20), "this test process alone has more than 1 MiB resident")
	_, err = ProcessGroupRSS(1 << 30)
	assert.Error(t, err, "no such process group")
}

// TestRuntimeHandler checks the counters' JSON and that only loopback
// clients get them.
func TestRuntimeHandler(t *testing.T) {
	srv := httptest.NewServer(RuntimeHandler())
	defer srv.Close()
	a, err := FetchRuntimeSample(context.Background(), srv.URL, false)
	require.NoError(t, err)
	_ = make([]byte, 1<<20) // allocate between the samples
	b, err := FetchRuntimeSample(context.Background(), srv.URL, true)
	require.NoError(t, err)
	assert.Greater(t, b.AllocObjects, a.AllocObjects)
	assert.Greater(t, b.AllocBytes, a.AllocBytes+1<<20-1)
	assert.Greater(t, b.GCCycles, a.GCCycles, "?gc=1 collects")
	assert.Positive(t, b.HeapLiveBytes)

	for _, remote := range []string{"192.0.2.7:4000", "[2001:db8::1]:4000", "garbage"} {
		req := httptest.NewRequest(http.MethodGet, RuntimePath, nil)
		req.RemoteAddr = remote
		rec := httptest.NewRecorder()
		RuntimeHandler().ServeHTTP(rec, req)
		assert.Equal(t, http.StatusForbidden, rec.Code, remote)
	}
}

func TestParseBenchScenario(t *testing.T) {
	for _, tc := range []struct {
		in, name, load string
		rm             bool
	}{
		{"Echo", EchoScenario, "", false},
		{EchoScenario, EchoScenario, "", false},
		{"A@wssec11", "A@wssec11", "A@wssec11", false},
		{"XDC@sc200502", "XDC@sc200502", "XDC@sc200502", false},
		{"RM11", "RM11", "", true},
		{"RM10-SC200502@rm", "RM10-SC200502", "", true},
	} {
		s, err := parseBenchScenario(tc.in)
		require.NoError(t, err, tc.in)
		assert.Equal(t, tc.name, s.name, tc.in)
		assert.Equal(t, tc.load, s.load, tc.in)
		assert.Equal(t, tc.rm, s.rm != nil, tc.in)
	}
	for _, bad := range []string{"", "A", "A@sc13", "Nope@wssec11", "XDC", "RM12"} {
		_, err := parseBenchScenario(bad)
		assert.True(t, errors.Is(err, ErrBenchOptions), "%q: %v", bad, err)
	}
}

// FuzzParseToolOutput feeds arbitrary bytes to the parsers of what the
// bench reads from other programs (jcmd GC.heap_info, /proc/<pid>/status):
// an error or a value, never a panic, and a heap only from a "total ...K,
// used ...K" line.
func FuzzParseToolOutput(f *testing.F) {
	f.Add([]byte(" def new generation   total 4928K, used 2233K [0x0)\n tenured generation   total 10944K, used 5230K [0x0)\n"))
	f.Add([]byte(" garbage-first heap   total 262144K, used 24552K [0x0)\n Metaspace       used 20744K\n"))
	f.Add([]byte("VmRSS:\t   81234 kB\n"))
	f.Add([]byte("VmRSS:\t 99999999999999999999999 kB\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		heap, err := parseHeapInfo(b)
		if err == nil && heap > 0 && !heapUsed.Match(b) {
			t.Fatalf("heap %d from no heap line", heap)
		}
		if rss, err := parseVmRSS(b); err == nil && rss > 0 && !vmRSS.Match(b) {
			t.Fatalf("RSS %d from no VmRSS line", rss)
		}
	})
}
