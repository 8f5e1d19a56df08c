package wsse

import (
	"crypto/subtle"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"math/big"
	"strings"

	"github.com/beevik/etree"
	"github.com/soapstack/soapstack/internal/xmlutil"
)

// STRKind is the form of a SecurityTokenReference.
type STRKind int

// SecurityTokenReference forms.
const (
	// STRReference is a direct wsse:Reference by URI.
	STRReference STRKind = iota + 1
	// STRKeyIdentifier is a wsse:KeyIdentifier (X509SubjectKeyIdentifier,
	// ThumbprintSHA1 or EncryptedKeySHA1).
	STRKeyIdentifier
	// STRIssuerSerial is ds:X509Data/ds:X509IssuerSerial.
	STRIssuerSerial
)

// String returns the element name of the form.
func (k STRKind) String() string {
	switch k {
	case STRReference:
		return "Reference"
	case STRKeyIdentifier:
		return "KeyIdentifier"
	case STRIssuerSerial:
		return "X509IssuerSerial"
	}
	return "unknown"
}

// Size limits of SecurityTokenReference values.
const (
	// MaxKeyIdentifierSize is the largest decoded KeyIdentifier accepted.
	MaxKeyIdentifierSize = 1 << 10
	maxKeyIdentifierText = 4 * MaxKeyIdentifierSize
	MaxURILen            = 4096
	MaxSerialDigits      = 128
)

// STR is a parsed wsse:SecurityTokenReference. Exactly one of the groups
// of fields below Kind is set, according to Kind. Resolving a Reference to
// the element it names is the caller's job (with its ID index).
type STR struct {
	// ID is the STR's wsu:Id, or "".
	ID string
	// TokenType is the wsse11:TokenType attribute, or "".
	TokenType string
	// Kind is the reference form.
	Kind STRKind

	// URI is the Reference URI as sent: "#id" for a token in the message,
	// anything else (e.g. the "urn:uuid:..." identifier of a
	// SecurityContextToken) for a token held elsewhere.
	URI string
	// Local reports whether URI is a same-document "#id" reference.
	Local bool
	// ValueType is the ValueType of a Reference (may be "") or of a
	// KeyIdentifier.
	ValueType string

	// KeyIdentifier is the decoded value of a KeyIdentifier.
	KeyIdentifier []byte

	// IssuerName and SerialNumber identify a certificate.
	IssuerName   string
	SerialNumber *big.Int

	// Element is the element the STR was read from.
	Element *etree.Element
}

// LocalID returns the wsu:Id a local Reference points to (URI without
// '#'), or "".
func (s *STR) LocalID() string {
	if s.Kind != STRReference || !s.Local {
		return ""
	}
	return s.URI[1:]
}

// ParseSTR reads a wsse:SecurityTokenReference in any of the forms WCF and
// CXF/WSS4J write: a wsse:Reference (URI, optional ValueType), a
// wsse:KeyIdentifier with ValueType X509SubjectKeyIdentifier,
// ThumbprintSHA1 (20 bytes) or EncryptedKeySHA1 (20 bytes), Base64Binary
// encoding and at most MaxKeyIdentifierSize bytes, or a
// ds:X509Data/ds:X509IssuerSerial. It refuses an STR with no or several
// reference children, any other child (an Embedded token, a nested STR) and
// unknown ValueTypes. Errors wrap ErrInvalidToken.
func ParseSTR(el *etree.Element) (*STR, error) {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: security token reference: "+format, append([]any{ErrInvalidToken}, args...)...)
	}
	if !xmlutil.Is(el, NSWSSE, "SecurityTokenReference") {
		return nil, bad("not a wsse:SecurityTokenReference")
	}
	children, err := elementChildren(el)
	if err != nil {
		return nil, err
	}
	switch len(children) {
	case 0:
		return nil, bad("no reference")
	case 1:
	default:
		return nil, bad("%d reference elements, want one", len(children))
	}
	s := &STR{ID: WSUID(el), Element: el}
	if a := xmlutil.AttrNS(el, NSWSSE11, "TokenType"); a != nil {
		s.TokenType = TrimXMLSpace(a.Value)
	}
	c := children[0]
	switch {
	case xmlutil.Is(c, NSWSSE, "Reference"):
		err = s.parseReference(c)
	case xmlutil.Is(c, NSWSSE, "KeyIdentifier"):
		err = s.parseKeyIdentifier(c)
	case xmlutil.Is(c, NSDS, "X509Data"):
		err = s.parseX509Data(c)
	case xmlutil.Is(c, NSWSSE, "SecurityTokenReference"):
		return nil, bad("nested SecurityTokenReference")
	default:
		return nil, bad("unsupported reference form %s", c.Tag)
	}
	if err != nil {
		return nil, bad("%v", err)
	}
	return s, nil
}

