package reliable

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/beevik/etree"
	"github.com/soapstack/soapstack/reliable/internal/seq"
	"github.com/soapstack/soapstack/soap"
)

// ClientConfig configures the client of a reliable session: the source of
// the request sequence and, for request-reply, the destination of the
// offered reply sequence. Zero fields take WCF's defaults.
type ClientConfig struct {
	// Version is the WS-RM version (V200502 when zero, WCF's
	// wsHttpBinding; ws2007HttpBinding uses V11).
	Version Version
	// To is the service's address (wsa:To of every message); required.
	To string
	// SOAP and Addressing are the versions of the control messages the
	// client writes (CreateSequence, CloseSequence, TerminateSequence,
	// LastMessage, AckRequested): SOAP 1.2 and WS-Addressing 1.0 when
	// zero, as WCF's wsHttpBinding and ws2007HttpBinding. WS-RM 1.1 needs
	// WS-Addressing 1.0. Application requests keep their own versions.
	SOAP       soap.Version
	Addressing soap.AddressingVersion
	// SendTimeout bounds each transmission of a message (1 min, WCF's
	// SendTimeout); a transmission that runs out is retransmitted.
	SendTimeout time.Duration
	// OpenTimeout bounds the opening of the session: the secure
	// session's Open and the CreateSequence exchange with its
	// retransmissions (1 min, WCF's OpenTimeout).
	OpenTimeout time.Duration
	// OneWay makes the session one-way: no Offer in CreateSequence (WCF's
	// IOutputSessionChannel). A request-reply session offers a reply
	// sequence (WCF's IRequestSessionChannel).
	OneWay bool
	// MaxTransferWindowSize bounds the messages sent and not yet
	// acknowledged (8).
	MaxTransferWindowSize int
	// MaxRetryCount bounds the retransmissions of one message (8); past
	// it the session faults with ErrRetriesExhausted.
	MaxRetryCount int
	// AcknowledgementInterval is how long the client may delay an
	// acknowledgement of the reply sequence (200 ms). Over HTTP the
	// client acknowledges the replies on its next message (request,
	// keep-alive, CloseSequence or TerminateSequence), as WCF's request
	// channel does, and sends no stand-alone acknowledgement, so it has
	// nothing to delay; the field is checked, and kept for the binding.
	AcknowledgementInterval time.Duration
	// InactivityTimeout is the session's inactivity timeout (10 min); the
	// client sends a keep-alive (AckRequested) before it runs out.
	InactivityTimeout time.Duration
	// RetryInterval is the first retransmission delay (WCF derives it
	// from the round-trip time; 1 s when zero, before one is measured).
	RetryInterval time.Duration
	// FlowControlDisabled turns off flow control by netrm:BufferRemaining.
	FlowControlDisabled bool
	// SecureSession is the secure session below the reliable session (RM
	// over WS-SecureConversation, WCF's wsHttpBinding default with
	// reliableSession); nil for none.
	SecureSession SecureSession
	// Now is the clock (time.Now when nil); Rand the random source for
	// message and sequence identifiers and jitter (crypto/rand when nil).
	Now  func() time.Time
	Rand io.Reader
	// Logger receives protocol events at Debug and trouble at Warn
	// (slog.Default() when nil).
	Logger *slog.Logger
	// OnEvent, when set, is called for every event of the session
	// (sequence created, message sent, retransmitted, acknowledged,
	// closed, terminated), synchronously; it must not block nor call
	// the Client. Calls are serialized.
	OnEvent func(Event)
}

// SecureSession is the secure session a reliable session runs over (WCF
// R2301–R2305): the client establishes it before CreateSequence, and
// CreateSequence carries a reference to its token. *secureconv.Client
// implements it.
type SecureSession interface {
	// Open establishes the session when it is not yet established.
	Open(ctx context.Context) error
	// SessionTokenReference returns a new wsse:SecurityTokenReference to
	// the current session token, as CreateSequence carries it.
	SessionTokenReference() (*etree.Element, error)
}

