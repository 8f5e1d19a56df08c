package wire

import (
	"math"
	"sort"

	"github.com/beevik/etree"
	"github.com/soapstack/soapstack/internal/xmlutil"
)

// Range is one AcknowledgementRange: Lower..Upper inclusive.
type Range struct {
	Lower, Upper uint64
}

// SequenceAcknowledgement is the wsrm:SequenceAcknowledgement header.
//
// No ranges and no Nacks is the acknowledgement of nothing received: WS-RM
// 1.1's None element, WS-RM 1.0's empty form (one range Upper="0"
// Lower="0", WCF's WsrmAcknowledgmentHeader.WriteAckRanges); both parse to
// Ranges == nil.
type SequenceAcknowledgement struct {
	Version    Version
	Identifier string
	// Ranges are sorted by Lower, non-overlapping, 1 <= Lower <= Upper.
	Ranges []Range
	// Nacks are the negative acknowledgements (exclusive with Ranges).
	Nacks []uint64
	// Final is WS-RM 1.1's Final marker.
	Final bool
	// BufferRemaining is WCF's netrm:BufferRemaining, nil when absent.
	BufferRemaining *int
	Extensions      []*etree.Element
}

// ParseSequenceAcknowledgement reads a SequenceAcknowledgement header of
// either version. Range errors wrap ErrInvalidAcknowledgement.
func ParseSequenceAcknowledgement(el *etree.Element) (*SequenceAcknowledgement, error) {
	v, err := versionOfRoot(el, elSequenceAcknowledgement)
	if err != nil {
		return nil, err
	}
	return parseAck(v, el)
}

func invalidAck(check error, format string, args ...any) error {
	e := malformed(elSequenceAcknowledgement, check, format, args...).(*Error)
	e.Class = ErrInvalidAcknowledgement
	return e
}

func parseAck(v Version, el *etree.Element) (*SequenceAcknowledgement, error) {
	if err := attrs(el); err != nil {
		return nil, err
	}
	kids, err := children(el)
	if err != nil {
		return nil, err
	}
	a := &SequenceAcknowledgement{Version: v}
	s := newSchema(elSequenceAcknowledgement, v.Namespace())
	var ranges []Range
	rangesAtNone := 0 // the ranges read when None was
	none := false
	for _, c := range kids {
		n := xmlutil.ElementName(c)
		if n.Space == NSNetRM && n.Local == elBufferRemaining {
			if a.BufferRemaining != nil {
				return nil, malformed(s.where, ErrRepeatedChild, "BufferRemaining")
			}
			if err := attrs(c); err != nil {
				return nil, err
			}
			t, err := text(c)
			if err != nil {
				return nil, err
			}
			b, err := parseUnsigned(elBufferRemaining, t)
			if err != nil || b > math.MaxInt32 {
				return nil, malformed(elBufferRemaining, ErrNumber, "not an int >= 0")
			}
			br := int(b)
			a.BufferRemaining = &br
			continue
		}
		if n.Space != s.ns {
			if err := s.other(c); err != nil {
				return nil, err
			}
			continue
		}
		switch {
		case n.Local == elIdentifier:
			if a.Identifier, err = take(s, c, 1, identifierText); err != nil {
				return nil, err
			}
		case n.Local == elAckRange:
			if err := s.check(c, 2, true); err != nil {
				return nil, err
			}
			if len(ranges) == MaxRanges {
				return nil, invalidAck(ErrTooMany, "more than %d ranges", MaxRanges)
			}
			r, err := parseRange(c)
			if err != nil {
				return nil, err
			}
			ranges = append(ranges, r)
		case n.Local == elNone && v == V11:
			if err := s.check(c, 2, false); err != nil {
				return nil, err
			}
			if err := attrs(c); err != nil {
				return nil, err
			}
			if err := empty(c); err != nil {
				return nil, err
			}
			none = true
			rangesAtNone = len(ranges)
		case n.Local == elNack:
			if err := s.check(c, 2, true); err != nil {
				return nil, err
			}
			if len(a.Nacks) == MaxRanges {
				return nil, invalidAck(ErrTooMany, "more than %d nacks", MaxRanges)
			}
			nk, err := number(c)
			if err != nil {
				return nil, err
			}
			a.Nacks = append(a.Nacks, nk)
		case n.Local == elFinal && v == V11:
			if err := s.check(c, 3, false); err != nil {
				return nil, err
			}
			if err := attrs(c); err != nil {
				return nil, err
			}
			if err := empty(c); err != nil {
				return nil, err
			}
			a.Final = true
		default:
			return nil, s.other(c)
		}
	}
	if err := s.require(elIdentifier); err != nil {
		return nil, err
	}
	// Exactly one of AcknowledgementRange+, None, Nack+ (schema choice),
	// with one tolerance: Apache CXF 4.2 writes <None/> after the ranges
	// of a WS-RM 1.1 acknowledgement that has ranges. The ranges say what
	// was received, and None ("nothing received") cannot be meant then, so
	// a None after the last range is ignored; None before a range or with
	// Nacks stays refused.
	if none && len(ranges) > 0 && rangesAtNone == len(ranges) && len(a.Nacks) == 0 {
		none = false
	}
	forms := 0
	for _, b := range []bool{len(ranges) > 0, none, len(a.Nacks) > 0} {
		if b {
			forms++
		}
	}
	switch {
	case forms == 0:
		return nil, malformed(s.where, ErrMissingChild, "AcknowledgementRange, None or Nack")
	case forms > 1:
		return nil, malformed(s.where, ErrAckChoice, "")
	case len(a.Nacks) > 0 && a.Final:
		return nil, malformed(s.where, ErrChildOrder, "Final with Nack")
	}
	if len(a.Nacks) > 0 {
		seen := make(map[uint64]bool, len(a.Nacks))
		for _, nk := range a.Nacks {
			if seen[nk] {
				return nil, invalidAck(ErrNackDuplicate, "repeated Nack")
			}
			seen[nk] = true
		}
	}
	if a.Ranges, err = checkRanges(v, ranges); err != nil {
		return nil, err
	}
	a.Extensions = s.ext
	return a, nil
}

