// Package reliable will implement WS-ReliableMessaging sessions as
// Microsoft WCF runs them (reliableSession on wsHttpBinding and
// ws2007HttpBinding): ordered, exactly-once delivery over sequences, above
// the security layers, bound to the secure session's principal.
//
// # What exists now
//
// The versions, as values: V200502 (WS-RM February 2005, with
// WS-Addressing 2004/08 or 1.0) and V11 (WS-RM 1.1, 2007/02, with
// WS-Addressing 1.0). A Version names its namespace and the action of every
// message it has: CreateSequence(Response), TerminateSequence (and 1.1's
// TerminateSequenceResponse), 1.0's LastMessage, 1.1's
// CloseSequence(Response), SequenceAcknowledgement, AckRequested and the
// fault action. NSNetRM is WCF's extension namespace.
//
// The wire model lives in reliable/internal/wire: one codec per message or
// header, each building etree elements as WCF writes them and parsing them
// strictly:
//
//   - bodies: CreateSequence (AcksTo, Expires, Offer with 1.1's Endpoint and
//     IncompleteSequenceBehavior, the wsse:SecurityTokenReference of RM over
//     a secure session), CreateSequenceResponse (Identifier, Expires,
//     IncompleteSequenceBehavior, Accept), CloseSequence(Response) and
//     TerminateSequence(Response) with 1.1's LastMsgNumber;
//   - headers: Sequence (Identifier, MessageNumber, 1.0's LastMessage),
//     SequenceAcknowledgement (ranges, 1.0's empty 0-0 form, 1.1's None,
//     Final and Nack, netrm:BufferRemaining), AckRequested, 1.1's
//     UsesSequenceSTR and UsesSequenceSSL;
//   - faults: UnknownSequence, InvalidAcknowledgement, MessageNumberRollover,
//     SequenceTerminated, SequenceClosed, CreateSequenceRefused (and WCF's
//     netrm:ConnectionLimitReached refusal), LastMessageNumberExceeded and
//     WSRMRequired, with WCF's reason texts, as a SOAP 1.2 fault or with
//     the SOAP 1.1 wsrm:SequenceFault header.
//
// Identifiers are opaque bounded URIs without whitespace (peers send
// "urn:uuid:" ids that are not valid UUIDs, and "uuid:" ones); message
// numbers are 1..2^63-1 (WCF reads them as Int64); acknowledgement ranges
// must be well formed (Lower <= Upper, no overlap, bounded count).
// Unknown children in an RM namespace are refused; extension elements of
// other namespaces are kept where the schema has xs:any. Every parse error
// wraps the class that names the RM fault to answer with (malformed,
// InvalidAcknowledgement, MessageNumberRollover) and the check that fired.
// The codecs are tested against Metro's and WCF's own messages.
//
// The destination's state is behind SequenceStore (store.go): per sequence
// its owner (the secure session and principal it is bound to), the
// acknowledged ranges, the next number to deliver, the buffered
// out-of-order messages and the cached replies, with atomic operations
// (Accept, Complete, Next, Close, Terminate) so that consecutive messages
// of one sequence may be delivered by different nodes of a farm, in order
// and exactly once. NewMemoryStore is the bounded in-memory store;
// reliable/storetest is the conformance suite every store must pass. The
// pure sequence logic (acknowledgement range sets, windows and flow
// control, the retransmission buffer and its backoff schedule, WCF's
// defaults) is in reliable/internal/seq.
//
// # Client
//
// Client is the source of a request sequence and, for request-reply, the
// destination of the reply sequence it offers (WCF's
// ReliableRequestSessionChannel; a OneWay session is its
// ReliableOutputSessionChannel). It is a soap.Invoker placed above the
// security layers: app -> reliable.Client -> secureconv.Client (or a
// wssecurity client layer) -> soap.HTTPClient.
//
// Open (or the first Call) opens the SecureSession when one is configured
// and sends CreateSequence with AcksTo anonymous and an Offer (in WS-RM
// 1.1 with an anonymous Endpoint and DiscardFollowingFirstGap, as WCF
// writes it); over a secure session CreateSequence carries the reference
// to the session's token (secureconv.Client.SessionTokenReference) and,
// in WS-RM 1.1, the mustUnderstand UsesSequenceSTR header. Concurrent
// openers share one exchange, detached from their contexts and bounded
// by OpenTimeout; a refusal is ErrCreateSequenceRefused and a later Open
// may try again.
//
// Call numbers the request, keeps an unsecured copy in a bounded
// retransmission buffer and sends it with Sequence (mustUnderstand),
// AckRequested (on every message, as Metro does) and the acknowledgement
// of the reply sequence (1.1's None before anything was received; nothing
// in 1.0, as Metro). Every transmission is a fresh copy through the
// layers below, so each gets fresh security; retransmissions keep the
// request's wsa:MessageID, as WCF's buffered copies do. The response
// carries the reply (delivered once: replies are deduplicated by their
// number on the reply sequence, and must relate to the request), an
// acknowledgement only (a one-way request, one without wsa:ReplyTo,
// completes; a request waits for its reply, which the service returns
// to a retransmission from its cache), or nothing. Retransmissions start
// after RetryInterval and double (shortened by up to 20% at random from
// Rand); a message not completed after MaxRetryCount retransmissions
// faults the session with ErrRetriesExhausted wrapping the last error.
// At most MaxTransferWindowSize messages are in flight, and with flow
// control no more than the service's netrm:BufferRemaining; further
// calls wait, bounded by their ctx (a call whose ctx ends returns, its
// message stays on the sequence). Acknowledgements are cumulative: a
// stale one adds nothing; one of numbers never sent faults the session
// with ErrInvalidAcknowledgement and the client sends the
// InvalidAcknowledgement fault. An idle session sends a keep-alive
// (AckRequested) every half InactivityTimeout; when nothing at all is
// heard from the service for the InactivityTimeout the session faults
// with ErrInactivityTimeout.
//
// A SOAP fault of the service's application on the reply sequence is a
// reply: returned once, with its message, as a *soap.Fault. An RM fault
// (UnknownSequence, SequenceTerminated, SequenceClosed, ...) faults the
// session with an error wrapping ErrFaulted, the sentinel of the fault
// (ErrUnknownSequence, ErrSequenceTerminated, ...) and the *soap.Fault;
// so do protocol violations (ErrProtocol: a reply without Sequence
// header or on another sequence, an unparsable RM header).
//
// Close waits until every message is complete, then ends the sequences as
// Metro's client does: in WS-RM 1.0 a LastMessage (acknowledged like any
// message; the service answers with its own LastMessage) and
// TerminateSequence; in WS-RM 1.1 CloseSequence with LastMsgNumber
// (answered with the Final acknowledgement) and TerminateSequence with the
// Final acknowledgement of the reply sequence. Close does not close the
// secure session below. Every goroutine of the client has ended when Close
// returns, whatever its outcome. OnEvent hears each step (created, sent,
// retransmitted, acknowledged, delivered, closed, terminated, faulted),
// and Logger at Debug.
//
// # What comes next
//
// The destination (a server layer: ordering buffer, duplicate detection,
// cached replies, acks, inactivity timeout), over the SequenceStore
// interface of this package.
//
// The package has no mutable package-level state.
package reliable
