package reliable

import (
	"context"
	"errors"
	"time"

	"github.com/soapstack/soapstack/reliable/internal/seq"
)

// SequenceStore holds the destination side of reliable sequences: what
// each sequence has received, delivered and replied. It is the plug-in
// point for server farms: when every node of a farm uses one shared store,
// consecutive messages of a sequence may land on different nodes and are
// still delivered to the application in order and exactly once, and a
// duplicate request gets the cached reply without the operation running
// again. NewMemoryStore returns the in-memory store; a shared (Redis) one
// must pass the same conformance suite, reliable/storetest.Run.
//
// # Delivery
//
// Delivery is ordered (WCF's Ordered, true by default). A message number
// is delivered by whoever holds the sequence's one delivery claim, which
// is always on the sequence's next number to deliver:
//
//   - Accept of that number, when no live claim exists, grants the claim
//     (OutcomeDeliver): the caller runs the operation, then calls Complete
//     with the claim and the reply.
//   - Complete caches the reply, acknowledges the number, advances the
//     next number and, when the following message is already buffered,
//     grants the claim on it to the same caller in the same step, so one
//     caller delivers a run of buffered messages in order.
//   - Next grants the claim on the next number when its message is
//     buffered and nobody holds a live claim: a caller that buffered a
//     message, or a periodic sweep, uses it to resume a sequence whose
//     claim holder went away.
//
// A claim lasts until the ClaimUntil its caller chose. Past it, the
// claim is void: Accept (of a retransmission) or Next (for a buffered
// message) grants it again, and once it has, the late holder's Complete
// fails with ErrClaimLost. A message being delivered is not acknowledged
// until it is completed, so a source whose destination node failed
// during the operation retransmits it.
//
// # What exactly once means
//
// The store guarantees that a number is completed once, that its reply is
// cached and numbered once, that numbers are claimed in order and that of
// the callers asking at one time one holds the claim. It cannot know
// whether an operation ran: the step that runs it (the application) and
// the step that records it (Complete) are two, and a claim holder that
// goes away between them (its node is killed, or it outlives its
// ClaimUntil) leaves a claim that is taken over, and the operation runs
// again. That is the one window in which a message is delivered twice,
// and it is never silent: a claim granted on a number whose earlier claim
// was never completed is a redelivery (Accepted.Redelivery,
// Delivery.Redelivery), and the layer tells the operation so
// (DeliveryFromContext). An operation with effects outside the reply
// (a payment, a row written) that must not be repeated when its node
// dies checks them then (keyed by sequence and message number), or is
// idempotent. Callers must choose ClaimUntil beyond the operation's own
// timeout, so that a live holder never outlives its claim.
//
// # Message bytes
//
// Most messages are delivered as they arrive and never read back, so the
// caller may leave Incoming.Message out: the store needs the bytes only to
// buffer a message (one ahead of the next to deliver), and then answers
// OutcomeNeedMessage, having recorded nothing but the activity; the
// caller asks again with the bytes. A message the store never buffered
// and whose claim holder went away is not lost: it is not acknowledged,
// so its source retransmits it, and the retransmission brings the bytes
// to whoever takes the claim over.
//
// # Reply sequences
//
// A request-reply session's replies travel on the reply sequence the
// client offered (SequenceInfo.OfferID), and the store holds that
// sequence's state too, so that any node may answer any request:
//
//   - Numbering: the replies of a sequence are numbered 1, 2, ... in
//     delivery order. Every claim carries ReplyNumber (Accepted, Delivery):
//     one more than the replies completed so far, a Complete with a
//     non-nil reply counting as one (cached or not). Delivery being
//     ordered, that is the number of this delivery's reply; a claim taken
//     over carries the same number. The layer writes it in the reply's
//     Sequence header before Complete caches the reply, so a duplicate
//     gets the same number.
//   - Acknowledgements: AckReplies records the client's acknowledgement of
//     the replies, checked against the replies completed.
//   - Lookup: sequence identifiers and offered identifiers share one
//     namespace (Create refuses a clash), and GetByOffer finds a sequence
//     by its offer, as the client's acknowledgements name the reply
//     sequence.
//
// # Atomicity
//
// Every method is one atomic step on its sequence: of concurrent Accepts
// of one number exactly one gets OutcomeDeliver; a number is completed
// once and its reply numbered once; Create of one identifier (or offered
// identifier) succeeds once; of concurrent AckReplies each is checked
// against the one recorded before it. Implementations must be safe for
// concurrent use, and a shared store must keep these guarantees across
// nodes (a transaction, a compare-and-set or a script per call).
//
// # Time
//
// Every method takes now, the caller's clock (the layer's one clock), as
// wssecurity.ReplayCache.Seen does: inactivity, expiry and claims are
// judged by it, never by the store's own clock, so that a test's clock
// and a farm's nodes agree. Each call by a sequence's owner counts as
// activity, refused ones included (Get and GetByOffer excepted; calls
// under another owner never count, so they cannot keep a sequence
// alive); a sequence idle for its InactivityTimeout, or past its
// Expires, is gone (ErrUnknownSequence) and its memory is released, its
// offered identifier with it.
//
// # Bounds
//
// A store bounds the sequences it holds (ErrStoreFull), the pending ones
// (created, no message accepted yet: ErrTooManyPending, WCF's
// MaxPendingChannels), the messages a sequence buffers (its Window, WCF's
// MaxTransferWindowSize) and the bytes buffered and cached. A message
// over a bound is dropped (OutcomeDropped): not stored, not acknowledged,
// so the source retransmits it later. A cached reply whose reply number
// AckReplies acknowledged should be dropped at once: the client has it,
// and keeping it would make the bound evict a reply the client still
// needs (one lost on the way, whose request it will retransmit). Cached
// replies are evicted oldest first when over their bounds; a duplicate of a message whose reply was
// evicted gets OutcomeDuplicate with a nil Reply (the operation still
// does not run again).
//
// # Copies
//
// A store copies the bytes it is given (messages, replies) and returns
// copies: the caller may reuse its buffers, and may modify what it gets.
// Message bytes are not secret (the layer stores them as received, above
// security), so stores do not wipe them, but they bound their memory.
//
// # Errors
//
// The sentinel errors below are what the reliable layer maps to RM
// faults (UnknownSequence, SequenceClosed, SequenceTerminated,
// LastMessageNumberExceeded, CreateSequenceRefused); implementations
// return errors that wrap them. Any other error means the store could
// not answer, and the message must be refused without an
// acknowledgement. A store checks ctx before it starts a call.
type SequenceStore interface {
	// Create records a new sequence, pending until the first Accept of
	// a valid number by its owner. Zero Window and InactivityTimeout are
	// filled in with the defaults, and an Expires not after now is an
	// error. It returns ErrSequenceExists when info.ID or a non-empty
	// info.OfferID is the ID or OfferID of a sequence held (live or
	// terminated), or when they are equal, ErrTooManyPending when the pending bound is
	// reached and ErrStoreFull when the sequence bound is; stores drop
	// expired sequences before refusing. info is copied.
	Create(ctx context.Context, info SequenceInfo, now time.Time) error

	// Get returns a snapshot of sequence id. It does not check the owner
	// and does not count as activity (an acknowledgement request counts
	// when the layer answers it through Touch).
	Get(ctx context.Context, id string, now time.Time) (*SequenceState, error)

	// GetByOffer returns a snapshot of the sequence whose OfferID is
	// offerID, as Get does (no owner check, no activity), and
	// ErrUnknownSequence when no sequence held offered it.
	GetByOffer(ctx context.Context, offerID string, now time.Time) (*SequenceState, error)

	// AckReplies records the client's acknowledgement of the replies of
	// sequence id (its offered reply sequence) and counts as activity;
	// closed and terminated sequences take it too. ranges may be
	// unsorted, overlapping or adjacent (they are merged). It returns an
	// error wrapping ErrInvalidAcknowledgement, and changes nothing, when
	// a range is malformed (Lower < 1 or Lower > Upper), when there are
	// more than 256 ranges, when a number exceeds the replies completed
	// (SequenceState.Replies), or when the acknowledgement both leaves out
	// a number acknowledged before and adds a new one (WCF's inconsistent
	// acknowledgement). One that only leaves out numbers is an older one
	// (a retransmitted request carries the acknowledgement it was first
	// sent with): it is ignored, without error. Otherwise the
	// acknowledged replies become the given ranges.
	AckReplies(ctx context.Context, id string, owner Owner, ranges []AckRange, now time.Time) error

	// Touch records activity on sequence id (keep-alives, acknowledgement
	// requests, acknowledgements) and returns its acknowledgement.
	Touch(ctx context.Context, id string, owner Owner, now time.Time) (Ack, error)

	// Accept records the arrival of one message; see Incoming and
	// Accepted for what is returned. The checks run in this order:
	// unknown sequence, owner, terminated, message number (below 1 gives
	// ErrInvalidMessageNumber, above the known last number
	// ErrLastMessageNumberExceeded), duplicate (answered even when the
	// sequence is closed), closed (a new message gives
	// ErrSequenceClosed), a Last mark below a number already received
	// (ErrLastMessageNumberExceeded), then the transfer window
	// (OutcomeDropped), the message's bytes when it must be buffered and
	// was given without them (OutcomeNeedMessage), then the byte bounds
	// (OutcomeDropped). A retransmission of the next number while no live
	// claim exists is granted the claim even when it is buffered, with
	// or without its bytes.
	Accept(ctx context.Context, id string, in Incoming) (Accepted, error)

	// Complete finishes the delivery of number n under claim, caching
	// reply (nil for a one-way operation; a non-nil one counts as a reply
	// completed, see ReplyNumber, even when it is not cached), acknowledging
	// n and advancing the next number. When the message after n is buffered it claims it
	// for the caller until claimUntil and returns it; otherwise the
	// returned Delivery is nil. A claim granted to another caller since
	// gives ErrClaimLost and changes nothing; a claim past its ClaimUntil
	// that nobody took over still completes.
	Complete(ctx context.Context, id string, owner Owner, n int64, claim Claim, reply []byte, now, claimUntil time.Time) (*Delivery, error)

	// Next claims the next message to deliver when it is buffered and no
	// live claim exists, returning nil when there is none to claim.
	Next(ctx context.Context, id string, owner Owner, now, claimUntil time.Time) (*Delivery, error)

	// Close refuses new messages of the sequence from now on
	// (SequenceClosed); duplicates are still answered and buffered
	// messages still delivered. lastNumber is the source's declared last
	// number (RM 1.1 LastMsgNumber), 0 when not given; one below a number
	// already received gives ErrLastMessageNumberExceeded and changes
	// nothing. Closing twice is not an error. It returns the final
	// acknowledgement.
	Close(ctx context.Context, id string, owner Owner, lastNumber int64, now time.Time) (Ack, error)

	// Terminate ends the sequence: every later Accept gives
	// ErrSequenceTerminated, while buffered messages may still be
	// delivered (they were acknowledged). The sequence stays known, so
	// that late messages get SequenceTerminated rather than
	// UnknownSequence, until Remove or its inactivity timeout. lastNumber
	// is as for Close. Terminating twice is not an error. It returns the
	// final acknowledgement.
	Terminate(ctx context.Context, id string, owner Owner, lastNumber int64, now time.Time) (Ack, error)

	// Remove forgets sequence id at once, returning ErrUnknownSequence
	// when there is none.
	Remove(ctx context.Context, id string) error
}