func (s *STR) parseReference(c *etree.Element) error {
	s.Kind = STRReference
	if kids, err := elementChildren(c); err != nil || len(kids) > 0 {
		return errors.New("unexpected content in wsse:Reference")
	}
	a := xmlutil.AttrNS(c, "", "URI")
	if a == nil {
		return errors.New("no URI in wsse:Reference")
	}
	s.URI = TrimXMLSpace(a.Value)
	switch {
	case len(s.URI) > MaxURILen:
		return fmt.Errorf("wsse:Reference URI longer than %d bytes", MaxURILen)
	case s.URI == "" || s.URI == "#":
		return errors.New("empty wsse:Reference URI")
	case strings.ContainsFunc(s.URI, isXMLSpace):
		return errors.New("wsse:Reference URI contains whitespace")
	}
	s.Local = s.URI[0] == '#'
	if v := xmlutil.AttrNS(c, "", "ValueType"); v != nil {
		s.ValueType = TrimXMLSpace(v.Value)
	}
	return nil
}

func (s *STR) parseKeyIdentifier(c *etree.Element) error {
	s.Kind = STRKeyIdentifier
	if v := xmlutil.AttrNS(c, "", "ValueType"); v != nil {
		s.ValueType = TrimXMLSpace(v.Value)
	}
	size := 0 // required decoded size; 0 for any
	switch s.ValueType {
	case URIThumbprintSHA1, URIEncryptedKeySHA1:
		size = SHA1Size
	case URIX509SKI:
	case "":
		return fmt.Errorf("KeyIdentifier without ValueType")
	default:
		return fmt.Errorf("unsupported KeyIdentifier ValueType %q", s.ValueType)
	}
	if !encodingTypeOK(c) {
		return fmt.Errorf("unsupported KeyIdentifier EncodingType")
	}
	txt, err := textContent(c, maxKeyIdentifierText)
	if err != nil {
		return err
	}
	if s.KeyIdentifier, err = DecodeBase64(txt, MaxKeyIdentifierSize); err != nil {
		return fmt.Errorf("KeyIdentifier: %v", err)
	}
	switch {
	case len(s.KeyIdentifier) == 0:
		return fmt.Errorf("empty KeyIdentifier")
	case size > 0 && len(s.KeyIdentifier) != size:
		return fmt.Errorf("KeyIdentifier of %d bytes, want %d", len(s.KeyIdentifier), size)
	}
	return nil
}

func (s *STR) parseX509Data(c *etree.Element) error {
	s.Kind = STRIssuerSerial
	kids, err := elementChildren(c)
	if err != nil {
		return err
	}
	if len(kids) != 1 || !xmlutil.Is(kids[0], NSDS, "X509IssuerSerial") {
		return fmt.Errorf("X509Data must hold exactly one X509IssuerSerial")
	}
	parts, err := elementChildren(kids[0])
	if err != nil {
		return err
	}
	var name, serial *etree.Element
	for _, p := range parts {
		switch {
		case xmlutil.Is(p, NSDS, "X509IssuerName") && name == nil:
			name = p
		case xmlutil.Is(p, NSDS, "X509SerialNumber") && serial == nil:
			serial = p
		default:
			return fmt.Errorf("unexpected %s in X509IssuerSerial", p.Tag)
		}
	}
	if name == nil || serial == nil {
		return fmt.Errorf("X509IssuerSerial needs X509IssuerName and X509SerialNumber")
	}
	if s.IssuerName, err = textContent(name, maxDNLen); err != nil {
		return err
	}
	if s.IssuerName = TrimXMLSpace(s.IssuerName); s.IssuerName == "" {
		return fmt.Errorf("empty X509IssuerName")
	}
	txt, err := textContent(serial, 2*MaxSerialDigits)
	if err != nil {
		return err
	}
	txt = TrimXMLSpace(txt)
	digits := strings.TrimPrefix(txt, "-")
	if digits == "" || len(digits) > MaxSerialDigits || strings.Trim(digits, "0123456789") != "" {
		return fmt.Errorf("invalid X509SerialNumber")
	}
	s.SerialNumber, _ = new(big.Int).SetString(txt, 10)
	return nil
}

