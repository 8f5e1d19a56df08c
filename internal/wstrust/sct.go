package wstrust

import (
	"encoding/base64"
	"encoding/xml"
	"fmt"
	"strings"

	"github.com/beevik/etree"
	"github.com/soapstack/soapstack/internal/wsse"
	"github.com/soapstack/soapstack/internal/xmlutil"
	"github.com/soapstack/soapstack/wssecurity"
)

// Fixed bounds of the parsers.
const (
	// MaxIdentifierLen bounds the Identifier and Instance of an SCT, the
	// URI of a reference, a wsu:Id and the Context attribute (bytes).
	MaxIdentifierLen = 1 << 10
	// DefaultMaxCookie is the default bound on the decoded size of an SCT
	// cookie (Limits.MaxCookie).
	DefaultMaxCookie = 16 << 10
)

// Limits holds the configurable bounds of the parsers. The zero value
// selects the defaults; the package-level Parse functions use it.
type Limits struct {
	// MaxCookie bounds the decoded size of the Cookie of a
	// SecurityContextToken, in bytes (0: DefaultMaxCookie).
	MaxCookie int
}

func (l Limits) maxCookie() int {
	if l.MaxCookie <= 0 {
		return DefaultMaxCookie
	}
	return l.MaxCookie
}

// SecurityContextToken is a WS-SecureConversation SecurityContextToken as
// WCF writes it:
//
//	<c:SecurityContextToken u:Id="uuid-...-1" xmlns:c="...">
//	  <c:Identifier>urn:uuid:...</c:Identifier>
//	  <c:Instance>urn:uuid:...</c:Instance>            (optional)
//	  <dnse:Cookie xmlns:dnse="...">base64</dnse:Cookie> (optional)
//	</c:SecurityContextToken>
//
// A client treats the token as opaque XML: it sends back the element it
// received (see Clone), never one rebuilt from these fields.
type SecurityContextToken struct {
	// Version is the version of the token's namespace (set by ParseSCT).
	Version Version
	// ID is the wsu:Id, the target of local references; "" for none.
	ID string
	// Identifier is the context identifier ("urn:uuid:..."), the target of
	// references from other messages.
	Identifier string
	// Instance is WCF's key generation identifier, "" for none.
	Instance string
	// Cookie holds the decoded bytes of the Cookie element of a stateful
	// (cookie mode) token, nil for none.
	Cookie []byte
	// Element is the element the token was parsed from, nil for a token
	// that was built from these fields only.
	Element *etree.Element
}

// ParseSCT reads a SecurityContextToken of either version with the default
// limits (see Limits.ParseSCT).
func ParseSCT(el *etree.Element) (*SecurityContextToken, error) {
	return Limits{}.ParseSCT(el)
}

// ParseSCT reads a SecurityContextToken of either version. It requires an
// Identifier and accepts at most one Identifier, Instance and Cookie (in any
// order) and nothing else: WCF's reader refuses other children too. The
// Identifier and Instance are URIs of at most MaxIdentifierLen bytes
// without whitespace; the cookie is base64 of at most l.MaxCookie decoded
// bytes. Errors wrap wssecurity.ErrInvalidToken.
func (l Limits) ParseSCT(el *etree.Element) (*SecurityContextToken, error) {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: security context token: "+format, append([]any{wssecurity.ErrInvalidToken}, args...)...)
	}
	if el == nil {
		return nil, bad("missing")
	}
	name := xmlutil.ElementName(el)
	v, ok := VersionOfSC(name.Space)
	if !ok || name.Local != ElSCT {
		return nil, bad("unexpected element %s", wQName(name))
	}
	s := &SecurityContextToken{Version: v, Element: el}
	var err error
	if s.ID, err = wID(el); err != nil {
		return nil, bad("%v", err)
	}
	children, err := wChildren(el)
	if err != nil {
		return nil, bad("%v", err)
	}
	var seenID, seenInst, seenCookie bool
	for _, c := range children {
		cn := xmlutil.ElementName(c)
		switch {
		case cn.Space == name.Space && cn.Local == elIdentifier:
			if seenID {
				return nil, bad("repeated Identifier")
			}
			seenID = true
			if s.Identifier, err = wURIText(c); err != nil {
				return nil, bad("Identifier: %v", err)
			}
		case cn.Space == name.Space && cn.Local == elInstance:
			if seenInst {
				return nil, bad("repeated Instance")
			}
			seenInst = true
			if s.Instance, err = wURIText(c); err != nil {
				return nil, bad("Instance: %v", err)
			}
		case cn.Space == NSDotNetSecurity && cn.Local == ElCookie:
			if seenCookie {
				return nil, bad("repeated Cookie")
			}
			seenCookie = true
			max := l.maxCookie()
			txt, err := wText(c, wBase64Len(max))
			if err != nil {
				return nil, bad("Cookie: %v", err)
			}
			if s.Cookie, err = wsse.DecodeBase64(txt, max); err != nil {
				return nil, bad("Cookie: %v", err)
			}
			if len(s.Cookie) == 0 {
				return nil, bad("empty Cookie")
			}
		default:
			return nil, bad("unexpected %s", wQName(cn))
		}
	}
	if !seenID {
		return nil, bad("no Identifier")
	}
	return s, nil
}

