package binding

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/soapstack/soapstack/reliable"
	"github.com/soapstack/soapstack/secureconv"
	"github.com/soapstack/soapstack/soap"
	"github.com/soapstack/soapstack/wssecurity"
)

// settings collects every option of NewClient and NewHandler.
type settings struct {
	logger        *slog.Logger
	now           func() time.Time
	rand          io.Reader
	limits        soap.Limits
	allowInsecure bool
	cancelBoot    bool

	httpClient *http.Client
	keyLog     io.Writer

	replay          wssecurity.ReplayCache
	tokens          secureconv.TokenCache
	cookies         *secureconv.KeyRing
	cookieKeys      secureconv.KeyRingSource
	sessionLifetime time.Duration
	transform       func(ctx context.Context, p *soap.Principal) (*soap.Principal, error)
	authorize       soap.Authorizer
	sequences       reliable.SequenceStore
	claimTimeout    time.Duration

	hooks []Hooks
}

// ClientOption configures NewClient.
type ClientOption interface{ applyClient(*settings) }

// HandlerOption configures NewHandler.
type HandlerOption interface{ applyHandler(*settings) }

// Option configures both NewClient and NewHandler.
type Option interface {
	ClientOption
	HandlerOption
}

type bothOption func(*settings)

func (f bothOption) applyClient(s *settings)  { f(s) }
func (f bothOption) applyHandler(s *settings) { f(s) }

type clientOption func(*settings)

func (f clientOption) applyClient(s *settings) { f(s) }

type handlerOption func(*settings)

func (f handlerOption) applyHandler(s *settings) { f(s) }

// WithLogger sets the logger of every layer (slog.Default() otherwise):
// rejected messages are logged with their cause, which never goes on the
// wire.
func WithLogger(l *slog.Logger) Option { return bothOption(func(s *settings) { s.logger = l }) }

// WithClock sets the one clock of every layer (time.Now otherwise):
// timestamps, token lifetimes, session renewal, certificate validity.
func WithClock(now func() time.Time) Option { return bothOption(func(s *settings) { s.now = now }) }

// WithRand sets the one random source of every layer (crypto/rand
// otherwise): keys, nonces, message ids.
func WithRand(r io.Reader) Option { return bothOption(func(s *settings) { s.rand = r }) }

// WithLimits bounds the messages read (soap.DefaultLimits otherwise).
func WithLimits(l soap.Limits) Option { return bothOption(func(s *settings) { s.limits = l }) }

// WithAllowInsecureTransport lets a Transport or
// TransportWithMessageCredential binding run over plain HTTP, as WCF's
// AllowInsecureTransport: for a service behind a TLS-terminating proxy or
// a client reaching one through a trusted network. Without it NewClient
// refuses an http:// URL and the handler refuses requests that did not
// arrive over TLS.
func WithAllowInsecureTransport() Option {
	return bothOption(func(s *settings) { s.allowInsecure = true })
}

// WithCancelWithBootstrap makes a session client protect its Cancel with
// the bootstrap security instead of the session, and a session service
// accept such a Cancel too, as Apache CXF sends and expects it (WCF
// protects Cancel with the session). On a service, the bootstrap
// credential must be the one that established the session.
func WithCancelWithBootstrap() Option {
	return bothOption(func(s *settings) { s.cancelBoot = true })
}

// WithHTTPClient sets the net/http client of a Client (for TLS settings,
// client certificates of the transport, proxies, timeouts).
func WithHTTPClient(hc *http.Client) ClientOption {
	return clientOption(func(s *settings) { s.httpClient = hc })
}

// WithKeyLog makes a session client write each session key it obtains to
// w in the "SCT_KEY" key-log format that soapstack inspect --keylog reads
// (a debugging aid: whoever reads it can read and forge the session).
func WithKeyLog(w io.Writer) ClientOption {
	return clientOption(func(s *settings) { s.keyLog = w })
}

