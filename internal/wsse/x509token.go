package wsse

import (
	"crypto/sha1"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/base64"
	"fmt"

	"github.com/beevik/etree"
	"github.com/soapstack/soapstack/internal/xmlutil"
)

// Size limits of a BinarySecurityToken: the base64 text (16 KiB, whitespace
// excluded, i.e. a 12 KiB certificate) and the element text including
// whitespace.
const (
	MaxBinarySecurityTokenBase64 = 16 << 10
	maxBSTDecoded                = MaxBinarySecurityTokenBase64 / 4 * 3
	maxBSTText                   = 2 * MaxBinarySecurityTokenBase64
)

// BinarySecurityToken is a parsed X.509 v3 wsse:BinarySecurityToken.
type BinarySecurityToken struct {
	// ID is the wsu:Id, or "".
	ID string
	// ValueType is the token's ValueType (URIX509v3).
	ValueType string
	// Certificate is the decoded certificate.
	Certificate *x509.Certificate
	// Element is the element the token was read from.
	Element *etree.Element
}

// NewBinarySecurityToken returns a standalone wsse:BinarySecurityToken
// carrying cert (ValueType X509v3, EncodingType Base64Binary, the DER on
// one line), with a wsu:Id when id is not empty.
func NewBinarySecurityToken(cert *x509.Certificate, id string) *etree.Element {
	bst := NewTokenElement(PrefixWSSE, NSWSSE, "BinarySecurityToken")
	bst.CreateAttr("EncodingType", URIBase64Binary)
	bst.CreateAttr("ValueType", URIX509v3)
	if id != "" {
		SetWSUID(bst, id)
	}
	bst.SetText(base64.StdEncoding.EncodeToString(cert.Raw))
	return bst
}

// ParseBinarySecurityToken reads a wsse:BinarySecurityToken with ValueType
// X509v3 and EncodingType Base64Binary (or none, as WCF writes it). The
// base64 text, whitespace aside, may not exceed
// MaxBinarySecurityTokenBase64 bytes. Other token types are refused with
// ErrInvalidToken. The certificate is decoded, not verified: see
// TrustStore.
func ParseBinarySecurityToken(el *etree.Element) (*BinarySecurityToken, error) {
	if !xmlutil.Is(el, NSWSSE, "BinarySecurityToken") {
		return nil, fmt.Errorf("%w: not a wsse:BinarySecurityToken", ErrInvalidToken)
	}
	bst := &BinarySecurityToken{ID: WSUID(el), Element: el}
	if a := xmlutil.AttrNS(el, "", "ValueType"); a != nil {
		bst.ValueType = TrimXMLSpace(a.Value)
	}
	if bst.ValueType != URIX509v3 {
		return nil, fmt.Errorf("%w: unsupported BinarySecurityToken ValueType %q", ErrInvalidToken, bst.ValueType)
	}
	if !encodingTypeOK(el) {
		return nil, fmt.Errorf("%w: unsupported BinarySecurityToken EncodingType", ErrInvalidToken)
	}
	txt, err := textContent(el, maxBSTText)
	if err != nil {
		return nil, err
	}
	der, err := DecodeBase64(txt, maxBSTDecoded)
	if err != nil {
		return nil, fmt.Errorf("%w: BinarySecurityToken: %v", ErrInvalidToken, err)
	}
	if bst.Certificate, err = x509.ParseCertificate(der); err != nil {
		return nil, fmt.Errorf("%w: BinarySecurityToken: %v", ErrInvalidToken, err)
	}
	return bst, nil
}

// ThumbprintSHA1 returns the SHA-1 of the certificate's DER encoding, the
// value of a ThumbprintSHA1 KeyIdentifier.
func ThumbprintSHA1(cert *x509.Certificate) []byte {
	sum := sha1.Sum(cert.Raw)
	return sum[:]
}

// SubjectKeyIdentifier returns the value of an X509SubjectKeyIdentifier
// KeyIdentifier for cert: the key identifier of its Subject Key Identifier
// extension or, when the certificate has none, the identifier of RFC 3280
// section 4.2.1.2 method 1 (the SHA-1 of the subjectPublicKey BIT STRING,
// without tag, length and unused-bits octet), which is what WSS4J computes
// for such certificates.
func SubjectKeyIdentifier(cert *x509.Certificate) ([]byte, error) {
	if len(cert.SubjectKeyId) > 0 {
		return cert.SubjectKeyId, nil
	}
	var spki struct {
		Algorithm pkix.AlgorithmIdentifier
		PublicKey asn1.BitString
	}
	rest, err := asn1.Unmarshal(cert.RawSubjectPublicKeyInfo, &spki)
	if err != nil || len(rest) != 0 {
		return nil, fmt.Errorf("wssecurity: subject public key info: invalid encoding")
	}
	sum := sha1.Sum(spki.PublicKey.Bytes)
	return sum[:], nil
}
