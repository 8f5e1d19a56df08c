package main

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"io"
	"math/big"
	"strings"
	"sync"
	"time"

	"github.com/soapstack/soapstack/interop"
	"github.com/soapstack/soapstack/secureconv"
	"github.com/soapstack/soapstack/soap"
	"github.com/soapstack/soapstack/wssecurity"
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
	messages := fs.Int("messages", 40, "messages sent over the reliable session")
	seed := fs.Uint64("seed", 3, "seed of the lossy link's decisions")
	if pos, err := parseFlags(fs, args); err != nil || len(pos) != 0 {
		return 2
	}
	if *messages < 1 {
		fmt.Fprintln(stderr, "soapstack demo: --messages must be at least 1")
		return 2
	}
	gs, err := interop.StartGoServer((&interop.PingService{}).Handler())
	if err != nil {
		fmt.Fprintf(stderr, "soapstack demo: %v\n", err)
		return 1
	}
	defer gs.Close()
	fmt.Fprintf(stdout, "soapstack demo: IPingService listening on %s\n\n", gs.URL)

	base := ctx
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
	if err := demoSecured(ctx, stdout); err != nil {
		fmt.Fprintf(stderr, "soapstack demo: secured exchange failed: %v\n", err)
		return 1
	}
	if err := demoSession(ctx, stdout); err != nil {
		fmt.Fprintf(stderr, "soapstack demo: secure session failed: %v\n", err)
		return 1
	}
	if err := demoReliable(base, stdout, *messages, *seed); err != nil {
		fmt.Fprintf(stderr, "soapstack demo: reliable session failed: %v\n", err)
		return 1
	}
	fmt.Fprintln(stdout, "demo finished: every exchange behaved as expected")
	return 0
}

// demoCertificate makes a throw-away self-signed service certificate.
func demoCertificate() (*wssecurity.Certificate, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "soapstack demo service"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	return &wssecurity.Certificate{Cert: cert, Key: key}, nil
}

// demoSecured runs one WS-Security exchange with WCF's
// UserNameForCertificate mode: the request is signed with a key encrypted
// to the service certificate, the Body and the UsernameToken encrypted.
func demoSecured(ctx context.Context, stdout io.Writer) error {
	svcCert, err := demoCertificate()
	if err != nil {
		return err
	}
	policy := wssecurity.UserNameForCertificate(wssecurity.Basic256)
	users := &wssecurity.UsernameTokenVerifier{CheckPassword: func(_ context.Context, user, password string) error {
		if user == "alice" && password == "clarinet" {
			return nil
		}
		return wssecurity.ErrFailedAuthentication
	}}
	sl, err := wssecurity.ServerLayer(policy, wssecurity.Config{Certificate: svcCert, Usernames: users})
	if err != nil {
		return err
	}
	gs, err := interop.StartGoServer(soap.ChainHandler(whoCalled(stdout, (&interop.PingService{}).Handler()), sl))
	if err != nil {
		return err
	}
	defer gs.Close()
	cl, err := wssecurity.ClientLayer(policy, wssecurity.Config{PeerCertificate: svcCert.Cert, Username: "alice", Password: "clarinet"})
	if err != nil {
		return err
	}
	url := gs.URL + "/soap12"
	fmt.Fprintf(stdout, "== 5. WS-Security: UserNameForCertificate (Basic256), signed and encrypted both ways\n")
	c := &interop.PingClient{
		// The trace sits below the security layer: it shows the wire.
		Invoker:    soap.ChainInvoker(soap.NewHTTPClient(url), cl, traceLayer(stdout)),
		Version:    soap.V12,
		Addressing: soap.WSA10,
		To:         url,
	}
	got, err := c.Echo(ctx, "a secret only the service may read")
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "decrypted and verified reply: %q\n\n", got)
	return nil
}

// whoCalled prints the principal the security layers gave the application
// (soap.PrincipalFromContext), then runs app.
func whoCalled(w io.Writer, app soap.Handler) soap.Handler {
	return soap.HandlerFunc(func(ctx context.Context, req *soap.Message) (*soap.Message, error) {
		if p, ok := soap.PrincipalFromContext(ctx); ok {
			fmt.Fprintf(w, "  the service sees the caller: %s\n", p)
		}
		return app.ServeSOAP(ctx, req)
	})
}

