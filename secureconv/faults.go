package secureconv

import (
	"encoding/xml"
	"errors"

	"github.com/soapstack/soapstack/internal/wstrust"
	"github.com/soapstack/soapstack/soap"
	"github.com/soapstack/soapstack/wssecurity"
)

// Sentinel errors. Errors of this package wrap one of them (test with
// errors.Is); FaultFor maps them to the fault a receiver sends.
var (
	// ErrBadContextToken reports an unknown, expired, cancelled or
	// otherwise unusable SecurityContextToken, including a cookie that
	// does not open (wsc:BadContextToken).
	ErrBadContextToken = wstrust.ErrBadContextToken
	// ErrRenewNeeded reports a session whose key has expired while the
	// token has not (wsc:RenewNeeded).
	ErrRenewNeeded = wstrust.ErrRenewNeeded
	// ErrUnableToRenew reports a renewal the issuer refuses
	// (wsc:UnableToRenew).
	ErrUnableToRenew = wstrust.ErrUnableToRenew
	// ErrUnknownDerivationSource reports a DerivedKeyToken whose base
	// token is unknown (wsc:UnknownDerivationSource).
	ErrUnknownDerivationSource = wstrust.ErrUnknownDerivationSource
	// ErrInvalidRequest reports a malformed or unsupported RST or RSTR
	// (wst:InvalidRequest).
	ErrInvalidRequest = wstrust.ErrInvalidRequest
	// ErrProofKey reports an RSTR whose proof key cannot be resolved in the
	// client's entropy mode or key size bounds (never sent as a fault; a
	// client aborts the handshake).
	ErrProofKey = errors.New("secureconv: issued key cannot be resolved")
)

// wReason returns the fault reason of a subcode.
func wReason(subcode string) string {
	switch subcode {
	case wstrust.FaultBadContextToken:
		return wstrust.ReasonBadContextToken
	case wstrust.FaultRenewNeeded:
		return wstrust.ReasonRenewNeeded
	case wstrust.FaultUnableToRenew:
		return wstrust.ReasonUnableToRenew
	case wstrust.FaultUnknownDerivationSource:
		return wstrust.ReasonUnknownDerivationSource
	}
	return wstrust.ReasonInvalidRequest
}

// wFault returns a Sender fault with the subcode in the version's WS-SC
// (or WS-Trust) namespace, as WCF builds them
// (FaultCode.CreateSenderFaultCode with the subcode).
func wFault(v Version, subcode string, trust bool) *soap.Fault {
	if !v.Valid() {
		v = V200502
	}
	ns := v.wire().SCNamespace()
	if trust {
		ns = v.wire().TrustNamespace()
	}
	return soap.SenderFault(wReason(subcode), xml.Name{Space: ns, Local: subcode})
}

// badContextTokenFault returns the wsc:BadContextToken fault with WCF's
// reason text. WCF sends it unsecured: the receiver could not find the
// key that would protect it.
func badContextTokenFault(v Version) *soap.Fault {
	return wFault(v, wstrust.FaultBadContextToken, false)
}

// renewNeededFault returns the wsc:RenewNeeded fault with WCF's reason
// text; the session key still works, so WCF secures this fault.
func renewNeededFault(v Version) *soap.Fault {
	return wFault(v, wstrust.FaultRenewNeeded, false)
}

// unableToRenewFault returns the wsc:UnableToRenew fault.
func unableToRenewFault(v Version) *soap.Fault {
	return wFault(v, wstrust.FaultUnableToRenew, false)
}

// unknownDerivationSourceFault returns the wsc:UnknownDerivationSource
// fault.
func unknownDerivationSourceFault(v Version) *soap.Fault {
	return wFault(v, wstrust.FaultUnknownDerivationSource, false)
}

// invalidRequestFault returns the wst:InvalidRequest fault with WCF's
// reason text.
func invalidRequestFault(v Version) *soap.Fault {
	return wFault(v, wstrust.FaultInvalidRequest, true)
}

// faultFor returns the fault a receiver of version v sends for err: the
// WS-SC or WS-Trust fault of this package's sentinel errors, otherwise
// what wssecurity.faultFor returns. The reason never contains details of
// err, which is kept as the fault's Cause.
func faultFor(v Version, err error) *soap.Fault {
	if sub, trust, ok := wstrust.Subcode(err); ok {
		return wFault(v, sub, trust).WithCause(err)
	}
	return wssecurity.FaultFor(err)
}

// wHasSubcode reports whether err is (or wraps) a SOAP fault with the
// given WS-SC subcode of either version, or wraps the matching sentinel.
func wHasSubcode(err error, subcode string, sentinel error) bool {
	if err == nil {
		return false
	}
	if f, ok := soap.AsFault(err); ok {
		if f.HasSubcode(xml.Name{Space: wstrust.NSSC200502, Local: subcode}) ||
			f.HasSubcode(xml.Name{Space: wstrust.NSSC13, Local: subcode}) {
			return true
		}
	}
	return errors.Is(err, sentinel)
}

// IsBadContextToken reports whether err is a wsc:BadContextToken fault (of
// either version) or wraps ErrBadContextToken. A client re-establishes its
// session once when it receives one.
func IsBadContextToken(err error) bool {
	return wHasSubcode(err, wstrust.FaultBadContextToken, ErrBadContextToken)
}

// IsRenewNeeded reports whether err is a wsc:RenewNeeded fault or wraps
// ErrRenewNeeded.
func IsRenewNeeded(err error) bool {
	return wHasSubcode(err, wstrust.FaultRenewNeeded, ErrRenewNeeded)
}

// IsUnableToRenew reports whether err is a wsc:UnableToRenew fault or wraps
// ErrUnableToRenew.
func IsUnableToRenew(err error) bool {
	return wHasSubcode(err, wstrust.FaultUnableToRenew, ErrUnableToRenew)
}

// IsUnknownDerivationSource reports whether err is a
// wsc:UnknownDerivationSource fault or wraps ErrUnknownDerivationSource.
func IsUnknownDerivationSource(err error) bool {
	return wHasSubcode(err, wstrust.FaultUnknownDerivationSource, ErrUnknownDerivationSource)
}
