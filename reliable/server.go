package reliable

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/soapstack/soapstack/reliable/internal/wire"
	"github.com/soapstack/soapstack/soap"
)

// ServerConfig configures the server side of reliable sessions: the
// destination of request sequences and the source of reply sequences.
// Zero fields take WCF's defaults.
type ServerConfig struct {
	// Versions are the WS-RM versions accepted (both when empty).
	Versions []Version
	// Store holds the sequences (NewMemoryStore() when nil; a shared
	// store for a farm).
	Store SequenceStore
	// MaxTransferWindowSize is the destination's window (8).
	MaxTransferWindowSize int
	// MaxPendingChannels bounds the sequences created and not yet used (4).
	// It configures the store the layer creates when Store is nil; a
	// store given in Store applies its own bound (WithMaxPending), and
	// setting both is an error.
	MaxPendingChannels int
	// InactivityTimeout (10 min) and AcknowledgementInterval (200 ms).
	// The layer answers every request on its own HTTP response, with the
	// acknowledgement as it is then, so it never delays one: the interval
	// is checked and kept for the binding's sake (WCF's reliableSession
	// setting), not used.
	InactivityTimeout       time.Duration
	AcknowledgementInterval time.Duration
	// FlowControlDisabled stops the layer from advertising
	// netrm:BufferRemaining in its acknowledgements (WCF's
	// FlowControlEnabled is true by default).
	FlowControlDisabled bool
	// RequireSecureSession refuses a sequence that is not created in a
	// secure session (RM over WS-SecureConversation): every sequence is
	// then bound to the session and principal it was created in.
	RequireSecureSession bool
	// DeliveryTimeout bounds how long a request that arrived out of order
	// waits for its turn on this node. The store is then asked again: the
	// exchange answers with the reply when another node of a farm
	// delivered the request meanwhile, else with an acknowledgement only
	// (the client retransmits it later and gets the cached reply); 30 s
	// when zero. A request of a request-reply session that finds the
	// transfer window full waits as long for room (over HTTP its answer
	// is the only way its reply can travel); one of a one-way session is
	// dropped at once. A wait behind another exchange's claim ends early
	// when that claim does (Accepted.ClaimUntil), so a stranded claim is
	// taken over.
	DeliveryTimeout time.Duration
	// PollInterval is how often, with a given Store, a request waiting
	// for its turn asks the store whether another node delivered it
	// meanwhile (the nodes of a farm share the store, not their waiting
	// requests): it is answered with the cached reply as soon as the
	// interval after the delivery, rather than at DeliveryTimeout, or
	// delivered here when its turn came and nobody claimed it; 20 ms when
	// zero. Without a given Store (one node) the layer does not poll.
	PollInterval time.Duration
	// ClaimTimeout is how long the delivery of one message may take (the
	// store's ClaimUntil): past it another exchange may deliver the
	// message again, so it must exceed the application's own timeout;
	// 2 min when zero.
	ClaimTimeout time.Duration
	// Now is the clock, Rand the random source, Logger the logger.
	Now    func() time.Time
	Rand   io.Reader
	Logger *slog.Logger
	// OnEvent is as ClientConfig.OnEvent.
	OnEvent func(Event)
}

// Defaults of ServerConfig.
const (
	// DefaultDeliveryTimeout is ServerConfig.DeliveryTimeout's default.
	DefaultDeliveryTimeout = 30 * time.Second
	// DefaultClaimTimeout is ServerConfig.ClaimTimeout's default.
	DefaultClaimTimeout = 2 * time.Minute
	// DefaultPollInterval is ServerConfig.PollInterval's default.
	DefaultPollInterval = 20 * time.Millisecond
)

// ErrServerConfig reports an invalid ServerConfig.
var ErrServerConfig = errors.New("reliable: invalid server configuration")

// ServerLayer returns the server side of reliable sessions, placed above
// the security layers (closest to the application): it answers the RM
// control messages, delivers each application message to next once and in
// order, and answers duplicates with the cached reply. The configuration
// is checked here.
func ServerLayer(cfg ServerConfig) (soap.ServerLayer, error) {
	s, err := newServer(cfg)
	if err != nil {
		return nil, err
	}
	return func(next soap.Handler) soap.Handler {
		return &serverHandler{s: s, next: next}
	}, nil
}

// server is the state of a ServerLayer shared by the handlers it wraps.
type server struct {
	cfg      ServerConfig
	versions [3]bool // by Version
	store    SequenceStore
	log      *slog.Logger
	offers   offerCache
	replies  replyCache
	waiters  *waiters
	// Limits for re-parsing stored messages and cached replies.
	limits soap.Limits
	// rmu serializes reads of cfg.Rand (readers need not be safe for
	// concurrent use).
	rmu sync.Mutex
}

