package redisstore

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
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
	// DefaultMaxCachedReplies bounds the replies one sequence caches.
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
	// MaxCachedReplies bounds the replies one sequence caches.
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
// across nodes, as the SequenceStore contract requires. Create takes
// three round trips (check, reservation in the registry of the bounds,
// creation); the first Accept, Remove and the drop of an expired
// sequence take a second one to update the registry. The keys' TTL is
// the sequence's remaining lifetime (inactivity timeout, or Expires when
// sooner) at the caller's clock plus DefaultTTLGrace, refreshed by every
// call that counts as activity.
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
// ClaimUntil nobody can take the claim over): the retry succeeds, or
// fails with reliable.ErrClaimLost when the earlier attempt was applied
// (the reply is then cached, and a message it claimed in the same step is
// taken over after that claim's end).
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

func (s *SequenceStore) keys(member string) []string {
	p := s.prefix + "seq{" + member + "}:"
	return []string{p + "s", p + "b", p + "r", p + "o"}
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
	rest              []any
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
	return r, nil
}

func decodeSeq(v []any) (*seqResult, error) {
	if len(v) < 6 {
		return nil, fmt.Errorf("%w: malformed script result", ErrUnavailable)
	}
	r := &seqResult{code: str(v[0]), dropped: num(v[1]) == 1, unpended: num(v[2]) == 1, rest: v[6:]}
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
	}
	return fmt.Errorf("%w: unexpected script result %q", ErrUnavailable, code)
}

// never is the expiry of a sequence without Expires, as splitTime's
// bound.
const never = 1 << 50

// Create implements reliable.SequenceStore.
func (s *SequenceStore) Create(ctx context.Context, info reliable.SequenceInfo, now time.Time) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if info.ID == "" {
		return errors.New("redisstore: sequence without identifier")
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
	deadline := unixMilli(now) + d.Milliseconds()
	if !info.Expires.IsZero() {
		deadline = min(deadline, unixMilli(info.Expires))
	}
	args := func(phase string) []any {
		return []any{ownerDigest(info.Owner), info.Owner.ContextID, info.Owner.Key, info.Version, info.AcksTo, info.OfferID,
			info.Window, int64(d / time.Second), int64(d % time.Second), es, en, phase}
	}
	r, err := s.run(ctx, "create", info.ID, nil, now, args("check")...)
	if err != nil {
		return err
	}
	if r.code != "free" {
		return codeErr(r.code)
	}
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
	r, err = s.run(ctx, "create", info.ID, nil, now, args("make")...)
	if err != nil {
		return err
	}
	return codeErr(r.code)
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
	if len(v) < 22 {
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
		Closed:        r.ack.Final,
		Terminated:    num(v[21]) == 1,
	}
	if es := num(v[8]); es < never {
		st.Expires = joinTime(es, num(v[9]))
	}
	return st, nil
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
	case "invalid":
		return reliable.Accepted{}, fmt.Errorf("%w: %d", reliable.ErrInvalidMessageNumber, n)
	case "lastx":
		return reliable.Accepted{}, fmt.Errorf("%w: %d", reliable.ErrLastMessageNumberExceeded, n)
	default:
		return reliable.Accepted{}, codeErr(r.code)
	}
	a := reliable.Accepted{Outcome: out, Ack: r.ack}
	if len(r.rest) >= 3 {
		a.Claim = reliable.Claim(num(r.rest[0]))
		if num(r.rest[1]) == 1 {
			a.Reply = []byte(str(r.rest[2]))
		}
	}
	return a, nil
}

// delivery decodes the claimed message of Complete and Next.
func delivery(rest []any) *reliable.Delivery {
	if len(rest) < 5 || num(rest[0]) != 1 {
		return nil
	}
	return &reliable.Delivery{Number: num(rest[1]), Last: num(rest[2]) == 1, Message: []byte(str(rest[3])), Claim: reliable.Claim(num(rest[4]))}
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
