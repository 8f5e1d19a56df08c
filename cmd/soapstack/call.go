package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/beevik/etree"

	"github.com/soapstack/soapstack/binding"
	"github.com/soapstack/soapstack/soap"
	"github.com/soapstack/soapstack/wssecurity"
)

func runCall(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("call", stderr)
	action := fs.String("action", "", "action URI (wsa:Action and SOAPAction)")
	bodyFile := fs.String("body", "", "file holding the Body's content (one XML element); - for stdin")
	version := fs.String("soap", "1.2", "SOAP version: 1.1 or 1.2")
	wsa := fs.String("wsa", "1.0", "WS-Addressing version: 1.0, 2004/08 or none")
	timeout := fs.Duration("timeout", 30*time.Second, "call timeout")
	serviceCert := fs.String("service-cert", "", "service certificate (PEM): call a secured endpoint (serve's /secure: wsHttpBinding, user name, secure session)")
	user := fs.String("user", "", "NAME:PASSWORD for --service-cert")
	reliable := fs.Bool("reliable", false, "with --service-cert: over a reliable session")
	count := fs.Int("n", 1, "with --service-cert: calls on the one session (the last reply is printed)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: soapstack call URL --action A --body FILE [--soap 1.1|1.2] [--wsa 1.0|2004/08|none]")
		fmt.Fprintln(stderr, "       soapstack call URL --action A --body FILE --service-cert PEM --user NAME:PASSWORD [--reliable] [--n N]")
		fs.PrintDefaults()
	}
	pos, err := parseFlags(fs, args)
	if err != nil {
		return 2
	}
	if len(pos) != 1 || *action == "" || *bodyFile == "" {
		fs.Usage()
		return 2
	}
	url := pos[0]
	v, ok := map[string]soap.Version{"1.1": soap.V11, "1.2": soap.V12}[*version]
	if !ok {
		fmt.Fprintf(stderr, "soapstack call: --soap must be 1.1 or 1.2\n")
		return 2
	}
	wv, ok := map[string]soap.AddressingVersion{"1.0": soap.WSA10, "2004/08": soap.WSA200408, "none": 0}[*wsa]
	if !ok {
		fmt.Fprintf(stderr, "soapstack call: --wsa must be 1.0, 2004/08 or none\n")
		return 2
	}
	payload, err := readPayload(*bodyFile)
	if err != nil {
		fmt.Fprintf(stderr, "soapstack call: %v\n", err)
		return 2
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	if *serviceCert != "" {
		return callSecure(ctx, url, *action, payload, *serviceCert, *user, *reliable, *count, stdout, stderr)
	}
	req := soap.NewMessageWithBody(v, payload)
	req.SOAPAction = *action
	if wv != 0 {
		a, err := soap.RequestAddressing(wv, *action, url, nil)
		if err != nil {
			fmt.Fprintf(stderr, "soapstack call: %v\n", err)
			return 1
		}
		req.SetAddressing(a)
	}
	cli := soap.NewHTTPClient(url, soap.WithHTTPClient(&http.Client{}))
	resp, err := cli.Call(ctx, req)
	return report(resp, err, stdout, stderr)
}

// report prints the reply (or the fault, or the error) of a call and
// returns the exit status.
func report(resp *soap.Message, err error, stdout, stderr io.Writer) int {
	if resp != nil {
		resp.Doc.Indent(2)
		_, _ = resp.WriteTo(stdout)
	}
	var f *soap.Fault
	switch {
	case errors.As(err, &f):
		fmt.Fprintf(stderr, "soapstack call: %v\n", f)
		return 1
	case err != nil:
		fmt.Fprintf(stderr, "soapstack call: %v\n", err)
		return 1
	case resp == nil:
		fmt.Fprintln(stdout, "(one-way: accepted, no reply)")
	}
	return 0
}

func readPayload(name string) (*etree.Element, error) {
	var r io.Reader
	if name == "-" {
		r = os.Stdin
	} else {
		f, err := os.Open(name)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		r = f
	}
	doc := etree.NewDocument()
	if _, err := doc.ReadFrom(io.LimitReader(r, soap.DefaultMaxBytes)); err != nil {
		return nil, fmt.Errorf("reading the body: %w", err)
	}
	if doc.Root() == nil {
		return nil, errors.New("the body file holds no element")
	}
	return doc.Root(), nil
}

// callSecure calls a secured endpoint (serve's /secure) n times on one
// session, prints the last reply and closes the session.
func callSecure(ctx context.Context, url, action string, payload *etree.Element, certFile, user string, reliable bool, n int, stdout, stderr io.Writer) int {
	name, password, ok := strings.Cut(user, ":")
	if !ok || n < 1 {
		fmt.Fprintln(stderr, "soapstack call: --service-cert needs --user NAME:PASSWORD, and --n at least 1")
		return 2
	}
	cert, err := binding.LoadPEM(certFile, "")
	if err != nil {
		fmt.Fprintf(stderr, "soapstack call: %v\n", err)
		return 2
	}
	c, err := binding.NewClient(url, secureBinding(reliable), binding.Credentials{ServiceCertificate: cert, UserName: name, Password: wssecurity.Secret(password)})
	if err != nil {
		fmt.Fprintf(stderr, "soapstack call: %v\n", err)
		return 2
	}
	var resp *soap.Message
	for range n {
		var req *soap.Message
		if req, err = c.NewRequest(action, payload.Copy()); err != nil {
			break
		}
		if resp, err = c.Call(ctx, req); err != nil {
			break
		}
	}
	if cerr := c.Close(ctx); err == nil && cerr != nil {
		err = fmt.Errorf("closing the session: %w", cerr)
	}
	return report(resp, err, stdout, stderr)
}
