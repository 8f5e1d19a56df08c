package reliable

import (
	"io"
	"log/slog"
	"time"

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
	MaxPendingChannels int
	// InactivityTimeout (10 min) and AcknowledgementInterval (200 ms).
	InactivityTimeout       time.Duration
	AcknowledgementInterval time.Duration
	// RequireSecureSession refuses a sequence that is not created in a
	// secure session (RM over WS-SecureConversation): every sequence is
	// then bound to the session and principal it was created in.
	RequireSecureSession bool
	// DeliveryTimeout bounds how long a request that arrived out of order
	// waits for its turn before its exchange is answered with an
	// acknowledgement only (the client retransmits it later and gets the
	// cached reply).
	DeliveryTimeout time.Duration
	// Now is the clock, Rand the random source, Logger the logger.
	Now    func() time.Time
	Rand   io.Reader
	Logger *slog.Logger
	// OnEvent is as ClientConfig.OnEvent.
	OnEvent func(Event)
}

// ServerLayer returns the server side of reliable sessions, placed above
// the security layers (closest to the application): it answers the RM
// control messages, delivers each application message to next once and in
// order, and answers duplicates with the cached reply. The configuration
// is checked here.
func ServerLayer(cfg ServerConfig) (soap.ServerLayer, error) {
	return nil, errNotBuilt
}
