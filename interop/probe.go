package interop

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"strconv"
	"time"
)

// ServerCounters are a service's cumulative counters at one instant: a
// load run samples them at the start and at the end of its measured
// phase and reports the differences per request.
type ServerCounters struct {
	// CPU is the CPU time the service's processes have used
	// (ProcessGroupCPU).
	CPU time.Duration
	// SystemCPU is the part of CPU the kernel spent for the service
	// (stime): its system calls and, on loopback, the TCP work they do.
	SystemCPU time.Duration
	// HasAllocs says whether AllocObjects and AllocBytes are known (the
	// Go service's runtime counters; not the JVMs').
	HasAllocs bool
	// AllocObjects and AllocBytes count the heap allocations since the
	// service started (runtime/metrics /gc/heap/allocs:objects and
	// :bytes).
	AllocObjects, AllocBytes uint64
}

// ServerProbe samples a service's counters.
type ServerProbe func(ctx context.Context) (ServerCounters, error)

// PIDProbe samples the CPU time of process group pgid.
func PIDProbe(pgid int) ServerProbe {
	return func(context.Context) (ServerCounters, error) {
		t, err := ProcessGroupTimes(pgid)
		return ServerCounters{CPU: t.User + t.System, SystemCPU: t.System}, err
	}
}

// GoServiceProbe samples the CPU time of process group pgid and the
// allocation counters of the Go service whose RuntimeHandler is at
// metricsURL.
func GoServiceProbe(pgid int, metricsURL string) ServerProbe {
	cpu := PIDProbe(pgid)
	return func(ctx context.Context) (ServerCounters, error) {
		rt, err := FetchRuntimeSample(ctx, metricsURL, false)
		if err != nil {
			return ServerCounters{}, err
		}
		c, err := cpu(ctx)
		c.HasAllocs, c.AllocObjects, c.AllocBytes = true, rt.AllocObjects, rt.AllocBytes
		return c, err
	}
}

// counterDelta is what a service did between two samples, per request.
type counterDelta struct {
	cpuPerRequest        time.Duration
	sysPerRequest        time.Duration
	allocsPerRequest     float64
	allocBytesPerRequest float64
}

func perRequest(a, b ServerCounters, requests int) counterDelta {
	if requests <= 0 {
		return counterDelta{}
	}
	d := counterDelta{cpuPerRequest: (b.CPU - a.CPU) / time.Duration(requests),
		sysPerRequest: (b.SystemCPU - a.SystemCPU) / time.Duration(requests)}
	if a.HasAllocs && b.HasAllocs {
		d.allocsPerRequest = float64(b.AllocObjects-a.AllocObjects) / float64(requests)
		d.allocBytesPerRequest = float64(b.AllocBytes-a.AllocBytes) / float64(requests)
	}
	return d
}

// RuntimePath is where `soapstack serve --debug-metrics` serves
// RuntimeHandler.
const RuntimePath = "/debug/soapstack/runtime"

// RuntimeSample is the JSON RuntimeHandler answers: the Go runtime's
// counters of the service process.
type RuntimeSample struct {
	// AllocObjects and AllocBytes count the heap allocations since the
	// process started (/gc/heap/allocs:objects, /gc/heap/allocs:bytes).
	AllocObjects uint64 `json:"allocObjects"`
	AllocBytes   uint64 `json:"allocBytes"`
	// HeapLiveBytes is the heap the last GC found live
	// (/gc/heap/live:bytes): after ?gc=1, the live heap now.
	HeapLiveBytes uint64 `json:"heapLiveBytes"`
	// GCCycles counts the completed GC cycles (/gc/cycles/total:gc-cycles).
	GCCycles uint64 `json:"gcCycles"`
}

// RuntimeHandler serves the process's RuntimeSample as JSON to loopback
// clients only (403 Forbidden for others): the allocation counters a
// benchmark samples at the start and the end of a measured phase. With
// the query ?gc=1 it collects garbage first (twice, and returns the freed
// memory to the OS), so that HeapLiveBytes is the heap live now.
func RuntimeHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host, _, err := net.SplitHostPort(r.RemoteAddr)
		ip := net.ParseIP(host)
		if err != nil || ip == nil || !ip.IsLoopback() {
			http.Error(w, "loopback clients only", http.StatusForbidden)
			return
		}
		if r.URL.Query().Get("gc") == "1" {
			// Two cycles (FreeOSMemory runs one): the first moves the
			// sync.Pools to their victim caches, the second frees them;
			// and the freed memory goes back to the OS, so that the RSS
			// follows the heap.
			runtime.GC()
			debug.FreeOSMemory()
		}
		samples := []metrics.Sample{{Name: "/gc/heap/allocs:objects"}, {Name: "/gc/heap/allocs:bytes"},
			{Name: "/gc/heap/live:bytes"}, {Name: "/gc/cycles/total:gc-cycles"}}
		metrics.Read(samples)
		vals := make([]uint64, len(samples))
		for i, s := range samples {
			if s.Value.Kind() == metrics.KindUint64 {
				vals[i] = s.Value.Uint64()
			}
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(RuntimeSample{AllocObjects: vals[0], AllocBytes: vals[1], HeapLiveBytes: vals[2], GCCycles: vals[3]})
	})
}

