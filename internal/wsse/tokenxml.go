package wsse

import (
	"encoding/base64"
	"fmt"
	"strings"

	"github.com/beevik/etree"
	"github.com/soapstack/soapstack/internal/xmlutil"
)

// SetWSUID sets the wsu:Id attribute of el, declaring the wsu prefix on el
// unless it is already bound to the utility namespace in scope.
func SetWSUID(el *etree.Element, id string) {
	if a := xmlutil.AttrNS(el, NSWSU, "Id"); a != nil {
		a.Value = id
		return
	}
	prefix := DeclareNS(el, PrefixWSU, NSWSU)
	name := PrefixWSU + ":Id" // a constant, the usual case
	if prefix != PrefixWSU {
		name = prefix + ":Id"
	}
	el.CreateAttr(name, id)
}

// WSUID returns el's wsu:Id, or "".
func WSUID(el *etree.Element) string {
	if a := xmlutil.AttrNS(el, NSWSU, "Id"); a != nil {
		return a.Value
	}
	return ""
}

// DeclareNS makes sure a prefix for ns is in scope at el and returns it:
// the preferred prefix when it is free or already bound to ns, a numbered
// variant otherwise.
func DeclareNS(el *etree.Element, preferred, ns string) string {
	prefix := preferred
	for i := 1; ; i++ {
		bound, ok := xmlutil.LookupPrefix(el, prefix)
		if ok && bound == ns {
			return prefix
		}
		if !ok {
			el.CreateAttr(xmlnsName(prefix), ns)
			return prefix
		}
		prefix = fmt.Sprintf("%s%d", preferred, i)
	}
}

// NewTokenElement returns a standalone element ns:local written with the
// preferred prefix, which it declares. It has room for two attributes more
// (a wsu declaration and a wsu:Id, as most tokens get) before its attribute
// slice grows.
func NewTokenElement(prefix, ns, local string) *etree.Element {
	el := etree.NewElement(local) // local has no colon: Space "", Tag local
	el.Space = prefix
	el.Attr = make([]etree.Attr, 0, 3)
	el.CreateAttr(xmlnsName(prefix), ns)
	return el
}

// xmlnsName returns "xmlns:"+prefix, with no string built for this
// package's own prefixes (constants).
func xmlnsName(prefix string) string {
	switch prefix {
	case PrefixWSSE:
		return "xmlns:" + PrefixWSSE
	case PrefixWSSE11:
		return "xmlns:" + PrefixWSSE11
	case PrefixWSU:
		return "xmlns:" + PrefixWSU
	case prefixDS:
		return "xmlns:" + prefixDS
	case prefixWSC:
		return "xmlns:" + prefixWSC
	}
	return "xmlns:" + prefix
}

// isXMLSpace reports whether r is XML whitespace.
func isXMLSpace(r rune) bool { return r == ' ' || r == '\t' || r == '\r' || r == '\n' }

// TrimXMLSpace removes leading and trailing XML whitespace.
func TrimXMLSpace(s string) string { return strings.TrimFunc(s, isXMLSpace) }

// elementChildren returns the child elements of el. Character data between
// them must be whitespace; comments and processing instructions are
// ignored. Errors wrap ErrInvalidSecurity.
func elementChildren(el *etree.Element) ([]*etree.Element, error) {
	var out []*etree.Element
	for _, t := range el.Child {
		switch t := t.(type) {
		case *etree.Element:
			out = append(out, t)
		case *etree.CharData:
			if TrimXMLSpace(t.Data) != "" {
				return nil, fmt.Errorf("%w: unexpected text in %s", ErrInvalidSecurity, el.Tag)
			}
		}
	}
	return out, nil
}

// textContent returns the concatenated character data of el, which must
// have no child elements and at most limit bytes of text. Errors wrap
// ErrInvalidSecurity and name the element, never its text.
func textContent(el *etree.Element, limit int) (string, error) {
	var b strings.Builder
	for _, t := range el.Child {
		switch t := t.(type) {
		case *etree.Element:
			return "", fmt.Errorf("%w: unexpected element in %s", ErrInvalidSecurity, el.Tag)
		case *etree.CharData:
			if b.Len()+len(t.Data) > limit {
				return "", fmt.Errorf("%w: %s is longer than %d bytes", ErrInvalidSecurity, el.Tag, limit)
			}
			b.WriteString(t.Data)
		}
	}
	return b.String(), nil
}

// DecodeBase64 decodes standard, padded base64 text after removing XML
// whitespace (line breaks included), refusing results longer than
// maxDecoded bytes before decoding anything: the decoder for token values
// (nonces, secrets, cookies) of this package and of package secureconv.
func DecodeBase64(s string, maxDecoded int) ([]byte, error) {
	if strings.ContainsFunc(s, isXMLSpace) {
		s = strings.Map(func(r rune) rune {
			if isXMLSpace(r) {
				return -1
			}
			return r
		}, s)
	}
	if base64.StdEncoding.DecodedLen(len(s)) > maxDecoded+2 {
		return nil, fmt.Errorf("base64 value longer than %d bytes", maxDecoded)
	}
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("invalid base64: %w", err)
	}
	if len(b) > maxDecoded {
		return nil, fmt.Errorf("base64 value longer than %d bytes", maxDecoded)
	}
	return b, nil
}

// encodingTypeOK reports whether the EncodingType attribute of el is absent
// or Base64Binary. WSS4J always writes it; WCF omits it on
// BinarySecurityToken and KeyIdentifier.
func encodingTypeOK(el *etree.Element) bool {
	a := xmlutil.AttrNS(el, "", "EncodingType")
	return a == nil || TrimXMLSpace(a.Value) == URIBase64Binary
}
