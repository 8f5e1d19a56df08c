package soap

// The encoding/xml based strict parser that parseDocument used before
// internal/xmlparse, unchanged but renamed: the oracle of the differential
// tests (parse_diff_test.go).

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/beevik/etree"
	"github.com/soapstack/soapstack/internal/xmlutil"
)

// stdSizeLimiter fails with ErrTooLarge once more than n bytes were read.
type stdSizeLimiter struct {
	r io.Reader
	n int64
}

func (s *stdSizeLimiter) Read(p []byte) (int, error) {
	if s.n <= 0 {
		// Probe for one more byte: exactly n bytes is allowed.
		var one [1]byte
		k, err := s.r.Read(one[:])
		if k > 0 {
			return 0, ErrTooLarge
		}
		return 0, err
	}
	if int64(len(p)) > s.n {
		p = p[:s.n]
	}
	k, err := s.r.Read(p)
	s.n -= int64(k)
	return k, err
}

type nsBinding struct {
	prefix, uri string
}

// strictParser builds an etree document from a token stream, enforcing the
// input rules on the way so that no later layer sees a hostile tree.
type strictParser struct {
	lim      Limits
	dec      *xml.Decoder
	bindings []nsBinding // namespace stack
	marks    []int       // bindings length at each open element
	elements int
}

func (p *strictParser) fail(format string, args ...any) error {
	return &ParseError{Offset: p.dec.InputOffset(), Reason: fmt.Sprintf(format, args...)}
}

func (p *strictParser) lookup(prefix string) (string, bool) {
	switch prefix {
	case "xml":
		return NSXML, true
	case "xmlns":
		return "", false
	}
	for i := len(p.bindings) - 1; i >= 0; i-- {
		if p.bindings[i].prefix == prefix {
			return p.bindings[i].uri, true
		}
	}
	if prefix == "" {
		return "", true
	}
	return "", false
}

// parseDocumentStd is the encoding/xml based parser that parseDocument
// replaced, kept as the oracle of the differential tests.
func parseDocumentStd(r io.Reader, lim Limits) (*etree.Document, error) {
	lim = xmlutil.WithDefaults(lim)
	p := &strictParser{lim: lim}
	p.dec = xml.NewDecoder(&stdSizeLimiter{r: r, n: lim.MaxBytes})
	p.dec.Strict = true
	p.dec.CharsetReader = func(charset string, input io.Reader) (io.Reader, error) {
		if strings.EqualFold(charset, "utf-8") || strings.EqualFold(charset, "us-ascii") {
			return input, nil
		}
		return nil, fmt.Errorf("unsupported encoding %q", charset)
	}
	doc := etree.NewDocument()
	var stack []*etree.Element
	first := true
	rootDone := false
	for {
		tok, err := p.dec.RawToken()
		if err == io.EOF {
			break
		}
		if err != nil {
			var mbe *http.MaxBytesError
			if errors.Is(err, ErrTooLarge) || errors.As(err, &mbe) {
				return nil, ErrTooLarge
			}
			return nil, &ParseError{Offset: p.dec.InputOffset(), Reason: err.Error()}
		}
		isFirst := first
		first = false
		switch t := tok.(type) {
		case xml.ProcInst:
			if t.Target == "xml" && isFirst {
				continue
			}
			return nil, p.fail("processing instructions are not allowed")
		case xml.Directive:
			return nil, p.fail("DOCTYPE and other directives are not allowed")
		case xml.Comment:
			if len(stack) > 0 {
				stack[len(stack)-1].CreateComment(string(t))
			}
		case xml.CharData:
			if len(stack) == 0 {
				if len(bytes.TrimSpace(t)) != 0 {
					return nil, p.fail("text outside the document element")
				}
				continue
			}
			stack[len(stack)-1].CreateText(string(t))
		case xml.StartElement:
			if rootDone && len(stack) == 0 {
				return nil, p.fail("more than one document element")
			}
			el, err := p.start(t, stack, doc)
			if err != nil {
				return nil, err
			}
			stack = append(stack, el)
		case xml.EndElement:
			if len(stack) == 0 {
				return nil, p.fail("unexpected end element")
			}
			top := stack[len(stack)-1]
			if top.Space != t.Name.Space || top.Tag != t.Name.Local {
				return nil, p.fail("end element </%s> does not match <%s>", qualified(t.Name), top.FullTag())
			}
			stack = stack[:len(stack)-1]
			p.bindings = p.bindings[:p.marks[len(p.marks)-1]]
			p.marks = p.marks[:len(p.marks)-1]
			if len(stack) == 0 {
				rootDone = true
			}
		}
	}
	if len(stack) != 0 {
		return nil, p.fail("unexpected end of input")
	}
	if doc.Root() == nil {
		return nil, p.fail("no document element")
	}
	return doc, nil
}

