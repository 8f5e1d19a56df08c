package wire

import (
	"github.com/beevik/etree"
	"github.com/soapstack/soapstack/internal/xmlutil"
)

// SequenceControl is the body of CloseSequence (1.1),
// CloseSequenceResponse (1.1), TerminateSequence and
// TerminateSequenceResponse (1.1): an Identifier and, on CloseSequence
// and 1.1's TerminateSequence, the optional LastMsgNumber.
type SequenceControl struct {
	Version Version
	// Kind is the element: Close, CloseResponse, Terminate or
	// TerminateResponse.
	Kind       ControlKind
	Identifier string
	// LastMsgNumber is 0 when absent.
	LastMsgNumber uint64
	Extensions    []*etree.Element
}

// ControlKind names a sequence control message.
type ControlKind int

// The control messages.
const (
	CloseSequence ControlKind = iota + 1
	CloseSequenceResponse
	TerminateSequence
	TerminateSequenceResponse
)

func (k ControlKind) local() string {
	switch k {
	case CloseSequence:
		return elCloseSequence
	case CloseSequenceResponse:
		return elCloseSequenceResponse
	case TerminateSequence:
		return elTerminateSequence
	case TerminateSequenceResponse:
		return elTerminateSequenceResponse
	}
	return ""
}

// exists reports whether version v has the message.
func (k ControlKind) exists(v Version) bool {
	return k == TerminateSequence || (v == V11 && k.local() != "")
}

// hasLast reports whether the message carries LastMsgNumber in v.
func (k ControlKind) hasLast(v Version) bool {
	return v == V11 && (k == CloseSequence || k == TerminateSequence)
}

// ParseSequenceControl reads a CloseSequence(Response) or
// TerminateSequence(Response) element of either version.
func ParseSequenceControl(el *etree.Element) (*SequenceControl, error) {
	if el == nil {
		return nil, malformed(elTerminateSequence, ErrWrongElement, "missing")
	}
	var kind ControlKind
	for k := CloseSequence; k <= TerminateSequenceResponse; k++ {
		if xmlutil.ElementName(el).Local == k.local() {
			kind = k
		}
	}
	v, err := versionOfRoot(el, kind.local())
	if err != nil {
		return nil, err
	}
	if !kind.exists(v) {
		return nil, malformed(kind.local(), ErrWrongElement, "not a %s message", v)
	}
	sc := &SequenceControl{Version: v, Kind: kind}
	s := newSchema(kind.local(), v.Namespace())
	kids, err := s.rmChildren(el)
	if err != nil {
		return nil, err
	}
	for _, c := range kids {
		n := xmlutil.ElementName(c)
		switch {
		case n.Local == elIdentifier:
			if sc.Identifier, err = take(s, c, 1, identifierText); err != nil {
				return nil, err
			}
		case n.Local == elLastMsgNumber && kind.hasLast(v):
			if sc.LastMsgNumber, err = take(s, c, 2, number); err != nil {
				return nil, err
			}
		default:
			return nil, s.other(c)
		}
	}
	if err := s.require(elIdentifier); err != nil {
		return nil, err
	}
	sc.Extensions = s.ext
	return sc, nil
}

// Build returns the element (nil when the version has no such message).
func (sc *SequenceControl) Build() *etree.Element {
	if !sc.Kind.exists(sc.Version) {
		return nil
	}
	el := rmElement(sc.Version, sc.Kind.local())
	rmChild(el, elIdentifier).SetText(sc.Identifier)
	if sc.LastMsgNumber != 0 && sc.Kind.hasLast(sc.Version) {
		rmChild(el, elLastMsgNumber).SetText(formatUint(sc.LastMsgNumber))
	}
	addExtensions(el, sc.Extensions)
	return el
}

// Action returns the WS-Addressing action of the message.
func (sc *SequenceControl) Action() string {
	switch sc.Kind {
	case CloseSequence:
		return sc.Version.CloseSequenceAction()
	case CloseSequenceResponse:
		return sc.Version.CloseSequenceResponseAction()
	case TerminateSequence:
		return sc.Version.TerminateSequenceAction()
	case TerminateSequenceResponse:
		return sc.Version.TerminateSequenceResponseAction()
	}
	return ""
}
