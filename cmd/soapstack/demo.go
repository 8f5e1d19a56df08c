package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/soapstack/soapstack/interop"
	"github.com/soapstack/soapstack/soap"
)

// traceLayer prints every exchange that passes through it. It serializes
// the messages a second time, which only a debugging aid may afford.
func traceLayer(w io.Writer) soap.ClientLayer {
	return func(next soap.Invoker) soap.Invoker {
		return soap.InvokerFunc(func(ctx context.Context, req *soap.Message) (*soap.Message, error) {
			fmt.Fprintf(w, "--> %s request, action %s\n%s\n", soapName(req), req.Addressing.Action, indented(req))
			start := time.Now()
			resp, err := next.Call(ctx, req)
			elapsed := time.Since(start).Round(10 * time.Microsecond)
			switch {
			case resp != nil:
				fmt.Fprintf(w, "<-- reply in %v, action %s\n%s\n", elapsed, resp.Addressing.Action, indented(resp))
			case err == nil:
				fmt.Fprintf(w, "<-- accepted (HTTP 202, one-way) in %v\n\n", elapsed)
			}
			if err != nil {
				fmt.Fprintf(w, "<-- error: %v\n\n", err)
			}
			return resp, err
		})
	}
}

func soapName(m *soap.Message) string {
	return "SOAP " + m.Version.String() + " / " + m.Addressing.Version.String()
}

func indented(m *soap.Message) string {
	doc := m.Doc.Copy()
	doc.Indent(2)
	s, err := doc.WriteToString()
	if err != nil {
		return "(unprintable: " + err.Error() + ")"
	}
	return strings.TrimRight(s, "\n") + "\n"
}

func runDemo(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("demo", stderr)
	if pos, err := parseFlags(fs, args); err != nil || len(pos) != 0 {
		return 2
	}
	gs, err := interop.StartGoServer((&interop.PingService{}).Handler())
	if err != nil {
		fmt.Fprintf(stderr, "soapstack demo: %v\n", err)
		return 1
	}
	defer gs.Close()
	fmt.Fprintf(stdout, "soapstack demo: IPingService listening on %s\n\n", gs.URL)

	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	steps := []struct {
		title string
		tv    interop.TransportVersion
		run   func(*interop.PingClient) error
	}{
		{"echo over SOAP 1.2 with WS-Addressing 1.0", interop.TransportVersions()[3], func(c *interop.PingClient) error {
			got, err := c.Echo(ctx, "hello, soapstack")
			if err == nil && got != "hello, soapstack" {
				err = fmt.Errorf("echo returned %q", got)
			}
			return err
		}},
		{"echo over SOAP 1.1 with WS-Addressing 2004/08", interop.TransportVersions()[0], func(c *interop.PingClient) error {
			_, err := c.Echo(ctx, "hello again")
			return err
		}},
		{"a declared fault", interop.TransportVersions()[3], func(c *interop.PingClient) error {
			return c.Fail(ctx, "this call always fails")
		}},
		{"a one-way notification, then reading it back", interop.TransportVersions()[3], func(c *interop.PingClient) error {
			if err := c.Notify(ctx, "fire and forget"); err != nil {
				return err
			}
			got, err := c.Echo(ctx, interop.LastNotify)
			if err == nil && got != "fire and forget" {
				err = fmt.Errorf("last notification %q", got)
			}
			return err
		}},
	}
	for i, s := range steps {
		fmt.Fprintf(stdout, "== %d. %s\n", i+1, s.title)
		url := gs.URL + s.tv.Path()
		c := &interop.PingClient{
			Invoker:    soap.ChainInvoker(soap.NewHTTPClient(url), traceLayer(stdout)),
			Version:    s.tv.SOAP,
			Addressing: s.tv.Addressing,
			To:         url,
		}
		if err := s.run(c); err != nil {
			fmt.Fprintf(stderr, "soapstack demo: step %d failed: %v\n", i+1, err)
			return 1
		}
	}
	fmt.Fprintln(stdout, "demo finished: every exchange behaved as expected")
	return 0
}
