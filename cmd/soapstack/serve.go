package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/soapstack/soapstack/interop"
	"github.com/soapstack/soapstack/soap"
)

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("serve", stderr)
	addr := fs.String("addr", "127.0.0.1:8080", "listen address")
	maxBytes := fs.Int64("max-bytes", soap.DefaultMaxBytes, "largest accepted message in bytes")
	gzip := fs.Bool("gzip", false, "accept gzip requests and compress replies")
	rel := fs.Bool("reliable", false, "also host the reliable sessions at /rm/<scenario> (RM10, RM11; with --pki RM over WS-SC too) and print READY <base URL>")
	pkiDir := fs.String("pki", "", "the test PKI directory (interop/pki) for the RM-over-SC endpoints of --reliable")
	if pos, err := parseFlags(fs, args); err != nil || len(pos) != 0 {
		return 2
	}
	if *pkiDir != "" && !*rel {
		fmt.Fprintln(stderr, "soapstack serve: --pki needs --reliable")
		return 2
	}
	logger := slog.New(slog.NewTextHandler(stderr, nil))
	h := soap.NewHTTPHandler((&interop.PingService{}).Handler(),
		soap.WithLogger(logger), soap.WithLimits(soap.Limits{MaxBytes: *maxBytes}), soap.WithGzip(*gzip))
	mux := http.NewServeMux()
	mux.Handle("/soap11", h)
	mux.Handle("/soap12", h)
	var rmPaths []string
	if *rel {
		var pki *interop.PKI
		if *pkiDir != "" {
			var err error
			if pki, err = interop.LoadPKI(*pkiDir); err != nil {
				fmt.Fprintf(stderr, "soapstack serve: %v\n", err)
				return 1
			}
		}
		rm, paths, err := interop.ReliableMux(pki)
		if err != nil {
			fmt.Fprintf(stderr, "soapstack serve: %v\n", err)
			return 1
		}
		mux.Handle("/rm/", rm)
		rmPaths = paths
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintf(stderr, "soapstack serve: %v\n", err)
		return 1
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	if *rel {
		// The peers' server protocol (interop.StartCommandServer).
		fmt.Fprintf(stdout, "READY http://%s\n", ln.Addr())
	}
	fmt.Fprintf(stdout, "serving IPingService at http://%s/soap11 (SOAP 1.1) and http://%s/soap12 (SOAP 1.2)\n", ln.Addr(), ln.Addr())
	for _, p := range rmPaths {
		fmt.Fprintf(stdout, "serving reliable sessions at http://%s%s\n", ln.Addr(), p)
	}
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		fmt.Fprintf(stderr, "soapstack serve: %v\n", err)
		return 1
	}
	return 0
}
