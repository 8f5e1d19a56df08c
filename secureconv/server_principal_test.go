package secureconv

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"math/big"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/soapstack/soapstack/internal/wstrust"
	"github.com/soapstack/soapstack/soap"
	"github.com/soapstack/soapstack/wssecurity"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// tClientCert returns a self-signed client certificate named cn.
func tClientCert(t testing.TB, cn string) *wssecurity.Certificate {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(11), Subject: pkix.Name{CommonName: cn, Organization: []string{"Example"}},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(48 * time.Hour), DNSNames: []string{"client.example"},
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment, BasicConstraintsValid: true, IsCA: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	c, err := x509.ParseCertificate(der)
	require.NoError(t, err)
	return &wssecurity.Certificate{Cert: c, Key: key}
}

// seen is what the application handler saw of one request.
type seen struct {
	p      *soap.Principal
	app    []byte
	hasApp bool
}

// pEnv is a secure-session service whose application records the
// principal of each request, and whose layer's errors (with their causes)
// a test can read.
type pEnv struct {
	t       *testing.T
	v       Version
	svc     *wssecurity.Certificate
	client  *wssecurity.Certificate
	clock   *fakeClock
	boot    wssecurity.Policy
	app     wssecurity.Policy
	cfg     ServerConfig
	srv     soap.Handler
	calls   atomic.Int32
	mu      sync.Mutex
	seen    []seen
	lastErr error
}

// The bootstraps of the principal tests.
const (
	bootAnonymous   = "anonymous"
	bootUsername    = "username"
	bootCertificate = "certificate"
)

func tBootstrap(kind string) wssecurity.Policy {
	var p wssecurity.Policy
	switch kind {
	case bootUsername:
		p = wssecurity.UserNameForCertificate(wssecurity.Basic128)
	case bootCertificate:
		p = wssecurity.MutualCertificate(wssecurity.WSS11, wssecurity.Basic128)
	default:
		p = wssecurity.AnonymousForCertificate(wssecurity.Basic128)
	}
	p.EncryptSignature = false
	return p
}

func newPEnv(t *testing.T, boot string, mutate func(*pEnv)) *pEnv {
	t.Helper()
	e := &pEnv{t: t, v: V200502, svc: testServiceCert(t), clock: &fakeClock{t: time.Now()}}
	e.boot = tBootstrap(boot)
	_, e.app = scPolicies(e.v)
	e.cfg = ServerConfig{Version: e.v, Bootstrap: e.boot, Policy: e.app, Lifetime: time.Hour,
		Security: wssecurity.Config{Certificate: e.svc, Now: e.clock.Now}}
	users := tUsers(map[string]string{"alice": "clarinet", "bob": "oboe"})
	e.cfg.Security.Usernames = users
	if boot == bootCertificate {
		e.client = tClientCert(t, "Client One")
		e.cfg.Security.Trust = wssecurity.NewTrustStore(wssecurity.WithRoots(e.client.Cert))
	}
	if mutate != nil {
		mutate(e)
	}
	layer, err := ServerLayer(e.cfg)
	require.NoError(t, err)
	inner := soap.ChainHandler(soap.HandlerFunc(func(ctx context.Context, req *soap.Message) (*soap.Message, error) {
		e.calls.Add(1)
		p, _ := soap.PrincipalFromContext(ctx)
		app, ok := SessionAppContext(ctx)
		e.mu.Lock()
		e.seen = append(e.seen, seen{p: p, app: app, hasApp: ok})
		e.mu.Unlock()
		return soap.Reply(req, "urn:echoResponse", req.Payload().Copy())
	}), layer)
	e.srv = soap.HandlerFunc(func(ctx context.Context, req *soap.Message) (*soap.Message, error) {
		resp, err := inner.ServeSOAP(ctx, req)
		if err != nil {
			e.mu.Lock()
			e.lastErr = err
			e.mu.Unlock()
		}
		return resp, err
	})
	return e
}

// newClient returns a client of the service over the wire; user "" is no
// user name.
func (e *pEnv) newClient(user, password string, mutate func(*ClientConfig)) *Client {
	sec := wssecurity.Config{PeerCertificate: e.svc.Cert, Now: e.clock.Now, Username: user, Password: wssecurity.Secret(password)}
	if e.client != nil {
		sec.Certificate = e.client
	}
	cfg := ClientConfig{Version: e.v, Bootstrap: e.boot, Policy: e.app, To: "http://svc/a", Security: sec}
	if mutate != nil {
		mutate(&cfg)
	}
	attack := &attackEnv{t: e.t}
	c, err := NewClient(attack.wire(e.srv, nil), cfg)
	require.NoError(e.t, err)
	return c
}