// Build returns the token as WCF writes it for version v: prefix "c" (1.3:
// "sc") for WS-SC, "u" for wsu and "dnse" for the cookie, declared on the
// element so that it stands alone. It ignores s.Element; to echo a
// received token use Clone. An invalid v selects V200502, as in all the
// builders of this package.
func (s *SecurityContextToken) Build(v Version) *etree.Element {
	v = v.orDefault()
	p := v.SCPrefix()
	el := etree.NewElement(p + ":" + ElSCT)
	if s.ID != "" {
		el.CreateAttr(prefixWSU+":"+attrID, s.ID)
	}
	el.CreateAttr("xmlns:"+p, v.SCNamespace())
	if s.ID != "" {
		el.CreateAttr("xmlns:"+prefixWSU, wsse.NSWSU)
	}
	el.CreateElement(p + ":" + elIdentifier).SetText(s.Identifier)
	if s.Instance != "" {
		el.CreateElement(p + ":" + elInstance).SetText(s.Instance)
	}
	if s.Cookie != nil {
		c := el.CreateElement(prefixDotNet + ":" + ElCookie)
		c.CreateAttr("xmlns:"+prefixDotNet, NSDotNetSecurity)
		c.SetText(base64.StdEncoding.EncodeToString(s.Cookie))
	}
	return el
}

// Clone returns a deep copy of s whose Element, when s has one, is a
// detached copy of the received element that stands alone: the namespace
// declarations it inherited from its ancestors and uses are added to its
// root, nothing else changes (attributes, prefixes, text and whitespace
// are kept), so its exclusive canonical form, and the bytes a peer
// compares, are those of the original. A client puts Clone().Element in
// the security header of its requests.
func (s *SecurityContextToken) Clone() *SecurityContextToken {
	c := *s
	if s.Cookie != nil {
		c.Cookie = append([]byte(nil), s.Cookie...)
	}
	if s.Element != nil {
		c.Element = Standalone(s.Element)
	}
	return &c
}

// AttachedReference returns the reference to the token from inside the
// same message (by wsu:Id), as WCF writes it in RequestedAttachedReference
// and in the KeyInfo of requests that carry the token.
func (s *SecurityContextToken) AttachedReference(v Version) *etree.Element {
	return NewSCTLocalReference(v, s.ID)
}

// UnattachedReference returns the reference to the token by Identifier
// (and Instance), as WCF writes it in RequestedUnattachedReference, in
// RenewTarget and CancelTarget, and in responses that do not carry the
// token.
func (s *SecurityContextToken) UnattachedReference(v Version) *etree.Element {
	return NewSCTReference(v, s.Identifier, s.Instance)
}

// SCTReference is a parsed wsse:SecurityTokenReference to a
// SecurityContextToken: either a local reference to the token's wsu:Id
// ("#id") or an external one to its Identifier, optionally qualified by
// the key generation in a wsc:Instance attribute (WCF's
// SecurityContextKeyIdentifierClause).
type SCTReference struct {
	// Version is the version named by the ValueType or the Instance
	// attribute; 0 when the reference names neither (WCF writes local
	// references inside DerivedKeyTokens without a ValueType).
	Version Version
	// URI is the Reference URI as sent.
	URI string
	// LocalID is the wsu:Id a local reference points to (URI without '#'),
	// "" for an external reference.
	LocalID string
	// Identifier is the context identifier of an external reference, ""
	// for a local one.
	Identifier string
	// Instance is the wsc:Instance attribute of an external reference, ""
	// for none.
	Instance string
	// Element is the SecurityTokenReference element.
	Element *etree.Element
}

// Local reports whether r references a token in the same message.
func (r *SCTReference) Local() bool { return r.LocalID != "" }

