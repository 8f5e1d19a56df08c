package spnego

import (
	"encoding/asn1"
	"fmt"
)

// negTokenInit is SPNEGO's first token (RFC 4178 section 4.2.1).
type negTokenInit struct {
	// MechTypes are the mechanisms offered, most preferred first.
	MechTypes []asn1.ObjectIdentifier
	// MechTypesDER is the DER of the MechTypeList as received (what the
	// mechListMIC covers).
	MechTypesDER []byte
	// MechToken is the optimistic token of the first mechanism.
	MechToken []byte
	// MechListMIC is rarely present in a NegTokenInit.
	MechListMIC []byte
}

// negTokenResp is every later SPNEGO token (RFC 4178 section 4.2.2).
type negTokenResp struct {
	// NegState is one of the neg* constants, or -1 when absent.
	NegState      int
	SupportedMech asn1.ObjectIdentifier
	ResponseToken []byte
	MechListMIC   []byte
}

type negTokenInitASN struct {
	MechTypes   asn1.RawValue  // [0] MechTypeList (RawValue ignores explicit tags)
	ReqFlags    asn1.BitString `asn1:"explicit,optional,tag:1"`
	MechToken   []byte         `asn1:"explicit,optional,tag:2"`
	MechListMIC []byte         `asn1:"explicit,optional,tag:3"`
}

// negTokenRespOut is negTokenRespASN for writing: negState is always
// written (an optional zero, accept-completed, would be dropped).
type negTokenInitOut struct {
	MechTypes   asn1.RawValue // the [0] wrapper, built by hand: RawValue ignores explicit
	MechToken   []byte        `asn1:"explicit,optional,omitempty,tag:2"`
	MechListMIC []byte        `asn1:"explicit,optional,omitempty,tag:3"`
}

type negTokenRespOut struct {
	NegState      asn1.Enumerated       `asn1:"explicit,tag:0"`
	SupportedMech asn1.ObjectIdentifier `asn1:"explicit,optional,omitempty,tag:1"`
	ResponseToken []byte                `asn1:"explicit,optional,omitempty,tag:2"`
	MechListMIC   []byte                `asn1:"explicit,optional,omitempty,tag:3"`
}

type negTokenRespASN struct {
	NegState      asn1.Enumerated       `asn1:"explicit,optional,tag:0"`
	SupportedMech asn1.ObjectIdentifier `asn1:"explicit,optional,omitempty,tag:1"`
	ResponseToken []byte                `asn1:"explicit,optional,omitempty,tag:2"`
	MechListMIC   []byte                `asn1:"explicit,optional,omitempty,tag:3"`
}

// marshalMechTypes is the DER of a MechTypeList.
func marshalMechTypes(mechs []asn1.ObjectIdentifier) ([]byte, error) {
	return asn1.Marshal(mechs)
}

// marshal encodes the token as a GSS-API InitialContextToken with the
// SPNEGO OID (the form a NegTokenInit travels in).
func (n *negTokenInit) marshal() ([]byte, error) {
	mt := n.MechTypesDER
	if mt == nil {
		var err error
		if mt, err = marshalMechTypes(n.MechTypes); err != nil {
			return nil, err
		}
	}
	inner, err := asn1.Marshal(negTokenInitOut{
		MechTypes:   asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: mt},
		MechToken:   n.MechToken,
		MechListMIC: n.MechListMIC,
	})
	if err != nil {
		return nil, err
	}
	choice, err := asn1.Marshal(asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: inner})
	if err != nil {
		return nil, err
	}
	return gssFrame(oidSPNEGO, choice)
}

// parseNegTokenInit decodes a NegTokenInit in its InitialContextToken
// framing.
func parseNegTokenInit(b []byte) (*negTokenInit, error) {
	oid, inner, err := gssUnframe(b)
	if err != nil {
		return nil, err
	}
	if !oid.Equal(oidSPNEGO) {
		return nil, fmt.Errorf("%w: initial token for mechanism %v, not SPNEGO", ErrUnsupportedMech, oid)
	}
	body, err := contextChoice(inner, 0)
	if err != nil {
		return nil, err
	}
	var a negTokenInitASN
	if rest, err := asn1.Unmarshal(body, &a); err != nil {
		return nil, fmt.Errorf("%w: NegTokenInit: %v", ErrMalformed, err)
	} else if len(rest) > 0 {
		return nil, fmt.Errorf("%w: NegTokenInit: trailing bytes", ErrMalformed)
	}
	if a.MechTypes.Class != asn1.ClassContextSpecific || a.MechTypes.Tag != 0 || !a.MechTypes.IsCompound {
		return nil, fmt.Errorf("%w: NegTokenInit without mechTypes", ErrMalformed)
	}
	n := &negTokenInit{MechTypesDER: a.MechTypes.Bytes, MechToken: a.MechToken, MechListMIC: a.MechListMIC}
	if rest, err := asn1.Unmarshal(a.MechTypes.Bytes, &n.MechTypes); err != nil {
		return nil, fmt.Errorf("%w: MechTypeList: %v", ErrMalformed, err)
	} else if len(rest) > 0 {
		return nil, fmt.Errorf("%w: MechTypeList: trailing bytes", ErrMalformed)
	}
	if len(n.MechTypes) == 0 {
		return nil, fmt.Errorf("%w: empty MechTypeList", ErrMalformed)
	}
	return n, nil
}

