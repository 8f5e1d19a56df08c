package wire

import (
	"errors"
	"fmt"
	"testing"
)

func TestSequenceRoundTrip(t *testing.T) {
	for _, v := range []Version{V200502, V11} {
		s := &Sequence{Version: v, Identifier: "uuid:15297d5a-79f2-4265-94e5-7765c7fab643", MessageNumber: MaxMessageNumber, LastMessage: true}
		got := roundTrip(t, s, codecs["Sequence"]).(*Sequence)
		if got.Identifier != s.Identifier || got.MessageNumber != MaxMessageNumber || got.LastMessage != (v == V200502) {
			t.Errorf("%s: %+v", v, got)
		}
	}
}

func TestSequenceRefusals(t *testing.T) {
	id := `<r:Identifier>uuid:1</r:Identifier>`
	for _, tc := range []struct {
		name, inner  string
		class, check error
	}{
		{"no number", id, ErrMalformed, ErrMissingChild},
		{"no identifier", `<r:MessageNumber>1</r:MessageNumber>`, ErrMalformed, ErrMissingChild},
		{"zero", id + `<r:MessageNumber>0</r:MessageNumber>`, ErrMalformed, ErrNumber},
		{"negative", id + `<r:MessageNumber>-1</r:MessageNumber>`, ErrMalformed, ErrNumber},
		{"hex", id + `<r:MessageNumber>0x10</r:MessageNumber>`, ErrMalformed, ErrNumber},
		{"2^63", id + `<r:MessageNumber>9223372036854775808</r:MessageNumber>`, ErrMessageNumberRollover, ErrNumber},
		{"2^64", id + `<r:MessageNumber>18446744073709551616</r:MessageNumber>`, ErrMessageNumberRollover, ErrNumber},
		{"repeated", id + id + `<r:MessageNumber>1</r:MessageNumber>`, ErrMalformed, ErrRepeatedChild},
		{"order", `<r:MessageNumber>1</r:MessageNumber>` + id, ErrMalformed, ErrChildOrder},
		{"LastMessage in 1.1", id + `<r:MessageNumber>1</r:MessageNumber><r:LastMessage/>`, ErrMalformed, ErrUnknownChild},
		{"identifier child element", `<r:Identifier><x/></r:Identifier><r:MessageNumber>1</r:MessageNumber>`, ErrMalformed, ErrUnknownChild},
		{"identifier control char", `<r:Identifier>uuid:&#x7f;</r:Identifier><r:MessageNumber>1</r:MessageNumber>`, ErrMalformed, ErrIdentifier},
	} {
		_, err := ParseSequence(reparse(t, csDoc("Sequence", tc.inner), nil))
		if !errors.Is(err, tc.class) || !errors.Is(err, tc.check) {
			t.Errorf("%s: %v, want %v/%v", tc.name, err, tc.class, tc.check)
		}
	}
	// 1.0's LastMessage must be empty.
	b := []byte(fmt.Sprintf(`<r:Sequence xmlns:r="%s"><r:Identifier>u:1</r:Identifier><r:MessageNumber>1</r:MessageNumber><r:LastMessage>x</r:LastMessage></r:Sequence>`, NSRM200502))
	if _, err := ParseSequence(reparse(t, b, nil)); !errors.Is(err, ErrUnexpectedText) {
		t.Errorf("LastMessage with text: %v", err)
	}
}

// TestIdentifiersOpaque accepts the identifier forms peers send.
func TestIdentifiersOpaque(t *testing.T) {
	for _, id := range []string{"urn:uuid:2b7b79bb-6c8e-476b-a5a7-a41cd200000000", "uuid:d8ebe17f-6ad1-4170-8c77-9cdfa5ff0748", "http://fabrikam123.com/abc", longID} {
		s := &Sequence{Version: V11, Identifier: id, MessageNumber: 1}
		if got := roundTrip(t, s, codecs["Sequence"]).(*Sequence); got.Identifier != id {
			t.Errorf("%q", got.Identifier)
		}
	}
	if _, err := identifier("x", longID+"a"); !errors.Is(err, ErrIdentifier) {
		t.Error("overlong identifier accepted")
	}
}

