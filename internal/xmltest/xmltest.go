// Package xmltest holds what the tests of the XML packages (internal/xmlparse,
// internal/xmlwrite) share to compare trees. Only tests import it.
package xmltest

import (
	"fmt"
	"strings"

	"github.com/beevik/etree"
)

// Canonical renders a tree with adjacent character data merged and empty
// character data dropped: what survives a serialization. Names keep their
// prefixes and attributes their order.
func Canonical(e *etree.Element) string {
	var b strings.Builder
	var walk func(e *etree.Element)
	walk = func(e *etree.Element) {
		fmt.Fprintf(&b, "<%s|%s", e.Space, e.Tag)
		for _, a := range e.Attr {
			fmt.Fprintf(&b, " %s|%s=%q", a.Space, a.Key, a.Value)
		}
		b.WriteString(">")
		var text strings.Builder
		flush := func() {
			if text.Len() > 0 {
				fmt.Fprintf(&b, "T%q", text.String())
				text.Reset()
			}
		}
		for _, c := range e.Child {
			switch t := c.(type) {
			case *etree.CharData:
				text.WriteString(t.Data)
			case *etree.Element:
				flush()
				walk(t)
			case *etree.Comment:
				flush()
				fmt.Fprintf(&b, "C%q", t.Data)
			}
		}
		flush()
		b.WriteString("</>")
	}
	walk(e)
	return b.String()
}