// MatchCertificate reports whether an X.509 form of the STR identifies
// cert: a ThumbprintSHA1 or X509SubjectKeyIdentifier KeyIdentifier
// (compared in constant time; see SubjectKeyIdentifier for certificates
// without the extension) or an X509IssuerSerial (same serial number, and an
// issuer name with the same attributes). References and EncryptedKeySHA1
// never match a certificate.
func (s *STR) MatchCertificate(cert *x509.Certificate) bool {
	if cert == nil {
		return false
	}
	switch s.Kind {
	case STRKeyIdentifier:
		var want []byte
		switch s.ValueType {
		case URIThumbprintSHA1:
			want = ThumbprintSHA1(cert)
		case URIX509SKI:
			ski, err := SubjectKeyIdentifier(cert)
			if err != nil {
				return false
			}
			want = ski
		default:
			return false
		}
		return subtle.ConstantTimeCompare(want, s.KeyIdentifier) == 1
	case STRIssuerSerial:
		return s.SerialNumber != nil && s.SerialNumber.Cmp(cert.SerialNumber) == 0 && IssuerMatches(cert, s.IssuerName)
	}
	return false
}

// newSTR returns an empty standalone wsse:SecurityTokenReference.
func newSTR() *etree.Element {
	return NewTokenElement(PrefixWSSE, NSWSSE, "SecurityTokenReference")
}

// NewSTRReference returns a SecurityTokenReference with a direct
// wsse:Reference to uri ("#id" for a token in the message), with a
// ValueType when valueType is not empty.
func NewSTRReference(uri, valueType string) *etree.Element {
	str := newSTR()
	ref := str.CreateElement(PrefixWSSE + ":Reference")
	if valueType != "" {
		ref.Attr = make([]etree.Attr, 0, 2)
	}
	ref.CreateAttr("URI", uri)
	if valueType != "" {
		ref.CreateAttr("ValueType", valueType)
	}
	return str
}

// NewSTRKeyIdentifier returns a SecurityTokenReference with a
// wsse:KeyIdentifier of the given ValueType (URIThumbprintSHA1,
// URIX509SKI, URIEncryptedKeySHA1) holding value in base64, with
// EncodingType Base64Binary.
func NewSTRKeyIdentifier(valueType string, value []byte) *etree.Element {
	str := newSTR()
	ki := str.CreateElement(PrefixWSSE + ":KeyIdentifier")
	ki.CreateAttr("EncodingType", URIBase64Binary)
	ki.CreateAttr("ValueType", valueType)
	ki.SetText(base64.StdEncoding.EncodeToString(value))
	return str
}

// NewSTRIssuerSerial returns a SecurityTokenReference with
// ds:X509Data/ds:X509IssuerSerial naming cert by issuer (IssuerName) and
// serial number (decimal).
func NewSTRIssuerSerial(cert *x509.Certificate) *etree.Element {
	str := newSTR()
	data := str.CreateElement(prefixDS + ":X509Data")
	data.CreateAttr("xmlns:"+prefixDS, NSDS)
	is := data.CreateElement(prefixDS + ":X509IssuerSerial")
	is.CreateElement(prefixDS + ":X509IssuerName").SetText(IssuerName(cert))
	is.CreateElement(prefixDS + ":X509SerialNumber").SetText(cert.SerialNumber.String())
	return str
}

// SetTokenType sets the wsse11:TokenType attribute of a
// SecurityTokenReference (BSP requires it on references to an EncryptedKey,
// URIEncryptedKeyToken), declaring the wsse11 prefix when needed.
func SetTokenType(str *etree.Element, tokenType string) {
	if a := xmlutil.AttrNS(str, NSWSSE11, "TokenType"); a != nil {
		a.Value = tokenType
		return
	}
	prefix := DeclareNS(str, PrefixWSSE11, NSWSSE11)
	str.CreateAttr(prefix+":TokenType", tokenType)
}
