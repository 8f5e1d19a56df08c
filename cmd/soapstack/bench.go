package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/soapstack/soapstack/interop"
)

// benchJSON is what `bench --json` prints: the report and how it was made.
type benchJSON struct {
	*interop.BenchReport
	Command     string       `json:"command"`
	Started     time.Time    `json:"started"`
	Finished    time.Time    `json:"finished"`
	Pinning     string       `json:"pinning"`
	Pinned      bool         `json:"pinned"`
	Environment benchEnv     `json:"environment"`
	Options     benchOptions `json:"options"`
}

type benchEnv struct {
	GoVersion   string `json:"goVersion"`
	Java        string `json:"java,omitempty"`
	CPUs        int    `json:"cpus"`
	LoadAvgFrom string `json:"loadAvgStart"`
	LoadAvgTo   string `json:"loadAvgEnd"`
}

type benchOptions struct {
	Targets           []string      `json:"targets"`
	Scenarios         []string      `json:"scenarios"`
	Concurrency       int           `json:"concurrency"`
	Warmup            time.Duration `json:"warmupNs"`
	Duration          time.Duration `json:"durationNs"`
	BodySize          int           `json:"bodySize"`
	HandshakeScenario string        `json:"handshakeScenario"`
	HandshakeDuration time.Duration `json:"handshakeDurationNs"`
	SessionScenario   string        `json:"sessionScenario"`
	Sessions          int           `json:"sessions"`
	JVMOptions        string        `json:"jvmOptions,omitempty"`
}

