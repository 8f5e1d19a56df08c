package wstrust

import "github.com/soapstack/soapstack/internal/wsse"

// Namespaces of the protocols this package reads and writes. Every literal
// URI of the package lives in this file.
const (
	// NSTrust200502 is the WS-Trust February 2005 namespace.
	NSTrust200502 = "http://schemas.xmlsoap.org/ws/2005/02/trust"
	// NSTrust13 is the WS-Trust 1.3 (OASIS, 2005/12) namespace.
	NSTrust13 = "http://docs.oasis-open.org/ws-sx/ws-trust/200512"
	// NSSC200502 is the WS-SecureConversation February 2005 namespace.
	NSSC200502 = wsse.NSWSC200502
	// NSSC13 is the WS-SecureConversation 1.3 (OASIS, 2005/12) namespace.
	NSSC13 = wsse.NSWSC13
	// NSDotNetSecurity is the namespace of WCF's extensions, among them
	// the Cookie element of a stateful SecurityContextToken.
	NSDotNetSecurity = "http://schemas.microsoft.com/ws/2006/05/security"
	// NSWSP is the WS-Policy 2004/09 namespace of wsp:AppliesTo.
	NSWSP = "http://schemas.xmlsoap.org/ws/2004/09/policy"
)

// URIs of WS-Trust and WS-SecureConversation February 2005 (WCF's
// XD.TrustFeb2005Dictionary and XD.SecureConversationFeb2005Dictionary).
const (
	URISCT200502       = NSSC200502 + "/sct"
	URIDK200502        = NSSC200502 + "/dk"
	uriPSHA1DK200502   = NSSC200502 + "/dk/p_sha1"
	URIIssue200502     = NSTrust200502 + "/Issue"
	URIRenew200502     = NSTrust200502 + "/Renew"
	URICancel200502    = NSTrust200502 + "/Cancel"
	URICKPSHA1200502   = NSTrust200502 + "/CK/PSHA1"
	uriNonce200502     = NSTrust200502 + "/Nonce"
	uriSymKey200502    = NSTrust200502 + "/SymmetricKey"
	URIAsymKey200502   = NSTrust200502 + "/AsymmetricKey"
	uriPublicKey200502 = NSTrust200502 + "/PublicKey"

	actRSTSCT200502        = NSTrust200502 + "/RST/SCT"
	actRSTRSCT200502       = NSTrust200502 + "/RSTR/SCT"
	actRSTSCTRenew200502   = NSTrust200502 + "/RST/SCT/Renew"
	actRSTRSCTRenew200502  = NSTrust200502 + "/RSTR/SCT/Renew"
	actRSTSCTCancel200502  = NSTrust200502 + "/RST/SCT/Cancel"
	actRSTRSCTCancel200502 = NSTrust200502 + "/RSTR/SCT/Cancel"
)

// URIs of WS-Trust 1.3 and WS-SecureConversation 1.3 (WCF's
// DXD.TrustDec2005Dictionary and DXD.SecureConversationDec2005Dictionary).
// The SCT actions live under the WS-Trust namespace, not the WS-SC one.
const (
	URISCT13       = NSSC13 + "/sct"
	uriDK13        = NSSC13 + "/dk"
	uriPSHA1DK13   = NSSC13 + "/dk/p_sha1"
	URIIssue13     = NSTrust13 + "/Issue"
	uriRenew13     = NSTrust13 + "/Renew"
	uriCancel13    = NSTrust13 + "/Cancel"
	uriCKPSHA113   = NSTrust13 + "/CK/PSHA1"
	uriNonce13     = NSTrust13 + "/Nonce"
	uriSymKey13    = NSTrust13 + "/SymmetricKey"
	URIAsymKey13   = NSTrust13 + "/AsymmetricKey"
	uriPublicKey13 = NSTrust13 + "/PublicKey"
	uriBearer13    = NSTrust13 + "/Bearer"

	actRSTSCT13        = NSTrust13 + "/RST/SCT"
	actRSTRSCT13       = NSTrust13 + "/RSTR/SCT"
	actRSTSCTRenew13   = NSTrust13 + "/RST/SCT/Renew"
	actRSTRSCTRenew13  = NSTrust13 + "/RSTR/SCT/Renew"
	actRSTSCTCancel13  = NSTrust13 + "/RST/SCT/Cancel"
	actRSTRSCTCancel13 = NSTrust13 + "/RSTR/SCT/Cancel"
)

