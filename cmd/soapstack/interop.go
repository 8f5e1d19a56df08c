package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/soapstack/soapstack/interop"
)

func runInterop(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("interop", stderr)
	peer := fs.String("peer", "cxf", "peer stack: cxf")
	asJSON := fs.Bool("json", false, "print the report as a JSON list")
	only := fs.String("only", "", "run only cases matching PATTERN (substring, or glob on Scenario@version)")
	verbose := fs.Bool("v", false, "show the peer's output")
	if pos, err := parseFlags(fs, args); err != nil || len(pos) != 0 {
		return 2
	}
	if *peer != "cxf" {
		fmt.Fprintf(stderr, "soapstack interop: unknown peer %q (supported: cxf)\n", *peer)
		return 2
	}
	opts := interop.Options{Only: *only}
	if *verbose {
		opts.Log = stderr
	}
	results, err := interop.RunCXF(ctx, opts)
	if err != nil {
		fmt.Fprintf(stderr, "soapstack interop: %v\n", err)
		return 1
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		_ = enc.Encode(results)
	} else {
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "SCENARIO\tDIRECTION\tVERSION\tRESULT\tREASON")
		for _, r := range results {
			res := "pass"
			if !r.Pass {
				res = "FAIL"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", r.Scenario, r.Direction, r.Version, res, r.Reason)
		}
		_ = tw.Flush()
	}
	if !interop.AllPassed(results) {
		return 1
	}
	return 0
}
