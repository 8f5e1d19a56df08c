package seq

import (
	"errors"
	"testing"
	"time"
)

func TestRetryBuffer(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	b := Backoff{Initial: time.Second, Max: 4 * time.Second, MaxRetries: 3}
	r := NewRetryBuffer[string](b, 3, 10)
	for n, v := range map[int64]string{1: "aaaa", 2: "bbbb"} {
		if err := r.Add(n, v, len(v), t0); err != nil {
			t.Fatal(err)
		}
	}
	if err := r.Add(2, "x", 1, t0); !errors.Is(err, ErrNumberBuffered) {
		t.Fatalf("Add of a held number: %v", err)
	}
	if err := r.Add(3, "ccc", 3, t0); !errors.Is(err, ErrBufferFull) {
		t.Fatalf("Add past the byte bound: %v", err)
	}
	if err := r.Add(3, "cc", 2, t0.Add(500*time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	if err := r.Add(4, "", 0, t0); !errors.Is(err, ErrBufferFull) {
		t.Fatalf("Add past the count bound: %v", err)
	}
	if d, _ := r.NextDue(); !d.Equal(t0.Add(time.Second)) {
		t.Fatalf("NextDue %v", d)
	}
	if due, _ := r.Due(t0.Add(999 * time.Millisecond)); len(due) != 0 {
		t.Fatalf("due early: %v", due)
	}
	due, err := r.Due(t0.Add(time.Second))
	if err != nil || len(due) != 2 || due[0].Number != 1 || due[1].Number != 2 || due[0].Attempt != 1 || due[0].Value != "aaaa" {
		t.Fatalf("Due: %+v %v", due, err)
	}
	ack, _ := NewSet([]Range{{2, 2}}, 0)
	if r.Ack(ack) != 1 || r.Len() != 2 || r.Bytes() != 6 {
		t.Fatalf("after Ack: len %d bytes %d", r.Len(), r.Bytes())
	}
	// Message 1: retransmitted at 1s, then due 2s later (3s), then 4s
	// later (7s); after its third retransmission it is exhausted.
	now := t0.Add(time.Second)
	for i, wait := range []time.Duration{2 * time.Second, 4 * time.Second} {
		now = now.Add(wait)
		due, err := r.Due(now)
		if err != nil || len(due) == 0 || due[0].Number != 1 || due[0].Attempt != i+2 {
			t.Fatalf("retry %d at %v: %+v %v", i+2, now.Sub(t0), due, err)
		}
	}
	now = now.Add(4 * time.Second)
	if _, err := r.Due(now); !errors.Is(err, ErrRetriesExhausted) {
		t.Fatalf("after MaxRetries: %v", err)
	}
	all, _ := NewSet([]Range{{1, 3}}, 0)
	r.Ack(all)
	if r.Len() != 0 || r.Bytes() != 0 {
		t.Fatal("not empty after full ack")
	}
	if _, ok := r.NextDue(); ok {
		t.Fatal("NextDue of an empty buffer")
	}
}
