package wssecurity

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/base64"
	"encoding/hex"
	"math/big"
	"strings"
	"testing"

	"github.com/beevik/etree"
	"github.com/soapstack/soapstack/internal/wsse"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestParseSTRWSS4J reads the three references WSS4J wrote in msg_05.
func TestParseSTRWSS4J(t *testing.T) {
	v, cert := loadX509Vector(t)
	root := tokDoc(t, "msg_05.xml")
	strs := tokFindAll(root, wsse.NSWSSE, "SecurityTokenReference")
	require.Len(t, strs, 3)

	// EncryptedKey → the recipient certificate by thumbprint.
	ek, err := wsse.ParseSTR(strs[0])
	require.NoError(t, err)
	assert.Equal(t, wsse.STRKeyIdentifier, ek.Kind)
	assert.Equal(t, wsse.URIThumbprintSHA1, ek.ValueType)
	assert.Equal(t, "OOQ976ASi6+kfB9DjunyxVDBQ4A=", base64.StdEncoding.EncodeToString(ek.KeyIdentifier))
	assert.Equal(t, v.Keys.Thumbprint, base64.StdEncoding.EncodeToString(ek.KeyIdentifier))
	assert.True(t, ek.MatchCertificate(cert))

	// Signature → the BinarySecurityToken, direct reference.
	sig, err := wsse.ParseSTR(strs[1])
	require.NoError(t, err)
	assert.Equal(t, wsse.STRReference, sig.Kind)
	assert.Equal(t, "STR-7098CD685C6E241FB7179537467456249", sig.ID)
	assert.Equal(t, "#"+v.Signature.BSTID, sig.URI)
	assert.True(t, sig.Local)
	assert.Equal(t, v.Signature.BSTID, sig.LocalID())
	assert.Equal(t, wsse.URIX509v3, sig.ValueType)
	assert.False(t, sig.MatchCertificate(cert), "references are resolved by the caller")

	// EncryptedData → the EncryptedKey, with a wsse11:TokenType.
	ed, err := wsse.ParseSTR(strs[2])
	require.NoError(t, err)
	assert.Equal(t, wsse.STRReference, ed.Kind)
	assert.Equal(t, "EK-7098CD685C6E241FB7179537467469452", ed.LocalID())
	assert.Equal(t, "", ed.ValueType)
	assert.Equal(t, wsse.URIEncryptedKeyToken, ed.TokenType)
}

// TestParseSTRWCF reads the references of a WCF client and CoreWCF.
func TestParseSTRWCF(t *testing.T) {
	const sct = "http://schemas.xmlsoap.org/ws/2005/02/sc/sct"
	tests := []struct {
		file  string
		index int
		uri   string
		local bool
	}{
		{"02_corewcf_rstr-sct-response.xml", 0, "#uuid-e07815b0-d900-49c8-8ec6-a8ee018263c9-1", true},
		{"02_corewcf_rstr-sct-response.xml", 1, "urn:uuid:40859149-0ab7-4ee2-a7cc-22bc21adfe08", false},
		{"68_ms-lwssp_4-9_context-establishment-rstr.xml", 0, "#_sct", true},
		{"68_ms-lwssp_4-9_context-establishment-rstr.xml", 1, "urn:uuid:8a63487c-662b-40bf-b2df-f3b536062f5e", false},
		{"03_corewcf_app-request-sct-hmac.xml", 0, "#uuid-e07815b0-d900-49c8-8ec6-a8ee018263c9-1", true},
	}
	for _, tt := range tests {
		t.Run(tt.file+"/"+tt.uri, func(t *testing.T) {
			strs := tokFindAll(tokDoc(t, tt.file), wsse.NSWSSE, "SecurityTokenReference")
			require.Greater(t, len(strs), tt.index)
			s, err := wsse.ParseSTR(strs[tt.index])
			require.NoError(t, err)
			assert.Equal(t, wsse.STRReference, s.Kind)
			assert.Equal(t, tt.uri, s.URI)
			assert.Equal(t, tt.local, s.Local)
			assert.Equal(t, sct, s.ValueType)
			if !tt.local {
				assert.Equal(t, "", s.LocalID())
			}
		})
	}
}

