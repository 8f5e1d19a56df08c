package interop

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/soapstack/soapstack/binding"
	"github.com/soapstack/soapstack/secureconv"
	"github.com/soapstack/soapstack/soap"
)

// GoServer is the Go IPingService on loopback: /soap11 and /soap12, and,
// when started with a PKI, every WS-Security scenario at /wssec10/<name>
// and /wssec11/<name> (the transport scenarios on the HTTPS port).
type GoServer struct {
	// URL is the base address; TLSURL the HTTPS base address, if any.
	URL    string
	TLSURL string
	srvs   []*http.Server
	// broken has the endpoints whose layers could not be built, by case.
	broken map[string]error
}

// StartGoServer starts the Go service with h at /soap11 and /soap12 on
// 127.0.0.1 with a free port: binding.NewHandler of the foundation
// bindings (no security) of each SOAP version.
func StartGoServer(h soap.Handler, opts ...binding.HandlerOption) (*GoServer, error) {
	mux := http.NewServeMux()
	if err := mountFoundationHandler(mux, h, opts...); err != nil {
		return nil, err
	}
	s := &GoServer{}
	u, err := s.serve(mux, nil)
	if err != nil {
		return nil, err
	}
	s.URL = u
	return s, nil
}

// mountFoundation mounts svc at /soap11 and /soap12 of mux.
func mountFoundation(mux *http.ServeMux, svc *PingService) error {
	return mountFoundationHandler(mux, svc.Handler())
}

// mountFoundationHandler mounts h at the path of each foundation version
// of mux, through its binding: a path serves both WS-Addressing versions of
// its SOAP version, as a WCF endpoint without addressing requirements
// does, so one handler per path (of the first version with it) serves
// them.
func mountFoundationHandler(mux *http.ServeMux, h soap.Handler, opts ...binding.HandlerOption) error {
	mounted := map[string]bool{}
	for _, v := range TransportVersions() {
		if mounted[v.Path()] {
			continue
		}
		hh, err := binding.NewHandler(h, foundationBinding(v), binding.Credentials{}, opts...)
		if err != nil {
			return fmt.Errorf("interop: %s: %w", v.Name, err)
		}
		mux.Handle(v.Path(), hh)
		mounted[v.Path()] = true
	}
	return nil
}

// StartInteropServer starts the Go service for the whole matrix: the
// foundation endpoints and, secured by their policies, the WS-Security
// scenarios.
func StartInteropServer(pki *PKI) (*GoServer, error) {
	return startInteropServer(pki, PeerCXF)
}

// InteropMux returns the Go service of StartInteropServer as handlers, for
// a server of the caller's own (`soapstack serve --interop-endpoints`):
// plain serves /soap11, /soap12 and the scenarios over HTTP, overTLS the
// scenarios over HTTPS (to be served with pki.TLSConfig()).
func InteropMux(pki *PKI) (plain, overTLS http.Handler, err error) {
	p, t, _, err := interopMuxes(pki, PeerCXF)
	if err != nil {
		return nil, nil, err
	}
	return p, t, nil
}

// startInteropServer starts the Go service for the clients of peer: for
// Metro the session keys have the suite's length (KeySizeFromSuite).
func startInteropServer(pki *PKI, peer string) (*GoServer, error) {
	plain, tlsMux, broken, err := interopMuxes(pki, peer)
	if err != nil {
		return nil, err
	}
	s := &GoServer{broken: broken}
	if s.URL, err = s.serve(plain, nil); err != nil {
		return nil, err
	}
	if s.TLSURL, err = s.serve(tlsMux, pki.TLSConfig()); err != nil {
		_ = s.Close()
		return nil, err
	}
	return s, nil
}

