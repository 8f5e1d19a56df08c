package reliable

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/soapstack/soapstack/reliable/internal/wire"
	"github.com/soapstack/soapstack/soap"
)

// minWait is the shortest sleep of the client's timer loop.
const minWait = time.Millisecond

// faultSendTimeout bounds the best-effort send of a fault to the service.
const faultSendTimeout = 10 * time.Second

// run is the session's timer loop: it retransmits the messages whose
// retransmission is due, faults the session when one has been
// retransmitted MaxRetryCount times, and sends keep-alives. It ends with
// the session.
func (c *Client) run() {
	defer c.wg.Done()
	t := time.NewTimer(time.Hour)
	defer t.Stop()
	for {
		c.mu.Lock()
		if c.state != stOpen && c.state != stClosing {
			c.mu.Unlock()
			return
		}
		now := c.cfg.Now()
		c.tickLocked(now)
		wait := c.nextWakeLocked(now)
		c.unlock()
		t.Reset(wait)
		select {
		case <-c.base.Done():
			return
		case <-c.wake:
		case <-t.C:
		}
	}
}

// tickLocked starts the retransmissions and the keep-alive due at now;
// c.mu is held.
func (c *Client) tickLocked(now time.Time) {
	if c.state != stOpen && c.state != stClosing {
		return
	}
	if idle := now.Sub(c.heard); idle >= c.cfg.InactivityTimeout {
		c.faultLocked(fmt.Errorf("%w: nothing heard from the service for %v", ErrInactivityTimeout, idle.Round(time.Millisecond)))
		return
	}
	due, err := c.buf.Due(now)
	if err != nil {
		c.faultLocked(fmt.Errorf("%w: %w", ErrRetriesExhausted, c.oldestErrorLocked()))
		return
	}
	for _, r := range due {
		if p := r.Value; !p.finished() && p.inflight == 0 {
			c.startLocked(p, r.Attempt+1, p.lastErr)
		}
	}
	// Closing sends no keep-alive (one overtaken by TerminateSequence
	// would name a sequence the service has forgotten), unless a message
	// waits for room only an acknowledgement can announce.
	if !c.pinging && (c.state == stOpen || c.waiters > 0) && now.Sub(c.last) >= c.pingIntervalLocked() {
		c.pinging, c.last = true, now
		c.wg.Add(1)
		go c.ping()
	}
}

// oldestErrorLocked returns the last transmission error of the oldest
// pending message; c.mu is held.
func (c *Client) oldestErrorLocked() error {
	var oldest *pending
	for _, p := range c.pend {
		if oldest == nil || p.n < oldest.n {
			oldest = p
		}
	}
	switch {
	case oldest == nil:
		return errors.New("no message pending")
	case oldest.lastErr != nil:
		return fmt.Errorf("message %d: %w", oldest.n, oldest.lastErr)
	case oldest.acked:
		return fmt.Errorf("message %d: acknowledged but no reply", oldest.n)
	}
	return fmt.Errorf("message %d: not acknowledged", oldest.n)
}

// pingIntervalLocked is how long the client may stay silent: half the
// inactivity timeout, or the retry interval while calls wait for room
// that only an acknowledgement can announce (flow control with nothing
// to retransmit); c.mu is held.
func (c *Client) pingIntervalLocked() time.Duration {
	if c.waiters > 0 && c.buf.Len() == 0 {
		return c.cfg.RetryInterval
	}
	return c.cfg.keepAliveInterval()
}

// nextWakeLocked is how long the timer loop sleeps; c.mu is held.
func (c *Client) nextWakeLocked(now time.Time) time.Duration {
	next := c.last.Add(c.pingIntervalLocked())
	if t := c.heard.Add(c.cfg.InactivityTimeout); t.Before(next) {
		next = t
	}
	if t, ok := c.buf.NextDue(); ok && t.Before(next) {
		next = t
	}
	return max(next.Sub(now), minWait)
}

// ping sends a keep-alive: a stand-alone AckRequested message (with the
// acknowledgement of the reply sequence) whose answer is an
// acknowledgement.
func (c *Client) ping() {
	defer c.wg.Done()
	v := c.cfg.Version
	m, err := c.controlMessage(v.AckRequestedAction(), false)
	c.mu.Lock()
	if err == nil {
		addHeader(m, (&wire.AckRequested{Version: v, Identifier: c.id}).Build(), false)
		c.addReplyAckLocked(m, false)
	}
	c.mu.Unlock()
	var resp *soap.Message
	if err == nil {
		ctx, cancel := context.WithTimeout(c.base, c.cfg.SendTimeout)
		resp, err = c.next.Call(ctx, m)
		cancel()
	}
	c.mu.Lock()
	defer c.unlock()
	c.pinging = false
	if c.state != stOpen && c.state != stClosing {
		return
	}
	if sf, ok := soap.AsFault(err); ok {
		if rerr := rmFaultError(v, sf, resp); rerr != nil {
			c.faultLocked(rerr)
			return
		}
	}
	if err != nil {
		c.cfg.Logger.Debug("reliable: keep-alive failed", slog.String("sequence", c.id), slog.Any("error", err))
		return
	}
	if _, err := c.absorbLocked(resp); err != nil {
		c.faultLocked(err)
	}
}