func TestSTRWritersRoundTrip(t *testing.T) {
	_, cert := loadX509Vector(t)
	other, _ := tokCert(t, &x509.Certificate{Subject: cert.Subject, SerialNumber: big.NewInt(5)}, nil, nil)
	ski, err := wsse.SubjectKeyIdentifier(cert)
	require.NoError(t, err)
	ekSHA1 := make([]byte, 20)
	ekSHA1[0] = 9
	tests := []struct {
		name  string
		el    *etree.Element
		check func(t *testing.T, s *wsse.STR)
		match bool
	}{
		{"reference", wsse.NewSTRReference("#X509-1", wsse.URIX509v3), func(t *testing.T, s *wsse.STR) {
			assert.Equal(t, wsse.STRReference, s.Kind)
			assert.Equal(t, "X509-1", s.LocalID())
			assert.Equal(t, wsse.URIX509v3, s.ValueType)
		}, false},
		{"reference without ValueType", wsse.NewSTRReference("urn:uuid:1", ""), func(t *testing.T, s *wsse.STR) {
			assert.False(t, s.Local)
			assert.Equal(t, "", s.ValueType)
		}, false},
		{"thumbprint", wsse.NewSTRKeyIdentifier(wsse.URIThumbprintSHA1, wsse.ThumbprintSHA1(cert)), func(t *testing.T, s *wsse.STR) {
			assert.Equal(t, wsse.STRKeyIdentifier, s.Kind)
			assert.Equal(t, wsse.ThumbprintSHA1(cert), s.KeyIdentifier)
		}, true},
		{"SKI", wsse.NewSTRKeyIdentifier(wsse.URIX509SKI, ski), func(t *testing.T, s *wsse.STR) {
			assert.Equal(t, wsse.URIX509SKI, s.ValueType)
		}, true},
		{"EncryptedKeySHA1", wsse.NewSTRKeyIdentifier(wsse.URIEncryptedKeySHA1, ekSHA1), func(t *testing.T, s *wsse.STR) {
			assert.Equal(t, ekSHA1, s.KeyIdentifier)
		}, false},
		{"issuer serial", wsse.NewSTRIssuerSerial(cert), func(t *testing.T, s *wsse.STR) {
			assert.Equal(t, wsse.STRIssuerSerial, s.Kind)
			assert.Equal(t, "O=soapstack test vectors,CN=wss4j-test", s.IssuerName)
			assert.Equal(t, 0, s.SerialNumber.Cmp(cert.SerialNumber))
		}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wsse.SetTokenType(tt.el, wsse.URIEncryptedKeyToken)
			wsse.SetWSUID(tt.el, "STR-1")
			b, err := etree.NewDocumentWithRoot(tt.el).WriteToBytes()
			require.NoError(t, err)
			doc := etree.NewDocument()
			require.NoError(t, doc.ReadFromBytes(b))
			s, err := wsse.ParseSTR(doc.Root())
			require.NoError(t, err)
			assert.Equal(t, "STR-1", s.ID)
			assert.Equal(t, wsse.URIEncryptedKeyToken, s.TokenType)
			tt.check(t, s)
			assert.Equal(t, tt.match, s.MatchCertificate(cert))
			assert.False(t, s.MatchCertificate(other), "same subject and issuer, other key and serial")
			assert.False(t, s.MatchCertificate(nil))
		})
	}
}

func strXML(children string) string {
	return `<wsse:SecurityTokenReference>` + children + `</wsse:SecurityTokenReference>`
}

func kiXML(valueType, value string) string {
	return `<wsse:KeyIdentifier EncodingType="` + wsse.URIBase64Binary + `" ValueType="` + valueType + `">` + value + `</wsse:KeyIdentifier>`
}

