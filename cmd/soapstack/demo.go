package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"io"
	"math/big"
	"mime"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/soapstack/soapstack/binding"
	"github.com/soapstack/soapstack/interop"
	"github.com/soapstack/soapstack/soap"
	"github.com/soapstack/soapstack/wssecurity"
)

// wireTrace is an http.RoundTripper that prints every exchange as it
// goes on the wire, below every layer a binding client builds (given to it
// with binding.WithHTTPClient): the request and the reply in full, or one
// line each (brief) with the action and the size.
type wireTrace struct {
	w     io.Writer
	brief bool
	next  http.RoundTripper
}

// traceClient returns an HTTP client that traces to w.
func traceClient(w io.Writer, brief bool) *http.Client {
	return &http.Client{Transport: &wireTrace{w: w, brief: brief, next: http.DefaultTransport}}
}

func (t *wireTrace) RoundTrip(r *http.Request) (*http.Response, error) {
	var body []byte
	if r.Body != nil {
		b, err := io.ReadAll(r.Body)
		r.Body.Close()
		if err != nil {
			return nil, err
		}
		body = b
		r = r.Clone(r.Context())
		r.Body = io.NopCloser(bytes.NewReader(body))
	}
	req, perr := soap.ParseMessage(body, soap.DefaultLimits())
	switch {
	case perr != nil:
		fmt.Fprintf(t.w, "--> (not SOAP: %v)\n", perr)
	case t.brief:
		fmt.Fprintf(t.w, "  --> %-60s %6d bytes\n", requestAction(req, r.Header), len(body))
	default:
		fmt.Fprintf(t.w, "--> %s request, action %s\n%s\n", soapName(req), requestAction(req, r.Header), indented(req))
	}
	start := time.Now()
	resp, err := t.next.RoundTrip(r)
	elapsed := time.Since(start).Round(10 * time.Microsecond)
	if err != nil {
		fmt.Fprintf(t.w, "<-- error: %v\n\n", err)
		return nil, err
	}
	rb, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(rb))
	if len(rb) == 0 {
		if !t.brief {
			fmt.Fprintf(t.w, "<-- accepted (HTTP %d, one-way) in %v\n\n", resp.StatusCode, elapsed)
		}
		return resp, nil
	}
	m, perr := soap.ParseMessage(rb, soap.DefaultLimits())
	switch {
	case perr != nil:
		fmt.Fprintf(t.w, "<-- HTTP %d, not SOAP: %v\n", resp.StatusCode, perr)
	case t.brief:
		fmt.Fprintf(t.w, "  <-- %-60s %6d bytes\n", replyAction(m), len(rb))
	default:
		fmt.Fprintf(t.w, "<-- reply in %v (HTTP %d), action %s\n%s\n", elapsed, resp.StatusCode, replyAction(m), indented(m))
	}
	return resp, nil
}

// requestAction is a request's wsa:Action, else its SOAPAction (SOAP 1.1
// header, SOAP 1.2 action parameter).
func requestAction(m *soap.Message, h http.Header) string {
	if m.Addressing.Action != "" {
		return m.Addressing.Action
	}
	a := strings.Trim(h.Get("SOAPAction"), `"`)
	if _, params, err := mime.ParseMediaType(h.Get("Content-Type")); a == "" && err == nil {
		a = params["action"]
	}
	return a + " (SOAPAction, no WS-Addressing)"
}

