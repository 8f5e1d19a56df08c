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
	if _, err := parseFlags(fs, args); err != nil {
		return 2
	}
	logger := slog.New(slog.NewTextHandler(stderr, nil))
	h := soap.NewHTTPHandler((&interop.PingService{}).Handler(),
		soap.WithLogger(logger), soap.WithLimits(soap.Limits{MaxBytes: *maxBytes}), soap.WithGzip(*gzip))
	mux := http.NewServeMux()
	mux.Handle("/soap11", h)
	mux.Handle("/soap12", h)
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintf(stderr, "soapstack serve: %v\n", err)
		return 1
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	fmt.Fprintf(stdout, "serving IPingService at http://%s/soap11 (SOAP 1.1) and http://%s/soap12 (SOAP 1.2)\n", ln.Addr(), ln.Addr())
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