// Owner binds a sequence to the security context it was created under:
// ContextID is the secure session's context id ("" for none), Key an
// opaque key of the principal (for example a hash of its identities).
// Every call that changes a sequence must present its owner; a mismatch
// gives ErrOwnerMismatch, whichever field differs. Stores compare owners
// in constant time.
type Owner struct {
	ContextID string
	Key       string
}

// SequenceInfo describes a sequence at its creation.
type SequenceInfo struct {
	// ID is the sequence identifier (an absolute URI, opaque here).
	ID string
	// Owner is the security context the sequence is bound to.
	Owner Owner
	// Version names the RM version (opaque to the store).
	Version string
	// AcksTo is where acknowledgements go (opaque to the store).
	AcksTo string
	// OfferID is the identifier of the offered reply sequence, "" for
	// none.
	OfferID string
	// Window is the transfer window: the most messages buffered ahead of
	// the next to deliver (DefaultWindow when <= 0).
	Window int
	// InactivityTimeout is how long the sequence may stay idle
	// (DefaultInactivityTimeout when <= 0).
	InactivityTimeout time.Duration
	// Expires is when the sequence ends regardless of activity (RM
	// Expires), zero for never.
	Expires time.Time
}

// SequenceState is a snapshot of a sequence.
type SequenceState struct {
	SequenceInfo
	// Created and LastActivity are the times of the Create and of the
	// last call that counted as activity.
	Created, LastActivity time.Time
	// Pending reports that no message has been accepted yet.
	Pending bool
	// Ack is the sequence's acknowledgement.
	Ack Ack
	// Next is the number to deliver next; Claimed reports a live claim
	// on it.
	Next    int64
	Claimed bool
	// Buffered and BufferedBytes count the messages held for later
	// delivery; CachedReplies the replies held for duplicates.
	Buffered, BufferedBytes, CachedReplies int
	// Replies counts the replies completed: the last reply number given.
	Replies int64
	// RepliesAcked is the client's acknowledgement of the replies, as
	// AckReplies last recorded it.
	RepliesAcked []AckRange
	// LastNumber is the last message number, when known (0 otherwise).
	LastNumber int64
	// Closed and Terminated report Close and Terminate.
	Closed, Terminated bool
}

