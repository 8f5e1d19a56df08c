package secureconv

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/beevik/etree"
	"github.com/soapstack/soapstack/internal/wstrust"
	"github.com/soapstack/soapstack/internal/xmlenc"
	"github.com/soapstack/soapstack/soap"
	"github.com/soapstack/soapstack/wssecurity"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// attackEnv is a service with secure sessions and a way to build clients
// whose wire traffic a test can change.
type attackEnv struct {
	t     *testing.T
	v     Version
	cert  *wssecurity.Certificate
	clock *fakeClock
	boot  wssecurity.Policy
	app   wssecurity.Policy
	scfg  ServerConfig
	srv   soap.Handler
	calls atomic.Int32
}

func newAttackEnv(t *testing.T, mutate func(*ServerConfig)) *attackEnv {
	t.Helper()
	e := &attackEnv{t: t, v: V200502, cert: testServiceCert(t), clock: &fakeClock{t: time.Now()}}
	e.boot, e.app = scPolicies(e.v)
	e.scfg = ServerConfig{Version: e.v, Bootstrap: e.boot, Policy: e.app, Lifetime: time.Hour, Endpoint: "http://svc/a",
		Security: wssecurity.Config{Certificate: e.cert, Now: e.clock.Now},
		Cache:    NewMemoryTokenCache()}
	if mutate != nil {
		mutate(&e.scfg)
	}
	e.srv = e.server(e.scfg)
	return e
}

func (e *attackEnv) server(cfg ServerConfig) soap.Handler {
	layer, err := ServerLayer(cfg)
	require.NoError(e.t, err)
	return soap.ChainHandler(soap.HandlerFunc(func(ctx context.Context, req *soap.Message) (*soap.Message, error) {
		e.calls.Add(1)
		return soap.Reply(req, "urn:echoResponse", req.Payload().Copy())
	}), layer)
}

// wire sends m to srv through bytes; tamper may change the request.
func (e *attackEnv) wire(srv soap.Handler, tamper func(*soap.Message)) soap.Invoker {
	return soap.InvokerFunc(func(ctx context.Context, req *soap.Message) (*soap.Message, error) {
		b, err := req.Bytes()
		require.NoError(e.t, err)
		in, err := soap.ParseMessage(b, soap.Limits{})
		require.NoError(e.t, err)
		if tamper != nil && in.Addressing.Action == "urn:echo" {
			tamper(in)
			b, err = in.Bytes()
			require.NoError(e.t, err)
			in, err = soap.ParseMessage(b, soap.Limits{})
			require.NoError(e.t, err)
		}
		resp, err := srv.ServeSOAP(ctx, in)
		if err != nil || resp == nil {
			return nil, err
		}
		out, err := resp.Bytes()
		require.NoError(e.t, err)
		back, err := soap.ParseMessage(out, soap.Limits{})
		require.NoError(e.t, err)
		if back.IsFault() { // as the HTTP transport returns a fault reply
			f, err := back.Fault()
			require.NoError(e.t, err)
			return back, f
		}
		return back, nil
	})
}

func (e *attackEnv) client(transport soap.Invoker, sec wssecurity.Config) *Client {
	sec.PeerCertificate = e.cert.Cert
	sec.Now = e.clock.Now
	c, err := NewClient(transport, ClientConfig{Version: e.v, Bootstrap: e.boot, Policy: e.app, To: "http://svc/a", Security: sec})
	require.NoError(e.t, err)
	return c
}

func echoMsg(t *testing.T, text string) *soap.Message {
	p := etree.NewElement("e:echo")
	p.CreateAttr("xmlns:e", "urn:echo")
	p.SetText(text)
	m := soap.NewMessageWithBody(soap.V12, p)
	a, err := soap.RequestAddressing(soap.WSA200408, "urn:echo", "http://svc/a", nil)
	require.NoError(t, err)
	m.SetAddressing(a)
	return m
}

// sendWithSession protects an echo with session s as it is (no renewal, no
// re-establishment) and sends it to srv.
func (e *attackEnv) sendWithSession(c *Client, s *session, srv soap.Handler) error {
	m := echoMsg(e.t, "x")
	if _, err := wssecurity.SecureRequest(context.Background(), e.app, c.sessionConfig(s), m); err != nil {
		return err
	}
	_, err := e.wire(srv, nil).Call(context.Background(), m)
	return err
}

