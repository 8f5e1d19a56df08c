package reliable

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"hash/maphash"
	"math"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/soapstack/soapstack/reliable/internal/seq"
	"github.com/soapstack/soapstack/reliable/internal/wire"
)

// Defaults of NewMemoryStore.
const (
	// DefaultMaxSequences bounds the sequences a MemoryStore holds.
	DefaultMaxSequences = 10000
	// DefaultMaxBytes bounds the message and reply bytes a MemoryStore
	// holds in all.
	DefaultMaxBytes = 64 << 20
	// DefaultMaxSequenceBytes bounds the message and reply bytes one
	// sequence holds: a full window of 64 KiB messages (WCF's default
	// MaxReceivedMessageSize) and as many replies.
	DefaultMaxSequenceBytes = 2 * DefaultWindow * 64 << 10
	// DefaultMaxCachedReplies bounds the replies one sequence caches for
	// duplicates: four times the window. A reply is dropped as soon as the
	// client acknowledges it (AckReplies), so the cache holds the replies
	// the client has not confirmed: those of its last requests and the
	// lost ones, whose requests it retransmits. A lost reply must outlive
	// the replies of the requests that overtake its retransmission.
	DefaultMaxCachedReplies = 4 * DefaultWindow
)

// mShards is the number of independently locked parts of a MemoryStore.
const mShards = 32

// mSweepInterval is how often (in callers' time) each shard is scanned
// for expired sequences as it is used.
const mSweepInterval = 30 * time.Second

// MemoryStoreOption configures NewMemoryStore.
type MemoryStoreOption interface {
	applyStore(*MemoryStore)
}

type mOptionFunc func(*MemoryStore)

func (f mOptionFunc) applyStore(s *MemoryStore) { f(s) }

// WithMaxSequences bounds the sequences held, terminated ones included
// (DefaultMaxSequences when n <= 0).
func WithMaxSequences(n int) MemoryStoreOption {
	return mOptionFunc(func(s *MemoryStore) {
		if n > 0 {
			s.maxSeqs = int64(n)
		}
	})
}

// WithMaxPending bounds the pending sequences held (DefaultMaxPending
// when n <= 0).
func WithMaxPending(n int) MemoryStoreOption {
	return mOptionFunc(func(s *MemoryStore) {
		if n > 0 {
			s.maxPending = int64(n)
		}
	})
}

// WithMaxBytes bounds the message and reply bytes held in all
// (DefaultMaxBytes when n <= 0).
func WithMaxBytes(n int) MemoryStoreOption {
	return mOptionFunc(func(s *MemoryStore) {
		if n > 0 {
			s.maxBytes = int64(n)
		}
	})
}

// WithMaxSequenceBytes bounds the message and reply bytes of one sequence
// (DefaultMaxSequenceBytes when n <= 0).
func WithMaxSequenceBytes(n int) MemoryStoreOption {
	return mOptionFunc(func(s *MemoryStore) {
		if n > 0 {
			s.maxSeqBytes = n
		}
	})
}

// WithMaxCachedReplies bounds the replies one sequence caches
// (DefaultMaxCachedReplies when n <= 0).
func WithMaxCachedReplies(n int) MemoryStoreOption {
	return mOptionFunc(func(s *MemoryStore) {
		if n > 0 {
			s.maxReplies = n
		}
	})
}

// MemoryStore is a bounded in-memory SequenceStore, for a single server
// (a farm needs a shared store).
//
// It bounds the sequences (WithMaxSequences), the pending ones
// (WithMaxPending; WCF's MaxPendingChannels, 4, by default), the bytes of
// buffered messages and cached replies of one sequence
// (WithMaxSequenceBytes) and in all (WithMaxBytes), and the replies a
// sequence caches (WithMaxCachedReplies). As the token and replay caches
// do, it refuses new sequences when full rather than evicting live ones,
// after dropping expired ones. Byte bounds count message and reply bytes
// only; an open sequence with nothing buffered takes about 650 bytes
// (measured by TestMemoryStoreFootprint). Expired sequences are dropped
// as the store is used.
//
// It is safe for concurrent use: sequences are spread over independently
// locked shards, and the bounds are kept exactly with atomic counters.
type MemoryStore struct {
	maxSeqs, maxPending, maxBytes int64
	maxSeqBytes, maxReplies       int
	seed                          maphash.Seed
	seqs, pending, bytes          atomic.Int64
	shards                        [mShards]mShard
	// names maps every identifier and offered identifier of a sequence
	// held to the sequence's identifier. nmu is taken after a shard's
	// lock, never before one.
	nmu   sync.Mutex
	names map[string]string
}

