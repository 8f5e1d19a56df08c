package wsse

import "errors"

// securityError is a sentinel error that maps to one WS-Security fault
// subcode (WS-Security 1.0, section 12).
type securityError struct {
	subcode string
	msg     string
}

func (e *securityError) Error() string { return e.msg }

// Sentinel errors; package wssecurity re-exports them (and documents each)
// so that callers test them with errors.Is.
var (
	ErrInvalidSecurity         error = &securityError{FaultInvalidSecurity, "wssecurity: invalid security header"}
	ErrInvalidToken            error = &securityError{FaultInvalidSecurityToken, "wssecurity: invalid security token"}
	ErrFailedAuthentication    error = &securityError{FaultFailedAuthentication, "wssecurity: security token could not be authenticated"}
	ErrFailedCheck             error = &securityError{FaultFailedCheck, "wssecurity: signature or decryption invalid"}
	ErrTokenUnavailable        error = &securityError{FaultSecurityTokenUnavail, "wssecurity: referenced security token unavailable"}
	ErrUnknownDerivationSource error = &securityError{FaultSecurityTokenUnavail, "wssecurity: unknown derivation source"}
	ErrExpired                 error = &securityError{FaultMessageExpired, "wssecurity: message expired"}
	ErrUnsupportedAlgorithm    error = &securityError{FaultUnsupportedAlgorithm, "wssecurity: unsupported algorithm"}
	ErrReplay                  error = &securityError{FaultInvalidSecurity, "wssecurity: replay detected"}
)

// NewSentinel returns a sentinel error of the fault class subcode; package
// wssecurity defines the rest of its sentinels with it.
func NewSentinel(subcode, msg string) error { return &securityError{subcode, msg} }

// Subcode returns the WS-Security fault subcode of the first sentinel error
// in err's chain, or "" when err carries none.
func Subcode(err error) string {
	var se *securityError
	if errors.As(err, &se) {
		return se.subcode
	}
	return ""
}

// causeError is a precise cause within a fault class: errors.Is finds both
// the cause and its class, and Subcode returns the class's subcode.
type causeError struct {
	class error
	msg   string
}

func (e *causeError) Error() string { return e.msg }

// Unwrap returns the fault class.
func (e *causeError) Unwrap() error { return e.class }

// NewCause returns a precise cause of the fault class class.
func NewCause(class error, msg string) error { return &causeError{class, msg} }

// Precise causes of ErrInvalidSecurity the codecs of this package return;
// package wssecurity re-exports them.
var (
	ErrMissing         = NewCause(ErrInvalidSecurity, "wssecurity: a required element is missing")
	ErrDuplicate       = NewCause(ErrInvalidSecurity, "wssecurity: an element appears more than once")
	ErrMisplaced       = NewCause(ErrInvalidSecurity, "wssecurity: element not allowed where it appears")
	ErrCreatedInFuture = NewCause(ErrInvalidSecurity, "wssecurity: timestamp created in the future")
)