func callEcho(t *testing.T, c *Client, text string) error {
	_, err := c.Call(context.Background(), echoMsg(t, text))
	return err
}

// requireFault checks the fault's subcode and, when given, the cause: the
// defence that must have fired (errors.Is on the fault's cause chain).
func requireFault(t *testing.T, err error, subcode string, causes ...error) {
	t.Helper()
	f, ok := soap.AsFault(err)
	require.True(t, ok, "want a %s fault, got %v", subcode, err)
	assert.Equal(t, subcode, f.Subcode().Local, "%v", f)
	for _, c := range causes {
		assert.ErrorIs(t, f, c, "the wrong defence fired")
	}
}

// logErrors collects the errors a server logs (slog attribute "error").
type logErrors struct {
	mu   sync.Mutex
	errs []error
}

func (h *logErrors) Enabled(context.Context, slog.Level) bool { return true }
func (h *logErrors) Handle(_ context.Context, r slog.Record) error {
	r.Attrs(func(a slog.Attr) bool {
		if e, ok := a.Value.Any().(error); ok {
			h.mu.Lock()
			h.errs = append(h.errs, e)
			h.mu.Unlock()
		}
		return true
	})
	return nil
}
func (h *logErrors) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *logErrors) WithGroup(string) slog.Handler      { return h }

// logged reports whether the server logged an error matching target.
func (h *logErrors) logged(target error) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, e := range h.errs {
		if errors.Is(e, target) {
			return true
		}
	}
	return false
}

func TestUnknownAndExpiredSessions(t *testing.T) {
	e := newAttackEnv(t, nil)
	c := e.client(e.wire(e.srv, nil), wssecurity.Config{})
	require.NoError(t, callEcho(t, c, "one"))

	// A service that never issued the token (another process, no cache).
	other := e.server(func() ServerConfig {
		cfg := e.scfg
		cfg.Cache = NewMemoryTokenCache()
		return cfg
	}())
	s, err := c.current(context.Background())
	require.NoError(t, err)
	stale := &Client{cfg: c.cfg, transport: e.wire(other, nil), sess: s}
	_, err = stale.call(context.Background(), echoMsg(t, "x"))
	requireFault(t, err, wstrust.FaultBadContextToken, ErrTokenNotFound)

	// The token's lifetime is over: the service answers BadContextToken.
	// The same message before expiry is accepted (control).
	require.NoError(t, e.sendWithSession(c, s, e.srv))
	e.clock.Add(2 * time.Hour)
	err = e.sendWithSession(c, s, e.srv)
	requireFault(t, err, wstrust.FaultBadContextToken)
	assert.True(t, errors.Is(err, ErrTokenExpired) || errors.Is(err, ErrTokenNotFound), "want an expired (evicted) token, got %v", err)
	assert.Equal(t, int32(2), e.calls.Load())
}

func TestSessionOfAnotherEndpoint(t *testing.T) {
	e := newAttackEnv(t, nil)
	c := e.client(e.wire(e.srv, nil), wssecurity.Config{})
	require.NoError(t, callEcho(t, c, "one"))
	// Endpoint b shares the token cache but is another endpoint.
	cfgB := e.scfg
	cfgB.Endpoint = "http://svc/b"
	b := e.server(cfgB)
	s, err := c.current(context.Background())
	require.NoError(t, err)
	_, err = (&Client{cfg: c.cfg, transport: e.wire(b, nil), sess: s}).call(context.Background(), echoMsg(t, "x"))
	requireFault(t, err, wstrust.FaultBadContextToken, ErrEndpointMismatch)
}

