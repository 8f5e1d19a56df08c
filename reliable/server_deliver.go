package reliable

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/beevik/etree"
	"github.com/soapstack/soapstack/internal/xmlutil"
	"github.com/soapstack/soapstack/reliable/internal/seq"
	"github.com/soapstack/soapstack/reliable/internal/wire"
	"github.com/soapstack/soapstack/soap"
)

// sequenceMessage handles a message with a Sequence header: the store
// decides (Accept) whether this exchange delivers it now, it waits for its
// turn, it is a duplicate answered from the cache, or it is dropped.
func (x *exchange) sequenceMessage(ctx context.Context, h *rmHeaders) (*soap.Message, error) {
	s := x.s
	sq := h.sequence
	x.seqID = sq.Identifier
	if x.req.Addressing.Action == V200502.LastMessageAction() {
		// The layer is the operation of a LastMessage; an application
		// message's headers are judged by the handlers after it (ServeMux).
		if err := x.req.CheckMustUnderstand(); err != nil {
			return nil, err
		}
	}
	n := int64(sq.MessageNumber)
	k := wkey{sq.Identifier, n}
	// The message's bytes go to the store only when it asks for them
	// (acceptStore).
	in := Incoming{Owner: x.owner, Number: n, Last: sq.LastMessage, Now: x.now, ClaimUntil: x.now.Add(s.cfg.ClaimTimeout)}
	// The waits of the exchange are bounded together by DeliveryTimeout.
	end := time.Now().Add(s.cfg.DeliveryTimeout)
	wt, acc, err := x.accept(ctx, k, in, end)
	if err != nil {
		return nil, err
	}
	switch acc.Outcome {
	case OutcomeDeliver:
		return x.deliverOwn(ctx, in, acc)
	case OutcomeDuplicate:
		return x.cached(ctx, acc.Reply)
	case OutcomeBuffered, OutcomeInProgress:
		if wt == nil {
			return x.withAck(nil, acc.Ack)
		}
		if acc.Outcome == OutcomeBuffered && !acc.ClaimUntil.After(in.Now) {
			// Resume a sequence whose claim holder went away (with a
			// live claim, Next would find nothing to claim).
			if err := x.resume(ctx); err != nil {
				s.waiters.remove(k, wt)
				return nil, err
			}
		}
		r, ok := x.awaitTurn(ctx, k, wt, in, acc, end)
		switch {
		case !ok:
			return x.recheck(ctx, in)
		case r.claim != nil:
			// Granted by a Complete just before the hand-off.
			resp, err := x.deliver(ctx, *r.claim, x.req, s.cfg.Now().Add(s.cfg.ClaimTimeout))
			if err != nil {
				return nil, err
			}
			return x.freshAckOn(ctx, resp)
		}
		return x.cached(ctx, r.reply)
	}
	// Dropped: beyond the window or a bound; not acknowledged.
	return x.withAck(nil, acc.Ack)
}

// deliverOwn delivers the exchange's own message under the claim acc
// granted.
func (x *exchange) deliverOwn(ctx context.Context, in Incoming, acc Accepted) (*soap.Message, error) {
	d := Delivery{Number: in.Number, Last: in.Last, Claim: acc.Claim, ReplyNumber: acc.ReplyNumber, Redelivery: acc.Redelivery}
	resp, err := x.deliver(ctx, d, x.req, in.ClaimUntil)
	if err != nil {
		return nil, err
	}
	return x.withAck(resp, ackWith(acc.Ack, in.Number))
}

// recheck asks the store again about a message whose wait ended with no
// news from this node: another node of a farm may have delivered it (the
// reply is cached) or left its turn unclaimed. Otherwise, or when the
// store cannot say, the answer is the acknowledgement.
func (x *exchange) recheck(ctx context.Context, in Incoming) (*soap.Message, error) {
	s := x.s
	if ctx.Err() == nil {
		in.Now = s.cfg.Now()
		in.ClaimUntil = in.Now.Add(s.cfg.ClaimTimeout)
		acc, err := x.acceptStore(ctx, in)
		switch {
		case err != nil:
		case acc.Outcome == OutcomeDuplicate:
			return x.cached(ctx, acc.Reply)
		case acc.Outcome == OutcomeDeliver:
			return x.deliverOwn(ctx, in, acc)
		default:
			return x.withAck(nil, acc.Ack)
		}
	}
	return x.freshAck(ctx)
}