func qualified(n xml.Name) string {
	if n.Space == "" {
		return n.Local
	}
	return n.Space + ":" + n.Local
}

func (p *strictParser) start(t xml.StartElement, stack []*etree.Element, doc *etree.Document) (*etree.Element, error) {
	if len(stack) >= p.lim.MaxDepth {
		return nil, p.fail("element nesting deeper than %d", p.lim.MaxDepth)
	}
	p.elements++
	if p.elements > p.lim.MaxElements {
		return nil, p.fail("more than %d elements", p.lim.MaxElements)
	}
	if len(t.Attr) > p.lim.MaxAttributes {
		return nil, p.fail("element <%s> has more than %d attributes", qualified(t.Name), p.lim.MaxAttributes)
	}
	if strings.Contains(t.Name.Local, ":") {
		return nil, p.fail("invalid element name %q", qualified(t.Name))
	}
	if len(qualified(t.Name)) > p.lim.MaxNameBytes {
		return nil, p.fail("element name longer than %d bytes", p.lim.MaxNameBytes)
	}
	p.marks = append(p.marks, len(p.bindings))
	mark := len(p.bindings)
	// Namespace declarations first: they are in scope for this element's
	// own name and attributes.
	for _, a := range t.Attr {
		if len(qualified(a.Name)) > p.lim.MaxNameBytes {
			return nil, p.fail("attribute name longer than %d bytes", p.lim.MaxNameBytes)
		}
		if len(a.Value) > p.lim.MaxAttrBytes {
			return nil, p.fail("attribute %q longer than %d bytes", qualified(a.Name), p.lim.MaxAttrBytes)
		}
		var prefix string
		switch {
		case a.Name.Space == "xmlns":
			prefix = a.Name.Local
			if prefix == "" || strings.Contains(prefix, ":") {
				return nil, p.fail("invalid namespace prefix %q", prefix)
			}
			if a.Value == "" {
				return nil, p.fail("namespace prefix %q cannot be undeclared", prefix)
			}
			if prefix == "xmlns" || (prefix == "xml") != (a.Value == NSXML) || a.Value == NSXMLNS {
				return nil, p.fail("reserved namespace prefix or name misused (%q)", prefix)
			}
		case a.Name.Space == "" && a.Name.Local == "xmlns":
			if a.Value == NSXML || a.Value == NSXMLNS {
				return nil, p.fail("reserved namespace as default namespace")
			}
		default:
			continue
		}
		for _, b := range p.bindings[mark:] {
			if b.prefix == prefix {
				return nil, p.fail("duplicate namespace declaration %q", qualified(a.Name))
			}
		}
		p.bindings = append(p.bindings, nsBinding{prefix: prefix, uri: a.Value})
	}
	if _, ok := p.lookup(t.Name.Space); !ok {
		return nil, p.fail("undeclared namespace prefix %q", t.Name.Space)
	}
	var parent *etree.Element
	if len(stack) == 0 {
		parent = &doc.Element
	} else {
		parent = stack[len(stack)-1]
	}
	el := parent.CreateElement(qualified(t.Name))
	// Attributes: resolve, reject duplicates by expanded name.
	type expanded struct{ ns, local string }
	var seen [16]expanded
	names := seen[:0]
	for _, a := range t.Attr {
		if strings.Contains(a.Name.Local, ":") {
			return nil, p.fail("invalid attribute name %q", qualified(a.Name))
		}
		isDecl := a.Name.Space == "xmlns" || (a.Name.Space == "" && a.Name.Local == "xmlns")
		var key expanded
		if isDecl {
			key = expanded{ns: NSXMLNS, local: a.Name.Local}
			if a.Name.Space == "" {
				key.local = ""
			}
		} else {
			ns := ""
			if a.Name.Space != "" {
				var ok bool
				ns, ok = p.lookup(a.Name.Space)
				if !ok {
					return nil, p.fail("undeclared namespace prefix %q on attribute %q", a.Name.Space, a.Name.Local)
				}
			}
			key = expanded{ns: ns, local: a.Name.Local}
		}
		for _, n := range names {
			if n == key {
				return nil, p.fail("duplicate attribute %q on <%s>", qualified(a.Name), qualified(t.Name))
			}
		}
		names = append(names, key)
		el.CreateAttr(qualified(a.Name), a.Value)
	}
	return el, nil
}
