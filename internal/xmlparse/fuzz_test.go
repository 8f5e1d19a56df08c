package xmlparse

import (
	"bytes"
	"errors"
	"testing"

	"github.com/beevik/etree"

	"github.com/soapstack/soapstack/internal/xmltest"
)

// FuzzParse checks that Parse never panics, that only *Error and
// ErrTooLarge come out, and that an accepted document, serialized with
// references for the characters normalization would change, parses to the
// same tree.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		`<a/>`,
		"\xEF\xBB\xBF<?xml version='1.0' encoding='UTF-8' standalone='no'?>\n<a/>",
		"<a x=\"1\t2\r\n3&#9;&#10;&#13;\" y='\"'>t\r\nu&#13;<![CDATA[c\r]]]]><!--c\r\n--></a>",
		`<p:a xmlns:p="urn:p" xmlns="urn:d" p:x="1" x="2" xml:lang="en"><b xmlns=""/><p:c/></p:a>`,
		`<a>&lt;&gt;&amp;&quot;&apos;&#65;&#x42;&#x10FFFF;</a>`,
		"<\u00e9l\u00e9ment x\u00b7=\"1\">\u20ac</\u00e9l\u00e9ment>",
		`<a xmlns:p="u" xmlns:q="u" p:x="1" q:x="2"/>`,
		`<!-- c --><a><!----></a><!-- d -->`,
	} {
		f.Add([]byte(s))
	}
	lim := Limits{MaxBytes: 1 << 20, MaxDepth: 40, MaxElements: 5000, MaxAttributes: 16, MaxAttrBytes: 4096}
	f.Fuzz(func(t *testing.T, data []byte) {
		doc, err := Parse(bytes.Clone(data), lim)
		if err != nil {
			var pe *Error
			if !errors.As(err, &pe) && !errors.Is(err, ErrTooLarge) {
				t.Fatalf("error of type %T: %v", err, err)
			}
			if pe != nil && (pe.Offset < 0 || pe.Offset > int64(len(data))) {
				t.Fatalf("offset %d out of range", pe.Offset)
			}
			return
		}
		doc.WriteSettings = etree.WriteSettings{CanonicalText: true, CanonicalAttrVal: true}
		out, err := doc.WriteToBytes()
		if err != nil {
			t.Fatal(err)
		}
		doc2, err := Parse(bytes.Clone(out), Limits{MaxBytes: 8 << 20, MaxDepth: 40, MaxElements: 5000, MaxAttributes: 16, MaxAttrBytes: 8192})
		if err != nil {
			t.Fatalf("serialized tree does not parse: %v\n%q", err, out)
		}
		if a, b := xmltest.Canonical(doc.Root()), xmltest.Canonical(doc2.Root()); a != b {
			t.Fatalf("round trip changed the tree:\n%s\n%s", a, b)
		}
	})
}
