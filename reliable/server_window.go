package reliable

import (
	"context"
	"time"

	"github.com/soapstack/soapstack/soap"
)

// settle decides the fate of sequence message in (key k) with the store
// and answers the exchange: it delivers the message, answers a duplicate
// from the cache, or waits for its turn. The waits of one exchange are
// bounded together by DeliveryTimeout (timers of the process's clock, as
// every wait of the layer): then the store is asked a last time (recheck).
func (x *exchange) settle(ctx context.Context, k wkey, in Incoming) (*soap.Message, error) {
	s := x.s
	end := time.Now().Add(s.cfg.DeliveryTimeout)
	for {
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
		default:
			// Dropped: beyond the window or a bound; not acknowledged.
			return x.withAck(nil, acc.Ack)
		}
		if wt == nil {
			return x.withAck(nil, acc.Ack)
		}
		if acc.Outcome == OutcomeBuffered {
			// Resume a sequence whose claim holder went away.
			if err := x.resume(ctx); err != nil {
				s.waiters.remove(k, wt)
				return nil, err
			}
		}
		// A claim holder stranded by a store pause or a failure sends no
		// news: once its claim has ended the store is asked again, and a
		// retransmission takes the claim over (Accept) or a buffered
		// message is resumed (Next). A store that does not say when the
		// claim ends bounds it by ClaimTimeout from now.
		claimLeft := s.cfg.ClaimTimeout
		if !acc.ClaimUntil.IsZero() {
			claimLeft = acc.ClaimUntil.Sub(in.Now)
		}
		wait, claimEnds := time.Until(end), false
		if claimLeft < wait {
			wait, claimEnds = max(claimLeft, 0), true
		}
		r, ok := s.waiters.wait(ctx, k, wt, wait)
		switch {
		case ok && r.claim != nil:
			resp, err := x.deliver(ctx, *r.claim, x.req)
			if err != nil {
				return nil, err
			}
			return x.freshAckOn(ctx, resp)
		case ok:
			return x.cached(ctx, r.reply)
		case !claimEnds || ctx.Err() != nil:
			return x.recheck(ctx, in)
		}
		in.Now = s.cfg.Now()
		in.ClaimUntil = in.Now.Add(s.cfg.ClaimTimeout)
	}
}

// accept asks the store about message in (key k), with a waiter holding
// the message registered first: the exchange delivering the previous
// message may complete it and look for a waiter at once. The waiter (nil
// when the node's bound is reached) stays registered only with
// OutcomeBuffered and OutcomeInProgress.
//
// A message of a request-reply session that the store drops (its
// transfer window or a bound is full) waits, until end, for a delivery of
// its sequence on this node to make room, and is asked about again. Over
// HTTP request-reply the answer to the request is the only way its reply
// can travel, and a source such as Metro does not send a request again
// that was answered with an acknowledgement only. (WCF's
// ReliableReplySessionChannel drops such a request and relies on its own
// client's retransmission.) A one-way session's message is dropped at
// once: its source retransmits what stays unacknowledged.
func (x *exchange) accept(ctx context.Context, k wkey, in Incoming, end time.Time) (*waiter, Accepted, error) {
	s := x.s
	waitRoom, final := false, false
	for {
		wt := s.waiters.add(k, true)
		var room *waiter
		if waitRoom && !final {
			// Registered before Accept, so a delivery completed between
			// the two is not missed.
			room = s.waiters.addRoom(k)
		}
		acc, err := s.store.Accept(ctx, k.id, in)
		if err != nil || (acc.Outcome != OutcomeBuffered && acc.Outcome != OutcomeInProgress) {
			s.waiters.remove(k, wt)
			wt = nil
		}
		if err != nil || acc.Outcome != OutcomeDropped {
			s.waiters.remove(roomKey(k.id), room)
			return wt, acc, err
		}
		if !waitRoom {
			offer, err := s.offerOf(ctx, k.id)
			if err != nil || offer == "" {
				return nil, acc, nil
			}
			waitRoom = true
			continue
		}
		left := time.Until(end)
		if final || room == nil || left <= 0 {
			s.waiters.remove(roomKey(k.id), room)
			return nil, acc, nil
		}
		if _, ok := s.waiters.wait(ctx, roomKey(k.id), room, left); !ok {
			if ctx.Err() != nil {
				return nil, acc, nil
			}
			// No room made on this node: the store is asked a last time
			// (another node of a farm may have moved the window).
			final = true
		}
		in.Now = s.cfg.Now()
		in.ClaimUntil = in.Now.Add(s.cfg.ClaimTimeout)
	}
}