// interopMuxes builds startInteropServer's endpoints over HTTP and over
// HTTPS, and the endpoints whose layers could not be built, by case.
func interopMuxes(pki *PKI, peer string) (plain, tlsMux *http.ServeMux, broken map[string]error, err error) {
	svc := &PingService{}
	plain, tlsMux = http.NewServeMux(), http.NewServeMux()
	if err := mountFoundation(plain, svc); err != nil {
		return nil, nil, nil, err
	}
	for _, sc := range WSSecScenarios() {
		h, err := binding.NewHandler(svc.Handler(), sc.Binding(), pki.ServiceCredentials(), handlerOpts(sc.Options())...)
		if err != nil {
			return nil, nil, nil, fmt.Errorf("interop: %s: %w", sc.Name, err)
		}
		if sc.TLS {
			tlsMux.Handle(sc.Path(), h)
		} else {
			plain.Handle(sc.Path(), h)
		}
	}
	ring, err := secureconv.NewKeyRing(secureconv.RingKey{ID: 1, Secret: interopCookieSecret()})
	if err != nil {
		return nil, nil, nil, err
	}
	for _, sc := range SCScenarios() {
		h, err := binding.NewHandler(svc.Handler(), sc.Binding(), pki.ServiceCredentials(), sc.serviceOptions(peer, ring)...)
		if err != nil {
			return nil, nil, nil, fmt.Errorf("interop: %s: %w", sc.Name, err)
		}
		if sc.TLS {
			tlsMux.Handle(sc.Path(), h)
		} else {
			plain.Handle(sc.Path(), h)
		}
	}
	if peer == PeerCXF {
		mountCXFReliable(plain, svc)
	}
	if peer == PeerMetro {
		var handlers map[string]http.Handler
		handlers, broken = rmServerHandlers(svc, pki, peer)
		for path, h := range handlers {
			plain.Handle(path, h)
		}
	}
	return plain, tlsMux, broken, nil
}

func (s *GoServer) serve(h http.Handler, tc *tls.Config) (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, TLSConfig: tc}
	s.srvs = append(s.srvs, srv)
	scheme := "http"
	if tc != nil {
		scheme = "https"
		go func() { _ = srv.ServeTLS(ln, "", "") }()
	} else {
		go func() { _ = srv.Serve(ln) }()
	}
	return scheme + "://" + ln.Addr().String(), nil
}

// Close stops the server.
func (s *GoServer) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var errs []error
	for _, srv := range s.srvs {
		errs = append(errs, srv.Shutdown(ctx))
	}
	return errors.Join(errs...)
}

// Options configures a run of the matrix.
type Options struct {
	// Only filters cases (see Filter).
	Only string
	// Log receives peer output and progress (nil: discarded).
	Log io.Writer
	// NoReliable leaves out the WS-ReliableMessaging cases of the CXF
	// matrix (CXFReliableCases), which RunCXF otherwise runs in both
	// directions.
	NoReliable bool
	// Cases, when not nil, replaces the peer's catalogue (before Only);
	// RunMetro only.
	Cases []Case
}

// cxfReliableCases returns the rm cases a CXF run includes under opts.
func cxfReliableCases(opts Options) []Case {
	if opts.NoReliable {
		return nil
	}
	return Filter(CXFReliableCases(), opts.Only)
}

// AllCases lists every case of the matrix: the foundation, the plain
// WS-Security and the secure-conversation scenarios.
func AllCases() []Case {
	return append(append(FoundationCases(), WSSecCases()...), SCCases()...)
}

// interopCookieSecret is the cookie key of the interop service: a fixed
// test value, never a production key.
func interopCookieSecret() []byte {
	return []byte("soapstack interop cookie key 32b")
}

// RunCXF runs the matrix against Apache CXF in both directions. Peer
// trouble (no Java, build failure) is returned as an error wrapping
// ErrPeerUnavailable; individual case failures are rows with Pass false.
func RunCXF(ctx context.Context, opts Options) ([]Result, error) {
	cases := Filter(AllCases(), opts.Only)
	if len(cases) == 0 && len(Filter(CXFClientVariantCases(), opts.Only)) == 0 && len(cxfReliableCases(opts)) == 0 {
		return nil, errors.New("interop: no case matches " + opts.Only)
	}
	peer, err := FindCXF()
	if err != nil {
		return nil, err
	}
	return runPeer(ctx, peer, ModeDOM, cases, opts)
}