// FetchRuntimeSample gets a RuntimeSample from a RuntimeHandler at url,
// running a GC in the service first when gc is set.
func FetchRuntimeSample(ctx context.Context, url string, gc bool) (RuntimeSample, error) {
	if gc {
		url += "?gc=1"
	}
	var s RuntimeSample
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return s, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return s, fmt.Errorf("interop: the service's runtime counters: %w", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	if err != nil {
		return s, fmt.Errorf("interop: the service's runtime counters: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return s, fmt.Errorf("interop: the service's runtime counters: %s: %s", resp.Status, bytes.TrimSpace(b))
	}
	if err := json.Unmarshal(b, &s); err != nil {
		return s, fmt.Errorf("interop: the service's runtime counters: %w", err)
	}
	return s, nil
}

// ProcessGroupRSS returns the resident set size (VmRSS of
// /proc/<pid>/status) summed over the processes of process group pgid.
func ProcessGroupRSS(pgid int) (uint64, error) {
	paths, err := filepath.Glob("/proc/[0-9]*/stat")
	if err != nil || len(paths) == 0 {
		return 0, ErrNoProcStat
	}
	var total uint64
	found := false
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		group, _, _, err := parseProcStat(b)
		if err != nil || group != pgid {
			continue
		}
		st, err := os.ReadFile(filepath.Join(filepath.Dir(p), "status"))
		if err != nil {
			continue // the process ended meanwhile
		}
		rss, err := parseVmRSS(st)
		if err != nil {
			return 0, fmt.Errorf("interop: %s: %w", p, err)
		}
		found = true
		total += rss
	}
	if !found {
		return 0, fmt.Errorf("interop: no process in process group %d", pgid)
	}
	return total, nil
}

var vmRSS = regexp.MustCompile(`(?m)^VmRSS:\s+(\d+) kB$`)

// parseVmRSS returns the VmRSS line of a /proc/<pid>/status in bytes (0
// for a process without memory, a zombie).
func parseVmRSS(status []byte) (uint64, error) {
	m := vmRSS.FindSubmatch(status)
	if m == nil {
		return 0, nil
	}
	kb, err := strconv.ParseUint(string(m[1]), 10, 64)
	if err != nil {
		return 0, err
	}
	return kb << 10, nil
}

// MemorySample is a service's memory at one instant, after a garbage
// collection.
type MemorySample struct {
	// RSS is the resident set of the service's process group.
	RSS uint64
	// Heap is the live heap after the GC: the Go runtime's
	// /gc/heap/live:bytes, or the JVM's used heap after a full GC
	// (jcmd GC.run, then the "used" of GC.heap_info).
	Heap uint64
}

// MemoryProbe collects garbage in a service and samples its memory.
type MemoryProbe func(ctx context.Context) (MemorySample, error)

// GoMemoryProbe is the MemoryProbe of the Go service in process group
// pgid with its RuntimeHandler at metricsURL.
func GoMemoryProbe(pgid int, metricsURL string) MemoryProbe {
	return func(ctx context.Context) (MemorySample, error) {
		rt, err := FetchRuntimeSample(ctx, metricsURL, true)
		if err != nil {
			return MemorySample{}, err
		}
		rss, err := ProcessGroupRSS(pgid)
		return MemorySample{RSS: rss, Heap: rt.HeapLiveBytes}, err
	}
}

// JVMMemoryProbe is the MemoryProbe of a JVM with process id pid (the
// leader of its process group): `jcmd <pid> GC.run` (a full GC), then the
// used heap of `jcmd <pid> GC.heap_info` (one jcmd run with both commands)
// and the group's RSS.
func JVMMemoryProbe(pid int) MemoryProbe {
	return func(ctx context.Context) (MemorySample, error) {
		jcmd, err := exec.LookPath("jcmd")
		if err != nil {
			return MemorySample{}, fmt.Errorf("interop: the JVM's heap needs jcmd (a JDK): %w", err)
		}
		f, err := os.CreateTemp("", "soapstack-jcmd-*")
		if err != nil {
			return MemorySample{}, err
		}
		defer os.Remove(f.Name())
		_, err = f.WriteString("GC.run\nGC.heap_info\n")
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return MemorySample{}, err
		}
		cctx, cancel := context.WithTimeout(ctx, time.Minute)
		defer cancel()
		out, err := exec.CommandContext(cctx, jcmd, strconv.Itoa(pid), "-f", f.Name()).CombinedOutput()
		if err != nil {
			return MemorySample{}, fmt.Errorf("interop: jcmd %d GC.run, GC.heap_info: %w: %s", pid, err, bytes.TrimSpace(out))
		}
		heap, err := parseHeapInfo(out)
		if err != nil {
			return MemorySample{}, fmt.Errorf("interop: jcmd %d GC.heap_info: %w: %s", pid, err, bytes.TrimSpace(out))
		}
		rss, err := ProcessGroupRSS(pid)
		return MemorySample{RSS: rss, Heap: heap}, err
	}
}

// heapUsed matches the generation and heap lines of GC.heap_info: " def
// new generation   total 4928K, used 1234K [...]", " garbage-first heap
// total 262144K, used 24552K [...]". Metaspace lines have no "total".
var heapUsed = regexp.MustCompile(`(?m)^\s*[A-Za-z][^\n]*?\btotal \d+K, used (\d+)K`)

// parseHeapInfo sums the used heap of a `jcmd GC.heap_info` output, in
// bytes.
func parseHeapInfo(out []byte) (uint64, error) {
	var total uint64
	ms := heapUsed.FindAllSubmatch(out, -1)
	if len(ms) == 0 {
		return 0, errors.New("no heap lines")
	}
	for _, m := range ms {
		kb, err := strconv.ParseUint(string(m[1]), 10, 64)
		if err != nil {
			return 0, err
		}
		total += kb << 10
	}
	return total, nil
}
