package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
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
	var cf callFlags
	cf.register(fs)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: soapstack call URL --action A --body FILE [--soap 1.1|1.2] [--wsa 1.0|2004/08|none]")
		fmt.Fprintln(stderr, "       soapstack call URL --action A --body FILE [--binding B --security S --credential C ...] [--service-cert PEM]")
		fmt.Fprintln(stderr, "                      [--username U --password P | --client-cert PEM --client-key PEM] [--trust CA.pem] [--reliable] [--n N]")
		fmt.Fprintln(stderr, "       soapstack call URL --action A --body FILE --credential windows --username user@REALM [--password P | --client-keytab KT]")
		fmt.Fprintln(stderr, "                      [--krb5-conf FILE] [--spn HTTP/host] [--no-session]")
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
	if cf.secured(fs) {
		cf.fs = fs
		if given(fs, "soap") {
			fmt.Fprintln(stderr, "soapstack call: --soap: the binding sets the SOAP version")
			return 2
		}
		if given(fs, "wsa") {
			cf.addressing = &wv
		}
		return cf.call(ctx, url, *action, payload, stdout, stderr)
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

// callFlags are call's flags of a secured endpoint: the binding
// (bindingFlags, as serve's) and the client's credentials.
type callFlags struct {
	bind               bindingFlags
	serviceCert        string
	username, password string
	user               string
	clientCert         string
	clientKey          string
	clientCertPassword string
	trust              string
	kerberos           kerberosCallFlags
	allowInsecure      bool
	count              int
	// addressing overrides the binding's WS-Addressing version (--wsa).
	addressing *soap.AddressingVersion
	// fs tells which flags were given.
	fs *flag.FlagSet
}

func (c *callFlags) register(fs *flag.FlagSet) {
	c.bind.register(fs, "over a reliable session (WS-RM)")
	fs.StringVar(&c.serviceCert, "service-cert", "", "the service certificate (PEM) that Message security encrypts to; call a secured endpoint (default binding: wsHttpBinding, user name, secure session, as serve's /secure)")
	fs.StringVar(&c.username, "username", "", "user name (--credential username), or the Kerberos client user@REALM (--credential windows)")
	fs.StringVar(&c.password, "password", "", "password of --username")
	c.kerberos.register(fs)
	fs.StringVar(&c.user, "user", "", "NAME:PASSWORD, as --username and --password")
	fs.StringVar(&c.clientCert, "client-cert", "", "client certificate (--credential certificate): PEM (with --client-key) or PKCS#12 (.pfx, .p12, with --client-cert-password)")
	fs.StringVar(&c.clientKey, "client-key", "", "private key (PEM) of --client-cert")
	fs.StringVar(&c.clientCertPassword, "client-cert-password", "", "password of a PKCS#12 --client-cert")
	fs.StringVar(&c.trust, "trust", "", "PEM file of the CA (or the certificate) that the service's HTTPS certificate is validated against (default: the system roots)")
	fs.BoolVar(&c.allowInsecure, "allow-insecure-transport", false, "the transport modes over plain HTTP (to a service behind a TLS-terminating proxy)")
	fs.IntVar(&c.count, "n", 1, "calls on the one channel (its sessions); the last reply is printed")
}

// secured reports whether the call goes through a binding.
func (c *callFlags) secured(fs *flag.FlagSet) bool {
	return given(fs, slices.Concat([]string{"service-cert", "username", "user", "client-cert", "reliable"}, kerberosCallFlagNames, bindingFlagNames)...)
}

// client builds the binding client the flags describe, and with
// --credential windows the Kerberos client it runs as.
func (c *callFlags) client(url string) (*binding.Client, *kerberosClient, error) {
	b, err := c.bind.build()
	if err != nil {
		return nil, nil, err
	}
	if err := credentialFlags(c.fs, b, credentialOf([]string{"username", "password", "user"}, binding.CredentialUserName, binding.CredentialWindows),
		credentialOf([]string{"client-cert", "client-key", "client-cert-password"}, binding.CredentialCertificate),
		credentialOf(kerberosCallFlagNames, binding.CredentialWindows)); err != nil {
		return nil, nil, err
	}
	if c.addressing != nil {
		b.Addressing = *c.addressing
	}
	var creds binding.Credentials
	if c.serviceCert != "" {
		if creds.ServiceCertificate, err = binding.LoadPEM(c.serviceCert, ""); err != nil {
			return nil, nil, fmt.Errorf("--service-cert: %w", err)
		}
	}
	creds.UserName, creds.Password = c.username, wssecurity.Secret(c.password)
	if c.user != "" {
		name, password, ok := strings.Cut(c.user, ":")
		if !ok || name == "" || c.username != "" {
			return nil, nil, errors.New("--user: want NAME:PASSWORD (and not with --username)")
		}
		creds.UserName, creds.Password = name, wssecurity.Secret(password)
	}
	var kc *kerberosClient
	if b.Security.Message.ClientCredentialType == binding.CredentialWindows {
		w, k, err := c.kerberos.credentials(url, creds.UserName, creds.Password)
		if err != nil {
			return nil, nil, err
		}
		creds.Windows, kc = w, &k
		creds.UserName, creds.Password = "", ""
	}
	if c.clientCert != "" {
		if creds.ClientCertificate, err = loadCertificate(c.clientCert, c.clientKey, c.clientCertPassword); err != nil {
			return nil, nil, fmt.Errorf("--client-cert: %w", err)
		}
	}
	tlsCfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if c.trust != "" {
		certs, err := loadCertificates(c.trust)
		if err != nil {
			return nil, nil, fmt.Errorf("--trust: %w", err)
		}
		tlsCfg.RootCAs = x509.NewCertPool()
		for _, ca := range certs {
			tlsCfg.RootCAs.AddCert(ca)
		}
	}
	opts := []binding.ClientOption{binding.WithHTTPClient(&http.Client{Transport: &http.Transport{TLSClientConfig: tlsCfg}})}
	if c.allowInsecure {
		opts = append(opts, binding.WithAllowInsecureTransport())
	}
	cl, err := binding.NewClient(url, b, creds, opts...)
	if err != nil {
		return nil, nil, withFlagHint(err)
	}
	return cl, kc, nil
}

// call calls a secured endpoint n times on one channel, says what it
// does, prints the last reply and closes the channel (its sessions).
func (c *callFlags) call(ctx context.Context, url, action string, payload *etree.Element, stdout, stderr io.Writer) int {
	if c.count < 1 {
		fmt.Fprintln(stderr, "soapstack call: --n must be at least 1")
		return 2
	}
	cl, kc, err := c.client(url)
	if err != nil {
		fmt.Fprintf(stderr, "soapstack call: %v\n", err)
		return 2
	}
	d, _ := cl.Binding().Describe() // checked by NewClient
	fmt.Fprintf(stdout, "calling %s (%s)\n", url, d)
	if kc != nil {
		fmt.Fprintf(stdout, "Kerberos client %s (%s), ticket for %s\n", kc.principal, kc.how, kc.spn)
	}
	session := hasSession(cl.Binding())
	var resp *soap.Message
	for i := range c.count {
		var req *soap.Message
		if req, err = cl.NewRequest(action, payload.Copy()); err != nil {
			break
		}
		if resp, err = cl.Call(ctx, req); err != nil {
			break
		}
		if i == 0 {
			if kc != nil {
				fmt.Fprintf(stdout, "authenticated as %s (SPNEGO/Kerberos)\n", kc.principal)
			}
			switch id := cl.Session(); {
			case id != "" && session:
				fmt.Fprintf(stdout, "secure session %s established\n", id)
			case id != "":
				// NegotiateServiceCredential without a secure session:
				// the negotiated token protects every message and is
				// not cancelled.
				fmt.Fprintf(stdout, "negotiated security context %s (no secure session)\n", id)
			}
			if id := cl.Sequence(); id != "" {
				fmt.Fprintf(stdout, "reliable session: request sequence %s\n", id)
			}
		}
	}
	if err == nil {
		fmt.Fprintf(stdout, "calls answered: %d\n", c.count)
	}
	sessionID, sequence := cl.Session(), cl.Sequence()
	if cerr := cl.Close(ctx); cerr != nil {
		if err == nil {
			err = fmt.Errorf("closing the channel: %w", cerr)
		}
	} else {
		if sequence != "" {
			fmt.Fprintf(stdout, "sequence %s closed and terminated\n", sequence)
		}
		if sessionID != "" && session {
			fmt.Fprintf(stdout, "secure session %s cancelled\n", sessionID)
		}
	}
	return report(resp, err, stdout, stderr)
}