func TestCrossSessionKeyUse(t *testing.T) {
	e := newAttackEnv(t, nil)
	a := e.client(e.wire(e.srv, nil), wssecurity.Config{})
	b := e.client(e.wire(e.srv, nil), wssecurity.Config{})
	require.NoError(t, callEcho(t, a, "a"))
	require.NoError(t, callEcho(t, b, "b"))
	sa, _ := a.current(context.Background())
	sb, _ := b.current(context.Background())
	// Session a's token with session b's key.
	mixed := &session{sct: sa.sct, expires: sa.expires, renewAt: sa.renewAt,
		wss: &wssecurity.SessionToken{Element: sa.wss.Element, Identifier: sa.wss.Identifier, TokenType: sa.wss.TokenType, Namespace: sa.wss.Namespace, Key: sb.wss.Key}}
	_, err := (&Client{cfg: a.cfg, transport: e.wire(e.srv, nil), sess: mixed}).call(context.Background(), echoMsg(t, "x"))
	// b's key does not open what a's token names: decryption fails.
	requireFault(t, err, wssecurity.FaultInvalidSecurity, wssecurity.ErrFailedCheck, xmlenc.ErrDecrypt)
	assert.Equal(t, int32(2), e.calls.Load())
}

func TestCancelOrRenewAnotherSession(t *testing.T) {
	e := newAttackEnv(t, nil)
	a := e.client(e.wire(e.srv, nil), wssecurity.Config{})
	b := e.client(e.wire(e.srv, nil), wssecurity.Config{})
	require.NoError(t, callEcho(t, a, "a"))
	require.NoError(t, callEcho(t, b, "b"))
	sa, _ := a.current(context.Background())
	sb, _ := b.current(context.Background())
	// a's session protects a Cancel of b's session.
	rst := &wstrust.RST{Operation: wstrust.OpCancel, CancelTarget: wstrust.NewSCTReference(e.v.wire(), sb.sct.Identifier, "")}
	_, err := a.tokenRequest(context.Background(), e.app, a.sessionConfig(sa), wstrust.OpCancel, rst)
	requireFault(t, err, wstrust.FaultInvalidRequest, ErrTargetMismatch)
	rst = &wstrust.RST{Operation: wstrust.OpRenew, KeySize: 128, RenewTarget: wstrust.NewSCTReference(e.v.wire(), sb.sct.Identifier, "")}
	rst.Entropy, _ = newEntropy(128, "", nil)
	_, err = a.tokenRequest(context.Background(), e.app, a.sessionConfig(sa), wstrust.OpRenew, rst)
	requireFault(t, err, wstrust.FaultUnableToRenew, ErrTargetMismatch)
	// b's session still works.
	require.NoError(t, callEcho(t, b, "still there"))
}

// TestBootstrapCancelByNonOwner: with CancelWithBootstrap, a Cancel under
// the bootstrap policy must come from the client that owns the session.
func TestBootstrapCancelByNonOwner(t *testing.T) {
	users := &wssecurity.UsernameTokenVerifier{CheckPassword: func(ctx context.Context, u, p string) error {
		if (u == "alice" || u == "bob") && p == "pw" {
			return nil
		}
		return wssecurity.ErrFailedAuthentication
	}}
	logs := &logErrors{}
	e := newAttackEnv(t, func(c *ServerConfig) {
		c.CancelWithBootstrap = true
		c.Security.Usernames = users
		c.Security.Logger = slog.New(logs)
	})
	ut := wssecurity.SupportingToken{Token: wssecurity.Token{Kind: wssecurity.UsernameToken, Inclusion: wssecurity.IncludeAlwaysToRecipient}, Role: wssecurity.SignedEncryptedSupporting}
	e.boot.Supporting = []wssecurity.SupportingToken{ut}
	e.scfg.Bootstrap = e.boot
	e.srv = e.server(e.scfg)
	alice := e.client(e.wire(e.srv, nil), wssecurity.Config{Username: "alice", Password: "pw"})
	bob := e.client(e.wire(e.srv, nil), wssecurity.Config{Username: "bob", Password: "pw"})
	require.NoError(t, callEcho(t, alice, "a"))
	require.NoError(t, callEcho(t, bob, "b"))
	sa, _ := alice.current(context.Background())
	rst := &wstrust.RST{Operation: wstrust.OpCancel, CancelTarget: wstrust.NewSCTReference(e.v.wire(), sa.sct.Identifier, "")}
	boot := bob.cfg.Security
	_, err := bob.tokenRequest(context.Background(), e.boot, &boot, wstrust.OpCancel, rst)
	require.Error(t, err, "bob cannot cancel alice's session")
	// The fault is that of the session attempt; the bootstrap attempt's
	// cause is logged.
	assert.True(t, logs.logged(ErrNotSessionOwner), "the owner check must refuse bob's Cancel")
	require.NoError(t, callEcho(t, alice, "alice still in session"))
}

