package wire

import (
	"github.com/beevik/etree"
	"github.com/soapstack/soapstack/internal/xmlutil"
)

// AckRequested is the wsrm:AckRequested header.
type AckRequested struct {
	Version    Version
	Identifier string
	// MessageNumber is WS-RM 1.0's optional highest message number sent,
	// 0 when absent.
	MessageNumber uint64
	Extensions    []*etree.Element
}

// ParseAckRequested reads an AckRequested header of either version.
func ParseAckRequested(el *etree.Element) (*AckRequested, error) {
	v, err := versionOfRoot(el, elAckRequested)
	if err != nil {
		return nil, err
	}
	a := &AckRequested{Version: v}
	s := newSchema(elAckRequested, v.Namespace())
	kids, err := s.rmChildren(el)
	if err != nil {
		return nil, err
	}
	for _, c := range kids {
		n := xmlutil.ElementName(c)
		switch {
		case n.Local == elIdentifier:
			if a.Identifier, err = take(s, c, 1, identifierText); err != nil {
				return nil, err
			}
		case n.Local == elMessageNumber && v == V200502:
			if a.MessageNumber, err = take(s, c, 2, number); err != nil {
				return nil, err
			}
		default:
			return nil, s.other(c)
		}
	}
	if err := s.require(elIdentifier); err != nil {
		return nil, err
	}
	a.Extensions = s.ext
	return a, nil
}

// Build returns the AckRequested header.
func (a *AckRequested) Build() *etree.Element {
	el := rmElement(a.Version, elAckRequested)
	rmChild(el, elIdentifier).SetText(a.Identifier)
	if a.MessageNumber != 0 && a.Version == V200502 {
		rmChild(el, elMessageNumber).SetText(formatUint(a.MessageNumber))
	}
	addExtensions(el, a.Extensions)
	return el
}
