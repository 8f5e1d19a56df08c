package redisstore

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/soapstack/soapstack/reliable"
)

// Defaults of NewSequenceStore (those of reliable.NewMemoryStore).
const (
	// DefaultMaxSequences bounds the sequences the store holds.
	DefaultMaxSequences = reliable.DefaultMaxSequences
	// DefaultMaxSequenceBytes bounds the message and reply bytes of one
	// sequence.
	DefaultMaxSequenceBytes = reliable.DefaultMaxSequenceBytes
	// DefaultMaxCachedReplies bounds the replies one sequence caches: four
	// windows. As in the memory store, a reply is dropped as soon as the
	// client acknowledges it (AckReplies), so the cache holds only the
	// replies the client has not confirmed, a lost one among them until
	// its request's retransmission comes.
	DefaultMaxCachedReplies = reliable.DefaultMaxCachedReplies
	// DefaultTTLGrace is added to the time-to-live of a sequence's keys
	// beyond its remaining lifetime at the caller's clock.
	DefaultTTLGrace = 5 * time.Second
)

// SequenceOptions configures NewSequenceStore. Zero fields take the
// defaults (reliable.NewMemoryStore's).
type SequenceOptions struct {
	Options
	// MaxSequences bounds the sequences held, terminated ones included
	// (ErrStoreFull).
	MaxSequences int
	// MaxPending bounds the pending sequences (ErrTooManyPending,
	// reliable.DefaultMaxPending): for the farm, not per node.
	MaxPending int
	// MaxSequenceBytes bounds the message and reply bytes of one
	// sequence. The store's total is at most MaxSequences times this;
	// bound it further with Redis's maxmemory.
	MaxSequenceBytes int
	// MaxCachedReplies bounds the unacknowledged replies one sequence
	// caches (acknowledged ones are dropped); beyond it the oldest is
	// evicted.
	MaxCachedReplies int
}

// SequenceStore is a reliable.SequenceStore in Redis, shared by the nodes
// of a farm: consecutive messages of one sequence may land on different
// nodes and are still delivered in order and exactly once, duplicates
// answered with the cached reply.
//
// A sequence is four keys under one hash tag (its state hash, its
// buffered messages, its cached replies and their order), and every call
// is one Lua script on them, so each step is atomic on its sequence
// across nodes, as the SequenceStore contract requires. The offered
// identifier of a sequence is a fifth key, a pointer to the sequence,
// under the offer's own hash tag (next to the keys a sequence of that
// identifier would have), checked lazily against the sequence it names:
// see Create. Create takes three round trips (check, reservation in the
// registry of the bounds, creation), one more for an offer; GetByOffer
// two (the pointer, the sequence); the first Accept, Remove and the drop
// of an expired sequence take a second one to update the registry (and
// delete the offer's pointer), and about once per inactivity timeout a
// call extends the pointer's TTL in a second one. The keys' TTL is
// the sequence's remaining lifetime (inactivity timeout, or Expires when
// sooner) at the caller's clock plus DefaultTTLGrace, refreshed by every
// call that counts as activity.
//
// Accept is given a message's bytes only when it must buffer it (the
// layer leaves them out, the script answers OutcomeNeedMessage and the
// layer sends them in a second call): an in-order message costs two round
// trips (Accept, Complete with the reply), an out-of-order one three.
//
// What the store guarantees across nodes is the reliable.SequenceStore
// contract: each number claimed in order by one caller at a time,
// completed once, its reply cached and numbered once. It cannot know that
// an operation ran: a node killed between running one and its Complete
// leaves a claim that a survivor takes over after its ClaimUntil, and the
// operation runs again, marked a redelivery (Accepted.Redelivery,
// reliable.DeliveryFromContext); an operation whose effects must not
// repeat checks them then, or is idempotent.
//
// Owners are compared by a SHA-256 digest of both fields. A Redis failure
// is an error wrapping ErrUnavailable: the layer refuses the message
// without acknowledging it.
//
// A step that failed with ErrUnavailable may still have been applied: a
// command whose answer was lost (a timeout, a dropped connection) can run
// on Redis all the same, though never twice. An Accept applied so may
// hold a claim nobody knows of: the message is taken over by a
// retransmission once the claim's ClaimUntil has passed. A Complete whose
// outcome is unknown should be retried while its claim lasts (before
// ClaimUntil nobody can take the claim over), as the reliable server
// layer does: the retry succeeds, or fails with reliable.ErrClaimLost
// when the earlier attempt was applied (the reply is then cached, and a
// message it claimed in the same step is taken over after that claim's
// end).
type SequenceStore struct {
	base
	reg                  registry
	maxBytes, maxReplies int
}