func TestCookieAttacks(t *testing.T) {
	ring, err := NewKeyRing(RingKey{ID: 1, Secret: bytes.Repeat([]byte{1}, 32)})
	require.NoError(t, err)
	foreign, err := NewKeyRing(RingKey{ID: 1, Secret: bytes.Repeat([]byte{2}, 32)})
	require.NoError(t, err)
	cookieOf := func(m *soap.Message) *etree.Element {
		return m.Envelope.FindElement("//SecurityContextToken/Cookie")
	}
	tests := []struct {
		name   string
		tamper func(m *soap.Message)
		want   error
	}{
		{"flipped byte", func(m *soap.Message) {
			c := cookieOf(m)
			b, _ := base64.StdEncoding.DecodeString(c.Text())
			b[len(b)/2] ^= 1
			c.SetText(base64.StdEncoding.EncodeToString(b))
		}, ErrCookieForged},
		{"truncated", func(m *soap.Message) {
			c := cookieOf(m)
			b, _ := base64.StdEncoding.DecodeString(c.Text())
			c.SetText(base64.StdEncoding.EncodeToString(b[:len(b)-5]))
		}, ErrCookieForged},
		{"sealed by a foreign ring", func(m *soap.Message) {
			c := cookieOf(m)
			forged, err := SealCookie(foreign, &SessionToken{ContextID: "urn:uuid:x", Key: make([]byte, 16), ValidFrom: time.Now().Add(-time.Minute), ValidTo: time.Now().Add(time.Hour)}, nil, time.Now())
			require.NoError(t, err)
			c.SetText(base64.StdEncoding.EncodeToString(forged))
		}, ErrCookieForged},
		{"oversized", func(m *soap.Message) {
			cookieOf(m).SetText(strings.Repeat("QUFB", 8000))
		}, wssecurity.ErrInvalidToken},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newAttackEnv(t, func(c *ServerConfig) { c.Cookies, c.Cache = ring, nil })
			c := e.client(e.wire(e.srv, tt.tamper), wssecurity.Config{})
			_, err := c.call(context.Background(), echoMsg(t, "x"))
			requireFault(t, err, wstrust.FaultBadContextToken, tt.want)
			assert.Zero(t, e.calls.Load())
		})
	}
	t.Run("expired", func(t *testing.T) {
		e := newAttackEnv(t, func(c *ServerConfig) { c.Cookies, c.Cache = ring, nil })
		c := e.client(e.wire(e.srv, nil), wssecurity.Config{})
		require.NoError(t, callEcho(t, c, "fresh"))
		s, _ := c.current(context.Background())
		e.clock.Add(2 * time.Hour)
		requireFault(t, e.sendWithSession(c, s, e.srv), wstrust.FaultBadContextToken, ErrCookieExpired)
	})
}

// TestReplayedTokenRequest replays a captured Issue request: the replay
// cache refuses the second one.
func TestReplayedTokenRequest(t *testing.T) {
	e := newAttackEnv(t, nil)
	var captured []byte
	capture := soap.InvokerFunc(func(ctx context.Context, req *soap.Message) (*soap.Message, error) {
		b, _ := req.Bytes()
		if req.Addressing.Action == e.v.wire().IssueAction() {
			captured = b
		}
		return e.wire(e.srv, nil).Call(ctx, req)
	})
	c := e.client(capture, wssecurity.Config{})
	require.NoError(t, callEcho(t, c, "x"))
	require.NotNil(t, captured)
	m, err := soap.ParseMessage(captured, soap.Limits{})
	require.NoError(t, err)
	_, err = e.srv.ServeSOAP(context.Background(), m)
	requireFault(t, err, wssecurity.FaultInvalidSecurity, wssecurity.ErrReplay)
}