func (e *pEnv) last() seen {
	e.mu.Lock()
	defer e.mu.Unlock()
	require.NotEmpty(e.t, e.seen)
	return e.seen[len(e.seen)-1]
}

func (e *pEnv) err() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.lastErr
}

// TestSessionPrincipal: the application of a secure-session endpoint sees
// the caller's identities and the session, for each bootstrap, and after a
// renewal the same identities under a new key generation.
func TestSessionPrincipal(t *testing.T) {
	tests := []struct {
		boot   string
		user   string
		method string
		name   string
		check  func(t *testing.T, id *soap.Identity)
	}{
		{boot: bootAnonymous, method: ""},
		{boot: bootUsername, user: "alice", method: soap.AuthMethodPassword, name: "alice"},
		{boot: bootCertificate, method: soap.AuthMethodX509, name: "CN=Client One,O=Example", check: func(t *testing.T, id *soap.Identity) {
			assert.True(t, id.HasClaim(soap.ClaimDNS, "client.example"))
			_, ok := id.FindClaim(soap.ClaimThumbprint)
			assert.True(t, ok, "thumbprint claim kept")
			assert.Nil(t, id.Certificate, "the session keeps the claims, not the certificate")
		}},
	}
	for _, tc := range tests {
		for _, cookies := range []bool{false, true} {
			name := tc.boot
			if cookies {
				name += "/cookie"
			}
			t.Run(name, func(t *testing.T) {
				e := newPEnv(t, tc.boot, func(e *pEnv) {
					if cookies {
						e.cfg.Cookies = tRing(t, "farm", 1)
					}
				})
				password := map[string]string{"alice": "clarinet"}[tc.user]
				c := e.newClient(tc.user, password, nil)
				require.NoError(t, callEcho(t, c, "one"))
				first := e.last().p
				require.NotNil(t, first, "principal in the handler's context")
				require.Len(t, first.Identities, 1)
				id := first.Primary()
				assert.Equal(t, tc.method, id.AuthenticationMethod)
				assert.Equal(t, tc.name, id.Name())
				assert.Equal(t, tc.method != "", first.IsAuthenticated())
				if tc.check != nil {
					tc.check(t, id)
				}
				require.NotNil(t, first.Session)
				assert.Equal(t, c.Session(), first.Session.ContextID)
				assert.Equal(t, "2005/02", first.Session.Version)
				assert.Equal(t, cookies, first.Session.CookieMode)
				assert.Empty(t, first.Session.KeyGeneration, "no Instance before the first renewal")
				assert.Nil(t, first.BootstrapToken, "not kept by default")

				// Past 60% of the lifetime the client renews.
				e.clock.Add(40 * time.Minute)
				require.NoError(t, callEcho(t, c, "two"))
				second := e.last().p
				require.NotNil(t, second)
				assert.Equal(t, first.Session.ContextID, second.Session.ContextID)
				assert.NotEmpty(t, second.Session.KeyGeneration, "the renewal's Instance")
				assert.Equal(t, first.Identities, second.Identities, "identities survive the renewal")
				assert.Equal(t, cookies, second.Session.CookieMode)
				assert.NotSame(t, first, second)
			})
		}
	}
}

// TestSessionPrincipalBootstrapToken: with KeepBootstrapToken the
// application sees the canonical UsernameToken of the handshake (cookie
// mode: it travels in the cookie).
func TestSessionPrincipalBootstrapToken(t *testing.T) {
	for _, cookies := range []bool{false, true} {
		e := newPEnv(t, bootUsername, func(e *pEnv) {
			e.cfg.KeepBootstrapToken = true
			if cookies {
				e.cfg.Cookies = tRing(t, "farm", 1)
			}
		})
		c := e.newClient("bob", "oboe", nil)
		require.NoError(t, callEcho(t, c, "x"))
		p := e.last().p
		require.NotNil(t, p)
		assert.Contains(t, string(p.BootstrapToken), "UsernameToken")
		assert.Contains(t, string(p.BootstrapToken), ">bob<")
		assert.NotContains(t, string(p.BootstrapToken), "oboe", "a password is never kept")
		assert.NotContains(t, string(p.BootstrapToken), "Password")
		assert.Equal(t, cookies, p.Session.CookieMode)
	}
}

