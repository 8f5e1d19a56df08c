package secureconv

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/soapstack/soapstack/wssecurity"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// eventLog records the events of one side.
type eventLog struct {
	mu sync.Mutex
	ev []Event
}

func (l *eventLog) add(e Event) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.ev = append(l.ev, e)
}

func (l *eventLog) get() []Event {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]Event(nil), l.ev...)
}

func (l *eventLog) kinds() []EventKind {
	var k []EventKind
	for _, e := range l.get() {
		k = append(k, e.Kind)
	}
	return k
}

// TestEvents: both sides report a session's issue, renewal, replacement
// after expiry and cancel, with its context id.
func TestEvents(t *testing.T) {
	var srvLog, cliLog eventLog
	e := newAttackEnv(t, func(c *ServerConfig) { c.OnEvent = srvLog.add })
	c := e.clientWith(e.wire(e.srv, nil), func(c *ClientConfig) { c.OnEvent, c.Cancel = cliLog.add, true })

	require.NoError(t, callEcho(t, c, "one"))
	id := c.Session()
	require.NotEmpty(t, id)
	assert.Equal(t, []EventKind{EventIssued}, cliLog.kinds())
	assert.Equal(t, []EventKind{EventIssued}, srvLog.kinds())
	assert.Equal(t, id, cliLog.get()[0].ContextID)
	assert.Equal(t, id, srvLog.get()[0].ContextID)

	e.clock.Add(40 * time.Minute) // past the renewal point
	require.NoError(t, callEcho(t, c, "two"))
	assert.Equal(t, []EventKind{EventIssued, EventRenewed}, cliLog.kinds())
	assert.Equal(t, []EventKind{EventIssued, EventRenewed}, srvLog.kinds())

	e.clock.Add(2 * time.Hour) // past the token's expiry: a new session
	require.NoError(t, callEcho(t, c, "three"))
	assert.Equal(t, []EventKind{EventIssued, EventRenewed, EventExpired, EventIssued}, cliLog.kinds())
	exp := cliLog.get()[2]
	assert.Equal(t, id, exp.ContextID)
	assert.True(t, errors.Is(exp.Err, ErrTokenExpired), "%v", exp.Err)
	second := c.Session()
	assert.NotEqual(t, id, second)

	require.NoError(t, c.Close(context.Background()))
	cl, sl := cliLog.get(), srvLog.get()
	assert.Equal(t, Event{Kind: EventCancelled, ContextID: second}, cl[len(cl)-1])
	assert.Equal(t, Event{Kind: EventCancelled, ContextID: second}, sl[len(sl)-1])
	for _, ev := range append(cl, sl...) {
		if ev.Kind != EventExpired {
			assert.GreaterOrEqual(t, ev.Duration, time.Duration(0))
		}
	}
}

// TestServerEventExpired: a request under a session the service finds
// expired is reported once, with the session's id and ErrTokenExpired.
func TestServerEventExpired(t *testing.T) {
	var srvLog eventLog
	e := newAttackEnv(t, func(c *ServerConfig) {
		ring, err := NewKeyRing(RingKey{ID: 1, Secret: make([]byte, 32)})
		require.NoError(t, err)
		c.Cookies, c.OnEvent = ring, srvLog.add
	})
	c := e.client(e.wire(e.srv, nil), wssecurity.Config{})
	require.NoError(t, callEcho(t, c, "one"))
	c.mu.Lock()
	s := c.sess
	c.mu.Unlock()

	e.clock.Add(2 * time.Hour)
	err := e.sendWithSession(c, s, e.srv)
	requireFault(t, err, "BadContextToken", ErrBadContextToken, ErrCookieExpired)
	var expired []Event
	for _, ev := range srvLog.get() {
		if ev.Kind == EventExpired {
			expired = append(expired, ev)
		}
	}
	require.Len(t, expired, 1)
	assert.Equal(t, s.sct.Identifier, expired[0].ContextID)
	assert.True(t, errors.Is(expired[0].Err, ErrCookieExpired))
}
