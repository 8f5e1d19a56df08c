package secureconv

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/beevik/etree"
	"github.com/soapstack/soapstack/soap"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// errTestCacheDown stands for a shared cache's outage (redisstore's
// ErrUnavailable).
var errTestCacheDown = errors.New("test: token cache unavailable")

// tFailingCache is a memory cache whose lookups fail while down is set.
type tFailingCache struct {
	*MemoryTokenCache
	down atomic.Bool
}

func (c *tFailingCache) Get(ctx context.Context, id, gen string, now time.Time) (*SessionToken, error) {
	if c.down.Load() {
		return nil, errTestCacheDown
	}
	return c.MemoryTokenCache.Get(ctx, id, gen, now)
}

// TestTokenCacheOutageFault: a token cache that cannot answer makes the
// service answer a Receiver fault, never BadContextToken (the client
// would drop a live session) nor an accept; once the cache is back the
// session goes on.
func TestTokenCacheOutageFault(t *testing.T) {
	cache := &tFailingCache{MemoryTokenCache: NewMemoryTokenCache()}
	h := newHarnessWith(t, V200502, false, func(c *ServerConfig) { c.Cache = cache })
	echo(t, h, "before")
	session := h.client.Session()
	cache.down.Store(true)
	p := etree.NewElement("e:echo")
	p.CreateAttr("xmlns:e", "urn:echo")
	m := soap.NewMessageWithBody(soap.V12, p)
	a, err := soap.RequestAddressing(h.client.cfg.Addressing, "urn:echo", "http://svc/", nil)
	require.NoError(t, err)
	m.SetAddressing(a)
	_, err = h.client.Call(context.Background(), m)
	f, ok := soap.AsFault(err)
	require.True(t, ok, "a fault: %v", err)
	assert.Equal(t, soap.CodeReceiver, f.Code)
	assert.False(t, IsBadContextToken(err))
	h.faultsMu.Lock()
	require.NotEmpty(t, h.faults)
	assert.ErrorIs(t, h.faults[len(h.faults)-1], errTestCacheDown)
	h.faultsMu.Unlock()
	assert.Equal(t, int32(1), h.calls.Load(), "the application did not run")
	assert.Equal(t, int32(1), h.count(V200502.wire().IssueAction()), "no new session for a failure of the service")

	cache.down.Store(false)
	echo(t, h, "after")
	assert.Equal(t, session, h.client.Session())
}