// briefTrace prints one line per exchange: action and size on the wire.
func briefTrace(w io.Writer) soap.ClientLayer {
	return func(next soap.Invoker) soap.Invoker {
		return soap.InvokerFunc(func(ctx context.Context, req *soap.Message) (*soap.Message, error) {
			b, _ := req.Bytes()
			fmt.Fprintf(w, "  --> %-60s %6d bytes\n", req.Addressing.Action, len(b))
			resp, err := next.Call(ctx, req)
			if resp != nil {
				rb, _ := resp.Bytes()
				fmt.Fprintf(w, "  <-- %-60s %6d bytes\n", resp.Addressing.Action, len(rb))
			}
			return resp, err
		})
	}
}

// sessionPolicies are the policies of the demo's secure sessions (the XDC
// plugfest shape): the anonymous bootstrap to the service certificate and
// the application policy under the session token, with derived keys.
func sessionPolicies() (boot, app wssecurity.Policy) {
	boot = wssecurity.AnonymousForCertificate(wssecurity.Basic128)
	app = boot
	app.ProtectionToken = &wssecurity.Token{Kind: wssecurity.SecureConversationToken, Inclusion: wssecurity.IncludeAlwaysToRecipient, DerivedKeys: true}
	app.RequireSignatureConfirmation = false
	return boot, app
}

// demoSession runs a WCF-style secure session (the XDC plugfest shape:
// anonymous bootstrap to the service certificate, derived keys, Basic128):
// handshake, calls under the session key, renewal, cancel.
func demoSession(ctx context.Context, stdout io.Writer) error {
	svcCert, err := demoCertificate()
	if err != nil {
		return err
	}
	var mu sync.Mutex
	now := time.Now()
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	boot, app := sessionPolicies()
	layer, err := secureconv.ServerLayer(secureconv.ServerConfig{Version: secureconv.V200502, Bootstrap: boot, Policy: app,
		Security: wssecurity.Config{Certificate: svcCert, Now: clock}, Lifetime: time.Hour})
	if err != nil {
		return err
	}
	gs, err := interop.StartGoServer(soap.ChainHandler(whoCalled(stdout, (&interop.PingService{}).Handler()), layer))
	if err != nil {
		return err
	}
	defer gs.Close()
	url := gs.URL + "/soap12"
	client, err := secureconv.NewClient(soap.ChainInvoker(soap.NewHTTPClient(url), briefTrace(stdout)), secureconv.ClientConfig{
		Version: secureconv.V200502, Bootstrap: boot, Policy: app, Cancel: true, To: url,
		Security: wssecurity.Config{PeerCertificate: svcCert.Cert, Now: clock}})
	if err != nil {
		return err
	}
	c := &interop.PingClient{Invoker: client, Version: soap.V12, Addressing: soap.WSA200408, To: url}
	fmt.Fprintln(stdout, "== 6. a secure session (WS-SecureConversation 2005/02, derived keys, Basic128)")
	fmt.Fprintln(stdout, "first call: the client asks for a SecurityContextToken, then sends the call under its key")
	if _, err := c.Echo(ctx, "first call in the session"); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "session %s established\n", client.Session())
	fmt.Fprintln(stdout, "second call: no handshake, keys derived from the session key")
	if _, err := c.Echo(ctx, "second call"); err != nil {
		return err
	}
	mu.Lock()
	now = now.Add(40 * time.Minute) // past 60% of the session's hour
	mu.Unlock()
	fmt.Fprintln(stdout, "40 minutes later (60% of the lifetime passed): the client renews the key first")
	if _, err := c.Echo(ctx, "after renewal"); err != nil {
		return err
	}
	fmt.Fprintln(stdout, "closing: the client cancels the session")
	if err := client.Close(ctx); err != nil {
		return err
	}
	fmt.Fprintln(stdout)
	return nil
}
