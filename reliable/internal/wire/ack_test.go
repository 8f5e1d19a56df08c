package wire

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func intp(i int) *int { return &i }

func TestAckRoundTrip(t *testing.T) {
	for _, v := range []Version{V200502, V11} {
		for _, a := range []*SequenceAcknowledgement{
			{Version: v, Identifier: "uuid:1", Ranges: []Range{{1, 3}, {5, 5}, {7, MaxMessageNumber}}, Final: true, BufferRemaining: intp(8)},
			{Version: v, Identifier: "uuid:1"},
			{Version: v, Identifier: "uuid:1", Nacks: []uint64{2, 4}},
			{Version: v, Identifier: "uuid:1", Ranges: []Range{{1, 1}}, BufferRemaining: intp(0), Extensions: nil},
		} {
			got := roundTrip(t, a, codecs["SequenceAcknowledgement"]).(*SequenceAcknowledgement)
			if fmt.Sprint(got.Ranges) != fmt.Sprint(a.Ranges) || fmt.Sprint(got.Nacks) != fmt.Sprint(a.Nacks) ||
				got.Final != (a.Final && v == V11) || (got.BufferRemaining == nil) != (a.BufferRemaining == nil) {
				t.Errorf("%s: %+v, want %+v", v, got, a)
			}
		}
	}
	// The empty forms as WCF writes them.
	b := serialize(t, (&SequenceAcknowledgement{Version: V200502, Identifier: "u:1"}).Build())
	if !strings.Contains(string(b), `Upper="0" Lower="0"`) {
		t.Errorf("1.0 empty ack: %s", b)
	}
	b = serialize(t, (&SequenceAcknowledgement{Version: V11, Identifier: "u:1"}).Build())
	if !strings.Contains(string(b), `<r:None/>`) {
		t.Errorf("1.1 empty ack: %s", b)
	}
	// Apache CXF 4.2 writes None after the ranges: the ranges count.
	got, err := ParseSequenceAcknowledgement(reparse(t, csDoc("SequenceAcknowledgement",
		`<r:Identifier>u:1</r:Identifier><r:AcknowledgementRange Lower="1" Upper="3"/><r:None/>`), nil))
	if err != nil || fmt.Sprint(got.Ranges) != "[{1 3}]" {
		t.Errorf("CXF's ranges then None: %v %v", got, err)
	}
	// Ranges are returned sorted.
	got, err = ParseSequenceAcknowledgement(reparse(t, csDoc("SequenceAcknowledgement",
		`<r:Identifier>u:1</r:Identifier><r:AcknowledgementRange Upper="9" Lower="7"/><r:AcknowledgementRange Lower="1" Upper="2"/>`), nil))
	if err != nil || fmt.Sprint(got.Ranges) != "[{1 2} {7 9}]" {
		t.Errorf("%v %v", got, err)
	}
}

