package secureconv

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/beevik/etree"
	"github.com/soapstack/soapstack/soap"
	"github.com/soapstack/soapstack/wssecurity"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func testServiceCert(t testing.TB) *wssecurity.Certificate {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "sc service"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(48 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	c, err := x509.ParseCertificate(der)
	require.NoError(t, err)
	return &wssecurity.Certificate{Cert: c, Key: key}
}

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// scPolicies returns the bootstrap and the application policy of an ADC-
// like scenario (anonymous bootstrap, derived keys, Basic128).
func scPolicies(v Version) (wssecurity.Policy, wssecurity.Policy) {
	boot := wssecurity.AnonymousForCertificate(wssecurity.Basic128)
	boot.EncryptSignature = false
	app := boot
	app.ProtectionToken = &wssecurity.Token{Kind: wssecurity.SecureConversationToken, Inclusion: wssecurity.IncludeAlwaysToRecipient, DerivedKeys: true}
	app.RequireSignatureConfirmation = false
	return boot, app
}

type harness struct {
	client   *Client
	calls    atomic.Int32
	actions  sync.Map // action → count
	clock    *fakeClock
	cache    TokenCache
	dropNext atomic.Bool
	// faults are the causes of the faults the service answered, in order.
	faultsMu sync.Mutex
	faults   []error
}

func newHarness(t *testing.T, v Version, cookies bool) *harness {
	t.Helper()
	return newHarnessWith(t, v, cookies, nil)
}

// newHarnessWith is newHarness with configure, when set, changing the
// service's configuration before the layer is built.
func newHarnessWith(t *testing.T, v Version, cookies bool, configure func(*ServerConfig)) *harness {
	t.Helper()
	cert := testServiceCert(t)
	boot, app := scPolicies(v)
	h := &harness{clock: &fakeClock{t: time.Now()}}
	scfg := ServerConfig{Version: v, Bootstrap: boot, Policy: app,
		Security: wssecurity.Config{Certificate: cert, Now: h.clock.Now}, Lifetime: time.Hour}
	if cookies {
		ring, err := NewKeyRing(RingKey{ID: 1, Secret: make([]byte, 32)})
		require.NoError(t, err)
		scfg.Cookies = ring
	} else {
		h.cache = NewMemoryTokenCache()
		scfg.Cache = h.cache
	}
	if configure != nil {
		configure(&scfg)
	}
	layer, err := ServerLayer(scfg)
	require.NoError(t, err)
	app2 := soap.HandlerFunc(func(ctx context.Context, req *soap.Message) (*soap.Message, error) {
		h.calls.Add(1)
		return soap.Reply(req, "urn:echoResponse", req.Payload().Copy())
	})
	srv := soap.ChainHandler(app2, layer)
	transport := soap.InvokerFunc(func(ctx context.Context, req *soap.Message) (*soap.Message, error) {
		b, err := req.Bytes()
		require.NoError(t, err)
		in, err := soap.ParseMessage(b, soap.Limits{})
		require.NoError(t, err)
		n, _ := h.actions.LoadOrStore(in.Addressing.Action, new(atomic.Int32))
		n.(*atomic.Int32).Add(1)
		if h.dropNext.Swap(false) && h.cache != nil {
			// The service forgot every session (restart, eviction).
			h.cache = nil
			require.NoError(t, scfg.Cache.(*MemoryTokenCache).RemoveAll(ctx, h.client.Session()))
		}
		resp, err := srv.ServeSOAP(ctx, in)
		if f, ok := soap.AsFault(err); ok {
			h.faultsMu.Lock()
			h.faults = append(h.faults, f.Cause)
			h.faultsMu.Unlock()
			fm, ferr := soap.NewFaultMessage(in.Version, f, in, nil)
			require.NoError(t, ferr)
			return fm, f
		}
		if err != nil || resp == nil {
			return resp, err
		}
		out, err := resp.Bytes()
		require.NoError(t, err)
		return soap.ParseMessage(out, soap.Limits{})
	})
	c, err := NewClient(transport, ClientConfig{Version: v, Bootstrap: boot, Policy: app, Cancel: true, To: "http://svc/",
		Security: wssecurity.Config{PeerCertificate: cert.Cert, Now: h.clock.Now}})
	require.NoError(t, err)
	h.client = c
	return h
}

func (h *harness) count(action string) int32 {
	n, ok := h.actions.Load(action)
	if !ok {
		return 0
	}
	return n.(*atomic.Int32).Load()
}

func echo(t *testing.T, h *harness, text string) {
	t.Helper()
	p := etree.NewElement("e:echo")
	p.CreateAttr("xmlns:e", "urn:echo")
	p.SetText(text)
	m := soap.NewMessageWithBody(soap.V12, p)
	a, err := soap.RequestAddressing(h.client.cfg.Addressing, "urn:echo", "http://svc/", nil)
	require.NoError(t, err)
	m.SetAddressing(a)
	resp, err := h.client.Call(context.Background(), m)
	require.NoError(t, err)
	assert.Equal(t, text, resp.Payload().Text())
}

func TestSessionLifecycle(t *testing.T) {
	for _, v := range []Version{V200502, V13} {
		for _, cookies := range []bool{false, true} {
			name := v.String()
			if cookies {
				name += "/cookie"
			}
			t.Run(name, func(t *testing.T) {
				h := newHarness(t, v, cookies)
				// Concurrent first calls share one handshake.
				var wg sync.WaitGroup
				for i := range 5 {
					wg.Add(1)
					go func() {
						defer wg.Done()
						echo(t, h, "hello "+string(rune('a'+i)))
					}()
				}
				wg.Wait()
				assert.Equal(t, int32(1), h.count(v.wire().IssueAction()), "one handshake for concurrent calls")
				first := h.client.Session()
				require.NotEmpty(t, first)

				// Past 60% of the lifetime the client renews.
				h.clock.Add(40 * time.Minute)
				echo(t, h, "after renewal")
				assert.Equal(t, int32(1), h.count(v.wire().RenewAction()))
				assert.Equal(t, first, h.client.Session(), "a renewal keeps the context id")

				require.NoError(t, h.client.Close(context.Background()))
				assert.Equal(t, int32(1), h.count(v.wire().CancelAction()))
				assert.Equal(t, int32(6), h.calls.Load())
			})
		}
	}
}

func TestSessionReestablishedAfterBadContextToken(t *testing.T) {
	h := newHarness(t, V200502, false)
	echo(t, h, "one")
	h.dropNext.Store(true)
	echo(t, h, "two")
	assert.Equal(t, int32(2), h.count(V200502.wire().IssueAction()), "re-established once")
	assert.Equal(t, int32(2), h.calls.Load())
}

// TestRenewNeeded: the key expires before the token; the service answers a
// secured RenewNeeded fault, the client renews and sends the call again.
func TestRenewNeeded(t *testing.T) {
	e := newAttackEnv(t, func(c *ServerConfig) { c.KeyLifetime = 10 * time.Minute })
	c := e.client(e.wire(e.srv, nil), wssecurity.Config{})
	c.cfg.RenewAfter = 0.99
	require.NoError(t, callEcho(t, c, "one"))
	first, _ := c.current(context.Background())
	e.clock.Add(15 * time.Minute)
	require.NoError(t, callEcho(t, c, "after the key expired"))
	assert.NotEqual(t, first.wss.Key, c.sess.wss.Key, "renewed")
	assert.Equal(t, int32(2), e.calls.Load())
}