// TestRSTRWithoutEntropy: a client in Combined mode refuses an RSTR that
// carries the key without server entropy and ComputedKey. The service is a
// rogue one that answers a valid, correctly protected RSTR in Server mode;
// a real service in Server mode refuses the Combined request itself.
func TestRSTRWithoutEntropy(t *testing.T) {
	e := newAttackEnv(t, func(c *ServerConfig) { c.Entropy = EntropyServer })
	err := callEcho(t, e.client(e.wire(e.srv, nil), wssecurity.Config{}), "x")
	requireFault(t, err, wstrust.FaultInvalidRequest, ErrClientEntropyRefused)

	rogue := soap.HandlerFunc(func(ctx context.Context, req *soap.Message) (*soap.Message, error) {
		sec := e.scfg.Security
		ex, err := wssecurity.VerifyRequest(ctx, e.boot, &sec, req)
		require.NoError(t, err)
		rst, _, err := wstrust.ParseRST(req.Payload())
		require.NoError(t, err)
		require.NotNil(t, rst.Entropy, "a Combined client sends entropy")
		noEntropy := *rst
		noEntropy.Entropy = nil
		ik, err := issueKey(EntropyServer, &noEntropy, keySizeBounds{Min: 128, Max: 512, Default: 256}, nil)
		require.NoError(t, err)
		sct := &wstrust.SecurityContextToken{Version: e.v.wire(), ID: "uuid-sct-rogue", Identifier: "urn:uuid:rogue"}
		rstr := &wstrust.RSTR{Context: rst.Context, TokenType: e.v.wire().TokenType(), SCT: sct,
			RequestedAttachedReference:   sct.AttachedReference(e.v.wire()),
			RequestedUnattachedReference: sct.UnattachedReference(e.v.wire())}
		ik.Apply(e.v, rstr)
		resp, err := soap.NewReply(req, e.v.wire().ResponseAction(wstrust.OpIssue), rstr.BuildBody(e.v.wire()), nil)
		require.NoError(t, err)
		require.NoError(t, wssecurity.SecureReply(ctx, e.boot, &sec, ex, resp))
		return resp, nil
	})
	err = callEcho(t, e.client(e.wire(rogue, nil), wssecurity.Config{}), "x")
	require.ErrorIs(t, err, ErrProofKey, "the client's entropy check must refuse the RSTR")
	assert.ErrorContains(t, err, "ComputedKey")
	assert.Zero(t, e.calls.Load())
}

// TestUnknownDerivationSource: a DerivedKeyToken whose base token is not in
// the message and not known gets wsc:UnknownDerivationSource.
func TestUnknownDerivationSource(t *testing.T) {
	e := newAttackEnv(t, nil)
	tamper := func(m *soap.Message) {
		for _, dk := range m.Envelope.FindElements("//DerivedKeyToken") {
			ref := dk.FindElement("SecurityTokenReference/Reference")
			ref.CreateAttr("URI", "#no-such-token")
		}
	}
	c := e.client(e.wire(e.srv, tamper), wssecurity.Config{})
	err := callEcho(t, c, "x")
	requireFault(t, err, wstrust.FaultUnknownDerivationSource, wssecurity.ErrUnknownDerivationSource)
	assert.Zero(t, e.calls.Load())
}

// TestPendingSessionLimit: handshakes whose sessions are never used fill
// the pending limit; the next one gets a Receiver fault (the service is
// busy), and existing clients are not evicted.
func TestPendingSessionLimit(t *testing.T) {
	e := newAttackEnv(t, func(c *ServerConfig) {
		c.Cache = NewMemoryTokenCache(WithCacheMaxPending(2))
	})
	for range 2 {
		require.NoError(t, e.client(e.wire(e.srv, nil), wssecurity.Config{}).Open(context.Background()))
	}
	err := e.client(e.wire(e.srv, nil), wssecurity.Config{}).Open(context.Background())
	f, ok := soap.AsFault(err)
	require.True(t, ok, "%v", err)
	assert.Equal(t, soap.CodeReceiver, f.Code)
	assert.ErrorIs(t, f, ErrCacheFull)
}
