package main

import (
	"encoding/asn1"
	"encoding/binary"
	"fmt"
)

// spnegoToken is what inspect reads from an SPNEGO blob (RFC 4178): the
// token kind, the mechanisms, the state and the kind of the inner
// mechanism token (a Kerberos AP-REQ or AP-REP, NTLM).
type spnegoToken struct {
	Kind          string   `json:"kind"`
	MechTypes     []string `json:"mechTypes,omitempty"`
	NegState      string   `json:"negState,omitempty"`
	SupportedMech string   `json:"supportedMech,omitempty"`
	MechToken     string   `json:"mechToken,omitempty"`
	MechTokenSize int      `json:"mechTokenSize,omitempty"`
	MechListMIC   bool     `json:"mechListMIC,omitempty"`
	Error         string   `json:"error,omitempty"`
}

// maxSPNEGOMechs caps the mechanisms listed.
const maxSPNEGOMechs = 16

var (
	oidSPNEGO     = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 2}
	oidKerberos   = asn1.ObjectIdentifier{1, 2, 840, 113554, 1, 2, 2}
	oidMSKerberos = asn1.ObjectIdentifier{1, 2, 840, 48018, 1, 2, 2}
	oidKrbU2U     = asn1.ObjectIdentifier{1, 2, 840, 113554, 1, 2, 2, 3}
	oidNTLM       = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 311, 2, 2, 10}
	oidNegoEx     = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 311, 2, 2, 30}
)

func mechName(o asn1.ObjectIdentifier) string {
	for _, m := range []struct {
		oid  asn1.ObjectIdentifier
		name string
	}{{oidKerberos, "Kerberos 5"}, {oidMSKerberos, "Kerberos 5 (Microsoft OID)"}, {oidKrbU2U, "Kerberos 5 user-to-user"},
		{oidNTLM, "NTLM"}, {oidNegoEx, "NegoEx"}, {oidSPNEGO, "SPNEGO"}} {
		if o.Equal(m.oid) {
			return m.name + " (" + o.String() + ")"
		}
	}
	return o.String()
}

var negStates = map[asn1.Enumerated]string{0: "accept-completed", 1: "accept-incomplete", 2: "reject", 3: "request-mic"}

// looksLikeSPNEGO reports whether b starts as a GSS-API initial token or a
// NegTokenResp.
func looksLikeSPNEGO(b []byte) bool { return len(b) > 2 && (b[0] == 0x60 || b[0] == 0xa1) }

// decodeSPNEGO reads an SPNEGO token: a NegTokenInit in its GSS-API
// framing, or a NegTokenResp.
func decodeSPNEGO(b []byte) *spnegoToken {
	t := &spnegoToken{Kind: "unknown"}
	var outer asn1.RawValue
	rest, err := asn1.Unmarshal(b, &outer)
	if err != nil {
		t.Error = fmt.Sprintf("not DER: %v", err)
		return t
	}
	if len(rest) > 0 {
		t.Error = fmt.Sprintf("%d bytes after the token", len(rest))
	}
	switch {
	case outer.Class == asn1.ClassApplication && outer.Tag == 0:
		var oid asn1.ObjectIdentifier
		inner, err := asn1.Unmarshal(outer.Bytes, &oid)
		if err != nil {
			t.Error = fmt.Sprintf("GSS-API token without a mechanism OID: %v", err)
			return t
		}
		if !oid.Equal(oidSPNEGO) {
			// A bare mechanism token (Kerberos without SPNEGO).
			t.Kind = "GSS-API token of " + mechName(oid)
			t.MechToken, t.MechTokenSize = mechTokenKind(b), len(b)
			return t
		}
		var choice asn1.RawValue
		if _, err := asn1.Unmarshal(inner, &choice); err != nil {
			t.Error = fmt.Sprintf("SPNEGO token: %v", err)
			return t
		}
		switch {
		case choice.Class == asn1.ClassContextSpecific && choice.Tag == 0:
			t.Kind = "NegTokenInit"
			t.fields(choice.Bytes, true)
		case choice.Class == asn1.ClassContextSpecific && choice.Tag == 1:
			t.Kind = "NegTokenResp"
			t.fields(choice.Bytes, false)
		default:
			t.Error = fmt.Sprintf("SPNEGO choice [%d] class %d", choice.Tag, choice.Class)
		}
	case outer.Class == asn1.ClassContextSpecific && outer.Tag == 1:
		t.Kind = "NegTokenResp"
		t.fields(outer.Bytes, false)
	default:
		t.Error = fmt.Sprintf("not an SPNEGO token (tag %d class %d)", outer.Tag, outer.Class)
	}
	return t
}

