package negotiate

import "github.com/soapstack/soapstack/internal/wstrust"

// Namespaces and URIs of the negotiation. Every literal URI of the package
// lives in this file.
const (
	// NSXMLEnc is the XML Encryption namespace of the RequestedProofToken's
	// xenc:EncryptedKey.
	NSXMLEnc = "http://www.w3.org/2001/04/xmlenc#"
	// NSWSU is the WS-Security utility namespace (wsu:Created, wsu:Expires).
	NSWSU = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"
	// nsWSSE is the WS-Security 1.0 namespace (the Security header a
	// negotiation leg does not carry).
	nsWSSE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
	// EncodingBase64 is the EncodingType of every BinaryExchange.
	EncodingBase64 = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-soap-message-security-1.0#Base64Binary"

	// ValueTypeTLSNego200502 is the TLSNEGO BinaryExchange ValueType of
	// WS-Trust 2005/02 as WCF writes it, with its leading space (WCF's
	// TlsnegoTokenProvider/Authenticator use
	// XD.TrustApr2004Dictionary.TlsnegoValueTypeUri for TrustVersion
	// WSTrustFeb2005). A 2005/02 acceptor also accepts ValueTypeTLSNego13
	// there and echoes the form it received.
	ValueTypeTLSNego200502 = " " + valueTypeTLSNego
	// ValueTypeTLSNego13 is the TLSNEGO ValueType of WS-Trust 1.3: still
	// under the 2005/02 trust namespace, without the space
	// (DXD.TrustDec2005Dictionary.TlsnegoValueTypeUri).
	ValueTypeTLSNego13 = valueTypeTLSNego
	// ValueTypeSPNego200502 and ValueTypeSPNego13 are the SPNEGO
	// ValueTypes: the same URI in both versions
	// (TrustApr2004Dictionary and TrustDec2005Dictionary
	// SpnegoValueTypeUri).
	ValueTypeSPNego200502 = wstrust.NSTrust200502 + "/spnego"
	ValueTypeSPNego13     = wstrust.NSTrust200502 + "/spnego"

	valueTypeTLSNego = wstrust.NSTrust200502 + "/tlsnego"

	// AlgTLSWrap is the EncryptionMethod of a key wrapped as TLS
	// application data (SecurityAlgorithms.TlsSspiKeyWrap; no "ws/" in the
	// path, unlike the trust namespace).
	AlgTLSWrap = "http://schemas.xmlsoap.org/2005/02/trust/tlsnego#TLS_Wrap"
	// AlgGSSWrap is the EncryptionMethod of a key wrapped by GSS_Wrap
	// (SecurityAlgorithms.WindowsSspiKeyWrap).
	AlgGSSWrap = "http://schemas.xmlsoap.org/2005/02/trust/spnego#GSS_Wrap"

	// combinedHashLabel is the P_SHA1 label of the Authenticator
	// (TrustApr2004Strings.CombinedHashLabel).
	combinedHashLabel = "AUTH-HASH"
	// authenticatorBits is the size of CombinedHash
	// (SecurityNegotiationConstants.NegotiationAuthenticatorSize).
	authenticatorBits = 256

	act200502RST  = wstrust.NSTrust200502 + "/RST/Issue"
	act200502RSTR = wstrust.NSTrust200502 + "/RSTR/Issue"
	act13RST      = wstrust.NSTrust13 + "/RST/Issue"
	act13RSTR     = wstrust.NSTrust13 + "/RSTR/Issue"
	act13RSTRC    = wstrust.NSTrust13 + "/RSTRC/IssueFinal"

	prefixTrust200502 = "t"
	prefixTrust13     = "trust"
	prefixWSU         = "u"
	prefixXMLEnc      = "e"
)

// Actions of the negotiation legs of WS-Trust version v.
type actions struct {
	RST       string // the initiator's first leg
	RSTR      string // every later leg, both ways
	FinalRSTR string // the acceptor's last leg (RSTRC/IssueFinal in 1.3)
}

func actionsOf(v wstrust.Version) actions {
	if v == wstrust.V13 {
		return actions{RST: act13RST, RSTR: act13RSTR, FinalRSTR: act13RSTRC}
	}
	return actions{RST: act200502RST, RSTR: act200502RSTR, FinalRSTR: act200502RSTR}
}

func trustPrefix(v wstrust.Version) string {
	if v == wstrust.V13 {
		return prefixTrust13
	}
	return prefixTrust200502
}

// TLSNegoValueType returns the TLSNEGO ValueType of the WS-Trust namespace
// trustNS ("" for another namespace).
func TLSNegoValueType(trustNS string) string {
	switch trustNS {
	case wstrust.NSTrust200502:
		return ValueTypeTLSNego200502
	case wstrust.NSTrust13:
		return ValueTypeTLSNego13
	}
	return ""
}