// acceptStore asks the store about the exchange's own message in, at
// first without its bytes: most messages are delivered as they arrive and
// never read back, and the store asks for them (OutcomeNeedMessage) only
// when it must buffer the message. They are then serialized (storedForm)
// and sent with a second Accept.
func (x *exchange) acceptStore(ctx context.Context, in Incoming) (Accepted, error) {
	s := x.s
	acc, err := s.store.Accept(ctx, x.seqID, in)
	if err != nil || acc.Outcome != OutcomeNeedMessage {
		return acc, err
	}
	if len(in.Message) == 0 {
		if in.Message, err = storedForm(x.req); err != nil {
			return Accepted{}, err
		}
		if acc, err = s.store.Accept(ctx, x.seqID, in); err != nil || acc.Outcome != OutcomeNeedMessage {
			return acc, err
		}
	}
	return Accepted{}, fmt.Errorf("reliable: the store asks for the bytes of message %d it was given", in.Number)
}

// resume claims the sequence's next message when it is buffered and
// nobody delivers it, and delivers it (or hands it to its exchange).
func (x *exchange) resume(ctx context.Context) error {
	s := x.s
	d, err := s.store.Next(ctx, x.seqID, x.owner, x.now, x.now.Add(s.cfg.ClaimTimeout))
	if err != nil || d == nil {
		return err
	}
	if s.waiters.handOff(wkey{x.seqID, d.Number}, d) {
		return nil
	}
	m, err := s.parseStored(d.Message)
	if err != nil {
		s.log.WarnContext(ctx, "reliable: stored message unreadable", slog.String("sequence", x.seqID), slog.Any("error", err))
		return nil
	}
	_, err = x.deliver(ctx, *d, m, x.now.Add(s.cfg.ClaimTimeout))
	return err
}

// deliver runs delivery d of message m, completes it and goes on with
// every buffered message the store grants with it: each is handed to the
// exchange waiting with it, or delivered here when none waits. It returns
// the reply to d (nil for one-way). until is d's ClaimUntil.
func (x *exchange) deliver(ctx context.Context, d Delivery, m *soap.Message, until time.Time) (*soap.Message, error) {
	s := x.s
	var own *soap.Message
	for first := true; ; first = false {
		resp, data, err := x.run(ctx, d, m)
		if err != nil {
			if first {
				return nil, err
			}
			s.log.WarnContext(ctx, "reliable: delivery failed", slog.String("sequence", x.seqID), slog.Int64("number", d.Number), slog.Any("error", err))
			return own, nil
		}
		if first {
			own = resp
		}
		next, nextUntil, err := x.complete(ctx, d, data, until)
		if err != nil {
			// The operation ran; its claim was lost (another exchange
			// took over past ClaimUntil) or the store failed. The reply
			// still answers this exchange.
			s.log.WarnContext(ctx, "reliable: completion failed", slog.String("sequence", x.seqID), slog.Int64("number", d.Number), slog.Any("error", err))
			if first && !errors.Is(err, ErrClaimLost) {
				return nil, err
			}
			return own, nil
		}
		s.event(Event{Kind: EventDelivered, Sequence: x.seqID, Number: d.Number})
		s.waiters.done(wkey{x.seqID, d.Number}, data)
		if next == nil || s.waiters.handOff(wkey{x.seqID, next.Number}, next) {
			return own, nil
		}
		// Nobody waits with it (its exchange gave up): deliver it here.
		if m, err = s.parseStored(next.Message); err != nil {
			s.log.WarnContext(ctx, "reliable: stored message unreadable", slog.String("sequence", x.seqID), slog.Any("error", err))
			return own, nil
		}
		d, until = *next, nextUntil
	}
}

// Bounds of the retries of a Complete the store could not answer.
const (
	completeTries      = 8
	completeBackoff    = 20 * time.Millisecond
	completeMaxBackoff = 500 * time.Millisecond
)

