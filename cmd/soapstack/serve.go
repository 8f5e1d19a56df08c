package main

import (
	"context"
	"crypto/tls"
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
	"github.com/soapstack/soapstack/internal/deliverylog"
	"github.com/soapstack/soapstack/interop"
	"github.com/soapstack/soapstack/redisstore"
	"github.com/soapstack/soapstack/secureconv"
	"github.com/soapstack/soapstack/soap"
	"github.com/soapstack/soapstack/wssecurity"
)

// secureFlags are serve's flags of the secured endpoint /secure: a
// binding (bindingFlags) with its credentials, and where a farm keeps its
// state.
type secureFlags struct {
	bind          bindingFlags
	cert, key     string
	certPassword  string
	user          string
	usersFile     string
	trust         string
	validation    string
	kerberos      kerberosServeFlags
	allowInsecure bool
	redisURL      string
	cookieKeys    string
	cookieKeysEnv string
	mode          string
	claimTimeout  time.Duration
	record        bool
}

func (s *secureFlags) register(fs *flag.FlagSet) {
	s.bind.register(fs, "a reliable session (WS-RM) at /secure; with message security over the secure session")
	fs.StringVar(&s.cert, "cert", "", "service certificate: PEM (with --key) or PKCS#12 (.pfx, .p12, with --cert-password); serves /secure (wsHttpBinding, user name, secure session unless the binding flags say otherwise) and, for the transport modes, HTTPS")
	fs.StringVar(&s.key, "key", "", "private key (PEM) of --cert")
	fs.StringVar(&s.certPassword, "cert-password", "", "password of a PKCS#12 --cert")
	fs.StringVar(&s.user, "user", "", "NAME:PASSWORD of a user /secure accepts (--credential username)")
	fs.StringVar(&s.usersFile, "users", "", "file of the users /secure accepts, one NAME:PASSWORD per line (--credential username)")
	fs.StringVar(&s.trust, "trust", "", "PEM file of the certificates that client certificates are validated against (--credential certificate): the CA (--validation chain) or the clients' own certificates (peer)")
	fs.StringVar(&s.validation, "validation", "chain", "client certificate validation: chain, peer or peerorchain (WCF's X509CertificateValidationMode)")
	s.kerberos.register(fs)
	fs.BoolVar(&s.allowInsecure, "allow-insecure-transport", false, "the transport modes over plain HTTP, behind a TLS-terminating proxy")
	fs.StringVar(&s.redisURL, "redis", "", "redis:// or rediss:// URL (with addr= parameters: a Cluster): keep sessions, replays and sequences in Redis, for a farm")
	fs.StringVar(&s.cookieKeys, "cookie-keys", "", "key ring file (JSON, see secureconv/COOKIE.md), read again as it changes")
	fs.StringVar(&s.cookieKeysEnv, "cookie-keys-env", "", "environment variable holding the key ring JSON, instead of --cookie-keys")
	fs.DurationVar(&s.claimTimeout, "claim-timeout", 0, "with --reliable: how long one message's delivery may take before another node may deliver it again (a node died while delivering it); 2m when 0")
	fs.StringVar(&s.mode, "session-mode", "", "cookie or reference (default: cookie with a key ring, else reference)")
	fs.BoolVar(&s.record, "record-deliveries", false, "with --reliable and --redis: record in Redis every message the application runs and every delivery completed (sequence, number, node, time), under "+deliverylog.DefaultPrefix+", to check a farm's exactly-once delivery")
}

// secureEndpoint is what serve hosts at /secure.
type secureEndpoint struct {
	handler http.Handler
	// tls is the HTTPS configuration the binding needs (nil: plain HTTP).
	tls *tls.Config
	// lines describe the endpoint: its binding, credentials and state.
	lines []string
	close func()
}

