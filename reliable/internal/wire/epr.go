package wire

import (
	"github.com/beevik/etree"
	"github.com/soapstack/soapstack/internal/xmlutil"
	"github.com/soapstack/soapstack/soap"
)

// EndpointReference is a WS-Addressing endpoint reference inside an RM
// element (AcksTo, Offer/Endpoint).
type EndpointReference struct {
	// Addressing is the version of the wsa:Address child (WS-RM 1.1 allows
	// WS-Addressing 1.0 only). Build writes WSA10 for the zero value.
	Addressing soap.AddressingVersion
	// Address is the wsa:Address.
	Address string
	// ReferenceParameters are the children of wsa:ReferenceParameters
	// (2004/08: ReferenceProperties and ReferenceParameters).
	ReferenceParameters []*etree.Element
}

// parseEPR reads an endpoint reference element of RM version v.
func parseEPR(v Version, el *etree.Element) (*EndpointReference, error) {
	where := el.Tag
	if err := attrs(el); err != nil {
		return nil, err
	}
	kids, err := children(el)
	if err != nil {
		return nil, err
	}
	if len(kids) == 0 {
		return nil, malformed(where, ErrMissingChild, "Address")
	}
	first := xmlutil.ElementName(kids[0])
	var av soap.AddressingVersion
	switch first.Space {
	case NSWSA10:
		av = soap.WSA10
	case NSWSA200408:
		av = soap.WSA200408
	default:
		return nil, malformed(where, ErrMissingChild, "Address first")
	}
	if v == V11 && av != soap.WSA10 {
		return nil, malformed(where, ErrVersionMismatch, "WS-RM 1.1 uses WS-Addressing 1.0")
	}
	if first.Local != elAddress {
		return nil, malformed(where, ErrMissingChild, "Address first")
	}
	addr, err := text(kids[0])
	if err != nil {
		return nil, err
	}
	if _, err := identifier(where+"/Address", addr); err != nil {
		return nil, err
	}
	epr := &EndpointReference{Addressing: av, Address: addr}
	ns := av.Namespace()
	seen := map[string]bool{}
	for _, c := range kids[1:] {
		n := xmlutil.ElementName(c)
		if n.Space != ns {
			continue // Metadata of other specs, extensions (xs:any ##other)
		}
		switch n.Local {
		case elReferenceParameters, elReferenceProperties, "Metadata", "PortType", "ServiceName", "Policy":
			if seen[n.Local] {
				return nil, malformed(where, ErrRepeatedChild, "%s", n.Local)
			}
			seen[n.Local] = true
			if n.Local == elReferenceParameters || n.Local == elReferenceProperties {
				rp := c.ChildElements()
				if len(epr.ReferenceParameters)+len(rp) > MaxExtensions {
					return nil, malformed(where, ErrTooMany, "reference parameters")
				}
				epr.ReferenceParameters = append(epr.ReferenceParameters, rp...)
			}
		default:
			return nil, malformed(where, ErrUnknownChild, "%s", qname(n))
		}
	}
	return epr, nil
}

// build writes the endpoint reference's children into el (prefix "a",
// declared on el unless the scope already binds it).
func (e *EndpointReference) build(el *etree.Element) {
	av := e.Addressing
	if av == 0 {
		av = soap.WSA10
	}
	el.CreateAttr("xmlns:"+prefixWSA, av.Namespace())
	el.CreateElement(prefixWSA + ":" + elAddress).SetText(e.Address)
	if len(e.ReferenceParameters) > 0 {
		rp := el.CreateElement(prefixWSA + ":" + elReferenceParameters)
		for _, p := range e.ReferenceParameters {
			rp.AddChild(xmlutil.CopyWithScope(p))
		}
	}
}