// replyAction is a reply's wsa:Action.
func replyAction(m *soap.Message) string {
	if m.Addressing.Action == "" {
		return "(no WS-Addressing)"
	}
	return m.Addressing.Action
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
	// Steps 1-4 run without security, each on the binding of its WCF
	// counterpart; one IPingService answers them all (step 4 reads back
	// the notification of its one-way call).
	svc := (&interop.PingService{}).Handler()
	wsHTTP := binding.WSHttpBinding()
	wsHTTP.Security.Mode = binding.ModeNone
	// customBinding: textMessageEncoding messageVersion
	// Soap11WSAddressingAugust2004 over httpTransport.
	custom := binding.CustomBinding("customBinding")
	custom.SOAP, custom.Addressing = soap.V11, soap.WSA200408
	basicHTTP := binding.BasicHttpBinding()
	endpoints := map[string]binding.Binding{"/wshttp": wsHTTP, "/custom": custom, "/basichttp": basicHTTP}
	mux := http.NewServeMux()
	for path, b := range endpoints {
		h, err := binding.NewHandler(svc, b, binding.Credentials{})
		if err != nil {
			fmt.Fprintf(stderr, "soapstack demo: %v\n", err)
			return 1
		}
		mux.Handle(path, h)
	}
	srv, err := startHTTP(mux)
	if err != nil {
		fmt.Fprintf(stderr, "soapstack demo: %v\n", err)
		return 1
	}
	defer srv.close()
	fmt.Fprintf(stdout, "soapstack demo: IPingService listening on %s\n\n", srv.url)

	base := ctx
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	steps := []struct {
		title string
		path  string
		run   func(*interop.PingClient) error
	}{
		{"echo over SOAP 1.2 with WS-Addressing 1.0: wsHttpBinding, security None", "/wshttp", func(c *interop.PingClient) error {
			got, err := c.Echo(ctx, "hello, soapstack")
			if err == nil && got != "hello, soapstack" {
				err = fmt.Errorf("echo returned %q", got)
			}
			return err
		}},
		{"echo over SOAP 1.1 with WS-Addressing 2004/08: a customBinding (Soap11WSAddressingAugust2004)", "/custom", func(c *interop.PingClient) error {
			_, err := c.Echo(ctx, "hello again")
			return err
		}},
		{"a declared fault over SOAP 1.1 without WS-Addressing: basicHttpBinding, security None", "/basichttp", func(c *interop.PingClient) error {
			return c.Fail(ctx, "this call always fails")
		}},
		{"a one-way notification, then reading it back: wsHttpBinding, security None", "/wshttp", func(c *interop.PingClient) error {
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
		c, err := binding.NewClient(srv.url+s.path, endpoints[s.path], binding.Credentials{},
			binding.WithHTTPClient(traceClient(stdout, false)))
		if err == nil {
			err = s.run(pingClient(c))
		}
		if err != nil {
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

// pingClient is the IPingService client over a binding client.
func pingClient(c *binding.Client) *interop.PingClient {
	b := c.Binding()
	return &interop.PingClient{Invoker: c, Version: b.SOAP, Addressing: b.Addressing, To: c.URL()}
}

// demoServer is an HTTP server on loopback.
type demoServer struct {
	srv *http.Server
	url string
}

func startHTTP(h http.Handler) (*demoServer, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &demoServer{srv: &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}, url: "http://" + ln.Addr().String()}
	go func() { _ = s.srv.Serve(ln) }()
	return s, nil
}

func (s *demoServer) close() { _ = s.srv.Close() }

// demoUsers accepts alice with her password.
var demoUsers = &wssecurity.UsernameTokenVerifier{CheckPassword: func(_ context.Context, user, password string) error {
	if user == "alice" && password == "clarinet" {
		return nil
	}
	return wssecurity.ErrFailedAuthentication
}}

// demoSecured runs one WS-Security exchange on wsHttpBinding with Message
// security, a UserName credential and no secure session: WCF's
// UserNameForCertificate, the request signed with a key encrypted to the
// service certificate (derived keys), the Body and the UsernameToken
// encrypted.
func demoSecured(ctx context.Context, stdout io.Writer) error {
	svcCert, err := demoCertificate()
	if err != nil {
		return err
	}
	b := binding.WSHttpBinding()
	b.Security.Message.ClientCredentialType = binding.CredentialUserName
	b.Security.Message.NegotiateServiceCredential = false
	b.Security.Message.EstablishSecurityContext = false
	h, err := binding.NewHandler(whoCalled(stdout, (&interop.PingService{}).Handler()), b,
		binding.Credentials{ServiceCertificate: svcCert, UserNameValidator: demoUsers})
	if err != nil {
		return err
	}
	srv, err := startHTTP(h)
	if err != nil {
		return err
	}
	defer srv.close()
	d, _ := b.Describe() // NewHandler checked it
	fmt.Fprintf(stdout, "== 5. WS-Security, signed and encrypted both ways: %s\n", d)
	c, err := binding.NewClient(srv.url+"/secure", b,
		binding.Credentials{ServiceCertificate: &wssecurity.Certificate{Cert: svcCert.Cert}, UserName: "alice", Password: "clarinet"},
		// The trace sits below the security: it shows the wire.
		binding.WithHTTPClient(traceClient(stdout, false)))
	if err != nil {
		return err
	}
	got, err := pingClient(c).Echo(ctx, "a secret only the service may read")
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

// sessionBinding is the binding of the demo's secure sessions:
// wsHttpBinding, Message security with an anonymous client
// (AnonymousForCertificate bootstrap), a secure session, Basic128: the
// XDC plugfest shape.
func sessionBinding() binding.Binding {
	b := binding.WSHttpBinding()
	b.Security.Message.ClientCredentialType = binding.CredentialNone
	b.Security.Message.NegotiateServiceCredential = false
	b.Security.Message.AlgorithmSuite = wssecurity.Basic128
	return b
}

// demoSession runs a WCF-style secure session (sessionBinding): handshake,
// calls under the session key, renewal, cancel.
func demoSession(ctx context.Context, stdout io.Writer) error {
	svcCert, err := demoCertificate()
	if err != nil {
		return err
	}
	var mu sync.Mutex
	now := time.Now()
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	b := sessionBinding()
	h, err := binding.NewHandler(whoCalled(stdout, (&interop.PingService{}).Handler()), b,
		binding.Credentials{ServiceCertificate: svcCert}, binding.WithClock(clock), binding.WithSessionLifetime(time.Hour))
	if err != nil {
		return err
	}
	srv, err := startHTTP(h)
	if err != nil {
		return err
	}
	defer srv.close()
	client, err := binding.NewClient(srv.url+"/secure", b, binding.Credentials{ServiceCertificate: &wssecurity.Certificate{Cert: svcCert.Cert}},
		binding.WithClock(clock), binding.WithHTTPClient(traceClient(stdout, true)))
	if err != nil {
		return err
	}
	c := pingClient(client)
	d, _ := b.Describe() // NewHandler checked it
	fmt.Fprintf(stdout, "== 6. a secure session: %s\n", d)
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