// complete completes delivery d, whose claim lasts until until, with
// reply data. The operation has run: when the store could not answer
// (its answer may have been lost on the way), Complete is retried with
// a short backoff while the claim lasts, as nobody takes the claim over
// before then, and the client's hang-up does not stop it. A retry of a
// Complete the store did apply gets ErrClaimLost. It returns the next
// delivery granted and its ClaimUntil.
func (x *exchange) complete(ctx context.Context, d Delivery, data []byte, until time.Time) (*Delivery, time.Time, error) {
	s := x.s
	wait := completeBackoff
	for try := 1; ; try++ {
		now := s.cfg.Now()
		nextUntil := now.Add(s.cfg.ClaimTimeout)
		next, err := s.store.Complete(ctx, x.seqID, x.owner, d.Number, d.Claim, data, now, nextUntil)
		if err == nil || storeAnswered(err) || try == completeTries || !s.cfg.Now().Before(until) {
			return next, nextUntil, err
		}
		s.log.WarnContext(ctx, "reliable: completion failed, retrying", slog.String("sequence", x.seqID), slog.Int64("number", d.Number), slog.Any("error", err))
		ctx = context.WithoutCancel(ctx)
		time.Sleep(wait)
		wait = min(2*wait, completeMaxBackoff)
	}
}

