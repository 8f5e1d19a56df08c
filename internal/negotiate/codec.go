package negotiate

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/beevik/etree"
	"github.com/soapstack/soapstack/internal/wstrust"
	"github.com/soapstack/soapstack/internal/xmlutil"
)

// Bounds of what a leg may carry.
const (
	// MaxBlobSize bounds the decoded size of one BinaryExchange blob (a
	// TLS flight with a certificate chain, or a Kerberos AP-REQ with a
	// PAC), in bytes.
	MaxBlobSize = 64 << 10
	// maxChildren bounds the child elements of an RST or RSTR.
	maxChildren = 32
	// maxText bounds the text of a small element (URIs, sizes, times).
	maxText = 1024
	// maxKeyBits bounds KeySize.
	maxKeyBits = 4096
)

// ErrMalformed is wrapped by every error about a leg that does not parse.
var ErrMalformed = errors.New("negotiate: malformed negotiation message")

func malformed(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrMalformed}, args...)...)
}

// legKind is the body element of a leg.
type legKind int

const (
	kindRST legKind = iota + 1
	kindRSTR
	kindRSTRC
)

// exchange is a wst:BinaryExchange.
type exchange struct {
	ValueType string
	Blob      []byte
}

// rstr is one RequestSecurityTokenResponse (or, with kind RST, the
// RequestSecurityToken) of a leg. The fields of the final response are
// empty in the other legs.
type rstr struct {
	Context     string
	TokenType   string
	RequestType string
	KeySize     int
	Exchange    *exchange

	RequestedToken *etree.Element // the child of RequestedSecurityToken
	Attached       *etree.Element // the child of RequestedAttachedReference
	Unattached     *etree.Element // the child of RequestedUnattachedReference
	ProofAlgorithm string         // EncryptedKey/EncryptionMethod/@Algorithm
	ProofCipher    []byte         // EncryptedKey/CipherData/CipherValue
	Created        time.Time
	Expires        time.Time
	Authenticator  []byte // Authenticator/CombinedHash

	el *etree.Element // the element as received, for the digest
}

// leg is a parsed negotiation body: one RST, one RSTR, or the final
// collection of two.
type leg struct {
	Kind  legKind
	First *rstr // the RST, the RSTR, or the collection's first RSTR
	Auth  *rstr // the collection's second RSTR (Authenticator)
}

func newEl(v wstrust.Version, local string) *etree.Element {
	el := etree.NewElement(trustPrefix(v) + ":" + local)
	return el
}

func addText(parent *etree.Element, v wstrust.Version, local, text string) {
	parent.CreateElement(trustPrefix(v) + ":" + local).SetText(text)
}

func (x *exchange) build(v wstrust.Version) *etree.Element {
	el := newEl(v, "BinaryExchange")
	el.CreateAttr("ValueType", x.ValueType)
	el.CreateAttr("EncodingType", EncodingBase64)
	el.SetText(base64.StdEncoding.EncodeToString(x.Blob))
	return el
}

// buildRST writes the initiator's first leg as WCF's
// WSTrust.Driver.WriteRequestSecurityToken orders it: TokenType,
// RequestType, KeySize, BinaryExchange.
func buildRST(v wstrust.Version, context string, keySize int, x *exchange) *etree.Element {
	el := newEl(v, "RequestSecurityToken")
	el.CreateAttr("Context", context)
	el.CreateAttr("xmlns:"+trustPrefix(v), v.TrustNamespace())
	addText(el, v, "TokenType", v.TokenType())
	addText(el, v, "RequestType", v.RequestType(wstrust.OpIssue))
	if keySize > 0 {
		addText(el, v, "KeySize", strconv.Itoa(keySize))
	}
	el.AddChild(x.build(v))
	return el
}

