package wssecurity

import (
	"github.com/beevik/etree"
	"github.com/soapstack/soapstack/internal/wsse"
	"github.com/soapstack/soapstack/internal/xmlutil"
)

// ErrAmbiguousReference reports a "#" reference to a SecurityContextToken
// by its Identifier that could name more than one thing: an element of the
// message carries that Id, or more than one token carries that Identifier
// (wsse:InvalidSecurityToken).
var ErrAmbiguousReference = wsse.NewSentinel(FaultInvalidSecurityToken, "wssecurity: ambiguous reference to a security context token")

// isSCTValueType reports whether a Reference ValueType names a
// SecurityContextToken (WS-SC 2005/02 or 1.3).
func isSCTValueType(vt string) bool {
	return vt == wsse.NSWSC200502+"/sct" || vt == wsse.NSWSC13+"/sct"
}

// sctByIdentifier resolves a local reference "#X" that matched no wsu:Id
// as the SecurityContextToken of the message whose Identifier is X. Apache
// CXF's streaming (StAX) client refers to the SCT it carries that way
// (URI="#urn:uuid:…", with the WS-SC 1.3 ValueType even in a 2005/02
// session), and CXF's streaming service accepts it. The fallback is
// bounded: the Reference must carry an SCT ValueType, no element of the
// message may have X as its Id (then X names that element, not a token),
// and at most one SecurityContextToken in the Security header may carry
// the Identifier X; the token found is the one carried, resolved like any
// other (its session, its key). When the message carries none, "#X" names
// the session the TokenResolver knows as X, if it knows one (CXF's
// streaming service refers to the SCT so in its replies). ok is false
// when the fallback does not apply; the reference is then unresolved.
func (r *receiver) sctByIdentifier(str *wsse.STR, id string) (t *token, ok bool, err error) {
	if r.cfg.TokenResolver == nil || id == "" || str.Kind != wsse.STRReference || !isSCTValueType(str.ValueType) {
		return nil, false, nil
	}
	if hasElementWithID(envelopeRoot(r.sec), id) {
		return nil, true, refuse(ErrAmbiguousReference, "%q is the Id of an element that is no token", id)
	}
	var found []*etree.Element
	for _, c := range childElements(r.sec) {
		if s := sessionFromElement(c, nil); s != nil && s.Identifier == id {
			found = append(found, c)
		}
	}
	switch len(found) {
	case 0:
		// Not carried: the session the resolver knows by that identifier,
		// exactly as a reference URI="X" would name it (CXF's streaming
		// service refers so to the SCT in its replies).
		if t, ok := r.external[id]; ok {
			return t, true, nil
		}
		ext := *str
		ext.URI, ext.Local = id, false
		key, err := r.cfg.TokenResolver.TokenReference(r.ctx, &ext)
		if err != nil {
			// Unknown: the reference stays what it was, a local
			// reference to nothing (ErrTokenUnavailable).
			return nil, false, nil
		}
		t := &token{kind: tokExternal, key: key}
		if r.external == nil {
			r.external = map[string]*token{}
		}
		r.external[id] = t
		return t, true, nil
	case 1:
	default:
		return nil, true, refuse(ErrAmbiguousReference, "%d security context tokens carry the identifier %q", len(found), id)
	}
	c := found[0]
	if t, ok := r.tokens[c]; ok {
		return t, true, nil
	}
	if r.done[c] {
		return nil, true, refuse(ErrInvalidToken, "reference loop through %q", id)
	}
	if r.p.Layout == Strict && !r.inspect {
		return nil, true, refuse(ErrLayout, "token %q used before it is declared (Strict layout)", id)
	}
	if err := r.element(c, false); err != nil {
		return nil, true, err
	}
	if t, ok := r.tokens[c]; ok {
		return t, true, nil
	}
	return nil, false, nil
}

// envelopeRoot returns the outermost element above el.
func envelopeRoot(el *etree.Element) *etree.Element {
	for p := el.Parent(); p != nil && p.Tag != ""; p = p.Parent() {
		el = p
	}
	return el
}

// hasElementWithID reports whether an element under root (root included)
// has id as its wsu:Id or unqualified Id (what a "#id" reference names).
func hasElementWithID(root *etree.Element, id string) bool {
	if a := xmlutil.AttrNS(root, wsse.NSWSU, "Id"); a != nil && a.Value == id {
		return true
	}
	if a := xmlutil.AttrNS(root, "", "Id"); a != nil && a.Value == id {
		return true
	}
	for _, c := range root.ChildElements() {
		if hasElementWithID(c, id) {
			return true
		}
	}
	return false
}
