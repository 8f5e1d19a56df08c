package negotiate

import (
	"errors"
	"io"
	"sync"
	"time"
)

// Errors of the acceptor's table of pending negotiations.
var (
	// ErrTooManyNegotiations: the table of pending negotiations is full
	// (WCF's MaxStatefulNegotiations); the service answers a Receiver
	// fault and the client may try again later.
	ErrTooManyNegotiations = errors.New("negotiate: too many pending negotiations")
	// ErrUnknownContext: a leg names no pending negotiation (never begun,
	// expired, failed, already complete, or a replayed leg).
	ErrUnknownContext = errors.New("negotiate: no pending negotiation with this Context")
	// ErrContextInUse: a first leg reuses the Context of a pending
	// negotiation, or a leg arrives while the previous one of the same
	// negotiation is still being answered.
	ErrContextInUse = errors.New("negotiate: negotiation Context already in use")
)

// pendingState is one negotiation between two legs.
type pendingState struct {
	mech      Mechanism
	tr        *transcript
	valueType string // the form the initiator sent, echoed
	keySize   int
	legs      int // the legs received
	expires   time.Time
	busy      bool
}

// pendingTable holds the negotiations between legs, bounded in count and
// in time (WCF's NegotiationTokenAuthenticator state cache,
// LocalServiceSecuritySettings.MaxStatefulNegotiations and
// NegotiationTimeout).
type pendingTable struct {
	mu      sync.Mutex
	max     int
	timeout time.Duration
	m       map[string]*pendingState
	// nextPurge is when begin next drops the expired negotiations even
	// though the table is not full: an abandoned negotiation holds a
	// parked TLS handshake, released at most a quarter of Timeout after it
	// expires while negotiations begin.
	nextPurge time.Time
}

func newPendingTable(max int, timeout time.Duration) *pendingTable {
	return &pendingTable{max: max, timeout: timeout, m: make(map[string]*pendingState)}
}

// purge drops expired negotiations; the caller holds mu.
func (t *pendingTable) purge(now time.Time) {
	for k, s := range t.m {
		if !now.Before(s.expires) && !s.busy {
			delete(t.m, k)
			closeMechanism(s.mech)
		}
	}
}

// begin reserves context for a new negotiation, marked busy.
func (t *pendingTable) begin(context string, s *pendingState, now time.Time) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if old, ok := t.m[context]; ok {
		if old.busy || now.Before(old.expires) {
			return ErrContextInUse
		}
		delete(t.m, context) // expired: replaced below
		closeMechanism(old.mech)
	}
	if len(t.m) >= t.max || !now.Before(t.nextPurge) {
		t.purge(now)
		t.nextPurge = now.Add(t.timeout / 4)
		if len(t.m) >= t.max {
			return ErrTooManyNegotiations
		}
	}
	s.busy = true
	s.expires = now.Add(t.timeout)
	t.m[context] = s
	return nil
}

// take marks the pending negotiation of context busy and returns it.
func (t *pendingTable) take(context string, now time.Time) (*pendingState, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	s, ok := t.m[context]
	switch {
	case !ok:
		return nil, ErrUnknownContext
	case s.busy:
		return nil, ErrContextInUse
	case !now.Before(s.expires):
		delete(t.m, context)
		closeMechanism(s.mech)
		return nil, ErrUnknownContext
	}
	s.busy = true
	return s, nil
}

// release ends the leg being answered: the negotiation waits for its
// next leg (keep) or is forgotten.
func (t *pendingTable) release(context string, keep bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if s, ok := t.m[context]; ok {
		if keep {
			s.busy = false
		} else {
			delete(t.m, context)
			closeMechanism(s.mech)
		}
	}
}

// len returns the number of pending negotiations.
func (t *pendingTable) len() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.m)
}

// closeMechanism releases what a mechanism holds (a TLS handshake's
// goroutine) when it implements io.Closer.
func closeMechanism(m Mechanism) {
	if c, ok := m.(io.Closer); ok {
		_ = c.Close()
	}
}
