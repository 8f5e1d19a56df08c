package xmlenc

import (
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"

	"github.com/beevik/etree"
	"github.com/soapstack/soapstack/internal/xmlutil"
)

// cipherOverhead bounds what block encryption adds to a plaintext: a
// 16-byte IV and up to 16 bytes of CBC padding, or a 12-byte IV and a
// 16-byte GCM tag.
const cipherOverhead = 32

// EncryptedData is the parsed view of an xenc:EncryptedData element: what a
// receiver needs to find the key before decrypting it.
type EncryptedData struct {
	// ID is the Id attribute ("" if absent), the target of a
	// xenc:DataReference.
	ID string
	// Type is the Type attribute: TypeElement, TypeContent, another URI
	// (for example an attachment type) or "".
	Type string
	// MimeType and Encoding are the attributes of the same names, or "".
	MimeType, Encoding string
	// Algorithm is the Algorithm of the xenc:EncryptionMethod, or "" if the
	// element has none (DecryptData then refuses it).
	Algorithm string
	// KeyInfo is the ds:KeyInfo child (in the tree, not a copy), or nil.
	// WS-Security puts a wsse:SecurityTokenReference in it, to an
	// EncryptedKey or a DerivedKeyToken.
	KeyInfo *etree.Element

	cipherValue *etree.Element
}

// ParseEncryptedData reads the Id, Type, algorithm and ds:KeyInfo of the
// xenc:EncryptedData el without decrypting it. It checks the structure:
// optional xenc:EncryptionMethod (with an Algorithm), optional ds:KeyInfo,
// one xenc:CipherData holding one xenc:CipherValue, optional
// xenc:EncryptionProperties, in that order and nothing else. A
// CipherReference gives ErrCipherReference, other defects ErrMalformed.
// The CipherValue is not decoded here.
func ParseEncryptedData(el *etree.Element) (*EncryptedData, error) {
	if el == nil || !isNamed(el, NS, "EncryptedData") {
		return nil, malformed("not an xenc:EncryptedData")
	}
	ed := &EncryptedData{
		ID:       attr(el, "Id"),
		Type:     attr(el, "Type"),
		MimeType: attr(el, "MimeType"),
		Encoding: attr(el, "Encoding"),
	}
	if xmlutil.AttrNS(el, "", "Id") != nil && !validID(ed.ID) {
		return nil, malformed("EncryptedData Id is not an XML ID")
	}
	kids, err := childElements(el)
	if err != nil {
		return nil, err
	}
	i := 0
	if i < len(kids) && isNamed(kids[i], NS, "EncryptionMethod") {
		if ed.Algorithm = attr(kids[i], "Algorithm"); ed.Algorithm == "" {
			return nil, malformed("EncryptionMethod without Algorithm")
		}
		i++
	}
	if i < len(kids) && isNamed(kids[i], NSDSig, "KeyInfo") {
		ed.KeyInfo = kids[i]
		i++
	}
	if i == len(kids) || !isNamed(kids[i], NS, "CipherData") {
		return nil, malformed("EncryptedData without CipherData")
	}
	if ed.cipherValue, err = cipherValueOf(kids[i]); err != nil {
		return nil, err
	}
	i++
	if i < len(kids) && isNamed(kids[i], NS, "EncryptionProperties") {
		i++
	}
	if i != len(kids) {
		return nil, malformed("unexpected element <%s> in EncryptedData", kids[i].FullTag())
	}
	return ed, nil
}

// cipherValueOf returns the xenc:CipherValue of the xenc:CipherData cd.
func cipherValueOf(cd *etree.Element) (*etree.Element, error) {
	kids, err := childElements(cd)
	if err != nil {
		return nil, err
	}
	if len(kids) == 1 {
		switch {
		case isNamed(kids[0], NS, "CipherValue"):
			return kids[0], nil
		case isNamed(kids[0], NS, "CipherReference"):
			return nil, ErrCipherReference
		}
	}
	return nil, malformed("CipherData must hold exactly one CipherValue")
}