// Matches reports whether r references s: by wsu:Id for a local
// reference, by Identifier (and Instance when r carries one) otherwise.
func (r *SCTReference) Matches(s *SecurityContextToken) bool {
	if r.Local() {
		return s.ID != "" && r.LocalID == s.ID
	}
	return r.Identifier == s.Identifier && (r.Instance == "" || r.Instance == s.Instance)
}

// ParseSCTReference reads a SecurityTokenReference that may reference a
// SecurityContextToken: exactly one wsse:Reference with a URI (at most
// MaxIdentifierLen bytes, no whitespace), a ValueType that is absent or the
// SCT token type of either version, and an optional wsc:Instance attribute
// on an external reference, whose namespace must agree with the ValueType.
// Errors wrap wssecurity.ErrInvalidToken.
func ParseSCTReference(str *etree.Element) (*SCTReference, error) {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: reference to a security context token: "+format, append([]any{wssecurity.ErrInvalidToken}, args...)...)
	}
	if !xmlutil.Is(str, wsse.NSWSSE, ElSTR) {
		return nil, bad("not a wsse:SecurityTokenReference")
	}
	children, err := wChildren(str)
	if err != nil {
		return nil, bad("%v", err)
	}
	if len(children) != 1 || !xmlutil.Is(children[0], wsse.NSWSSE, elReference) {
		return nil, bad("want exactly one wsse:Reference")
	}
	ref := children[0]
	if kids, err := wChildren(ref); err != nil || len(kids) > 0 {
		return nil, bad("unexpected content in wsse:Reference")
	}
	r := &SCTReference{Element: str}
	a := xmlutil.AttrNS(ref, "", attrURI)
	if a == nil {
		return nil, bad("no URI")
	}
	if r.URI, err = wURI(a.Value); err != nil {
		return nil, bad("URI: %v", err)
	}
	if vt := xmlutil.AttrNS(ref, "", attrValueType); vt != nil {
		switch Trim(vt.Value) {
		case URISCT200502:
			r.Version = V200502
		case URISCT13:
			r.Version = V13
		default:
			return nil, bad("ValueType is not a security context token")
		}
	}
	for _, v := range [...]Version{V200502, V13} {
		inst := xmlutil.AttrNS(ref, v.SCNamespace(), elInstance)
		if inst == nil {
			continue
		}
		if r.Instance != "" || (r.Version != 0 && r.Version != v) {
			return nil, bad("conflicting Instance attributes")
		}
		if r.Instance, err = wURI(inst.Value); err != nil {
			return nil, bad("Instance: %v", err)
		}
		r.Version = v
	}
	if strings.HasPrefix(r.URI, "#") {
		if len(r.URI) == 1 {
			return nil, bad("empty local URI")
		}
		if r.Instance != "" {
			return nil, bad("Instance on a local reference")
		}
		r.LocalID = r.URI[1:]
	} else {
		r.Identifier = r.URI
	}
	return r, nil
}

// NewSCTLocalReference returns the reference from inside a message to the
// SCT with wsu:Id id, as WCF writes it:
//
//	<o:SecurityTokenReference xmlns:o="...">
//	  <o:Reference ValueType=".../sct" URI="#id"/>
//	</o:SecurityTokenReference>
func NewSCTLocalReference(v Version, id string) *etree.Element {
	v = v.orDefault()
	str := NewElement(prefixWSSE, wsse.NSWSSE, ElSTR)
	ref := str.CreateElement(prefixWSSE + ":" + elReference)
	ref.CreateAttr(attrValueType, v.TokenType())
	ref.CreateAttr(attrURI, "#"+id)
	return str
}

// NewSCTReference returns the reference to the SCT with the given
// Identifier, as WCF writes it (WSSecureConversation's SctStrEntry): URI,
// then the key generation as a wsc:Instance attribute when instance is not
// empty, then ValueType.
//
//	<o:SecurityTokenReference xmlns:o="...">
//	  <o:Reference URI="urn:uuid:..." c:Instance="urn:uuid:..." xmlns:c="..." ValueType=".../sct"/>
//	</o:SecurityTokenReference>
func NewSCTReference(v Version, identifier, instance string) *etree.Element {
	v = v.orDefault()
	str := NewElement(prefixWSSE, wsse.NSWSSE, ElSTR)
	ref := str.CreateElement(prefixWSSE + ":" + elReference)
	ref.CreateAttr(attrURI, identifier)
	if instance != "" {
		p := v.SCPrefix()
		ref.CreateAttr(p+":"+elInstance, instance)
		ref.CreateAttr("xmlns:"+p, v.SCNamespace())
	}
	ref.CreateAttr(attrValueType, v.TokenType())
	return str
}

