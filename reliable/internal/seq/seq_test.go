package seq

import (
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

func TestDefaults(t *testing.T) {
	// The values of WCF's ReliableSessionDefaults.
	if MaxTransferWindowSize != 8 || MaxPendingChannels != 4 || MaxRetryCount != 8 ||
		AcknowledgementInterval != 200*time.Millisecond || InactivityTimeout != 10*time.Minute ||
		!Ordered || !FlowControlEnabled || MaxRanges != 128 {
		t.Fatal("WCF defaults changed")
	}
}

func TestSetAdd(t *testing.T) {
	tests := []struct {
		name string
		add  []int64
		want []Range
	}{
		{"empty", nil, nil},
		{"one", []int64{3}, []Range{{3, 3}}},
		{"in order", []int64{1, 2, 3}, []Range{{1, 3}}},
		{"gap", []int64{1, 3}, []Range{{1, 1}, {3, 3}}},
		{"fill gap", []int64{1, 3, 2}, []Range{{1, 3}}},
		{"extend down", []int64{5, 4}, []Range{{4, 5}}},
		{"duplicate", []int64{2, 2}, []Range{{2, 2}}},
		{"zero and negative ignored", []int64{0, -1, 1}, []Range{{1, 1}}},
		{"max", []int64{math.MaxInt64, math.MaxInt64 - 1}, []Range{{math.MaxInt64 - 1, math.MaxInt64}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var s Set
			for _, n := range tt.add {
				s.Add(n)
			}
			if got := s.Ranges(); !slices.Equal(got, tt.want) {
				t.Fatalf("ranges %v, want %v", got, tt.want)
			}
			for _, n := range tt.add {
				if n >= 1 && !s.Contains(n) {
					t.Fatalf("missing %d", n)
				}
			}
		})
	}
}

func TestNewSet(t *testing.T) {
	tests := []struct {
		name    string
		in      []Range
		max     int
		want    []Range
		wantErr error
	}{
		{"merge overlap", []Range{{5, 9}, {1, 6}}, 0, []Range{{1, 9}}, nil},
		{"merge adjacent", []Range{{1, 2}, {3, 4}}, 0, []Range{{1, 4}}, nil},
		{"sorted", []Range{{7, 7}, {1, 1}}, 0, []Range{{1, 1}, {7, 7}}, nil},
		{"max adjacent", []Range{{1, math.MaxInt64}, {5, 6}}, 0, []Range{{1, math.MaxInt64}}, nil},
		{"zero lower", []Range{{0, 3}}, 0, nil, ErrAckRange},
		{"reversed", []Range{{4, 3}}, 0, nil, ErrAckRange},
		{"too many", []Range{{1, 1}, {3, 3}, {5, 5}}, 2, nil, ErrTooManyRanges},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := NewSet(tt.in, tt.max)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err %v, want %v", err, tt.wantErr)
			}
			if err == nil && !slices.Equal(s.Ranges(), tt.want) {
				t.Fatalf("ranges %v, want %v", s.Ranges(), tt.want)
			}
			if err != nil && !errors.Is(err, ErrInvalidAcknowledgement) {
				t.Fatalf("%v does not wrap ErrInvalidAcknowledgement", err)
			}
		})
	}
}

func TestCanAdd(t *testing.T) {
	s, _ := NewSet([]Range{{1, 1}, {3, 3}}, 0)
	for _, tt := range []struct {
		n    int64
		max  int
		want bool
	}{
		{5, 2, false}, {5, 3, true}, {2, 1, true}, {4, 2, true}, {3, 2, true},
	} {
		if got := s.CanAdd(tt.n, tt.max); got != tt.want {
			t.Errorf("CanAdd(%d, %d) = %v", tt.n, tt.max, got)
		}
	}
}

func TestCheckAck(t *testing.T) {
	prev, _ := NewSet([]Range{{1, 2}}, 0)
	for _, tt := range []struct {
		name string
		ack  []Range
		want error
	}{
		{"ok", []Range{{1, 3}}, nil},
		{"same", []Range{{1, 2}}, nil},
		{"unsent", []Range{{1, 6}}, ErrAckUnsent},
		{"drops acked", []Range{{2, 3}}, ErrAckNotCumulative},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ack, _ := NewSet(tt.ack, 0)
			err := CheckAck(prev, ack, 5)
			if !errors.Is(err, tt.want) {
				t.Fatalf("err %v, want %v", err, tt.want)
			}
		})
	}
}