// ackLocked records an acknowledgement of the request sequence. An ack of
// numbers never sent is an InvalidAcknowledgement: the session faults and
// the fault is sent to the service. Acknowledgements are cumulative, so a
// stale one (from a response overtaken by a later one) adds nothing; c.mu
// is held.
func (c *Client) ackLocked(a *wire.SequenceAcknowledgement) error {
	set, err := ackSet(a)
	if err == nil && set.Max() > c.win.LastSent() {
		err = fmt.Errorf("%w: acknowledges message %d, the last sent is %d", ErrInvalidAcknowledgement, set.Max(), c.win.LastSent())
	}
	if err != nil {
		c.wg.Add(1)
		go c.sendFault(wire.InvalidAcknowledgementFault(a))
		return err
	}
	merged := c.win.Acked().Union(set)
	br := -1
	if a.BufferRemaining != nil {
		br = *a.BufferRemaining
	}
	if err := c.win.Ack(merged, br); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidAcknowledgement, err)
	}
	for n, p := range c.pend {
		if p.acked || !merged.Contains(n) {
			continue
		}
		p.acked = true
		c.eventLocked(Event{Kind: EventAcknowledged, Sequence: c.id, Number: n, Attempt: p.sends})
		if p.oneWay {
			c.completeLocked(p, nil, nil)
		}
	}
	c.broadcastLocked()
	return nil
}

// completeLocked ends p with its result; c.mu is held.
func (c *Client) completeLocked(p *pending, reply *soap.Message, err error) {
	if p.finished() {
		return
	}
	p.reply, p.err = reply, err
	close(p.done)
	delete(c.pend, p.n)
	c.done.Add(p.n)
	c.buf.Ack(c.done)
	c.broadcastLocked()
}

// faultLocked ends the session with cause: every pending and later call
// fails with it, wrapped in ErrFaulted; c.mu is held.
func (c *Client) faultLocked(cause error) {
	if c.state == stFaulted || c.state == stClosed {
		return
	}
	c.state = stFaulted
	c.err = fmt.Errorf("%w: %w", ErrFaulted, cause)
	c.cfg.Logger.Warn("reliable: session faulted", slog.String("sequence", c.id), slog.Any("error", cause))
	c.eventLocked(Event{Kind: EventFaulted, Sequence: c.id, Err: c.err})
	for _, p := range c.pend {
		c.completeLocked(p, nil, c.err)
	}
	c.stop()
	c.broadcastLocked()
}

// sendFault sends an RM fault to the service, best effort.
func (c *Client) sendFault(f *wire.Fault) {
	defer c.wg.Done()
	sf := f.SOAP()
	m, err := soap.NewFaultMessage(c.cfg.SOAP, sf, nil, c.cfg.Rand)
	if err == nil {
		var a soap.Addressing
		action := sf.Action
		if action == "" {
			action = c.cfg.Addressing.FaultAction()
		}
		if a, err = soap.RequestAddressing(c.cfg.Addressing, action, c.cfg.To, c.cfg.Rand); err == nil {
			a.ReplyTo = nil
			m.SetAddressing(a)
			m.SOAPAction = action
			if c.cfg.SOAP == soap.V11 {
				if h := f.SequenceFaultHeader(); h != nil {
					m.AddHeader(h)
				}
			}
			ctx, cancel := context.WithTimeout(context.Background(), min(c.cfg.SendTimeout, faultSendTimeout))
			_, err = c.next.Call(ctx, m)
			cancel()
		}
	}
	if err != nil {
		c.cfg.Logger.Debug("reliable: sending the fault failed", slog.String("fault", f.Kind.String()), slog.Any("error", err))
	}
}

// eventLocked queues ev for OnEvent, called once c.mu is released; c.mu
// is held.
func (c *Client) eventLocked(ev Event) {
	c.events = append(c.events, ev)
}

// unlock releases c.mu and then reports the queued events.
func (c *Client) unlock() {
	evs := c.events
	c.events = nil
	c.mu.Unlock()
	if len(evs) == 0 {
		return
	}
	c.emitMu.Lock()
	defer c.emitMu.Unlock()
	for _, ev := range evs {
		c.cfg.Logger.Debug("reliable: "+ev.Kind.String(), slog.String("sequence", ev.Sequence),
			slog.Int64("number", ev.Number), slog.Int("attempt", ev.Attempt), slog.Any("error", ev.Err))
		if c.cfg.OnEvent != nil {
			c.cfg.OnEvent(ev)
		}
	}
}

// signal wakes the timer loop.
func (c *Client) signal() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// broadcastLocked wakes every waiter of c.changed; c.mu is held.
func (c *Client) broadcastLocked() {
	close(c.changed)
	c.changed = make(chan struct{})
}

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
