package reliable

import (
	"context"
	"errors"
	"fmt"

	"github.com/beevik/etree"
	"github.com/soapstack/soapstack/internal/wstrust"
	"github.com/soapstack/soapstack/internal/xmlutil"
	"github.com/soapstack/soapstack/reliable/internal/wire"
	"github.com/soapstack/soapstack/soap"
)

// createSequence answers CreateSequence: it checks the addresses and the
// secure session, creates the request sequence in the store bound to the
// caller (Owner) and accepts the offered reply sequence.
func (x *exchange) createSequence(ctx context.Context, h *rmHeaders) (*soap.Message, error) {
	s := x.s
	cs, err := wire.ParseCreateSequence(x.req.Payload())
	if err != nil {
		return nil, err
	}
	if cs.Version != x.v {
		return nil, malformedf("a %s body under a %s action", cs.Version, x.v)
	}
	if x.req.Addressing.MessageID == "" {
		return nil, headerRequiredFault(x.req.Addressing.Version, "MessageID")
	}
	if err := x.checkAddresses(cs); err != nil {
		return nil, err
	}
	if err := x.checkSession(ctx, cs, h); err != nil {
		return nil, err
	}
	if err := x.req.CheckMustUnderstand(); err != nil {
		return nil, err
	}
	id, err := soap.NewMessageID(s)
	if err != nil {
		return nil, err
	}
	info := SequenceInfo{ID: id, Owner: x.owner, Version: x.v.String(), AcksTo: cs.AcksTo.Address,
		Window: s.cfg.MaxTransferWindowSize, InactivityTimeout: s.cfg.InactivityTimeout}
	if cs.Offer != nil {
		info.OfferID = cs.Offer.Identifier
		if constantTimeEqual(info.OfferID, id) {
			return nil, refused(ErrOfferInUse)
		}
	}
	// The store refuses an offer that names a sequence held, or another's
	// offer: replies numbered on it would mix with that sequence's.
	if err := s.store.Create(ctx, info, x.now); err != nil {
		if cs.Offer == nil || !errors.Is(err, ErrSequenceExists) {
			return nil, err
		}
		// A retransmitted CreateSequence (its response was lost) gets the
		// sequence it created, as WCF answers a repeated CreateSequence:
		// same owner, same offer, and no message on it yet. Anything else
		// naming the offer is refused.
		st, gerr := s.store.GetByOffer(ctx, info.OfferID, x.now)
		if gerr != nil || !ownerEqual(st.Owner, x.owner) || !st.Pending || st.Version != info.Version {
			return nil, refused(fmt.Errorf("%w: %w", ErrOfferInUse, err))
		}
		id = st.ID
	}
	s.offers.remember(id, info.OfferID)
	x.seqID = id
	r := &wire.CreateSequenceResponse{Version: x.v, Identifier: id}
	if x.v == V11 {
		// WCF always writes the behavior (B1107); ordered delivery
		// discards what follows a gap.
		r.IncompleteSequenceBehavior = wire.DiscardFollowingFirstGap
		r.Expires = cs.Expires // echoed, not enforced (B1105)
	}
	if cs.Offer != nil {
		av := x.req.Addressing.Version
		if av == 0 || x.v == V11 {
			av = soap.WSA10
		}
		r.Accept = &wire.EndpointReference{Addressing: av, Address: s.endpoint(x)}
	}
	resp, err := newReply(x.req, x.v.CreateSequenceResponseAction(), r.Build(), s)
	if err != nil {
		return nil, err
	}
	s.event(Event{Kind: EventCreated, Sequence: id})
	return resp, nil
}

// checkAddresses refuses a CreateSequence whose AcksTo (and 1.1
// Offer/Endpoint) is not the address of its ReplyTo, octet for octet
// (WCF's R1105 and 1.1 R1102), or not anonymous: the layer sends acks and
// replies on the HTTP responses only, so any other address would redirect
// them to a third party.
func (x *exchange) checkAddresses(cs *wire.CreateSequence) error {
	reply := ""
	if rt := x.req.Addressing.ReplyTo; rt != nil {
		reply = rt.Address
	}
	ok := func(addr string) bool {
		if !soap.IsAnonymous(addr) || addr == "" {
			return false
		}
		return reply == "" || constantTimeEqual(addr, reply)
	}
	if !soap.IsAnonymous(reply) {
		return refused(fmt.Errorf("%w: ReplyTo is not anonymous", ErrAcksToRefused))
	}
	if !ok(cs.AcksTo.Address) {
		return refused(fmt.Errorf("%w: AcksTo", ErrAcksToRefused))
	}
	if o := cs.Offer; o != nil && o.Endpoint != nil && !ok(o.Endpoint.Address) {
		return refused(fmt.Errorf("%w: Offer/Endpoint", ErrAcksToRefused))
	}
	return nil
}

// checkSession binds the sequence to the secure session it is created in
// (WCF R2301–R2305): inside a session, CreateSequence must carry a
// SecurityTokenReference to that very session's token (and in 1.1 the
// UsesSequenceSTR header); outside one it must carry neither, and with
// RequireSecureSession it is refused.
func (x *exchange) checkSession(ctx context.Context, cs *wire.CreateSequence, h *rmHeaders) error {
	var sess *soap.SessionInfo
	if p, ok := soap.PrincipalFromContext(ctx); ok && p != nil {
		sess = p.Session
	}
	if sess == nil {
		switch {
		case x.s.cfg.RequireSecureSession:
			return refused(ErrSecureSessionRequired)
		case cs.SecurityTokenReference != nil || h.usesSTR != nil:
			return refused(fmt.Errorf("%w: a session token reference outside a secure session", ErrSessionTokenMissing))
		}
		return nil
	}
	if cs.SecurityTokenReference == nil {
		return refused(fmt.Errorf("%w: no SecurityTokenReference", ErrSessionTokenMissing))
	}
	if x.v == V11 && h.usesSTR == nil {
		return refused(fmt.Errorf("%w: no UsesSequenceSTR header", ErrSessionTokenMissing))
	}
	ref, err := wstrust.ParseSCTReference(cs.SecurityTokenReference)
	if err != nil {
		return refused(fmt.Errorf("%w: %w", ErrSessionTokenMismatch, err))
	}
	ident := ref.Identifier
	if ref.Local() {
		ident = x.localSCT(ref.LocalID)
	}
	if ident == "" || !constantTimeEqual(ident, sess.ContextID) {
		return refused(ErrSessionTokenMismatch)
	}
	if h.usesSTR != nil {
		x.req.MarkUnderstood(h.usesSTR)
	}
	return nil
}

// localSCT returns the Identifier of the SecurityContextToken with wsu:Id
// id in the message's Security header, "" when there is none.
func (x *exchange) localSCT(id string) string {
	for _, sec := range x.req.FindHeaders(nsWSSE, "Security") {
		for _, c := range sec.ChildElements() {
			if idOf(c) != id {
				continue
			}
			if t, err := wstrust.ParseSCT(c); err == nil {
				return t.Identifier
			}
		}
	}
	return ""
}

const nsWSU = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"

const nsWSSE = wire.NSWSSE

// idOf returns el's wsu:Id.
func idOf(el *etree.Element) string {
	if a := xmlutil.AttrNS(el, nsWSU, "Id"); a != nil {
		return a.Value
	}
	return ""
}