// fields reads the SEQUENCE of a NegTokenInit (init) or NegTokenResp.
func (t *spnegoToken) fields(b []byte, init bool) {
	var seq asn1.RawValue
	if _, err := asn1.Unmarshal(b, &seq); err != nil || seq.Tag != asn1.TagSequence {
		t.Error = "the token is not a SEQUENCE"
		return
	}
	for rest := seq.Bytes; len(rest) > 0; {
		var f asn1.RawValue
		var err error
		if rest, err = asn1.Unmarshal(rest, &f); err != nil {
			t.Error = fmt.Sprintf("field: %v", err)
			return
		}
		if f.Class != asn1.ClassContextSpecific {
			continue
		}
		switch {
		case init && f.Tag == 0:
			var mechs []asn1.ObjectIdentifier
			if _, err = asn1.Unmarshal(f.Bytes, &mechs); err == nil {
				for i, m := range mechs {
					if i == maxSPNEGOMechs {
						t.MechTypes = append(t.MechTypes, "…")
						break
					}
					t.MechTypes = append(t.MechTypes, mechName(m))
				}
			}
		case !init && f.Tag == 0:
			var st asn1.Enumerated
			if _, err = asn1.Unmarshal(f.Bytes, &st); err == nil {
				if t.NegState = negStates[st]; t.NegState == "" {
					t.NegState = fmt.Sprintf("unknown (%d)", st)
				}
			}
		case !init && f.Tag == 1:
			var m asn1.ObjectIdentifier
			if _, err = asn1.Unmarshal(f.Bytes, &m); err == nil {
				t.SupportedMech = mechName(m)
			}
		case f.Tag == 2:
			var tok []byte
			if _, err = asn1.Unmarshal(f.Bytes, &tok); err == nil {
				t.MechToken, t.MechTokenSize = mechTokenKind(tok), len(tok)
			}
		case f.Tag == 3:
			t.MechListMIC = true
		}
		if err != nil {
			t.Error = fmt.Sprintf("field [%d]: %v", f.Tag, err)
			return
		}
	}
}

// mechTokenKind names the inner token: a Kerberos message (in its GSS-API
// framing, RFC 4121 section 4.1, or bare) or an NTLM message.
func mechTokenKind(b []byte) string {
	if len(b) >= 12 && string(b[:8]) == "NTLMSSP\x00" {
		switch binary.LittleEndian.Uint32(b[8:12]) {
		case 1:
			return "NTLM NEGOTIATE_MESSAGE"
		case 2:
			return "NTLM CHALLENGE_MESSAGE"
		case 3:
			return "NTLM AUTHENTICATE_MESSAGE"
		}
		return "NTLM message"
	}
	msg := b
	var outer asn1.RawValue
	if _, err := asn1.Unmarshal(b, &outer); err == nil && outer.Class == asn1.ClassApplication && outer.Tag == 0 {
		var oid asn1.ObjectIdentifier
		inner, err := asn1.Unmarshal(outer.Bytes, &oid)
		if err != nil || len(inner) < 3 {
			return "GSS-API token"
		}
		if !oid.Equal(oidKerberos) && !oid.Equal(oidMSKerberos) {
			return "GSS-API token of " + mechName(oid)
		}
		msg = inner[2:] // after TOK_ID
	}
	var m asn1.RawValue
	if _, err := asn1.Unmarshal(msg, &m); err != nil || m.Class != asn1.ClassApplication {
		return fmt.Sprintf("unrecognised (%d bytes)", len(b))
	}
	switch m.Tag {
	case 14:
		return "Kerberos AP-REQ"
	case 15:
		return "Kerberos AP-REP"
	case 30:
		return "Kerberos KRB-ERROR"
	}
	return fmt.Sprintf("Kerberos message [APPLICATION %d]", m.Tag)
}