// NewSequenceStore returns a SequenceStore using client c.
func NewSequenceStore(c redis.UniversalClient, o SequenceOptions) (*SequenceStore, error) {
	b, err := newBase(c, o.Options)
	if err != nil {
		return nil, err
	}
	def := func(v, d int) int {
		if v <= 0 {
			return d
		}
		return v
	}
	s := &SequenceStore{base: b,
		maxBytes:   def(o.MaxSequenceBytes, DefaultMaxSequenceBytes),
		maxReplies: def(o.MaxCachedReplies, DefaultMaxCachedReplies),
	}
	s.reg = registry{
		all:        b.prefix + "seqreg{r}:all",
		pending:    b.prefix + "seqreg{r}:pending",
		maxAll:     int64(def(o.MaxSequences, DefaultMaxSequences)),
		maxPending: int64(def(o.MaxPending, reliable.DefaultMaxPending)),
		verify:     s.status,
	}
	return s, nil
}

var _ reliable.SequenceStore = (*SequenceStore)(nil)

// member is the registry member and key tag of sequence id.
func seqMember(id string) string {
	t := tag("seq", id)
	return t[1 : len(t)-1]
}

// keys returns the keys of the name with member member: the state,
// buffered messages, cached replies and reply order of the sequence of
// that identifier, and the pointer to the sequence that offered it.
func (s *SequenceStore) keys(member string) []string {
	p := s.prefix + "seq{" + member + "}:"
	return []string{p + "s", p + "b", p + "r", p + "o", p + "n"}
}

func ownerDigest(o reliable.Owner) string {
	h := sha256.New()
	fmt.Fprintf(h, "%d:%s;%d:%s;", len(o.ContextID), o.ContextID, len(o.Key), o.Key)
	return hex.EncodeToString(h.Sum(nil))
}

// seqResult is the decoded result of seqScript.
type seqResult struct {
	code              string
	dropped, unpended bool
	ack               reliable.Ack
	// pointerTTL (ms) asks for the extension of the pointer of offer.
	pointerTTL     int64
	offer, offerAt string
	rest           []any
}

// run runs one step on sequence id.
func (s *SequenceStore) run(ctx context.Context, op, id string, owner *reliable.Owner, now time.Time, args ...any) (*seqResult, error) {
	cctx, cancel, err := s.call(ctx)
	if err != nil {
		return nil, err
	}
	defer cancel()
	sec, nsec := splitTime(now)
	od := ""
	if owner != nil {
		od = ownerDigest(*owner)
	}
	member := seqMember(id)
	argv := append([]any{op, sec, nsec, od, s.maxBytes, s.maxReplies, DefaultTTLGrace.Milliseconds(), id}, args...)
	v, err := seqScript.Run(cctx, s.c, s.keys(member), argv...).Slice()
	if err != nil {
		return nil, unavailable("sequence "+op, err)
	}
	r, err := decodeSeq(v)
	if err != nil {
		return nil, err
	}
	if r.dropped || r.unpended {
		// The registry follows; a failure here leaves a stale member that
		// the next full registry checks.
		_ = s.reg.forget(cctx, s.c, member, r.dropped)
	}
	// So does the pointer of the sequence's offer (under the offer's own
	// hash tag): deleted with the sequence, extended as it lives on. A
	// pointer left behind by a failure here is checked against its
	// sequence when its name is next used.
	switch {
	case r.offer == "":
	case r.dropped:
		_, _ = s.run(ctx, "unpoint", r.offer, nil, now, id, r.offerAt)
	case r.pointerTTL > 0:
		_, _ = s.run(ctx, "pointttl", r.offer, nil, now, id, r.pointerTTL, r.offerAt)
	}
	return r, nil
}

