package seq

import (
	"errors"
	"math"
)

// InWindow reports whether a destination whose next number to deliver is
// next may buffer message n with a transfer window of size window: n is
// ahead of next by less than window. This is WCF's
// OrderedDeliveryStrategy.CanEnqueue with the message being delivered
// counted as pending.
func InWindow(next, n int64, window int) bool {
	return n >= next && n-next < int64(window)
}

// BufferRemaining is the netrm:BufferRemaining a destination advertises:
// the free places of its transfer window, never negative.
func BufferRemaining(window, buffered int) int {
	return max(0, window-buffered)
}

// ErrRollover reports that a source has used the last message number
// (the MessageNumberRollover fault).
var ErrRollover = errors.New("seq: message number rollover")

// SendWindow is the source side of a sequence: it numbers messages and
// limits those in flight (sent, not acknowledged) to the transfer window
// and, with flow control, to the destination's advertised
// BufferRemaining. The zero value is not usable; use NewSendWindow.
type SendWindow struct {
	max   int
	flow  bool
	quota int   // messages the destination can still take; -1 unknown
	next  int64 // next number to assign
	acked Set
}

// NewSendWindow returns a SendWindow for a transfer window of size max
// (MaxTransferWindowSize when max <= 0), respecting BufferRemaining when
// flow is true.
func NewSendWindow(max int, flow bool) *SendWindow {
	if max <= 0 {
		max = MaxTransferWindowSize
	}
	return &SendWindow{max: max, flow: flow, quota: -1, next: 1}
}

// LastSent returns the highest number assigned, 0 before the first.
func (w *SendWindow) LastSent() int64 { return w.next - 1 }

// Acked returns the numbers acknowledged so far.
func (w *SendWindow) Acked() Set { return Set{r: w.acked.Ranges()} }

// InFlight returns the number of messages sent and not acknowledged.
func (w *SendWindow) InFlight() int {
	var acked int64
	for _, r := range w.acked.r {
		acked += r.Upper - r.Lower + 1
	}
	return int(w.LastSent() - acked)
}

// CanSend reports whether a new message may be sent now: fewer than the
// window are in flight and, with flow control, the destination has room.
// When it has none the source should keep retransmitting the oldest
// unacknowledged message (or request an acknowledgement) to learn of
// room, as WCF does.
func (w *SendWindow) CanSend() bool {
	if w.InFlight() >= w.max {
		return false
	}
	return !w.flow || w.quota != 0
}

// Next assigns the next message number, returning ErrRollover when none
// is left. It does not check CanSend.
func (w *SendWindow) Next() (int64, error) {
	if w.next == math.MaxInt64 {
		return 0, ErrRollover
	}
	n := w.next
	w.next++
	if w.flow && w.quota > 0 {
		w.quota--
	}
	return n, nil
}

// Ack records an acknowledgement after checking it with CheckAck (an
// invalid one changes nothing). bufferRemaining is the destination's
// netrm:BufferRemaining, -1 when absent; the quota becomes it less the
// messages still in flight, as in WCF's TransmissionStrategy.
func (w *SendWindow) Ack(ack Set, bufferRemaining int) error {
	if err := CheckAck(w.acked, ack, w.LastSent()); err != nil {
		return err
	}
	w.acked = Set{r: ack.Ranges()}
	if w.flow && bufferRemaining >= 0 {
		w.quota = max(0, bufferRemaining-w.InFlight())
	}
	return nil
}
