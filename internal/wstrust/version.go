package wstrust

import "fmt"

// Version is a pair of WS-SecureConversation and WS-Trust versions, as WCF
// binds them: V200502 (wsHttpBinding) and V13 (ws2007HttpBinding). The zero
// Version is invalid.
type Version int

// The versions.
const (
	// V200502 is WS-SecureConversation 2005/02 with WS-Trust 2005/02.
	V200502 Version = iota + 1
	// V13 is WS-SecureConversation 1.3 with WS-Trust 1.3.
	V13
)

// Operation is what an RST asks for: its RequestType.
type Operation int

// Operations on a SecurityContextToken.
const (
	// OpIssue issues a new token (RequestType Issue).
	OpIssue Operation = iota + 1
	// OpRenew renews the key of a token (RequestType Renew).
	OpRenew
	// OpCancel cancels a token (RequestType Cancel).
	OpCancel
)

// String returns the local name of the RequestType URI ("Issue", "Renew",
// "Cancel").
func (o Operation) String() string {
	switch o {
	case OpIssue:
		return "Issue"
	case OpRenew:
		return "Renew"
	case OpCancel:
		return "Cancel"
	}
	return fmt.Sprintf("Operation(%d)", int(o))
}

// String names the version ("WS-SC 2005/02" or "WS-SC 1.3").
func (v Version) String() string {
	switch v {
	case V200502:
		return "WS-SC 2005/02"
	case V13:
		return "WS-SC 1.3"
	}
	return fmt.Sprintf("Version(%d)", int(v))
}

// Valid reports whether v is V200502 or V13.
func (v Version) Valid() bool { return v == V200502 || v == V13 }

// orDefault returns v, or V200502 for an invalid version: the builders
// never write an element without a namespace.
func (v Version) orDefault() Version {
	if v.Valid() {
		return v
	}
	return V200502
}

// pick returns a for V200502 and b for V13, "" for an invalid version.
func (v Version) pick(a, b string) string {
	switch v {
	case V200502:
		return a
	case V13:
		return b
	}
	return ""
}

// SCNamespace returns the WS-SecureConversation namespace.
func (v Version) SCNamespace() string { return v.pick(NSSC200502, NSSC13) }

// TrustNamespace returns the WS-Trust namespace.
func (v Version) TrustNamespace() string { return v.pick(NSTrust200502, NSTrust13) }

// TokenType returns the SecurityContextToken token type URI, which is also
// the ValueType of SecurityTokenReferences to an SCT.
func (v Version) TokenType() string { return v.pick(URISCT200502, URISCT13) }

// DKTokenType returns the DerivedKeyToken token type URI, the ValueType of
// SecurityTokenReferences to a DerivedKeyToken.
func (v Version) DKTokenType() string { return v.pick(URIDK200502, uriDK13) }

// DKAlgorithm returns the P_SHA1 key derivation algorithm URI of the
// version's DerivedKeyTokens.
func (v Version) DKAlgorithm() string { return v.pick(uriPSHA1DK200502, uriPSHA1DK13) }

// Action returns the WS-Addressing action of an RST for op: .../RST/SCT,
// .../RST/SCT/Renew or .../RST/SCT/Cancel under the WS-Trust namespace.
// WCF uses these for the SCT (not .../RST/Issue).
func (v Version) Action(op Operation) string {
	switch op {
	case OpIssue:
		return v.pick(actRSTSCT200502, actRSTSCT13)
	case OpRenew:
		return v.pick(actRSTSCTRenew200502, actRSTSCTRenew13)
	case OpCancel:
		return v.pick(actRSTSCTCancel200502, actRSTSCTCancel13)
	}
	return ""
}

// ResponseAction returns the WS-Addressing action of the RSTR answering op:
// .../RSTR/SCT, .../RSTR/SCT/Renew or .../RSTR/SCT/Cancel.
func (v Version) ResponseAction(op Operation) string {
	switch op {
	case OpIssue:
		return v.pick(actRSTRSCT200502, actRSTRSCT13)
	case OpRenew:
		return v.pick(actRSTRSCTRenew200502, actRSTRSCTRenew13)
	case OpCancel:
		return v.pick(actRSTRSCTCancel200502, actRSTRSCTCancel13)
	}
	return ""
}

