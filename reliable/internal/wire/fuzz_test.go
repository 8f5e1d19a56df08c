package wire

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/beevik/etree"
	"github.com/soapstack/soapstack/internal/xmlutil"
	"github.com/soapstack/soapstack/soap"
)

// fzContext declares the prefixes fuzz inputs may use undeclared.
func fzContext() *etree.Element {
	ctx := etree.NewElement("ctx")
	for _, d := range [][2]string{
		{"r", NSRM11}, {"r0", NSRM200502}, {"a", NSWSA10}, {"b", NSWSA200408}, {"netrm", NSNetRM}, {"o", NSWSSE}, {"s", soap.NS12},
	} {
		ctx.CreateAttr("xmlns:"+d[0], d[1])
	}
	return ctx
}

// fzElement parses data strictly inside the fuzz context and returns its
// first element.
func fzElement(data []byte) *etree.Element {
	if len(data) > 64<<10 {
		return nil
	}
	ctx := fzContext()
	toks, err := xmlutil.ParseFragment(data, ctx, xmlutil.Limits{MaxBytes: 128 << 10, MaxDepth: 32, MaxElements: 4000})
	if err != nil {
		return nil
	}
	var first *etree.Element
	for _, tok := range toks {
		ctx.AddChild(tok)
		if el, ok := tok.(*etree.Element); ok && first == nil {
			first = el
		}
	}
	return first
}

// fzSeeds adds the RM elements of the captures named local and built
// elements to the corpus.
func fzSeeds(f *testing.F, locals []string, built ...*etree.Element) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*", "*", "*", "*.xml"))
	more, _ := filepath.Glob(filepath.Join("testdata", "wcf", "*.xml"))
	files = append(files, more...)
	want := map[string]bool{}
	for _, l := range locals {
		want[l] = true
	}
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		if i := bytes.IndexByte(b, '<'); i >= 0 {
			b = b[i:]
		}
		if i := bytes.Index(b, []byte("?>")); i >= 0 && bytes.HasPrefix(b, []byte("<?xml")) {
			b = b[i+2:]
		}
		if i := bytes.Index(b, []byte("\n\nnull: HTTP/")); i >= 0 {
			b = b[:i]
		}
		ctx := fzContext()
		toks, err := xmlutil.ParseFragment(b, ctx, xmlutil.Limits{MaxBytes: 4 << 20, MaxDepth: 64, MaxElements: 100000})
		if err != nil {
			continue
		}
		var walk func(el *etree.Element)
		walk = func(el *etree.Element) {
			for _, c := range el.ChildElements() {
				n := xmlutil.ElementName(c)
				if _, ok := VersionOf(n.Space); ok && want[n.Local] {
					f.Add(serializeF(f, xmlutil.CopyWithScope(c)))
					continue
				}
				walk(c)
			}
		}
		for _, tok := range toks {
			if el, ok := tok.(*etree.Element); ok {
				ctx.AddChild(el)
			}
		}
		walk(ctx)
	}
	for _, el := range built {
		f.Add(serializeF(f, el))
	}
}

func serializeF(f *testing.F, el *etree.Element) []byte {
	doc := etree.NewDocument()
	doc.SetRoot(el)
	b, err := doc.WriteToBytes()
	if err != nil {
		f.Fatal(err)
	}
	return b
}

// fzRoundTrip checks parse -> build -> parse -> build gives the same
// bytes: the builder writes everything the parser kept, and the parser
// accepts everything the builder writes.
func fzRoundTrip(t *testing.T, data []byte, parse func(*etree.Element) (builder, error)) {
	el := fzElement(data)
	if el == nil {
		return
	}
	v, err := parse(el)
	if err != nil {
		return
	}
	b1 := serialize(t, v.Build())
	v2, err := parse(reparse(t, b1, nil))
	if err != nil {
		t.Fatalf("built element refused: %v\n%s", err, b1)
	}
	if b2 := serialize(t, v2.Build()); !bytes.Equal(b1, b2) {
		t.Fatalf("round trip differs:\n%s\n%s", b1, b2)
	}
}

func fuzzCodec(f *testing.F, name string, locals []string, built ...builder) {
	var els []*etree.Element
	for _, b := range built {
		if el := b.Build(); el != nil {
			els = append(els, el)
		}
	}
	fzSeeds(f, locals, els...)
	parse := codecs[name]
	f.Fuzz(func(t *testing.T, data []byte) { fzRoundTrip(t, data, parse) })
}

