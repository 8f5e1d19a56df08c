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
// any request of a session. The layer keeps only two bounded caches of
// immutable facts it needs on every message: a request sequence's offer
// (offerOf), and the request sequence an offer belongs to (replySequence).

// maxOfferCache bounds the entries of each of a layer's caches.
const maxOfferCache = 4096

// idCache maps sequence identifiers to facts fixed when the sequence was
// created, dropping an arbitrary entry when full.
type idCache[V any] struct {
	mu sync.Mutex
	m  map[string]V
}

func (c *idCache[V]) get(k string) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.m[k]
	return v, ok
}

// remember caches v under k, dropping an arbitrary entry when full.
func (c *idCache[V]) remember(k string, v V) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = make(map[string]V)
	}
	if len(c.m) >= maxOfferCache {
		for k := range c.m {
			delete(c.m, k)
			break
		}
	}
	c.m[k] = v
}

// forget drops the entry of k.
func (c *idCache[V]) forget(k string) {
	c.mu.Lock()
	delete(c.m, k)
	c.mu.Unlock()
}

// offerCache maps request sequence identifiers to their offered reply
// sequence identifiers ("" for none). Both are fixed at CreateSequence and
// the layer never reuses a sequence identifier (each is fresh from Rand),
// so an entry is never stale; a miss reads the store.
type offerCache = idCache[string]

// replyOwner is what the layer caches of the request sequence that
// offered a reply sequence: its identifier, owner and version, all fixed
// at its creation.
type replyOwner struct {
	id      string
	owner   Owner
	version string
}

// replyCache maps offered identifiers to their request sequences. An
// offered identifier is the client's and may be offered again once its
// sequence is gone, so an entry may be stale: a store call on the cached
// sequence then answers ErrUnknownSequence, and the caller looks again
// (processAcks).
type replyCache = idCache[replyOwner]

// offerOf returns the offered reply sequence of request sequence id, ""
// when it has none (a one-way session).
func (s *server) offerOf(ctx context.Context, id string) (string, error) {
	if offer, ok := s.offers.get(id); ok {
		return offer, nil
	}
	st, err := s.store.Get(ctx, id, s.cfg.Now())
	if err != nil {
		return "", err
	}
	s.offers.remember(id, st.OfferID)
	return st.OfferID, nil
}

// replySequence returns the identifier of the request sequence whose
// offered reply sequence is offer, under owner o (ErrOwnerMismatch
// otherwise) and of version v, and whether it came from the cache (it
// may be stale then: see replyCache).
func (x *exchange) replySequence(ctx context.Context, offer string, v Version) (string, bool, error) {
	r, cached := x.s.replies.get(offer)
	if !cached {
		st, err := x.s.store.GetByOffer(ctx, offer, x.now)
		if err != nil {
			return "", false, err
		}
		r = replyOwner{id: st.ID, owner: st.Owner, version: st.Version}
		x.s.replies.remember(offer, r)
	}
	switch {
	case !ownerEqual(r.owner, x.owner):
		return "", cached, fmt.Errorf("%w: reply sequence", ErrOwnerMismatch)
	case r.version != v.String():
		return "", cached, fmt.Errorf("%w: a %s acknowledgement of a %s sequence", ErrUnknownSequence, v, r.version)
	}
	return r.id, cached, nil
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
