package wsse

import (
	"crypto/x509"
	"encoding/asn1"
	"encoding/hex"
	"errors"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// Distinguished names as ds:X509IssuerName carries them. Java (WSS4J)
// writes RFC 2253 ("CN=a,O=b"), .NET (WCF) its own form ("CN=a, O=b",
// quoted values, keywords such as E and S), both most specific RDN first.
// Matching parses the string and compares attribute types and values
// (whitespace-collapsed, case-insensitive) with the certificate's encoded
// issuer, rather than comparing strings.

const maxDNLen = 4096

// dnATV is one attribute of a parsed name: its OID and normalized value.
type dnATV struct {
	oid   string
	value string
}

// dnRawATV and dnRawRDNSET decode a Name keeping each value's encoding.
type dnRawATV struct {
	Type  asn1.ObjectIdentifier
	Value asn1.RawValue
}

type dnRawRDNSET []dnRawATV

// IssuerName returns cert's issuer in RFC 4514 form as WSS4J writes
// ds:X509IssuerName: most specific RDN first, the keywords CN, C, L, ST, O,
// OU, STREET, DC and UID, other attributes as OID=#hex of their encoding.
func IssuerName(cert *x509.Certificate) string {
	var rdns []dnRawRDNSET
	if rest, err := asn1.Unmarshal(cert.RawIssuer, &rdns); err != nil || len(rest) != 0 {
		return cert.Issuer.String()
	}
	var b strings.Builder
	for i := len(rdns) - 1; i >= 0; i-- {
		if i < len(rdns)-1 {
			b.WriteByte(',')
		}
		for j, atv := range rdns[i] {
			if j > 0 {
				b.WriteByte('+')
			}
			oid := atv.Type.String()
			kw := dnKeyword(oid)
			s, isString := dnRawString(atv.Value)
			if kw == "" || !isString {
				b.WriteString(oid)
				b.WriteString("=#")
				b.WriteString(hex.EncodeToString(atv.Value.FullBytes))
				continue
			}
			b.WriteString(kw)
			b.WriteByte('=')
			dnEscape(&b, s)
		}
	}
	return b.String()
}

// dnKeyword returns the RFC 2253 keyword Java uses for oid, or "".
func dnKeyword(oid string) string {
	switch oid {
	case "2.5.4.3":
		return "CN"
	case "2.5.4.6":
		return "C"
	case "2.5.4.7":
		return "L"
	case "2.5.4.8":
		return "ST"
	case "2.5.4.10":
		return "O"
	case "2.5.4.11":
		return "OU"
	case "2.5.4.9":
		return "STREET"
	case "0.9.2342.19200300.100.1.25":
		return "DC"
	case "0.9.2342.19200300.100.1.1":
		return "UID"
	}
	return ""
}

// dnKeywordOID maps the attribute keywords of RFC 4514, Java and .NET to
// OIDs ("" when unknown).
func dnKeywordOID(kw string) string {
	switch strings.ToUpper(kw) {
	case "CN":
		return "2.5.4.3"
	case "SN", "SURNAME":
		return "2.5.4.4"
	case "SERIALNUMBER":
		return "2.5.4.5"
	case "C":
		return "2.5.4.6"
	case "L":
		return "2.5.4.7"
	case "ST", "S":
		return "2.5.4.8"
	case "STREET":
		return "2.5.4.9"
	case "O":
		return "2.5.4.10"
	case "OU":
		return "2.5.4.11"
	case "T", "TITLE":
		return "2.5.4.12"
	case "POSTALCODE":
		return "2.5.4.17"
	case "G", "GN", "GIVENNAME":
		return "2.5.4.42"
	case "I", "INITIALS":
		return "2.5.4.43"
	case "DC":
		return "0.9.2342.19200300.100.1.25"
	case "UID":
		return "0.9.2342.19200300.100.1.1"
	case "E", "EMAIL", "EMAILADDRESS":
		return "1.2.840.113549.1.9.1"
	}
	return ""
}

func dnEscape(b *strings.Builder, s string) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ',' || c == '+' || c == '"' || c == '\\' || c == '<' || c == '>' || c == ';' || c == '=':
			b.WriteByte('\\')
			b.WriteByte(c)
		case (c == ' ' && (i == 0 || i == len(s)-1)) || (c == '#' && i == 0):
			b.WriteByte('\\')
			b.WriteByte(c)
		case c < 0x20 || c == 0x7f:
			b.WriteString("\\" + hex.EncodeToString([]byte{c}))
		default:
			b.WriteByte(c)
		}
	}
}

