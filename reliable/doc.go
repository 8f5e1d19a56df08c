// Package reliable implements WS-ReliableMessaging sessions as
// Microsoft WCF runs them (reliableSession on wsHttpBinding and
// ws2007HttpBinding): ordered, exactly-once delivery over sequences, above
// the security layers, bound to the secure session's principal.
//
// # Where to start
//
// binding.ReliableSession{Enabled: true} on a WSHttpBinding or
// WS2007HttpBinding puts this package's client and ServerLayer in place
// (above the secure session when there is one). Use this package directly
// for a shared SequenceStore (a redisstore.SequenceStore in a farm, checked
// with reliable/storetest), for its Events, or to run NewClient and
// ServerLayer over your own transport.
//
// # Versions and the wire model
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
// out-of-order messages and the cached replies, and the state of its
// offered reply sequence (the number of the next reply, the client's
// acknowledgements of the replies, lookup by the offered identifier),
// with atomic operations (Accept, Complete, Next, AckReplies, Close,
// Terminate) so that consecutive messages of one session, one-way or
// request-reply, may be handled by different nodes of a farm, delivered in
// order and exactly once and their replies numbered right. NewMemoryStore is the bounded in-memory store;
// reliable/storetest is the conformance suite every store must pass. The
// pure sequence logic (acknowledgement range sets, windows and flow
// control, the retransmission buffer and its backoff schedule, WCF's
// defaults) is in reliable/internal/seq.
//
// # The server side
//
// ServerLayer is the destination of request sequences and the source of
// the offered reply sequences, as WCF's reliable reply channel over HTTP
// request-reply (the non-addressable initiator: every message from the
// server travels on an HTTP response). It sits above the security layers
// (HTTP -> wssecurity/secureconv -> reliable -> application), so it sees
// verified, decrypted messages and its answers go back down to be secured
// like any reply. Its rules, and why:
//
//   - Both versions by namespace: WS-RM 2005/02 (with WS-Addressing 2004/08
//     or 1.0) and 1.1; all RM headers of a message must be of one version,
//     and every element is read with the strict codecs of internal/wire.
//   - CreateSequence gets a fresh opaque "urn:uuid:" identifier from
//     ServerConfig.Rand and is recorded in the SequenceStore with an Owner:
//     the secure session's context id and a hash of the principal's
//     identities. Every later call presents the owner of the message it
//     serves, so a sequence cannot be used, acknowledged, closed or
//     terminated from another session or by another principal; such a
//     message gets UnknownSequence, as in WCF, where each session has its
//     own sequences (cause ErrOwnerMismatch).
//   - Inside a secure session CreateSequence must carry a
//     SecurityTokenReference to that very session's token (WCF R2305;
//     WS-RM 1.1 also the mustUnderstand UsesSequenceSTR header), resolved
//     and compared in constant time with the session's context id; a
//     reference to another session is refused (ErrSessionTokenMismatch),
//     as is any sequence outside a session with RequireSecureSession.
//   - AcksTo (and 1.1's Offer/Endpoint) must be the anonymous address and
//     equal the ReplyTo octet for octet (WCF R1105, 1.1 R1102): the layer
//     answers on HTTP responses only, and another address would redirect
//     acknowledgements and replies (ErrAcksToRefused). An offered
//     identifier already in use is refused (ErrOfferInUse). Past the
//     store's pending bound (MaxPendingChannels) the answer is WCF's
//     connection-limit refusal (netrm:ConnectionLimitReached, Receiver).
//   - Delivery is ordered and exactly once, decided by the store: the
//     exchange granted the claim runs the operation; Complete caches the
//     serialized, unsecured reply (with its reply-sequence Sequence header,
//     so a duplicate gets the same reply number) and grants the next
//     buffered message, which is handed to the HTTP exchange waiting with
//     it (so every operation runs in its own request's context) or, when
//     that exchange gave up, delivered from its stored bytes. An
//     out-of-order request waits up to DeliveryTimeout for its reply, else
//     gets an acknowledgement and its retransmission gets the cached
//     reply. A message whose claim holder went away is resumed by the next
//     message (SequenceStore.Next): no background goroutine. The message's
//     bytes go to the store only when it must buffer them
//     (OutcomeNeedMessage): most messages are delivered as they arrive.
//   - Exactly once has one window, which no store can close: a claim
//     holder that goes away after running the operation and before its
//     Complete (its node is killed) leaves the message unacknowledged, and
//     the retransmission is delivered again once the claim ends
//     (ClaimTimeout). It is never silent: the store marks that delivery a
//     redelivery and the operation finds it in DeliveryFromContext, with
//     the sequence and message number to check its own effects by. An
//     operation whose effects must not repeat when a node dies checks them
//     then, or is idempotent; everything else (the reply, its number, the
//     order, the acknowledgements) the store keeps exactly once.
//   - Replies are numbered on the reply sequence in delivery order, by the
//     store (the ReplyNumber of each claim: a farm's nodes agree), and carry AckRequested (as Metro; not WS-RM 1.0's empty last
//     message, which needs no acknowledgement) and the request sequence's
//     SequenceAcknowledgement as it is when sent (1.0's 0-0 form or 1.1's
//     None when empty, 1.1's Final once closed, netrm:BufferRemaining
//     unless FlowControlDisabled, as WCF writes it whenever flow control is
//     on). A one-way operation is answered with a SequenceAcknowledgement
//     message, as WCF and Metro do. An operation's fault is its reply:
//     numbered, cached, answered to duplicates.
//   - Acknowledgements of the reply sequence arriving on requests are
//     checked as WCF's transmission strategy does, by the store
//     (AckReplies, against the replies any node sent): one naming a reply
//     never sent, or forgetting acknowledged replies while adding new
//     ones, is InvalidAcknowledgement (ErrAckUnsent); an older one (a
//     retransmitted request carries the one it was first sent with) is
//     ignored.
//   - Ending: WS-RM 1.0's LastMessage is answered with the reply sequence's
//     empty last message, TerminateSequence with the reply sequence's
//     TerminateSequence (one-way sessions: HTTP 202); WS-RM 1.1's
//     CloseSequence and TerminateSequence get their responses with the
//     Final acknowledgement, and end the reply sequence with them (the
//     client's final acknowledgement closes it; WCF sends no exchange of
//     its own). A terminated sequence with nothing left to deliver is
//     removed at once (WCF B1303).
//   - Faults are WCF's (reason texts from internal/wire): UnknownSequence,
//     InvalidAcknowledgement, MessageNumberRollover, SequenceTerminated,
//     SequenceClosed, CreateSequenceRefused, LastMessageNumberExceeded,
//     WSRMRequired (an application message outside every sequence); in
//     SOAP 1.1 the subcode and detail travel in the wsrm:SequenceFault
//     header. They are returned as fault messages so that the security
//     layers protect them; the cause (a sentinel of this package, the
//     store or the codecs) goes to the log. A store failure is a Receiver
//     fault without an acknowledgement.
//   - Signing the RM headers is the security policy's job: SignedHeaders
//     lists them for wssecurity.Policy.SignedParts.Headers, so that
//     sequence numbers and acknowledgements cannot be forged or moved
//     between messages.
//   - Memory is bounded: the store's bounds, at most 4096 waiting exchanges
//     and a 4096-entry cache of the offered identifiers of sequences per
//     layer. Every per-sequence fact a node needs is in the store, so the
//     nodes of a farm sharing one store serve any session without affinity.
//     A request waiting for its turn is handed its delivery only by its
//     own node: when another node delivers it, the waiting exchange finds
//     the cached reply in the store at the end of its DeliveryTimeout
//     (or answers with an acknowledgement, and the client's
//     retransmission gets the reply).
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
// The package has no mutable package-level state.
package reliable
