package xmlenc

// Namespaces of W3C XML Encryption.
const (
	// NS is the XML Encryption 1.0 namespace (prefix xenc).
	NS = "http://www.w3.org/2001/04/xmlenc#"
	// NS11 is the XML Encryption 1.1 namespace (prefix xenc11).
	NS11 = "http://www.w3.org/2009/xmlenc11#"
	// NSDSig is the XML Signature namespace, home of ds:KeyInfo and
	// ds:DigestMethod used inside xenc:EncryptionMethod.
	NSDSig = "http://www.w3.org/2000/09/xmldsig#"
)

// Values of the Type attribute of xenc:EncryptedData.
const (
	// TypeElement marks an EncryptedData that replaces a whole element.
	TypeElement = NS + "Element"
	// TypeContent marks an EncryptedData that replaces an element's content
	// (WS-Security's encrypted soap:Body uses this).
	TypeContent = NS + "Content"
	// TypeEncryptedKey is the Type of a ds:RetrievalMethod pointing at an
	// xenc:EncryptedKey.
	TypeEncryptedKey = NS + "EncryptedKey"
)

// Block encryption algorithms (xenc:EncryptionMethod of xenc:EncryptedData).
const (
	// AES128CBC is AES-128 in CBC mode with XML Encryption padding.
	AES128CBC = NS + "aes128-cbc"
	// AES192CBC is AES-192 in CBC mode with XML Encryption padding.
	AES192CBC = NS + "aes192-cbc"
	// AES256CBC is AES-256 in CBC mode with XML Encryption padding.
	AES256CBC = NS + "aes256-cbc"
	// TripleDESCBC is three-key Triple DES (EDE, 24-byte key) in CBC mode
	// with XML Encryption padding. Legacy; still offered by WCF's
	// TripleDes* algorithm suites.
	TripleDESCBC = NS + "tripledes-cbc"
	// AES128GCM is AES-128-GCM (XML Encryption 1.1): 96-bit IV, 128-bit tag.
	AES128GCM = NS11 + "aes128-gcm"
	// AES192GCM is AES-192-GCM (XML Encryption 1.1): 96-bit IV, 128-bit tag.
	AES192GCM = NS11 + "aes192-gcm"
	// AES256GCM is AES-256-GCM (XML Encryption 1.1): 96-bit IV, 128-bit tag.
	AES256GCM = NS11 + "aes256-gcm"
)

// Key transport algorithms (xenc:EncryptionMethod of xenc:EncryptedKey).
const (
	// RSAOAEPMGF1P is RSAES-OAEP with MGF1-SHA1. Its digest is SHA-1 unless
	// a ds:DigestMethod child says otherwise. This is what WCF, WSS4J and
	// xmlsec1 use by default.
	RSAOAEPMGF1P = NS + "rsa-oaep-mgf1p"
	// RSAOAEP is the XML Encryption 1.1 RSAES-OAEP, whose mask generation
	// function is chosen by an xenc11:MGF child (MGF1-SHA1 by default) and
	// whose digest by ds:DigestMethod (SHA-1 by default).
	RSAOAEP = NS11 + "rsa-oaep"
	// RSA15 is RSAES-PKCS1-v1_5. It is vulnerable to Bleichenbacher's
	// attack and refused unless the AllowRSA15 option is given.
	RSA15 = NS + "rsa-1_5"
)

// Symmetric key wrap algorithms (RFC 3394 AES Key Wrap).
const (
	// KWAES128 wraps a key under a 16-byte key-encryption key.
	KWAES128 = NS + "kw-aes128"
	// KWAES192 wraps a key under a 24-byte key-encryption key.
	KWAES192 = NS + "kw-aes192"
	// KWAES256 wraps a key under a 32-byte key-encryption key.
	KWAES256 = NS + "kw-aes256"
)

// Digest algorithms for the ds:DigestMethod child of an RSA-OAEP
// xenc:EncryptionMethod.
const (
	// DigestSHA1 is SHA-1, the OAEP default.
	DigestSHA1 = NSDSig + "sha1"
	// DigestSHA224 is SHA-224.
	DigestSHA224 = "http://www.w3.org/2001/04/xmldsig-more#sha224"
	// DigestSHA256 is SHA-256.
	DigestSHA256 = NS + "sha256"
	// DigestSHA384 is SHA-384.
	DigestSHA384 = "http://www.w3.org/2001/04/xmldsig-more#sha384"
	// DigestSHA512 is SHA-512.
	DigestSHA512 = NS + "sha512"
)

// Mask generation functions for the xenc11:MGF child of an RSAOAEP
// xenc:EncryptionMethod.
const (
	// MGF1SHA1 is MGF1 with SHA-1, the default.
	MGF1SHA1 = NS11 + "mgf1sha1"
	// MGF1SHA224 is MGF1 with SHA-224.
	MGF1SHA224 = NS11 + "mgf1sha224"
	// MGF1SHA256 is MGF1 with SHA-256.
	MGF1SHA256 = NS11 + "mgf1sha256"
	// MGF1SHA384 is MGF1 with SHA-384.
	MGF1SHA384 = NS11 + "mgf1sha384"
	// MGF1SHA512 is MGF1 with SHA-512.
	MGF1SHA512 = NS11 + "mgf1sha512"
)

// WS-Security namespaces of the wsse11:EncryptedHeader element (WSS 1.1,
// section 9.3) and its wsu:Id attribute.
const (
	// NSWSSE11 is the WS-Security 1.1 secext namespace (prefix wsse11).
	NSWSSE11 = "http://docs.oasis-open.org/wss/oasis-wss-wssecurity-secext-1.1.xsd"
	// NSWSU is the WS-Security utility namespace (prefix wsu).
	NSWSU = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"
)

// SOAP envelope namespaces, for EncryptedHeader (WS-Security 1.1): its
// mustUnderstand, actor and role attributes are those of the envelope.
const (
	nsSOAP11 = "http://schemas.xmlsoap.org/soap/envelope/"
	nsSOAP12 = "http://www.w3.org/2003/05/soap-envelope"
)
