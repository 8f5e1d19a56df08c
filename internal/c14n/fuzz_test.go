package c14n

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/beevik/etree"
)

// FuzzCanonicalize parses the input with etree and, if it parses,
// canonicalizes every element as apex with several option sets. It checks
// that nothing panics, that the canonical form of the document element is a
// fixed point (canonicalizing its re-parsed output gives the same bytes), and
// that the output equals goxmldsig's on documents of fewer than 1000
// elements where both succeed, unless a documented goxmldsig deviation
// applies (see goxmldsigDeviations).
func FuzzCanonicalize(f *testing.F) {
	for _, d := range loadCorpus(f) {
		f.Add(d.data)
	}
	for _, tc := range specCases {
		f.Add([]byte(tc.doc))
	}
	f.Add(makeSOAP12(2 << 10))

	f.Fuzz(func(t *testing.T, data []byte) {
		doc := etree.NewDocument()
		if err := doc.ReadFromBytes(data); err != nil || doc.Root() == nil {
			return
		}
		els := allElements(doc.Root())
		// goxmldsig copies every in-scope declaration per element: keep the
		// comparison to documents it handles in reasonable time.
		compare := len(els) < 1000 && countDecls(els) < 200
		// Every element as apex is quadratic (and goxmldsig's detach is
		// worse on deep trees): sample on big inputs.
		if len(els) > 64 {
			els = sampleElements(els, 64)
		}
		declared := declaredPrefixes(doc)
		sets := []optionSet{
			{name: "plain"},
			{name: "comments", comments: true},
			{name: "incl-declared", prefixes: declared},
			{name: "incl-declared+#default", comments: true, prefixes: append(append([]string{}, declared...), "#default")},
		}
		for _, set := range sets {
			for _, el := range els {
				ours, oerr := canonString(el, set.opts()...)
				if !compare {
					continue
				}
				theirs, terr := goxmldsigCanon(el, set.prefixes, set.comments)
				switch {
				case oerr != nil && terr != nil:
					continue
				case oerr != nil:
					if !acceptableRejection(oerr) {
						t.Fatalf("[%s] %s: we fail (%v), goxmldsig succeeds: %s", set.name, el.GetPath(), oerr, theirs)
					}
					continue
				case terr != nil:
					t.Fatalf("[%s] %s: goxmldsig fails (%v), we succeed: %s", set.name, el.GetPath(), terr, ours)
				}
				if ours == string(theirs) {
					continue
				}
				if len(goxmldsigDeviations(el, set.prefixes)) > 0 {
					continue
				}
				t.Fatalf("[%s] %s: differs from goxmldsig\nours:      %q\ngoxmldsig: %q", set.name, el.GetPath(), ours, theirs)
			}
		}

		// Fixed point: the canonical form of the whole document, parsed
		// again and canonicalized, is unchanged.
		for _, set := range sets {
			var b bytes.Buffer
			if err := CanonicalizeDocument(&b, doc, set.opts()...); err != nil {
				continue
			}
			doc2 := etree.NewDocument()
			if err := doc2.ReadFromBytes(b.Bytes()); err != nil {
				// Only possible if the input tree held a construct etree
				// accepts but cannot read back (none known).
				t.Fatalf("[%s] canonical output does not parse: %v\n%q", set.name, err, b.Bytes())
			}
			var b2 bytes.Buffer
			if err := CanonicalizeDocument(&b2, doc2, set.opts()...); err != nil {
				t.Fatalf("[%s] canonicalizing the canonical form fails: %v", set.name, err)
			}
			if !bytes.Equal(b.Bytes(), b2.Bytes()) {
				t.Fatalf("[%s] not a fixed point\nfirst:  %q\nsecond: %q", set.name, b.Bytes(), b2.Bytes())
			}
		}
	})
}

// acceptableRejection reports whether err is one of our namespace
// well-formedness errors (input goxmldsig accepts although Namespaces in XML
// forbids it).
func acceptableRejection(err error) bool {
	var u *UndeclaredPrefixError
	if errors.As(err, &u) {
		return true
	}
	s := err.Error()
	return strings.Contains(s, "duplicate attribute") || strings.Contains(s, "may not be") ||
		strings.Contains(s, "may only be") || strings.Contains(s, "reserved prefix xmlns")
}

func countDecls(els []*etree.Element) int {
	n := 0
	for _, e := range els {
		for _, a := range e.Attr {
			if a.Space == "xmlns" || a.Space == "" && a.Key == "xmlns" {
				n++
			}
		}
	}
	return n
}
