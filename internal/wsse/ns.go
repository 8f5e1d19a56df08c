package wsse

// Namespaces and URIs of WS-Security 1.0/1.1, XML Signature and XML
// Encryption. Every literal this package writes lives here.
const (
	NSWSSE   = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
	NSWSSE11 = "http://docs.oasis-open.org/wss/oasis-wss-wssecurity-secext-1.1.xsd"
	NSWSU    = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"
	NSDS     = "http://www.w3.org/2000/09/xmldsig#"
	NSXENC   = "http://www.w3.org/2001/04/xmlenc#"
	NSXENC11 = "http://www.w3.org/2009/xmlenc11#"
	NSEXC14N = "http://www.w3.org/2001/10/xml-exc-c14n#"

	// Token profiles.
	URIX509v3             = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-x509-token-profile-1.0#X509v3"
	URIX509SKI            = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-x509-token-profile-1.0#X509SubjectKeyIdentifier"
	URIThumbprintSHA1     = "http://docs.oasis-open.org/wss/oasis-wss-soap-message-security-1.1#ThumbprintSHA1"
	URIEncryptedKeySHA1   = "http://docs.oasis-open.org/wss/oasis-wss-soap-message-security-1.1#EncryptedKeySHA1"
	URIEncryptedKeyToken  = "http://docs.oasis-open.org/wss/oasis-wss-soap-message-security-1.1#EncryptedKey"
	URIBase64Binary       = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-soap-message-security-1.0#Base64Binary"
	URIPasswordText       = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordText"
	URIPasswordDigest     = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordDigest"
	URIUsernameTokenValue = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#UsernameToken"
	URISTRTransform       = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-soap-message-security-1.0#STR-Transform"

	// Fault subcodes (WS-Security 1.0, section 12).
	FaultInvalidSecurity      = "InvalidSecurity"
	FaultInvalidSecurityToken = "InvalidSecurityToken"
	FaultFailedAuthentication = "FailedAuthentication"
	FaultFailedCheck          = "FailedCheck"
	FaultSecurityTokenUnavail = "SecurityTokenUnavailable"
	FaultMessageExpired       = "MessageExpired"
	FaultUnsupportedAlgorithm = "UnsupportedAlgorithm"

	// XML Signature algorithms.
	AlgExcC14N         = "http://www.w3.org/2001/10/xml-exc-c14n#"
	AlgExcC14NComments = "http://www.w3.org/2001/10/xml-exc-c14n#WithComments"
	AlgSHA1            = "http://www.w3.org/2000/09/xmldsig#sha1"
	AlgSHA256          = "http://www.w3.org/2001/04/xmlenc#sha256"
	AlgRSASHA1         = "http://www.w3.org/2000/09/xmldsig#rsa-sha1"
	AlgRSASHA256       = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
	AlgHMACSHA1        = "http://www.w3.org/2000/09/xmldsig#hmac-sha1"
	AlgHMACSHA256      = "http://www.w3.org/2001/04/xmldsig-more#hmac-sha256"
)

// Prefixes this package uses when it writes tokens (those of WSS4J; WCF
// writes "o" and "u", which is equivalent on the wire).
const (
	PrefixWSSE   = "wsse"
	PrefixWSSE11 = "wsse11"
	PrefixWSU    = "wsu"
	prefixDS     = "ds"
)

// WS-SecureConversation namespaces; the DerivedKeyToken lives here because
// WS-Security bindings derive keys from EncryptedKeys too, and package
// secureconv builds on it.
const (
	NSWSC200502 = "http://schemas.xmlsoap.org/ws/2005/02/sc"
	NSWSC13     = "http://docs.oasis-open.org/ws-sx/ws-secureconversation/200512"

	// DefaultDKLabel is the label of P_SHA1 key derivation when a
	// DerivedKeyToken carries none.
	DefaultDKLabel = "WS-SecureConversationWS-SecureConversation"

	prefixWSC = "c"
)

// Encryption, key-wrap and key-derivation URIs used by the algorithm suites.
const (
	AlgAES128CBC    = "http://www.w3.org/2001/04/xmlenc#aes128-cbc"
	AlgAES192CBC    = "http://www.w3.org/2001/04/xmlenc#aes192-cbc"
	AlgAES256CBC    = "http://www.w3.org/2001/04/xmlenc#aes256-cbc"
	AlgTripleDESCBC = "http://www.w3.org/2001/04/xmlenc#tripledes-cbc"
	AlgKWAES128     = "http://www.w3.org/2001/04/xmlenc#kw-aes128"
	AlgKWAES192     = "http://www.w3.org/2001/04/xmlenc#kw-aes192"
	AlgKWAES256     = "http://www.w3.org/2001/04/xmlenc#kw-aes256"
	AlgKWTripleDES  = "http://www.w3.org/2001/04/xmlenc#kw-tripledes"
	AlgRSAOAEP      = "http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p"
	AlgRSA15        = "http://www.w3.org/2001/04/xmlenc#rsa-1_5"
	AlgPSHA1        = "http://schemas.xmlsoap.org/ws/2005/02/sc/dk/p_sha1"
	AlgPSHA1V13     = "http://docs.oasis-open.org/ws-sx/ws-secureconversation/200512/dk/p_sha1"
)