// build writes an RSTR in the order of WCF's
// WriteRequestSecurityTokenResponse: TokenType, RequestedSecurityToken,
// RequestedAttachedReference, RequestedUnattachedReference,
// RequestedProofToken, Lifetime, Authenticator, KeySize, BinaryExchange.
// standalone declares the trust namespace on the element itself (an RSTR
// outside a collection).
func (r *rstr) build(v wstrust.Version, standalone bool) *etree.Element {
	el := newEl(v, "RequestSecurityTokenResponse")
	el.CreateAttr("Context", r.Context)
	if standalone {
		el.CreateAttr("xmlns:"+trustPrefix(v), v.TrustNamespace())
	}
	el.CreateAttr("xmlns:"+prefixWSU, NSWSU)
	if r.TokenType != "" {
		addText(el, v, "TokenType", r.TokenType)
	}
	wrap := func(local string, child *etree.Element) {
		if child != nil {
			el.CreateElement(trustPrefix(v) + ":" + local).AddChild(child)
		}
	}
	wrap("RequestedSecurityToken", r.RequestedToken)
	wrap("RequestedAttachedReference", r.Attached)
	wrap("RequestedUnattachedReference", r.Unattached)
	if r.ProofAlgorithm != "" {
		ek := etree.NewElement(prefixXMLEnc + ":EncryptedKey")
		ek.CreateAttr("xmlns:"+prefixXMLEnc, NSXMLEnc)
		ek.CreateElement(prefixXMLEnc+":EncryptionMethod").CreateAttr("Algorithm", r.ProofAlgorithm)
		ek.CreateElement(prefixXMLEnc + ":CipherData").CreateElement(prefixXMLEnc + ":CipherValue").SetText(base64.StdEncoding.EncodeToString(r.ProofCipher))
		wrap("RequestedProofToken", ek)
	}
	if !r.Created.IsZero() || !r.Expires.IsZero() {
		lt := el.CreateElement(trustPrefix(v) + ":Lifetime")
		lt.CreateElement(prefixWSU + ":Created").SetText(formatTime(r.Created))
		lt.CreateElement(prefixWSU + ":Expires").SetText(formatTime(r.Expires))
	}
	if r.Authenticator != nil {
		a := el.CreateElement(trustPrefix(v) + ":Authenticator")
		a.CreateElement(trustPrefix(v) + ":CombinedHash").SetText(base64.StdEncoding.EncodeToString(r.Authenticator))
	}
	if r.KeySize > 0 {
		addText(el, v, "KeySize", strconv.Itoa(r.KeySize))
	}
	if r.Exchange != nil {
		el.AddChild(r.Exchange.build(v))
	}
	return el
}

// buildFinal writes the acceptor's last leg: the collection of the
// negotiation RSTR and the Authenticator RSTR.
func buildFinal(v wstrust.Version, first, auth *rstr) *etree.Element {
	c := newEl(v, "RequestSecurityTokenResponseCollection")
	c.CreateAttr("xmlns:"+trustPrefix(v), v.TrustNamespace())
	c.AddChild(first.build(v, false))
	c.AddChild(auth.build(v, false))
	return c
}

// formatTime writes a time as WCF does (milliseconds, UTC).
func formatTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// parseLeg parses a negotiation body of version v.
func parseLeg(v wstrust.Version, body *etree.Element) (*leg, error) {
	if body == nil {
		return nil, malformed("no body")
	}
	n := xmlutil.ElementName(body)
	if n.Space != v.TrustNamespace() {
		return nil, malformed("body element {%s}%s is not in the WS-Trust namespace of %s", n.Space, n.Local, v)
	}
	switch n.Local {
	case "RequestSecurityToken":
		r, err := parseRSTR(v, body, true)
		if err != nil {
			return nil, err
		}
		return &leg{Kind: kindRST, First: r}, nil
	case "RequestSecurityTokenResponse":
		r, err := parseRSTR(v, body, false)
		if err != nil {
			return nil, err
		}
		return &leg{Kind: kindRSTR, First: r}, nil
	case "RequestSecurityTokenResponseCollection":
		kids := body.ChildElements()
		if len(kids) != 2 {
			return nil, malformed("a collection of %d responses (want 2)", len(kids))
		}
		var rs [2]*rstr
		for i, k := range kids {
			kn := xmlutil.ElementName(k)
			if kn.Space != v.TrustNamespace() || kn.Local != "RequestSecurityTokenResponse" {
				return nil, malformed("collection member {%s}%s", kn.Space, kn.Local)
			}
			r, err := parseRSTR(v, k, false)
			if err != nil {
				return nil, err
			}
			rs[i] = r
		}
		return &leg{Kind: kindRSTRC, First: rs[0], Auth: rs[1]}, nil
	}
	return nil, malformed("unexpected body element %s", n.Local)
}

func text(el *etree.Element) (string, error) {
	s := el.Text()
	if len(s) > maxText {
		return "", malformed("text of %s longer than %d", el.Tag, maxText)
	}
	for _, c := range el.Child {
		if _, ok := c.(*etree.Element); ok {
			return "", malformed("%s has child elements", el.Tag)
		}
	}
	return strings.TrimSpace(s), nil
}

func only(el *etree.Element) (*etree.Element, error) {
	kids := el.ChildElements()
	if len(kids) != 1 {
		return nil, malformed("%s has %d child elements (want 1)", el.Tag, len(kids))
	}
	return kids[0], nil
}

func base64Text(el *etree.Element, limit int) ([]byte, error) {
	for _, c := range el.Child {
		if _, ok := c.(*etree.Element); ok {
			return nil, malformed("%s has child elements", el.Tag)
		}
	}
	s := el.Text()
	if len(s) > base64.StdEncoding.EncodedLen(limit)+len(s)/8+64 {
		return nil, malformed("%s larger than %d bytes", el.Tag, limit)
	}
	s = strings.Map(func(r rune) rune {
		if r == ' ' || r == '\t' || r == '\r' || r == '\n' {
			return -1
		}
		return r
	}, s)
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil, malformed("%s is not base64: %v", el.Tag, err)
	}
	if len(b) > limit {
		return nil, malformed("%s larger than %d bytes", el.Tag, limit)
	}
	return b, nil
}

