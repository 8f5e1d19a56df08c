package seq

import (
	"errors"
	"slices"
	"time"
)

// Errors of RetryBuffer.
var (
	// ErrBufferFull reports that a RetryBuffer holds its maximum of
	// messages or bytes: the source must wait for acknowledgements.
	ErrBufferFull = errors.New("seq: retransmission buffer full")
	// ErrRetriesExhausted reports a message retransmitted MaxRetries
	// times without acknowledgement: the source faults the sequence (as
	// WCF does after MaxRetryCount).
	ErrRetriesExhausted = errors.New("seq: message not acknowledged after the maximum of retransmissions")
	// ErrNumberBuffered reports an Add of a number already held.
	ErrNumberBuffered = errors.New("seq: message number already buffered")
)

// RetryBuffer is a source's retransmission buffer: the messages sent and
// not yet acknowledged, each with its retransmission schedule (Backoff).
// It is bounded in messages and in bytes (as the caller measures them).
// V is what the source re-sends (an unsecured copy of the message, so
// that every attempt gets fresh security below). It is not safe for
// concurrent use.
type RetryBuffer[V any] struct {
	backoff            Backoff
	maxCount, maxBytes int
	bytes              int
	items              []retryItem[V] // by number
}

type retryItem[V any] struct {
	n        int64
	v        V
	size     int
	attempts int // retransmissions so far
	due      time.Time
}

// Retry is a message due for retransmission.
type Retry[V any] struct {
	Number  int64
	Value   V
	Attempt int // 1 for the first retransmission
}

// NewRetryBuffer returns an empty RetryBuffer holding at most maxCount
// messages (MaxTransferWindowSize when <= 0) and maxBytes bytes (no bound
// when <= 0).
func NewRetryBuffer[V any](b Backoff, maxCount, maxBytes int) *RetryBuffer[V] {
	if maxCount <= 0 {
		maxCount = MaxTransferWindowSize
	}
	return &RetryBuffer[V]{backoff: b, maxCount: maxCount, maxBytes: maxBytes}
}

// Len returns the number of messages held.
func (r *RetryBuffer[V]) Len() int { return len(r.items) }

// Bytes returns the bytes held.
func (r *RetryBuffer[V]) Bytes() int { return r.bytes }

func (r *RetryBuffer[V]) find(n int64) (int, bool) {
	return slices.BinarySearchFunc(r.items, n, func(it retryItem[V], n int64) int {
		switch {
		case it.n < n:
			return -1
		case it.n > n:
			return 1
		}
		return 0
	})
}

// Add records message n, of size bytes, sent at now; its first
// retransmission is due after the Backoff's first delay.
func (r *RetryBuffer[V]) Add(n int64, v V, size int, now time.Time) error {
	i, found := r.find(n)
	if found {
		return ErrNumberBuffered
	}
	if len(r.items) >= r.maxCount || (r.maxBytes > 0 && r.bytes+size > r.maxBytes) {
		return ErrBufferFull
	}
	d, _ := r.backoff.Delay(1)
	r.items = slices.Insert(r.items, i, retryItem[V]{n: n, v: v, size: size, due: now.Add(d)})
	r.bytes += size
	return nil
}

// Ack drops the messages acknowledged by s, returning how many.
func (r *RetryBuffer[V]) Ack(s Set) int {
	kept := r.items[:0]
	for _, it := range r.items {
		if s.Contains(it.n) {
			r.bytes -= it.size
			continue
		}
		kept = append(kept, it)
	}
	dropped := len(r.items) - len(kept)
	clear(r.items[len(kept):])
	r.items = kept
	return dropped
}

// Due returns the messages due for retransmission at now, in number
// order, and schedules their next attempt. When one has already been
// retransmitted MaxRetries times it returns ErrRetriesExhausted instead
// (and changes nothing).
func (r *RetryBuffer[V]) Due(now time.Time) ([]Retry[V], error) {
	var out []Retry[V]
	for i := range r.items {
		it := &r.items[i]
		if it.due.After(now) {
			continue
		}
		if _, ok := r.backoff.Delay(it.attempts + 1); !ok {
			return nil, ErrRetriesExhausted
		}
	}
	for i := range r.items {
		it := &r.items[i]
		if it.due.After(now) {
			continue
		}
		it.attempts++
		out = append(out, Retry[V]{Number: it.n, Value: it.v, Attempt: it.attempts})
		if d, ok := r.backoff.Delay(it.attempts + 1); ok {
			it.due = now.Add(d)
		} else {
			// No more retransmissions: the next Due after the last
			// delay reports the message exhausted.
			d, _ := r.backoff.Delay(it.attempts)
			it.due = now.Add(d)
		}
	}
	return out, nil
}

// NextDue returns when the next retransmission is due, false when the
// buffer is empty.
func (r *RetryBuffer[V]) NextDue() (time.Time, bool) {
	if len(r.items) == 0 {
		return time.Time{}, false
	}
	t := r.items[0].due
	for _, it := range r.items[1:] {
		if it.due.Before(t) {
			t = it.due
		}
	}
	return t, true
}
