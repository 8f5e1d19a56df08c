package seq

import (
	"errors"
	"fmt"
	"math"
	"slices"
)

// Range is an inclusive range of message numbers, Lower <= Upper, both
// at least 1.
type Range struct {
	Lower, Upper int64
}

// Set is a set of message numbers kept as sorted, disjoint, non-adjacent
// ranges (the form of a SequenceAcknowledgement). The zero Set is empty.
// A Set is a value: Ranges returns a copy, and the mutating methods are on
// *Set.
type Set struct {
	r []Range
}

// Errors of acknowledgement checks, all wrapping ErrInvalidAcknowledgement
// (the RM fault a source sends back).
var (
	// ErrInvalidAcknowledgement reports an acknowledgement a source must
	// refuse with the InvalidAcknowledgement fault.
	ErrInvalidAcknowledgement = errors.New("seq: invalid acknowledgement")
	// ErrAckUnsent reports an acknowledgement of a number never sent.
	ErrAckUnsent = fmt.Errorf("%w: acknowledges a message number not sent", ErrInvalidAcknowledgement)
	// ErrAckNotCumulative reports an acknowledgement that leaves out a
	// number acknowledged before (acknowledgements are cumulative).
	ErrAckNotCumulative = fmt.Errorf("%w: leaves out a message number acknowledged before", ErrInvalidAcknowledgement)
	// ErrAckRange reports a malformed range (Lower < 1 or Lower > Upper).
	ErrAckRange = fmt.Errorf("%w: malformed range", ErrInvalidAcknowledgement)
	// ErrTooManyRanges reports more ranges than the bound allows.
	ErrTooManyRanges = fmt.Errorf("%w: too many ranges", ErrInvalidAcknowledgement)
)

// NewSet returns the set of the numbers in rs, which may be unsorted,
// overlapping or adjacent (they are merged). It refuses a malformed range
// with ErrAckRange and, when maxRanges > 0, more than maxRanges ranges
// (given or after merging) with ErrTooManyRanges.
func NewSet(rs []Range, maxRanges int) (Set, error) {
	if maxRanges > 0 && len(rs) > maxRanges {
		return Set{}, ErrTooManyRanges
	}
	for _, r := range rs {
		if r.Lower < 1 || r.Lower > r.Upper {
			return Set{}, fmt.Errorf("%w: [%d, %d]", ErrAckRange, r.Lower, r.Upper)
		}
	}
	s := slices.Clone(rs)
	slices.SortFunc(s, func(a, b Range) int {
		switch {
		case a.Lower < b.Lower:
			return -1
		case a.Lower > b.Lower:
			return 1
		}
		return 0
	})
	out := s[:0]
	for _, r := range s {
		if n := len(out); n > 0 && (out[n-1].Upper == math.MaxInt64 || r.Lower <= out[n-1].Upper+1) {
			out[n-1].Upper = max(out[n-1].Upper, r.Upper)
			continue
		}
		out = append(out, r)
	}
	return Set{r: slices.Clip(out)}, nil
}

// Ranges returns a copy of the ranges of s, in increasing order.
func (s Set) Ranges() []Range { return slices.Clone(s.r) }

// Len returns the number of ranges of s.
func (s Set) Len() int { return len(s.r) }

// Empty reports whether s has no number.
func (s Set) Empty() bool { return len(s.r) == 0 }

// Max returns the highest number of s, 0 when s is empty.
func (s Set) Max() int64 {
	if len(s.r) == 0 {
		return 0
	}
	return s.r[len(s.r)-1].Upper
}

// search returns the index of the first range whose Upper >= n.
func (s Set) search(n int64) int {
	i, _ := slices.BinarySearchFunc(s.r, n, func(r Range, n int64) int {
		switch {
		case r.Upper < n:
			return -1
		case r.Upper > n:
			return 1
		}
		return 0
	})
	return i
}

// Contains reports whether n is in s.
func (s Set) Contains(n int64) bool {
	i := s.search(n)
	return i < len(s.r) && s.r[i].Lower <= n
}

// rangesAfterAdd returns the number of ranges s would have with n added.
func (s Set) rangesAfterAdd(n int64) int {
	if s.Contains(n) {
		return len(s.r)
	}
	i := s.search(n)
	joinPrev := i > 0 && s.r[i-1].Upper == n-1
	joinNext := i < len(s.r) && s.r[i].Lower == n+1
	switch {
	case joinPrev && joinNext:
		return len(s.r) - 1
	case joinPrev || joinNext:
		return len(s.r)
	}
	return len(s.r) + 1
}

// CanAdd reports whether adding n keeps s within maxRanges ranges (WCF's
// CanMerge): a destination drops a message that would fragment its
// acknowledgement past the bound.
func (s Set) CanAdd(n int64, maxRanges int) bool {
	return s.rangesAfterAdd(n) <= maxRanges
}

// Add adds n (n >= 1) to s, reporting whether it was new.
func (s *Set) Add(n int64) bool {
	if n < 1 || s.Contains(n) {
		return false
	}
	i := s.search(n)
	joinPrev := i > 0 && s.r[i-1].Upper == n-1
	joinNext := i < len(s.r) && s.r[i].Lower == n+1
	switch {
	case joinPrev && joinNext:
		s.r[i-1].Upper = s.r[i].Upper
		s.r = slices.Delete(s.r, i, i+1)
	case joinPrev:
		s.r[i-1].Upper = n
	case joinNext:
		s.r[i].Lower = n
	default:
		s.r = slices.Insert(s.r, i, Range{n, n})
	}
	return true
}

// Union returns the numbers in s or t.
func (s Set) Union(t Set) Set {
	u, _ := NewSet(append(s.Ranges(), t.r...), 0)
	return u
}

// Covers reports whether every number of t is in s.
func (s Set) Covers(t Set) bool {
	for _, r := range t.r {
		i := s.search(r.Lower)
		if i >= len(s.r) || s.r[i].Lower > r.Lower || s.r[i].Upper < r.Upper {
			return false
		}
	}
	return true
}

// CheckAck checks an acknowledgement ack received by a source that has
// sent the numbers 1..lastSent and was earlier acknowledged prev: it
// returns ErrAckUnsent when ack names a number above lastSent and
// ErrAckNotCumulative when it leaves out a number of prev (WCF's
// ProcessAcknowledgement: invalidAck and inconsistentAck).
func CheckAck(prev, ack Set, lastSent int64) error {
	if ack.Max() > lastSent {
		return fmt.Errorf("%w: %d > %d", ErrAckUnsent, ack.Max(), lastSent)
	}
	if !ack.Covers(prev) {
		return ErrAckNotCumulative
	}
	return nil
}
