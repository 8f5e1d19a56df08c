package wire

import (
	"github.com/beevik/etree"
	"github.com/soapstack/soapstack/internal/xmlutil"
)

// Sequence is the wsrm:Sequence header of a sequence message.
type Sequence struct {
	Version       Version
	Identifier    string
	MessageNumber uint64
	// LastMessage is WS-RM 1.0's LastMessage marker.
	LastMessage bool
	Extensions  []*etree.Element
}

// ParseSequence reads a Sequence header of either version. Attributes of
// other namespaces (mustUnderstand, wsu:Id) are the caller's.
func ParseSequence(el *etree.Element) (*Sequence, error) {
	v, err := versionOfRoot(el, elSequence)
	if err != nil {
		return nil, err
	}
	sq := &Sequence{Version: v}
	s := newSchema(elSequence, v.Namespace())
	kids, err := s.rmChildren(el)
	if err != nil {
		return nil, err
	}
	for _, c := range kids {
		n := xmlutil.ElementName(c)
		switch {
		case n.Local == elIdentifier:
			if sq.Identifier, err = take(s, c, 1, identifierText); err != nil {
				return nil, err
			}
		case n.Local == elMessageNumber:
			if sq.MessageNumber, err = take(s, c, 2, number); err != nil {
				return nil, err
			}
		case n.Local == elLastMessage && v == V200502:
			if err := s.check(c, 3, false); err != nil {
				return nil, err
			}
			if err := attrs(c); err != nil {
				return nil, err
			}
			if err := empty(c); err != nil {
				return nil, err
			}
			sq.LastMessage = true
		default:
			return nil, s.other(c)
		}
	}
	for _, req := range []string{elIdentifier, elMessageNumber} {
		if err := s.require(req); err != nil {
			return nil, err
		}
	}
	sq.Extensions = s.ext
	return sq, nil
}

// Build returns the Sequence header (without mustUnderstand, which the
// message sets in its SOAP version: soap.Message.SetMustUnderstand).
func (sq *Sequence) Build() *etree.Element {
	el := rmElement(sq.Version, elSequence)
	rmChild(el, elIdentifier).SetText(sq.Identifier)
	rmChild(el, elMessageNumber).SetText(formatUint(sq.MessageNumber))
	if sq.LastMessage && sq.Version == V200502 {
		rmChild(el, elLastMessage)
	}
	addExtensions(el, sq.Extensions)
	return el
}