// TestTransformClaims: the claims transformation adds a role the
// application sees for the whole session; an error refuses the session
// with AccessDenied.
func TestTransformClaims(t *testing.T) {
	var transformed atomic.Int32
	e := newPEnv(t, bootUsername, func(e *pEnv) {
		e.cfg.TransformClaims = func(ctx context.Context, p *soap.Principal) (*soap.Principal, error) {
			transformed.Add(1)
			if p.Name() == "bob" {
				return nil, errNoBob
			}
			q := p.Clone()
			q.Identities[0].Claims = append(q.Identities[0].Claims, soap.Claim{Type: soap.ClaimRole, Value: "operator", Issuer: "urn:test"})
			return q, nil
		}
	})
	c := e.newClient("alice", "clarinet", nil)
	require.NoError(t, callEcho(t, c, "one"))
	assert.True(t, e.last().p.HasClaim(soap.ClaimRole, "operator"))
	e.clock.Add(40 * time.Minute) // renewal
	require.NoError(t, callEcho(t, c, "two"))
	assert.True(t, e.last().p.HasClaim(soap.ClaimRole, "operator"), "kept after renewal")
	assert.Equal(t, int32(1), transformed.Load(), "once per session, not per renewal")

	bob := e.newClient("bob", "oboe", nil)
	err := callEcho(t, bob, "x")
	requireFault(t, err, "FailedAuthentication")
	f, _ := soap.AsFault(err)
	assert.Equal(t, soap.AccessDeniedReason, f.Reason())
	assert.ErrorIs(t, e.err(), errNoBob, "the transformation refused")
	assert.Equal(t, int32(2), e.calls.Load(), "bob's call did not run")
}

var errNoBob = errors.New("bob may not open sessions")

// TestAuthorize: the authorizer sees each application message's action
// and principal; a refusal is AccessDenied and the application does not
// run; token requests are not submitted to it.
func TestAuthorize(t *testing.T) {
	var mu sync.Mutex
	var actions []string
	errDenied := errors.New("only alice")
	e := newPEnv(t, bootUsername, func(e *pEnv) {
		e.cfg.Authorize = func(ctx context.Context, action string, p *soap.Principal) error {
			mu.Lock()
			actions = append(actions, action)
			mu.Unlock()
			if p.Name() != "alice" {
				return errDenied
			}
			return nil
		}
	})
	alice := e.newClient("alice", "clarinet", nil)
	require.NoError(t, callEcho(t, alice, "ok"))
	e.clock.Add(40 * time.Minute)
	require.NoError(t, callEcho(t, alice, "ok after renewal"))
	require.NoError(t, alice.Close(context.Background()))
	assert.Equal(t, int32(2), e.calls.Load())

	bob := e.newClient("bob", "oboe", nil)
	err := callEcho(t, bob, "refused")
	requireFault(t, err, "FailedAuthentication")
	assert.ErrorIs(t, e.err(), errDenied, "the authorizer refused")
	assert.Equal(t, int32(2), e.calls.Load(), "the application did not run")
	mu.Lock()
	defer mu.Unlock()
	assert.Equal(t, []string{"urn:echo", "urn:echo", "urn:echo"}, actions, "Issue, Renew and Cancel are not authorized")
}

// TestOnSessionCreated: the hook chooses cookie mode for one session and
// reference mode for another, and sets the application context.
func TestOnSessionCreated(t *testing.T) {
	var cache *MemoryTokenCache
	e := newPEnv(t, bootUsername, func(e *pEnv) {
		e.cfg.Cookies = tRing(t, "farm", 1)
		cache = NewMemoryTokenCache()
		e.cfg.Cache = cache
		e.cfg.OnSessionCreated = func(ctx context.Context, tok *SessionToken) error {
			if tok.Key != nil {
				return errors.New("the hook saw the key")
			}
			p := sessionPrincipal(tok, V200502)
			tok.CookieMode = p.Name() == "alice"
			tok.AppContext = []byte("tenant of " + p.Name())
			tok.Persistent = true
			tok.ContextID = "urn:ignored" // not the hook's to change
			return nil
		}
	})
	alice := e.newClient("alice", "clarinet", nil)
	require.NoError(t, callEcho(t, alice, "a"))
	a := e.last()
	assert.True(t, a.p.Session.CookieMode)
	assert.Equal(t, "tenant of alice", string(a.app))
	assert.Equal(t, alice.Session(), a.p.Session.ContextID)
	_, err := cache.Get(context.Background(), alice.Session(), "", e.clock.Now())
	assert.ErrorIs(t, err, ErrTokenNotFound, "a cookie-mode session is not in the cache")

	bob := e.newClient("bob", "oboe", nil)
	require.NoError(t, callEcho(t, bob, "b"))
	b := e.last()
	assert.False(t, b.p.Session.CookieMode)
	assert.Equal(t, "tenant of bob", string(b.app))
	tok, err := cache.Get(context.Background(), bob.Session(), "", e.clock.Now())
	require.NoError(t, err)
	assert.True(t, tok.Persistent)
	assert.Equal(t, V200502, tok.Version)

	// Renewals and Cancel keep each session's mode.
	e.clock.Add(40 * time.Minute)
	require.NoError(t, callEcho(t, alice, "a2"))
	assert.True(t, e.last().p.Session.CookieMode)
	assert.Equal(t, "tenant of alice", string(e.last().app))
	require.NoError(t, callEcho(t, bob, "b2"))
	assert.False(t, e.last().p.Session.CookieMode)
	require.NoError(t, alice.Close(context.Background()))
	require.NoError(t, bob.Close(context.Background()))
	_, err = cache.Get(context.Background(), bob.Session(), "", e.clock.Now())
	assert.ErrorIs(t, err, ErrTokenNotFound, "cancelled")
}

