package secureconv

import (
	"bytes"
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/soapstack/soapstack/internal/wsse"
	"github.com/soapstack/soapstack/internal/wstrust"
	"github.com/soapstack/soapstack/soap"
	"github.com/soapstack/soapstack/wssecurity"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestGenerationAfterRenewal: a message protected with a replaced key
// generation (the issued one, whose SCT has no Instance, or a renewed one)
// is accepted within the rollover window and refused after it with
// BadContextToken (cause ErrTokenNotFound), as WCF's server keeps the
// previous key for its SessionKeyRolloverInterval. Regression: the cache
// took a token without Instance for the current generation, so the issued
// key's messages failed decryption (InvalidSecurity) right after a
// renewal.
func TestGenerationAfterRenewal(t *testing.T) {
	tests := []struct {
		name     string
		renewals int // before the generation under test
	}{
		{"issued generation (no Instance)", 0},
		{"renewed generation", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newAttackEnv(t, nil)
			c := e.client(e.wire(e.srv, nil), wssecurity.Config{})
			require.NoError(t, callEcho(t, c, "one"))
			for range tt.renewals {
				e.clock.Add(40 * time.Minute) // past 60%: the next call renews
				require.NoError(t, callEcho(t, c, "renewed"))
			}
			old, err := c.current(context.Background())
			require.NoError(t, err)
			assert.Equal(t, tt.renewals == 0, old.sct.Instance == "", "Instance of the generation under test")

			e.clock.Add(40 * time.Minute)
			require.NoError(t, callEcho(t, c, "renewed again"))
			require.NotEqual(t, old.wss.Key, c.sess.wss.Key)
			require.NotEmpty(t, c.sess.sct.Instance)

			// Within the rollover window the old key still works...
			before := e.calls.Load()
			require.NoError(t, e.sendWithSession(c, old, e.srv))
			assert.Equal(t, before+1, e.calls.Load())
			e.clock.Add(DefaultCacheRollover - time.Second)
			require.NoError(t, e.sendWithSession(c, old, e.srv))
			// ...after it, the old generation is gone...
			e.clock.Add(time.Second)
			err = e.sendWithSession(c, old, e.srv)
			requireFault(t, err, wstrust.FaultBadContextToken, ErrTokenNotFound)
			// ...and the current one works.
			require.NoError(t, callEcho(t, c, "current"))
		})
	}
}

// TestInFlightCallDuringRenewal: a call secured with the issued key before
// a renewal, and delivered after it, succeeds (reference mode and cookie
// mode).
func TestInFlightCallDuringRenewal(t *testing.T) {
	for _, cookies := range []bool{false, true} {
		name := "reference"
		if cookies {
			name = "cookie"
		}
		t.Run(name, func(t *testing.T) {
			e := newAttackEnv(t, func(c *ServerConfig) {
				if cookies {
					ring, err := NewKeyRing(RingKey{ID: 1, Secret: bytes.Repeat([]byte{3}, 32)})
					require.NoError(t, err)
					c.Cookies = ring
				}
			})
			var hold atomic.Bool
			held, release := make(chan struct{}), make(chan struct{})
			wire := e.wire(e.srv, nil)
			transport := soap.InvokerFunc(func(ctx context.Context, req *soap.Message) (*soap.Message, error) {
				if req.Addressing.Action == "urn:echo" && hold.Swap(false) {
					close(held)
					<-release
				}
				return wire.Call(ctx, req)
			})
			c := e.client(transport, wssecurity.Config{})
			require.NoError(t, callEcho(t, c, "one"))
			first, err := c.current(context.Background())
			require.NoError(t, err)
			require.Empty(t, first.sct.Instance)

			// Just before the client renews (at 60% of the hour), a call
			// is secured with the issued key; it arrives after a renewal
			// that another call started two seconds later.
			e.clock.Add(36*time.Minute - time.Second)
			hold.Store(true)
			done := make(chan error, 1)
			go func() { done <- callEcho(t, c, "in flight") }()
			<-held // secured with the issued key, not delivered yet
			e.clock.Add(2 * time.Second)
			require.NoError(t, callEcho(t, c, "renews"))
			require.NotEqual(t, first.wss.Key, c.sess.wss.Key, "renewed")
			close(release)
			require.NoError(t, <-done, "the call under the issued key, delivered after the renewal")
			assert.Equal(t, int32(3), e.calls.Load())
		})
	}
}

