package dsig

// Namespaces and algorithm URIs of XML Signature as WS-Security uses it.
// Every literal this package reads or writes lives here; the wssecurity
// package re-uses them (it imports dsig, never the other way round).
const (
	// NSDS is the XML Signature namespace (prefix ds).
	NSDS = "http://www.w3.org/2000/09/xmldsig#"
	// NSExcC14N is the namespace of the ec:InclusiveNamespaces element of
	// Exclusive XML Canonicalization.
	NSExcC14N = "http://www.w3.org/2001/10/xml-exc-c14n#"
	// NSWSSE is the WS-Security 1.0 extension namespace (prefix wsse), home
	// of wsse:SecurityTokenReference and wsse:TransformationParameters.
	NSWSSE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
	// NSWSU is the WS-Security utility namespace (prefix wsu), home of the
	// wsu:Id attribute.
	NSWSU = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"
	// NSXML is the namespace bound to the reserved prefix xml (xml:id).
	NSXML = "http://www.w3.org/XML/1998/namespace"
)

// Canonicalization algorithms.
const (
	// AlgExcC14N is Exclusive XML Canonicalization 1.0 without comments.
	AlgExcC14N = "http://www.w3.org/2001/10/xml-exc-c14n#"
	// AlgExcC14NComments is Exclusive XML Canonicalization 1.0 with
	// comments. It is not allowed by default.
	AlgExcC14NComments = "http://www.w3.org/2001/10/xml-exc-c14n#WithComments"
)

// Reference transforms (besides the canonicalization algorithms).
const (
	// TransformSTR is the WS-Security STR Dereference Transform: the
	// referenced wsse:SecurityTokenReference is replaced by the token it
	// refers to, which is then canonicalized.
	TransformSTR = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-soap-message-security-1.0#STR-Transform"
)

// Digest algorithms.
const (
	// AlgSHA1 is SHA-1 (ds:DigestMethod).
	AlgSHA1 = "http://www.w3.org/2000/09/xmldsig#sha1"
	// AlgSHA256 is SHA-256 (ds:DigestMethod).
	AlgSHA256 = "http://www.w3.org/2001/04/xmlenc#sha256"
)

// Signature algorithms.
const (
	// AlgRSASHA1 is RSASSA-PKCS1-v1_5 with SHA-1.
	AlgRSASHA1 = "http://www.w3.org/2000/09/xmldsig#rsa-sha1"
	// AlgRSASHA256 is RSASSA-PKCS1-v1_5 with SHA-256.
	AlgRSASHA256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
	// AlgHMACSHA1 is HMAC-SHA1.
	AlgHMACSHA1 = "http://www.w3.org/2000/09/xmldsig#hmac-sha1"
	// AlgHMACSHA256 is HMAC-SHA256.
	AlgHMACSHA256 = "http://www.w3.org/2001/04/xmldsig-more#hmac-sha256"
)

// TypeManifest is the ds:Reference Type of a reference to a ds:Manifest.
// Manifests are refused.
const TypeManifest = "http://www.w3.org/2000/09/xmldsig#Manifest"

// Prefixes this package writes.
const (
	prefixDS   = "ds"
	prefixEC   = "ec"
	prefixWSSE = "wsse"
)