// dnRawString returns the text of a directory string value.
func dnRawString(v asn1.RawValue) (string, bool) {
	if v.Class != asn1.ClassUniversal {
		return "", false
	}
	switch v.Tag {
	case asn1.TagUTF8String, asn1.TagPrintableString, asn1.TagIA5String, asn1.TagT61String, asn1.TagNumericString, 26 /* VisibleString */ :
		if !utf8.Valid(v.Bytes) {
			return "", false
		}
		return string(v.Bytes), true
	case asn1.TagBMPString:
		if len(v.Bytes)%2 != 0 {
			return "", false
		}
		u := make([]uint16, len(v.Bytes)/2)
		for i := range u {
			u[i] = uint16(v.Bytes[2*i])<<8 | uint16(v.Bytes[2*i+1])
		}
		return string(utf16.Decode(u)), true
	case 28: // UniversalString
		if len(v.Bytes)%4 != 0 {
			return "", false
		}
		var b strings.Builder
		for i := 0; i < len(v.Bytes); i += 4 {
			b.WriteRune(rune(uint32(v.Bytes[i])<<24 | uint32(v.Bytes[i+1])<<16 | uint32(v.Bytes[i+2])<<8 | uint32(v.Bytes[i+3])))
		}
		return b.String(), true
	}
	return "", false
}

// dnNormalize collapses whitespace runs, trims and folds case.
func dnNormalize(s string) string {
	return strings.ToLower(strings.Join(strings.Fields(s), " "))
}

// dnValueKey returns the comparison form of an encoded value: the
// normalized text of a string, "#" and the hex encoding otherwise.
func dnValueKey(v asn1.RawValue) string {
	if s, ok := dnRawString(v); ok {
		return dnNormalize(s)
	}
	return "#" + hex.EncodeToString(v.FullBytes)
}

// parseDN parses a distinguished name string into RDNs in string order.
func parseDN(s string) ([][]dnATV, error) {
	if len(s) > maxDNLen {
		return nil, errors.New("distinguished name too long")
	}
	var rdns [][]dnATV
	var cur []dnATV
	i := 0
	skipSpace := func() {
		for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n') {
			i++
		}
	}
	for {
		skipSpace()
		if i == len(s) {
			if len(cur) > 0 || len(rdns) > 0 {
				return nil, errors.New("distinguished name ends after a separator")
			}
			return nil, errors.New("empty distinguished name")
		}
		eq := strings.IndexByte(s[i:], '=')
		if eq < 0 {
			return nil, errors.New("attribute without '='")
		}
		kw := strings.TrimSpace(s[i : i+eq])
		i += eq + 1
		oid := dnKeywordOID(kw)
		if oid == "" {
			o := kw
			if len(o) > 4 && strings.EqualFold(o[:4], "OID.") {
				o = o[4:]
			}
			if !isDottedOID(o) {
				return nil, errors.New("unknown attribute type " + kw)
			}
			oid = o
		}
		skipSpace()
		val, n, err := dnValue(s[i:])
		if err != nil {
			return nil, err
		}
		i += n
		cur = append(cur, dnATV{oid: oid, value: val})
		skipSpace()
		if i == len(s) {
			return append(rdns, cur), nil
		}
		switch s[i] {
		case '+':
		case ',', ';':
			rdns = append(rdns, cur)
			cur = nil
		default:
			return nil, errors.New("unexpected character after a value")
		}
		i++
	}
}

