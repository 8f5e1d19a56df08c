package secureconv

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"math"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/soapstack/soapstack/internal/keylog"
	"github.com/soapstack/soapstack/soap"
	"github.com/soapstack/soapstack/wssecurity"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// clientWith returns a client of e sending through transport, with cfg
// changed by mutate before NewClient.
func (e *attackEnv) clientWith(transport soap.Invoker, mutate func(*ClientConfig)) *Client {
	cfg := ClientConfig{Version: e.v, Bootstrap: e.boot, Policy: e.app, To: "http://svc/a",
		Security: wssecurity.Config{PeerCertificate: e.cert.Cert, Now: e.clock.Now}}
	if mutate != nil {
		mutate(&cfg)
	}
	c, err := NewClient(transport, cfg)
	require.NoError(e.t, err)
	return c
}

// actionCounter counts the requests per wsa:Action a transport sends.
type actionCounter struct {
	mu sync.Mutex
	n  map[string]int
}

func (a *actionCounter) wrap(next soap.Invoker) soap.Invoker {
	return soap.InvokerFunc(func(ctx context.Context, req *soap.Message) (*soap.Message, error) {
		a.mu.Lock()
		if a.n == nil {
			a.n = map[string]int{}
		}
		a.n[req.Addressing.Action]++
		a.mu.Unlock()
		return next.Call(ctx, req)
	})
}

func (a *actionCounter) count(action string) int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.n[action]
}

// gate holds requests with one action until released or until the
// request's context ends, as an HTTP transport does.
type gate struct {
	action  string
	entered chan struct{} // closed when the first held request arrives
	release chan struct{}
	once    sync.Once
	mu      sync.Mutex
	ctxs    []context.Context // contexts of the held requests
}

func newGate(action string) *gate {
	return &gate{action: action, entered: make(chan struct{}), release: make(chan struct{})}
}