type mShard struct {
	mu        sync.Mutex
	m         map[string]*mSeq
	nextSweep int64
}

type mMsg struct {
	data []byte
	last bool
}

// mSeq is the state of one sequence; its shard's lock is held to use it.
type mSeq struct {
	info             SequenceInfo
	window           int
	inactivity       int64 // ns
	expires          int64 // Unix ns, MaxInt64 for never
	created, active  int64 // Unix ns
	pending          bool
	acked            seq.Set
	next             int64
	claimed          bool
	claim            Claim
	claimUntil       int64
	buf              map[int64]mMsg
	replies          map[int64][]byte
	replyNums        map[int64]int64 // request number -> reply number, of the cached replies
	replyOrder       []int64
	sent             int64 // replies completed
	repliesAcked     seq.Set
	bytes            int // buffered and cached
	last             int64
	closed, terminal bool
}

// NewMemoryStore returns an empty MemoryStore.
func NewMemoryStore(opts ...MemoryStoreOption) *MemoryStore {
	s := &MemoryStore{
		maxSeqs:     DefaultMaxSequences,
		maxPending:  DefaultMaxPending,
		maxBytes:    DefaultMaxBytes,
		maxSeqBytes: DefaultMaxSequenceBytes,
		maxReplies:  DefaultMaxCachedReplies,
		seed:        maphash.MakeSeed(),
		names:       make(map[string]string),
	}
	for _, o := range opts {
		o.applyStore(s)
	}
	for i := range s.shards {
		s.shards[i].m = make(map[string]*mSeq)
	}
	return s
}

// Len returns the number of sequences held, expired ones not yet dropped
// included.
func (s *MemoryStore) Len() int { return int(s.seqs.Load()) }

// Bytes returns the message and reply bytes held.
func (s *MemoryStore) Bytes() int { return int(s.bytes.Load()) }

func (s *MemoryStore) shard(id string) *mShard {
	return &s.shards[maphash.String(s.seed, id)%mShards]
}

// lock locks the shard of id, sweeping it when due.
func (s *MemoryStore) lock(id string, now int64) *mShard {
	sh := s.shard(id)
	sh.mu.Lock()
	if now >= sh.nextSweep {
		s.sweep(sh, now)
	}
	return sh
}

func (s *MemoryStore) sweep(sh *mShard, now int64) {
	for id, q := range sh.m {
		if q.expired(now) {
			s.drop(sh, id, q)
		}
	}
	sh.nextSweep = now + int64(mSweepInterval)
}

func (q *mSeq) expired(now int64) bool {
	return now >= q.expires || now-q.active >= q.inactivity
}

// drop removes sequence id; sh.mu is held.
func (s *MemoryStore) drop(sh *mShard, id string, q *mSeq) {
	if q.pending {
		s.pending.Add(-1)
	}
	s.bytes.Add(-int64(q.bytes))
	s.seqs.Add(-1)
	delete(sh.m, id)
	s.nmu.Lock()
	for _, n := range []string{id, q.info.OfferID} {
		if n != "" && s.names[n] == id {
			delete(s.names, n)
		}
	}
	s.nmu.Unlock()
}

// find returns the live sequence id, dropping it when expired; sh.mu is
// held.
func (s *MemoryStore) find(sh *mShard, id string, now int64) (*mSeq, error) {
	q := sh.m[id]
	if q == nil {
		return nil, ErrUnknownSequence
	}
	if q.expired(now) {
		s.drop(sh, id, q)
		return nil, ErrUnknownSequence
	}
	return q, nil
}

// owned is find plus the owner check, recording activity.
func (s *MemoryStore) owned(sh *mShard, id string, o Owner, now int64) (*mSeq, error) {
	q, err := s.find(sh, id, now)
	if err != nil {
		return nil, err
	}
	if !ownerEqual(q.info.Owner, o) {
		return nil, ErrOwnerMismatch
	}
	q.active = now
	return q, nil
}