func isDottedOID(s string) bool {
	if s == "" || s[0] == '.' || s[len(s)-1] == '.' || strings.Contains(s, "..") {
		return false
	}
	for _, c := range []byte(s) {
		if (c < '0' || c > '9') && c != '.' {
			return false
		}
	}
	return strings.Contains(s, ".")
}

// dnValue reads one attribute value at the start of s and returns its
// comparison key and the number of bytes read.
func dnValue(s string) (string, int, error) {
	switch {
	case strings.HasPrefix(s, "#"):
		n := 1
		for n < len(s) && strings.IndexByte("0123456789abcdefABCDEF", s[n]) >= 0 {
			n++
		}
		der, err := hex.DecodeString(s[1:n])
		if err != nil || len(der) == 0 {
			return "", 0, errors.New("invalid hex value")
		}
		var v asn1.RawValue
		if rest, err := asn1.Unmarshal(der, &v); err != nil || len(rest) != 0 {
			return "", 0, errors.New("invalid encoded value")
		}
		return dnValueKey(v), n, nil
	case strings.HasPrefix(s, `"`):
		var b strings.Builder
		for n := 1; n < len(s); n++ {
			switch c := s[n]; {
			case c == '\\' && n+1 < len(s):
				n++
				b.WriteByte(s[n])
			case c == '"' && n+1 < len(s) && s[n+1] == '"': // .NET doubles quotes
				n++
				b.WriteByte('"')
			case c == '"':
				return dnNormalize(b.String()), n + 1, nil
			default:
				b.WriteByte(c)
			}
		}
		return "", 0, errors.New("unterminated quoted value")
	}
	var b strings.Builder
	n := 0
	for n < len(s) {
		c := s[n]
		if c == ',' || c == ';' || c == '+' {
			break
		}
		if c == '\\' {
			if n+1 >= len(s) {
				return "", 0, errors.New("dangling escape")
			}
			if n+2 < len(s) && isHex(s[n+1]) && isHex(s[n+2]) {
				v, _ := hex.DecodeString(s[n+1 : n+3])
				b.WriteByte(v[0])
				n += 3
				continue
			}
			b.WriteByte(s[n+1])
			n += 2
			continue
		}
		b.WriteByte(c)
		n++
	}
	return dnNormalize(b.String()), n, nil
}

func isHex(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

// IssuerMatches reports whether the distinguished name string name denotes
// cert's issuer. Both RDN orders are accepted (string order as RFC 4514,
// and the encoded order some writers use).
func IssuerMatches(cert *x509.Certificate, name string) bool {
	parsed, err := parseDN(name)
	if err != nil {
		return false
	}
	var raw []dnRawRDNSET
	if rest, err := asn1.Unmarshal(cert.RawIssuer, &raw); err != nil || len(rest) != 0 || len(raw) != len(parsed) {
		return false
	}
	want := make([][]dnATV, len(raw))
	for i, rdn := range raw {
		for _, atv := range rdn {
			want[i] = append(want[i], dnATV{oid: atv.Type.String(), value: dnValueKey(atv.Value)})
		}
	}
	reversed, inOrder := true, true
	for i := range parsed {
		reversed = reversed && sameRDN(parsed[i], want[len(want)-1-i])
		inOrder = inOrder && sameRDN(parsed[i], want[i])
	}
	return reversed || inOrder
}

// sameRDN compares two RDNs as sets of attributes.
func sameRDN(a, b []dnATV) bool {
	if len(a) != len(b) {
		return false
	}
	used := make([]bool, len(b))
outer:
	for _, x := range a {
		for j, y := range b {
			if !used[j] && x == y {
				used[j] = true
				continue outer
			}
		}
		return false
	}
	return true
}