func TestAckRefusals(t *testing.T) {
	id := `<r:Identifier>u:1</r:Identifier>`
	rng := func(lo, up string) string { return `<r:AcknowledgementRange Lower="` + lo + `" Upper="` + up + `"/>` }
	many := id + strings.Repeat(rng("1", "1"), MaxRanges+1)
	for _, tc := range []struct {
		name  string
		v     Version
		inner string
		class error
		check error
	}{
		{"no identifier", V11, rng("1", "2"), ErrMalformed, ErrMissingChild},
		{"no ranges", V11, id, ErrMalformed, ErrMissingChild},
		{"lower > upper", V11, id + rng("3", "2"), ErrInvalidAcknowledgement, ErrRangeBounds},
		{"lower zero", V11, id + rng("0", "2"), ErrInvalidAcknowledgement, ErrRangeBounds},
		{"overlap", V11, id + rng("1", "5") + rng("5", "6"), ErrInvalidAcknowledgement, ErrRangeOverlap},
		{"contained", V11, id + rng("1", "9") + rng("3", "4"), ErrInvalidAcknowledgement, ErrRangeOverlap},
		{"0-0 in 1.1", V11, id + rng("0", "0"), ErrInvalidAcknowledgement, ErrEmptyAckForm},
		{"0-0 with others", V200502, id + rng("0", "0") + rng("1", "2"), ErrInvalidAcknowledgement, ErrEmptyAckForm},
		{"upper 2^63", V11, id + rng("1", "9223372036854775808"), ErrInvalidAcknowledgement, ErrRangeBounds},
		{"upper text", V11, id + rng("1", "x"), ErrInvalidAcknowledgement, ErrRangeBounds},
		{"missing Upper", V11, id + `<r:AcknowledgementRange Lower="1"/>`, ErrMalformed, ErrMissingChild},
		{"too many", V11, many, ErrInvalidAcknowledgement, ErrTooMany},
		{"None and range", V11, id + `<r:None/>` + rng("1", "1"), ErrMalformed, ErrAckChoice},
		{"range None range", V11, id + rng("1", "1") + `<r:None/>` + rng("3", "3"), ErrMalformed, ErrAckChoice},
		{"range and nack", V11, id + rng("1", "1") + `<r:Nack>3</r:Nack>`, ErrMalformed, ErrAckChoice},
		{"nack then range", V11, id + `<r:Nack>3</r:Nack>` + rng("1", "1"), ErrMalformed, ErrAckChoice},
		{"nack zero", V11, id + `<r:Nack>0</r:Nack>`, ErrMalformed, ErrNumber},
		{"nack repeated", V11, id + `<r:Nack>3</r:Nack><r:Nack>3</r:Nack>`, ErrInvalidAcknowledgement, ErrNackDuplicate},
		{"final with nack", V11, id + `<r:Nack>3</r:Nack><r:Final/>`, ErrMalformed, ErrChildOrder},
		{"final before range", V11, id + `<r:Final/>` + rng("1", "1"), ErrMalformed, ErrChildOrder},
		{"final in 1.0", V200502, id + rng("1", "1") + `<r:Final/>`, ErrMalformed, ErrUnknownChild},
		{"None in 1.0", V200502, id + `<r:None/>`, ErrMalformed, ErrUnknownChild},
		{"range attribute", V11, id + `<r:AcknowledgementRange Lower="1" Upper="1" Foo="2"/>`, ErrMalformed, ErrUnknownAttr},
		{"range content", V11, id + `<r:AcknowledgementRange Lower="1" Upper="1">x</r:AcknowledgementRange>`, ErrMalformed, ErrUnexpectedText},
		{"buffer negative", V11, id + rng("1", "1") + `<n:BufferRemaining xmlns:n="` + NSNetRM + `">-1</n:BufferRemaining>`, ErrMalformed, ErrNumber},
		{"buffer huge", V11, id + rng("1", "1") + `<n:BufferRemaining xmlns:n="` + NSNetRM + `">2147483648</n:BufferRemaining>`, ErrMalformed, ErrNumber},
		{"buffer twice", V11, id + rng("1", "1") + strings.Repeat(`<n:BufferRemaining xmlns:n="`+NSNetRM+`">1</n:BufferRemaining>`, 2), ErrMalformed, ErrRepeatedChild},
		{"too many extensions", V11, id + rng("1", "1") + strings.Repeat(`<x:E xmlns:x="urn:x"/>`, MaxExtensions+1), ErrMalformed, ErrTooMany},
	} {
		ns := map[Version]string{V200502: NSRM200502, V11: NSRM11}[tc.v]
		doc := []byte(`<r:SequenceAcknowledgement xmlns:r="` + ns + `">` + tc.inner + `</r:SequenceAcknowledgement>`)
		_, err := ParseSequenceAcknowledgement(reparse(t, doc, nil))
		if !errors.Is(err, tc.class) || !errors.Is(err, tc.check) {
			t.Errorf("%s: %v, want %v/%v", tc.name, err, tc.class, tc.check)
		}
	}
}
