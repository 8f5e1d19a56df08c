package dsig

import (
	"encoding/base64"
	"strings"

	"github.com/beevik/etree"
)

// lookupNS resolves a namespace prefix ("" for the default namespace) in
// the scope of e by walking e and its ancestors. An undeclared default
// namespace is the empty string; an undeclared prefix is not found.
func lookupNS(e *etree.Element, prefix string) (string, bool) {
	if prefix == "xml" {
		return NSXML, true
	}
	for p := e; p != nil; p = p.Parent() {
		for i := range p.Attr {
			a := &p.Attr[i]
			if prefix == "" && a.Space == "" && a.Key == "xmlns" ||
				prefix != "" && a.Space == "xmlns" && a.Key == prefix {
				return a.Value, true
			}
		}
	}
	return "", prefix == ""
}

// is reports whether e is the element {ns}local.
func is(e *etree.Element, ns, local string) bool {
	if e == nil || e.Tag != local {
		return false
	}
	uri, ok := lookupNS(e, e.Space)
	return ok && uri == ns
}

// name describes an element for error messages: its qualified name and,
// when the prefix is not bound as expected, its namespace.
func name(e *etree.Element) string {
	if e == nil {
		return "nothing"
	}
	uri, ok := lookupNS(e, e.Space)
	switch {
	case !ok:
		return clip(e.FullTag()) + " (undeclared prefix)"
	case uri == NSDS || uri == NSWSSE || uri == NSExcC14N:
		return clip(e.FullTag())
	}
	return clip(e.FullTag()) + " in " + clip(uri)
}

// children iterates over the child elements of an element whose content
// must be element-only: whitespace, comments and processing instructions
// are skipped, other character data is an error.
type children struct {
	e *etree.Element
	i int
}

// next returns the next child element, or nil at the end.
func (c *children) next() (*etree.Element, error) {
	for c.i < len(c.e.Child) {
		t := c.e.Child[c.i]
		c.i++
		switch t := t.(type) {
		case *etree.Element:
			return t, nil
		case *etree.CharData:
			if !isSpace(t.Data) {
				return nil, failf(ErrMalformed, "text content in <%s>", clip(c.e.FullTag()))
			}
		}
	}
	return nil, nil
}

// end returns an error if any child element is left.
func (c *children) end() error {
	e, err := c.next()
	if err != nil {
		return err
	}
	if e != nil {
		return failf(ErrMalformed, "unexpected <%s> in <%s>", clip(e.FullTag()), clip(c.e.FullTag()))
	}
	return nil
}

// isSpace reports whether s consists of XML whitespace only.
func isSpace(s string) bool {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case ' ', '\t', '\n', '\r':
		default:
			return false
		}
	}
	return true
}

// attr returns the value of the unqualified attribute key. More than one
// such attribute is an error (etree keeps duplicates it parses).
func attr(e *etree.Element, key string) (string, bool, error) {
	var v string
	found := false
	for i := range e.Attr {
		a := &e.Attr[i]
		if a.Space == "" && a.Key == key {
			if found {
				return "", false, failf(ErrMalformed, "duplicate attribute %s on <%s>", key, clip(e.FullTag()))
			}
			v, found = a.Value, true
		}
	}
	return v, found, nil
}

// algorithm returns the required Algorithm attribute of e.
func algorithm(e *etree.Element) (string, error) {
	v, ok, err := attr(e, "Algorithm")
	if err != nil {
		return "", err
	}
	if !ok {
		return "", failf(ErrMalformed, "<%s> without Algorithm", clip(e.FullTag()))
	}
	return v, nil
}

// text returns the character data of an element that must contain text
// only (comments and processing instructions are skipped). Texts longer
// than max bytes are refused.
func text(e *etree.Element, max int) (string, error) {
	var s string
	var b strings.Builder
	for _, t := range e.Child {
		switch t := t.(type) {
		case *etree.CharData:
			if len(s)+b.Len()+len(t.Data) > max {
				return "", failf(ErrMalformed, "<%s> is too long", clip(e.FullTag()))
			}
			switch {
			case b.Len() > 0:
				b.WriteString(t.Data)
			case s == "":
				s = t.Data
			default: // text split by a comment: join the pieces
				b.WriteString(s)
				b.WriteString(t.Data)
				s = ""
			}
		case *etree.Element:
			return "", failf(ErrMalformed, "element content in <%s>", clip(e.FullTag()))
		}
	}
	if b.Len() > 0 {
		return b.String(), nil
	}
	return s, nil
}

// decodeBase64 decodes the base64 text of e, ignoring XML whitespace (line
// breaks are common, xmlsec1 writes them). Texts longer than maxText bytes
// are refused before decoding.
func decodeBase64(e *etree.Element, maxText int) ([]byte, error) {
	s, err := text(e, maxText)
	if err != nil {
		return nil, err
	}
	if strings.ContainsAny(s, " \t\r\n") {
		s = strings.Map(func(r rune) rune {
			switch r {
			case ' ', '\t', '\r', '\n':
				return -1
			}
			return r
		}, s)
	}
	b, err := base64.StdEncoding.Strict().DecodeString(s)
	if err != nil {
		return nil, failf(ErrMalformed, "<%s> is not base64", clip(e.FullTag()))
	}
	return b, nil
}

// inclusiveNamespaces reads the PrefixList of an optional
// ec:InclusiveNamespaces child of a canonicalization method element. Any
// other child element is an error.
func inclusiveNamespaces(e *etree.Element) ([]string, error) {
	c := children{e: e}
	in, err := c.next()
	if err != nil || in == nil {
		return nil, err
	}
	if !is(in, NSExcC14N, "InclusiveNamespaces") {
		return nil, failf(ErrMalformed, "unexpected <%s> in <%s>", clip(in.FullTag()), clip(e.FullTag()))
	}
	if err := c.end(); err != nil {
		return nil, err
	}
	if err := (&children{e: in}).end(); err != nil {
		return nil, err
	}
	list, ok, err := attr(in, "PrefixList")
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, failf(ErrMalformed, "InclusiveNamespaces without PrefixList")
	}
	return strings.Fields(list), nil
}