// Client is a reliable session's client: a soap.Invoker that numbers each
// request on the session's sequence, retransmits it until acknowledged and
// returns its reply exactly once. It sends CreateSequence on Open (or the
// first Call) and CloseSequence/LastMessage and TerminateSequence on
// Close. Retransmissions go through the layers below as new messages, so
// each attempt gets fresh security. A Client is safe for concurrent use.
type Client struct {
	next    soap.Invoker
	cfg     ClientConfig
	backoff seq.Backoff

	// base is the parent of every send's context: no caller's context,
	// cancelled when the session ends. wg counts the goroutines the
	// client started.
	base context.Context
	stop context.CancelFunc
	wg   sync.WaitGroup

	emitMu sync.Mutex // serializes OnEvent calls

	mu      sync.Mutex
	state   clientState
	err     error // why the session faulted
	opening *openCall
	id      string // the request sequence
	replyID string // the offered reply sequence ("" one-way)
	win     *seq.SendWindow
	buf     *seq.RetryBuffer[*pending]
	pend    map[int64]*pending
	done    seq.Set // numbers needing no more transmission
	recv    seq.Set // reply sequence numbers received
	changed chan struct{}
	wake    chan struct{}
	events  []Event
	waiters int
	pinging bool
	last    time.Time // last send
	heard   time.Time // last answer from the service
}

// NewClient returns a reliable session client sending through next (the
// security layers and the transport). The configuration is checked here;
// errors wrap ErrClientConfig.
func NewClient(next soap.Invoker, cfg ClientConfig) (*Client, error) {
	if next == nil {
		return nil, clientConfigError("no next Invoker")
	}
	if err := cfg.defaults(); err != nil {
		return nil, err
	}
	base, stop := context.WithCancel(context.Background())
	c := &Client{next: next, cfg: cfg, base: base, stop: stop,
		changed: make(chan struct{}), wake: make(chan struct{}, 1)}
	c.backoff = seq.Backoff{Initial: cfg.RetryInterval, MaxRetries: cfg.MaxRetryCount,
		Jitter: retryJitter, Rand: randSource{cfg.Rand}}
	return c, nil
}

// Open creates the sequence (and the secure session below it first, when
// configured). Calling it is optional: the first Call opens the session.
// Concurrent callers share one CreateSequence exchange, which runs
// detached from their contexts, bounded by OpenTimeout: a caller whose ctx
// ends stops waiting while the exchange goes on for the others.
func (c *Client) Open(ctx context.Context) error { return c.open(ctx) }

// Call sends req on the sequence and returns its reply (nil for a
// one-way message), retransmitting it as needed. A request without
// wsa:ReplyTo, and every request of a OneWay session, is one-way: Call
// returns once the service acknowledged it. A SOAP fault the service's
// application sent on the reply sequence is returned, with its message,
// as a *soap.Fault error. When ctx ends first, Call returns its error but
// the message stays on the sequence and is retransmitted until
// acknowledged (its reply, if any, is dropped). A request-reply message
// the service acknowledges without a reply (it read it as one-way) is
// retransmitted until ctx ends; the error then says so.
func (c *Client) Call(ctx context.Context, req *soap.Message) (*soap.Message, error) {
	return c.call(ctx, req)
}

// Close waits for every message to be acknowledged, closes and terminates
// the sequences, and returns. It does not close the secure session below:
// the caller (or package binding) closes that after Close returns. When
// ctx ends first, or the session has faulted, Close abandons the session
// and returns the error; either way every goroutine of the Client has
// ended when Close returns.
func (c *Client) Close(ctx context.Context) error { return c.close(ctx) }

// Sequence returns the identifier of the request sequence ("" before Open).
func (c *Client) Sequence() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.id
}

// ReplySequence returns the identifier of the offered reply sequence (""
// before Open and for a one-way session).
func (c *Client) ReplySequence() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.id == "" {
		return ""
	}
	return c.replyID
}

// EventKind names a reliable session event.
type EventKind int

// The events.
const (
	EventCreated EventKind = iota + 1
	EventSent
	EventRetransmitted
	EventAcknowledged
	EventDelivered
	EventClosed
	EventTerminated
	EventFaulted
)

// Event is one reliable session event, for OnEvent.
type Event struct {
	Kind EventKind
	// Sequence is the sequence identifier, Number the message number (0
	// when the event is about the sequence).
	Sequence string
	Number   int64
	// Attempt counts the sends of this message (1 for the first).
	Attempt int
	// Err is the cause of a retransmission or fault.
	Err error
}

// ErrRetriesExhausted is returned when a message was not acknowledged
// after MaxRetryCount retransmissions; the session is then faulted.
var ErrRetriesExhausted = errors.New("reliable: message not acknowledged after the maximum number of retransmissions")
