package reliable

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/soapstack/soapstack/reliable/internal/wire"
	"github.com/soapstack/soapstack/soap"
)

// pending is a message of the request sequence not yet completed: sent
// and not acknowledged or, for a request, without its reply yet.
type pending struct {
	n      int64
	tmpl   *soap.Message // the unsecured copy every attempt is made from
	msgID  string
	oneWay bool // complete once acknowledged
	last   bool // WS-RM 1.0's LastMessage
	acked  bool
	sends  int
	// inflight counts the transmissions awaiting their response; a
	// retransmission due meanwhile is skipped.
	inflight int
	// done is closed when the message completes; reply and err are then
	// its result.
	done    chan struct{}
	reply   *soap.Message
	err     error
	lastErr error // of the last failed transmission
}

func (p *pending) finished() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// call implements Call.
func (c *Client) call(ctx context.Context, req *soap.Message) (*soap.Message, error) {
	if req == nil {
		return nil, errors.New("reliable: nil request")
	}
	if err := c.open(ctx); err != nil {
		return nil, err
	}
	tmpl := req.Clone()
	if tmpl.Addressing.Version == 0 {
		action := tmpl.SOAPAction
		if action == "" {
			return nil, errors.New("reliable: a request without WS-Addressing needs a SOAPAction")
		}
		a, err := soap.RequestAddressing(c.cfg.Addressing, action, c.cfg.To, c.cfg.Rand)
		if err != nil {
			return nil, err
		}
		tmpl.SetAddressing(a)
	}
	oneWay := c.cfg.OneWay || tmpl.Addressing.ReplyTo == nil
	if !oneWay && !soap.IsAnonymous(tmpl.Addressing.ReplyTo.Address) {
		// The reply sequence's offered endpoint is anonymous: replies come
		// back on the HTTP response.
		return nil, errors.New("reliable: a request whose wsa:ReplyTo is not anonymous is not supported")
	}
	if !oneWay && tmpl.Addressing.MessageID == "" {
		a := tmpl.Addressing
		id, err := soap.NewMessageID(c.cfg.Rand)
		if err != nil {
			return nil, err
		}
		a.MessageID = id
		tmpl.SetAddressing(a)
	}
	p := &pending{tmpl: tmpl, msgID: tmpl.Addressing.MessageID, oneWay: oneWay, done: make(chan struct{})}
	if err := c.enqueue(ctx, p); err != nil {
		return nil, err
	}
	select {
	case <-p.done:
		return p.reply, p.err
	case <-ctx.Done():
		c.mu.Lock()
		acked := p.acked
		c.mu.Unlock()
		if acked && !oneWay {
			// The service acknowledged the message but sent no reply: it
			// took it for one-way. The message stays buffered and is
			// retransmitted (a reply may still come), until ctx ends.
			return nil, noReplyError(p.n, ctx.Err())
		}
		return nil, fmt.Errorf("reliable: waiting for message %d: %w", p.n, ctx.Err())
	}
}

// noReplyError is the error of a wait that ended (cause) while request-reply
// message n was acknowledged without a reply.
func noReplyError(n int64, cause error) error {
	return fmt.Errorf("reliable: message %d acknowledged but no reply to a request-reply message (has wsa:ReplyTo); a one-way message must not carry ReplyTo: %w", n, cause)
}

// enqueue waits for room in the transfer window, numbers p, buffers it
// and starts its first transmission. Close may enqueue (the LastMessage)
// while closing; calls may not.
func (c *Client) enqueue(ctx context.Context, p *pending) error {
	c.mu.Lock()
	for {
		switch {
		case c.state == stFaulted:
			err := c.err
			c.mu.Unlock()
			return err
		case c.state != stOpen && !(c.state == stClosing && p.last):
			c.mu.Unlock()
			return ErrClosed
		}
		if c.win.CanSend() && c.buf.Len() < c.cfg.MaxTransferWindowSize {
			break
		}
		ch := c.changed
		c.waiters++
		c.signal()
		c.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			c.mu.Lock()
			c.waiters--
			c.mu.Unlock()
			return fmt.Errorf("reliable: waiting for room in the transfer window: %w", ctx.Err())
		}
		c.mu.Lock()
		c.waiters--
	}
	n, err := c.win.Next()
	if err != nil {
		c.faultLocked(fmt.Errorf("%w: %w", ErrMessageNumberRollover, err))
		err = c.err
		c.unlock()
		return err
	}
	p.n = n
	if err := c.buf.Add(n, p, 0, c.cfg.Now()); err != nil {
		// Cannot happen: the room was checked under the same lock.
		c.faultLocked(fmt.Errorf("reliable: retransmission buffer: %w", err))
		err = c.err
		c.unlock()
		return err
	}
	c.pend[n] = p
	c.signal()
	c.startLocked(p, 1, nil)
	c.unlock()
	return nil
}

