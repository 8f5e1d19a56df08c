package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/soapstack/soapstack/binding"
	"github.com/soapstack/soapstack/interop"
	"github.com/soapstack/soapstack/redisstore"
	"github.com/soapstack/soapstack/secureconv"
	"github.com/soapstack/soapstack/soap"
	"github.com/soapstack/soapstack/wssecurity"
)

// secureFlags are serve's flags of the secured endpoint /secure.
type secureFlags struct {
	cert, key     string
	user          string
	reliable      bool
	redisURL      string
	cookieKeys    string
	cookieKeysEnv string
	mode          string
	claimTimeout  time.Duration
}

func (s *secureFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&s.cert, "cert", "", "service certificate (PEM): serves /secure, wsHttpBinding with a secure session")
	fs.StringVar(&s.key, "key", "", "private key (PEM) of --cert")
	fs.StringVar(&s.user, "user", "", "NAME:PASSWORD of the one user /secure accepts")
	fs.BoolVar(&s.reliable, "reliable", false, "a reliable session (WS-RM) over the secure session of /secure")
	fs.StringVar(&s.redisURL, "redis", "", "redis:// or rediss:// URL (with addr= parameters: a Cluster): keep sessions, replays and sequences in Redis, for a farm")
	fs.StringVar(&s.cookieKeys, "cookie-keys", "", "key ring file (JSON, see secureconv/COOKIE.md), read again as it changes")
	fs.StringVar(&s.cookieKeysEnv, "cookie-keys-env", "", "environment variable holding the key ring JSON, instead of --cookie-keys")
	fs.DurationVar(&s.claimTimeout, "claim-timeout", 0, "with --reliable: how long one message's delivery may take before another node may deliver it again (a node died while delivering it); 2m when 0")
	fs.StringVar(&s.mode, "session-mode", "", "cookie or reference (default: cookie with a key ring, else reference)")
}

// secureHandler builds /secure from the flags; nil when --cert is not
// given. It returns what to close when the server ends.
func (s *secureFlags) handler(logger *slog.Logger) (http.Handler, func(), error) {
	if s.cert == "" {
		if s.user != "" || s.reliable || s.redisURL != "" || s.cookieKeys != "" || s.cookieKeysEnv != "" || s.mode != "" || s.claimTimeout != 0 {
			return nil, nil, errors.New("--user, --reliable, --redis, --cookie-keys, --session-mode and --claim-timeout need --cert (the secured endpoint)")
		}
		return nil, func() {}, nil
	}
	cert, err := binding.LoadPEM(s.cert, s.key)
	if err != nil {
		return nil, nil, err
	}
	name, password, ok := strings.Cut(s.user, ":")
	if !ok || name == "" || password == "" {
		return nil, nil, errors.New("--user NAME:PASSWORD is required with --cert")
	}
	var ring secureconv.KeyRingSource
	rcfg := secureconv.ReloadConfig{Logger: logger}
	switch {
	case s.cookieKeys != "" && s.cookieKeysEnv != "":
		return nil, nil, errors.New("--cookie-keys and --cookie-keys-env: give one")
	case s.cookieKeys != "":
		if ring, err = secureconv.WatchKeyRingFile(s.cookieKeys, rcfg); err != nil {
			return nil, nil, err
		}
	case s.cookieKeysEnv != "":
		if ring, err = secureconv.WatchKeyRingEnv(s.cookieKeysEnv, rcfg); err != nil {
			return nil, nil, err
		}
	}
	cookies := ring != nil
	switch s.mode {
	case "":
	case "cookie":
		if ring == nil {
			return nil, nil, errors.New("--session-mode cookie needs --cookie-keys or --cookie-keys-env")
		}
	case "reference":
		cookies = false
	default:
		return nil, nil, fmt.Errorf("--session-mode %q: want cookie or reference", s.mode)
	}
	b := secureBinding(s.reliable)
	opts := []binding.HandlerOption{binding.WithLogger(logger)}
	switch {
	case s.claimTimeout < 0:
		return nil, nil, errors.New("--claim-timeout must not be negative")
	case s.claimTimeout > 0 && !s.reliable:
		return nil, nil, errors.New("--claim-timeout needs --reliable")
	case s.claimTimeout > 0:
		opts = append(opts, binding.WithClaimTimeout(s.claimTimeout))
	}
	if cookies {
		opts = append(opts, binding.WithCookieKeys(ring))
	}
	closeAll := func() {}
	if s.redisURL != "" {
		rc, err := redisClient(s.redisURL)
		if err != nil {
			return nil, nil, err
		}
		closeAll = func() { rc.Close() }
		more, err := redisOptions(rc, ring, cookies, s.reliable)
		if err != nil {
			rc.Close()
			return nil, nil, err
		}
		opts = append(opts, more...)
	}
	users := &wssecurity.UsernameTokenVerifier{LookupPassword: func(_ context.Context, user string) (string, error) {
		if user != name {
			return "", wssecurity.ErrFailedAuthentication
		}
		return password, nil
	}}
	h, err := binding.NewHandler((&interop.PingService{}).Handler(), b,
		binding.Credentials{ServiceCertificate: cert, UserNameValidator: users}, opts...)
	if err != nil {
		closeAll()
		return nil, nil, err
	}
	return h, closeAll, nil
}

