package reliable

import (
	"context"
	"errors"
	"fmt"

	"github.com/soapstack/soapstack/reliable/internal/wire"
	"github.com/soapstack/soapstack/soap"
)

// close implements Close.
func (c *Client) close(ctx context.Context) error {
	c.mu.Lock()
	switch c.state {
	case stIdle, stClosed:
		c.state = stClosed
		c.broadcastLocked()
		c.unlock()
		c.shutdown()
		return nil
	case stClosing:
		c.mu.Unlock()
		return ErrClosed
	case stFaulted:
		err := c.err
		c.state = stClosed
		c.unlock()
		c.shutdown()
		return err
	}
	c.state = stClosing
	c.broadcastLocked()
	c.unlock()
	err := c.drain(ctx)
	if err == nil {
		if c.cfg.Version == V200502 {
			err = c.close10(ctx)
		} else {
			err = c.close11(ctx)
		}
	}
	c.mu.Lock()
	if err == nil && c.state == stFaulted {
		err = c.err
	}
	c.state = stClosed
	c.broadcastLocked()
	c.unlock()
	c.shutdown()
	return err
}

// shutdown ends the client's goroutines and waits for them.
func (c *Client) shutdown() {
	c.stop()
	c.wg.Wait()
}

// drain waits until every message is complete.
func (c *Client) drain(ctx context.Context) error {
	for {
		c.mu.Lock()
		if c.state == stFaulted {
			err := c.err
			c.mu.Unlock()
			return err
		}
		if len(c.pend) == 0 {
			c.mu.Unlock()
			return nil
		}
		ch := c.changed
		c.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			c.mu.Lock()
			var noReply int64
			for n, p := range c.pend {
				if p.acked && !p.oneWay && (noReply == 0 || n < noReply) {
					noReply = n
				}
			}
			c.mu.Unlock()
			if noReply != 0 {
				return fmt.Errorf("reliable: waiting for replies before closing: %w", noReplyError(noReply, ctx.Err()))
			}
			return fmt.Errorf("reliable: waiting for acknowledgements before closing: %w", ctx.Err())
		}
	}
}

// close10 ends a WS-RM 1.0 sequence as Metro and WCF do: a LastMessage
// (an empty message numbered after the last, marked LastMessage) until it
// is acknowledged, then TerminateSequence with the acknowledgement of the
// reply sequence. The service answers the LastMessage with the reply
// sequence's own LastMessage and TerminateSequence with its own
// TerminateSequence (Metro) or nothing.
func (c *Client) close10(ctx context.Context) error {
	v := c.cfg.Version
	tmpl, err := c.controlMessage(v.LastMessageAction(), true)
	if err != nil {
		return err
	}
	p := &pending{tmpl: tmpl, msgID: tmpl.Addressing.MessageID, oneWay: true, last: true, done: make(chan struct{})}
	if err := c.enqueue(ctx, p); err != nil {
		return err
	}
	select {
	case <-p.done:
		if p.err != nil {
			return p.err
		}
	case <-ctx.Done():
		return fmt.Errorf("reliable: waiting for the LastMessage acknowledgement: %w", ctx.Err())
	}
	c.event(Event{Kind: EventClosed, Sequence: c.Sequence(), Number: p.n})
	m, err := c.controlMessage(v.TerminateSequenceAction(), true)
	if err != nil {
		return err
	}
	c.mu.Lock()
	ts := &wire.SequenceControl{Version: v, Kind: wire.TerminateSequence, Identifier: c.id}
	m.SetPayload(ts.Build())
	addHeader(m, (&wire.AckRequested{Version: v, Identifier: c.id}).Build(), false)
	c.addReplyAckLocked(m, true)
	c.mu.Unlock()
	resp, retried, err := c.exchangeEach(ctx, m, nil)
	if terminatedBefore(err, retried) {
		c.event(Event{Kind: EventTerminated, Sequence: c.Sequence()})
		return nil
	}
	if err != nil {
		return fmt.Errorf("reliable: TerminateSequence: %w", err)
	}
	if err := c.absorb(resp); err != nil {
		return fmt.Errorf("reliable: TerminateSequence: %w", err)
	}
	c.event(Event{Kind: EventTerminated, Sequence: c.Sequence()})
	return nil
}