func TestInWindow(t *testing.T) {
	for _, tt := range []struct {
		next, n int64
		want    bool
	}{{1, 1, true}, {1, 8, true}, {1, 9, false}, {5, 4, false}, {5, 12, true}, {5, 13, false}} {
		if got := InWindow(tt.next, tt.n, 8); got != tt.want {
			t.Errorf("InWindow(%d, %d, 8) = %v", tt.next, tt.n, got)
		}
	}
	if BufferRemaining(8, 3) != 5 || BufferRemaining(8, 9) != 0 {
		t.Fatal("BufferRemaining")
	}
}

func TestSendWindow(t *testing.T) {
	w := NewSendWindow(3, true)
	for i := 1; i <= 3; i++ {
		if !w.CanSend() {
			t.Fatalf("cannot send %d", i)
		}
		if n, _ := w.Next(); n != int64(i) {
			t.Fatalf("number %d, want %d", n, i)
		}
	}
	if w.CanSend() {
		t.Fatal("window of 3 full, still CanSend")
	}
	ack, _ := NewSet([]Range{{1, 1}}, 0)
	if err := w.Ack(ack, 0); err != nil {
		t.Fatal(err)
	}
	if w.CanSend() {
		t.Fatal("BufferRemaining 0 not respected")
	}
	ack, _ = NewSet([]Range{{1, 2}}, 0)
	if err := w.Ack(ack, 4); err != nil {
		t.Fatal(err)
	}
	if !w.CanSend() || w.InFlight() != 1 {
		t.Fatalf("after ack: CanSend %v, in flight %d", w.CanSend(), w.InFlight())
	}
	bad, _ := NewSet([]Range{{1, 4}}, 0)
	if err := w.Ack(bad, -1); !errors.Is(err, ErrAckUnsent) {
		t.Fatalf("ack of unsent 4: %v", err)
	}
	older, _ := NewSet([]Range{{1, 1}}, 0)
	if err := w.Ack(older, -1); !errors.Is(err, ErrAckNotCumulative) {
		t.Fatalf("non-cumulative ack: %v", err)
	}
	noFlow := NewSendWindow(0, false)
	noFlow.Next()
	if err := noFlow.Ack(Set{}, 0); err != nil || !noFlow.CanSend() {
		t.Fatal("flow control off must ignore BufferRemaining")
	}
	roll := NewSendWindow(1, false)
	roll.next = math.MaxInt64
	if _, err := roll.Next(); !errors.Is(err, ErrRollover) {
		t.Fatalf("rollover: %v", err)
	}
}

func TestBackoff(t *testing.T) {
	b := Backoff{Initial: 100 * time.Millisecond, Max: time.Second}
	want := []time.Duration{100, 200, 400, 800, 1000, 1000, 1000, 1000}
	for i, w := range want {
		d, ok := b.Delay(i + 1)
		if !ok || d != w*time.Millisecond {
			t.Fatalf("retry %d: %v %v, want %v", i+1, d, ok, w*time.Millisecond)
		}
	}
	if _, ok := b.Delay(MaxRetryCount + 1); ok {
		t.Fatal("retry past MaxRetryCount allowed")
	}
	if _, ok := b.Delay(0); ok {
		t.Fatal("retry 0 allowed")
	}
	huge := Backoff{Initial: time.Hour, MaxRetries: 100}
	if d, ok := huge.Delay(100); !ok || d <= 0 {
		t.Fatalf("overflow: %v", d)
	}
	j1 := Backoff{Initial: time.Second, Jitter: 0.5, Rand: rand.NewPCG(1, 2)}
	j2 := Backoff{Initial: time.Second, Jitter: 0.5, Rand: rand.NewPCG(1, 2)}
	for i := 1; i <= 8; i++ {
		d1, _ := j1.Delay(i)
		d2, _ := j2.Delay(i)
		full := time.Second << (i - 1)
		if d1 != d2 || d1 > full || d1 < full/2 {
			t.Fatalf("jitter retry %d: %v %v (full %v)", i, d1, d2, full)
		}
	}
}

func TestInitialTimeout(t *testing.T) {
	for _, tt := range []struct{ rtt, want time.Duration }{
		{-1, 6 * time.Second},
		{0, 400 * time.Millisecond},
		{100 * time.Millisecond, 500 * time.Millisecond},
		{time.Second, 3 * time.Second},
	} {
		if got := InitialTimeout(tt.rtt); got != tt.want {
			t.Errorf("InitialTimeout(%v) = %v, want %v", tt.rtt, got, tt.want)
		}
	}
}
