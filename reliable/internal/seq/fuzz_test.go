package seq

import (
	"encoding/binary"
	"testing"
	"time"
)

// FuzzSet adds numbers to a Set and checks it against a map, and NewSet
// of its ranges against the set itself.
func FuzzSet(f *testing.F) {
	f.Add([]byte{1, 2, 3, 5, 9, 4})
	f.Add([]byte{255, 0, 7, 7, 6})
	f.Fuzz(func(t *testing.T, data []byte) {
		var s Set
		model := map[int64]bool{}
		for _, b := range data {
			n := int64(b % 64)
			if n == 0 {
				n = 1 << 62
			}
			could := s.CanAdd(n, 5)
			before := s.Len()
			if s.Add(n) == model[n] {
				t.Fatalf("Add(%d) newness wrong", n)
			}
			model[n] = true
			if could != (s.Len() <= 5) && before <= 5 {
				t.Fatalf("CanAdd(%d) = %v, ranges %d", n, could, s.Len())
			}
		}
		rs := s.Ranges()
		for i, r := range rs {
			if r.Lower < 1 || r.Lower > r.Upper || (i > 0 && rs[i-1].Upper+1 >= r.Lower) {
				t.Fatalf("not normal: %v", rs)
			}
		}
		for n := int64(1); n < 64; n++ {
			if s.Contains(n) != model[n] {
				t.Fatalf("Contains(%d) = %v", n, s.Contains(n))
			}
		}
		u, err := NewSet(rs, 0)
		if err != nil || !u.Covers(s) || !s.Covers(u) {
			t.Fatalf("NewSet of own ranges: %v", err)
		}
	})
}

// FuzzNewSet parses arbitrary ranges (as from an acknowledgement header)
// and checks the result is normal and contains exactly the input numbers
// at the range edges.
func FuzzNewSet(f *testing.F) {
	f.Add([]byte{0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 5})
	f.Fuzz(func(t *testing.T, data []byte) {
		var in []Range
		for len(data) >= 16 {
			in = append(in, Range{int64(binary.BigEndian.Uint64(data)), int64(binary.BigEndian.Uint64(data[8:]))})
			data = data[16:]
		}
		s, err := NewSet(in, MaxRanges)
		if err != nil {
			return
		}
		rs := s.Ranges()
		for i, r := range rs {
			if r.Lower < 1 || r.Lower > r.Upper || (i > 0 && rs[i-1].Upper >= r.Lower-1) {
				t.Fatalf("not normal: %v", rs)
			}
		}
		for _, r := range in {
			if !s.Contains(r.Lower) || !s.Contains(r.Upper) {
				t.Fatalf("%v lost", r)
			}
		}
		_ = CheckAck(Set{}, s, s.Max())
	})
}

// FuzzBackoff checks delays are positive, non-decreasing without jitter,
// and capped.
func FuzzBackoff(f *testing.F) {
	f.Add(int64(time.Millisecond), int64(time.Second), 8)
	f.Fuzz(func(t *testing.T, initial, capd int64, retries int) {
		b := Backoff{Initial: time.Duration(initial), Max: time.Duration(capd), MaxRetries: retries % 200}
		var prev time.Duration
		for i := 1; ; i++ {
			d, ok := b.Delay(i)
			if !ok {
				break
			}
			if d <= 0 || d < prev || (b.Max > 0 && d > max(b.Max, time.Nanosecond)) {
				t.Fatalf("retry %d: %v after %v (cap %v)", i, d, prev, b.Max)
			}
			prev = d
		}
	})
}

// FuzzRetryBuffer runs random adds, acks and clock steps and checks the
// bounds and that no message is retransmitted more than MaxRetries times.
func FuzzRetryBuffer(f *testing.F) {
	f.Add([]byte{0, 1, 2, 0x81, 0x42, 0xc3})
	f.Fuzz(func(t *testing.T, ops []byte) {
		b := Backoff{Initial: time.Second, Max: 8 * time.Second, MaxRetries: 4}
		r := NewRetryBuffer[int64](b, 4, 40)
		now := time.Unix(0, 0)
		var next int64 = 1
		attempts := map[int64]int{}
		var acked Set
		for _, op := range ops {
			switch op >> 6 {
			case 0:
				if err := r.Add(next, next, int(op&0x0f), now); err == nil {
					next++
				}
			case 1:
				if next > 1 {
					acked.Add(1 + int64(op&0x3f)%(next-1))
					r.Ack(acked)
				}
			default:
				now = now.Add(time.Duration(op&0x3f) * 100 * time.Millisecond)
				due, err := r.Due(now)
				if err != nil {
					return
				}
				for _, d := range due {
					attempts[d.Number]++
					if attempts[d.Number] != d.Attempt || d.Attempt > 4 || acked.Contains(d.Number) || d.Value != d.Number {
						t.Fatalf("retry %+v (attempts %d)", d, attempts[d.Number])
					}
				}
			}
			if r.Len() > 4 || r.Bytes() > 40 || r.Bytes() < 0 {
				t.Fatalf("bounds: len %d bytes %d", r.Len(), r.Bytes())
			}
		}
	})
}