func decodeSeq(v []any) (*seqResult, error) {
	if len(v) < 9 {
		return nil, fmt.Errorf("%w: malformed script result", ErrUnavailable)
	}
	r := &seqResult{code: str(v[0]), dropped: num(v[1]) == 1, unpended: num(v[2]) == 1,
		pointerTTL: num(v[6]), offer: str(v[7]), offerAt: str(v[8]), rest: v[9:]}
	rs, err := parseRanges(str(v[3]))
	if err != nil {
		return nil, err
	}
	r.ack = reliable.Ack{Ranges: rs, BufferRemaining: int(num(v[4])), Final: num(v[5]) == 1}
	return r, nil
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

func num(v any) int64 {
	switch x := v.(type) {
	case int64:
		return x
	case string:
		n, _ := strconv.ParseInt(x, 10, 64)
		return n
	}
	return 0
}

func parseRanges(s string) ([]reliable.AckRange, error) {
	out := []reliable.AckRange{}
	if s == "" {
		return out, nil
	}
	for _, p := range strings.Split(s, ",") {
		lo, hi, ok := strings.Cut(p, "-")
		l, err1 := strconv.ParseInt(lo, 10, 64)
		h, err2 := strconv.ParseInt(hi, 10, 64)
		if !ok || err1 != nil || err2 != nil {
			return nil, fmt.Errorf("%w: malformed ranges", ErrUnavailable)
		}
		out = append(out, reliable.AckRange{Lower: l, Upper: h})
	}
	return out, nil
}

// codeErr maps a script's refusal to the reliable sentinels.
func codeErr(code string) error {
	switch code {
	case "ok":
		return nil
	case "unknown":
		return reliable.ErrUnknownSequence
	case "owner":
		return reliable.ErrOwnerMismatch
	case "terminated":
		return reliable.ErrSequenceTerminated
	case "closed":
		return reliable.ErrSequenceClosed
	case "lastx":
		return reliable.ErrLastMessageNumberExceeded
	case "invalid":
		return reliable.ErrInvalidMessageNumber
	case "exists":
		return reliable.ErrSequenceExists
	case "claimlost":
		return reliable.ErrClaimLost
	case "ackmalformed":
		return fmt.Errorf("%w: malformed ranges", reliable.ErrInvalidAcknowledgement)
	case "ackunsent":
		return fmt.Errorf("%w: a reply not sent acknowledged", reliable.ErrInvalidAcknowledgement)
	case "ackinconsistent":
		return fmt.Errorf("%w: acknowledged replies left out while new ones are added", reliable.ErrInvalidAcknowledgement)
	}
	return fmt.Errorf("%w: unexpected script result %q", ErrUnavailable, code)
}

// never is the expiry of a sequence without Expires, as splitTime's
// bound.
const never = 1 << 50

// offerLease is how long a pointer to a sequence not (or no longer)
// held keeps its name, at the callers' clock: the time a concurrent
// Create has to make the sequence after it took its offered name.
const offerLease = 10 * time.Second

// maxNameTries bounds the stale pointers one Create clears per name.
const maxNameTries = 3

// Create implements reliable.SequenceStore.
//
// Identifiers and offered identifiers are one namespace, while a
// sequence's keys and the pointer of its offer live under two hash tags:
// each name's keys are under the name's own tag, the state of the
// sequence of that identifier next to the pointer to the sequence that
// offered it. Every script checks both, so each name is taken once. The
// pointer is taken first (with a time), the sequence made last, and a
// pointer is checked lazily against the sequence it names: it holds its
// name while that sequence is live with that offer, or, for offerLease
// after it was taken, while its Create may still be running; otherwise it
// is stale and is deleted when met. A failed Create deletes the pointer
// it took.
func (s *SequenceStore) Create(ctx context.Context, info reliable.SequenceInfo, now time.Time) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if info.ID == "" {
		return errors.New("redisstore: sequence without identifier")
	}
	if info.OfferID == info.ID {
		return fmt.Errorf("%w: offered identifier equal to the sequence's", reliable.ErrSequenceExists)
	}
	if info.Window <= 0 {
		info.Window = reliable.DefaultWindow
	}
	if info.InactivityTimeout <= 0 {
		info.InactivityTimeout = reliable.DefaultInactivityTimeout
	}
	es, en := int64(never), int64(0)
	if !info.Expires.IsZero() {
		if !info.Expires.After(now) {
			return errors.New("redisstore: sequence already expired")
		}
		es, en = splitTime(info.Expires)
	}
	d := info.InactivityTimeout
	nowMS := unixMilli(now)
	deadline := nowMS + d.Milliseconds()
	if !info.Expires.IsZero() {
		deadline = min(deadline, unixMilli(info.Expires))
	}
	// The offer's pointer outlives the sequence by an inactivity timeout
	// (the scripts extend it as the sequence lives on).
	pointerTTL := max(deadline-nowMS, 1) + DefaultTTLGrace.Milliseconds() + d.Milliseconds()
	at := strconv.FormatInt(nowMS, 10)
	args := func(phase string) []any {
		return []any{ownerDigest(info.Owner), info.Owner.ContextID, info.Owner.Key, info.Version, info.AcksTo, info.OfferID,
			info.Window, int64(d / time.Second), int64(d % time.Second), es, en, phase, nowMS + pointerTTL, at}
	}
	if err := s.takeName(ctx, info.ID, now, "create", args("check")...); err != nil {
		return err
	}
	if info.OfferID != "" {
		if err := s.takeName(ctx, info.OfferID, now, "point", info.ID, at, pointerTTL); err != nil {
			return err
		}
	}
	err := s.make(ctx, info, now, deadline, args("make"))
	if err != nil && info.OfferID != "" {
		// A failure here leaves a pointer that lapses after offerLease.
		_, _ = s.run(ctx, "unpoint", info.OfferID, nil, now, info.ID, at)
	}
	return err
}