func ownerEqual(a, b Owner) bool {
	c := subtle.ConstantTimeCompare([]byte(a.ContextID), []byte(b.ContextID))
	k := subtle.ConstantTimeCompare([]byte(a.Key), []byte(b.Key))
	return c&k == 1
}

// Create implements SequenceStore.
func (s *MemoryStore) Create(ctx context.Context, info SequenceInfo, at time.Time) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if info.ID == "" {
		return errors.New("reliable: sequence without identifier")
	}
	if info.OfferID == info.ID {
		return fmt.Errorf("%w: offered identifier equal to the sequence's", ErrSequenceExists)
	}
	now := unixNano(at)
	q := &mSeq{
		info:       info,
		window:     info.Window,
		inactivity: int64(info.InactivityTimeout),
		expires:    math.MaxInt64,
		created:    now,
		active:     now,
		pending:    true,
		next:       1,
		buf:        make(map[int64]mMsg),
		replies:    make(map[int64][]byte),
		replyNums:  make(map[int64]int64),
	}
	if q.window <= 0 {
		q.window = DefaultWindow
	}
	q.info.Window = q.window
	if q.inactivity <= 0 {
		q.inactivity = int64(DefaultInactivityTimeout)
		q.info.InactivityTimeout = DefaultInactivityTimeout
	}
	if !info.Expires.IsZero() {
		q.expires = unixNano(info.Expires)
		if q.expires <= now {
			return errors.New("reliable: sequence already expired")
		}
	}
	for resolved, swept := false, false; ; {
		sh := s.lock(info.ID, now)
		if _, err := s.find(sh, info.ID, now); err == nil {
			sh.mu.Unlock()
			return ErrSequenceExists
		}
		holders, full := s.register(info)
		if full == nil && len(holders) == 0 {
			sh.m[info.ID] = q
			sh.mu.Unlock()
			return nil
		}
		sh.mu.Unlock()
		switch {
		case len(holders) > 0 && resolved:
			return fmt.Errorf("%w: the identifier or offer of another sequence", ErrSequenceExists)
		case len(holders) > 0:
			// The holders may have expired: find drops them.
			resolved = true
			for _, h := range holders {
				hs := s.lock(h, now)
				_, _ = s.find(hs, h, now)
				hs.mu.Unlock()
			}
		case swept:
			return full
		default:
			swept = true
			for i := range s.shards {
				o := &s.shards[i]
				o.mu.Lock()
				s.sweep(o, now)
				o.mu.Unlock()
			}
		}
	}
}

// register takes the names of info (its identifier and offered
// identifier) and its places under the bounds, or returns the sequences
// holding those names, or the bound reached; the shard of info.ID is
// locked.
func (s *MemoryStore) register(info SequenceInfo) (holders []string, full error) {
	s.nmu.Lock()
	defer s.nmu.Unlock()
	names := []string{info.ID}
	if info.OfferID != "" {
		names = append(names, info.OfferID)
	}
	for _, n := range names {
		if h, ok := s.names[n]; ok {
			holders = append(holders, h)
		}
	}
	switch {
	case len(holders) > 0:
		return holders, nil
	case !reserve(&s.seqs, s.maxSeqs):
		return nil, ErrStoreFull
	case !reserve(&s.pending, s.maxPending):
		s.seqs.Add(-1)
		return nil, ErrTooManyPending
	}
	for _, n := range names {
		s.names[n] = info.ID
	}
	return nil, nil
}

// Get implements SequenceStore.
func (s *MemoryStore) Get(ctx context.Context, id string, at time.Time) (*SequenceState, error) {
	return s.snapshot(ctx, id, "", at)
}

// GetByOffer implements SequenceStore.
func (s *MemoryStore) GetByOffer(ctx context.Context, offerID string, at time.Time) (*SequenceState, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.nmu.Lock()
	id, ok := s.names[offerID]
	s.nmu.Unlock()
	if !ok || offerID == "" {
		return nil, ErrUnknownSequence
	}
	return s.snapshot(ctx, id, offerID, at)
}

// snapshot returns the state of sequence id, which must have offered
// offerID when that is not empty.
func (s *MemoryStore) snapshot(ctx context.Context, id, offerID string, at time.Time) (*SequenceState, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	now := unixNano(at)
	sh := s.lock(id, now)
	defer sh.mu.Unlock()
	q, err := s.find(sh, id, now)
	if err != nil {
		return nil, err
	}
	if offerID != "" && q.info.OfferID != offerID {
		return nil, ErrUnknownSequence
	}
	return q.state(now), nil
}

