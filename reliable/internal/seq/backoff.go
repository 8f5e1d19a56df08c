package seq

import "time"

// Source is a random source (math/rand/v2's Source satisfies it).
type Source interface {
	Uint64() uint64
}

// Backoff is the retransmission schedule of a source: the first
// retransmission after Initial, each next one after twice the previous
// delay (WCF's TransmissionStrategy doubles its timeout on every retry)
// up to Max, and no more than MaxRetries retransmissions of a message.
// With Jitter in (0, 1] and a Rand, each delay is shortened by a random
// fraction of at most Jitter, drawn from Rand, so a schedule is
// reproducible from a seeded source.
type Backoff struct {
	Initial    time.Duration // > 0
	Max        time.Duration // cap; <= 0 means none
	MaxRetries int           // MaxRetryCount when <= 0
	Jitter     float64
	Rand       Source
}

// Delay returns the wait before retransmission retry (1 for the first
// retransmission), and false once retry exceeds MaxRetries: the source
// then gives up on the sequence.
func (b Backoff) Delay(retry int) (time.Duration, bool) {
	limit := b.MaxRetries
	if limit <= 0 {
		limit = MaxRetryCount
	}
	if retry < 1 || retry > limit {
		return 0, false
	}
	d := max(b.Initial, time.Nanosecond)
	for i := 1; i < retry; i++ {
		if b.Max > 0 && d >= b.Max || d > time.Duration(1<<62) {
			break
		}
		d *= 2
	}
	if b.Max > 0 && d > b.Max {
		d = b.Max
	}
	if b.Jitter > 0 && b.Rand != nil {
		j := min(b.Jitter, 1)
		u := float64(b.Rand.Uint64()>>11) / (1 << 53) // [0, 1)
		d -= time.Duration(float64(d) * j * u)
		d = max(d, time.Nanosecond)
	}
	return d, true
}

// InitialTimeout is WCF's first retransmission timeout for a round-trip
// estimate rtt (UnknownRTT when rtt < 0): the larger of two
// acknowledgement intervals plus rtt and rtt plus four times its error,
// the error being estimated as half of rtt before any measurement.
func InitialTimeout(rtt time.Duration) time.Duration {
	if rtt < 0 {
		rtt = UnknownRTT
	}
	return max(2*AcknowledgementInterval+rtt, rtt+4*(rtt/2))
}
