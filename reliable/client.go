package reliable

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"time"

	"github.com/beevik/etree"
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
	// acknowledgement of the reply sequence (200 ms).
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
	// closed, terminated), synchronously; it must not block.
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
	next soap.Invoker
	cfg  ClientConfig
}

// NewClient returns a reliable session client sending through next (the
// security layers and the transport). The configuration is checked here.
func NewClient(next soap.Invoker, cfg ClientConfig) (*Client, error) {
	return nil, errNotBuilt
}

// Open creates the sequence (and the secure session below it first, when
// configured). Calling it is optional: the first Call opens the session.
func (c *Client) Open(ctx context.Context) error { return errNotBuilt }

// Call sends req on the sequence and returns its reply (nil for a
// one-way message), retransmitting it as needed.
func (c *Client) Call(ctx context.Context, req *soap.Message) (*soap.Message, error) {
	return nil, errNotBuilt
}

// Close waits for every message to be acknowledged, closes and terminates
// the sequences, and returns. It does not close the secure session below:
// the caller (or package binding) closes that after Close returns.
func (c *Client) Close(ctx context.Context) error { return errNotBuilt }

// Sequence returns the identifier of the request sequence ("" before Open).
func (c *Client) Sequence() string { return "" }

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

var errNotBuilt = errors.New("reliable: not built yet")