func (g *gate) wrap(next soap.Invoker) soap.Invoker {
	return soap.InvokerFunc(func(ctx context.Context, req *soap.Message) (*soap.Message, error) {
		if req.Addressing.Action == g.action {
			g.mu.Lock()
			g.ctxs = append(g.ctxs, ctx)
			g.mu.Unlock()
			g.once.Do(func() { close(g.entered) })
			select {
			case <-g.release:
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
		return next.Call(ctx, req)
	})
}

// TestHandshakeOutlivesShortDeadline is the regression test of issue 7
// item 3: a caller with a 100 ms deadline started the shared handshake,
// and its deadline failed a second caller without deadline that was
// waiting on the same handshake.
func TestHandshakeOutlivesShortDeadline(t *testing.T) {
	e := newAttackEnv(t, nil)
	var n actionCounter
	g := newGate(e.v.wire().IssueAction())
	c := e.clientWith(g.wrap(n.wrap(e.wire(e.srv, nil))), nil)

	short, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	firstErr := make(chan error, 1)
	go func() {
		_, err := c.Call(short, echoMsg(t, "short deadline"))
		firstErr <- err
	}()
	<-g.entered // the first caller's handshake is on the wire

	secondErr := make(chan error, 1)
	go func() {
		_, err := c.Call(context.Background(), echoMsg(t, "no deadline"))
		secondErr <- err
	}()

	err := <-firstErr
	require.ErrorIs(t, err, context.DeadlineExceeded, "the short caller gets its own context's error")
	close(g.release) // the service answers only after the first caller gave up
	require.NoError(t, <-secondErr, "the second caller must not inherit the first one's deadline")
	assert.Equal(t, 1, n.count(e.v.wire().IssueAction()), "one shared handshake")
	assert.Equal(t, int32(1), e.calls.Load())

	// The handshake ran on a context of its own: not the first caller's
	// (whose deadline was 100 ms), bounded by the HandshakeTimeout.
	g.mu.Lock()
	hctx := g.ctxs[0]
	g.mu.Unlock()
	dl, ok := hctx.Deadline()
	require.True(t, ok, "the handshake is bounded")
	sd, _ := short.Deadline()
	assert.True(t, dl.After(sd.Add(30*time.Second)), "handshake deadline %v follows HandshakeTimeout, not the caller's %v", dl, sd)
	require.NoError(t, callEcho(t, c, "in session"))
}

func TestHandshakeTimeout(t *testing.T) {
	e := newAttackEnv(t, nil)
	var n actionCounter
	g := newGate(e.v.wire().IssueAction())
	c := e.clientWith(n.wrap(g.wrap(e.wire(e.srv, nil))), func(cfg *ClientConfig) { cfg.HandshakeTimeout = 50 * time.Millisecond })

	start := time.Now()
	err := c.Open(context.Background())
	require.ErrorIs(t, err, ErrHandshakeTimeout)
	require.ErrorIs(t, err, context.DeadlineExceeded, "the transport saw the handshake's deadline")
	assert.Less(t, time.Since(start), 10*time.Second)
	assert.Empty(t, c.Session())

	close(g.release) // the service answers again: the next call establishes the session
	require.NoError(t, callEcho(t, c, "after the timeout"))
	assert.Equal(t, 2, n.count(e.v.wire().IssueAction()))
}

func TestCloseEndsRunningHandshake(t *testing.T) {
	e := newAttackEnv(t, nil)
	g := newGate(e.v.wire().IssueAction())
	c := e.clientWith(g.wrap(e.wire(e.srv, nil)), nil)
	done := make(chan error, 1)
	go func() { done <- c.Open(context.Background()) }()
	<-g.entered
	require.NoError(t, c.Close(context.Background()))
	require.ErrorIs(t, <-done, ErrClosed)
	require.ErrorIs(t, callEcho(t, c, "closed"), ErrClosed)
}

// failRenew makes the service's transport fail Renew requests while on.
type failRenew struct {
	action string
	on     bool
	mu     sync.Mutex
	err    error
}

func (f *failRenew) set(on bool) {
	f.mu.Lock()
	f.on = on
	f.mu.Unlock()
}

func (f *failRenew) wrap(next soap.Invoker) soap.Invoker {
	return soap.InvokerFunc(func(ctx context.Context, req *soap.Message) (*soap.Message, error) {
		f.mu.Lock()
		on := f.on
		f.mu.Unlock()
		if on && req.Addressing.Action == f.action {
			return nil, f.err
		}
		return next.Call(ctx, req)
	})
}

var errRenewWire = errors.New("test: connection reset during the Renew")

// TestRenewFailureVisible is the regression test of issue 7 item 3: a
// failed Renew fell back to a new Issue and its error was lost. As WCF
// (SessionKeyExpiredException), the caller gets the renewal's error, the
// session stays and the renewal is tried again on the next call.
func TestRenewFailureVisible(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
	}{
		{"transport", errRenewWire},
		{"UnableToRenew fault", unableToRenewFault(V200502)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newAttackEnv(t, nil)
			var n actionCounter
			f := &failRenew{action: e.v.wire().RenewAction(), on: true, err: tc.err}
			c := e.clientWith(n.wrap(f.wrap(e.wire(e.srv, nil))), nil)
			require.NoError(t, callEcho(t, c, "one"))
			id := c.Session()

			e.clock.Add(40 * time.Minute) // past 60% of the hour: renew
			err := callEcho(t, c, "renewal fails")
			require.ErrorIs(t, err, ErrRenewFailed)
			require.ErrorIs(t, err, tc.err, "the Renew's own error is kept")
			assert.Equal(t, 1, n.count(e.v.wire().IssueAction()), "no silent new session")
			assert.Equal(t, 1, n.count(e.v.wire().RenewAction()))
			assert.Equal(t, id, c.Session(), "the session stays")
			assert.Equal(t, int32(1), e.calls.Load(), "the call was not sent")

			f.set(false)
			require.NoError(t, callEcho(t, c, "renewal works again"))
			assert.Equal(t, 2, n.count(e.v.wire().RenewAction()))
			assert.Equal(t, 1, n.count(e.v.wire().IssueAction()))
			assert.Equal(t, id, c.Session())
		})
	}
}

// TestRenewRefusedAsExpiredReestablishes: when the service answers the
// Renew itself with RenewNeeded (the key has expired), the session cannot
// be renewed; the client establishes a new one and, if that fails too,
// returns both errors.
func TestRenewRefusedAsExpiredReestablishes(t *testing.T) {
	e := newAttackEnv(t, func(c *ServerConfig) { c.KeyLifetime = 10 * time.Minute })
	var n actionCounter
	f := &failRenew{action: e.v.wire().IssueAction(), err: errRenewWire}
	var logs bytes.Buffer
	c := e.clientWith(f.wrap(n.wrap(e.wire(e.srv, nil))), func(cfg *ClientConfig) {
		cfg.RenewAfter = 0.99
		cfg.Security.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	})
	require.NoError(t, callEcho(t, c, "one"))
	e.clock.Add(15 * time.Minute) // the key expired, the token did not
	f.set(true)                   // and the new Issue fails
	err := callEcho(t, c, "after the key expired")
	require.ErrorIs(t, err, errRenewWire, "the Issue's error")
	require.ErrorIs(t, err, ErrRenewFailed, "joined with the renewal's")
	assert.True(t, IsRenewNeeded(err))
	assert.Equal(t, 1, n.count(e.v.wire().RenewAction()))
	assert.Contains(t, logs.String(), "refused to renew", "the renewal's failure is logged")
	assert.Contains(t, logs.String(), "RenewNeeded")
}