// close11 ends a WS-RM 1.1 sequence as Metro and WCF do: CloseSequence
// with LastMsgNumber, answered by CloseSequenceResponse with the Final
// acknowledgement, then TerminateSequence with the Final acknowledgement
// of the reply sequence, answered by TerminateSequenceResponse.
func (c *Client) close11(ctx context.Context) error {
	v := c.cfg.Version
	c.mu.Lock()
	last := uint64(c.win.LastSent())
	c.mu.Unlock()
	steps := []struct {
		req, resp wire.ControlKind
		event     EventKind
	}{
		{wire.CloseSequence, wire.CloseSequenceResponse, EventClosed},
		{wire.TerminateSequence, wire.TerminateSequenceResponse, EventTerminated},
	}
	for _, st := range steps {
		sc := &wire.SequenceControl{Version: v, Kind: st.req, Identifier: c.Sequence(), LastMsgNumber: last}
		m, err := c.controlMessage(sc.Action(), true)
		if err != nil {
			return err
		}
		m.SetPayload(sc.Build())
		c.mu.Lock()
		c.addReplyAckLocked(m, st.req == wire.TerminateSequence)
		c.mu.Unlock()
		resp, retried, err := c.exchangeEach(ctx, m, nil)
		if st.req == wire.TerminateSequence && terminatedBefore(err, retried) {
			c.event(Event{Kind: st.event, Sequence: sc.Identifier})
			continue
		}
		if err != nil {
			return fmt.Errorf("reliable: %s: %w", sc.Action(), err)
		}
		if err := c.checkControlResponse(resp, st.resp); err != nil {
			return err
		}
		c.event(Event{Kind: st.event, Sequence: sc.Identifier})
	}
	return nil
}

// terminatedBefore reports that a TerminateSequence sent more than once
// was answered with UnknownSequence: the service terminated the sequence
// on an earlier attempt whose answer was lost, and forgot it (Metro does).
func terminatedBefore(err error, retried bool) bool {
	return retried && errors.Is(err, ErrUnknownSequence)
}

// checkControlResponse checks that resp is the control message want for
// the request sequence and records its acknowledgement.
func (c *Client) checkControlResponse(resp *soap.Message, want wire.ControlKind) error {
	if resp == nil {
		return fmt.Errorf("%w: no response to the %s request", ErrProtocol, kindName(want))
	}
	sc, err := wire.ParseSequenceControl(resp.Payload())
	switch {
	case err != nil:
		return fmt.Errorf("%w: %s: %w", ErrProtocol, kindName(want), err)
	case sc.Kind != want || sc.Version != c.cfg.Version:
		return fmt.Errorf("%w: the answer is not a %s", ErrProtocol, kindName(want))
	case sc.Identifier != c.Sequence():
		return fmt.Errorf("%w: %s for another sequence: %w", ErrProtocol, kindName(want), ErrUnknownSequence)
	}
	return c.absorb(resp)
}

// kindName names a control message for errors.
func kindName(k wire.ControlKind) string {
	return (&wire.SequenceControl{Version: V11, Kind: k}).Action()
}

// absorb records the RM headers of a control message's response.
func (c *Client) absorb(resp *soap.Message) error {
	if resp == nil {
		return nil
	}
	c.mu.Lock()
	defer c.unlock()
	_, err := c.absorbLocked(resp)
	return err
}

// event reports ev.
func (c *Client) event(ev Event) {
	c.mu.Lock()
	c.eventLocked(ev)
	c.unlock()
}

// String names the event kind.
func (k EventKind) String() string {
	switch k {
	case EventCreated:
		return "created"
	case EventSent:
		return "sent"
	case EventRetransmitted:
		return "retransmitted"
	case EventAcknowledged:
		return "acknowledged"
	case EventDelivered:
		return "delivered"
	case EventClosed:
		return "closed"
	case EventTerminated:
		return "terminated"
	case EventFaulted:
		return "faulted"
	}
	return fmt.Sprintf("EventKind(%d)", int(k))
}