func parseTime(el *etree.Element) (time.Time, error) {
	s, err := text(el)
	if err != nil {
		return time.Time{}, err
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, malformed("time %q: %v", s, err)
	}
	return t, nil
}

// parseRSTR reads an RST (rst) or RSTR element.
func parseRSTR(v wstrust.Version, el *etree.Element, rst bool) (*rstr, error) {
	r := &rstr{el: el}
	ctx := el.SelectAttr("Context")
	if ctx == nil || ctx.Space != "" {
		return nil, malformed("%s without Context", el.Tag)
	}
	if len(ctx.Value) > maxText {
		return nil, malformed("Context longer than %d", maxText)
	}
	r.Context = ctx.Value
	kids := el.ChildElements()
	if len(kids) > maxChildren {
		return nil, malformed("%s has %d children (limit %d)", el.Tag, len(kids), maxChildren)
	}
	seen := map[string]bool{}
	tns := v.TrustNamespace()
	for _, c := range kids {
		cn := xmlutil.ElementName(c)
		if cn.Space != tns {
			continue // an extension (wsp:AppliesTo and the like)
		}
		if seen[cn.Local] {
			return nil, malformed("%s twice", cn.Local)
		}
		seen[cn.Local] = true
		var err error
		switch cn.Local {
		case "TokenType":
			r.TokenType, err = text(c)
		case "RequestType":
			r.RequestType, err = text(c)
		case "KeySize":
			var s string
			if s, err = text(c); err == nil {
				r.KeySize, err = strconv.Atoi(s)
				if err != nil || r.KeySize <= 0 || r.KeySize > maxKeyBits {
					err = malformed("KeySize %q", s)
				}
			}
		case "BinaryExchange":
			r.Exchange, err = parseExchange(c)
		case "RequestedSecurityToken":
			r.RequestedToken, err = only(c)
		case "RequestedAttachedReference":
			r.Attached, err = only(c)
		case "RequestedUnattachedReference":
			r.Unattached, err = only(c)
		case "RequestedProofToken":
			err = r.parseProof(c)
		case "Lifetime":
			for _, t := range c.ChildElements() {
				tn := xmlutil.ElementName(t)
				switch {
				case tn.Space == NSWSU && tn.Local == "Created" && r.Created.IsZero():
					r.Created, err = parseTime(t)
				case tn.Space == NSWSU && tn.Local == "Expires" && r.Expires.IsZero():
					r.Expires, err = parseTime(t)
				default:
					err = malformed("Lifetime child %s", t.Tag)
				}
				if err != nil {
					break
				}
			}
		case "Authenticator":
			var ch *etree.Element
			if ch, err = only(c); err == nil {
				chn := xmlutil.ElementName(ch)
				if chn.Space != tns || chn.Local != "CombinedHash" {
					err = malformed("Authenticator child %s", ch.Tag)
				} else {
					r.Authenticator, err = base64Text(ch, 64)
				}
			}
		}
		if err != nil {
			return nil, err
		}
	}
	if rst && r.Exchange == nil {
		return nil, malformed("RequestSecurityToken without BinaryExchange")
	}
	return r, nil
}

func parseExchange(el *etree.Element) (*exchange, error) {
	vt := el.SelectAttr("ValueType")
	if vt == nil || vt.Space != "" {
		return nil, malformed("BinaryExchange without ValueType")
	}
	if len(vt.Value) > maxText {
		return nil, malformed("ValueType longer than %d", maxText)
	}
	if et := el.SelectAttrValue("EncodingType", ""); et != EncodingBase64 {
		return nil, malformed("BinaryExchange EncodingType %q (want base64)", et)
	}
	b, err := base64Text(el, MaxBlobSize)
	if err != nil {
		return nil, err
	}
	return &exchange{ValueType: vt.Value, Blob: b}, nil
}

func (r *rstr) parseProof(el *etree.Element) error {
	ek, err := only(el)
	if err != nil {
		return err
	}
	if n := xmlutil.ElementName(ek); n.Space != NSXMLEnc || n.Local != "EncryptedKey" {
		return malformed("RequestedProofToken holds %s, not xenc:EncryptedKey", ek.Tag)
	}
	for _, c := range ek.ChildElements() {
		cn := xmlutil.ElementName(c)
		if cn.Space != NSXMLEnc {
			continue
		}
		switch cn.Local {
		case "EncryptionMethod":
			r.ProofAlgorithm = c.SelectAttrValue("Algorithm", "")
		case "CipherData":
			cv, err := only(c)
			if err != nil {
				return err
			}
			if n := xmlutil.ElementName(cv); n.Space != NSXMLEnc || n.Local != "CipherValue" {
				return malformed("CipherData holds %s", cv.Tag)
			}
			if r.ProofCipher, err = base64Text(cv, MaxBlobSize); err != nil {
				return err
			}
		}
	}
	if r.ProofAlgorithm == "" || r.ProofCipher == nil {
		return malformed("EncryptedKey without EncryptionMethod or CipherValue")
	}
	return nil
}
