package wire

import (
	"time"

	"github.com/beevik/etree"
	"github.com/soapstack/soapstack/internal/xmlutil"
)

// Behavior is the WS-RM 1.1 IncompleteSequenceBehavior; the zero value
// is absent.
type Behavior int

// The behaviors.
const (
	// DiscardEntireSequence discards the whole sequence when it is incomplete.
	DiscardEntireSequence Behavior = iota + 1
	// DiscardFollowingFirstGap discards the messages after the first gap.
	DiscardFollowingFirstGap
	// NoDiscard delivers whatever arrived.
	NoDiscard
)

// String returns the schema value ("" for none).
func (b Behavior) String() string {
	switch b {
	case DiscardEntireSequence:
		return isbDiscardEntireSequence
	case DiscardFollowingFirstGap:
		return isbDiscardFollowingFirstGap
	case NoDiscard:
		return isbNoDiscard
	}
	return ""
}

func parseBehavior(el *etree.Element) (Behavior, error) {
	if err := attrs(el); err != nil {
		return 0, err
	}
	s, err := text(el)
	if err != nil {
		return 0, err
	}
	for b := DiscardEntireSequence; b <= NoDiscard; b++ {
		if s == b.String() {
			return b, nil
		}
	}
	return 0, malformed(el.Tag, ErrBehavior, "value")
}

func parseExpires(el *etree.Element) (*time.Duration, error) {
	if err := attrs(el); err != nil {
		return nil, err
	}
	s, err := text(el)
	if err != nil {
		return nil, err
	}
	d, err := parseDuration(el.Tag, s)
	if err != nil {
		return nil, err
	}
	return &d, nil
}

// Offer is the Offer of a CreateSequence: the sequence the initiator
// offers for the responses.
type Offer struct {
	Identifier string
	// Endpoint is required in WS-RM 1.1, absent in 1.0.
	Endpoint *EndpointReference
	// Expires is nil when absent.
	Expires *time.Duration
	// IncompleteSequenceBehavior (1.1) is 0 when absent.
	IncompleteSequenceBehavior Behavior
	Extensions                 []*etree.Element
}

// CreateSequence is the body of a CreateSequence request.
type CreateSequence struct {
	Version Version
	AcksTo  EndpointReference
	// Expires is nil when absent.
	Expires *time.Duration
	// Offer is nil when absent.
	Offer *Offer
	// SecurityTokenReference is the wsse:SecurityTokenReference to the
	// secure session's token (RM over WS-SecureConversation), nil when
	// absent; the layer resolves it (wstrust.ParseSCTReference).
	SecurityTokenReference *etree.Element
	Extensions             []*etree.Element
}

// ParseCreateSequence reads a CreateSequence element of either version.
func ParseCreateSequence(el *etree.Element) (*CreateSequence, error) {
	v, err := versionOfRoot(el, elCreateSequence)
	if err != nil {
		return nil, err
	}
	if err := attrs(el); err != nil {
		return nil, err
	}
	kids, err := children(el)
	if err != nil {
		return nil, err
	}
	cs := &CreateSequence{Version: v}
	s := newSchema(elCreateSequence, v.Namespace())
	for _, c := range kids {
		n := xmlutil.ElementName(c)
		if n.Space == NSWSSE && n.Local == elSTR {
			if cs.SecurityTokenReference != nil {
				return nil, malformed(s.where, ErrRepeatedChild, "SecurityTokenReference")
			}
			cs.SecurityTokenReference = c
			continue
		}
		if n.Space != s.ns {
			if err := s.other(c); err != nil {
				return nil, err
			}
			continue
		}
		switch n.Local {
		case elAcksTo:
			if err := s.check(c, 1, false); err != nil {
				return nil, err
			}
			epr, err := parseEPR(v, c)
			if err != nil {
				return nil, err
			}
			cs.AcksTo = *epr
		case elExpires:
			if cs.Expires, err = take(s, c, 2, parseExpires); err != nil {
				return nil, err
			}
		case elOffer:
			if err := s.check(c, 3, false); err != nil {
				return nil, err
			}
			if cs.Offer, err = parseOffer(v, c); err != nil {
				return nil, err
			}
		default:
			return nil, s.other(c)
		}
	}
	if err := s.require(elAcksTo); err != nil {
		return nil, err
	}
	cs.Extensions = s.ext
	return cs, nil
}

func parseOffer(v Version, el *etree.Element) (*Offer, error) {
	o := &Offer{}
	s := newSchema(elOffer, v.Namespace())
	kids, err := s.rmChildren(el)
	if err != nil {
		return nil, err
	}
	for _, c := range kids {
		n := xmlutil.ElementName(c)
		switch {
		case n.Local == elIdentifier:
			if o.Identifier, err = take(s, c, 1, identifierText); err != nil {
				return nil, err
			}
		case n.Local == elEndpoint && v == V11:
			if err := s.check(c, 2, false); err != nil {
				return nil, err
			}
			if o.Endpoint, err = parseEPR(v, c); err != nil {
				return nil, err
			}
		case n.Local == elExpires:
			if o.Expires, err = take(s, c, 3, parseExpires); err != nil {
				return nil, err
			}
		case n.Local == elIncompleteSeqBehavior && v == V11:
			if o.IncompleteSequenceBehavior, err = take(s, c, 4, parseBehavior); err != nil {
				return nil, err
			}
		default:
			return nil, s.other(c)
		}
	}
	if err := s.require(elIdentifier); err != nil {
		return nil, err
	}
	if v == V11 {
		if err := s.require(elEndpoint); err != nil {
			return nil, err
		}
	}
	o.Extensions = s.ext
	return o, nil
}

