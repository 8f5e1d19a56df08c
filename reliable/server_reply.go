package reliable

import (
	"crypto/subtle"
	"fmt"
	"sync"
	"time"

	"github.com/soapstack/soapstack/reliable/internal/seq"
	"github.com/soapstack/soapstack/reliable/internal/wire"
)

// replySeq is the layer's source side of one offered reply sequence: the
// numbers it gave replies and what the client acknowledged. It lives in
// the node's memory (replies of one sequence are numbered by whoever
// delivers its requests, in delivery order).
type replySeq struct {
	id, reqID  string
	version    Version
	owner      Owner
	inactivity time.Duration

	mu     sync.Mutex
	sent   int64 // the last number given
	acked  seq.Set
	active time.Time
	ended  bool
}

// replySeqs holds the reply sequences, bounded.
type replySeqs struct {
	mu    sync.Mutex
	max   int
	byID  map[string]*replySeq
	byReq map[string]*replySeq
}

func newReplySeqs(max int) *replySeqs {
	return &replySeqs{max: max, byID: map[string]*replySeq{}, byReq: map[string]*replySeq{}}
}

// add records the reply sequence id offered with request sequence reqID.
// An identifier in use (by a live offer, or a request sequence of this
// layer) is refused: a client must not make the layer number replies on
// another client's sequence.
func (r *replySeqs) add(q *replySeq, now time.Time) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.byID[q.id]; ok {
		return ErrOfferInUse
	}
	if _, ok := r.byReq[q.id]; ok {
		return ErrOfferInUse
	}
	if len(r.byID) >= r.max {
		r.sweep(now)
		if len(r.byID) >= r.max {
			return fmt.Errorf("%w: reply sequences", ErrStoreFull)
		}
	}
	q.active = now
	r.byID[q.id] = q
	r.byReq[q.reqID] = q
	return nil
}

// inUse reports whether id names a reply or request sequence held here.
func (r *replySeqs) inUse(id string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	_, a := r.byID[id]
	_, b := r.byReq[id]
	return a || b
}

// sweep drops idle reply sequences; r.mu is held.
func (r *replySeqs) sweep(now time.Time) {
	for id, q := range r.byID {
		q.mu.Lock()
		idle := q.ended || now.Sub(q.active) > q.inactivity
		q.mu.Unlock()
		if idle {
			delete(r.byID, id)
			delete(r.byReq, q.reqID)
		}
	}
}

// remove forgets the reply sequence of request sequence reqID.
func (r *replySeqs) remove(reqID string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if q, ok := r.byReq[reqID]; ok {
		delete(r.byReq, reqID)
		delete(r.byID, q.id)
	}
}

// forRequest returns the reply sequence of request sequence reqID, nil
// when it has none (a one-way session).
func (r *replySeqs) forRequest(reqID string) *replySeq {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.byReq[reqID]
}

// get returns reply sequence id under owner o.
func (r *replySeqs) get(id string, o Owner) (*replySeq, error) {
	r.mu.Lock()
	q, ok := r.byID[id]
	r.mu.Unlock()
	if !ok {
		return nil, fmt.Errorf("%w: reply sequence", ErrUnknownSequence)
	}
	if !ownerEqual(q.owner, o) {
		return nil, fmt.Errorf("%w: reply sequence", ErrOwnerMismatch)
	}
	return q, nil
}

// next gives the next reply number.
func (q *replySeq) next(now time.Time) (int64, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.sent == wire.MaxMessageNumber {
		return 0, fmt.Errorf("%w: reply sequence", seq.ErrRollover)
	}
	q.sent++
	q.active = now
	return q.sent, nil
}

// ack records a client's acknowledgement of replies: it must name only
// numbers sent and keep every number acknowledged before (WCF's
// invalid and inconsistent acknowledgement checks).
func (q *replySeq) ack(a *wire.SequenceAcknowledgement, now time.Time) error {
	rs := make([]seq.Range, 0, len(a.Ranges))
	for _, r := range a.Ranges {
		rs = append(rs, seq.Range{Lower: int64(r.Lower), Upper: int64(r.Upper)})
	}
	set, err := seq.NewSet(rs, wire.MaxRanges)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrAckUnsent, err)
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if set.Max() > q.sent {
		return fmt.Errorf("%w: %w", ErrAckUnsent, seq.ErrAckUnsent)
	}
	// As WCF's TransmissionStrategy.ProcessAcknowledgement: an older
	// acknowledgement (a retransmitted request carries the one it was
	// first sent with) is ignored; one that both forgets numbers and adds
	// new ones is inconsistent.
	stale, fresh := !set.Covers(q.acked), !q.acked.Covers(set)
	switch {
	case stale && fresh:
		return fmt.Errorf("%w: %w", ErrAckUnsent, seq.ErrAckNotCumulative)
	case !stale:
		q.acked = set
	}
	q.active = now
	return nil
}

// constantTimeEqual compares identifiers in constant time.
func constantTimeEqual(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}
