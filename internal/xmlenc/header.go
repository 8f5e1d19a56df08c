package xmlenc

import (
	"bytes"
	"fmt"
	"io"

	"github.com/beevik/etree"

	"github.com/soapstack/soapstack/internal/xmlutil"
)

// isHeaderAttr reports whether local names a SOAP header block attribute
// that intermediaries act on: mustUnderstand and actor (SOAP 1.1), role
// and relay (SOAP 1.2).
func isHeaderAttr(soapNS, local string) bool {
	switch local {
	case "mustUnderstand":
		return true
	case "actor":
		return soapNS == nsSOAP11
	case "role", "relay":
		return soapNS == nsSOAP12
	}
	return false
}

// EncryptHeader encrypts the SOAP header block header (a child of
// soap:Header) with c as an xenc:EncryptedData of Type Element and puts a
// WS-Security 1.1 wsse11:EncryptedHeader holding it in its place (WSS 1.1,
// section 9.3), which it returns. soapNS is the SOAP 1.1 or 1.2 envelope
// namespace. The EncryptedHeader carries the header's mustUnderstand and actor (SOAP 1.1) or role and relay (SOAP 1.2)
// attributes, copied with their values, so that intermediaries still see
// who must process it; ehID, when not empty, is its wsu:Id. edID and
// keyInfo are the EncryptedData's Id and key information, as for
// EncryptElement; random supplies IVs and padding (nil: crypto/rand).
//
// Prefixes the EncryptedHeader needs (wsse11, wsu, the SOAP one) are
// reused when already bound in scope, otherwise declared on it under a
// name the scope does not bind, so the header's content means the same
// whether parsed in the scope of soap:Header (as DecryptHeader does) or of
// the EncryptedHeader (as WSS4J does). On error the tree is unchanged.
func EncryptHeader(header *etree.Element, soapNS string, c *BlockCipher, ehID, edID string, keyInfo *etree.Element, random io.Reader) (*etree.Element, error) {
	if header == nil {
		return nil, malformed("no header to encrypt")
	}
	if c == nil {
		return nil, fmt.Errorf("%w: nil BlockCipher", ErrInvalidKey)
	}
	if soapNS != nsSOAP11 && soapNS != nsSOAP12 {
		return nil, malformed("%q is not a SOAP envelope namespace", soapNS)
	}
	parent := header.Parent()
	if parent == nil {
		return nil, malformed("header to encrypt has no parent")
	}
	if ehID != "" && !validID(ehID) {
		return nil, malformed("EncryptedHeader wsu:Id %q is not an XML ID", ehID)
	}
	if edID != "" && !validID(edID) {
		return nil, malformed("EncryptedData Id %q is not an XML ID", edID)
	}
	type copied struct{ local, value string }
	var attrs []copied
	for _, a := range header.Attr {
		if a.Space == "" || a.Space == "xmlns" || !isHeaderAttr(soapNS, a.Key) {
			continue
		}
		if ns, ok := xmlutil.LookupPrefix(header, a.Space); ok && ns == soapNS {
			attrs = append(attrs, copied{a.Key, a.Value})
		}
	}
	scope := xmlutil.InScopeNamespaces(parent)
	if err := checkPlaintext(header, scope); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	serialize(&buf, header)
	ed, err := newEncryptedData(c, TypeElement, edID, keyInfo, buf.Bytes(), random, scope)
	clear(buf.Bytes())
	if err != nil {
		return nil, err
	}

	taken := map[string]bool{}
	p, decl := choosePrefix(scope, NSWSSE11, prefixWSSE11, taken)
	eh := etree.NewElement(p + ":EncryptedHeader")
	if decl {
		eh.CreateAttr("xmlns:"+p, NSWSSE11)
	}
	if ehID != "" {
		p, decl := choosePrefix(scope, NSWSU, prefixWSU, taken)
		if decl {
			eh.CreateAttr("xmlns:"+p, NSWSU)
		}
		eh.CreateAttr(p+":Id", ehID)
	}
	if len(attrs) > 0 {
		p, decl := choosePrefix(scope, soapNS, prefixSOAP, taken)
		if decl {
			eh.CreateAttr("xmlns:"+p, soapNS)
		}
		for _, a := range attrs {
			eh.CreateAttr(p+":"+a.local, a.value)
		}
	}
	eh.AddChild(ed)
	replaceChild(parent, header.Index(), eh)
	return eh, nil
}

// ParseEncryptedHeader checks that eh is a wsse11:EncryptedHeader holding
// exactly one xenc:EncryptedData of Type Element and returns that
// EncryptedData's parsed view (see ParseEncryptedData). A
// xenc:DataReference may name either the EncryptedHeader's wsu:Id or the
// EncryptedData's Id; either way the receiver decrypts with DecryptHeader
// (or DecryptData on the inner element, which does the same).
func ParseEncryptedHeader(eh *etree.Element) (*EncryptedData, error) {
	if eh == nil || !isNamed(eh, NSWSSE11, "EncryptedHeader") {
		return nil, malformed("not a wsse11:EncryptedHeader")
	}
	if a := xmlutil.AttrNS(eh, NSWSU, "Id"); a != nil && !validID(a.Value) {
		return nil, malformed("EncryptedHeader wsu:Id is not an XML ID")
	}
	kids, err := childElements(eh)
	if err != nil {
		return nil, err
	}
	if len(kids) != 1 {
		return nil, malformed("EncryptedHeader must hold exactly one EncryptedData")
	}
	ed, err := ParseEncryptedData(kids[0])
	if err != nil {
		return nil, err
	}
	if ed.Type != TypeElement {
		return nil, malformed("EncryptedData of an EncryptedHeader must have Type Element")
	}
	return ed, nil
}

// DecryptHeader decrypts the wsse11:EncryptedHeader eh with c and replaces
// it in the tree by the decrypted header block, which it returns. The
// plaintext is parsed once, with xmlutil.ParseFragment under the strict rules
// and lim, in the scope of eh's parent (soap:Header), where the header
// lands. Errors are those of ParseEncryptedHeader and DecryptData; on
// error the tree is unchanged.
//
// The decrypted header's own mustUnderstand, role, actor and relay
// attributes are what count from here on; DecryptHeader does not compare
// them with the EncryptedHeader's copies (the Security layer's policy
// decides whether it must).
func DecryptHeader(eh *etree.Element, c *BlockCipher, lim xmlutil.Limits) (*etree.Element, error) {
	if c == nil {
		return nil, fmt.Errorf("%w: nil BlockCipher", ErrInvalidKey)
	}
	ed, err := ParseEncryptedHeader(eh)
	if err != nil {
		return nil, err
	}
	return decryptHeader(eh, ed, c, lim)
}

// decryptHeader decrypts ed, the EncryptedData of the EncryptedHeader eh,
// and replaces eh by the header.
func decryptHeader(eh *etree.Element, ed *EncryptedData, c *BlockCipher, lim xmlutil.Limits) (*etree.Element, error) {
	if ed.Type != TypeElement {
		return nil, malformed("EncryptedData of an EncryptedHeader must have Type Element")
	}
	parent := eh.Parent()
	if parent == nil {
		return nil, malformed("EncryptedHeader has no parent")
	}
	toks, err := decryptTokens(ed, c, lim, parent)
	if err != nil {
		return nil, err
	}
	h, err := singleElement(toks)
	if err != nil {
		return nil, err
	}
	replaceChild(parent, eh.Index(), h)
	return h, nil
}