// Modes of the peers (the "mode" field of the report).
const (
	// ModeDOM is CXF's default (DOM) WS-Security processing.
	ModeDOM = "dom"
	// ModeDefault is a peer's only configuration (Metro).
	ModeDefault = "default"
)

// withServerComplaints fails r when the peer's server (label) logged
// complaints while it ran, and adds them to a failure's reason.
func withServerComplaints(r Result, label string, complaints []string) Result {
	if len(complaints) == 0 {
		return r
	}
	msg := "the " + label + " server logged: " + strings.Join(complaints, " | ")
	if r.Pass {
		r.Pass, r.Reason = false, msg
	} else {
		r.Reason += "; " + msg
	}
	return r
}

// runPeer runs cases against peer in both directions: the Go client against
// the peer's server, then the peer's client against the Go service. A case
// whose peer server logged a complaint (PEERLOG) fails.
func runPeer(ctx context.Context, peer *ScriptPeer, mode string, cases []Case, opts Options) ([]Result, error) {
	peer.Log = opts.Log
	pki, err := FindPKI(peer)
	if err != nil {
		return nil, fmt.Errorf("interop: loading interop/pki: %w", err)
	}
	if err := peer.Build(ctx); err != nil {
		return nil, err
	}
	var results []Result

	srv, err := peer.StartServer(ctx)
	if err != nil {
		return nil, err
	}
	srv.TakePeerLog()
	// goCase runs one Go-client case and fails it when the peer's server
	// logged a complaint meanwhile.
	goCase := func(run func(ctx context.Context) Result, mode string) {
		cctx, cancel := context.WithTimeout(ctx, 60*time.Second)
		r := withServerComplaints(run(cctx), peer.label(), srv.TakePeerLog())
		cancel()
		r.Peer, r.Mode = peer.Name, mode
		results = append(results, r)
	}
	for _, c := range cases {
		goCase(func(ctx context.Context) Result { return runGoClient(ctx, srv, pki, c, peer.Name) }, mode)
	}
	if peer.Name == PeerCXF {
		// The same JVM serves the streaming copies of the
		// secure-conversation endpoints under /stax.
		for _, c := range Filter(CXFStreamingCases(false), opts.Only) {
			sc, _ := scScenario(c)
			sc.Cancel = sc.Cancel && CXFStreamingServerCancels
			tlsBase := ""
			if srv.TLSURL != "" {
				tlsBase = srv.TLSURL + cxfStreamingPrefix
			}
			goCase(func(ctx context.Context) Result {
				return RunGoSessionCase(ctx, srv.URL+cxfStreamingPrefix, tlsBase, pki, sc)
			}, ModeStreaming)
		}
		// The same JVM serves the WS-ReliableMessaging endpoints under /rm.
		for _, c := range cxfReliableCases(opts) {
			goCase(func(ctx context.Context) Result { return RunGoCXFReliableCase(ctx, srv.URL, c) }, mode)
		}
	}
	srv.Close()

	gs, err := startInteropServer(pki, peer.Name)
	if err != nil {
		return nil, fmt.Errorf("interop: starting the Go service: %w", err)
	}
	defer gs.Close()
	clientCases := cases
	if peer.Name == PeerCXF {
		clientCases = append(cases[:len(cases):len(cases)], Filter(CXFClientVariantCases(), opts.Only)...)
		clientCases = append(clientCases, cxfReliableCases(opts)...)
	}
	if len(clientCases) > 0 {
		peerResults, err := peer.RunClientMode(ctx, gs.URL, gs.TLSURL, clientCases, mode)
		if err != nil {
			return nil, err
		}
		for i, r := range peerResults {
			if err := gs.broken[Case{r.Scenario, r.Version}.String()]; err != nil && !r.Pass {
				peerResults[i].Reason += "; the Go service's endpoint could not be built: " + err.Error()
			}
		}
		results = append(results, peerResults...)
	}
	if peer.Name == PeerCXF {
		stream := Filter(append(CXFStreamingCases(true), CXFClientVariantCases()...), opts.Only)
		if len(stream) > 0 {
			streamResults, err := peer.RunClientMode(ctx, gs.URL, gs.TLSURL, stream, ModeStreaming)
			if err != nil {
				return nil, err
			}
			results = append(results, streamResults...)
		}
	}
	return results, nil
}

