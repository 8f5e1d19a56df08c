package wire

import (
	"testing"

	"github.com/beevik/etree"
	"github.com/soapstack/soapstack/internal/xmlutil"
)

// builder is what every parsed value is.
type builder interface{ Build() *etree.Element }

// codecs maps each codec to its parser, for the round-trip and fuzz tests.
var codecs = map[string]func(*etree.Element) (builder, error){
	"CreateSequence":          func(e *etree.Element) (builder, error) { return ParseCreateSequence(e) },
	"CreateSequenceResponse":  func(e *etree.Element) (builder, error) { return ParseCreateSequenceResponse(e) },
	"Sequence":                func(e *etree.Element) (builder, error) { return ParseSequence(e) },
	"SequenceAcknowledgement": func(e *etree.Element) (builder, error) { return ParseSequenceAcknowledgement(e) },
	"AckRequested":            func(e *etree.Element) (builder, error) { return ParseAckRequested(e) },
	"SequenceControl":         func(e *etree.Element) (builder, error) { return ParseSequenceControl(e) },
	"UsesSequence":            func(e *etree.Element) (builder, error) { return ParseUsesSequence(e) },
}

// serialize writes el as a document (el becomes the document's root).
func serialize(t testing.TB, el *etree.Element) []byte {
	t.Helper()
	doc := etree.NewDocument()
	doc.SetRoot(el)
	b, err := doc.WriteToBytes()
	if err != nil {
		t.Fatalf("serialize: %v", err)
	}
	return b
}

// reparse parses b with the strict SOAP parser below ctx and returns its
// first element.
func reparse(t testing.TB, b []byte, ctx *etree.Element) *etree.Element {
	t.Helper()
	if ctx == nil {
		ctx = etree.NewElement("ctx")
	}
	toks, err := xmlutil.ParseFragment(b, ctx, xmlutil.DefaultLimits())
	if err != nil {
		t.Fatalf("does not parse: %v\n%s", err, b)
	}
	for _, tok := range toks {
		ctx.AddChild(tok)
		if el, ok := tok.(*etree.Element); ok {
			return el
		}
	}
	t.Fatalf("no element in %s", b)
	return nil
}

// roundTrip builds v, parses the bytes back with parse and checks that
// building again gives the same bytes. It returns the parsed value.
func roundTrip(t *testing.T, v builder, parse func(*etree.Element) (builder, error)) builder {
	t.Helper()
	b1 := serialize(t, v.Build())
	got, err := parse(reparse(t, b1, nil))
	if err != nil {
		t.Fatalf("parse of built element: %v\n%s", err, b1)
	}
	b2 := serialize(t, got.Build())
	if string(b1) != string(b2) {
		t.Fatalf("round trip changed the element:\n%s\n%s", b1, b2)
	}
	return got
}

// ext returns an extension element of another namespace.
func ext() *etree.Element {
	e := etree.NewElement("x:Ext")
	e.CreateAttr("xmlns:x", "urn:ext")
	e.SetText("v")
	return e
}