// Element and attribute local names.
const (
	ElRST                    = "RequestSecurityToken"
	ElRSTR                   = "RequestSecurityTokenResponse"
	ElRSTRC                  = "RequestSecurityTokenResponseCollection"
	elTokenType              = "TokenType"
	elRequestType            = "RequestType"
	elEntropy                = "Entropy"
	ElBinarySecret           = "BinarySecret"
	elKeySize                = "KeySize"
	elKeyType                = "KeyType"
	elComputedKeyAlgorithm   = "ComputedKeyAlgorithm"
	elComputedKey            = "ComputedKey"
	elRenewTarget            = "RenewTarget"
	elCancelTarget           = "CancelTarget"
	elLifetime               = "Lifetime"
	elRequestedToken         = "RequestedSecurityToken"
	elRequestedAttached      = "RequestedAttachedReference"
	elRequestedUnattached    = "RequestedUnattachedReference"
	elRequestedProofToken    = "RequestedProofToken"
	elRequestedTokenCanceled = "RequestedTokenCancelled"
	elAppliesTo              = "AppliesTo"
	ElSCT                    = "SecurityContextToken"
	elIdentifier             = "Identifier"
	elInstance               = "Instance"
	ElCookie                 = "Cookie"
	elCreated                = "Created"
	elExpires                = "Expires"
	ElSTR                    = "SecurityTokenReference"
	elReference              = "Reference"
	ElEncryptedKey           = "EncryptedKey"
	attrContext              = "Context"
	attrType                 = "Type"
	attrURI                  = "URI"
	attrValueType            = "ValueType"
	attrID                   = "Id"
)

// Fault subcodes of WS-SecureConversation (the same local names in both
// versions) and WS-Trust.
const (
	// FaultBadContextToken is wsc:BadContextToken: the SCT is unknown,
	// expired or otherwise unusable.
	FaultBadContextToken = "BadContextToken"
	// FaultRenewNeeded is wsc:RenewNeeded: the session key has expired and
	// must be renewed.
	FaultRenewNeeded = "RenewNeeded"
	// FaultUnableToRenew is wsc:UnableToRenew.
	FaultUnableToRenew = "UnableToRenew"
	// FaultUnknownDerivationSource is wsc:UnknownDerivationSource: a
	// DerivedKeyToken references a token the receiver does not know.
	FaultUnknownDerivationSource = "UnknownDerivationSource"
	// FaultInvalidRequest is wst:InvalidRequest: a malformed RST.
	FaultInvalidRequest = "InvalidRequest"
)

// Fault reasons. BadContextToken, RenewNeeded and InvalidRequest carry
// WCF's texts (resources BadContextTokenFaultReason,
// SecurityRenewFaultReason and InvalidRequestTrustFaultCode); the others
// the texts of the WS-SecureConversation specification.
const (
	ReasonBadContextToken         = "The security context token is expired or is not valid. The message was not processed."
	ReasonRenewNeeded             = "The SecurityContextSecurityToken's key needs to be renewed."
	ReasonUnableToRenew           = "The specified context token could not be renewed."
	ReasonUnknownDerivationSource = "The specified source for the derivation is unknown."
	ReasonInvalidRequest          = "The request for security token has invalid or malformed elements."
)

// Prefixes WCF writes (XD dictionaries): "t" and "c" for the 2005/02
// namespaces, "trust" and "sc" for 1.3, "u", "o", "e" and "dnse" for
// wsu, wsse, xenc and WCF's own namespace.
const (
	prefixTrust200502 = "t"
	prefixTrust13     = "trust"
	prefixSC200502    = "c"
	prefixSC13        = "sc"
	prefixWSU         = "u"
	prefixWSSE        = "o"
	prefixDotNet      = "dnse"
	prefixWSP         = "wsp"
)

// lifetimeLayout is the time format of wsu:Created and wsu:Expires as WCF
// writes them (yyyy-MM-ddTHH:mm:ss.fffZ); lifetimeLayoutFine keeps a finer
// fraction when a time has one.
const (
	lifetimeLayout     = "2006-01-02T15:04:05.000Z"
	lifetimeLayoutFine = "2006-01-02T15:04:05.999999999Z"
)
