package wssecurity

import (
	"fmt"
)

// tokenSlot is the place of a token in a policy, which decides its default
// inclusion and the inclusions this package supports for it.
type tokenSlot int

const (
	slotProtection tokenSlot = iota + 1 // a symmetric binding's protection token
	slotInitiator                       // an asymmetric binding's initiator token
	slotRecipient                       // an asymmetric binding's recipient token
	slotSupporting                      // a supporting token (the initiator's)
)

func (s tokenSlot) String() string {
	switch s {
	case slotProtection:
		return "protection token"
	case slotInitiator:
		return "initiator token"
	case slotRecipient:
		return "recipient token"
	}
	return "supporting token"
}

// String returns the WS-SecurityPolicy name of the inclusion.
func (i Inclusion) String() string {
	switch i {
	case IncludeNever:
		return "Never"
	case IncludeOnce:
		return "Once"
	case IncludeAlwaysToRecipient:
		return "AlwaysToRecipient"
	case IncludeAlwaysToInitiator:
		return "AlwaysToInitiator"
	case IncludeAlways:
		return "Always"
	}
	return "default"
}

// inclusion returns the token's effective inclusion in slot: its Inclusion,
// or when zero the slot's usual one (WCF's): Never for the recipient's
// certificate (a symmetric binding's X.509 protection token, an asymmetric
// binding's recipient token), AlwaysToRecipient otherwise.
func (t *Token) inclusion(slot tokenSlot) Inclusion {
	if t.Inclusion != 0 {
		return t.Inclusion
	}
	if slot == slotRecipient || (slot == slotProtection && t.Kind == X509Token) {
		return IncludeNever
	}
	return IncludeAlwaysToRecipient
}

// includedIn reports whether a token with inclusion inc is sent in a
// request (toRecipient) or a reply, as WS-SecurityPolicy 1.3 section 5.1.1
// defines it. Once is included in requests: a layer protects each request
// on its own (WCF's SecurityTokenInclusionMode.Once does the same).
func includedIn(inc Inclusion, toRecipient bool) bool {
	switch inc {
	case IncludeOnce, IncludeAlwaysToRecipient:
		return toRecipient
	case IncludeAlwaysToInitiator:
		return !toRecipient
	case IncludeAlways:
		return true
	}
	return false
}

// supportedInclusions lists, per slot and token kind, the inclusions this
// package can send and check.
func supportedInclusions(slot tokenSlot, kind TokenKind) []Inclusion {
	switch {
	case slot == slotProtection && kind == X509Token:
		// The recipient's own certificate: the EncryptedKey references it.
		return []Inclusion{IncludeNever}
	case kind == SecureConversationToken, kind == UsernameToken:
		// Sent with every request (a stateless receiver needs the SCT to
		// find the session; a UsernameToken has no reference form).
		return []Inclusion{IncludeOnce, IncludeAlwaysToRecipient}
	case slot == slotInitiator, slot == slotSupporting:
		return []Inclusion{IncludeNever, IncludeOnce, IncludeAlwaysToRecipient}
	case slot == slotRecipient:
		return []Inclusion{IncludeNever, IncludeAlwaysToInitiator}
	}
	return nil
}

// validateToken checks one token of a policy: its kind fits the slot, its
// inclusion is one the slot supports, a token that is not sent has a
// reference form other than RefDirect, and PasswordDigest and DerivedKeys
// apply to tokens that have them.
func validateToken(t *Token, slot tokenSlot, role SupportingRole) error {
	switch slot {
	case slotProtection:
		if t.Kind != X509Token && t.Kind != SecureConversationToken {
			return fmt.Errorf("wssecurity: a symmetric binding's protection token must be an X.509 or a secure conversation token")
		}
	case slotInitiator, slotRecipient:
		if t.Kind != X509Token {
			return fmt.Errorf("wssecurity: an asymmetric binding's %s must be an X.509 token", slot)
		}
		if t.DerivedKeys {
			return fmt.Errorf("wssecurity: derived keys need a symmetric key, not the asymmetric binding's %s", slot)
		}
	case slotSupporting:
		switch t.Kind {
		case UsernameToken, X509Token, SecureConversationToken:
		default:
			return fmt.Errorf("wssecurity: unsupported supporting token kind %d", t.Kind)
		}
		if t.DerivedKeys {
			return fmt.Errorf("wssecurity: derived keys from a supporting token are not supported")
		}
	}
	if t.PasswordDigest && t.Kind != UsernameToken {
		return fmt.Errorf("wssecurity: PasswordDigest applies to a UsernameToken only")
	}
	inc := t.inclusion(slot)
	ok := false
	for _, s := range supportedInclusions(slot, t.Kind) {
		ok = ok || s == inc
	}
	if !ok {
		return fmt.Errorf("wssecurity: inclusion %s is not supported for the %s", inc, slot)
	}
	if t.Kind == X509Token && !includedIn(inc, true) && t.Reference == RefDirect {
		return fmt.Errorf("wssecurity: the %s is not included in requests (%s): it cannot be referenced directly", slot, inc)
	}
	if slot == slotSupporting && t.Kind == X509Token && role == SignedEndorsingSupporting && !includedIn(inc, true) {
		return fmt.Errorf("wssecurity: a signed endorsing token must be included (inclusion %s)", inc)
	}
	return nil
}

// checkInclusion refuses a message in which token t (the key of a
// signature in slot) was included although its inclusion says it is not
// sent in this direction, or referenced although it must be included.
func (r *receiver) checkInclusion(t *token, pt *Token, slot tokenSlot) error {
	if t == nil || pt == nil || r.inspect {
		return nil
	}
	root := t.root()
	included := root.el != nil && root.el.Parent() == r.sec
	if pt.Kind == SecureConversationToken && !included {
		// A derived key may name the session by its identifier although
		// the SCT itself is in the header.
		included = r.hasIncludedSession()
	}
	want := includedIn(pt.inclusion(slot), !r.initiator)
	switch {
	case want && !included:
		return fmt.Errorf("%w: the %s must be included (%s)", ErrTokenInclusion, slot, pt.inclusion(slot))
	case !want && included:
		return fmt.Errorf("%w: the %s must not be included (%s)", ErrTokenInclusion, slot, pt.inclusion(slot))
	}
	return nil
}

// hasIncludedSession reports whether a SecurityContextToken the resolver
// knows is in the Security header.
func (r *receiver) hasIncludedSession() bool {
	for el, t := range r.tokens {
		if t.kind == tokExternal && t.session != nil && el.Parent() == r.sec {
			return true
		}
	}
	return false
}

// checkPrimaryInclusion checks the inclusion of the primary signature's
// token: a session token (symmetric binding), the initiator's certificate
// in a request or the recipient's in a reply (asymmetric binding). A
// symmetric binding's X.509 protection token is never sent: the
// EncryptedKey names it.
func (r *receiver) checkPrimaryInclusion(primary *sigResult) error {
	switch {
	case r.p.Binding == SymmetricBinding && r.p.ProtectionToken.Kind == SecureConversationToken:
		return r.checkInclusion(primary.key, r.p.ProtectionToken, slotProtection)
	case r.p.Binding == AsymmetricBinding && r.initiator:
		return r.checkInclusion(primary.key, r.p.RecipientToken, slotRecipient)
	case r.p.Binding == AsymmetricBinding:
		return r.checkInclusion(primary.key, r.p.InitiatorToken, slotInitiator)
	}
	return nil
}