// state returns the snapshot of q.
func (q *mSeq) state(now int64) *SequenceState {
	bufBytes := 0
	for _, m := range q.buf {
		bufBytes += len(m.data)
	}
	return &SequenceState{
		SequenceInfo:  q.info,
		Created:       time.Unix(0, q.created),
		LastActivity:  time.Unix(0, q.active),
		Pending:       q.pending,
		Ack:           q.ack(),
		Next:          q.next,
		Claimed:       q.claimed && q.claimUntil > now,
		Buffered:      len(q.buf),
		BufferedBytes: bufBytes,
		CachedReplies: len(q.replies),
		Replies:       q.sent,
		RepliesAcked:  ackRanges(q.repliesAcked),
		LastNumber:    q.last,
		Closed:        q.closed,
		Terminated:    q.terminal,
	}
}

func ackRanges(s seq.Set) []AckRange {
	rs := s.Ranges()
	out := make([]AckRange, len(rs))
	for i, r := range rs {
		out[i] = AckRange(r)
	}
	return out
}

func (q *mSeq) ack() Ack {
	return Ack{
		Ranges:          ackRanges(q.acked),
		BufferRemaining: seq.BufferRemaining(q.window, len(q.buf)),
		Final:           q.closed,
	}
}

// AckReplies implements SequenceStore.
func (s *MemoryStore) AckReplies(ctx context.Context, id string, o Owner, ranges []AckRange, at time.Time) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	rs := make([]seq.Range, len(ranges))
	for i, r := range ranges {
		rs[i] = seq.Range(r)
	}
	now := unixNano(at)
	sh := s.lock(id, now)
	defer sh.mu.Unlock()
	q, err := s.owned(sh, id, o, now)
	if err != nil {
		return err
	}
	set, err := seq.NewSet(rs, wire.MaxRanges)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidAcknowledgement, err)
	}
	if set.Max() > q.sent {
		return fmt.Errorf("%w: reply %d acknowledged, %d sent", ErrInvalidAcknowledgement, set.Max(), q.sent)
	}
	// As WCF's TransmissionStrategy.ProcessAcknowledgement: an older
	// acknowledgement is ignored; one that both forgets numbers and adds
	// new ones is inconsistent.
	stale, fresh := !set.Covers(q.repliesAcked), !q.repliesAcked.Covers(set)
	switch {
	case stale && fresh:
		return fmt.Errorf("%w: %w", ErrInvalidAcknowledgement, seq.ErrAckNotCumulative)
	case !stale:
		q.repliesAcked = set
		s.dropAckedReplies(q)
	}
	return nil
}

// dropAckedReplies forgets the cached replies the client acknowledged:
// it has them and will not ask again, and keeping them would push out
// the replies it still needs.
func (s *MemoryStore) dropAckedReplies(q *mSeq) {
	kept := q.replyOrder[:0]
	for _, n := range q.replyOrder {
		if !q.repliesAcked.Contains(q.replyNums[n]) {
			kept = append(kept, n)
			continue
		}
		r := q.replies[n]
		delete(q.replies, n)
		delete(q.replyNums, n)
		q.bytes -= len(r)
		s.bytes.Add(-int64(len(r)))
	}
	q.replyOrder = kept
}

// Touch implements SequenceStore.
func (s *MemoryStore) Touch(ctx context.Context, id string, o Owner, at time.Time) (Ack, error) {
	if err := ctx.Err(); err != nil {
		return Ack{}, err
	}
	now := unixNano(at)
	sh := s.lock(id, now)
	defer sh.mu.Unlock()
	q, err := s.owned(sh, id, o, now)
	if err != nil {
		return Ack{}, err
	}
	return q.ack(), nil
}

// received is the highest number received (acknowledged or claimed).
func (q *mSeq) received() int64 {
	r := q.acked.Max()
	if q.claimed {
		r = max(r, q.next)
	}
	return r
}