// make reserves the sequence's place in the registry and makes it.
func (s *SequenceStore) make(ctx context.Context, info reliable.SequenceInfo, now time.Time, deadline int64, args []any) error {
	cctx, cancel, err := s.call(ctx)
	if err != nil {
		return err
	}
	err = s.reg.reserve(cctx, s.c, seqMember(info.ID), deadline, true, unixMilli(now), nil)
	cancel()
	switch {
	case errors.Is(err, errRegistryFull):
		return reliable.ErrStoreFull
	case errors.Is(err, errRegistryPending):
		return reliable.ErrTooManyPending
	case err != nil:
		return err
	}
	// A concurrent Create of the same id may have reserved the same
	// member: exactly one creation below succeeds, the other finds it.
	return s.takeName(ctx, info.ID, now, "create", args...)
}

// takeName runs step op (create or point) on the keys of name, clearing
// the stale pointers it meets, and returns nil when the step took the
// name (or, for create's check, found it free).
func (s *SequenceStore) takeName(ctx context.Context, name string, now time.Time, op string, args ...any) error {
	for range maxNameTries {
		r, err := s.run(ctx, op, name, nil, now, args...)
		if err != nil {
			return err
		}
		if r.code != "offered" {
			if r.code == "free" {
				return nil
			}
			return codeErr(r.code)
		}
		if len(r.rest) < 2 {
			return fmt.Errorf("%w: malformed script result", ErrUnavailable)
		}
		holder, at := str(r.rest[0]), str(r.rest[1])
		held, err := s.pointerHeld(ctx, name, holder, num(r.rest[1]), now)
		if err != nil {
			return err
		}
		if held {
			return fmt.Errorf("%w: the offer of another sequence", reliable.ErrSequenceExists)
		}
		if _, err := s.run(ctx, "unpoint", name, nil, now, holder, at); err != nil {
			return err
		}
	}
	return fmt.Errorf("%w: the offer of another sequence", reliable.ErrSequenceExists)
}

