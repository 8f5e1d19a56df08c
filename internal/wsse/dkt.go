package wsse

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"io"
	"strconv"

	"github.com/beevik/etree"
	"github.com/soapstack/soapstack/internal/psha1"
	"github.com/soapstack/soapstack/internal/xmlutil"
)

// Bounds on DerivedKeyTokens a receiver accepts.
const (
	MinDKLength    = 16
	MaxDKLength    = 512
	MaxDKOffset    = 4096
	maxDKNonce     = 256
	maxDKLabel     = 256
	defaultDKNonce = 16
)

// DerivedKeyToken is a WS-SecureConversation DerivedKeyToken: a key derived
// with P_SHA1 from the key of the token its SecurityTokenReference names.
type DerivedKeyToken struct {
	// NS is the WS-SC namespace (NSWSC200502 or NSWSC13).
	NS        string
	ID        string
	Algorithm string
	// STR is the SecurityTokenReference element to the base token.
	STR        *etree.Element
	Generation int
	HasGen     bool
	Offset     int
	Length     int
	Label      string
	Nonce      []byte
	Element    *etree.Element
}

// DeriveKey derives the key from the base token's secret.
func (d *DerivedKeyToken) DeriveKey(secret []byte) ([]byte, error) {
	if len(secret) == 0 {
		return nil, fmt.Errorf("%w: empty base key for a derived key", ErrInvalidToken)
	}
	label := d.Label
	if label == "" {
		label = DefaultDKLabel
	}
	seed := make([]byte, 0, len(label)+len(d.Nonce))
	seed = append(append(seed, label...), d.Nonce...)
	offset := d.Offset
	if d.HasGen {
		offset = d.Generation * d.Length
	}
	k, err := psha1.Derive(secret, seed, offset, d.Length)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidToken, err)
	}
	return k, nil
}

// ParseDerivedKeyToken reads a DerivedKeyToken of either WS-SC version and
// enforces the bounds: a nonce, Length in [MinDKLength, MaxDKLength],
// Offset (or Generation×Length) at most MaxDKOffset, P_SHA1 only.
func ParseDerivedKeyToken(el *etree.Element) (*DerivedKeyToken, error) {
	name := xmlutil.ElementName(el)
	if name.Local != "DerivedKeyToken" || (name.Space != NSWSC200502 && name.Space != NSWSC13) {
		return nil, fmt.Errorf("%w: not a DerivedKeyToken", ErrInvalidToken)
	}
	d := &DerivedKeyToken{NS: name.Space, ID: WSUID(el), Element: el, Length: 32}
	if a := xmlutil.AttrNS(el, "", "Algorithm"); a != nil {
		d.Algorithm = TrimXMLSpace(a.Value)
		if d.Algorithm != AlgPSHA1 && d.Algorithm != AlgPSHA1V13 {
			return nil, fmt.Errorf("%w: derivation algorithm %q", ErrUnsupportedAlgorithm, d.Algorithm)
		}
	}
	children, err := elementChildren(el)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	hasOffset := false
	for _, c := range children {
		cn := xmlutil.ElementName(c)
		if cn.Space == NSWSSE && cn.Local == "SecurityTokenReference" {
			if d.STR != nil {
				return nil, fmt.Errorf("%w: DerivedKeyToken with two references", ErrInvalidToken)
			}
			d.STR = c
			continue
		}
		if cn.Space != name.Space {
			return nil, fmt.Errorf("%w: unexpected %s in DerivedKeyToken", ErrInvalidToken, cn.Local)
		}
		if seen[cn.Local] {
			return nil, fmt.Errorf("%w: repeated %s in DerivedKeyToken", ErrInvalidToken, cn.Local)
		}
		seen[cn.Local] = true
		switch cn.Local {
		case "Properties":
			// Properties (Name, Label, Nonce) are not used by WCF or CXF.
			return nil, fmt.Errorf("%w: DerivedKeyToken Properties are not supported", ErrInvalidToken)
		case "Generation", "Offset", "Length":
			txt, err := textContent(c, 16)
			if err != nil {
				return nil, fmt.Errorf("%w: %v", ErrInvalidToken, err)
			}
			n, err := strconv.Atoi(TrimXMLSpace(txt))
			if err != nil || n < 0 {
				return nil, fmt.Errorf("%w: invalid %s", ErrInvalidToken, cn.Local)
			}
			switch cn.Local {
			case "Generation":
				d.Generation, d.HasGen = n, true
			case "Offset":
				d.Offset, hasOffset = n, true
			default:
				d.Length = n
			}
		case "Label":
			txt, err := textContent(c, maxDKLabel)
			if err != nil {
				return nil, fmt.Errorf("%w: %v", ErrInvalidToken, err)
			}
			d.Label = txt
		case "Nonce":
			txt, err := textContent(c, 2*maxDKNonce)
			if err != nil {
				return nil, fmt.Errorf("%w: %v", ErrInvalidToken, err)
			}
			if d.Nonce, err = DecodeBase64(txt, maxDKNonce); err != nil {
				return nil, fmt.Errorf("%w: nonce: %v", ErrInvalidToken, err)
			}
		default:
			return nil, fmt.Errorf("%w: unexpected %s in DerivedKeyToken", ErrInvalidToken, cn.Local)
		}
	}
	switch {
	case d.STR == nil:
		return nil, fmt.Errorf("%w: DerivedKeyToken without a SecurityTokenReference", ErrInvalidToken)
	case len(d.Nonce) == 0:
		return nil, fmt.Errorf("%w: DerivedKeyToken without a nonce", ErrInvalidToken)
	case d.HasGen && hasOffset:
		return nil, fmt.Errorf("%w: DerivedKeyToken with both Generation and Offset", ErrInvalidToken)
	case d.Length < MinDKLength || d.Length > MaxDKLength:
		return nil, fmt.Errorf("%w: derived key length %d out of bounds", ErrInvalidToken, d.Length)
	case d.Offset > MaxDKOffset || (d.HasGen && d.Generation*d.Length > MaxDKOffset):
		return nil, fmt.Errorf("%w: derived key offset out of bounds", ErrInvalidToken)
	}
	return d, nil
}

// NewDerivedKeyToken builds a DerivedKeyToken as WCF writes it (Offset 0,
// Length, a 16-byte Nonce; no Label, no Generation) and returns it with the
// derived key. str references the base token; ns selects the WS-SC version.
func NewDerivedKeyToken(ns, id string, str *etree.Element, secret []byte, length int, r io.Reader) (*DerivedKeyToken, []byte, error) {
	if r == nil {
		r = rand.Reader
	}
	nonce := make([]byte, defaultDKNonce)
	if _, err := io.ReadFull(r, nonce); err != nil {
		return nil, nil, fmt.Errorf("wssecurity: derived key nonce: %w", err)
	}
	el := NewTokenElement(prefixWSC, ns, "DerivedKeyToken")
	el.Child = make([]etree.Token, 0, 4) // the STR, Offset, Length, Nonce
	SetWSUID(el, id)
	el.AddChild(str)
	xmlutil.AddTextElement(el, prefixWSC, "Offset", "0")
	xmlutil.AddTextElement(el, prefixWSC, "Length", strconv.Itoa(length))
	xmlutil.AddTextElement(el, prefixWSC, "Nonce", base64.StdEncoding.EncodeToString(nonce))
	d := &DerivedKeyToken{NS: ns, ID: id, STR: str, Length: length, Nonce: nonce, Element: el}
	key, err := d.DeriveKey(secret)
	if err != nil {
		return nil, nil, err
	}
	return d, key, nil
}