func parseRange(el *etree.Element) (Range, error) {
	if err := attrs(el, attrUpper, attrLower); err != nil {
		return Range{}, err
	}
	if err := empty(el); err != nil {
		return Range{}, err
	}
	var r Range
	for _, f := range []struct {
		name string
		dst  *uint64
	}{{attrLower, &r.Lower}, {attrUpper, &r.Upper}} {
		a := xmlutil.AttrNS(el, "", f.name)
		if a == nil {
			return Range{}, malformed(elAckRange, ErrMissingChild, "attribute %s", f.name)
		}
		n, err := parseUnsigned(elAckRange, trim(a.Value))
		if err != nil {
			return Range{}, invalidAck(ErrRangeBounds, "%s not an unsignedLong up to the maximum message number", f.name)
		}
		*f.dst = n
	}
	return r, nil
}

// checkRanges validates ranges and returns them sorted: Lower <= Upper,
// Lower >= 1, no overlap; the single range 0-0 is WS-RM 1.0's empty
// acknowledgement and returns nil.
func checkRanges(v Version, ranges []Range) ([]Range, error) {
	if len(ranges) == 0 {
		return nil, nil
	}
	for _, r := range ranges {
		if r.Lower == 0 && r.Upper == 0 {
			if v != V200502 || len(ranges) != 1 {
				return nil, invalidAck(ErrEmptyAckForm, "range 0-0")
			}
			return nil, nil
		}
		if r.Lower == 0 || r.Lower > r.Upper {
			return nil, invalidAck(ErrRangeBounds, "Lower %d Upper %d", r.Lower, r.Upper)
		}
	}
	out := append([]Range(nil), ranges...)
	sort.Slice(out, func(i, j int) bool { return out[i].Lower < out[j].Lower })
	for i := 1; i < len(out); i++ {
		if out[i].Lower <= out[i-1].Upper {
			return nil, invalidAck(ErrRangeOverlap, "ranges overlap")
		}
	}
	return out, nil
}

// Build returns the header as WCF writes it: Identifier, the ranges (Lower
// before Upper) or, with none, 1.0's 0-0 range or 1.1's None, or the Nacks,
// Final (1.1), netrm:BufferRemaining, the extensions.
func (a *SequenceAcknowledgement) Build() *etree.Element {
	el := rmElement(a.Version, elSequenceAcknowledgement)
	buildAckContent(el, a)
	return el
}

func buildAckContent(el *etree.Element, a *SequenceAcknowledgement) {
	rmChild(el, elIdentifier).SetText(a.Identifier)
	switch {
	case len(a.Nacks) > 0:
		for _, n := range a.Nacks {
			rmChild(el, elNack).SetText(formatUint(n))
		}
	case len(a.Ranges) > 0:
		for _, r := range a.Ranges {
			re := rmChild(el, elAckRange)
			re.CreateAttr(attrLower, formatUint(r.Lower))
			re.CreateAttr(attrUpper, formatUint(r.Upper))
		}
	case a.Version == V11:
		rmChild(el, elNone)
	default:
		re := rmChild(el, elAckRange)
		re.CreateAttr(attrUpper, "0")
		re.CreateAttr(attrLower, "0")
	}
	if a.Final && a.Version == V11 && len(a.Nacks) == 0 {
		rmChild(el, elFinal)
	}
	if a.BufferRemaining != nil {
		b := el.CreateElement(prefixNetRM + ":" + elBufferRemaining)
		b.CreateAttr("xmlns:"+prefixNetRM, NSNetRM)
		b.SetText(formatUint(uint64(max(*a.BufferRemaining, 0))))
	}
	addExtensions(el, a.Extensions)
}