// pointerHeld reports whether the pointer of name to sequence holder,
// taken at atMS, still holds the name.
func (s *SequenceStore) pointerHeld(ctx context.Context, name, holder string, atMS int64, now time.Time) (bool, error) {
	r, err := s.run(ctx, "offerof", holder, nil, now)
	if err != nil {
		return false, err
	}
	if r.code == "ok" {
		return len(r.rest) > 0 && str(r.rest[0]) == name, nil
	}
	return unixMilli(now) < atMS+offerLease.Milliseconds(), nil
}

// status is the registry's verify of the sequence with member m.
func (s *SequenceStore) status(ctx context.Context, m string, nowMS int64, _ []any) (entryStatus, error) {
	sec, ms := nowMS/1000, nowMS%1000
	v, err := seqScript.Run(ctx, s.c, s.keys(m), "status", sec, ms*1e6, "", s.maxBytes, s.maxReplies, 0, "").Slice()
	if err != nil {
		return entryStatus{}, unavailable("sequence status", err)
	}
	if str(v[0]) != "live" || len(v) < 3 {
		return entryStatus{gone: true}, nil
	}
	return entryStatus{pending: num(v[1]) == 1, deadline: num(v[2])}, nil
}

// Get implements reliable.SequenceStore.
func (s *SequenceStore) Get(ctx context.Context, id string, now time.Time) (*reliable.SequenceState, error) {
	r, err := s.run(ctx, "get", id, nil, now)
	if err != nil {
		return nil, err
	}
	if err := codeErr(r.code); err != nil {
		return nil, err
	}
	v := r.rest
	if len(v) < 24 {
		return nil, fmt.Errorf("%w: malformed script result", ErrUnavailable)
	}
	st := &reliable.SequenceState{
		SequenceInfo: reliable.SequenceInfo{
			ID: id, Owner: reliable.Owner{ContextID: str(v[0]), Key: str(v[1])},
			Version: str(v[2]), AcksTo: str(v[3]), OfferID: str(v[4]), Window: int(num(v[5])),
			InactivityTimeout: time.Duration(num(v[6]))*time.Second + time.Duration(num(v[7])),
		},
		Created:       joinTime(num(v[10]), num(v[11])),
		LastActivity:  joinTime(num(v[12]), num(v[13])),
		Pending:       num(v[14]) == 1,
		Ack:           r.ack,
		Next:          num(v[15]),
		Claimed:       num(v[16]) == 1,
		Buffered:      int(num(v[17])),
		BufferedBytes: int(num(v[18])),
		CachedReplies: int(num(v[19])),
		LastNumber:    num(v[20]),
		Replies:       num(v[22]),
		Closed:        r.ack.Final,
		Terminated:    num(v[21]) == 1,
	}
	if es := num(v[8]); es < never {
		st.Expires = joinTime(es, num(v[9]))
	}
	if st.RepliesAcked, err = parseRanges(str(v[23])); err != nil {
		return nil, err
	}
	return st, nil
}