// TestOnSessionCreatedCookieWithoutRing: a hook that chooses cookie mode
// on a service without a key ring fails the Issue with a Receiver fault.
func TestOnSessionCreatedCookieWithoutRing(t *testing.T) {
	e := newPEnv(t, bootAnonymous, func(e *pEnv) {
		e.cfg.OnSessionCreated = func(ctx context.Context, tok *SessionToken) error { tok.CookieMode = true; return nil }
	})
	err := callEcho(t, e.newClient("", "", nil), "x")
	f, ok := soap.AsFault(err)
	require.True(t, ok, "%v", err)
	assert.Equal(t, soap.CodeReceiver, f.Code)
	assert.Zero(t, e.calls.Load())
}

// TestServerVersionAndEntropy: the service's version and entropy mode are
// enforced on token requests with wst:InvalidRequest, and the cause says
// which rule fired.
func TestServerVersionAndEntropy(t *testing.T) {
	tests := []struct {
		name    string
		server  EntropyMode
		client  func(*ClientConfig)
		cause   error
		faultNS string
	}{
		{name: "WS-SC 1.3 request to a 2005/02 service", client: func(c *ClientConfig) {
			c.Version = V13
			_, c.Policy = scPolicies(V13)
		}, cause: ErrVersionNotAccepted, faultNS: wstrust.NSTrust13},
		{name: "no client entropy, Combined service", client: func(c *ClientConfig) { c.Entropy = EntropyServer },
			cause: ErrClientEntropyRequired, faultNS: V200502.wire().TrustNamespace()},
		{name: "no client entropy, Client-entropy service", server: EntropyClient, client: func(c *ClientConfig) { c.Entropy = EntropyServer },
			cause: ErrClientEntropyRequired, faultNS: V200502.wire().TrustNamespace()},
		{name: "client entropy, Server-entropy service", server: EntropyServer, client: func(c *ClientConfig) { c.Entropy = EntropyCombined },
			cause: ErrClientEntropyRefused, faultNS: V200502.wire().TrustNamespace()},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newPEnv(t, bootAnonymous, func(e *pEnv) { e.cfg.Entropy = tc.server })
			err := callEcho(t, e.newClient("", "", tc.client), "x")
			requireFault(t, err, wstrust.FaultInvalidRequest)
			f, _ := soap.AsFault(err)
			assert.Equal(t, tc.faultNS, f.Subcode().Space)
			assert.ErrorIs(t, e.err(), tc.cause)
			assert.Zero(t, e.calls.Load())
		})
	}
}