// Build returns the CreateSequence element as WCF writes it: AcksTo,
// Expires, Offer (Identifier, Endpoint, Expires, IncompleteSequenceBehavior),
// the SecurityTokenReference, then the extensions. Fields the version does
// not have are not written.
func (cs *CreateSequence) Build() *etree.Element {
	v := cs.Version
	el := rmElement(v, elCreateSequence)
	cs.AcksTo.build(rmChild(el, elAcksTo))
	if cs.Expires != nil {
		rmChild(el, elExpires).SetText(formatDuration(*cs.Expires))
	}
	if o := cs.Offer; o != nil {
		oe := rmChild(el, elOffer)
		rmChild(oe, elIdentifier).SetText(o.Identifier)
		if v == V11 && o.Endpoint != nil {
			o.Endpoint.build(rmChild(oe, elEndpoint))
		}
		if o.Expires != nil {
			rmChild(oe, elExpires).SetText(formatDuration(*o.Expires))
		}
		if v == V11 && o.IncompleteSequenceBehavior != 0 {
			rmChild(oe, elIncompleteSeqBehavior).SetText(o.IncompleteSequenceBehavior.String())
		}
		addExtensions(oe, o.Extensions)
	}
	if cs.SecurityTokenReference != nil {
		el.AddChild(xmlutil.CopyWithScope(cs.SecurityTokenReference))
	}
	addExtensions(el, cs.Extensions)
	return el
}

// CreateSequenceResponse is the body of a CreateSequenceResponse.
type CreateSequenceResponse struct {
	Version    Version
	Identifier string
	Expires    *time.Duration
	// IncompleteSequenceBehavior (1.1) is 0 when absent.
	IncompleteSequenceBehavior Behavior
	// Accept is the AcksTo of an accepted offer, nil when absent.
	Accept     *EndpointReference
	Extensions []*etree.Element
}

// ParseCreateSequenceResponse reads a CreateSequenceResponse of either
// version.
func ParseCreateSequenceResponse(el *etree.Element) (*CreateSequenceResponse, error) {
	v, err := versionOfRoot(el, elCreateSequenceResponse)
	if err != nil {
		return nil, err
	}
	r := &CreateSequenceResponse{Version: v}
	s := newSchema(elCreateSequenceResponse, v.Namespace())
	kids, err := s.rmChildren(el)
	if err != nil {
		return nil, err
	}
	for _, c := range kids {
		n := xmlutil.ElementName(c)
		switch {
		case n.Local == elIdentifier:
			if r.Identifier, err = take(s, c, 1, identifierText); err != nil {
				return nil, err
			}
		case n.Local == elExpires:
			if r.Expires, err = take(s, c, 2, parseExpires); err != nil {
				return nil, err
			}
		case n.Local == elIncompleteSeqBehavior && v == V11:
			if r.IncompleteSequenceBehavior, err = take(s, c, 3, parseBehavior); err != nil {
				return nil, err
			}
		case n.Local == elAccept:
			if err := s.check(c, 4, false); err != nil {
				return nil, err
			}
			if r.Accept, err = parseAccept(v, c); err != nil {
				return nil, err
			}
		default:
			return nil, s.other(c)
		}
	}
	if err := s.require(elIdentifier); err != nil {
		return nil, err
	}
	r.Extensions = s.ext
	return r, nil
}

func parseAccept(v Version, el *etree.Element) (*EndpointReference, error) {
	if err := attrs(el); err != nil {
		return nil, err
	}
	kids, err := children(el)
	if err != nil {
		return nil, err
	}
	s := newSchema(elAccept, v.Namespace())
	var epr *EndpointReference
	for _, c := range kids {
		n := xmlutil.ElementName(c)
		if n.Space == s.ns && n.Local == elAcksTo {
			if err := s.check(c, 1, false); err != nil {
				return nil, err
			}
			if epr, err = parseEPR(v, c); err != nil {
				return nil, err
			}
			continue
		}
		if err := s.other(c); err != nil {
			return nil, err
		}
	}
	if err := s.require(elAcksTo); err != nil {
		return nil, err
	}
	return epr, nil
}

// Build returns the CreateSequenceResponse element as WCF writes it:
// Identifier, Expires, IncompleteSequenceBehavior (1.1), Accept/AcksTo.
func (r *CreateSequenceResponse) Build() *etree.Element {
	v := r.Version
	el := rmElement(v, elCreateSequenceResponse)
	rmChild(el, elIdentifier).SetText(r.Identifier)
	if r.Expires != nil {
		rmChild(el, elExpires).SetText(formatDuration(*r.Expires))
	}
	if v == V11 && r.IncompleteSequenceBehavior != 0 {
		rmChild(el, elIncompleteSeqBehavior).SetText(r.IncompleteSequenceBehavior.String())
	}
	if r.Accept != nil {
		r.Accept.build(rmChild(rmChild(el, elAccept), elAcksTo))
	}
	addExtensions(el, r.Extensions)
	return el
}