// runGoClient runs one case with the Go client against a peer server.
func runGoClient(ctx context.Context, srv *PeerServer, pki *PKI, c Case, peer string) Result {
	if sc, ok := wssecScenario(c); ok {
		return RunGoSecurityCase(ctx, srv.URL, srv.TLSURL, pki, sc)
	}
	if rm, ok := rmScenario(c); ok {
		return RunGoReliableCase(ctx, srv.URL, pki, rm)
	}
	if sc, ok := scScenario(c); ok {
		// CXF wants the Cancel under the bootstrap policy; Metro under the
		// session, signed only (its endpoint policy encrypts nothing).
		return runGoSessionCase(ctx, srv.URL, srv.TLSURL, pki, sc, peer)
	}
	return RunGoClientCase(ctx, srv.URL, c)
}

// endpoint returns the address of a scenario on a peer and the client
// options to reach it (HTTPS trusting the test CA for transport
// scenarios).
func endpoint(base, tlsBase, path string, useTLS bool, pki *PKI) (string, []binding.ClientOption, error) {
	if !useTLS {
		return base + path, nil, nil
	}
	if tlsBase == "" {
		return "", nil, errors.New("the peer serves no HTTPS endpoint")
	}
	return tlsBase + path, clientTransport(true, pki), nil
}

// RunGoSecurityCase runs a WS-Security scenario with the Go client: an echo
// through the scenario's binding.
func RunGoSecurityCase(ctx context.Context, base, tlsBase string, pki *PKI, sc SecurityScenario) Result {
	r := Result{Scenario: sc.Name, Direction: GoToPeer, Version: sc.Version}
	url, opts, err := endpoint(base, tlsBase, sc.Path(), sc.TLS, pki)
	if err != nil {
		r.Reason = err.Error()
		return r
	}
	c, err := binding.NewClient(url, sc.Binding(), pki.ClientCredentials(), clientOpts(sc.Options(), opts...)...)
	if err != nil {
		r.Reason = err.Error()
		return r
	}
	if err := runPingCase(ctx, pingClient(c), ScenarioEcho); err != nil {
		r.Reason = err.Error()
		return r
	}
	r.Pass = true
	return r
}

// RunGoSessionCase runs a secure-conversation scenario with the Go client:
// establish the session, echo twice through it, then close it (sending
// Cancel when the scenario says so, protected by the bootstrap policy as
// CXF wants it).
func RunGoSessionCase(ctx context.Context, base, tlsBase string, pki *PKI, sc SCScenario) Result {
	return runGoSessionCase(ctx, base, tlsBase, pki, sc, PeerCXF)
}

func runGoSessionCase(ctx context.Context, base, tlsBase string, pki *PKI, sc SCScenario, peer string) Result {
	r := Result{Scenario: sc.Name, Direction: GoToPeer, Version: sc.Version}
	url, opts, err := endpoint(base, tlsBase, sc.Path(), sc.TLS, pki)
	if err != nil {
		r.Reason = err.Error()
		return r
	}
	client, err := binding.NewClient(url, sc.Binding(), pki.ClientCredentials(), append(opts, sc.clientOptions(peer)...)...)
	if err != nil {
		r.Reason = err.Error()
		return r
	}
	cli := pingClient(client)
	for i := range 2 {
		if err := runPingCase(ctx, cli, ScenarioEcho); err != nil {
			r.Reason = fmt.Sprintf("echo %d: %v", i+1, err)
			return r
		}
	}
	if err := client.Close(ctx); err != nil {
		r.Reason = "close: " + err.Error()
		return r
	}
	r.Pass = true
	return r
}

// AllPassed reports whether every result passed (and there is at least one).
func AllPassed(results []Result) bool {
	for _, r := range results {
		if !r.Pass {
			return false
		}
	}
	return len(results) > 0
}
