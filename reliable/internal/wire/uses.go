package wire

import (
	"github.com/beevik/etree"
	"github.com/soapstack/soapstack/internal/xmlutil"
)

// UsesSequence is a WS-RM 1.1 UsesSequenceSTR or UsesSequenceSSL header:
// an empty, mustUnderstand header that binds the sequence to the secure
// session's token or to the TLS session.
type UsesSequence int

// The two headers.
const (
	UsesSequenceSTR UsesSequence = iota + 1
	UsesSequenceSSL
)

func (u UsesSequence) local() string {
	switch u {
	case UsesSequenceSTR:
		return elUsesSequenceSTR
	case UsesSequenceSSL:
		return elUsesSequenceSSL
	}
	return ""
}

// ParseUsesSequence reads a UsesSequenceSTR or UsesSequenceSSL header
// (WS-RM 1.1 only): empty, qualified attributes only.
func ParseUsesSequence(el *etree.Element) (UsesSequence, error) {
	if el == nil {
		return 0, malformed(elUsesSequenceSTR, ErrWrongElement, "missing")
	}
	n := xmlutil.ElementName(el)
	var u UsesSequence
	switch {
	case n.Space == NSRM11 && n.Local == elUsesSequenceSTR:
		u = UsesSequenceSTR
	case n.Space == NSRM11 && n.Local == elUsesSequenceSSL:
		u = UsesSequenceSSL
	default:
		return 0, malformed(elUsesSequenceSTR, ErrWrongElement, "got %s", qname(n))
	}
	if err := attrs(el); err != nil {
		return 0, err
	}
	if err := empty(el); err != nil {
		return 0, err
	}
	return u, nil
}

// Build returns the header element (WS-RM 1.1); the caller marks it
// mustUnderstand (soap.Message.SetMustUnderstand), as WCF sends it.
func (u UsesSequence) Build() *etree.Element {
	if u.local() == "" {
		return nil
	}
	return rmElement(V11, u.local())
}