// AckRange is an inclusive range of acknowledged message numbers.
type AckRange struct {
	Lower, Upper int64
}

// Ack is the acknowledgement state of a sequence: the ranges received
// (buffered or completed, not those being delivered), the room left in
// the transfer window (netrm:BufferRemaining) and whether it is final
// (the sequence is closed or terminated).
type Ack struct {
	Ranges          []AckRange
	BufferRemaining int
	Final           bool
}

// Incoming is a message arriving on a sequence.
type Incoming struct {
	// Owner is the security context the message arrived under.
	Owner Owner
	// Number is its message number.
	Number int64
	// Last marks it as the last of the sequence (RM 1.0 LastMessage).
	Last bool
	// Message is its bytes, stored when it is buffered. It may be left
	// out (empty): a message that must then be buffered gets
	// OutcomeNeedMessage.
	Message []byte
	// Now is the caller's time; ClaimUntil the end of the delivery claim
	// granted with OutcomeDeliver (one not after Now is void at once: any
	// retransmission or Next may take it over).
	Now, ClaimUntil time.Time
}

// Outcome is what Accept decided for a message.
type Outcome int

// Outcomes of Accept.
const (
	// OutcomeDeliver grants the caller the delivery claim on the message:
	// run the operation, then Complete.
	OutcomeDeliver Outcome = iota + 1
	// OutcomeBuffered means the message is held for later in-order
	// delivery and acknowledged (also for a duplicate of a buffered
	// message).
	OutcomeBuffered
	// OutcomeDuplicate means the message was delivered before; Reply is
	// the cached reply (nil for one-way, or when evicted). The operation
	// must not run.
	OutcomeDuplicate
	// OutcomeInProgress means another caller holds a live claim on the
	// message: neither run it nor acknowledge it; the source retransmits
	// and then gets the reply.
	OutcomeInProgress
	// OutcomeDropped means the message is beyond the transfer window or a
	// memory bound: not stored, not acknowledged.
	OutcomeDropped
	// OutcomeNeedMessage means the message must be buffered and was given
	// without its bytes (Incoming.Message empty): nothing was recorded
	// but the activity; ask again with the bytes.
	OutcomeNeedMessage
)