// TestParseSTRRejects holds the attack and malformed cases.
func TestParseSTRRejects(t *testing.T) {
	thumb := "OOQ976ASi6+kfB9DjunyxVDBQ4A="
	ref := `<wsse:Reference URI="#a"/>`
	issuerSerial := func(inner string) string {
		return `<ds:X509Data><ds:X509IssuerSerial>` + inner + `</ds:X509IssuerSerial></ds:X509Data>`
	}
	tests := []struct{ name, xml string }{
		{"no reference", strXML(``)},
		{"two references", strXML(ref + ref)},
		{"reference and key identifier", strXML(ref + kiXML(wsse.URIThumbprintSHA1, thumb))},
		{"nested STR", strXML(strXML(ref))},
		{"Embedded", strXML(`<wsse:Embedded><x/></wsse:Embedded>`)},
		{"unknown form", strXML(`<ds:KeyName>k</ds:KeyName>`)},
		{"text", strXML(`junk` + ref)},
		{"Reference without URI", strXML(`<wsse:Reference ValueType="x"/>`)},
		{"Reference with empty URI", strXML(`<wsse:Reference URI=""/>`)},
		{"Reference to '#'", strXML(`<wsse:Reference URI="#"/>`)},
		{"Reference URI with space", strXML(`<wsse:Reference URI="#a b"/>`)},
		{"Reference with content", strXML(`<wsse:Reference URI="#a"><x/></wsse:Reference>`)},
		{"Reference URI too long", strXML(`<wsse:Reference URI="#` + strings.Repeat("a", wsse.MaxURILen) + `"/>`)},
		{"unknown KeyIdentifier ValueType", strXML(kiXML("http://docs.oasis-open.org/wss/oasis-wss-saml-token-profile-1.0#SAMLAssertionID", thumb))},
		{"X509v3 KeyIdentifier", strXML(kiXML(wsse.URIX509v3, thumb))},
		{"KeyIdentifier without ValueType", strXML(`<wsse:KeyIdentifier>` + thumb + `</wsse:KeyIdentifier>`)},
		{"KeyIdentifier hex", strXML(`<wsse:KeyIdentifier EncodingType="urn:hex" ValueType="` + wsse.URIThumbprintSHA1 + `">00</wsse:KeyIdentifier>`)},
		{"oversized KeyIdentifier", strXML(kiXML(wsse.URIX509SKI, base64.StdEncoding.EncodeToString(make([]byte, wsse.MaxKeyIdentifierSize+1))))},
		{"huge KeyIdentifier text", strXML(kiXML(wsse.URIX509SKI, strings.Repeat("A", 1<<20)))},
		{"short thumbprint", strXML(kiXML(wsse.URIThumbprintSHA1, "AAAA"))},
		{"long EncryptedKeySHA1", strXML(kiXML(wsse.URIEncryptedKeySHA1, base64.StdEncoding.EncodeToString(make([]byte, 21))))},
		{"empty KeyIdentifier", strXML(kiXML(wsse.URIX509SKI, ""))},
		{"KeyIdentifier not base64", strXML(kiXML(wsse.URIX509SKI, "%%%"))},
		{"X509Data with certificate", strXML(`<ds:X509Data><ds:X509Certificate>AAAA</ds:X509Certificate></ds:X509Data>`)},
		{"X509Data with two IssuerSerials", strXML(`<ds:X509Data>` + strings.Repeat(`<ds:X509IssuerSerial><ds:X509IssuerName>CN=a</ds:X509IssuerName><ds:X509SerialNumber>1</ds:X509SerialNumber></ds:X509IssuerSerial>`, 2) + `</ds:X509Data>`)},
		{"IssuerSerial without serial", strXML(issuerSerial(`<ds:X509IssuerName>CN=a</ds:X509IssuerName>`))},
		{"IssuerSerial without name", strXML(issuerSerial(`<ds:X509SerialNumber>1</ds:X509SerialNumber>`))},
		{"IssuerSerial empty name", strXML(issuerSerial(`<ds:X509IssuerName> </ds:X509IssuerName><ds:X509SerialNumber>1</ds:X509SerialNumber>`))},
		{"IssuerSerial hex serial", strXML(issuerSerial(`<ds:X509IssuerName>CN=a</ds:X509IssuerName><ds:X509SerialNumber>0x1f</ds:X509SerialNumber>`))},
		{"IssuerSerial huge serial", strXML(issuerSerial(`<ds:X509IssuerName>CN=a</ds:X509IssuerName><ds:X509SerialNumber>` + strings.Repeat("9", wsse.MaxSerialDigits+1) + `</ds:X509SerialNumber>`))},
		{"IssuerSerial two serials", strXML(issuerSerial(`<ds:X509IssuerName>CN=a</ds:X509IssuerName><ds:X509SerialNumber>1</ds:X509SerialNumber><ds:X509SerialNumber>2</ds:X509SerialNumber>`))},
		{"not an STR", `<wsse:Reference URI="#a"/>`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := wsse.ParseSTR(tokXML(t, tt.xml))
			require.Error(t, err)
			assert.Contains(t, []string{FaultInvalidSecurityToken, FaultInvalidSecurity}, FaultSubcode(err))
		})
	}
}