// GetByOffer implements reliable.SequenceStore: it follows the pointer
// under the offer's hash tag to the sequence, which must be live and have
// that offer.
func (s *SequenceStore) GetByOffer(ctx context.Context, offerID string, now time.Time) (*reliable.SequenceState, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if offerID == "" {
		return nil, reliable.ErrUnknownSequence
	}
	r, err := s.run(ctx, "byoffer", offerID, nil, now)
	if err != nil {
		return nil, err
	}
	if err := codeErr(r.code); err != nil {
		return nil, err
	}
	if len(r.rest) < 1 {
		return nil, fmt.Errorf("%w: malformed script result", ErrUnavailable)
	}
	st, err := s.Get(ctx, str(r.rest[0]), now)
	if err != nil {
		return nil, err
	}
	if st.OfferID != offerID {
		return nil, reliable.ErrUnknownSequence
	}
	return st, nil
}

// maxAckRanges is the most ranges AckReplies takes (the wire codec's).
const maxAckRanges = 256

// AckReplies implements reliable.SequenceStore.
func (s *SequenceStore) AckReplies(ctx context.Context, id string, owner reliable.Owner, ranges []reliable.AckRange, now time.Time) error {
	r, err := s.run(ctx, "ackreplies", id, &owner, now, mergeRanges(ranges))
	if err != nil {
		return err
	}
	return codeErr(r.code)
}

// mergeRanges returns ranges sorted and merged in the scripts' form, or
// "!" when they are malformed or too many.
func mergeRanges(ranges []reliable.AckRange) string {
	if len(ranges) > maxAckRanges {
		return "!"
	}
	rs := slices.Clone(ranges)
	for _, r := range rs {
		if r.Lower < 1 || r.Lower > r.Upper {
			return "!"
		}
	}
	slices.SortFunc(rs, func(a, b reliable.AckRange) int { return cmp.Compare(a.Lower, b.Lower) })
	var out []reliable.AckRange
	for _, r := range rs {
		if l := len(out) - 1; l >= 0 && (r.Lower <= out[l].Upper || r.Lower-1 == out[l].Upper) {
			out[l].Upper = max(out[l].Upper, r.Upper)
			continue
		}
		out = append(out, r)
	}
	var b strings.Builder
	for i, r := range out {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "%d-%d", r.Lower, r.Upper)
	}
	return b.String()
}

// Touch implements reliable.SequenceStore.
func (s *SequenceStore) Touch(ctx context.Context, id string, owner reliable.Owner, now time.Time) (reliable.Ack, error) {
	r, err := s.run(ctx, "touch", id, &owner, now)
	if err != nil {
		return reliable.Ack{}, err
	}
	if err := codeErr(r.code); err != nil {
		return reliable.Ack{}, err
	}
	return r.ack, nil
}

// Accept implements reliable.SequenceStore.
func (s *SequenceStore) Accept(ctx context.Context, id string, in reliable.Incoming) (reliable.Accepted, error) {
	last := "0"
	if in.Last {
		last = "1"
	}
	us, un := splitTime(in.ClaimUntil)
	n := in.Number
	r, err := s.run(ctx, "accept", id, &in.Owner, in.Now, strconv.FormatInt(n, 10), last, in.Message, us, un)
	if err != nil {
		return reliable.Accepted{}, err
	}
	var out reliable.Outcome
	switch r.code {
	case "deliver":
		out = reliable.OutcomeDeliver
	case "buffered":
		out = reliable.OutcomeBuffered
	case "duplicate":
		out = reliable.OutcomeDuplicate
	case "inprogress":
		out = reliable.OutcomeInProgress
	case "dropped":
		out = reliable.OutcomeDropped
	case "needmsg":
		out = reliable.OutcomeNeedMessage
	case "invalid":
		return reliable.Accepted{}, fmt.Errorf("%w: %d", reliable.ErrInvalidMessageNumber, n)
	case "lastx":
		return reliable.Accepted{}, fmt.Errorf("%w: %d", reliable.ErrLastMessageNumberExceeded, n)
	default:
		return reliable.Accepted{}, codeErr(r.code)
	}
	a := reliable.Accepted{Outcome: out, Ack: r.ack}
	if len(r.rest) >= 4 {
		a.Claim = reliable.Claim(num(r.rest[0]))
		if num(r.rest[1]) == 1 {
			a.Reply = []byte(str(r.rest[2]))
		}
		a.ReplyNumber = num(r.rest[3])
	}
	if len(r.rest) >= 5 {
		a.Redelivery = num(r.rest[4]) == 1
	}
	if len(r.rest) >= 7 && (num(r.rest[5]) != 0 || num(r.rest[6]) != 0) {
		a.ClaimUntil = time.Unix(num(r.rest[5]), num(r.rest[6]))
	}
	return a, nil
}

