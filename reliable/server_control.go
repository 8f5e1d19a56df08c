package reliable

import (
	"context"
	"encoding/xml"
	"errors"

	"github.com/beevik/etree"

	"github.com/soapstack/soapstack/reliable/internal/wire"
	"github.com/soapstack/soapstack/soap"
)

// control answers an RM control message (CreateSequence, CloseSequence,
// TerminateSequence).
func (x *exchange) control(ctx context.Context, o op, h *rmHeaders) (*soap.Message, error) {
	if o == opOther {
		return nil, soap.ActionNotSupportedFault(x.req.Addressing.Version, x.req.Addressing.Action)
	}
	if o == opCreateSequence {
		return x.createSequence(ctx, h)
	}
	// Close and Terminate carry the client's final acknowledgement of
	// the reply sequence.
	if err := x.processAcks(ctx, h); err != nil {
		return nil, err
	}
	if err := x.req.CheckMustUnderstand(); err != nil {
		return nil, err
	}
	return x.endSequence(ctx, o == opTerminateSequence)
}

// processAcks checks and records the client's acknowledgements of reply
// sequences: the sequence must be one of this owner's, and the ranges
// must name only replies sent and keep every one acknowledged before.
func (x *exchange) processAcks(ctx context.Context, h *rmHeaders) error {
	unknown := func(err error) bool { return errors.Is(err, ErrUnknownSequence) || errors.Is(err, ErrOwnerMismatch) }
	for _, a := range h.acks {
		if len(a.Nacks) > 0 {
			// Checked against the store, not the cache, as it is not
			// recorded.
			x.s.replies.forget(a.Identifier)
		}
		id, cached, err := x.replySequence(ctx, a.Identifier, a.Version)
		if err == nil && len(a.Nacks) > 0 {
			continue // WCF validates Nacks and otherwise ignores them (B1602)
		}
		if err == nil {
			err = x.ackReplies(ctx, id, a)
		}
		if cached && unknown(err) {
			// The cached sequence may be gone, its offered identifier
			// offered again by another: look in the store.
			x.s.replies.forget(a.Identifier)
			if id, _, err = x.replySequence(ctx, a.Identifier, a.Version); err == nil {
				err = x.ackReplies(ctx, id, a)
			}
		}
		switch {
		case err == nil:
		case unknown(err):
			return &faultErr{kind: wire.UnknownSequence, id: a.Identifier, cause: err}
		case errors.Is(err, ErrAckUnsent):
			return &faultErr{kind: wire.InvalidAcknowledgement, id: a.Identifier, ack: a, cause: err}
		default:
			return err
		}
	}
	return nil
}

// ackOnly answers a message that carries only acknowledgement headers:
// an AckRequested (WCF's keep-alive) gets the sequence's acknowledgement,
// an acknowledgement alone gets an empty response (HTTP 202). So does a
// SequenceAcknowledgement message without any acknowledgement: Apache CXF
// 4.2's client sends one about a second after a WS-RM 1.0 request-reply
// session ends (empty body, no header); it says nothing, and refusing it
// would only make CXF log an error.
func (x *exchange) ackOnly(ctx context.Context, o op, h *rmHeaders) (*soap.Message, error) {
	if err := x.req.CheckMustUnderstand(); err != nil {
		return nil, err
	}
	if len(h.ackRequested) == 0 {
		if o == opAckRequested {
			return nil, malformedf("%s message without its header", x.req.Addressing.Action)
		}
		return nil, nil
	}
	var resp *soap.Message
	for _, ar := range h.ackRequested {
		x.seqID = ar.Identifier
		ack, err := x.s.store.Touch(ctx, ar.Identifier, x.owner, x.now)
		if err != nil {
			return nil, err
		}
		if resp, err = x.withAck(resp, ack); err != nil {
			return nil, err
		}
	}
	return resp, nil
}

