package wstrust

import "errors"

// wError is a sentinel error that maps to one fault subcode; trust reports
// a WS-Trust subcode, otherwise WS-SC.
type wError struct {
	subcode string
	trust   bool
	msg     string
}

func (e *wError) Error() string { return e.msg }

// Sentinel errors; package secureconv re-exports them (and documents each)
// so that callers test them with errors.Is.
var (
	ErrBadContextToken         error = &wError{subcode: FaultBadContextToken, msg: "secureconv: bad security context token"}
	ErrRenewNeeded             error = &wError{subcode: FaultRenewNeeded, msg: "secureconv: session key must be renewed"}
	ErrUnableToRenew           error = &wError{subcode: FaultUnableToRenew, msg: "secureconv: unable to renew the security context token"}
	ErrUnknownDerivationSource error = &wError{subcode: FaultUnknownDerivationSource, msg: "secureconv: unknown derivation source"}
	ErrInvalidRequest          error = &wError{subcode: FaultInvalidRequest, trust: true, msg: "secureconv: invalid security token request"}
)

// Subcode returns the fault subcode of the first sentinel error in err's
// chain and whether it is a WS-Trust (rather than WS-SC) subcode; ok is
// false when err carries none.
func Subcode(err error) (subcode string, trust, ok bool) {
	var se *wError
	if errors.As(err, &se) {
		return se.subcode, se.trust, true
	}
	return "", false, false
}
