package wssecurity

import (
	"github.com/beevik/etree"
	"github.com/soapstack/soapstack/internal/wsse"
)

// sessionReference returns a reply's reference to the session token: its
// Identifier, with the key generation as a wsc:Instance attribute when the
// token the request carried has an Instance (a renewed token), as WCF
// writes references to a SecurityContextToken. A peer that matches key
// generations exactly, as WCF's token resolvers do, would otherwise look
// for the issued generation and miss the renewed key.
func sessionReference(s *SessionToken) *etree.Element {
	str := wsse.NewSTRReference(s.Identifier, s.TokenType)
	if s.Element == nil {
		return str
	}
	inst := firstChild(s.Element, s.Namespace, "Instance")
	if inst == nil {
		return str
	}
	gen := wsse.TrimXMLSpace(inst.Text())
	if gen == "" {
		return str
	}
	prefix := "c"
	if s.Namespace == wsse.NSWSC13 {
		prefix = "sc"
	}
	// As WCF orders them: URI, Instance, ValueType.
	ref := str.ChildElements()[0]
	vt := ref.SelectAttr("ValueType")
	if vt != nil {
		ref.RemoveAttr("ValueType")
	}
	ref.CreateAttr(prefix+":Instance", gen)
	ref.CreateAttr("xmlns:"+prefix, s.Namespace)
	if vt != nil {
		ref.CreateAttr("ValueType", vt.Value)
	}
	return str
}
