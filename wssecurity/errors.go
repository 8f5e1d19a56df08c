package wssecurity

import (
	"encoding/xml"

	"github.com/soapstack/soapstack/internal/wsse"
	"github.com/soapstack/soapstack/soap"
)

// Fault subcodes (WS-Security 1.0, section 12): FaultSubcode returns one of
// them for this package's errors.
const (
	FaultInvalidSecurity      = wsse.FaultInvalidSecurity
	FaultInvalidSecurityToken = wsse.FaultInvalidSecurityToken
	FaultFailedAuthentication = wsse.FaultFailedAuthentication
	FaultFailedCheck          = wsse.FaultFailedCheck
	FaultSecurityTokenUnavail = wsse.FaultSecurityTokenUnavail
	FaultMessageExpired       = wsse.FaultMessageExpired
	FaultUnsupportedAlgorithm = wsse.FaultUnsupportedAlgorithm
)

// Sentinel errors. Errors returned by this package wrap one of them (test
// with errors.Is); FaultFor maps them to the SOAP fault a receiver returns.
var (
	// ErrInvalidSecurity reports a malformed or inconsistent Security header
	// element (wsse:InvalidSecurity).
	ErrInvalidSecurity = wsse.ErrInvalidSecurity
	// ErrInvalidToken reports a malformed or unsupported security token or
	// token reference (wsse:InvalidSecurityToken).
	ErrInvalidToken = wsse.ErrInvalidToken
	// ErrFailedAuthentication reports a token that could not be
	// authenticated: wrong password, unknown user, untrusted certificate,
	// replayed nonce (wsse:FailedAuthentication).
	ErrFailedAuthentication = wsse.ErrFailedAuthentication
	// ErrFailedCheck reports an invalid signature or decryption
	// (wsse:FailedCheck).
	ErrFailedCheck = wsse.ErrFailedCheck
	// ErrTokenUnavailable reports a reference to a token that could not be
	// found (wsse:SecurityTokenUnavailable).
	ErrTokenUnavailable = wsse.ErrTokenUnavailable
	// ErrUnknownDerivationSource reports a DerivedKeyToken whose base token
	// cannot be found (WS-SC's wsc:UnknownDerivationSource).
	ErrUnknownDerivationSource = wsse.ErrUnknownDerivationSource
	// ErrExpired reports an expired or stale message (wsse:MessageExpired).
	ErrExpired = wsse.ErrExpired
	// ErrUnsupportedAlgorithm reports an algorithm outside the policy
	// (wsse:UnsupportedAlgorithm).
	ErrUnsupportedAlgorithm = wsse.ErrUnsupportedAlgorithm
	// ErrReplay reports a message (nonce, timestamp or signature) seen
	// before. It is wrapped together with the error of the check that found
	// it, e.g. ErrFailedAuthentication for a UsernameToken nonce.
	ErrReplay = wsse.ErrReplay
)

// faultReason returns the fault string of WS-Security 1.0, section 12, for
// a subcode. It says nothing about the message, so it is safe to send to any
// peer.
func faultReason(subcode string) string {
	switch subcode {
	case FaultInvalidSecurityToken:
		return "An invalid security token was provided"
	case FaultFailedAuthentication:
		return "The security token could not be authenticated or authorized"
	case FaultFailedCheck:
		return "The signature or decryption was invalid"
	case FaultSecurityTokenUnavail:
		return "Referenced security token could not be retrieved"
	case FaultMessageExpired:
		return "The message has expired"
	case FaultUnsupportedAlgorithm:
		return "An unsupported signature or encryption algorithm was used"
	}
	return "An error was discovered processing the <wsse:Security> header"
}

// FaultSubcode returns the WS-Security fault subcode (for example
// "FailedAuthentication") of the first sentinel error in err's chain, or ""
// when err carries none.
func FaultSubcode(err error) string {
	return wsse.Subcode(err)
}

// FaultFor returns the SOAP fault a receiver sends for err: a Sender fault
// with the wsse subcode and the generic reason of WS-Security 1.0 for this
// package's errors, a Receiver fault otherwise (for example when the replay
// cache is full). The reason never contains details of err, which is kept
// as the fault's Cause for logs.
func FaultFor(err error) *soap.Fault {
	if sub := FaultSubcode(err); sub != "" {
		return soap.SenderFault(faultReason(sub), xml.Name{Space: wsse.NSWSSE, Local: sub}).WithCause(err)
	}
	return soap.ReceiverFault("An error occurred when processing the security of the message.").WithCause(err)
}

// Precise causes of ErrInvalidSecurity. Each also matches
// ErrInvalidSecurity with errors.Is.
var (
	// ErrNotSigned reports a part the policy requires signed (Body,
	// Timestamp, a header, a supporting token) that is not among the nodes
	// the signature covers, for example after a wrapping attack.
	ErrNotSigned = wsse.NewCause(ErrInvalidSecurity, "wssecurity: a required part is not signed")
	// ErrNotEncrypted reports a part the policy requires encrypted that
	// arrived in clear (or encrypted with a key that may not protect it).
	ErrNotEncrypted = wsse.NewCause(ErrInvalidSecurity, "wssecurity: a required part is not encrypted")
	// ErrMissing reports an element the policy requires (a Timestamp, the
	// primary signature, a supporting token) that the message lacks.
	ErrMissing = wsse.ErrMissing
	// ErrDuplicate reports an element that may appear once appearing again:
	// a second Timestamp, Security header or primary signature, an
	// EncryptedData referenced twice.
	ErrDuplicate = wsse.ErrDuplicate
	// ErrLayout reports a Security header whose order breaks the policy's
	// layout (Strict: tokens before their use; LaxTsFirst / LaxTsLast: the
	// Timestamp first / last) or the processing order (an EncryptedData
	// in the Security header before the ReferenceList or EncryptedKey that
	// lists it). Decrypted elements are checked at the place they take.
	ErrLayout = wsse.NewCause(ErrInvalidSecurity, "wssecurity: security header layout violated")
	// ErrMisplaced reports an element where it may not appear, in clear or
	// after decryption: an unsupported element in the Security header, a
	// Timestamp outside it, an addressing header outside the SOAP Header, a
	// security element (Security header, Timestamp, Signature, token,
	// encryption element) as a Body child or as a decrypted header, a
	// decrypted header the policy does not encrypt, an EncryptedData where
	// encryption is not allowed.
	ErrMisplaced = wsse.ErrMisplaced
	// ErrCreatedInFuture reports a Timestamp created more than the allowed
	// clock skew ahead of the receiver's clock.
	ErrCreatedInFuture = wsse.ErrCreatedInFuture
)
