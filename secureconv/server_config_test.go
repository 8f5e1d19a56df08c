package secureconv

import (
	"bytes"
	"context"
	"encoding/base64"
	"log/slog"
	"testing"
	"time"

	"github.com/soapstack/soapstack/soap"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestServerOneClock: the config's clock chooses the ring's sealing key
// (a key activated an hour from the wall clock seals when the config's
// clock is two hours ahead), as it bounds the tokens.
func TestServerOneClock(t *testing.T) {
	wall := time.Now()
	ring, err := NewKeyRing(RingKey{ID: 1, Secret: tRingSecret("farm", 1)},
		RingKey{ID: 2, Secret: tRingSecret("farm", 2), NotBefore: wall.Add(time.Hour)})
	require.NoError(t, err)
	var keyIDs []uint32
	e := newPEnv(t, bootAnonymous, func(e *pEnv) {
		e.clock.t = wall.Add(2 * time.Hour)
		e.cfg.Cookies = ring
	})
	srv := e.srv
	e.srv = soap.HandlerFunc(func(ctx context.Context, req *soap.Message) (*soap.Message, error) {
		// The RSTR is encrypted: read the cookie the client sends back.
		for _, el := range req.Envelope.FindElements("//Cookie") {
			c, derr := base64.StdEncoding.DecodeString(el.Text())
			require.NoError(t, derr)
			id, ok := CookieKeyID(c)
			require.True(t, ok)
			keyIDs = append(keyIDs, id)
		}
		return srv.ServeSOAP(ctx, req)
	})
	require.NoError(t, callEcho(t, e.newClient("", "", nil), "x"))
	assert.Equal(t, []uint32{2}, keyIDs, "sealed under the key active at the config's time")
	assert.True(t, e.last().p.Session.CookieMode)
}

// TestServerDefaultLogger: without Security.Logger the reasons of refusals
// go to slog.Default(), not to a discarding logger.
func TestServerDefaultLogger(t *testing.T) {
	var buf bytes.Buffer
	old := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(&buf, nil)))
	defer slog.SetDefault(old)
	e := newPEnv(t, bootAnonymous, nil)
	m := echoMsg(t, "no session")
	_, err := e.srv.ServeSOAP(context.Background(), m)
	require.Error(t, err)
	assert.Contains(t, buf.String(), "secureconv: request rejected")
}

// TestSameClientAfterTransform: the owner of a session is its bootstrap
// credential, whatever TransformClaims made of the identities: the owner's
// Cancel under the bootstrap policy (CXF's dialect) is accepted.
func TestSameClientAfterTransform(t *testing.T) {
	var cache *MemoryTokenCache
	e := newPEnv(t, bootUsername, func(e *pEnv) {
		e.cfg.CancelWithBootstrap = true
		cache = NewMemoryTokenCache()
		e.cfg.Cache = cache
		e.cfg.TransformClaims = func(ctx context.Context, p *soap.Principal) (*soap.Principal, error) {
			return &soap.Principal{Identities: []soap.Identity{{AuthenticationMethod: "urn:example:mapped",
				Claims: []soap.Claim{{Type: soap.ClaimName, Value: "employee-17", Issuer: "urn:example:hr"}}}}}, nil
		}
	})
	c := e.newClient("alice", "clarinet", func(c *ClientConfig) { c.Cancel, c.CancelWithBootstrap = true, true })
	require.NoError(t, callEcho(t, c, "x"))
	assert.Equal(t, "employee-17", e.last().p.Name())
	id := c.Session()
	tok, err := cache.Get(context.Background(), id, "", e.clock.Now())
	require.NoError(t, err)
	assert.Equal(t, Claims{Method: AuthUsername, Username: "alice"}, tok.Claims, "the owner is the bootstrap credential")
	require.NoError(t, c.Close(context.Background()))
	_, err = cache.Get(context.Background(), id, "", e.clock.Now())
	assert.ErrorIs(t, err, ErrTokenNotFound, "cancelled by its owner")
}
