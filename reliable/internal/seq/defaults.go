// Package seq holds the pure logic of WS-ReliableMessaging sequences:
// acknowledgement range sets, the destination's transfer window, the
// source's send window with flow control, and the retransmission backoff
// schedule. It has no I/O, no clock and no locks; callers serialize access
// and pass the time in.
package seq

import "time"

// WCF's reliable-session defaults, from ReliableSessionDefaults in
// microsoft/referencesource
// System.ServiceModel/System/ServiceModel/Channels/TransportDefaults.cs,
// and ReliableMessagingConstants in
// System.ServiceModel/System/ServiceModel/Channels/ReliableMessagingHelpers.cs.
const (
	// MaxTransferWindowSize is the number of messages a source may have
	// unacknowledged and a destination may buffer per sequence.
	MaxTransferWindowSize = 8
	// MaxPendingChannels is the number of sequences created and not yet
	// accepted (no message received) that a destination holds.
	MaxPendingChannels = 4
	// MaxRetryCount is how many times a source retransmits a message
	// before it gives up and faults the sequence.
	MaxRetryCount = 8
	// AcknowledgementInterval is how long a destination waits to batch
	// acknowledgements.
	AcknowledgementInterval = 200 * time.Millisecond
	// InactivityTimeout is how long a sequence may see no message (not
	// even an acknowledgement or keep-alive) before it is dropped.
	InactivityTimeout = 10 * time.Minute
	// Ordered is WCF's default delivery assurance: in order.
	Ordered = true
	// FlowControlEnabled is WCF's default: the destination advertises
	// netrm:BufferRemaining and the source respects it.
	FlowControlEnabled = true
	// MaxRanges is ReliableMessagingConstants.MaxSequenceRanges: the most
	// acknowledgement ranges a sequence keeps (and so sends in an ack).
	MaxRanges = 128
	// UnknownRTT is ReliableMessagingConstants.UnknownInitiationTime, the
	// round-trip estimate used before one is measured.
	UnknownRTT = 2 * time.Second
)