func TestAckRequestedRoundTrip(t *testing.T) {
	for _, v := range []Version{V200502, V11} {
		a := &AckRequested{Version: v, Identifier: "uuid:1", MessageNumber: 7}
		got := roundTrip(t, a, codecs["AckRequested"]).(*AckRequested)
		if got.Identifier != "uuid:1" || (got.MessageNumber == 7) != (v == V200502) {
			t.Errorf("%s: %+v", v, got)
		}
	}
	for _, tc := range []struct {
		name, inner string
		check       error
	}{
		{"no identifier", ``, ErrMissingChild},
		{"MessageNumber in 1.1", `<r:Identifier>u:1</r:Identifier><r:MessageNumber>1</r:MessageNumber>`, ErrUnknownChild},
		{"unknown", `<r:Identifier>u:1</r:Identifier><r:Final/>`, ErrUnknownChild},
	} {
		if _, err := ParseAckRequested(reparse(t, csDoc("AckRequested", tc.inner), nil)); !errors.Is(err, tc.check) {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
}

func TestSequenceControlRoundTrip(t *testing.T) {
	for _, v := range []Version{V200502, V11} {
		for k := CloseSequence; k <= TerminateSequenceResponse; k++ {
			sc := &SequenceControl{Version: v, Kind: k, Identifier: "uuid:1", LastMsgNumber: 30}
			if !k.exists(v) {
				if sc.Build() != nil || sc.Action() != "" {
					t.Errorf("%s has no %s", v, k.local())
				}
				continue
			}
			got := roundTrip(t, sc, codecs["SequenceControl"]).(*SequenceControl)
			if got.Kind != k || got.Identifier != "uuid:1" || (got.LastMsgNumber == 30) != k.hasLast(v) {
				t.Errorf("%s %s: %+v", v, k.local(), got)
			}
			if sc.Action() != v.Namespace()+"/"+k.local() {
				t.Errorf("action %q", sc.Action())
			}
		}
	}
	for _, tc := range []struct {
		name, local, inner string
		check              error
	}{
		{"no identifier", "CloseSequence", `<r:LastMsgNumber>1</r:LastMsgNumber>`, ErrMissingChild},
		{"LastMsgNumber on a response", "CloseSequenceResponse", `<r:Identifier>u:1</r:Identifier><r:LastMsgNumber>1</r:LastMsgNumber>`, ErrUnknownChild},
		{"zero LastMsgNumber", "TerminateSequence", `<r:Identifier>u:1</r:Identifier><r:LastMsgNumber>0</r:LastMsgNumber>`, ErrNumber},
		{"not a control", "Sequence", `<r:Identifier>u:1</r:Identifier>`, ErrWrongElement},
	} {
		if _, err := ParseSequenceControl(reparse(t, csDoc(tc.local, tc.inner), nil)); !errors.Is(err, tc.check) {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
	b := []byte(`<r:CloseSequence xmlns:r="` + NSRM200502 + `"><r:Identifier>u:1</r:Identifier></r:CloseSequence>`)
	if _, err := ParseSequenceControl(reparse(t, b, nil)); !errors.Is(err, ErrWrongElement) {
		t.Errorf("CloseSequence in 1.0: %v", err)
	}
}

func TestUsesSequence(t *testing.T) {
	for _, u := range []UsesSequence{UsesSequenceSTR, UsesSequenceSSL} {
		if got := roundTrip(t, u, codecs["UsesSequence"]).(UsesSequence); got != u {
			t.Errorf("%v", got)
		}
	}
	for _, tc := range []struct {
		doc   string
		check error
	}{
		{`<r:UsesSequenceSTR xmlns:r="` + NSRM11 + `">x</r:UsesSequenceSTR>`, ErrUnexpectedText},
		{`<r:UsesSequenceSTR xmlns:r="` + NSRM11 + `"><r:X/></r:UsesSequenceSTR>`, ErrUnknownChild},
		{`<r:UsesSequenceSTR xmlns:r="` + NSRM200502 + `"/>`, ErrWrongElement},
		{`<r:UsesSequenceSTR xmlns:r="` + NSRM11 + `" a="1"/>`, ErrUnknownAttr},
	} {
		if _, err := ParseUsesSequence(reparse(t, []byte(tc.doc), nil)); !errors.Is(err, tc.check) {
			t.Errorf("%s: %v", tc.doc, err)
		}
	}
}
