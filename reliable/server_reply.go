package reliable

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"sync"

	"github.com/soapstack/soapstack/reliable/internal/wire"
)

// The offered reply sequence of a request sequence lives in the store
// with it (SequenceInfo.OfferID, the reply numbers of Accepted and
// Delivery, AckReplies, GetByOffer), so that any node of a farm answers
// any request of a session. The layer keeps only offerCache, a bounded
// cache of the one immutable fact it needs on every delivery.

// maxOfferCache bounds the entries of a layer's offerCache.
const maxOfferCache = 4096

// offerCache maps request sequence identifiers to their offered reply
// sequence identifiers ("" for none). Both are fixed at CreateSequence and
// the layer never reuses a sequence identifier (each is fresh from Rand),
// so an entry is never stale; a miss reads the store.
type offerCache struct {
	mu sync.Mutex
	m  map[string]string
}

// offerOf returns the offered reply sequence of request sequence id, ""
// when it has none (a one-way session).
func (s *server) offerOf(ctx context.Context, id string) (string, error) {
	c := &s.offers
	c.mu.Lock()
	offer, ok := c.m[id]
	c.mu.Unlock()
	if ok {
		return offer, nil
	}
	st, err := s.store.Get(ctx, id, s.cfg.Now())
	if err != nil {
		return "", err
	}
	c.remember(id, st.OfferID)
	return st.OfferID, nil
}

// remember caches the offer of request sequence id, dropping an arbitrary
// entry when full.
func (c *offerCache) remember(id, offer string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = make(map[string]string)
	}
	if len(c.m) >= maxOfferCache {
		for k := range c.m {
			delete(c.m, k)
			break
		}
	}
	c.m[id] = offer
}

// forget drops the entry of request sequence id.
func (c *offerCache) forget(id string) {
	c.mu.Lock()
	delete(c.m, id)
	c.mu.Unlock()
}

// replySequence returns the request sequence whose offered reply sequence
// is offer, under owner o (ErrOwnerMismatch otherwise) and of version v.
func (x *exchange) replySequence(ctx context.Context, offer string, v Version) (*SequenceState, error) {
	st, err := x.s.store.GetByOffer(ctx, offer, x.now)
	switch {
	case err != nil:
		return nil, err
	case !ownerEqual(st.Owner, x.owner):
		return nil, fmt.Errorf("%w: reply sequence", ErrOwnerMismatch)
	case st.Version != v.String():
		return nil, fmt.Errorf("%w: a %s acknowledgement of a %s sequence", ErrUnknownSequence, v, st.Version)
	}
	return st, nil
}

// ackReplies records a client's acknowledgement a of the replies of
// request sequence id: the store checks that it names only replies sent
// and keeps every one acknowledged before (WCF's invalid and
// inconsistent acknowledgement checks), and ignores an older one.
func (x *exchange) ackReplies(ctx context.Context, id string, a *wire.SequenceAcknowledgement) error {
	rs := make([]AckRange, 0, len(a.Ranges))
	for _, r := range a.Ranges {
		if r.Lower > wire.MaxMessageNumber || r.Upper > wire.MaxMessageNumber {
			return fmt.Errorf("%w: %w: range beyond the last message number", ErrAckUnsent, ErrInvalidAcknowledgement)
		}
		rs = append(rs, AckRange{Lower: int64(r.Lower), Upper: int64(r.Upper)})
	}
	err := x.s.store.AckReplies(ctx, id, x.owner, rs, x.now)
	if errors.Is(err, ErrInvalidAcknowledgement) {
		return fmt.Errorf("%w: %w", ErrAckUnsent, err)
	}
	return err
}

// constantTimeEqual compares identifiers in constant time.
func constantTimeEqual(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}