// endpoint builds /secure from the flags; nil when neither --cert nor a
// binding flag is given. A misconfiguration is an error naming the flag.
// node names the node in delivery records (--record-deliveries): its
// listen address.
func (s *secureFlags) endpoint(fs *flag.FlagSet, logger *slog.Logger, node string) (*secureEndpoint, error) {
	if s.cert == "" && !given(fs, bindingFlagNames...) {
		if given(fs, append([]string{"user", "users", "trust", "validation", "key", "cert-password", "allow-insecure-transport",
			"reliable", "redis", "cookie-keys", "cookie-keys-env", "session-mode", "claim-timeout", "record-deliveries"}, kerberosServeFlagNames...)...) {
			return nil, errors.New("--user, --users, --trust, --keytab, --reliable, --redis, --cookie-keys, --session-mode, --claim-timeout ... configure the secured endpoint /secure: give --cert or the binding (--binding, --security, --credential)")
		}
		return nil, nil
	}
	b, err := s.bind.build()
	if err != nil {
		return nil, err
	}
	if err := credentialFlags(fs, b, credentialOf([]string{"user", "users"}, binding.CredentialUserName),
		credentialOf([]string{"trust", "validation"}, binding.CredentialCertificate),
		credentialOf(kerberosServeFlagNames, binding.CredentialWindows)); err != nil {
		return nil, err
	}
	var creds binding.Credentials
	var lines []string
	if s.cert != "" {
		if creds.ServiceCertificate, err = loadCertificate(s.cert, s.key, s.certPassword); err != nil {
			return nil, fmt.Errorf("--cert: %w", err)
		}
		lines = append(lines, "service certificate "+certName(creds.ServiceCertificate.Cert))
	}
	ep := &secureEndpoint{close: func() {}}
	if needsTLS(b) && !s.allowInsecure {
		if creds.ServiceCertificate == nil || creds.ServiceCertificate.Key == nil {
			return nil, fmt.Errorf("--security %s serves HTTPS: give --cert with its key (--key, or a PKCS#12 file), or --allow-insecure-transport behind a TLS-terminating proxy", b.Security.Mode)
		}
		ep.tls = serverTLS(creds.ServiceCertificate)
	}
	switch b.Security.Message.ClientCredentialType {
	case binding.CredentialUserName:
		u := users{}
		if s.user != "" {
			if err := u.add(s.user, "--user"); err != nil {
				return nil, err
			}
		}
		if s.usersFile != "" {
			if err := u.load(s.usersFile); err != nil {
				return nil, err
			}
		}
		if len(u) > 0 {
			creds.UserNameValidator = u.validator()
			lines = append(lines, fmt.Sprintf("clients authenticate with a user name and password (users: %d)", len(u)))
		}
	case binding.CredentialCertificate:
		if err := trustCredentials(&creds, s.trust, s.validation); err != nil {
			return nil, err
		}
		lines = append(lines, fmt.Sprintf("clients authenticate with a certificate (%s validation)", creds.Validation))
	case binding.CredentialWindows:
		var more []string
		if creds.Windows, more, err = s.kerberos.credentials(); err != nil {
			return nil, err
		}
		lines = append(lines, more...)
	}
	session := hasSession(b)
	opts := []binding.HandlerOption{binding.WithLogger(logger)}
	if s.allowInsecure {
		opts = append(opts, binding.WithAllowInsecureTransport())
	}
	var ring secureconv.KeyRingSource
	rcfg := secureconv.ReloadConfig{Logger: logger}
	switch {
	case s.cookieKeys != "" && s.cookieKeysEnv != "":
		return nil, errors.New("--cookie-keys and --cookie-keys-env: give one")
	case (s.cookieKeys != "" || s.cookieKeysEnv != "" || s.mode != "") && !session:
		return nil, errors.New("--cookie-keys, --cookie-keys-env and --session-mode configure secure sessions: the binding has none (--session)")
	case s.cookieKeys != "":
		if ring, err = secureconv.WatchKeyRingFile(s.cookieKeys, rcfg); err != nil {
			return nil, err
		}
	case s.cookieKeysEnv != "":
		if ring, err = secureconv.WatchKeyRingEnv(s.cookieKeysEnv, rcfg); err != nil {
			return nil, err
		}
	}
	cookies := ring != nil
	switch s.mode {
	case "":
	case "cookie":
		if ring == nil {
			return nil, errors.New("--session-mode cookie needs --cookie-keys or --cookie-keys-env")
		}
	case "reference":
		cookies = false
	default:
		return nil, fmt.Errorf("--session-mode %q: want cookie or reference", s.mode)
	}
	switch {
	case s.claimTimeout < 0:
		return nil, errors.New("--claim-timeout must not be negative")
	case s.claimTimeout > 0 && !s.bind.reliable:
		return nil, errors.New("--claim-timeout needs --reliable")
	case s.claimTimeout > 0:
		opts = append(opts, binding.WithClaimTimeout(s.claimTimeout))
	}
	if s.record && (!s.bind.reliable || s.redisURL == "") {
		return nil, errors.New("--record-deliveries needs --reliable and --redis")
	}
	app := (&interop.PingService{}).Handler()
	if b.Security.Message.ClientCredentialType == binding.CredentialWindows {
		app = logCaller(app, logger)
		lines = append(lines, "each call's Kerberos client is logged")
	}
	if session {
		if cookies {
			opts = append(opts, binding.WithCookieKeys(ring))
			lines = append(lines, "sessions in cookie mode (the key ring seals the session state into the token)")
		} else {
			lines = append(lines, "sessions in reference mode")
		}
	}
	if s.redisURL != "" {
		rc, err := redisClient(s.redisURL)
		if err != nil {
			return nil, err
		}
		ep.close = func() { rc.Close() }
		more, err := redisOptions(rc, ring, cookies, session, s.bind.reliable)
		if err != nil {
			rc.Close()
			return nil, err
		}
		opts = append(opts, more...)
		lines = append(lines, "state in Redis (shared by a farm's nodes)")
		if s.record {
			dl := deliverylog.New(rc, "", node, nil, logger)
			app = dl.Handler(app)
			opts = append(opts, binding.WithHooks(binding.Hooks{Reliable: func(e binding.ReliableEvent) {
				if e.Side == binding.SideService {
					dl.Event(e.Event)
				}
			}}))
			lines = append(lines, "deliveries recorded in Redis ("+deliverylog.DefaultPrefix+"{sequence})")
		}
	}
	ep.handler, err = binding.NewHandler(app, b, creds, opts...)
	if err != nil {
		ep.close()
		return nil, withFlagHint(err)
	}
	d, _ := b.Describe() // checked by build
	ep.lines = append([]string{d}, lines...)
	return ep, nil
}