// runBench is `soapstack bench`: interop.Bench with the Go service served
// by this executable (`serve --interop-endpoints --rm-endpoints
// --debug-metrics`) in a process of its own.
func runBench(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("bench", stderr)
	targets := fs.String("targets", "go,cxf,metro", "the services measured")
	scenarios := fs.String("scenarios", strings.Join(interop.BenchScenarios(), ","), "the request rows (Echo, Name@wssec11, Name@sc13, RM11, ...)")
	conc := fs.Int("c", 2, "concurrent callers (echo loops, or reliable sessions)")
	dur := fs.Duration("d", 10*time.Second, "measured duration per row")
	warm := fs.Duration("warmup", 10*time.Second, "unmeasured warm-up before each row (the JVMs' JIT)")
	size := fs.String("size", "2KiB", "echo text size: bytes, or with KiB (2KiB, 50KiB)")
	hsName := fs.String("handshake-scenario", interop.DefaultHandshakeScenario, "the WS-SC case of the handshake rows (- for none)")
	hsDur := fs.Duration("handshake-d", 0, "measured duration of the handshake rows (0: -d)")
	ssName := fs.String("session-scenario", interop.DefaultSessionScenario, "the WS-SC case of the idle-session rows (- for none)")
	sessions := fs.Int("sessions", 500, "idle sessions opened for the memory rows")
	jvmOpts := fs.String("jvm-opts", "", "the peers' JVM options (empty: the JVM's defaults; Metro's JDK HTTP server with TCP_NODELAY)")
	pin := fs.Bool("pin", true, "pin each service to one CPU and this client to another (taskset)")
	quick := fs.Bool("quick", false, "a smoke run: 200ms warm-up, 1s rows, 1s handshakes, 20 sessions (flags given explicitly win)")
	asJSON := fs.Bool("json", false, "print JSON")
	verbose := fs.Bool("v", false, "print progress and the services' output on stderr")
	if pos, err := parseFlags(fs, args); err != nil || len(pos) != 0 {
		return 2
	}
	if *quick {
		set := map[string]bool{}
		fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
		for name, v := range map[string]string{"warmup": "200ms", "d": "1s", "handshake-d": "1s", "sessions": "20"} {
			if !set[name] {
				_ = fs.Set(name, v)
			}
		}
	}
	bodySize, err := parseSize(*size)
	if err != nil {
		fmt.Fprintf(stderr, "soapstack bench: %v\n", err)
		return 2
	}
	exe, err := os.Executable()
	if err != nil {
		fmt.Fprintf(stderr, "soapstack bench: %v\n", err)
		return 1
	}
	opts := interop.BenchOptions{Targets: splitList(*targets), Scenarios: splitList(*scenarios), Concurrency: *conc,
		Warmup: *warm, Duration: *dur, BodySize: bodySize, HandshakeScenario: *hsName, HandshakeDuration: *hsDur,
		SessionScenario: *ssName, Sessions: *sessions, JVMOptions: *jvmOpts,
		GoServer: []string{exe, "serve", "--addr", "127.0.0.1:0", "--rm-endpoints", "--interop-endpoints", "--debug-metrics"}}
	if *verbose {
		opts.Log = stderr
	}
	out := benchJSON{Command: "soapstack bench " + strings.Join(args, " "), Started: time.Now().UTC(),
		Environment: benchEnv{GoVersion: runtime.Version(), CPUs: runtime.NumCPU(), LoadAvgFrom: loadAvg()}}
	out.Pinning = "not pinned: --pin=false"
	if *pin {
		wrap, note := pinCPUs()
		opts.ServerWrap, out.Pinning, out.Pinned = wrap, note, wrap != nil
	}
	for _, t := range opts.Targets {
		if t != interop.TargetGo {
			out.Environment.Java = javaVersion()
			break
		}
	}
	report, err := interop.Bench(ctx, opts)
	if err != nil {
		fmt.Fprintf(stderr, "soapstack bench: %v\n", err)
		if errors.Is(err, interop.ErrBenchOptions) {
			return 2
		}
		return 1
	}
	out.BenchReport, out.Finished, out.Environment.LoadAvgTo = report, time.Now().UTC(), loadAvg()
	out.Options = benchOptions{Targets: opts.Targets, Scenarios: opts.Scenarios, Concurrency: opts.Concurrency, Warmup: opts.Warmup,
		Duration: opts.Duration, BodySize: bodySize, HandshakeScenario: opts.HandshakeScenario, HandshakeDuration: opts.HandshakeDuration,
		SessionScenario: opts.SessionScenario, Sessions: opts.Sessions, JVMOptions: opts.JVMOptions}
	if out.Options.HandshakeDuration == 0 {
		out.Options.HandshakeDuration = opts.Duration
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		_ = enc.Encode(out)
	} else {
		printBench(stdout, &out)
	}
	if report.Failed() {
		return 1
	}
	return 0
}

// parseSize reads "2048", "2KiB" or "50KiB".
func parseSize(s string) (int, error) {
	n, unit := s, 1
	if v, ok := strings.CutSuffix(s, "KiB"); ok {
		n, unit = v, 1<<10
	}
	v, err := strconv.Atoi(n)
	if err != nil || v <= 0 || v*unit > 1<<20 {
		return 0, fmt.Errorf("bad --size %q (want bytes, or KiB: 2KiB, 50KiB; at most 1024KiB)", s)
	}
	return v * unit, nil
}

func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return ""
	}
	return strings.Join(f[:3], " ")
}

func javaVersion() string {
	out, err := exec.Command("java", "-version").CombinedOutput()
	if err != nil {
		return ""
	}
	for _, line := range strings.Split(string(out), "\n") {
		if strings.Contains(line, "Runtime Environment") {
			return strings.TrimSpace(line)
		}
	}
	line, _, _ := strings.Cut(string(out), "\n")
	return strings.TrimSpace(line)
}

func us(d time.Duration) string {
	if d == 0 {
		return "–"
	}
	return strconv.FormatFloat(float64(d)/float64(time.Microsecond), 'f', 0, 64) + " µs"
}

func ms(d time.Duration) string {
	return strconv.FormatFloat(float64(d)/float64(time.Millisecond), 'f', 2, 64) + " ms"
}

