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
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/soapstack/soapstack/interop"
)

// reliableLoadFlags are the flags of `load --reliable` beyond load's own.
type reliableLoadFlags struct {
	targets, scenarios, losses, jvmOpts *string
	seed                                *uint64
	retry                               *time.Duration
	pin, verbose                        *bool
}

func addReliableLoadFlags(fs *flag.FlagSet) reliableLoadFlags {
	return reliableLoadFlags{
		targets:   fs.String("targets", "go,metro,cxf", "--reliable: the services measured"),
		scenarios: fs.String("scenarios", "RM10,RM11,RM10-SC200502,RM11-SC13", "--reliable: the RM scenarios (CXF runs the plain ones)"),
		losses:    fs.String("loss", "0,0.05", "--reliable: loss probabilities of the lossy link, each direction"),
		jvmOpts:   fs.String("jvm-opts", "", "--reliable: the peers' JVM options (empty: the JVM's defaults; Metro's JDK HTTP server with TCP_NODELAY)"),
		seed:      fs.Uint64("seed", 1, "--reliable: the lossy link's seed"),
		retry:     fs.Duration("retry-interval", 200*time.Millisecond, "--reliable: the client's first retransmission delay"),
		pin:       fs.Bool("pin", true, "--reliable: pin each service to one CPU and the client to another (taskset)"),
		verbose:   fs.Bool("v", false, "--reliable: print progress and the peers' output on stderr"),
	}
}

// runReliableLoad is `load --reliable`: ReliableBench with the Go service
// served by this executable (`serve --rm-endpoints`) in a process of its own.
func runReliableLoad(ctx context.Context, f reliableLoadFlags, load interop.ReliableLoadOptions, asJSON bool, stdout, stderr io.Writer) int {
	fail := func(err error) int {
		fmt.Fprintf(stderr, "soapstack load: %v\n", err)
		return 1
	}
	losses, err := parseLosses(*f.losses)
	if err != nil {
		fmt.Fprintf(stderr, "soapstack load: %v\n", err)
		return 2
	}
	exe, err := os.Executable()
	if err != nil {
		return fail(err)
	}
	load.Seed, load.RetryInterval = *f.seed, *f.retry
	opts := interop.ReliableBenchOptions{Targets: splitList(*f.targets), Scenarios: splitList(*f.scenarios), Losses: losses,
		Load: load, GoServer: append([]string{exe}, "serve", "--rm-endpoints", "--addr", "127.0.0.1:0"), JVMOptions: *f.jvmOpts}
	if *f.verbose {
		opts.Log = stderr
	}
	note := ""
	if *f.pin {
		wrap, why := pinCPUs()
		opts.ServerWrap = wrap
		note = why
	}
	report, err := interop.ReliableBench(ctx, opts)
	if err != nil {
		return fail(err)
	}
	if asJSON {
		out := struct {
			*interop.ReliableBenchReport
			Pinning string `json:"pinning"`
		}{report, note}
		_ = json.NewEncoder(stdout).Encode(out)
	} else {
		printReliableReport(stdout, report, note)
	}
	for _, r := range report.Results {
		if r.Errors > 0 || r.Requests == 0 {
			return 1
		}
	}
	return 0
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func parseLosses(s string) ([]float64, error) {
	var out []float64
	for _, p := range splitList(s) {
		v, err := strconv.ParseFloat(strings.TrimSuffix(p, "%"), 64)
		if err == nil && strings.HasSuffix(p, "%") {
			v /= 100
		}
		if err != nil || v < 0 || v >= 1 {
			return nil, fmt.Errorf("bad --loss %q (want probabilities in [0, 1), e.g. 0,0.05 or 0%%,5%%)", p)
		}
		out = append(out, v)
	}
	if len(out) == 0 {
		return nil, errors.New("--loss names no loss")
	}
	return out, nil
}

// pinCPUs pins this process (the client and the lossy link) to the
// second CPU it may run on and returns the command that runs a service
// on the first one, with a note on what was done.
func pinCPUs() ([]string, string) {
	tset, err := exec.LookPath("taskset")
	if err != nil {
		return nil, "not pinned: no taskset"
	}
	cpus, err := allowedCPUs()
	if err != nil || len(cpus) < 2 {
		return nil, fmt.Sprintf("not pinned: fewer than 2 CPUs allowed (%v)", cpus)
	}
	server, client := strconv.Itoa(cpus[0]), strconv.Itoa(cpus[1])
	if out, err := exec.Command(tset, "-a", "-c", "-p", client, strconv.Itoa(os.Getpid())).CombinedOutput(); err != nil {
		return nil, fmt.Sprintf("not pinned: taskset: %v: %s", err, strings.TrimSpace(string(out)))
	}
	return []string{tset, "-c", server}, fmt.Sprintf("services on CPU %s, client and link on CPU %s", server, client)
}

// allowedCPUs returns the CPUs this process may run on
// (Cpus_allowed_list of /proc/self/status, "0-1,4").
func allowedCPUs() ([]int, error) {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return nil, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		list, ok := strings.CutPrefix(line, "Cpus_allowed_list:")
		if !ok {
			continue
		}
		var cpus []int
		for _, r := range splitList(list) {
			lo, hi, isRange := strings.Cut(r, "-")
			a, err := strconv.Atoi(lo)
			if err != nil {
				return nil, err
			}
			b := a
			if isRange {
				if b, err = strconv.Atoi(hi); err != nil {
					return nil, err
				}
			}
			for c := a; c <= b && len(cpus) < 1024; c++ {
				cpus = append(cpus, c)
			}
		}
		return cpus, nil
	}
	return nil, errors.New("no Cpus_allowed_list in /proc/self/status")
}

func printReliableReport(w io.Writer, report *interop.ReliableBenchReport, note string) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "TARGET\tSCENARIO\tLOSS\tREQ/S\tP50\tP99\tSERVER CPU/REQ\tRETRANSMITTED\tRETRANSMIT P50\tERRORS\tCLOSE ERRORS\t")
	var problems []string
	for _, r := range report.Results {
		fmt.Fprintf(tw, "%s\t%s\t%g%%\t%.1f\t%v\t%v\t%v\t%d\t%v\t%d\t%d\t\n", r.Target, r.Scenario, r.Loss*100, r.PerSecond,
			r.P50.Round(time.Microsecond), r.P99.Round(time.Microsecond), r.ServerCPUPerRequest.Round(time.Microsecond),
			r.Retransmitted, r.RetransmitP50.Round(time.Millisecond), r.Errors, r.CloseErrors)
		row := fmt.Sprintf("%s %s %g%%: ", r.Target, r.Scenario, r.Loss*100)
		if r.FirstError != "" {
			problems = append(problems, row+r.FirstError)
		}
		if r.CloseError != "" {
			problems = append(problems, row+"close: "+r.CloseError)
		}
	}
	_ = tw.Flush()
	for _, p := range problems {
		fmt.Fprintln(w, p)
	}
	if len(report.Ratios) > 0 {
		fmt.Fprintln(w)
		tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, "GO ÷ PEER\tSCENARIO\tLOSS\tREQ/S\tSERVER CPU/REQ\tP50\t")
		for _, q := range report.Ratios {
			fmt.Fprintf(tw, "go÷%s\t%s\t%g%%\t%.2f\t%.2f\t%.2f\t\n", q.Peer, q.Scenario, q.Loss*100, q.PerSecond, q.CPUPerRequest, q.P50)
		}
		_ = tw.Flush()
	}
	if note != "" {
		fmt.Fprintln(w, note)
	}
}