func newServer(cfg ServerConfig) (*server, error) {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", ErrServerConfig, fmt.Sprintf(format, args...))
	}
	switch {
	case cfg.MaxTransferWindowSize < 0:
		return nil, bad("MaxTransferWindowSize %d < 0", cfg.MaxTransferWindowSize)
	case cfg.MaxTransferWindowSize > 4096:
		// WCF advertises BufferRemaining up to 4096 (B4005).
		return nil, bad("MaxTransferWindowSize %d > 4096", cfg.MaxTransferWindowSize)
	case cfg.MaxPendingChannels < 0:
		return nil, bad("MaxPendingChannels %d < 0", cfg.MaxPendingChannels)
	case cfg.InactivityTimeout < 0, cfg.AcknowledgementInterval < 0, cfg.DeliveryTimeout < 0, cfg.ClaimTimeout < 0, cfg.PollInterval < 0:
		return nil, bad("negative duration")
	case cfg.Store != nil && cfg.MaxPendingChannels != 0:
		return nil, bad("MaxPendingChannels applies to the layer's own store; configure the given Store instead")
	}
	s := &server{cfg: cfg}
	if len(cfg.Versions) == 0 {
		s.versions[V200502], s.versions[V11] = true, true
	}
	for _, v := range cfg.Versions {
		if !v.Valid() {
			return nil, bad("invalid version %d", int(v))
		}
		s.versions[v] = true
	}
	if s.cfg.MaxTransferWindowSize == 0 {
		s.cfg.MaxTransferWindowSize = DefaultWindow
	}
	if s.cfg.MaxPendingChannels == 0 {
		s.cfg.MaxPendingChannels = DefaultMaxPending
	}
	if s.cfg.InactivityTimeout == 0 {
		s.cfg.InactivityTimeout = DefaultInactivityTimeout
	}
	if s.cfg.DeliveryTimeout == 0 {
		s.cfg.DeliveryTimeout = DefaultDeliveryTimeout
	}
	if s.cfg.ClaimTimeout == 0 {
		s.cfg.ClaimTimeout = DefaultClaimTimeout
	}
	switch {
	case cfg.Store == nil:
		s.cfg.PollInterval = 0
	case s.cfg.PollInterval == 0:
		s.cfg.PollInterval = DefaultPollInterval
	}
	if s.cfg.Now == nil {
		s.cfg.Now = time.Now
	}
	if s.cfg.Rand == nil {
		s.cfg.Rand = rand.Reader
	}
	s.log = cfg.Logger
	if s.log == nil {
		s.log = slog.Default()
	}
	s.store = cfg.Store
	if s.store == nil {
		s.store = NewMemoryStore(WithMaxPending(s.cfg.MaxPendingChannels))
	}
	s.waiters = newWaiters(maxWaiters, s.cfg.MaxTransferWindowSize)
	s.limits = soap.DefaultLimits()
	return s, nil
}

// Read implements io.Reader over cfg.Rand, serialized.
func (s *server) Read(p []byte) (int, error) {
	s.rmu.Lock()
	defer s.rmu.Unlock()
	return io.ReadFull(s.cfg.Rand, p)
}

func (s *server) event(e Event) {
	if s.cfg.OnEvent != nil {
		s.cfg.OnEvent(e)
	}
}

// serverHandler is the layer around one next handler.
type serverHandler struct {
	s    *server
	next soap.Handler
}

// ServeSOAP dispatches req: RM control messages are answered here,
// sequence messages delivered in order to next.
func (h *serverHandler) ServeSOAP(ctx context.Context, req *soap.Message) (*soap.Message, error) {
	x := &exchange{s: h.s, next: h.next, req: req, now: h.s.cfg.Now(), to: req.Addressing.To}
	if soap.IsAnonymous(x.to) {
		x.to = ""
		if p, ok := soap.PeerFromContext(ctx); ok {
			x.to = p.URL
		}
	}
	resp, err := x.serve(ctx)
	if err != nil {
		return h.s.faultMessage(ctx, x, err)
	}
	return resp, nil
}

// exchange is one request through the layer.
type exchange struct {
	s    *server
	next soap.Handler
	req  *soap.Message
	now  time.Time
	// v is the RM version of the request, 0 until known.
	v     Version
	owner Owner
	// seqID is the request sequence the exchange is about, "" when none
	// (the identifier of a header fault).
	seqID string
	// to is this endpoint's address (Accept/AcksTo, the connection-limit
	// fault's text).
	to string
}

func (x *exchange) serve(ctx context.Context) (*soap.Message, error) {
	s := x.s
	x.owner = ownerOf(ctx)
	h, err := readHeaders(x.req)
	x.v, x.seqID = h.version, h.seqID
	if err != nil {
		return nil, err
	}
	action := x.req.Addressing.Action
	if action == "" {
		action = x.req.SOAPAction
	}
	v, o := rmAction(action)
	if o != opNone {
		if !s.versions[v] {
			return nil, soap.ActionNotSupportedFault(x.req.Addressing.Version, action)
		}
		if x.v != 0 && x.v != v {
			return nil, malformedf("RM headers of %s on a %s message", x.v, v)
		}
		x.v = v
		// The layer answers RM messages itself: it checks the wsa:To again
		// as ServeMux does for the application (a layer below may have
		// decrypted it).
		if err := soap.CheckTo(ctx, x.req); err != nil {
			return nil, err
		}
		if o != opLastMessage && o != opAckRequested && o != opAck {
			// Sequence messages are judged below; the body of a control
			// message is the layer's.
			return x.control(ctx, o, h)
		}
	}
	if x.v != 0 && !s.versions[x.v] {
		return nil, x.notReliable(action)
	}
	if err := x.processAcks(ctx, h); err != nil {
		return nil, err
	}
	if h.sequence != nil {
		return x.sequenceMessage(ctx, h)
	}
	if o == opAckRequested || o == opAck {
		return x.ackOnly(ctx, o, h)
	}
	return nil, x.notReliable(action)
}

// notReliable is the answer to a message outside every sequence: WS-RM
// 1.1's WSRMRequired fault, or with WS-RM 1.0 alone the ActionNotSupported
// fault WCF sends (B1602).
func (x *exchange) notReliable(action string) error {
	if x.s.versions[V11] {
		x.v = V11
		return &faultErr{kind: wire.WSRMRequired, cause: ErrSequenceRequired}
	}
	f := soap.ActionNotSupportedFault(x.req.Addressing.Version, action)
	return f.WithCause(ErrSequenceRequired)
}
