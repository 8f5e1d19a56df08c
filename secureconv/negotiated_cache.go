package secureconv

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// Bounds of the negotiated tokens a server keeps for the Issue that follows
// a negotiation (establishSecurityContext=true).
const (
	// negotiatedTokensMax bounds the negotiated tokens held at once.
	negotiatedTokensMax = 10000
	// negotiatedIssueWindow is how long after a negotiation its token
	// may protect an Issue. WCF's client sends the Issue right after the
	// negotiation's last leg (and negotiates again for a new session), so
	// the token is not needed for its whole lifetime.
	negotiatedIssueWindow = 5 * time.Minute
)

// negotiatedTokens holds the tokens of completed negotiations that only
// protect an Issue request. WCF keeps no server state for them (it issues
// them as cookies); here they are held for a short window and, unlike the
// sessions of a TokenCache, a full store evicts its oldest entry instead of
// refusing the newest: anyone may complete an anonymous negotiation, so a
// store that refused when full would let a flood of negotiations that never
// send their Issue lock honest clients out for the whole window. A client
// whose token was evicted before its Issue arrived gets BadContextToken and
// negotiates again.
//
// It implements TokenCache for the server's token lookup; only Get and Put
// are used.
type negotiatedTokens struct {
	mu    sync.Mutex
	max   int
	m     map[string]negotiatedEntry
	order []string // context ids in insertion order (a FIFO ring)
	head  int      // index of the oldest id in order once it is full
}

type negotiatedEntry struct {
	tok   *SessionToken
	until time.Time // end of the Issue window
}

func newNegotiatedTokens(max int) *negotiatedTokens {
	return &negotiatedTokens{max: max, m: make(map[string]negotiatedEntry)}
}

// Get returns a copy of the token of contextID while its Issue window and
// its lifetime last.
func (c *negotiatedTokens) Get(_ context.Context, contextID, generation string, now time.Time) (*SessionToken, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[contextID]
	if !ok || generation != "" || !now.Before(e.until) {
		return nil, fmt.Errorf("%w: negotiated token %s", ErrTokenNotFound, contextID)
	}
	if !now.Before(e.tok.ValidTo) {
		return nil, fmt.Errorf("%w: negotiated token %s", ErrTokenExpired, contextID)
	}
	return e.tok.Clone(), nil
}

// Current is Get of the issued generation.
func (c *negotiatedTokens) Current(ctx context.Context, contextID string, now time.Time) (*SessionToken, error) {
	return c.Get(ctx, contextID, "", now)
}

// Put stores a copy of token, evicting the oldest token when full.
func (c *negotiatedTokens) Put(_ context.Context, token *SessionToken, now time.Time) error {
	if !now.Before(token.ValidTo) {
		return ErrTokenExpired
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	id := token.ContextID
	if old, ok := c.m[id]; ok {
		old.tok.Wipe()
	} else if len(c.order) < c.max {
		c.order = append(c.order, id)
	} else {
		// Full: the slot of the oldest id takes the new one.
		if e, ok := c.m[c.order[c.head]]; ok {
			e.tok.Wipe()
			delete(c.m, c.order[c.head])
		}
		c.order[c.head] = id
		c.head = (c.head + 1) % c.max
	}
	c.m[id] = negotiatedEntry{tok: token.Clone(), until: now.Add(negotiatedIssueWindow)}
	return nil
}

// Remove drops the token of contextID.
func (c *negotiatedTokens) Remove(ctx context.Context, contextID, _ string) error {
	return c.RemoveAll(ctx, contextID)
}

// RemoveAll drops the token of contextID. Its slot in the insertion order
// stays until it is reused.
func (c *negotiatedTokens) RemoveAll(_ context.Context, contextID string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[contextID]
	if !ok {
		return fmt.Errorf("%w: negotiated token %s", ErrTokenNotFound, contextID)
	}
	e.tok.Wipe()
	delete(c.m, contextID)
	return nil
}
