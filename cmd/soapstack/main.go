// Command soapstack runs the soapstack demo, an IPingService endpoint, a
// one-shot SOAP client, the interop matrix against real peers and a lossy
// proxy.
//
//	soapstack demo [--messages N] [--seed N]  Go server and client on loopback: security, secure and reliable sessions
//	soapstack serve [--addr A] [--rm-endpoints [--pki DIR]]  host the IPingService (echo/fail/notify), the RM endpoints
//	                [--cert PEM --key PEM --user U:P [--reliable] [--redis URL [--record-deliveries]] [--cookie-keys FILE | --cookie-keys-env VAR]]
//	                                    and at /secure with a secure session, state in Redis for a farm
//	                [--binding basichttp|wshttp|ws2007http] [--security MODE] [--credential none|username|certificate]
//	                [--session | --no-session] [--negotiate] [--suite NAME] [--cert FILE [--key PEM | --cert-password P]]
//	                [--users FILE] [--trust PEM [--validation chain|peer|peerorchain]]  /secure on that binding
//	soapstack load [--scenario S] [-c N] [-d D] [--warmup D] [--json]
//	soapstack load --reliable [--targets go,metro,cxf] [--scenarios L] [--loss 0,0.05] [--seed N]
//	soapstack bench [--targets go,cxf,metro] [--scenarios L] [-c N] [-d D] [--warmup D] [--size 2KiB] [--quick] [--json]
//	soapstack call URL --action A --body FILE [--soap 1.1|1.2] [--wsa 1.0|2004/08|none]
//	                [binding flags as serve's] [--service-cert PEM] [--username U --password P | --client-cert FILE]
//	                [--trust PEM] [--n N]     through a binding client
//	soapstack interop [--peer cxf|metro|all] [--json] [--only PATTERN]
//	soapstack inspect [--json] [--at T] [--cert PEM] [--key PEM] [--password U=P] [--sct-key ID=B64]
//	                  [--keylog FILE] [--suite NAME] [--allow-unsigned PARTS] FILE
//	soapstack proxy --target URL [--listen A] [--drop P] [--dup P] [--reorder P] [--delay D] [--seed N]
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

const usage = `usage: soapstack <command> [flags]

commands:
  demo      run a Go server and client on loopback and print each exchange, up to a
            reliable session over a secure session through a lossy link
  serve     host the IPingService (echo, fail, notify) at /soap11 and /soap12
            (--rm-endpoints: and the reliable sessions at /rm/RM10, /rm/RM11, ...;
            --cert or --binding/--security/--credential: and at /secure on that WCF binding)
  call      send one SOAP request and print the reply (the binding flags: through a binding client)
  interop   run the interop matrix against a peer (--peer cxf, metro or all)
  inspect   show and verify the security of a captured SOAP message
  load      the same Go client against the Go and the CXF service, side by side
            (--reliable: reliable sessions against the Go, Metro and CXF services)
  bench     the benchmark: the Go, CXF and Metro services under the same Go client, pinned,
            per scenario (req/s, latency, server CPU and allocations per request,
            handshakes per core, memory per idle session) with the Go÷peer ratios
  proxy     forward to a service over a lossy link (drops, duplicates, reorders, delays)

Run "soapstack <command> -h" for the flags of a command.
`

// run executes one command and returns the exit status: 0 success, 1 a
// failed check or call, 2 a usage error.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	cmds := map[string]func(context.Context, []string, io.Writer, io.Writer) int{
		"demo":    runDemo,
		"serve":   runServe,
		"call":    runCall,
		"interop": runInterop,
		"inspect": runInspect,
		"load":    runLoad,
		"bench":   runBench,
		"proxy":   runProxy,
	}
	cmd, ok := cmds[args[0]]
	if !ok {
		if args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
			fmt.Fprint(stdout, usage)
			return 0
		}
		fmt.Fprintf(stderr, "soapstack: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
	return cmd(ctx, args[1:], stdout, stderr)
}

// parseFlags parses flags that may come before or after positional
// arguments and returns the positional ones. It returns a non-nil error for
// usage errors (already reported on the flag set's output).
func parseFlags(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

func newFlagSet(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("soapstack "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}