// TestIssuerNameMatching checks X509IssuerName strings as Java, .NET and
// others write them against the certificate's encoded issuer.
func TestIssuerNameMatching(t *testing.T) {
	_, vector := loadX509Vector(t)
	caName := pkix.Name{
		Country: []string{"US"}, Organization: []string{"Example, Inc."}, OrganizationalUnit: []string{"Web  Services"},
		CommonName: "Example CA",
		ExtraNames: []pkix.AttributeTypeAndValue{{Type: asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 1}, Value: "pki@example.org"}},
	}
	ca, caKey := tokCert(t, &x509.Certificate{Subject: caName, IsCA: true, BasicConstraintsValid: true}, nil, nil)
	leaf, _ := tokCert(t, &x509.Certificate{Subject: pkix.Name{CommonName: "leaf"}, SerialNumber: big.NewInt(77)}, ca, caKey)
	// Go encodes the e-mail address as a UTF8String; Java would write an
	// IA5String: both denote the same value.
	emailHex := func(params string) string {
		b, err := asn1.MarshalWithParams("pki@example.org", params)
		require.NoError(t, err)
		return hex.EncodeToString(b)
	}
	tests := []struct {
		name   string
		cert   *x509.Certificate
		issuer string
		match  bool
	}{
		{"Java RFC 2253", vector, "O=soapstack test vectors,CN=wss4j-test", true},
		{".NET", vector, "O=soapstack test vectors, CN=wss4j-test", true},
		{"encoded order", vector, "CN=wss4j-test, O=soapstack test vectors", true},
		{"case and spaces", vector, "o = SOAPSTACK  Test Vectors ; cn=WSS4J-TEST", true},
		{"quoted", vector, `O="soapstack test vectors",CN="wss4j-test"`, true},
		{"OIDs", vector, "2.5.4.10=soapstack test vectors,OID.2.5.4.3=wss4j-test", true},
		{"hex value", vector, "O=soapstack test vectors,CN=#0c0a777373346a2d74657374", true},
		{"escaped", vector, `O=soapstack\20test vectors,CN=wss4j\-test`, true},
		{"other CN", vector, "O=soapstack test vectors,CN=wss4j-test2", false},
		{"missing RDN", vector, "CN=wss4j-test", false},
		{"extra RDN", vector, "C=US,O=soapstack test vectors,CN=wss4j-test", false},
		{"merged RDN", vector, "O=soapstack test vectors+CN=wss4j-test", false},
		{"unknown keyword", vector, "X=soapstack test vectors,CN=wss4j-test", false},
		{"garbage", vector, "this is not a name", false},
		{"trailing separator", vector, "O=soapstack test vectors,CN=wss4j-test,", false},
		{"empty", vector, "", false},
		{"generated", leaf, wsse.IssuerName(leaf), true},
		{"Java with email as hex", leaf, "1.2.840.113549.1.9.1=#" + emailHex("ia5") + ",CN=Example CA,OU=Web  Services,O=Example\\, Inc.,C=US", true},
		{".NET with E and quotes", leaf, `E=pki@example.org, CN=Example CA, OU=Web Services, O="Example, Inc.", C=US`, true},
		{".NET doubled quotes", leaf, `E=pki@example.org, CN=Example CA, OU=Web Services, O="Example, Inc.""", C=US`, false},
		{"wrong country", leaf, `E=pki@example.org, CN=Example CA, OU=Web Services, O="Example, Inc.", C=DE`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.match, wsse.IssuerMatches(tt.cert, tt.issuer), tt.issuer)
			s := &wsse.STR{Kind: wsse.STRIssuerSerial, IssuerName: tt.issuer, SerialNumber: tt.cert.SerialNumber}
			assert.Equal(t, tt.match, s.MatchCertificate(tt.cert))
			s.SerialNumber = new(big.Int).Add(tt.cert.SerialNumber, big.NewInt(1))
			assert.False(t, s.MatchCertificate(tt.cert), "other serial")
		})
	}
	assert.Equal(t, "1.2.840.113549.1.9.1=#"+emailHex("utf8")+",CN=Example CA,OU=Web  Services,O=Example\\, Inc.,C=US", wsse.IssuerName(leaf))
}
