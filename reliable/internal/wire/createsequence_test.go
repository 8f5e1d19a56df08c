package wire

import (
	"errors"
	"testing"
	"time"

	"github.com/beevik/etree"
	"github.com/soapstack/soapstack/soap"
)

func dur(d time.Duration) *time.Duration { return &d }

func TestCreateSequenceRoundTrip(t *testing.T) {
	str := etree.NewElement("o:SecurityTokenReference")
	str.CreateAttr("xmlns:o", NSWSSE)
	ref := str.CreateElement("o:Reference")
	ref.CreateAttr("URI", "urn:uuid:5badd5fa-c065-444d-abed-06dda195386d")
	rp := etree.NewElement("p:Key")
	rp.CreateAttr("xmlns:p", "urn:p")
	rp.SetText("k")
	for _, v := range []Version{V200502, V11} {
		cs := &CreateSequence{
			Version: v,
			AcksTo:  EndpointReference{Addressing: soap.WSA10, Address: "http://client/acks", ReferenceParameters: []*etree.Element{rp}},
			Expires: dur(time.Hour),
			Offer: &Offer{Identifier: "urn:uuid:0afb8d36-bf26-4776-b8cf-8c91fddb5496", Expires: dur(90 * time.Second),
				Endpoint: &EndpointReference{Address: soap.AnonymousWSA10}, IncompleteSequenceBehavior: DiscardFollowingFirstGap,
				Extensions: []*etree.Element{ext()}},
			SecurityTokenReference: str,
			Extensions:             []*etree.Element{ext()},
		}
		got := roundTrip(t, cs, codecs["CreateSequence"]).(*CreateSequence)
		if got.Version != v || got.AcksTo.Address != "http://client/acks" || len(got.AcksTo.ReferenceParameters) != 1 ||
			*got.Expires != time.Hour || got.Offer.Identifier != cs.Offer.Identifier || *got.Offer.Expires != 90*time.Second ||
			got.SecurityTokenReference == nil || len(got.Extensions) != 1 || len(got.Offer.Extensions) != 1 {
			t.Errorf("%s: %+v", v, got)
		}
		if v == V11 && (got.Offer.Endpoint == nil || got.Offer.IncompleteSequenceBehavior != DiscardFollowingFirstGap) {
			t.Errorf("1.1 offer: %+v", got.Offer)
		}
		if v == V200502 && (got.Offer.Endpoint != nil || got.Offer.IncompleteSequenceBehavior != 0) {
			t.Errorf("1.0 offer carries 1.1 fields: %+v", got.Offer)
		}
	}
	// RM 1.0 with WS-Addressing 2004/08.
	cs := &CreateSequence{Version: V200502, AcksTo: EndpointReference{Addressing: soap.WSA200408, Address: soap.AnonymousWSA200408}}
	if got := roundTrip(t, cs, codecs["CreateSequence"]).(*CreateSequence); got.AcksTo.Addressing != soap.WSA200408 {
		t.Errorf("addressing %v", got.AcksTo.Addressing)
	}
}

func TestCreateSequenceResponseRoundTrip(t *testing.T) {
	for _, v := range []Version{V200502, V11} {
		r := &CreateSequenceResponse{Version: v, Identifier: "urn:uuid:2b7b79bb-6c8e-476b-a5a7-a41cd200000000",
			Expires: dur(0), IncompleteSequenceBehavior: NoDiscard, Accept: &EndpointReference{Address: "http://svc/"}}
		got := roundTrip(t, r, codecs["CreateSequenceResponse"]).(*CreateSequenceResponse)
		if got.Identifier != r.Identifier || got.Accept.Address != "http://svc/" || *got.Expires != 0 {
			t.Errorf("%s: %+v", v, got)
		}
		if (v == V11) != (got.IncompleteSequenceBehavior == NoDiscard) {
			t.Errorf("%s: behavior %v", v, got.IncompleteSequenceBehavior)
		}
	}
}

// csDoc wraps CreateSequence children in an RM 1.1 element declaring the
// prefixes r (RM 1.1), r0 (RM 1.0), a (WS-A 1.0), b (WS-A 2004/08).
func csDoc(local, inner string) []byte {
	return []byte(`<r:` + local + ` xmlns:r="` + NSRM11 + `" xmlns:r0="` + NSRM200502 + `" xmlns:a="` + NSWSA10 +
		`" xmlns:b="` + NSWSA200408 + `">` + inner + `</r:` + local + `>`)
}