// logCaller logs the authenticated caller of each request app runs.
func logCaller(app soap.Handler, logger *slog.Logger) soap.Handler {
	return soap.HandlerFunc(func(ctx context.Context, req *soap.Message) (*soap.Message, error) {
		if p, ok := soap.PrincipalFromContext(ctx); ok && p.IsAuthenticated() {
			action, _ := soap.Action(req)
			logger.InfoContext(ctx, "call", "action", action, "caller", p.Name(), "authentication", p.AuthenticationMethod())
		}
		return app.ServeSOAP(ctx, req)
	})
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
// the token cache of sessions in reference mode (sealed with the key ring, so that
// Redis holds no session key in clear), the sequences of reliable
// sessions.
func redisOptions(rc redis.UniversalClient, ring secureconv.KeyRingSource, cookies, session, reliable bool) ([]binding.HandlerOption, error) {
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
	switch {
	case !session:
		opts = append(opts, binding.WithReplayCache(replay))
	case cookies:
		opts = append(opts, binding.WithReplayCache(&redisstore.FallbackReplayCache{Shared: replay, Local: wssecurity.NewMemoryReplayCache()}))
	default:
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
	secure, err := sf.endpoint(fs, logger, *addr)
	if err != nil {
		fmt.Fprintf(stderr, "soapstack serve: %v\n", err)
		return 2
	}
	h := soap.NewHTTPHandler((&interop.PingService{}).Handler(),
		soap.WithLogger(logger), soap.WithLimits(soap.Limits{MaxBytes: *maxBytes}), soap.WithGzip(*gzip))
	mux := http.NewServeMux()
	mux.Handle("/soap11", h)
	mux.Handle("/soap12", h)
	scheme := "http"
	if secure != nil {
		defer secure.close()
		mux.Handle("/secure", secure.handler)
		if secure.tls != nil {
			scheme = "https"
		}
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
	if secure != nil && secure.tls != nil {
		// The transport security modes: every endpoint is served over TLS.
		ln = tls.NewListener(ln, secure.tls)
	}
	base := scheme + "://" + ln.Addr().String()
	var tlsSrv *http.Server
	ready := base
	if catTLS != nil {
		// The catalogue's HTTPS scenarios, on a second port.
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
	fmt.Fprintf(stdout, "serving IPingService at %s/soap11 (SOAP 1.1) and %s/soap12 (SOAP 1.2)\n", base, base)
	if secure != nil {
		// The first line names the URL and the binding (its Describe: the
		// WCF security binding element, the versions).
		fmt.Fprintf(stdout, "and at %s/secure (%s)\n", base, secure.lines[0])
		for _, l := range secure.lines[1:] {
			fmt.Fprintf(stdout, "  %s\n", l)
		}
	}
	for _, p := range rmPaths {
		fmt.Fprintf(stdout, "serving reliable sessions at %s%s\n", base, p)
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