// secureBinding is the binding of /secure: wsHttpBinding, message
// security with a user name, a secure session, a reliable session when
// asked.
func secureBinding(reliable bool) binding.Binding {
	b := binding.WSHttpBinding()
	b.Security.Message.ClientCredentialType = binding.CredentialUserName
	b.Security.Message.NegotiateServiceCredential = false
	b.Security.Message.EstablishSecurityContext = true
	b.ReliableSession.Enabled = reliable
	return b
}

// redisClient connects to the Redis of rawURL: a Cluster when the URL
// names more nodes (addr= parameters), else one server.
func redisClient(rawURL string) (redis.UniversalClient, error) {
	if strings.Contains(rawURL, "addr=") {
		o, err := redis.ParseClusterURL(rawURL)
		if err != nil {
			return nil, fmt.Errorf("--redis: %w", err)
		}
		o.ContextTimeoutEnabled = true
		return redis.NewClusterClient(o), nil
	}
	o, err := redis.ParseURL(rawURL)
	if err != nil {
		return nil, fmt.Errorf("--redis: %w", err)
	}
	o.ContextTimeoutEnabled = true
	return redis.NewClient(o), nil
}

// redisOptions are the handler options keeping the service's state in
// Redis: the replay cache always (in cookie mode falling back to this
// node's own during an outage, as cookies need nothing else from Redis),
// the token cache in reference mode (sealed with the key ring, so that
// Redis holds no session key in clear), the sequences of reliable
// sessions.
func redisOptions(rc redis.UniversalClient, ring secureconv.KeyRingSource, cookies, reliable bool) ([]binding.HandlerOption, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := rc.Ping(ctx).Err(); err != nil {
		return nil, fmt.Errorf("--redis: %w", err)
	}
	o := redisstore.Options{}
	replay, err := redisstore.NewReplayCache(rc, o)
	if err != nil {
		return nil, err
	}
	var opts []binding.HandlerOption
	if cookies {
		opts = append(opts, binding.WithReplayCache(&redisstore.FallbackReplayCache{Shared: replay, Local: wssecurity.NewMemoryReplayCache()}))
	} else {
		if ring == nil {
			return nil, errors.New("--redis in reference mode needs --cookie-keys or --cookie-keys-env: the key ring seals the session tokens in Redis")
		}
		tokens, err := redisstore.NewTokenCache(rc, redisstore.TokenCacheOptions{Options: o, Seal: ring})
		if err != nil {
			return nil, err
		}
		opts = append(opts, binding.WithReplayCache(replay), binding.WithTokenCache(tokens))
	}
	if reliable {
		seqs, err := redisstore.NewSequenceStore(rc, redisstore.SequenceOptions{Options: o})
		if err != nil {
			return nil, err
		}
		opts = append(opts, binding.WithSequenceStore(seqs))
	}
	return opts, nil
}

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("serve", stderr)
	addr := fs.String("addr", "127.0.0.1:8080", "listen address")
	fs.StringVar(addr, "listen", "127.0.0.1:8080", "listen address (as --addr)")
	maxBytes := fs.Int64("max-bytes", soap.DefaultMaxBytes, "largest accepted message in bytes")
	gzip := fs.Bool("gzip", false, "accept gzip requests and compress replies")
	var sf secureFlags
	sf.register(fs)
	rel := fs.Bool("rm-endpoints", false, "also host the reliable sessions at /rm/<scenario> (RM10, RM11; with --pki RM over WS-SC too) and print READY <base URL>")
	pkiDir := fs.String("pki", "", "the test PKI directory (interop/pki) for the RM-over-SC endpoints of --rm-endpoints and for --interop-endpoints")
	cat := fs.Bool("interop-endpoints", false, "also host the interop catalogue's Go service (every WS-Security and WS-SC scenario, the HTTPS ones on a second port; needs --pki) and print READY <base URL> <HTTPS base URL>")
	debug := fs.Bool("debug-metrics", false, "serve the Go runtime's allocation and heap counters as JSON at "+interop.RuntimePath+" to loopback clients (?gc=1: collect garbage first)")
	if pos, err := parseFlags(fs, args); err != nil || len(pos) != 0 {
		return 2
	}
	if *pkiDir != "" && !*rel && !*cat {
		fmt.Fprintln(stderr, "soapstack serve: --pki needs --rm-endpoints or --interop-endpoints")
		return 2
	}
	if *cat && *pkiDir == "" {
		fmt.Fprintln(stderr, "soapstack serve: --interop-endpoints needs --pki")
		return 2
	}
	logger := slog.New(slog.NewTextHandler(stderr, nil))
	secure, closeSecure, err := sf.handler(logger)
	if err != nil {
		fmt.Fprintf(stderr, "soapstack serve: %v\n", err)
		return 2
	}
	defer closeSecure()
	h := soap.NewHTTPHandler((&interop.PingService{}).Handler(),
		soap.WithLogger(logger), soap.WithLimits(soap.Limits{MaxBytes: *maxBytes}), soap.WithGzip(*gzip))
	mux := http.NewServeMux()
	mux.Handle("/soap11", h)
	mux.Handle("/soap12", h)
	if secure != nil {
		mux.Handle("/secure", secure)
	}
	if *debug {
		mux.Handle(interop.RuntimePath, interop.RuntimeHandler())
	}
	var pki *interop.PKI
	if *pkiDir != "" {
		var err error
		if pki, err = interop.LoadPKI(*pkiDir); err != nil {
			fmt.Fprintf(stderr, "soapstack serve: %v\n", err)
			return 1
		}
	}
	var catTLS http.Handler
	if *cat {
		// The catalogue answers what serve's own endpoints do not.
		plain, overTLS, err := interop.InteropMux(pki)
		if err != nil {
			fmt.Fprintf(stderr, "soapstack serve: %v\n", err)
			return 1
		}
		mux.Handle("/", plain)
		catTLS = overTLS
	}
	var rmPaths []string
	if *rel {
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
	var tlsSrv *http.Server
	ready := "http://" + ln.Addr().String()
	if catTLS != nil {
		host, _, _ := net.SplitHostPort(ln.Addr().String())
		tln, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
		if err != nil {
			_ = ln.Close()
			fmt.Fprintf(stderr, "soapstack serve: %v\n", err)
			return 1
		}
		tlsSrv = &http.Server{Handler: catTLS, ReadHeaderTimeout: 10 * time.Second, TLSConfig: pki.TLSConfig()}
		go func() { _ = tlsSrv.ServeTLS(tln, "", "") }()
		ready += " https://" + tln.Addr().String()
	}
	if *rel || *cat {
		// The peers' server protocol (interop.StartCommandServer).
		fmt.Fprintf(stdout, "READY %s\n", ready)
	}
	fmt.Fprintf(stdout, "serving IPingService at http://%s/soap11 (SOAP 1.1) and http://%s/soap12 (SOAP 1.2)\n", ln.Addr(), ln.Addr())
	if secure != nil {
		fmt.Fprintf(stdout, "and at http://%s/secure (%s)\n", ln.Addr(), sf.describe())
	}
	for _, p := range rmPaths {
		fmt.Fprintf(stdout, "serving reliable sessions at http://%s%s\n", ln.Addr(), p)
	}
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
		if tlsSrv != nil {
			_ = tlsSrv.Shutdown(sctx)
		}
	}()
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		fmt.Fprintf(stderr, "soapstack serve: %v\n", err)
		return 1
	}
	return 0
}

// describe names what /secure runs.
func (s *secureFlags) describe() string {
	d := "wsHttpBinding, user name, secure session"
	if s.cookieKeys != "" || s.cookieKeysEnv != "" {
		if s.mode == "reference" {
			d += " in reference mode"
		} else {
			d += " in cookie mode"
		}
	}
	if s.reliable {
		d += ", reliable session"
	}
	if s.redisURL != "" {
		d += ", state in Redis"
	}
	return d
}