// endSequence answers CloseSequence (1.1) or TerminateSequence. Ending the
// request sequence ends the reply sequence with it: in WS-RM 1.1 the
// client's final acknowledgement closes it (no exchange of its own); in
// 1.0 the layer answers TerminateSequence with the reply sequence's
// TerminateSequence, as WCF and Metro do.
func (x *exchange) endSequence(ctx context.Context, terminate bool) (*soap.Message, error) {
	s := x.s
	sc, err := wire.ParseSequenceControl(x.req.Payload())
	if err != nil {
		return nil, err
	}
	want := wire.CloseSequence
	if terminate {
		want = wire.TerminateSequence
	}
	if sc.Version != x.v || sc.Kind != want {
		return nil, malformedf("body is not the %s of the action", x.v)
	}
	x.seqID = sc.Identifier
	if st, err := s.store.GetByOffer(ctx, sc.Identifier, x.now); err == nil && ownerEqual(st.Owner, x.owner) {
		return nil, &faultErr{kind: wire.UnknownSequence, cause: ErrNotDestination}
	}
	var ack Ack
	var offer string
	var offerErr error
	if terminate {
		// Read first: a TerminateSequence retransmitted to another node
		// may remove the sequence once it is terminated.
		offer, offerErr = s.offerOf(ctx, sc.Identifier)
		ack, err = s.store.Terminate(ctx, sc.Identifier, x.owner, int64(sc.LastMsgNumber), x.now)
	} else {
		ack, err = s.store.Close(ctx, sc.Identifier, x.owner, int64(sc.LastMsgNumber), x.now)
	}
	if errors.Is(err, ErrLastMessageNumberExceeded) {
		// LastMsgNumber below a number received: WCF's inconsistent
		// last-message protocol fault.
		return nil, &faultErr{kind: wire.SequenceTerminated, cause: err,
			reason: "The reliable session was terminated: the last message number is inconsistent with the messages received."}
	}
	if err != nil {
		return nil, err
	}
	if !terminate {
		s.event(Event{Kind: EventClosed, Sequence: sc.Identifier})
		resp, err := newReply(x.req, x.v.CloseSequenceResponseAction(),
			(&wire.SequenceControl{Version: x.v, Kind: wire.CloseSequenceResponse, Identifier: sc.Identifier}).Build(), s)
		if err != nil {
			return nil, err
		}
		return x.withAck(resp, ack)
	}
	if offerErr != nil {
		return nil, offerErr
	}
	if offer != "" {
		s.replies.forget(offer)
	}
	s.offers.forget(sc.Identifier)
	// WCF reclaims a terminated sequence at once (B1303) when nothing is
	// left to deliver; late messages then get UnknownSequence.
	if st, err := s.store.Get(ctx, sc.Identifier, x.now); err == nil && st.Buffered == 0 && !st.Claimed {
		if err := s.store.Remove(ctx, sc.Identifier); err != nil && !errors.Is(err, ErrUnknownSequence) {
			return nil, err
		}
	}
	s.event(Event{Kind: EventTerminated, Sequence: sc.Identifier})
	var resp *soap.Message
	switch {
	case x.v == V11:
		resp, err = newReply(x.req, x.v.TerminateSequenceResponseAction(),
			(&wire.SequenceControl{Version: x.v, Kind: wire.TerminateSequenceResponse, Identifier: sc.Identifier}).Build(), s)
	case offer != "":
		resp, err = newReply(x.req, x.v.TerminateSequenceAction(),
			(&wire.SequenceControl{Version: x.v, Kind: wire.TerminateSequence, Identifier: offer}).Build(), s)
	default:
		// WS-RM 1.0 one-way: TerminateSequence is one-way (HTTP 202).
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if x.v == V200502 {
		// Metro asks for the acknowledgement of the reply sequence's end.
		resp.AddHeader((&wire.AckRequested{Version: x.v, Identifier: offer}).Build())
	}
	return x.withAck(resp, ack)
}

// endpoint is the address of this endpoint: the request's wsa:To, else the
// address the transport received it at.
func (s *server) endpoint(x *exchange) string {
	if x.to != "" {
		return x.to
	}
	return "anonymous"
}

// errNoMessageID is the cause of the fault for a CreateSequence without
// wsa:MessageID.
var errNoMessageID = errors.New("reliable: CreateSequence without MessageID")

// headerRequiredFault is WS-Addressing's MessageAddressingHeaderRequired
// fault naming the missing header, which WCF sends for a CreateSequence
// without MessageID (1.0 B1601, 1.1 B1801).
func headerRequiredFault(v soap.AddressingVersion, local string) *soap.Fault {
	ns := v.Namespace()
	if ns == "" {
		ns = soap.NSWSA10
	}
	f := soap.SenderFault("A required header representing a Message Addressing Property is not present",
		xml.Name{Space: ns, Local: "MessageAddressingHeaderRequired"})
	d := etree.NewElement("a:ProblemHeaderQName")
	d.CreateAttr("xmlns:a", ns)
	d.SetText("a:" + local)
	f.Detail = []*etree.Element{d}
	return f.WithCause(errNoMessageID)
}