// String returns the outcome's name.
func (o Outcome) String() string {
	switch o {
	case OutcomeDeliver:
		return "deliver"
	case OutcomeBuffered:
		return "buffered"
	case OutcomeDuplicate:
		return "duplicate"
	case OutcomeInProgress:
		return "in-progress"
	case OutcomeDropped:
		return "dropped"
	case OutcomeNeedMessage:
		return "need-message"
	}
	return "invalid"
}

// Claim identifies one grant of a sequence's delivery claim.
type Claim uint64

// Accepted is the result of Accept.
type Accepted struct {
	Outcome Outcome
	// Claim is the claim granted with OutcomeDeliver, and ReplyNumber
	// the number its reply gets on the reply sequence (both zero with
	// the other outcomes).
	Claim       Claim
	ReplyNumber int64
	// Redelivery reports, with OutcomeDeliver, that the number was
	// claimed before and its delivery never completed: the operation may
	// have run already (see "What exactly once means").
	Redelivery bool
	// Reply is the cached reply of OutcomeDuplicate.
	Reply []byte
	// Ack is the sequence's acknowledgement after the step.
	Ack Ack
	// ClaimUntil is the end of the live claim on the sequence's next
	// number when another caller holds one (OutcomeInProgress,
	// OutcomeBuffered, OutcomeDropped), zero when none is live or the
	// store does not say: a waiting caller asks again (Accept, Next) once
	// it has passed, rather than wait for news that a stranded claim
	// holder never sends.
	ClaimUntil time.Time
}