// storeAnswered reports whether err is one of the store's answers (a
// sentinel of SequenceStore) rather than a failure to answer.
func storeAnswered(err error) bool {
	for _, e := range []error{ErrUnknownSequence, ErrOwnerMismatch, ErrSequenceClosed, ErrSequenceTerminated,
		ErrLastMessageNumberExceeded, ErrInvalidMessageNumber, ErrClaimLost} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

// run performs one delivery: the application's operation (or WS-RM 1.0's
// LastMessage, which the layer answers with the reply sequence's last
// message), then numbers the reply on the reply sequence. It returns the
// reply and its serialized form for the cache (nil, nil for one-way).
func (x *exchange) run(ctx context.Context, d Delivery, m *soap.Message) (*soap.Message, []byte, error) {
	s := x.s
	offer, err := s.offerOf(ctx, x.seqID)
	if err != nil {
		return nil, nil, err
	}
	var resp *soap.Message
	lastMessage := x.v == V200502 && m.Addressing.Action == V200502.LastMessageAction()
	if lastMessage {
		if offer == "" {
			return nil, nil, nil
		}
		r, err := newReply(m, V200502.LastMessageAction(), nil, s)
		if err != nil {
			return nil, nil, err
		}
		resp = r
	} else {
		r, err := x.operation(withDelivery(ctx, DeliveryInfo{Sequence: x.seqID, Number: d.Number, Redelivery: d.Redelivery}), m)
		if err != nil {
			// An operation's fault is its reply: numbered, cached and
			// answered to duplicates like any other.
			f, ok := soap.AsFault(err)
			if !ok {
				s.log.ErrorContext(ctx, "reliable: operation failed", slog.Any("error", err))
				f = soap.ReceiverFault("The server was unable to process the request due to an internal error.")
			}
			if r, err = soap.NewFaultMessage(m.Version, f, m, s); err != nil {
				return nil, nil, err
			}
		}
		if r == nil {
			return nil, nil, nil
		}
		resp = r
	}
	if offer != "" {
		// The store numbered the reply with the claim: the replies of the
		// sequence completed before it, plus one.
		if d.ReplyNumber < 1 {
			return nil, nil, fmt.Errorf("reliable: store gave reply number %d", d.ReplyNumber)
		}
		sh := (&wire.Sequence{Version: x.v, Identifier: offer, MessageNumber: uint64(d.ReplyNumber), LastMessage: d.Last && x.v == V200502}).Build()
		resp.AddHeader(sh)
		resp.SetMustUnderstand(sh)
		if !lastMessage {
			// As Metro; WCF does not need the empty last message
			// acknowledged (1.0 LastMessage exchange).
			resp.AddHeader((&wire.AckRequested{Version: x.v, Identifier: offer}).Build())
		}
	}
	data, err := resp.Bytes()
	if err != nil {
		return nil, nil, err
	}
	return resp, data, nil
}

// operation runs the next handler on m. A panic is its error: the
// delivery claim and the exchanges waiting behind it must not be stranded
// (the HTTP handler would recover it only after the layer unwound).
func (x *exchange) operation(ctx context.Context, m *soap.Message) (resp *soap.Message, err error) {
	defer func() {
		if p := recover(); p != nil {
			resp, err = nil, fmt.Errorf("reliable: operation panicked: %v", p)
		}
	}()
	return x.next.ServeSOAP(ctx, m)
}

// cached answers a duplicate with its cached reply, or with an
// acknowledgement when it was one-way (or its reply was evicted).
func (x *exchange) cached(ctx context.Context, data []byte) (*soap.Message, error) {
	if data == nil {
		return x.freshAck(ctx)
	}
	m, err := x.s.parseStored(data)
	if err != nil {
		return nil, fmt.Errorf("reliable: cached reply unreadable: %w", err)
	}
	// A retransmission sent with a new MessageID gets the reply related to
	// it; the body and the reply number stay those of the first answer.
	if id := x.req.Addressing.MessageID; id != "" && m.Addressing.Version != 0 {
		a := m.Addressing
		if len(a.RelatesTo) != 1 || a.RelatesTo[0].ID != id {
			a.RelatesTo = []soap.RelatesTo{{ID: id}}
			m.SetAddressing(a)
		}
	}
	return x.freshAckOn(ctx, m)
}

// freshAck answers with the sequence's acknowledgement as it is now.
func (x *exchange) freshAck(ctx context.Context) (*soap.Message, error) {
	return x.freshAckOn(ctx, nil)
}

func (x *exchange) freshAckOn(ctx context.Context, m *soap.Message) (*soap.Message, error) {
	ack, err := x.s.store.Touch(ctx, x.seqID, x.owner, x.s.cfg.Now())
	if err != nil {
		return nil, err
	}
	return x.withAck(m, ack)
}

// withAck adds the request sequence's acknowledgement to m; for nil it
// returns the stand-alone SequenceAcknowledgement message WCF and Metro
// answer a one-way message with.
func (x *exchange) withAck(m *soap.Message, ack Ack) (*soap.Message, error) {
	if m == nil {
		r, err := newReply(x.req, x.v.SequenceAcknowledgementAction(), nil, x.s)
		if err != nil {
			return nil, err
		}
		m = r
	}
	m.AddHeader(ackHeader(x.v, x.seqID, ack, !x.s.cfg.FlowControlDisabled).Build())
	return m, nil
}

// ackWith returns ack with number n added (the message just completed).
func ackWith(ack Ack, n int64) Ack {
	rs := make([]seq.Range, 0, len(ack.Ranges)+1)
	for _, r := range ack.Ranges {
		rs = append(rs, seq.Range{Lower: r.Lower, Upper: r.Upper})
	}
	rs = append(rs, seq.Range{Lower: n, Upper: n})
	set, err := seq.NewSet(rs, 0)
	if err != nil {
		return ack
	}
	out := Ack{BufferRemaining: ack.BufferRemaining, Final: ack.Final}
	for _, r := range set.Ranges() {
		out.Ranges = append(out.Ranges, AckRange{Lower: r.Lower, Upper: r.Upper})
	}
	return out
}

// newReply builds a reply to req with action and payload (nil for an
// empty Body).
func newReply(req *soap.Message, action string, payload *etree.Element, r *server) (*soap.Message, error) {
	return soap.NewReply(req, action, payload, r)
}

// storedForm is the message as the store keeps it for a later delivery:
// its bytes without the headers the layers below processed (the Security
// header), which a re-parsed copy could not have understood again.
func storedForm(req *soap.Message) ([]byte, error) {
	c := req.Clone()
	orig, copies := req.Headers(), c.Headers()
	if len(orig) == len(copies) {
		for i, h := range orig {
			if req.Understood(h) && !isAddressingOrRM(h) {
				c.Header.RemoveChild(copies[i])
			}
		}
	}
	return c.Bytes()
}

func isAddressingOrRM(h *etree.Element) bool {
	ns := xmlutil.ElementName(h).Space
	_, rm := wire.VersionOf(ns)
	return rm || ns == soap.NSWSA10 || ns == soap.NSWSA200408
}

// parseStored parses a stored message or cached reply, marking its RM
// headers understood again.
func (s *server) parseStored(data []byte) (*soap.Message, error) {
	m, err := soap.ParseMessage(data, s.limits)
	if err != nil {
		return nil, err
	}
	if _, err := readHeaders(m); err != nil {
		return nil, err
	}
	return m, nil
}
