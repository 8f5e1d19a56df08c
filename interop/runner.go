package interop

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/soapstack/soapstack/soap"
)

// GoServer is the Go IPingService on a loopback port, at /soap11 and
// /soap12.
type GoServer struct {
	// URL is the base address.
	URL string
	srv *http.Server
}

// StartGoServer starts the Go service on 127.0.0.1 with a free port.
func StartGoServer(h soap.Handler, opts ...soap.HTTPOption) (*GoServer, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	hh := soap.NewHTTPHandler(h, opts...)
	mux := http.NewServeMux()
	mux.Handle("/soap11", hh)
	mux.Handle("/soap12", hh)
	s := &GoServer{URL: "http://" + ln.Addr().String(), srv: &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}}
	go func() { _ = s.srv.Serve(ln) }()
	return s, nil
}

// Close stops the server.
func (s *GoServer) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return s.srv.Shutdown(ctx)
}

// Options configures a run of the matrix.
type Options struct {
	// Only filters cases (see Filter).
	Only string
	// Log receives peer output and progress (nil: discarded).
	Log io.Writer
}

// RunCXF runs the foundation matrix against Apache CXF in both directions.
// Peer trouble (no Java, build failure) is returned as an error wrapping
// ErrPeerUnavailable; individual case failures are rows with Pass false.
func RunCXF(ctx context.Context, opts Options) ([]Result, error) {
	cases := Filter(FoundationCases(), opts.Only)
	if len(cases) == 0 {
		return nil, errors.New("interop: no case matches " + opts.Only)
	}
	peer, err := FindCXF()
	if err != nil {
		return nil, err
	}
	peer.Log = opts.Log
	if err := peer.Build(ctx); err != nil {
		return nil, err
	}
	var results []Result

	srv, err := peer.StartServer(ctx)
	if err != nil {
		return nil, err
	}
	for _, c := range cases {
		cctx, cancel := context.WithTimeout(ctx, 60*time.Second)
		results = append(results, RunGoClientCase(cctx, srv.URL, c))
		cancel()
	}
	srv.Close()

	gs, err := StartGoServer((&PingService{}).Handler())
	if err != nil {
		return nil, fmt.Errorf("interop: starting the Go service: %w", err)
	}
	defer gs.Close()
	peerResults, err := peer.RunClient(ctx, gs.URL, cases)
	if err != nil {
		return nil, err
	}
	return append(results, peerResults...), nil
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
