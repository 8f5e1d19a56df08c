package reliable

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/soapstack/soapstack/reliable/internal/seq"
	"github.com/soapstack/soapstack/reliable/internal/wire"
	"github.com/soapstack/soapstack/soap"
)

// clientState is where a Client is in its life.
type clientState int

const (
	stIdle    clientState = iota // not opened (or a failed Open)
	stOpen                       // the sequence exists
	stClosing                    // Close is draining and closing
	stClosed                     // ended by Close
	stFaulted                    // ended by a fault
)

// openCall is one CreateSequence exchange shared by concurrent openers.
type openCall struct {
	done chan struct{}
	err  error
}

// open opens the session, or waits for the Open in progress.
func (c *Client) open(ctx context.Context) error {
	c.mu.Lock()
	switch c.state {
	case stOpen:
		c.mu.Unlock()
		return nil
	case stClosing, stClosed:
		c.mu.Unlock()
		return ErrClosed
	case stFaulted:
		err := c.err
		c.mu.Unlock()
		return err
	}
	oc := c.opening
	if oc == nil {
		oc = &openCall{done: make(chan struct{})}
		c.opening = oc
		c.wg.Add(1)
		go c.runOpen(oc)
	}
	c.mu.Unlock()
	select {
	case <-oc.done:
		return oc.err
	case <-ctx.Done():
		return fmt.Errorf("reliable: waiting for CreateSequence: %w", ctx.Err())
	}
}

// runOpen runs the shared Open on a context of its own.
func (c *Client) runOpen(oc *openCall) {
	defer c.wg.Done()
	ctx, cancel := context.WithTimeout(c.base, c.cfg.OpenTimeout)
	id, replyID, err := c.createSequence(ctx)
	cancel()
	c.mu.Lock()
	c.opening = nil
	if err == nil && c.state != stIdle {
		err = ErrClosed // closed while opening
	}
	if err == nil {
		c.state, c.id, c.replyID = stOpen, id, replyID
		c.win = seq.NewSendWindow(c.cfg.MaxTransferWindowSize, !c.cfg.FlowControlDisabled)
		c.buf = seq.NewRetryBuffer[*pending](c.backoff, c.cfg.MaxTransferWindowSize, 0)
		c.pend = make(map[int64]*pending)
		c.last = c.cfg.Now()
		c.heard = c.last
		c.eventLocked(Event{Kind: EventCreated, Sequence: id})
		c.wg.Add(1)
		go c.run()
	}
	oc.err = err
	close(oc.done)
	c.unlock()
}

// createSequence opens the secure session below, when configured, and
// runs the CreateSequence exchange. It returns the identifiers of the
// request sequence and of the accepted offer.
func (c *Client) createSequence(ctx context.Context) (id, replyID string, err error) {
	v := c.cfg.Version
	cs := &wire.CreateSequence{Version: v, AcksTo: anonymousEPR(c.cfg.Addressing)}
	if ss := c.cfg.SecureSession; ss != nil {
		if err := ss.Open(ctx); err != nil {
			return "", "", fmt.Errorf("reliable: opening the secure session: %w", err)
		}
		str, err := ss.SessionTokenReference()
		if err != nil {
			return "", "", fmt.Errorf("reliable: secure session token reference: %w", err)
		}
		cs.SecurityTokenReference = str
	}
	if !c.cfg.OneWay {
		if replyID, err = newIdentifier(c.cfg.Rand); err != nil {
			return "", "", err
		}
		cs.Offer = &wire.Offer{Identifier: replyID}
		if v == V11 {
			ep := anonymousEPR(c.cfg.Addressing)
			cs.Offer.Endpoint = &ep
			cs.Offer.IncompleteSequenceBehavior = wire.DiscardFollowingFirstGap
		}
	}
	m, err := c.controlMessage(v.CreateSequenceAction(), true)
	if err != nil {
		return "", "", err
	}
	m.SetPayload(cs.Build())
	if v == V11 && cs.SecurityTokenReference != nil {
		addHeader(m, wire.UsesSequenceSTR.Build(), true)
	}
	// Each retransmission offers a new reply sequence, as Metro's client
	// does: a service that created the sequence of a lost response holds
	// the first offer, and Metro refuses an offered identifier it holds
	// (WSRM1137). The orphan sequence expires with its inactivity timeout.
	each := func(attempt int, cp *soap.Message) error {
		if attempt == 0 || cs.Offer == nil {
			return nil
		}
		if replyID, err = newIdentifier(c.cfg.Rand); err != nil {
			return err
		}
		cs.Offer.Identifier = replyID
		cp.SetPayload(cs.Build())
		return nil
	}
	resp, _, err := c.exchangeEach(ctx, m, each)
	if err != nil {
		return "", "", fmt.Errorf("reliable: CreateSequence: %w", err)
	}
	if resp == nil {
		return "", "", fmt.Errorf("reliable: CreateSequence: %w: no response", ErrProtocol)
	}
	if a := resp.Addressing.Action; a != "" && a != v.CreateSequenceResponseAction() {
		return "", "", fmt.Errorf("reliable: CreateSequence: %w: response with action %q", ErrProtocol, a)
	}
	csr, err := wire.ParseCreateSequenceResponse(resp.Payload())
	if err != nil {
		return "", "", fmt.Errorf("reliable: CreateSequence: %w: %w", ErrProtocol, err)
	}
	if csr.Version != v {
		return "", "", fmt.Errorf("reliable: CreateSequence: %w: response in %s", ErrProtocol, csr.Version)
	}
	switch {
	case cs.Offer != nil && csr.Accept == nil:
		return "", "", fmt.Errorf("%w: the service did not accept the offered reply sequence", ErrCreateSequenceRefused)
	case cs.Offer == nil && csr.Accept != nil:
		return "", "", fmt.Errorf("reliable: CreateSequence: %w: Accept without an Offer", ErrProtocol)
	case csr.Identifier == replyID:
		return "", "", fmt.Errorf("reliable: CreateSequence: %w: the service's sequence has the offered identifier", ErrProtocol)
	}
	c.cfg.Logger.Debug("reliable: sequence created", slog.String("sequence", csr.Identifier), slog.String("reply", replyID))
	return csr.Identifier, replyID, nil
}