// IssueAction returns Action(OpIssue).
func (v Version) IssueAction() string { return v.Action(OpIssue) }

// IssueResponseAction returns ResponseAction(OpIssue).
func (v Version) IssueResponseAction() string { return v.ResponseAction(OpIssue) }

// RenewAction returns Action(OpRenew).
func (v Version) RenewAction() string { return v.Action(OpRenew) }

// RenewResponseAction returns ResponseAction(OpRenew).
func (v Version) RenewResponseAction() string { return v.ResponseAction(OpRenew) }

// CancelAction returns Action(OpCancel).
func (v Version) CancelAction() string { return v.Action(OpCancel) }

// CancelResponseAction returns ResponseAction(OpCancel).
func (v Version) CancelResponseAction() string { return v.ResponseAction(OpCancel) }

// RequestType returns the RequestType URI of op (.../Issue, .../Renew,
// .../Cancel under the WS-Trust namespace).
func (v Version) RequestType(op Operation) string {
	switch op {
	case OpIssue:
		return v.pick(URIIssue200502, URIIssue13)
	case OpRenew:
		return v.pick(URIRenew200502, uriRenew13)
	case OpCancel:
		return v.pick(URICancel200502, uriCancel13)
	}
	return ""
}

// ComputedKeyPSHA1 returns the URI of the P_SHA1 computed key
// (.../CK/PSHA1): the issued key is P_SHA1(requestor entropy, issuer
// entropy).
func (v Version) ComputedKeyPSHA1() string { return v.pick(URICKPSHA1200502, uriCKPSHA113) }

// SecretTypeURI returns the Type URI of a BinarySecret of type t, "" for
// SecretUnspecified (WCF writes no Type on a key).
func (v Version) SecretTypeURI(t secretType) string {
	switch t {
	case SecretNonce:
		return v.pick(uriNonce200502, uriNonce13)
	case SecretSymmetricKey:
		return v.pick(uriSymKey200502, uriSymKey13)
	case SecretAsymmetricKey:
		return v.pick(URIAsymKey200502, URIAsymKey13)
	}
	return ""
}

// KeyTypeSymmetric returns the KeyType URI of a symmetric proof key.
func (v Version) KeyTypeSymmetric() string { return v.pick(uriSymKey200502, uriSymKey13) }

// KeyTypePublic returns the KeyType URI of a public (asymmetric) proof key.
func (v Version) KeyTypePublic() string { return v.pick(uriPublicKey200502, uriPublicKey13) }

// KeyTypeBearer returns the KeyType URI of a bearer token (1.3 only; ""
// for V200502).
func (v Version) KeyTypeBearer() string { return v.pick("", uriBearer13) }

// TrustPrefix and SCPrefix return the prefixes WCF writes.
func (v Version) TrustPrefix() string { return v.pick(prefixTrust200502, prefixTrust13) }
func (v Version) SCPrefix() string    { return v.pick(prefixSC200502, prefixSC13) }

// VersionOfTrust returns the version whose WS-Trust namespace is ns.
func VersionOfTrust(ns string) (Version, bool) {
	switch ns {
	case NSTrust200502:
		return V200502, true
	case NSTrust13:
		return V13, true
	}
	return 0, false
}

// VersionOfSC returns the version whose WS-SecureConversation namespace is
// ns.
func VersionOfSC(ns string) (Version, bool) {
	switch ns {
	case NSSC200502:
		return V200502, true
	case NSSC13:
		return V13, true
	}
	return 0, false
}

// VersionOfAction returns the version and operation of an RST or RSTR
// action of this package (response reports whether it is an RSTR action).
func VersionOfAction(action string) (v Version, op Operation, response bool, ok bool) {
	for _, v := range [...]Version{V200502, V13} {
		for _, op := range [...]Operation{OpIssue, OpRenew, OpCancel} {
			switch action {
			case v.Action(op):
				return v, op, false, true
			case v.ResponseAction(op):
				return v, op, true, true
			}
		}
	}
	return 0, 0, false, false
}

// OperationOf maps a RequestType URI of v to its operation.
func (v Version) OperationOf(requestType string) (Operation, bool) {
	for _, op := range [...]Operation{OpIssue, OpRenew, OpCancel} {
		if requestType == v.RequestType(op) {
			return op, true
		}
	}
	return 0, false
}