// marshal encodes a NegTokenResp ([1] NegTokenResp, without GSS framing).
func (n *negTokenResp) marshal() ([]byte, error) {
	inner, err := asn1.Marshal(negTokenRespOut{
		NegState:      asn1.Enumerated(n.NegState),
		SupportedMech: n.SupportedMech,
		ResponseToken: n.ResponseToken,
		MechListMIC:   n.MechListMIC,
	})
	if err != nil {
		return nil, err
	}
	return asn1.Marshal(asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 1, IsCompound: true, Bytes: inner})
}

// parseNegTokenResp decodes a NegTokenResp.
func parseNegTokenResp(b []byte) (*negTokenResp, error) {
	body, err := contextChoice(b, 1)
	if err != nil {
		return nil, err
	}
	a := negTokenRespASN{NegState: -1}
	if rest, err := asn1.Unmarshal(body, &a); err != nil {
		return nil, fmt.Errorf("%w: NegTokenResp: %v", ErrMalformed, err)
	} else if len(rest) > 0 {
		return nil, fmt.Errorf("%w: NegTokenResp: trailing bytes", ErrMalformed)
	}
	if a.NegState < -1 || a.NegState > negRequestMIC {
		return nil, fmt.Errorf("%w: NegTokenResp: negState %d", ErrMalformed, a.NegState)
	}
	return &negTokenResp{NegState: int(a.NegState), SupportedMech: a.SupportedMech,
		ResponseToken: a.ResponseToken, MechListMIC: a.MechListMIC}, nil
}

// contextChoice returns the contents of the context-specific constructed
// element [tag] that b holds entirely.
func contextChoice(b []byte, tag int) ([]byte, error) {
	var rv asn1.RawValue
	rest, err := asn1.Unmarshal(b, &rv)
	if err != nil {
		return nil, fmt.Errorf("%w: negotiation token: %v", ErrMalformed, err)
	}
	if len(rest) > 0 {
		return nil, fmt.Errorf("%w: negotiation token: trailing bytes", ErrMalformed)
	}
	if rv.Class != asn1.ClassContextSpecific || rv.Tag != tag || !rv.IsCompound {
		return nil, fmt.Errorf("%w: negotiation token: [%d %d], want [context %d]", ErrMalformed, rv.Class, rv.Tag, tag)
	}
	return rv.Bytes, nil
}

// gssFrame wraps inner in a GSS-API InitialContextToken (RFC 2743 3.1):
// [APPLICATION 0] { thisMech OID, innerToken }.
func gssFrame(mech asn1.ObjectIdentifier, inner []byte) ([]byte, error) {
	o, err := asn1.Marshal(mech)
	if err != nil {
		return nil, err
	}
	return asn1.Marshal(asn1.RawValue{Class: asn1.ClassApplication, Tag: 0, IsCompound: true, Bytes: append(o, inner...)})
}

// gssUnframe splits an InitialContextToken into its mechanism OID and
// inner token.
func gssUnframe(b []byte) (asn1.ObjectIdentifier, []byte, error) {
	var rv asn1.RawValue
	rest, err := asn1.Unmarshal(b, &rv)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: GSS-API token: %v", ErrMalformed, err)
	}
	if len(rest) > 0 {
		return nil, nil, fmt.Errorf("%w: GSS-API token: trailing bytes", ErrMalformed)
	}
	if rv.Class != asn1.ClassApplication || rv.Tag != 0 || !rv.IsCompound {
		return nil, nil, fmt.Errorf("%w: GSS-API token: not an InitialContextToken", ErrMalformed)
	}
	var oid asn1.ObjectIdentifier
	inner, err := asn1.Unmarshal(rv.Bytes, &oid)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: GSS-API token mechanism: %v", ErrMalformed, err)
	}
	return oid, inner, nil
}

// krb5Frame frames a Kerberos message as a GSS-API Kerberos token: OID,
// two-byte TOK_ID, message (RFC 4121 section 4.1).
func krb5Frame(tok [2]byte, msg []byte) ([]byte, error) {
	return gssFrame(oidKRB5, append(tok[:], msg...))
}

// krb5Unframe returns a GSS-API Kerberos token's TOK_ID and message.
// Either Kerberos OID is accepted.
func krb5Unframe(b []byte) ([2]byte, []byte, error) {
	var tok [2]byte
	oid, inner, err := gssUnframe(b)
	if err != nil {
		return tok, nil, err
	}
	if !oid.Equal(oidKRB5) && !oid.Equal(oidMSKRB5) {
		return tok, nil, fmt.Errorf("%w: mechanism token for %v, not Kerberos", ErrUnsupportedMech, oid)
	}
	if len(inner) < 2 {
		return tok, nil, fmt.Errorf("%w: Kerberos token without TOK_ID", ErrMalformed)
	}
	copy(tok[:], inner)
	return tok, inner[2:], nil
}

// isKerberos reports whether oid names Kerberos V5 (either OID).
func isKerberos(oid asn1.ObjectIdentifier) bool {
	return oid.Equal(oidKRB5) || oid.Equal(oidMSKRB5)
}
