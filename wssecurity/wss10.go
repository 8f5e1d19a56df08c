package wssecurity

import (
	"errors"
	"fmt"

	"github.com/beevik/etree"
	"github.com/soapstack/soapstack/internal/wsse"
)

// WS-Security 1.0 on the wire. Under a WSS10 policy the sender writes only
// what SOAP Message Security 1.0 and the X.509 and UsernameToken profiles
// 1.0 define, as WCF's WSSecurityJan2004 serializer does:
//
//   - an EncryptedKey whose key encrypts directly (no derived keys) in
//     sign-then-encrypt order carries the xenc:ReferenceList of what it
//     encrypted, and those EncryptedData have no KeyInfo (WCF's
//     SendSecurityHeader "skipKeyInfoForEncryption");
//   - any other reference to an EncryptedKey (a DerivedKeyToken's base, a
//     signature key, EncryptedData KeyInfo when encrypting before signing)
//     is a plain wsse:Reference URI="#id" without ValueType or
//     wsse11:TokenType (the #EncryptedKey token type is WSS 1.1);
//   - no ThumbprintSHA1 or EncryptedKeySHA1 key identifiers, no
//     SignatureConfirmation, no EncryptedHeader: a policy that needs them
//     is refused by Policy.Validate. A certificate that is referenced (the
//     recipient token's, which every EncryptedKey names; a token not
//     included) needs RefSKI or RefIssuerSerial, since any other
//     Reference, the zero value included, means ThumbprintSHA1.
//
// Receivers accept both layouts whatever the policy's version says.

// Errors of WSS10 policies that ask for WS-Security 1.1 constructs.
var (
	// ErrNeedsWSS11 is wrapped by Policy.Validate when a WSS10 policy asks
	// for a construct only WS-Security 1.1 defines.
	ErrNeedsWSS11 = errors.New("wssecurity: the policy needs WS-Security 1.1")
)

// validateWSS10 refuses the WS-Security 1.1 constructs a WSS10 policy
// would need.
func (p Policy) validateWSS10() error {
	if p.WSS != WSS10 {
		return nil
	}
	bad := func(what string) error { return fmt.Errorf("%w: %s", ErrNeedsWSS11, what) }
	if len(p.EncryptedParts.Headers) > 0 {
		return bad("encrypted headers travel as wsse11:EncryptedHeader")
	}
	if p.RequireSignatureConfirmation {
		return bad("SignatureConfirmation")
	}
	// A certificate the message names rather than carries is referenced
	// by Token.Reference, and by ThumbprintSHA1 when that is neither
	// RefSKI nor RefIssuerSerial (the zero value included).
	byCert := func(t *Token, what string) error {
		if t.Reference == RefSKI || t.Reference == RefIssuerSerial {
			return nil
		}
		return bad(what + " is referenced by ThumbprintSHA1 key identifiers (use RefSKI or RefIssuerSerial)")
	}
	if p.Binding == AsymmetricBinding && p.RecipientToken != nil && p.InitiatorToken != nil {
		// Every EncryptedKey names the certificate it is encrypted to in
		// the recipient token's style, in requests and in replies.
		if err := byCert(p.RecipientToken, "the certificate an EncryptedKey is encrypted to"); err != nil {
			return err
		}
		if !includedIn(p.InitiatorToken.inclusion(slotInitiator), true) {
			if err := byCert(p.InitiatorToken, "the initiator token, not included in requests,"); err != nil {
				return err
			}
		}
	}
	for i := range p.Supporting {
		t := &p.Supporting[i].Token
		if t.Kind != X509Token {
			continue
		}
		if t.Reference == RefThumbprint || !includedIn(t.inclusion(slotSupporting), true) {
			if err := byCert(t, "the supporting X.509 token"); err != nil {
				return err
			}
		}
	}
	if p.Binding == SymmetricBinding && p.ProtectionToken != nil && p.ProtectionToken.Kind == X509Token {
		// The reply reuses the request's key, which only the WSS 1.1
		// EncryptedKeySHA1 can name (WCF's WSSecurityJan2004 has no such
		// reference either).
		return bad("a symmetric binding keyed to an X.509 token references the request's key by EncryptedKeySHA1 in replies")
	}
	return nil
}

// wss10 reports whether the sender writes WS-Security 1.0.
func (s *sender) wss10() bool { return s.p.WSS == WSS10 }

// encryptedKeyReference returns a reference to the EncryptedKey with the
// given Id: with ValueType and wsse11:TokenType #EncryptedKey under WSS
// 1.1 (as BSP asks), a bare wsse:Reference under WSS 1.0.
func (s *sender) encryptedKeyReference(id string) *etree.Element {
	if s.wss10() {
		return wsse.NewSTRReference("#"+id, "")
	}
	return strToLocal(id, wsse.URIEncryptedKeyToken, wsse.URIEncryptedKeyToken)
}