// startLocked starts transmission attempt of p in a goroutine; c.mu is
// held.
func (c *Client) startLocked(p *pending, attempt int, cause error) {
	kind := EventSent
	if attempt > 1 {
		kind = EventRetransmitted
	}
	c.eventLocked(Event{Kind: kind, Sequence: c.id, Number: p.n, Attempt: attempt, Err: cause})
	p.inflight++
	c.wg.Add(1)
	go c.transmit(p)
}

// build returns the wire form of p: a copy of its unsecured template with
// the Sequence, AckRequested and reply acknowledgement headers; c.mu is
// held.
func (c *Client) buildLocked(p *pending) *soap.Message {
	v := c.cfg.Version
	m := p.tmpl.Clone()
	sq := &wire.Sequence{Version: v, Identifier: c.id, MessageNumber: uint64(p.n), LastMessage: p.last}
	addHeader(m, sq.Build(), true)
	if !p.last {
		addHeader(m, (&wire.AckRequested{Version: v, Identifier: c.id}).Build(), false)
	}
	c.addReplyAckLocked(m, false)
	return m
}

// addReplyAckLocked adds the acknowledgement of the reply sequence, as
// Metro and WCF piggyback it: WS-RM 1.1 sends None before anything was
// received, WS-RM 1.0 sends nothing then; c.mu is held.
func (c *Client) addReplyAckLocked(m *soap.Message, final bool) {
	if c.replyID == "" || (c.cfg.Version == V200502 && c.recv.Empty()) {
		return
	}
	a := &wire.SequenceAcknowledgement{Version: c.cfg.Version, Identifier: c.replyID,
		Ranges: wireRanges(c.recv), Final: final && c.cfg.Version == V11}
	addHeader(m, a.Build(), false)
}

// transmit sends p once and handles the response.
func (c *Client) transmit(p *pending) {
	defer c.wg.Done()
	c.mu.Lock()
	if (c.state != stOpen && c.state != stClosing) || p.finished() {
		p.inflight--
		c.mu.Unlock()
		return
	}
	m := c.buildLocked(p)
	p.sends++
	c.last = c.cfg.Now()
	c.mu.Unlock()
	ctx, cancel := context.WithTimeout(c.base, c.cfg.SendTimeout)
	resp, err := c.next.Call(ctx, m)
	cancel()
	c.mu.Lock()
	p.inflight--
	c.mu.Unlock()
	c.handle(p, resp, err)
}

