package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/soapstack/soapstack/interop"
)

// runLoad runs the same Go client against the Go service and the CXF
// service, one after the other, and prints both results and their ratio;
// with --reliable, reliable sessions against the Go, Metro and CXF
// services (runReliableLoad).
func runLoad(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("load", stderr)
	scenario := fs.String("scenario", "", "WS-Security scenario Name@wssec11 (empty: plain SOAP 1.2 echo)")
	conc := fs.Int("c", 4, "concurrent clients")
	dur := fs.Duration("d", 10*time.Second, "measured duration per peer")
	warm := fs.Duration("warmup", 5*time.Second, "unmeasured warm-up per peer (JIT)")
	size := fs.Int("size", 2<<10, "echo text size in bytes")
	asJSON := fs.Bool("json", false, "print JSON")
	rel := fs.Bool("reliable", false, "reliable request-reply sessions against the Go, Metro and CXF services (-c sessions)")
	rf := addReliableLoadFlags(fs)
	if pos, err := parseFlags(fs, args); err != nil || len(pos) != 0 {
		return 2
	}
	if *rel {
		if *scenario != "" {
			fmt.Fprintln(stderr, "soapstack load: --reliable takes --scenarios, not --scenario")
			return 2
		}
		return runReliableLoad(ctx, rf, interop.ReliableLoadOptions{Sessions: *conc, Duration: *dur, Warmup: *warm, BodySize: *size},
			*asJSON, stdout, stderr)
	}
	peer, err := interop.FindCXF()
	if err != nil {
		fmt.Fprintf(stderr, "soapstack load: %v\n", err)
		return 1
	}
	pki, err := interop.FindPKI(peer)
	if err != nil {
		fmt.Fprintf(stderr, "soapstack load: %v\n", err)
		return 1
	}
	if err := peer.Build(ctx); err != nil {
		fmt.Fprintf(stderr, "soapstack load: %v\n", err)
		return 1
	}
	opts := interop.LoadOptions{Scenario: *scenario, Concurrency: *conc, Duration: *dur, Warmup: *warm, BodySize: *size}
	var results []*interop.LoadResult

	gs, err := interop.StartInteropServer(pki)
	if err != nil {
		fmt.Fprintf(stderr, "soapstack load: %v\n", err)
		return 1
	}
	r, err := interop.Load(ctx, gs.URL, gs.TLSURL, pki, opts)
	_ = gs.Close()
	if err != nil {
		fmt.Fprintf(stderr, "soapstack load: %v\n", err)
		return 1
	}
	r.Target = "go"
	results = append(results, r)

	cs, err := peer.StartServer(ctx)
	if err != nil {
		fmt.Fprintf(stderr, "soapstack load: %v\n", err)
		return 1
	}
	r, err = interop.Load(ctx, cs.URL, cs.TLSURL, pki, opts)
	cs.Close()
	if err != nil {
		fmt.Fprintf(stderr, "soapstack load: %v\n", err)
		return 1
	}
	r.Target = "cxf"
	results = append(results, r)

	if *asJSON {
		_ = json.NewEncoder(stdout).Encode(results)
	} else {
		for _, r := range results {
			fmt.Fprintf(stdout, "%-4s %-22s c=%d  %8.1f req/s  p50 %-10v p99 %-10v errors %d %s\n",
				r.Target, r.Scenario, r.Concurrency, r.PerSecond, r.P50.Round(time.Microsecond), r.P99.Round(time.Microsecond), r.Errors, r.FirstError)
		}
		if results[1].PerSecond > 0 {
			fmt.Fprintf(stdout, "go/cxf throughput ratio: %.2f\n", results[0].PerSecond/results[1].PerSecond)
		}
	}
	for _, r := range results {
		if r.Errors > 0 || r.Requests == 0 {
			return 1
		}
	}
	return 0
}