// TestServerConfigValidation: misconfigurations are errors naming the
// field when the layer is built.
func TestServerConfigValidation(t *testing.T) {
	svc := testServiceCert(t)
	_, app := scPolicies(V200502)
	good := func() ServerConfig {
		return ServerConfig{Version: V200502, Bootstrap: tBootstrap(bootAnonymous), Policy: app,
			Security: wssecurity.Config{Certificate: svc}}
	}
	tests := []struct {
		name   string
		mutate func(*ServerConfig)
		want   string // "" for a valid config
	}{
		{name: "valid"},
		{name: "valid username", mutate: func(c *ServerConfig) {
			c.Bootstrap = tBootstrap(bootUsername)
			c.Security.Usernames = tUsers(nil)
		}},
		{name: "no version", mutate: func(c *ServerConfig) { c.Version = 0 }, want: "ServerConfig.Version"},
		{name: "unknown entropy", mutate: func(c *ServerConfig) { c.Entropy = 7 }, want: "ServerConfig.Entropy"},
		{name: "no bootstrap", mutate: func(c *ServerConfig) { c.Bootstrap = wssecurity.Policy{} }, want: "ServerConfig.Bootstrap"},
		{name: "session bootstrap", mutate: func(c *ServerConfig) { c.Bootstrap = app }, want: "ServerConfig.Bootstrap"},
		{name: "no session in the policy", mutate: func(c *ServerConfig) { c.Policy = tBootstrap(bootAnonymous) }, want: "ServerConfig.Policy"},
		{name: "no service certificate", mutate: func(c *ServerConfig) { c.Security.Certificate = nil }, want: "ServerConfig.Security.Certificate"},
		{name: "mutual certificate without trust store", mutate: func(c *ServerConfig) {
			c.Bootstrap = tBootstrap(bootCertificate)
		}, want: "ServerConfig.Security.Trust"},
		{name: "WSS 1.0 mutual certificate without trust store", mutate: func(c *ServerConfig) {
			c.Bootstrap = wssecurity.MutualCertificate(wssecurity.WSS10, wssecurity.Basic128)
		}, want: "ServerConfig.Security.Trust"},
		{name: "username without validator", mutate: func(c *ServerConfig) { c.Bootstrap = tBootstrap(bootUsername) }, want: "ServerConfig.Security.Usernames"},
		{name: "username over transport without validator", mutate: func(c *ServerConfig) {
			c.Bootstrap = wssecurity.UserNameOverTransport()
			c.Security.Certificate = nil
		}, want: "ServerConfig.Security.Usernames"},
		{name: "negative lifetime", mutate: func(c *ServerConfig) { c.Lifetime = -time.Hour }, want: "ServerConfig.Lifetime"},
		{name: "negative key lifetime", mutate: func(c *ServerConfig) { c.KeyLifetime = -time.Hour }, want: "ServerConfig.KeyLifetime"},
		{name: "cookie mode without keys", mutate: func(c *ServerConfig) { c.Cookies = &KeyRing{} }, want: "ServerConfig.Cookies"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := good()
			if tc.mutate != nil {
				tc.mutate(&cfg)
			}
			_, err := ServerLayer(cfg)
			if tc.want == "" {
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

// TestV1CookieStillOpens opens cookies sealed by the version 1 code
// (testdata, written before version 2 existed) and derives the session
// principal from their claims.
func TestV1CookieStillOpens(t *testing.T) {
	secret := make([]byte, 32)
	for i := range secret {
		secret[i] = byte(0x40 + i)
	}
	ring, err := NewKeyRing(RingKey{ID: 3, Secret: secret})
	require.NoError(t, err)
	at := time.Date(2026, 11, 22, 20, 0, 0, 0, time.UTC)

	tok := tOpenTestdataCookie(t, ring, "cookie_v1_username.b64", at)
	assert.Equal(t, "urn:uuid:6a2f1d8e-3c4b-4f5a-9e8d-7c6b5a4f3e2d", tok.ContextID)
	assert.Equal(t, []byte("0123456789abcdef0123456789abcdef"), tok.Key)
	assert.Equal(t, Claims{Method: AuthUsername, Username: "alice"}, tok.Claims)
	assert.Equal(t, "cart=42", string(tok.AppContext))
	assert.True(t, tok.Persistent)
	assert.Zero(t, tok.Version, "version 1 did not record it")
	assert.Nil(t, tok.Identities)
	assert.True(t, tok.SameClient(Claims{Method: AuthUsername, Username: "alice"}))
	p := sessionPrincipal(tok, V13)
	assert.Equal(t, "alice", p.Name())
	assert.Equal(t, soap.AuthMethodPassword, p.AuthenticationMethod())
	assert.Equal(t, "1.3", p.Session.Version, "the service's version stands in")

	tok = tOpenTestdataCookie(t, ring, "cookie_v1_certificate.b64", at)
	assert.Equal(t, AuthCertificate, tok.Claims.Method)
	p = sessionPrincipal(tok, V200502)
	assert.Equal(t, "CN=bob,O=Example", p.Name())
	assert.Equal(t, soap.AuthMethodX509, p.AuthenticationMethod())

	// Opened and sealed again, it becomes a version 2 cookie.
	c, err := SealCookie(ring, tok, nil, at)
	require.NoError(t, err)
	again, err := OpenCookie(ring, c, at)
	require.NoError(t, err)
	assert.Equal(t, tok, again)
}