// handle processes the response to a transmission of p.
func (c *Client) handle(p *pending, resp *soap.Message, err error) {
	sf, isFault := soap.AsFault(err)
	if isFault && resp == nil && replyUnreadable(err) {
		// The response could not be read (a node of a farm died while it
		// answered, and the balancer passed on half a response): nothing
		// came from the destination, so the message is retransmitted as
		// if the response were lost, not taken for the service's fault.
		isFault = false
	}
	if err != nil && !isFault {
		c.mu.Lock()
		p.lastErr = err
		c.mu.Unlock()
		if c.base.Err() == nil {
			c.cfg.Logger.Debug("reliable: transmission failed", slog.String("sequence", c.Sequence()), slog.Int64("number", p.n), slog.Any("error", err))
		}
		return
	}
	c.mu.Lock()
	defer c.unlock()
	if c.state != stOpen && c.state != stClosing {
		return
	}
	h, herr := c.absorbLocked(resp)
	if herr != nil {
		c.faultLocked(herr)
		return
	}
	if isFault && h.seq == nil {
		if rerr := rmFaultError(c.cfg.Version, sf, resp); rerr != nil {
			c.faultLocked(rerr)
		} else {
			c.faultLocked(fmt.Errorf("reliable: message %d: fault not on the reply sequence: %w", p.n, sf))
		}
		return
	}
	switch {
	case h.seq != nil && h.seq.Identifier == c.replyID:
		if !h.fresh || p.last {
			return // a duplicate reply, or the reply sequence's LastMessage
		}
		if len(resp.Addressing.RelatesTo) > 0 && !relatesTo(resp, p.msgID) {
			c.faultLocked(fmt.Errorf("%w: reply %d does not relate to request %d", ErrProtocol, h.seq.MessageNumber, p.n))
			return
		}
		if p.finished() {
			c.cfg.Logger.Warn("reliable: a second reply to one request dropped", slog.Int64("number", p.n), slog.Uint64("reply", h.seq.MessageNumber))
			return
		}
		h.strip(resp)
		c.eventLocked(Event{Kind: EventDelivered, Sequence: c.replyID, Number: int64(h.seq.MessageNumber), Attempt: p.sends})
		var rerr error
		if isFault {
			rerr = sf
		}
		c.completeLocked(p, resp, rerr)
	case resp != nil && !ackOnly(c.cfg.Version, resp):
		c.faultLocked(fmt.Errorf("%w: response to message %d without a Sequence header", ErrProtocol, p.n))
	}
}

// relatesTo reports whether resp relates to message id.
func relatesTo(resp *soap.Message, id string) bool {
	for _, r := range resp.Addressing.RelatesTo {
		if r.ID == id {
			return true
		}
	}
	return false
}

// ackOnly reports whether resp carries no application content: an empty
// body (an acknowledgement or AckRequested message, WS-RM 1.0's
// LastMessage) or an RM control body.
func ackOnly(v Version, resp *soap.Message) bool {
	pl := resp.Payload()
	return pl == nil || pl.NamespaceURI() == v.Namespace()
}

// absorbLocked reads the RM headers of a response: it records the
// acknowledgement of the request sequence and a message of the reply
// sequence (h.fresh when it was not received before). An unparsable
// header, a Sequence header on another sequence or an invalid
// acknowledgement is an error; c.mu is held.
func (c *Client) absorbLocked(resp *soap.Message) (*clientHeaders, error) {
	c.heard = c.cfg.Now()
	h, err := readClientHeaders(c.cfg.Version, resp)
	if err != nil {
		return nil, err
	}
	for _, el := range h.elems {
		resp.MarkUnderstood(el)
	}
	if a := h.ackFor(c.id); a != nil {
		if a.Final && c.state != stClosing {
			// Only CloseSequence (or TerminateSequence) earns a Final
			// acknowledgement; WCF faults on one it did not ask for.
			return nil, fmt.Errorf("%w: a Final acknowledgement before CloseSequence", ErrProtocol)
		}
		if err := c.ackLocked(a); err != nil {
			return nil, err
		}
	}
	if s := h.seq; s != nil {
		if c.replyID == "" || s.Identifier != c.replyID {
			return nil, fmt.Errorf("%w: a message on sequence %q, which is not the reply sequence: %w", ErrProtocol, s.Identifier, ErrUnknownSequence)
		}
		n := int64(s.MessageNumber)
		if s.MessageNumber > wire.MaxMessageNumber {
			return nil, fmt.Errorf("%w: reply number out of range", ErrMessageNumberRollover)
		}
		if !c.recv.Contains(n) {
			if !c.recv.CanAdd(n, wire.MaxRanges) {
				return nil, fmt.Errorf("%w: the reply sequence has too many gaps", ErrProtocol)
			}
			c.recv.Add(n)
			h.fresh = true
		}
	}
	return h, nil
}

// replyUnreadable reports whether err is the transport's failure to read
// a response (a *soap.ParseError: cut short or malformed) rather than a
// fault the service sent, which comes with its message.
func replyUnreadable(err error) bool {
	var pe *soap.ParseError
	return errors.As(err, &pe)
}
