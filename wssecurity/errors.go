package wssecurity

import (
	"encoding/xml"
	"errors"

	"github.com/soapstack/soapstack/soap"
)

// securityError is a sentinel error of this package that maps to one
// WS-Security fault subcode (WS-Security 1.0, section 12).
type securityError struct {
	subcode string
	msg     string
}

func (e *securityError) Error() string { return e.msg }

// Sentinel errors. Errors returned by this package wrap one of them (test
// with errors.Is); FaultFor maps them to the SOAP fault a receiver returns.
var (
	// ErrInvalidSecurity reports a malformed or inconsistent Security header
	// element (wsse:InvalidSecurity).
	ErrInvalidSecurity error = &securityError{FaultInvalidSecurity, "wssecurity: invalid security header"}
	// ErrInvalidToken reports a malformed or unsupported security token or
	// token reference (wsse:InvalidSecurityToken).
	ErrInvalidToken error = &securityError{FaultInvalidSecurityToken, "wssecurity: invalid security token"}
	// ErrFailedAuthentication reports a token that could not be
	// authenticated: wrong password, unknown user, untrusted certificate,
	// replayed nonce (wsse:FailedAuthentication).
	ErrFailedAuthentication error = &securityError{FaultFailedAuthentication, "wssecurity: security token could not be authenticated"}
	// ErrFailedCheck reports an invalid signature or decryption
	// (wsse:FailedCheck).
	ErrFailedCheck error = &securityError{FaultFailedCheck, "wssecurity: signature or decryption invalid"}
	// ErrTokenUnavailable reports a reference to a token that could not be
	// found (wsse:SecurityTokenUnavailable).
	ErrTokenUnavailable error = &securityError{FaultSecurityTokenUnavail, "wssecurity: referenced security token unavailable"}
	// ErrUnknownDerivationSource reports a DerivedKeyToken whose base token
	// cannot be found (WS-SC's wsc:UnknownDerivationSource).
	ErrUnknownDerivationSource error = &securityError{FaultSecurityTokenUnavail, "wssecurity: unknown derivation source"}
	// ErrExpired reports an expired or stale message (wsse:MessageExpired).
	ErrExpired error = &securityError{FaultMessageExpired, "wssecurity: message expired"}
	// ErrUnsupportedAlgorithm reports an algorithm outside the policy
	// (wsse:UnsupportedAlgorithm).
	ErrUnsupportedAlgorithm error = &securityError{FaultUnsupportedAlgorithm, "wssecurity: unsupported algorithm"}
	// ErrReplay reports a message (nonce, timestamp or signature) seen
	// before. It is wrapped together with the error of the check that found
	// it, e.g. ErrFailedAuthentication for a UsernameToken nonce.
	ErrReplay error = &securityError{FaultInvalidSecurity, "wssecurity: replay detected"}
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
	var se *securityError
	if errors.As(err, &se) {
		return se.subcode
	}
	return ""
}

// FaultFor returns the SOAP fault a receiver sends for err: a Sender fault
// with the wsse subcode and the generic reason of WS-Security 1.0 for this
// package's errors, a Receiver fault otherwise (for example when the replay
// cache is full). The reason never contains details of err, which is kept
// as the fault's Cause for logs.
func FaultFor(err error) *soap.Fault {
	if sub := FaultSubcode(err); sub != "" {
		return soap.SenderFault(faultReason(sub), xml.Name{Space: NSWSSE, Local: sub}).WithCause(err)
	}
	return soap.ReceiverFault("An error occurred when processing the security of the message.").WithCause(err)
}