// delivery decodes the claimed message of Complete and Next.
func delivery(rest []any) *reliable.Delivery {
	if len(rest) < 6 || num(rest[0]) != 1 {
		return nil
	}
	d := &reliable.Delivery{Number: num(rest[1]), Last: num(rest[2]) == 1, Message: []byte(str(rest[3])), Claim: reliable.Claim(num(rest[4])),
		ReplyNumber: num(rest[5])}
	if len(rest) >= 7 {
		d.Redelivery = num(rest[6]) == 1
	}
	return d
}

// Complete implements reliable.SequenceStore.
func (s *SequenceStore) Complete(ctx context.Context, id string, owner reliable.Owner, n int64, claim reliable.Claim, reply []byte, now, claimUntil time.Time) (*reliable.Delivery, error) {
	has := "0"
	if reply != nil {
		has = "1"
	}
	us, un := splitTime(claimUntil)
	r, err := s.run(ctx, "complete", id, &owner, now, strconv.FormatInt(n, 10), strconv.FormatUint(uint64(claim), 10), has, reply, us, un)
	if err != nil {
		return nil, err
	}
	if err := codeErr(r.code); err != nil {
		return nil, err
	}
	return delivery(r.rest), nil
}

// Next implements reliable.SequenceStore.
func (s *SequenceStore) Next(ctx context.Context, id string, owner reliable.Owner, now, claimUntil time.Time) (*reliable.Delivery, error) {
	us, un := splitTime(claimUntil)
	r, err := s.run(ctx, "next", id, &owner, now, us, un)
	if err != nil {
		return nil, err
	}
	if err := codeErr(r.code); err != nil {
		return nil, err
	}
	return delivery(r.rest), nil
}

// Close implements reliable.SequenceStore.
func (s *SequenceStore) Close(ctx context.Context, id string, owner reliable.Owner, lastNumber int64, now time.Time) (reliable.Ack, error) {
	return s.end(ctx, id, owner, lastNumber, now, "0")
}

// Terminate implements reliable.SequenceStore.
func (s *SequenceStore) Terminate(ctx context.Context, id string, owner reliable.Owner, lastNumber int64, now time.Time) (reliable.Ack, error) {
	return s.end(ctx, id, owner, lastNumber, now, "1")
}

func (s *SequenceStore) end(ctx context.Context, id string, owner reliable.Owner, lastNumber int64, now time.Time, terminate string) (reliable.Ack, error) {
	r, err := s.run(ctx, "end", id, &owner, now, strconv.FormatInt(lastNumber, 10), terminate)
	if err != nil {
		return reliable.Ack{}, err
	}
	if r.code == "lastx" {
		return reliable.Ack{}, fmt.Errorf("%w: last %d", reliable.ErrLastMessageNumberExceeded, lastNumber)
	}
	if err := codeErr(r.code); err != nil {
		return reliable.Ack{}, err
	}
	return r.ack, nil
}

// Remove implements reliable.SequenceStore.
func (s *SequenceStore) Remove(ctx context.Context, id string) error {
	r, err := s.run(ctx, "remove", id, nil, time.Now())
	if err != nil {
		return err
	}
	return codeErr(r.code)
}