func FuzzCreateSequence(f *testing.F) {
	d := time.Minute
	fuzzCodec(f, "CreateSequence", []string{elCreateSequence},
		&CreateSequence{Version: V11, AcksTo: EndpointReference{Address: "http://a"}, Expires: &d,
			Offer: &Offer{Identifier: "u:1", Endpoint: &EndpointReference{Address: "http://b"}, IncompleteSequenceBehavior: NoDiscard}},
		&CreateSequence{Version: V200502, AcksTo: EndpointReference{Addressing: soap.WSA200408, Address: "http://a"}, Offer: &Offer{Identifier: "u:1"}})
}

func FuzzCreateSequenceResponse(f *testing.F) {
	fuzzCodec(f, "CreateSequenceResponse", []string{elCreateSequenceResponse},
		&CreateSequenceResponse{Version: V11, Identifier: "u:1", IncompleteSequenceBehavior: DiscardEntireSequence, Accept: &EndpointReference{Address: "http://a"}},
		&CreateSequenceResponse{Version: V200502, Identifier: "u:1"})
}

func FuzzSequence(f *testing.F) {
	fuzzCodec(f, "Sequence", []string{elSequence},
		&Sequence{Version: V200502, Identifier: "u:1", MessageNumber: 5, LastMessage: true},
		&Sequence{Version: V11, Identifier: "u:1", MessageNumber: MaxMessageNumber})
}

func FuzzSequenceAcknowledgement(f *testing.F) {
	fuzzCodec(f, "SequenceAcknowledgement", []string{elSequenceAcknowledgement},
		&SequenceAcknowledgement{Version: V11, Identifier: "u:1", Ranges: []Range{{1, 2}, {4, 9}}, Final: true, BufferRemaining: intp(3)},
		&SequenceAcknowledgement{Version: V11, Identifier: "u:1", Nacks: []uint64{3}},
		&SequenceAcknowledgement{Version: V200502, Identifier: "u:1"})
}

func FuzzAckRequested(f *testing.F) {
	fuzzCodec(f, "AckRequested", []string{elAckRequested},
		&AckRequested{Version: V200502, Identifier: "u:1", MessageNumber: 3}, &AckRequested{Version: V11, Identifier: "u:1"})
}

func FuzzSequenceControl(f *testing.F) {
	var built []builder
	for k := CloseSequence; k <= TerminateSequenceResponse; k++ {
		built = append(built, &SequenceControl{Version: V11, Kind: k, Identifier: "u:1", LastMsgNumber: 4})
	}
	built = append(built, &SequenceControl{Version: V200502, Kind: TerminateSequence, Identifier: "u:1"})
	fuzzCodec(f, "SequenceControl", []string{elCloseSequence, elCloseSequenceResponse, elTerminateSequence, elTerminateSequenceResponse}, built...)
}

func FuzzUsesSequence(f *testing.F) {
	fuzzCodec(f, "UsesSequence", []string{elUsesSequenceSTR, elUsesSequenceSSL}, UsesSequenceSTR, UsesSequenceSSL)
}

// FuzzSequenceFault reads a SOAP 1.1 wsrm:SequenceFault header of either
// version and checks that the header built from the result reads back the
// same.
func FuzzSequenceFault(f *testing.F) {
	for _, v := range []Version{V200502, V11} {
		for _, fl := range []*Fault{NewFault(v, UnknownSequence, "u:1"), NewFault(v, MessageNumberRollover, "u:1"),
			InvalidAcknowledgementFault(&SequenceAcknowledgement{Version: v, Identifier: "u:1", Ranges: []Range{{1, 2}}})} {
			f.Add(serializeF(f, fl.SequenceFaultHeader()))
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		el := fzElement(data)
		if el == nil {
			return
		}
		v, ok := VersionOf(xmlutil.ElementName(el).Space)
		if !ok {
			return
		}
		fl, err := ParseFault(v, &soap.Fault{Code: soap.CodeSender}, el)
		if err != nil {
			return
		}
		h := fl.SequenceFaultHeader()
		if h == nil {
			return
		}
		b1 := serialize(t, h)
		fl2, err := ParseFault(v, &soap.Fault{Code: soap.CodeSender}, reparse(t, b1, nil))
		if err != nil {
			t.Fatalf("built header refused: %v\n%s", err, b1)
		}
		if b2 := serialize(t, fl2.SequenceFaultHeader()); !bytes.Equal(b1, b2) {
			t.Fatalf("round trip differs:\n%s\n%s", b1, b2)
		}
	})
}