// Accept implements SequenceStore.
func (s *MemoryStore) Accept(ctx context.Context, id string, in Incoming) (Accepted, error) {
	if err := ctx.Err(); err != nil {
		return Accepted{}, err
	}
	now := unixNano(in.Now)
	sh := s.lock(id, now)
	defer sh.mu.Unlock()
	q, err := s.owned(sh, id, in.Owner, now)
	if err != nil {
		return Accepted{}, err
	}
	n := in.Number
	switch {
	case q.terminal:
		return Accepted{}, ErrSequenceTerminated
	case n < 1:
		return Accepted{}, fmt.Errorf("%w: %d", ErrInvalidMessageNumber, n)
	case q.last > 0 && n > q.last:
		return Accepted{}, fmt.Errorf("%w: %d > %d", ErrLastMessageNumberExceeded, n, q.last)
	}
	if q.pending {
		q.pending = false
		s.pending.Add(-1)
	}
	res := func(o Outcome) (Accepted, error) {
		a := Accepted{Outcome: o, Ack: q.ack()}
		if o != OutcomeDeliver && q.claimed && q.claimUntil > now {
			a.ClaimUntil = time.Unix(0, q.claimUntil)
		}
		return a, nil
	}
	_, buffered := q.buf[n]
	if !buffered && q.acked.Contains(n) {
		// Acknowledged and not buffered: completed.
		a, _ := res(OutcomeDuplicate)
		if r, ok := q.replies[n]; ok {
			a.Reply = slices.Clone(r)
		}
		return a, nil
	}
	if n == q.next && q.claimed && q.claimUntil > now {
		return res(OutcomeInProgress)
	}
	if buffered && n > q.next {
		return res(OutcomeBuffered)
	}
	if !buffered {
		// A new message.
		if q.closed {
			return Accepted{}, ErrSequenceClosed
		}
		if in.Last && q.last == 0 && n < q.received() {
			return Accepted{}, fmt.Errorf("%w: last %d below %d received", ErrLastMessageNumberExceeded, n, q.received())
		}
	}
	if n == q.next {
		if in.Last && q.last == 0 {
			q.last = n
		}
		a, _ := res(OutcomeDeliver)
		a.Redelivery = q.claimed
		a.Claim = q.grant(in.ClaimUntil)
		a.ReplyNumber = q.sent + 1
		return a, nil
	}
	// n > next, not buffered: buffer it if the window and bounds allow.
	if !seq.InWindow(q.next, n, q.window) || len(q.buf) >= q.window {
		return res(OutcomeDropped)
	}
	if len(in.Message) == 0 {
		return res(OutcomeNeedMessage)
	}
	if !s.room(q, len(in.Message)) {
		return res(OutcomeDropped)
	}
	q.buf[n] = mMsg{data: slices.Clone(in.Message), last: in.Last}
	q.acked.Add(n)
	if in.Last && q.last == 0 {
		q.last = n
	}
	return res(OutcomeBuffered)
}

// grant grants the claim on q.next until claimUntil.
func (q *mSeq) grant(claimUntil time.Time) Claim {
	q.claim++
	q.claimed = true
	q.claimUntil = unixNano(claimUntil)
	return q.claim
}

// room takes n bytes for q under the sequence and store bounds, evicting
// q's oldest cached replies when that makes room; it reports false (and
// takes nothing) when there is none.
func (s *MemoryStore) room(q *mSeq, n int) bool {
	if n > s.maxSeqBytes {
		return false
	}
	for {
		if q.bytes+n <= s.maxSeqBytes && reserveN(&s.bytes, s.maxBytes, int64(n)) {
			q.bytes += n
			return true
		}
		if len(q.replyOrder) == 0 {
			return false
		}
		s.evictReply(q)
	}
}

func (s *MemoryStore) evictReply(q *mSeq) {
	k := q.replyOrder[0]
	q.replyOrder = slices.Delete(q.replyOrder, 0, 1)
	r := q.replies[k]
	delete(q.replies, k)
	delete(q.replyNums, k)
	q.bytes -= len(r)
	s.bytes.Add(-int64(len(r)))
}