// Delivery is a buffered message claimed for delivery; ReplyNumber is
// the number its reply gets on the reply sequence, Redelivery as for
// Accepted.
type Delivery struct {
	Number      int64
	Last        bool
	Message     []byte
	Claim       Claim
	ReplyNumber int64
	Redelivery  bool
}

// Errors of SequenceStore implementations.
var (
	// ErrUnknownSequence reports a sequence the store does not hold (never
	// created, removed, or expired): the UnknownSequence fault.
	ErrUnknownSequence = errors.New("reliable: unknown sequence")
	// ErrOwnerMismatch reports a call under another owner than the
	// sequence's (a message of a sequence under another session's
	// token). The layer refuses it as it refuses an unknown sequence.
	ErrOwnerMismatch = errors.New("reliable: sequence belongs to another security context")
	// ErrSequenceClosed reports a new message of a closed sequence: the
	// SequenceClosed fault.
	ErrSequenceClosed = errors.New("reliable: sequence closed")
	// ErrSequenceTerminated reports a message of a terminated sequence:
	// the SequenceTerminated fault.
	ErrSequenceTerminated = errors.New("reliable: sequence terminated")
	// ErrLastMessageNumberExceeded reports a message number above the
	// sequence's last (or a last below a number received): the
	// LastMessageNumberExceeded fault.
	ErrLastMessageNumberExceeded = errors.New("reliable: last message number exceeded")
	// ErrInvalidMessageNumber reports a message number below 1.
	ErrInvalidMessageNumber = errors.New("reliable: invalid message number")
	// ErrSequenceExists reports a Create of an identifier already held
	// (a reused offered identifier): CreateSequenceRefused.
	ErrSequenceExists = errors.New("reliable: sequence identifier in use")
	// ErrTooManyPending reports that the bound on pending sequences is
	// reached: CreateSequenceRefused (WCF's connection limit). It is not
	// a fault of the client.
	ErrTooManyPending = errors.New("reliable: too many pending sequences")
	// ErrStoreFull reports that the store holds its maximum of sequences.
	// It is not a fault of the client.
	ErrStoreFull = errors.New("reliable: sequence store full")
	// ErrClaimLost reports a Complete whose claim is no longer live.
	ErrClaimLost = errors.New("reliable: delivery claim lost")
	// ErrInvalidAcknowledgement reports an acknowledgement of message
	// numbers never sent (wsrm:InvalidAcknowledgement), from either side:
	// of replies, refused by AckReplies, or of requests, met by a Client.
	ErrInvalidAcknowledgement = errors.New("reliable: invalid acknowledgement")
)

// Defaults of sequences and of NewMemoryStore: WCF's
// ReliableSessionDefaults (microsoft/referencesource,
// System.ServiceModel/System/ServiceModel/Channels/TransportDefaults.cs).
const (
	// DefaultWindow is WCF's MaxTransferWindowSize.
	DefaultWindow = seq.MaxTransferWindowSize
	// DefaultMaxPending is WCF's MaxPendingChannels.
	DefaultMaxPending = seq.MaxPendingChannels
	// DefaultInactivityTimeout is WCF's InactivityTimeout.
	DefaultInactivityTimeout = seq.InactivityTimeout
)