// EncryptElement encrypts target with c and puts an xenc:EncryptedData in
// its place, which it returns. typ is TypeElement (the whole element is
// replaced; it must have a parent) or TypeContent (the element's children
// are replaced and the element stays, as WS-Security does for the SOAP
// Body). id, when not empty, becomes the EncryptedData's Id (for a
// xenc:DataReference). keyInfo, when not nil, is moved into the
// EncryptedData: a ds:KeyInfo element as is, anything else (typically a
// wsse:SecurityTokenReference to an EncryptedKey or a DerivedKeyToken)
// wrapped in a new ds:KeyInfo; it must declare the prefixes it uses or rely
// on those in scope where the EncryptedData goes. random supplies IVs and
// padding; nil means crypto/rand.Reader.
//
// The plaintext is the serialized element or content with the prefixes as
// written. Namespace declarations on ancestors are not copied into it:
// decryption happens in the same place, where they are in scope. This is
// what WSS4J and xmlsec1 expect too: they parse decrypted content in the
// scope of the EncryptedData's parent, which is target's parent for
// TypeElement and target itself for TypeContent. (The EncryptedData's own
// prefix is "xenc", or "xencN" where that scope binds "xenc" to another
// namespace, so a receiver parsing in the EncryptedData's own scope
// agrees.) A subtree that uses a
// prefix declared nowhere in scope, or holds a processing instruction or
// directive, could never be decrypted and gives ErrMalformed.
//
// On error the tree is unchanged.
func EncryptElement(target *etree.Element, c *BlockCipher, typ, id string, keyInfo *etree.Element, random io.Reader) (*etree.Element, error) {
	if target == nil {
		return nil, malformed("no element to encrypt")
	}
	if c == nil {
		return nil, fmt.Errorf("%w: nil BlockCipher", ErrInvalidKey)
	}
	if id != "" && !validID(id) {
		return nil, malformed("EncryptedData Id %q is not an XML ID", id)
	}
	buf := getBuffer()
	defer putBuffer(buf)
	var scope map[string]string // where the EncryptedData goes
	switch typ {
	case TypeElement:
		parent := target.Parent()
		if parent == nil {
			return nil, malformed("element to encrypt has no parent")
		}
		scope = xmlutil.InScopeNamespaces(parent)
		if err := checkPlaintext(target, scope); err != nil {
			return nil, err
		}
		serialize(buf, target)
	case TypeContent:
		scope = xmlutil.InScopeNamespaces(target)
		for _, t := range target.Child {
			if err := checkPlaintext(t, scope); err != nil {
				return nil, err
			}
		}
		serialize(buf, target.Child...)
	default:
		return nil, malformed("EncryptedData Type %q: want TypeElement or TypeContent", typ)
	}
	ed, err := newEncryptedData(c, typ, id, keyInfo, buf.Bytes(), random, scope)
	if err != nil {
		return nil, err
	}
	if typ == TypeElement {
		replaceChild(target.Parent(), target.Index(), ed)
	} else {
		for i := len(target.Child) - 1; i >= 0; i-- {
			target.RemoveChildAt(i)
		}
		target.AddChild(ed)
	}
	return ed, nil
}

// newEncryptedData encrypts plaintext and builds the detached
// xenc:EncryptedData holding it, for a place whose namespace scope is
// scope. Its prefix is "xenc" unless scope binds that to another
// namespace: a receiver that parses the plaintext in the scope of the
// EncryptedData itself, rather than of its parent, then still resolves
// the plaintext's prefixes as the sender meant.
func newEncryptedData(c *BlockCipher, typ, id string, keyInfo *etree.Element, plaintext []byte, random io.Reader, scope map[string]string) (*etree.Element, error) {
	// The ciphertext and its base64 form are made in a pooled buffer: the
	// text of the CipherValue is the only copy kept.
	ctBuf := getBuffer()
	defer putBuffer(ctBuf)
	n := c.ciphertextSize(len(plaintext))
	ctBuf.Grow(n + base64.StdEncoding.EncodedLen(n))
	ct, err := c.encryptTo(ctBuf.AvailableBuffer(), plaintext, random)
	if err != nil {
		clear(ctBuf.AvailableBuffer()[:n]) // it may hold plaintext
		return nil, err
	}
	text := string(base64.StdEncoding.AppendEncode(ct[len(ct):], ct))
	p := prefixXENC
	for i := 1; ; i++ {
		if uri, bound := scope[p]; !bound || uri == NS {
			break
		}
		p = prefixXENC + strconv.Itoa(i)
	}
	// Names as Space and Tag and sized slices: no string or slice growth
	// per element.
	ed := etree.NewElement("EncryptedData")
	ed.Space = p
	ed.Attr = make([]etree.Attr, 0, 3)
	ed.Child = make([]etree.Token, 0, 3)
	xmlns := "xmlns:" + prefixXENC
	if p != prefixXENC {
		xmlns = "xmlns:" + p
	}
	ed.CreateAttr(xmlns, NS)
	if id != "" {
		ed.CreateAttr("Id", id)
	}
	ed.CreateAttr("Type", typ)
	xmlutil.AddElement(ed, p, "EncryptionMethod").CreateAttr("Algorithm", c.Algorithm())
	addKeyInfo(ed, keyInfo)
	xmlutil.AddTextElement(xmlutil.AddElement(ed, p, "CipherData"), p, "CipherValue", text)
	return ed, nil
}