// TestCookieGenerationAfterRenewal: in cookie mode the server keeps no
// state, so a cookie of a replaced generation opens until its own ValidTo
// (or its key's KeyExpiration, with KeyLifetime): within the rollover
// window as in reference mode, and also after it. KeyLifetime is what
// bounds an old cookie's key.
func TestCookieGenerationAfterRenewal(t *testing.T) {
	ring, err := NewKeyRing(RingKey{ID: 1, Secret: bytes.Repeat([]byte{4}, 32)})
	require.NoError(t, err)
	e := newAttackEnv(t, func(c *ServerConfig) {
		c.Cookies = ring
		c.KeyLifetime = 50 * time.Minute
	})
	c := e.client(e.wire(e.srv, nil), wssecurity.Config{})
	require.NoError(t, callEcho(t, c, "one"))
	first, err := c.current(context.Background())
	require.NoError(t, err)
	require.NotEmpty(t, first.sct.Cookie)
	require.Empty(t, first.sct.Instance)

	e.clock.Add(40 * time.Minute)
	require.NoError(t, callEcho(t, c, "renewed"))
	require.NotEqual(t, first.wss.Key, c.sess.wss.Key)
	require.NoError(t, e.sendWithSession(c, first, e.srv), "previous cookie within the window")
	e.clock.Add(DefaultCacheRollover)
	require.NoError(t, e.sendWithSession(c, first, e.srv), "stateless: after the window too")
	e.clock.Add(5 * time.Minute) // 50 min: the first key has expired
	err = e.sendWithSession(c, first, e.srv)
	requireFault(t, err, wstrust.FaultRenewNeeded) // the secured fault carries no cause
	require.NoError(t, callEcho(t, c, "current"))
}

// TestReplyReferencesKeyGeneration: the service's reply references the
// session token with the generation of the request's token (wsc:Instance
// for a renewed one, none for the issued one), as WCF writes SCT
// references, so that a client matching generations exactly finds the key.
func TestReplyReferencesKeyGeneration(t *testing.T) {
	e := newAttackEnv(t, nil)
	var last atomic.Pointer[soap.Message]
	srv := soap.HandlerFunc(func(ctx context.Context, req *soap.Message) (*soap.Message, error) {
		resp, err := e.srv.ServeSOAP(ctx, req)
		if a, _ := soap.Action(req); a == "urn:echo" {
			last.Store(resp)
		}
		return resp, err
	})
	c := e.client(e.wire(srv, nil), wssecurity.Config{})
	// refs returns the wsc:Instance of each reference to the session in
	// the last reply's headers ("-" for none).
	refs := func() []string {
		var out []string
		for _, h := range last.Load().Headers() {
			for _, ref := range h.FindElements(".//Reference") {
				if ref.SelectAttrValue("URI", "") != c.Session() {
					continue
				}
				inst := "-"
				for _, a := range ref.Attr {
					if a.Key == "Instance" {
						inst = a.Value
					}
				}
				out = append(out, inst)
			}
		}
		return out
	}
	require.NoError(t, callEcho(t, c, "one"))
	first, err := c.current(context.Background())
	require.NoError(t, err)
	got := refs()
	require.NotEmpty(t, got)
	for _, g := range got {
		assert.Equal(t, "-", g, "issued generation: no Instance")
	}
	e.clock.Add(40 * time.Minute)
	require.NoError(t, callEcho(t, c, "renewed"))
	inst := c.sess.sct.Instance
	require.NotEmpty(t, inst)
	got = refs()
	require.NotEmpty(t, got)
	for _, g := range got {
		assert.Equal(t, inst, g, "renewed generation")
	}
	require.NoError(t, e.sendWithSession(c, first, srv))
	for _, g := range refs() {
		assert.Equal(t, "-", g, "reply to the issued generation in its rollover window")
	}
}

// TestReferenceByInstance: an external reference to a session resolves the
// generation its wsc:Instance names, the issued one without Instance.
func TestReferenceByInstance(t *testing.T) {
	ctx := context.Background()
	clock := &fakeClock{t: tTestStart}
	cache := NewMemoryTokenCache()
	boot, app := scPolicies(V13)
	layer, err := ServerLayer(ServerConfig{Version: V13, Bootstrap: boot, Policy: app, Cache: cache, Lifetime: time.Hour,
		Security: wssecurity.Config{Certificate: testServiceCert(t), Now: clock.Now}})
	require.NoError(t, err)
	s := layer(soap.HandlerFunc(func(context.Context, *soap.Message) (*soap.Message, error) { return nil, nil })).(*server)
	issued := tCacheToken(1, "", clock.Now(), time.Hour)
	renewed := tCacheToken(1, "urn:uuid:5e1f0000-0000-4000-8000-000000000002", clock.Now(), time.Hour)
	require.NoError(t, cache.Put(ctx, issued, clock.Now()))
	require.NoError(t, cache.Put(ctx, renewed, clock.Now()))
	tests := []struct {
		name, instance string
		want           []byte
		cause          error
	}{
		{"no Instance: the issued generation", "", issued.Key, nil},
		{"Instance of the renewed generation", renewed.KeyGeneration, renewed.Key, nil},
		{"unknown Instance", "urn:uuid:5e1f0000-0000-4000-8000-000000000009", nil, ErrTokenNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			str, err := wsse.ParseSTR(wstrust.NewSCTReference(V13.wire(), issued.ContextID, tt.instance))
			require.NoError(t, err)
			rt := &requestTokens{s: s, found: map[string]*SessionToken{}}
			key, err := rt.TokenReference(ctx, str)
			if tt.cause != nil {
				require.ErrorIs(t, err, ErrBadContextToken)
				require.ErrorIs(t, err, tt.cause)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, key)
		})
	}
}
