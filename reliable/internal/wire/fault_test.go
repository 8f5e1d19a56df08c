package wire

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/beevik/etree"
	"github.com/soapstack/soapstack/internal/xmlutil"
	"github.com/soapstack/soapstack/soap"
)

// TestWCFFaultVectors reads the dotnet/docs CreateSequenceRefused faults
// (41: RM 1.0, 52: RM 1.1), whose prefixes are declared here on the
// Envelope, as the connection-limit refusal.
func TestWCFFaultVectors(t *testing.T) {
	for _, tc := range []struct {
		glob   string
		v      Version
		reason string
	}{
		{"41_*.xml", V200502, "[Reason]"},
		{"52_*.xml", V11, "Server 'http://BusinessABC.com/serviceA' is too busy to process this request. Try again later."},
	} {
		files, _ := filepath.Glob(filepath.Join("testdata", "wcf", tc.glob))
		if len(files) != 1 {
			t.Fatalf("%s: %d files", tc.glob, len(files))
		}
		b, err := os.ReadFile(files[0])
		if err != nil {
			t.Fatal(err)
		}
		decl := `<s:Envelope xmlns:s="` + soap.NS12 + `" xmlns:wsa="` + NSWSA10 + `" xmlns:wsrm="` + tc.v.Namespace() + `" xmlns:netrm="` + NSNetRM + `">`
		b = bytes.Replace(b, []byte("<s:Envelope>"), []byte(decl), 1)
		m, err := soap.ParseMessage(b, xmlutil.DefaultLimits())
		if err != nil {
			t.Fatalf("%s: %v", tc.glob, err)
		}
		sf, err := m.Fault()
		if err != nil {
			t.Fatalf("%s: %v", tc.glob, err)
		}
		f, err := ParseFault(tc.v, sf, nil)
		if err != nil {
			t.Fatalf("%s: %v", tc.glob, err)
		}
		if f.Kind != CreateSequenceRefused || !f.ConnectionLimit || !f.Receiver || strings.TrimSpace(f.Reason) != tc.reason {
			t.Errorf("%s: got %+v", tc.glob, f)
		}
	}
}

// TestFaultRoundTrip builds every fault of both versions as WCF does and
// reads it back, through a serialized SOAP 1.2 message and, for header
// faults, through the SOAP 1.1 SequenceFault header.
func TestFaultRoundTrip(t *testing.T) {
	for _, v := range []Version{V200502, V11} {
		var faults []*Fault
		for k := UnknownSequence; k <= WSRMRequired; k++ {
			if !k.exists(v) {
				continue
			}
			faults = append(faults, NewFault(v, k, "urn:uuid:9d1a83a41cd200000000"))
		}
		faults = append(faults,
			InvalidAcknowledgementFault(&SequenceAcknowledgement{Version: v, Identifier: "uuid:x", Ranges: []Range{{1, 3}, {5, 9}}}),
			ConnectionLimitFault(v, "http://host/svc"),
			CreateSequenceRefusedFault(v, "no offer"))
		for _, f := range faults {
			sf := f.SOAP()
			m := soap.NewMessage(soap.V12)
			m.SetPayload(nil)
			fm, err := soap.NewFaultMessage(soap.V12, sf, m, nil)
			if err != nil {
				t.Fatal(err)
			}
			b, err := fm.Bytes()
			if err != nil {
				t.Fatal(err)
			}
			back, err := soap.ParseMessage(b, xmlutil.DefaultLimits())
			if err != nil {
				t.Fatal(err)
			}
			bsf, err := back.Fault()
			if err != nil {
				t.Fatal(err)
			}
			got, err := ParseFault(v, bsf, nil)
			if err != nil {
				t.Fatalf("%s %s: %v\n%s", v, f.Kind, err, b)
			}
			if got.Reason != f.Reason || got.Kind != f.Kind || got.Identifier != f.Identifier ||
				got.ConnectionLimit != f.ConnectionLimit || got.Receiver != f.Receiver || got.MaxMessageNumber != f.MaxMessageNumber {
				t.Errorf("%s %s: got %+v, want %+v", v, f.Kind, got, f)
			}
			if f.Ack != nil && !reflect.DeepEqual(got.Ack.Ranges, f.Ack.Ranges) {
				t.Errorf("%s: ack detail %v, want %v", v, got.Ack.Ranges, f.Ack.Ranges)
			}
			if v == V11 && sf.Action != NSRM11+"/fault" {
				t.Errorf("1.1 fault action %q", sf.Action)
			}
			if h := f.SequenceFaultHeader(); h != nil {
				doc := etree.NewDocument()
				doc.SetRoot(h)
				hb, _ := doc.WriteToBytes()
				toks, err := xmlutil.ParseFragment(hb, etree.NewElement("ctx"), xmlutil.DefaultLimits())
				if err != nil {
					t.Fatal(err)
				}
				s11 := &soap.Fault{Code: soap.CodeSender, Reasons: []soap.Reason{{Text: f.Reason}}}
				if f.Receiver {
					s11.Code = soap.CodeReceiver
				}
				got, err := ParseFault(v, s11, toks[0].(*etree.Element))
				if err != nil || got.Kind != f.Kind || got.Identifier != f.Identifier {
					t.Errorf("%s %s via SequenceFault: %+v %v\n%s", v, f.Kind, got, err, hb)
				}
			}
		}
	}
}

// TestWCFReasonTexts pins the reasons against WCF's SR strings.
func TestWCFReasonTexts(t *testing.T) {
	if r := NewFault(V200502, UnknownSequence, "x").Reason; r != "The value of wsrm:Identifier is not a known Sequence identifier." {
		t.Error(r)
	}
	want := "The request to create a reliable session has been refused by the RM Destination. Server 'http://h/s' is too busy to process this request. Try again later. The channel could not be opened."
	if r := ConnectionLimitFault(V11, "http://h/s").Reason; r != want {
		t.Errorf("%q", r)
	}
	sf := ConnectionLimitFault(V11, "u").SOAP()
	if sf.Code != soap.CodeReceiver || len(sf.Subcodes) != 2 || sf.Subcodes[1].Space != NSNetRM {
		t.Errorf("%+v", sf)
	}
}

func TestParseFaultRefusals(t *testing.T) {
	id := rmElement(V11, elIdentifier)
	id.SetText("uuid:1")
	for _, tc := range []struct {
		name  string
		v     Version
		sf    *soap.Fault
		check error
	}{
		{"not rm", V11, soap.SenderFault("x"), ErrNotAFault},
		{"other version", V200502, NewFault(V11, SequenceClosed, "uuid:1").SOAP(), ErrNotAFault},
		{"1.1-only in 1.0", V200502, func() *soap.Fault {
			f := NewFault(V11, SequenceClosed, "uuid:1").SOAP()
			f.Subcodes[0].Space = NSRM200502
			return f
		}(), ErrNotAFault},
		{"no detail", V11, func() *soap.Fault { f := NewFault(V11, UnknownSequence, "uuid:1").SOAP(); f.Detail = nil; return f }(), ErrMissingChild},
		{"bad ack detail", V11, func() *soap.Fault {
			f := NewFault(V11, InvalidAcknowledgement, "uuid:1").SOAP()
			f.Detail = []*etree.Element{id}
			return f
		}(), ErrMissingChild},
	} {
		_, err := ParseFault(tc.v, tc.sf, nil)
		if !errors.Is(err, tc.check) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.check)
		}
	}
}