func TestClientClockDrivesExpiry(t *testing.T) {
	e := newAttackEnv(t, nil)
	var n actionCounter
	c := e.clientWith(n.wrap(e.wire(e.srv, nil)), nil)
	require.NoError(t, callEcho(t, c, "one"))
	first := c.Session()
	// Past the session's end by the client's (fake) clock: a new session,
	// no Renew under the expired one.
	e.clock.Add(2 * time.Hour)
	require.NoError(t, callEcho(t, c, "two"))
	assert.Equal(t, 2, n.count(e.v.wire().IssueAction()))
	assert.Equal(t, 0, n.count(e.v.wire().RenewAction()))
	assert.NotEqual(t, first, c.Session())
}

func TestClientConfigErrors(t *testing.T) {
	boot, app := scPolicies(V200502)
	unot := wssecurity.UserNameOverTransport()
	unotApp := wssecurity.Policy{Binding: wssecurity.TransportBinding, Suite: wssecurity.Basic128, IncludeTimestamp: true,
		Supporting: []wssecurity.SupportingToken{{Token: wssecurity.Token{Kind: wssecurity.SecureConversationToken, Inclusion: wssecurity.IncludeAlwaysToRecipient}, Role: wssecurity.EndorsingSupporting}}}
	noDK := app
	pt := *app.ProtectionToken
	pt.DerivedKeys = false
	noDK.ProtectionToken = &pt
	clear := boot
	clear.EncryptedParts = wssecurity.Parts{}

	for _, tc := range []struct {
		name   string
		mutate func(*ClientConfig)
		want   string // "" for a valid configuration
	}{
		{"valid", func(*ClientConfig) {}, ""},
		{"valid over TLS", func(c *ClientConfig) { c.Bootstrap, c.Policy = unot, unotApp }, ""},
		{"valid 256-bit key with derived keys", func(c *ClientConfig) { c.KeySize = 256 }, ""},
		{"valid cancel with bootstrap", func(c *ClientConfig) { c.Cancel, c.CancelWithBootstrap = true, true }, ""},
		{"unknown version", func(c *ClientConfig) { c.Version = 7 }, "Version"},
		{"no bootstrap", func(c *ClientConfig) { c.Bootstrap = wssecurity.Policy{} }, "Bootstrap"},
		{"bootstrap is a session policy", func(c *ClientConfig) { c.Bootstrap = app }, "Bootstrap policy uses a SecureConversationToken"},
		{"bootstrap sends the key in clear", func(c *ClientConfig) { c.Bootstrap = clear }, "in clear"},
		{"invalid application policy", func(c *ClientConfig) { c.Policy.Binding = 9 }, "Policy"},
		{"application policy without session token", func(c *ClientConfig) { c.Policy = boot }, "SecureConversationToken"},
		{"transport policy without session token", func(c *ClientConfig) { c.Bootstrap, c.Policy = unot, unot }, "SecureConversationToken"},
		{"unknown entropy", func(c *ClientConfig) { c.Entropy = 3 }, "Entropy"},
		{"key size not in bytes", func(c *ClientConfig) { c.KeySize = 130 }, "KeySize"},
		{"key size below the suite", func(c *ClientConfig) { c.KeySize = 64 }, "KeySize"},
		{"key size too large", func(c *ClientConfig) { c.KeySize = 2048 }, "KeySize"},
		{"negative key size", func(c *ClientConfig) { c.KeySize = -128 }, "KeySize"},
		{"key size impossible without derived keys", func(c *ClientConfig) { c.Policy, c.KeySize = noDK, 256 }, "without derived keys"},
		{"cancel with bootstrap without cancel", func(c *ClientConfig) { c.CancelWithBootstrap = true }, "CancelWithBootstrap"},
		{"renew after negative", func(c *ClientConfig) { c.RenewAfter = -0.5 }, "RenewAfter"},
		{"renew after one", func(c *ClientConfig) { c.RenewAfter = 1 }, "RenewAfter"},
		{"renew after above one", func(c *ClientConfig) { c.RenewAfter = 1.5 }, "RenewAfter"},
		{"renew after NaN", func(c *ClientConfig) { c.RenewAfter = math.NaN() }, "RenewAfter"},
		{"negative handshake timeout", func(c *ClientConfig) { c.HandshakeTimeout = -time.Second }, "HandshakeTimeout"},
		{"unknown SOAP version", func(c *ClientConfig) { c.SOAP = 13 }, "SOAP"},
		{"unknown addressing version", func(c *ClientConfig) { c.Addressing = 9 }, "Addressing"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := ClientConfig{Version: V200502, Bootstrap: boot, Policy: app}
			tc.mutate(&cfg)
			c, err := NewClient(soap.InvokerFunc(func(context.Context, *soap.Message) (*soap.Message, error) { return nil, nil }), cfg)
			if tc.want == "" {
				require.NoError(t, err)
				assert.Equal(t, DefaultRenewAfter, c.cfg.RenewAfter)
				assert.Equal(t, DefaultHandshakeTimeout, c.cfg.HandshakeTimeout)
				return
			}
			require.ErrorIs(t, err, ErrClientConfig)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
	_, err := NewClient(nil, ClientConfig{Version: V200502, Bootstrap: boot, Policy: app})
	require.ErrorIs(t, err, ErrClientConfig, "no transport")
}

// TestKeyLog runs a session with a renewal and checks that the key log
// holds one line per key, matching the tokens the service issued.
func TestKeyLog(t *testing.T) {
	for _, mode := range []EntropyMode{EntropyCombined, EntropyServer, EntropyClient} {
		t.Run(mode.String(), func(t *testing.T) {
			e := newAttackEnv(t, func(c *ServerConfig) { c.Entropy = mode })
			var log bytes.Buffer
			c := e.clientWith(e.wire(e.srv, nil), func(cfg *ClientConfig) { cfg.Entropy, cfg.KeyLog = mode, &log })
			// The service's key of each generation, read while it is the
			// current one (a reference without Instance names the current
			// generation).
			var serviceKeys [][]byte
			serviceKey := func(s *session) {
				tok, err := e.scfg.Cache.Get(context.Background(), s.sct.Identifier, s.sct.Instance, e.clock.Now())
				require.NoError(t, err)
				serviceKeys = append(serviceKeys, tok.Key)
			}
			require.NoError(t, callEcho(t, c, "one"))
			issued, _ := c.current(context.Background())
			serviceKey(issued)
			e.clock.Add(40 * time.Minute)
			require.NoError(t, callEcho(t, c, "renewed"))
			renewed, _ := c.current(context.Background())
			require.NotSame(t, issued, renewed)
			serviceKey(renewed)

			entries, err := keylog.Read(strings.NewReader(log.String()))
			require.NoError(t, err)
			require.Len(t, entries, 2, "one line per key:\n%s", log.String())
			assert.Equal(t, 2, strings.Count(log.String(), "\n"))
			for i, s := range []*session{issued, renewed} {
				want := keylog.Entry{ContextID: s.sct.Identifier, Generation: s.sct.Instance, Key: s.wss.Key}
				assert.Equal(t, want, entries[i])
				assert.Equal(t, serviceKeys[i], entries[i].Key, "the service's key of generation %q", s.sct.Instance)
				key, ok := keylog.Find(entries, s.sct.Identifier, s.sct.Instance)
				require.True(t, ok)
				assert.Equal(t, serviceKeys[i], key)
			}
			assert.Empty(t, entries[0].Generation, "the issued token has no Instance")
			assert.NotEmpty(t, entries[1].Generation)
			assert.Equal(t, entries[0].ContextID, entries[1].ContextID)
			assert.Contains(t, log.String(), "SCT_KEY "+issued.sct.Identifier+" - ")
		})
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestKeyLogWriteFailureKeepsSession(t *testing.T) {
	e := newAttackEnv(t, nil)
	c := e.clientWith(e.wire(e.srv, nil), func(cfg *ClientConfig) { cfg.KeyLog = failingWriter{} })
	require.NoError(t, callEcho(t, c, "one"))
}

// TestIssuedTokenExpiredByClientClock: a token whose lifetime has already
// ended by the client's clock (Security.Now) is refused, not used.
func TestIssuedTokenExpiredByClientClock(t *testing.T) {
	e := newAttackEnv(t, func(c *ServerConfig) { c.Lifetime = 2 * time.Minute })
	// Within the allowed clock skew of the messages, past the token's end.
	ahead := func() time.Time { return e.clock.Now().Add(3 * time.Minute) }
	c := e.clientWith(e.wire(e.srv, nil), func(cfg *ClientConfig) { cfg.Security.Now = ahead })
	err := c.Open(context.Background())
	require.Error(t, err)
	assert.Contains(t, err.Error(), "client clock")
	assert.Empty(t, c.Session())
}