// Complete implements SequenceStore.
func (s *MemoryStore) Complete(ctx context.Context, id string, o Owner, n int64, claim Claim, reply []byte, at, claimUntil time.Time) (*Delivery, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	now := unixNano(at)
	sh := s.lock(id, now)
	defer sh.mu.Unlock()
	q, err := s.owned(sh, id, o, now)
	if err != nil {
		return nil, err
	}
	if !q.claimed || q.claim != claim || q.next != n {
		return nil, ErrClaimLost
	}
	if m, ok := q.buf[n]; ok {
		delete(q.buf, n)
		q.bytes -= len(m.data)
		s.bytes.Add(-int64(len(m.data)))
	}
	q.acked.Add(n)
	if n < math.MaxInt64 {
		q.next = n + 1
	}
	q.claimed = false
	if reply != nil {
		q.sent++
	}
	if reply != nil && !q.terminal {
		for len(q.replyOrder) >= s.maxReplies {
			s.evictReply(q)
		}
		if s.room(q, len(reply)) {
			q.replies[n] = slices.Clone(reply)
			q.replyNums[n] = q.sent
			q.replyOrder = append(q.replyOrder, n)
		}
	}
	return q.claimBuffered(claimUntil), nil
}

// claimBuffered claims q.next when its message is buffered.
func (q *mSeq) claimBuffered(claimUntil time.Time) *Delivery {
	m, ok := q.buf[q.next]
	if !ok {
		return nil
	}
	d := &Delivery{Number: q.next, Last: m.last, Message: slices.Clone(m.data), ReplyNumber: q.sent + 1, Redelivery: q.claimed}
	d.Claim = q.grant(claimUntil)
	return d
}

// Next implements SequenceStore.
func (s *MemoryStore) Next(ctx context.Context, id string, o Owner, at, claimUntil time.Time) (*Delivery, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	now := unixNano(at)
	sh := s.lock(id, now)
	defer sh.mu.Unlock()
	q, err := s.owned(sh, id, o, now)
	if err != nil {
		return nil, err
	}
	if q.claimed && q.claimUntil > now {
		return nil, nil
	}
	return q.claimBuffered(claimUntil), nil
}

// Close implements SequenceStore.
func (s *MemoryStore) Close(ctx context.Context, id string, o Owner, lastNumber int64, at time.Time) (Ack, error) {
	return s.end(ctx, id, o, lastNumber, at, false)
}

// Terminate implements SequenceStore.
func (s *MemoryStore) Terminate(ctx context.Context, id string, o Owner, lastNumber int64, at time.Time) (Ack, error) {
	return s.end(ctx, id, o, lastNumber, at, true)
}

func (s *MemoryStore) end(ctx context.Context, id string, o Owner, lastNumber int64, at time.Time, terminate bool) (Ack, error) {
	if err := ctx.Err(); err != nil {
		return Ack{}, err
	}
	now := unixNano(at)
	sh := s.lock(id, now)
	defer sh.mu.Unlock()
	q, err := s.owned(sh, id, o, now)
	if err != nil {
		return Ack{}, err
	}
	if q.terminal {
		if terminate {
			return q.ack(), nil
		}
		return Ack{}, ErrSequenceTerminated
	}
	if lastNumber != 0 {
		if lastNumber < q.received() || (q.last != 0 && lastNumber != q.last) {
			return Ack{}, fmt.Errorf("%w: last %d, received %d", ErrLastMessageNumberExceeded, lastNumber, q.received())
		}
		q.last = lastNumber
	}
	q.closed = true
	if terminate {
		q.terminal = true
		for len(q.replyOrder) > 0 {
			s.evictReply(q)
		}
	}
	return q.ack(), nil
}

// Remove implements SequenceStore.
func (s *MemoryStore) Remove(ctx context.Context, id string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	sh := s.shard(id)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	q := sh.m[id]
	if q == nil {
		return ErrUnknownSequence
	}
	s.drop(sh, id, q)
	return nil
}

// reserve takes one unit of n under max, reporting false when full.
func reserve(n *atomic.Int64, max int64) bool { return reserveN(n, max, 1) }

// reserveN takes k units of n under max, reporting false when full.
func reserveN(n *atomic.Int64, max, k int64) bool {
	for {
		v := n.Load()
		if v+k > max {
			return false
		}
		if n.CompareAndSwap(v, v+k) {
			return true
		}
	}
}

// unixNano returns t in Unix nanoseconds, clamped to the int64 range.
func unixNano(t time.Time) int64 {
	switch sec := t.Unix(); {
	case sec <= math.MinInt64/int64(time.Second):
		return math.MinInt64
	case sec >= math.MaxInt64/int64(time.Second):
		return math.MaxInt64
	}
	return t.UnixNano()
}
