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
// # What comes next
//
// The source (a soap.Invoker with Open/Close: numbering, a bounded
// retransmission buffer with backoff, AckRequested, flow control by
// BufferRemaining, offers for request-reply) and the destination (a server
// layer: ordering buffer, duplicate detection, cached replies, acks,
// inactivity timeout), over the SequenceStore interface of this package.
//
// The package has no mutable package-level state.
package reliable
