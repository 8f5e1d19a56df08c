package soap

import (
	"context"
	"io"
	"log/slog"
	"net/http"

	"github.com/soapstack/soapstack/internal/xmlutil"
)

// HTTPOption configures the HTTP client transport or server handler.
type HTTPOption interface{ apply(*httpConfig) }

type httpOptionFunc func(*httpConfig)

func (f httpOptionFunc) apply(c *httpConfig) { f(c) }

type httpConfig struct {
	limits Limits
	logger *slog.Logger
	gzip   bool
	rand   io.Reader
	client *http.Client
	header http.Header
	// server: the wsa:To check (endpoint.go)
	endpoints    []string
	endpointsSet bool
	toCheckOff   bool
	// server: called with every fault sent
	onFault func(ctx context.Context, req *Message, f *Fault)
}

func newHTTPConfig(opts []HTTPOption) httpConfig {
	c := httpConfig{}
	for _, o := range opts {
		o.apply(&c)
	}
	c.limits = xmlutil.WithDefaults(c.limits)
	if c.logger == nil {
		c.logger = slog.Default()
	}
	if c.client == nil {
		c.client = http.DefaultClient
	}
	return c
}

// WithLimits sets the input limits for received messages.
func WithLimits(l Limits) HTTPOption {
	return httpOptionFunc(func(c *httpConfig) { c.limits = l })
}

// WithLogger sets the logger (default slog.Default()). The server handler
// logs each fault it sends with its cause (Info) and each internal error
// (Error); pass a logger with a discard handler for silence.
func WithLogger(l *slog.Logger) HTTPOption {
	return httpOptionFunc(func(c *httpConfig) { c.logger = l })
}

// WithGzip enables gzip: the client compresses requests and the server
// compresses responses to clients that accept it and accepts compressed
// requests. Off by default, because WCF does not accept compressed requests
// unless configured to.
func WithGzip(on bool) HTTPOption {
	return httpOptionFunc(func(c *httpConfig) { c.gzip = on })
}

// WithRand sets the random source of generated message ids (default
// crypto/rand).
func WithRand(r io.Reader) HTTPOption {
	return httpOptionFunc(func(c *httpConfig) { c.rand = r })
}

// WithFaultHook makes an HTTPHandler call fn with every fault it answers
// for an error, before it is written: the parser's and the To check's
// rejections as well as the faults (and other errors) the handler chain
// returns. A fault message a layer returns as its reply (a secured fault
// such as WS-SC's RenewNeeded) is not an error and is not reported. req is nil when
// the request could not be read. f.Cause, which never goes on the wire,
// says which defence fired; for a handler error that is not a fault, f is
// the opaque Receiver fault sent with that error as its Cause. fn runs
// synchronously and must not block or change f.
func WithFaultHook(fn func(ctx context.Context, req *Message, f *Fault)) HTTPOption {
	return httpOptionFunc(func(c *httpConfig) { c.onFault = fn })
}

// WithHTTPClient sets the *http.Client the client transport uses (default
// http.DefaultClient). Timeouts come from the call's context and from the
// client.
func WithHTTPClient(hc *http.Client) HTTPOption {
	return httpOptionFunc(func(c *httpConfig) { c.client = hc })
}

// WithHeader adds HTTP headers to every request the client sends.
func WithHeader(h http.Header) HTTPOption {
	return httpOptionFunc(func(c *httpConfig) { c.header = h.Clone() })
}
