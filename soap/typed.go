package soap

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/beevik/etree"
	"github.com/soapstack/soapstack/internal/xmlutil"
)

// ErrNoPayload is returned by UnmarshalBody for a message whose Body is
// empty (a one-way acknowledgement, or an empty reply).
var ErrNoPayload = errors.New("soap: the Body has no payload")

// ErrNoDetail is returned by Fault.UnmarshalDetail when the fault has no
// detail element that decodes into the value.
var ErrNoDetail = errors.New("soap: the fault has no matching detail")

// MarshalElement encodes v with encoding/xml (its struct tags, XMLName and
// namespaces) into one detached element, ready to be a Body payload, a
// header block or a fault detail. v must encode to exactly one element.
func MarshalElement(v any) (*etree.Element, error) {
	var b bytes.Buffer
	if err := xml.NewEncoder(&b).Encode(v); err != nil {
		return nil, fmt.Errorf("soap: marshal %T: %w", v, err)
	}
	toks, err := xmlutil.ParseFragment(b.Bytes(), nil, Limits{})
	if err != nil {
		return nil, fmt.Errorf("soap: marshal %T: %w", v, err)
	}
	var el *etree.Element
	for _, t := range toks {
		switch t := t.(type) {
		case *etree.Element:
			if el != nil {
				return nil, fmt.Errorf("soap: marshal %T: encodes to more than one element", v)
			}
			el = t
		case *etree.CharData:
			if !isBlank(t.Data) {
				return nil, fmt.Errorf("soap: marshal %T: encodes to text outside an element", v)
			}
		}
	}
	if el == nil {
		return nil, fmt.Errorf("soap: marshal %T: encodes to no element", v)
	}
	return el, nil
}

// UnmarshalElement decodes el into v with encoding/xml, as xml.Unmarshal
// would decode el's serialization: the namespaces declared above el are in
// scope. It reads the tree directly (no serialization and reparse).
func UnmarshalElement(el *etree.Element, v any) error {
	if el == nil {
		return errors.New("soap: unmarshal: no element")
	}
	if err := xml.NewTokenDecoder(newTreeTokens(el)).Decode(v); err != nil {
		return fmt.Errorf("soap: unmarshal %s into %T: %w", el.FullTag(), v, err)
	}
	return nil
}

// MarshalBody replaces m's Body content with v encoded by encoding/xml
// (MarshalElement).
func MarshalBody(m *Message, v any) error {
	el, err := MarshalElement(v)
	if err != nil {
		return err
	}
	m.SetPayload(el)
	return nil
}

// UnmarshalBody decodes m's Body payload into v with encoding/xml
// (UnmarshalElement). A Body holding a SOAP Fault is returned as the
// *Fault error (v is not touched); an empty Body as ErrNoPayload.
func UnmarshalBody(m *Message, v any) error {
	if m.IsFault() {
		f, err := m.Fault()
		if err != nil {
			return err
		}
		return f
	}
	p := m.Payload()
	if p == nil {
		return ErrNoPayload
	}
	return UnmarshalElement(p, v)
}

// SetDetail replaces the fault's Detail with v encoded by encoding/xml
// (MarshalElement).
func (f *Fault) SetDetail(v any) error {
	el, err := MarshalElement(v)
	if err != nil {
		return err
	}
	f.Detail = []*etree.Element{el}
	return nil
}

// UnmarshalDetail decodes the first Detail element that v accepts (by the
// XMLName of v's type, when it has one) into v. It returns an error
// wrapping ErrNoDetail when no element matches, or the decoding error of a
// matching element.
func (f *Fault) UnmarshalDetail(v any) error {
	for _, d := range f.Detail {
		err := UnmarshalElement(d, v)
		if err == nil {
			return nil
		}
		var ue xml.UnmarshalError
		if !errors.As(err, &ue) || !strings.HasPrefix(string(ue), "expected element") {
			return err
		}
	}
	return fmt.Errorf("%w (%T)", ErrNoDetail, v)
}

// treeTokens reads an element subtree as the xml.Token stream an
// xml.Decoder's tokenizer would produce from its serialization with
// CopyWithScope: names carry their prefixes, declarations are xmlns
// attributes, and the root also declares the prefixes in scope above it
// that the subtree uses.
type treeTokens struct {
	root  *etree.Element
	stack []frame
	done  bool
}

// frame is an element being read and the index of its next child.
type frame struct {
	el   *etree.Element
	next int
}

func newTreeTokens(el *etree.Element) *treeTokens { return &treeTokens{root: el} }

// Token implements xml.TokenReader.
func (t *treeTokens) Token() (xml.Token, error) {
	if t.done {
		return nil, io.EOF
	}
	if t.stack == nil {
		t.stack = append(t.stack, frame{el: t.root})
		return t.start(t.root, true), nil
	}
	for {
		top := &t.stack[len(t.stack)-1]
		if top.next >= len(top.el.Child) {
			t.stack = t.stack[:len(t.stack)-1]
			if len(t.stack) == 0 {
				t.done = true
			}
			return xml.EndElement{Name: xml.Name{Space: top.el.Space, Local: top.el.Tag}}, nil
		}
		c := top.el.Child[top.next]
		top.next++
		switch c := c.(type) {
		case *etree.Element:
			t.stack = append(t.stack, frame{el: c})
			return t.start(c, false), nil
		case *etree.CharData:
			return xml.CharData(c.Data), nil
		case *etree.Comment:
			return xml.Comment(c.Data), nil
		}
	}
}

// start returns el's start tag; the root's also declares the prefixes its
// subtree uses that are declared above it.
func (t *treeTokens) start(el *etree.Element, root bool) xml.StartElement {
	s := xml.StartElement{Name: xml.Name{Space: el.Space, Local: el.Tag}}
	s.Attr = make([]xml.Attr, 0, len(el.Attr))
	own := map[string]bool{}
	for _, a := range el.Attr {
		s.Attr = append(s.Attr, xml.Attr{Name: xml.Name{Space: a.Space, Local: a.Key}, Value: a.Value})
		switch {
		case a.Space == "xmlns":
			own[a.Key] = true
		case a.Space == "" && a.Key == "xmlns":
			own[""] = true
		}
	}
	if root && el.Parent() != nil {
		// As CopyWithScope: the prefixes the subtree uses without
		// declaring them, with the URIs in scope above it.
		used := map[string]bool{}
		xmlutil.UsedPrefixes(el, map[string]bool{}, used)
		scope := xmlutil.InScopeNamespaces(el.Parent())
		prefixes := make([]string, 0, len(used))
		for p := range used {
			if _, ok := scope[p]; ok && !own[p] {
				prefixes = append(prefixes, p)
			}
		}
		sort.Strings(prefixes)
		for _, p := range prefixes {
			switch {
			case p == "" && scope[p] != "":
				s.Attr = append(s.Attr, xml.Attr{Name: xml.Name{Local: "xmlns"}, Value: scope[p]})
			case p != "":
				s.Attr = append(s.Attr, xml.Attr{Name: xml.Name{Space: "xmlns", Local: p}, Value: scope[p]})
			}
		}
	}
	return s
}