// controlMessage returns an RM control message of the client's versions
// with action, addressed to To with a fresh MessageID and, when request,
// an anonymous ReplyTo.
func (c *Client) controlMessage(action string, request bool) (*soap.Message, error) {
	m := soap.NewMessage(c.cfg.SOAP)
	a, err := soap.RequestAddressing(c.cfg.Addressing, action, c.cfg.To, c.cfg.Rand)
	if err != nil {
		return nil, err
	}
	if !request {
		a.ReplyTo = nil
	}
	m.SetAddressing(a)
	m.SOAPAction = action
	return m, nil
}

// exchangeEach sends the control message m (a fresh copy on every attempt)
// and returns the response, retransmitting on transport errors with the
// backoff up to MaxRetryCount times within ctx. A SOAP fault is returned
// at once: an RM fault as the error naming it (wrapping its sentinel),
// any other as the *soap.Fault. each, when set, may change each attempt's copy of m before it is sent
// (attempt 0 is the first); exchangeEach also reports whether m was sent
// more than once.
func (c *Client) exchangeEach(ctx context.Context, m *soap.Message, each func(attempt int, m *soap.Message) error) (*soap.Message, bool, error) {
	resp, attempts, err := c.exchangeLoop(ctx, m, each)
	return resp, attempts > 1, err
}

// exchangeLoop is exchangeEach's loop; it returns the number of sends.
func (c *Client) exchangeLoop(ctx context.Context, m *soap.Message, each func(attempt int, m *soap.Message) error) (*soap.Message, int, error) {
	var last error
	for attempt := 0; ; attempt++ {
		if attempt > 0 {
			d, ok := c.backoff.Delay(attempt)
			if !ok {
				return nil, attempt, fmt.Errorf("%w: %w", ErrRetriesExhausted, last)
			}
			if err := sleep(ctx, d); err != nil {
				return nil, attempt, errors.Join(err, last)
			}
		}
		cp := m.Clone()
		if each != nil {
			if err := each(attempt, cp); err != nil {
				return nil, attempt, err
			}
		}
		actx, cancel := context.WithTimeout(ctx, c.cfg.SendTimeout)
		resp, err := c.next.Call(actx, cp)
		cancel()
		if err == nil && resp != nil && resp.IsFault() {
			// Over a secure session the fault arrives as a secured
			// message the layers below return as a reply: the HTTP
			// client could not see it through the encryption.
			sf, ferr := resp.Fault()
			if ferr != nil {
				return nil, attempt + 1, fmt.Errorf("%w: unreadable fault: %w", ErrProtocol, ferr)
			}
			err = sf
		}
		if err == nil {
			return resp, attempt + 1, nil
		}
		// A response that could not be read is retried, as a lost one
		// (handle).
		if sf, ok := soap.AsFault(err); ok && (resp != nil || !replyUnreadable(err)) {
			if rerr := rmFaultError(c.cfg.Version, sf, resp); rerr != nil {
				return nil, attempt + 1, rerr
			}
			return resp, attempt + 1, err
		}
		if ctx.Err() != nil {
			return nil, attempt + 1, errors.Join(ctx.Err(), err)
		}
		last = err
		c.cfg.Logger.Debug("reliable: control message failed; retrying", slog.String("action", m.Addressing.Action), slog.Any("error", err))
	}
}
