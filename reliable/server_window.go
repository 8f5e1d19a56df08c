package reliable

import (
	"context"
	"time"
)

// awaitTurn waits, until end, for news of message k: its reply (another
// exchange delivered it) or the claim on it handed over. A claim holder
// stranded by a store pause or a failure sends no news, so when the live
// claim holding the sequence up ends first (acc.ClaimUntil; ClaimTimeout
// from the Accept when the store does not say) the store is asked again:
// the claim on the message is taken over (returned as a hand-off), a
// duplicate answered, a buffered message resumed (Next) and the wait goes
// on; with a shared store (PollInterval) the store is asked the same way
// every PollInterval. false means no news by end (or ctx ended), the
// waiter unregistered.
// The timers are the process's, as every wait of the layer.
func (x *exchange) awaitTurn(ctx context.Context, k wkey, wt *waiter, in Incoming, acc Accepted, end time.Time) (waitResult, bool) {
	s := x.s
	for {
		claimLeft := s.cfg.ClaimTimeout
		if !acc.ClaimUntil.IsZero() {
			claimLeft = acc.ClaimUntil.Sub(in.Now)
		}
		wait, claimEnds := time.Until(end), false
		if claimLeft < wait {
			wait, claimEnds = max(claimLeft, 0), true
		}
		// With a shared store another node may deliver the message, or
		// leave its turn unclaimed, and this node hears nothing of it:
		// the store is asked every PollInterval.
		if p := s.cfg.PollInterval; p > 0 && p < wait {
			wait, claimEnds = p, true
		}
		r, ok := s.waiters.wait(ctx, k, wt, wait)
		if ok || !claimEnds || ctx.Err() != nil {
			return r, ok
		}
		in.Now = s.cfg.Now()
		in.ClaimUntil = in.Now.Add(s.cfg.ClaimTimeout)
		var err error
		wt, acc, err = x.accept(ctx, k, in, end)
		switch {
		case err != nil:
			return waitResult{}, false
		case acc.Outcome == OutcomeDeliver:
			d := Delivery{Number: in.Number, Last: in.Last, Claim: acc.Claim, ReplyNumber: acc.ReplyNumber, Redelivery: acc.Redelivery}
			return waitResult{claim: &d}, true
		case acc.Outcome == OutcomeDuplicate:
			return waitResult{reply: acc.Reply}, true
		case wt == nil:
			return waitResult{}, false
		case acc.Outcome == OutcomeBuffered && !acc.ClaimUntil.After(in.Now):
			if err := x.resume(ctx); err != nil {
				s.waiters.remove(k, wt)
				return waitResult{}, false
			}
		}
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
		acc, err := x.acceptStore(ctx, in)
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