// DecryptData decrypts the xenc:EncryptedData encData with c and replaces
// it in the tree by the decrypted content, which it returns: one element
// (Type Element; white space and comments around it are kept) or any
// content (Type Content). The decrypted bytes are parsed exactly once,
// with xmlutil.ParseFragment under the strict input rules and lim, in the
// namespace scope of encData's parent, where they land; lim.MaxDepth
// counts the depth at which they land. If encData is the EncryptedData of
// a wsse11:EncryptedHeader, the whole EncryptedHeader is replaced by the
// decrypted header, as DecryptHeader does.
//
// Checks before decryption, with distinct errors since they do not depend
// on the ciphertext: the structure (ParseEncryptedData; ErrMalformed,
// ErrCipherReference), a Type of Element or Content, an EncryptionMethod
// naming c.Algorithm() (ErrAlgorithmMismatch), a CipherValue of at most
// lim.MaxBytes plus the cipher's overhead (ErrTooLarge), a parent.
// Every later failure (base64, block decryption, parsing, the form the
// Type requires) is a *DecryptError, uniform to the caller.
//
// On error the tree is unchanged.
func DecryptData(encData *etree.Element, c *BlockCipher, lim xmlutil.Limits) ([]etree.Token, error) {
	if c == nil {
		return nil, fmt.Errorf("%w: nil BlockCipher", ErrInvalidKey)
	}
	ed, err := ParseEncryptedData(encData)
	if err != nil {
		return nil, err
	}
	parent := encData.Parent()
	if parent == nil {
		return nil, malformed("EncryptedData has no parent")
	}
	if isNamed(parent, NSWSSE11, "EncryptedHeader") {
		h, err := DecryptHeader(parent, c, lim)
		if err != nil {
			return nil, err
		}
		return []etree.Token{h}, nil
	}
	toks, err := decryptTokens(ed, c, lim, parent)
	if err != nil {
		return nil, err
	}
	replaceChild(parent, encData.Index(), toks...)
	return toks, nil
}

// decryptTokens decrypts ed and parses the plaintext in the scope of
// context, where the result will be placed. It does not touch the tree.
func decryptTokens(ed *EncryptedData, c *BlockCipher, lim xmlutil.Limits, context *etree.Element) ([]etree.Token, error) {
	if ed.Type != TypeElement && ed.Type != TypeContent {
		return nil, malformed("EncryptedData Type %q cannot be decrypted into the tree", ed.Type)
	}
	if ed.Algorithm != c.Algorithm() {
		return nil, fmt.Errorf("%w: EncryptedData names %q, cipher is %s", ErrAlgorithmMismatch, ed.Algorithm, c.Algorithm())
	}
	lim = fillLimits(lim)
	// The content lands below context: the whole tree keeps to MaxDepth.
	lim.MaxDepth -= depthOf(context)
	if lim.MaxDepth < 1 {
		return nil, fmt.Errorf("%w: EncryptedData is nested too deep to decrypt", ErrTooLarge)
	}
	maxCT := lim.MaxBytes + cipherOverhead
	if maxCT > math.MaxInt/2 {
		maxCT = math.MaxInt / 2
	}
	// The ciphertext is decoded and decrypted in a pooled buffer; the
	// plaintext is wiped once parsed (putBuffer wipes only what was
	// written into the buffer, not what was appended to its spare room).
	buf := getBuffer()
	defer putBuffer(buf)
	buf.Grow(int(min(int64(base64.StdEncoding.DecodedLen(textLen(ed.cipherValue))), maxCT)))
	data, err := appendBase64(buf.AvailableBuffer(), ed.cipherValue, int(maxCT), &DecryptError{Detail: "CipherValue is not valid base64"})
	if err != nil {
		return nil, err
	}
	pt, err := c.decryptInPlace(data)
	if err != nil {
		return nil, &DecryptError{Detail: "block decryption failed"}
	}
	toks, err := xmlutil.ParseFragment(pt, context, lim)
	clear(pt)
	if err != nil {
		var pe *xmlutil.ParseError
		switch {
		case errors.Is(err, xmlutil.ErrTooLarge):
			return nil, &DecryptError{Detail: "decrypted content exceeds the size limit"}
		case errors.As(err, &pe):
			return nil, &DecryptError{Detail: fmt.Sprintf("decrypted content violates the input rules (at byte %d)", pe.Offset)}
		}
		return nil, &DecryptError{Detail: "decrypted content is not well-formed"}
	}
	if ed.Type == TypeElement {
		if _, err := singleElement(toks); err != nil {
			return nil, err
		}
	}
	return toks, nil
}

// singleElement returns the one element among toks, which may also hold
// white space and comments, for Type Element content.
func singleElement(toks []etree.Token) (*etree.Element, error) {
	var el *etree.Element
	for _, t := range toks {
		switch t := t.(type) {
		case *etree.Element:
			if el != nil {
				return nil, &DecryptError{Detail: "Type Element content holds more than one element"}
			}
			el = t
		case *etree.CharData:
			if !isXMLSpace(t.Data) {
				return nil, &DecryptError{Detail: "Type Element content holds text"}
			}
		}
	}
	if el == nil {
		return nil, &DecryptError{Detail: "Type Element content holds no element"}
	}
	return el, nil
}