func TestCreateSequenceRefusals(t *testing.T) {
	acks := `<r:AcksTo><a:Address>http://a</a:Address></r:AcksTo>`
	offer := func(in string) string { return `<r:Offer>` + in + `</r:Offer>` }
	ep := `<r:Endpoint><a:Address>http://a</a:Address></r:Endpoint>`
	for _, tc := range []struct {
		name, inner string
		check       error
	}{
		{"no AcksTo", ``, ErrMissingChild},
		{"two AcksTo", acks + acks, ErrRepeatedChild},
		{"order", `<r:Expires>PT1S</r:Expires>` + acks, ErrChildOrder},
		{"unknown rm child", acks + `<r:Bogus/>`, ErrUnknownChild},
		{"unqualified child", acks + `<Bogus/>`, ErrUnknownChild},
		{"rm 1.0 child", acks + `<r0:Offer/>`, ErrVersionMismatch},
		{"text", acks + `junk`, ErrUnexpectedText},
		{"unknown attribute", acks + `<r:Expires foo="1">PT1S</r:Expires>`, ErrUnknownAttr},
		{"bad duration", acks + `<r:Expires>1 hour</r:Expires>`, ErrDuration},
		{"months", acks + `<r:Expires>P1M</r:Expires>`, ErrDuration},
		{"1.1 AcksTo with 2004/08", `<r:AcksTo><b:Address>http://a</b:Address></r:AcksTo>`, ErrVersionMismatch},
		{"AcksTo without Address", `<r:AcksTo><a:ReferenceParameters/></r:AcksTo>`, ErrMissingChild},
		{"AcksTo empty address", `<r:AcksTo><a:Address> </a:Address></r:AcksTo>`, ErrIdentifier},
		{"offer without Endpoint (1.1)", acks + offer(`<r:Identifier>uuid:1</r:Identifier>`), ErrMissingChild},
		{"offer without Identifier", acks + offer(ep), ErrMissingChild},
		{"offer id with space", acks + offer(`<r:Identifier>uuid:1 2</r:Identifier>`+ep), ErrIdentifier},
		{"offer bad behavior", acks + offer(`<r:Identifier>uuid:1</r:Identifier>`+ep+`<r:IncompleteSequenceBehavior>Keep</r:IncompleteSequenceBehavior>`), ErrBehavior},
		{"two STR", acks + `<o:SecurityTokenReference xmlns:o="` + NSWSSE + `"/><o:SecurityTokenReference xmlns:o="` + NSWSSE + `"/>`, ErrRepeatedChild},
	} {
		_, err := ParseCreateSequence(reparse(t, csDoc("CreateSequence", tc.inner), nil))
		if !errors.Is(err, tc.check) || !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.check)
		}
	}
	if _, err := ParseCreateSequence(reparse(t, csDoc("CreateSequenceResponse", acks), nil)); !errors.Is(err, ErrWrongElement) {
		t.Errorf("wrong element: %v", err)
	}
	for _, tc := range []struct {
		name, inner string
		check       error
	}{
		{"no Identifier", `<r:Accept>` + acks + `</r:Accept>`, ErrMissingChild},
		{"Accept without AcksTo", `<r:Identifier>uuid:1</r:Identifier><r:Accept/>`, ErrMissingChild},
		{"long identifier", `<r:Identifier>uuid:` + string(make([]byte, 0)) + longID + `</r:Identifier>`, ErrIdentifier},
		{"order", `<r:Accept>` + acks + `</r:Accept><r:Identifier>uuid:1</r:Identifier>`, ErrChildOrder},
	} {
		_, err := ParseCreateSequenceResponse(reparse(t, csDoc("CreateSequenceResponse", tc.inner), nil))
		if !errors.Is(err, tc.check) {
			t.Errorf("response %s: %v, want %v", tc.name, err, tc.check)
		}
	}
}

var longID = func() string {
	b := make([]byte, MaxIdentifierLen)
	for i := range b {
		b[i] = 'a'
	}
	return string(b)
}()

func TestDuration(t *testing.T) {
	for in, want := range map[string]time.Duration{
		"PT0S": 0, "PT1H": time.Hour, "P1DT2M": 24*time.Hour + 2*time.Minute, "PT0.5S": 500 * time.Millisecond, "P0Y0M1D": 24 * time.Hour,
	} {
		got, err := parseDuration("x", in)
		if err != nil || got != want {
			t.Errorf("%s: %v %v", in, got, err)
		}
	}
	for _, in := range []string{"", "P", "PT", "-PT1S", "P1Y", "PT1S1M", "PT1.5M", "P1.5D", "PTS", "P99999999999D"} {
		if _, err := parseDuration("x", in); !errors.Is(err, ErrDuration) {
			t.Errorf("%q accepted", in)
		}
	}
}