// ---- XML helpers shared by the wire files of the package ----

// IsSpace reports whether r is XML whitespace.
func IsSpace(r rune) bool { return r == ' ' || r == '\t' || r == '\r' || r == '\n' }

// Trim removes leading and trailing XML whitespace.
func Trim(s string) string { return strings.TrimFunc(s, IsSpace) }

// wQName formats an expanded name for errors.
func wQName(n xml.Name) string {
	if n.Space == "" {
		return n.Local
	}
	return "{" + n.Space + "}" + n.Local
}

// wChildren returns the child elements of el; character data between them
// must be whitespace (comments and processing instructions are skipped).
func wChildren(el *etree.Element) ([]*etree.Element, error) {
	var out []*etree.Element
	for _, t := range el.Child {
		switch t := t.(type) {
		case *etree.Element:
			out = append(out, t)
		case *etree.CharData:
			if Trim(t.Data) != "" {
				return nil, fmt.Errorf("unexpected text in %s", el.Tag)
			}
		}
	}
	return out, nil
}

// wText returns the character data of el, which must have no child
// elements and at most limit bytes of text. Errors name the element, never
// its text.
func wText(el *etree.Element, limit int) (string, error) {
	var b strings.Builder
	for _, t := range el.Child {
		switch t := t.(type) {
		case *etree.Element:
			return "", fmt.Errorf("unexpected element in %s", el.Tag)
		case *etree.CharData:
			if b.Len()+len(t.Data) > limit {
				return "", fmt.Errorf("%s is longer than %d bytes", el.Tag, limit)
			}
			b.WriteString(t.Data)
		}
	}
	return b.String(), nil
}

// wURI checks a URI value (trimmed): non-empty, at most MaxIdentifierLen
// bytes, no inner whitespace.
func wURI(s string) (string, error) {
	s = Trim(s)
	switch {
	case s == "":
		return "", fmt.Errorf("empty")
	case len(s) > MaxIdentifierLen:
		return "", fmt.Errorf("longer than %d bytes", MaxIdentifierLen)
	case strings.ContainsFunc(s, IsSpace):
		return "", fmt.Errorf("contains whitespace")
	}
	return s, nil
}

// wURIText reads the text of el as a URI (see wURI).
func wURIText(el *etree.Element) (string, error) {
	txt, err := wText(el, 4*MaxIdentifierLen)
	if err != nil {
		return "", err
	}
	return wURI(txt)
}

// wID returns el's wsu:Id, checked like a URI when present.
func wID(el *etree.Element) (string, error) {
	a := xmlutil.AttrNS(el, wsse.NSWSU, attrID)
	if a == nil {
		return "", nil
	}
	id, err := wURI(a.Value)
	if err != nil {
		return "", fmt.Errorf("wsu:Id: %v", err)
	}
	return id, nil
}

// wBase64Len is the longest text accepted for max decoded bytes of base64,
// with room for line breaks and indentation.
func wBase64Len(max int) int { return 2*(max/3+1)*4 + 256 }

// NewElement returns a standalone element prefix:local that declares
// prefix for ns.
func NewElement(prefix, ns, local string) *etree.Element {
	el := etree.NewElement(prefix + ":" + local)
	el.CreateAttr("xmlns:"+prefix, ns)
	return el
}

// wAdopt appends child to parent and removes the namespace declarations on
// child's root that parent's scope already makes (so a standalone element
// built by this package nests as WCF writes it, without repeated
// declarations).
func wAdopt(parent, child *etree.Element) {
	parent.AddChild(child)
	kept := child.Attr[:0]
	for _, a := range child.Attr {
		if prefix, ok := wDeclaredPrefix(a); ok {
			if uri, bound := xmlutil.LookupPrefix(parent, prefix); bound && uri == a.Value {
				continue
			}
		}
		kept = append(kept, a)
	}
	for i := len(kept); i < len(child.Attr); i++ {
		child.Attr[i] = etree.Attr{}
	}
	child.Attr = kept
}

// Standalone returns a detached deep copy of el carrying the namespace
// declarations it inherits (see xmlutil.CopyWithScope).
func Standalone(el *etree.Element) *etree.Element { return xmlutil.CopyWithScope(el) }

// wDeclaredPrefix returns the prefix a namespace declaration attribute
// binds ("" for the default namespace); ok is false for other attributes.
func wDeclaredPrefix(a etree.Attr) (prefix string, ok bool) {
	switch {
	case a.Space == "xmlns":
		return a.Key, true
	case a.Space == "" && a.Key == "xmlns":
		return "", true
	}
	return "", false
}
