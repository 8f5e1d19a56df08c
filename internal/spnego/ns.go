package spnego

import (
	"encoding/asn1"

	"github.com/soapstack/soapstack/internal/negotiate"
)

// ValueType is the wst:BinaryExchange ValueType of SPNEGO legs. WCF writes
// the same URI for WS-Trust February 2005 and 1.3 (its TrustDec2005
// dictionary reuses the February 2005 string).
const ValueType = negotiate.ValueTypeSPNego200502

// WrapAlgorithm is the EncryptionMethod Algorithm of the proof key's
// xenc:EncryptedKey in the final RSTR (WCF's
// SecurityAlgorithms.WindowsSspiKeyWrap; note: no "ws/" in the path).
const WrapAlgorithm = negotiate.AlgGSSWrap

// Object identifiers.
var (
	oidSPNEGO = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 2}
	// oidKRB5 is the Kerberos V5 GSS-API mechanism (RFC 1964).
	oidKRB5 = asn1.ObjectIdentifier{1, 2, 840, 113554, 1, 2, 2}
	// oidMSKRB5 is the OID Windows lists first for Kerberos (a historical
	// mis-encoding of oidKRB5 that Microsoft kept).
	oidMSKRB5 = asn1.ObjectIdentifier{1, 2, 840, 48018, 1, 2, 2}
)

// GSS-API Kerberos token identifiers (RFC 4121 section 4.1, 4.2.6).
var (
	tokAPReq    = [2]byte{0x01, 0x00}
	tokAPRep    = [2]byte{0x02, 0x00}
	tokKRBError = [2]byte{0x03, 0x00}
)

// RFC 4121 per-message token identifiers and flags.
const (
	tokIDWrap0 = 0x05
	tokIDWrap1 = 0x04
	tokIDMIC0  = 0x04
	tokIDMIC1  = 0x04

	flagSentByAcceptor = 0x01
	flagSealed         = 0x02
	flagAcceptorSubkey = 0x04
)

// Key usages (RFC 4120 section 7.5.1, RFC 4121 section 2).
const (
	usageTicket             = 2
	usageAPReqAuthenticator = 11
	usageAPRepEncPart       = 12
	usageAcceptorSeal       = 22
	usageAcceptorSign       = 23
	usageInitiatorSeal      = 24
	usageInitiatorSign      = 25
)

// GSS-API context flags carried in the authenticator checksum (RFC 4121
// section 4.1.1.1).
const (
	gssDeleg    = 0x01
	gssMutual   = 0x02
	gssReplay   = 0x04
	gssSequence = 0x08
	gssConf     = 0x10
	gssInteg    = 0x20
)

// cksumTypeGSSAPI is the authenticator checksum type of RFC 4121 4.1.1.
const cksumTypeGSSAPI = 0x8003

// SPNEGO negState values (RFC 4178 section 4.2.2).
const (
	negAcceptCompleted  = 0
	negAcceptIncomplete = 1
	negReject           = 2
	negRequestMIC       = 3
)