// WithReplayCache sets the replay cache of a service's message security
// (an in-memory cache per handler otherwise); share one across nodes that
// serve the same endpoint.
func WithReplayCache(c wssecurity.ReplayCache) HandlerOption {
	return handlerOption(func(s *settings) { s.replay = c })
}

// WithTokenCache sets where a session service keeps the tokens of its
// sessions (reference mode; an in-memory cache otherwise).
func WithTokenCache(c secureconv.TokenCache) HandlerOption {
	return handlerOption(func(s *settings) { s.tokens = c })
}

// WithCookies makes a session service issue cookie-mode tokens sealed with
// the ring's keys, so that any node holding the ring serves the session
// (WCF's requireSecurityContextCancellation="false" stateful tokens).
func WithCookies(ring *secureconv.KeyRing) HandlerOption {
	return handlerOption(func(s *settings) { s.cookies = ring })
}

// WithCookieKeys is WithCookies for a ring that changes while the service
// runs (key rotation without a restart): the service asks src for the ring
// each time it seals or opens a cookie (secureconv.ServerConfig.CookieKeys),
// for example a secureconv.WatchKeyRingFile. NewHandler refuses it together
// with WithCookies.
func WithCookieKeys(src secureconv.KeyRingSource) HandlerOption {
	return handlerOption(func(s *settings) { s.cookieKeys = src })
}

// WithSessionLifetime sets the lifetime of the session tokens a service
// issues (secureconv.DefaultIssuedLifetime otherwise).
func WithSessionLifetime(d time.Duration) HandlerOption {
	return handlerOption(func(s *settings) { s.sessionLifetime = d })
}

// WithSequenceStore sets where a service with a reliable session keeps its
// sequences (a memory store bounded by ReliableSession.MaxPendingChannels
// otherwise); share one across the nodes of a farm. The store applies its
// own bound on pending sequences, so ReliableSession.MaxPendingChannels
// must then be 0.
func WithSequenceStore(st reliable.SequenceStore) HandlerOption {
	return handlerOption(func(s *settings) { s.sequences = st })
}

// WithClaimTimeout sets how long a service with a reliable session lets
// the delivery of one message take before another exchange (another node
// of a farm, when this one died while delivering) may deliver it again
// (reliable.ServerConfig.ClaimTimeout, 2 min otherwise). It must exceed
// the application's own time per call.
func WithClaimTimeout(d time.Duration) HandlerOption {
	return handlerOption(func(s *settings) { s.claimTimeout = d })
}

// WithTransformClaims sets WIF's ClaimsAuthenticationManager: fn receives
// the principal of each authenticated caller (for a session, once, when it
// is established) and returns the principal the application sees; an
// error refuses the caller with soap.AccessDeniedFault.
func WithTransformClaims(fn func(ctx context.Context, p *soap.Principal) (*soap.Principal, error)) HandlerOption {
	return handlerOption(func(s *settings) { s.transform = fn })
}

// WithAuthorize sets WCF's ServiceAuthorizationManager: it decides about
// every application request with its action and principal before the
// application runs; a refusal is answered with soap.AccessDeniedFault.
func WithAuthorize(a soap.Authorizer) HandlerOption {
	return handlerOption(func(s *settings) { s.authorize = a })
}

// security returns the wssecurity configuration of the settings.
func (s *settings) security() wssecurity.Config {
	return wssecurity.Config{Now: s.now, Rand: s.rand, Limits: s.limits, Logger: s.logger,
		AllowInsecureTransport: s.allowInsecure}
}

// httpOptions returns the soap transport options of the settings.
func (s *settings) httpOptions() []soap.HTTPOption {
	var o []soap.HTTPOption
	if s.logger != nil {
		o = append(o, soap.WithLogger(s.logger))
	}
	if s.limits != (soap.Limits{}) {
		o = append(o, soap.WithLimits(s.limits))
	}
	if s.rand != nil {
		o = append(o, soap.WithRand(s.rand))
	}
	if s.httpClient != nil {
		o = append(o, soap.WithHTTPClient(s.httpClient))
	}
	return o
}