func optFloat(v float64, prec int) string {
	if v == 0 {
		return "–"
	}
	return strconv.FormatFloat(v, 'f', prec, 64)
}

func printBench(w io.Writer, out *benchJSON) {
	r := out.BenchReport
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "TARGET\tSCENARIO\tREQ/S\tP50\tP99\tSERVER CPU/REQ\tOF IT KERNEL\tALLOCS/REQ\tBYTES/REQ\tERRORS\t")
	var problems []string
	for _, x := range r.Rows {
		fmt.Fprintf(tw, "%s\t%s\t%.1f\t%s\t%s\t%s\t%s\t%s\t%s\t%d\t\n", x.Target, x.Scenario, x.PerSecond, ms(x.P50), ms(x.P99),
			us(x.ServerCPUPerRequest), us(x.ServerSysCPUPerRequest), optFloat(x.AllocsPerRequest, 0), optFloat(x.AllocBytesPerRequest, 0), x.Errors)
		if x.FirstError != "" {
			problems = append(problems, fmt.Sprintf("%s %s: %s", x.Target, x.Scenario, x.FirstError))
		}
	}
	_ = tw.Flush()
	if len(r.Handshakes) > 0 {
		fmt.Fprintln(w)
		tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, "TARGET\tHANDSHAKE\tPER S\tSERVER CPU EACH\tPER S PER CORE\tP50\tALLOCS EACH\tERRORS\t")
		for _, x := range r.Handshakes {
			fmt.Fprintf(tw, "%s\t%s\t%.1f\t%s\t%s\t%s\t%s\t%d\t\n", x.Target, x.Scenario, x.PerSecond, us(x.ServerCPUPerHandshake),
				optFloat(x.PerSecondPerCore, 0), ms(x.P50), optFloat(x.AllocsPerHandshake, 0), x.Errors)
			if x.FirstError != "" {
				problems = append(problems, fmt.Sprintf("%s handshake %s: %s", x.Target, x.Scenario, x.FirstError))
			}
		}
		_ = tw.Flush()
	}
	if len(r.Sessions) > 0 {
		fmt.Fprintln(w)
		tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, "TARGET\tIDLE SESSIONS\tN\tHEAP/SESSION\tRSS/SESSION\tHEAP BEFORE → AFTER\t")
		for _, x := range r.Sessions {
			fmt.Fprintf(tw, "%s\t%s\t%d\t%.0f B\t%.0f B\t%d → %d KiB\t\n", x.Target, x.Scenario, x.Sessions, x.HeapPerSession,
				x.RSSPerSession, x.HeapBefore>>10, x.HeapAfter>>10)
			if x.Error != "" {
				problems = append(problems, fmt.Sprintf("%s sessions %s: %s", x.Target, x.Scenario, x.Error))
			}
		}
		_ = tw.Flush()
	}
	if len(r.Ratios) > 0 {
		fmt.Fprintln(w)
		tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, "GO VS PEER\tSCENARIO\tKIND\tREQ/S GO÷PEER\tCPU PEER÷GO\tP50 PEER÷GO\tHEAP PEER÷GO\t")
		for _, q := range r.Ratios {
			fmt.Fprintf(tw, "go vs %s\t%s\t%s\t%s\t%s\t%s\t%s\t\n", q.Peer, q.Scenario, q.Kind, optFloat(q.PerSecond, 2),
				optFloat(q.CPU, 2), optFloat(q.P50, 2), optFloat(q.Heap, 1))
		}
		_ = tw.Flush()
	}
	for _, p := range problems {
		fmt.Fprintln(w, p)
	}
	for _, n := range r.Notes {
		fmt.Fprintln(w, n)
	}
	fmt.Fprintf(w, "%s; load average %s at the start, %s at the end; %s\n", out.Pinning, out.Environment.LoadAvgFrom,
		out.Environment.LoadAvgTo, out.Environment.GoVersion)
}
