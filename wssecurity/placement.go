package wssecurity

import (
	"encoding/xml"
	"fmt"

	"github.com/beevik/etree"
	"github.com/soapstack/soapstack/internal/dsig"
	"github.com/soapstack/soapstack/internal/wsse"
	"github.com/soapstack/soapstack/internal/xmlenc"
	"github.com/soapstack/soapstack/internal/xmlutil"
	"github.com/soapstack/soapstack/soap"
)

// This file holds the "what may appear where" rules of a received message
// and the positional layout rules of its Security header. They run on the
// message as it stands after decryption in place, so that an element that
// arrives encrypted is held to the same rules as one that arrives in clear:
// a decrypted element takes the place of its EncryptedData and is checked
// there (WS-SecurityPolicy 1.3, 7.7.1 rule 3: an encrypted element has the
// order requirements of its plaintext).

// refuse returns an error wrapping cause (one of the precise causes of
// errors.go) with a formatted detail.
func refuse(cause error, format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{cause}, args...)...)
}

// isSecurityElement reports whether an element of this name belongs to the
// security processing or the SOAP envelope itself (WS-Security, its
// utility and 1.1 namespaces, XML Signature, XML Encryption, WS-SC tokens,
// SOAP). Such an element may not stand as a Body child or arrive as a
// decrypted header: it would be a second Timestamp, Security header,
// signature or token outside the place where the receiver reads them.
func isSecurityElement(n xml.Name) bool {
	switch n.Space {
	case wsse.NSWSSE, wsse.NSWSSE11, wsse.NSWSU, dsig.NSDS, xmlenc.NS, wsse.NSWSC200502, wsse.NSWSC13, soap.NS11, soap.NS12:
		return true
	}
	return false
}

// decryptionSite checks, before decrypting, that an EncryptedData of type
// typ stands where encryption is allowed: as a child of our Security header
// (Type Element), as a header block or inside a wsse11:EncryptedHeader
// (Type Element), or as a child of the Body (Element or Content). parent is
// the element the decrypted content lands in (the SOAP Header for an
// EncryptedHeader).
func (r *receiver) decryptionSite(parent *etree.Element, typ string) error {
	switch {
	case parent == r.sec || parent == r.m.Header:
		if typ != xmlenc.TypeElement {
			return refuse(ErrMisplaced, "EncryptedData of Type %q in the %s", typ, parent.Tag)
		}
	case parent == r.m.Body:
	default:
		return refuse(ErrMisplaced, "EncryptedData inside %s, where encryption is not allowed", parent.Tag)
	}
	return nil
}

// checkPlacement runs after the Security header is processed and before the
// policy checks. It applies to the message as decryption left it.
func (r *receiver) checkPlacement() error {
	// A decrypted header may have added a second Security header for us.
	sec, err := securityHeader(r.m)
	if err != nil {
		return err
	}
	if sec != r.sec {
		return refuse(ErrDuplicate, "the Security header changed during processing")
	}
	// A decrypted element may carry an Id that another element has.
	if _, err := r.ids(); err != nil {
		return err
	}
	// Every child of the Security header must have been processed where it
	// stands: an element decrypted after the loop passed its place (an
	// EncryptedData before the ReferenceList or EncryptedKey that lists
	// it) would otherwise escape every check.
	for _, t := range r.sec.Child {
		c, ok := t.(*etree.Element)
		if !ok {
			continue
		}
		if !r.done[c] {
			return refuse(ErrLayout, "%s in the Security header was decrypted after its place was processed (an EncryptedData must follow the ReferenceList or EncryptedKey that lists it)", c.Tag)
		}
		// An EncryptedData no ReferenceList or EncryptedKey listed stays
		// encrypted: content that no rule of the header looked at (in
		// clear, an unknown element here is refused).
		if xmlutil.Is(c, xmlenc.NS, "EncryptedData") {
			return refuse(ErrMisplaced, "an EncryptedData in the Security header was not decrypted (no ReferenceList or EncryptedKey lists it)")
		}
	}
	for _, d := range r.decs {
		if d.parent != r.m.Header {
			continue
		}
		for _, h := range d.what {
			if h.Parent() != r.m.Header {
				continue // decrypted again (nested encryption)
			}
			if err := r.checkDecryptedHeader(h); err != nil {
				return err
			}
		}
	}
	if err := checkBodyChildren(r.m.Body); err != nil {
		return err
	}
	if err := r.checkBodyAllEncrypted(); err != nil {
		return err
	}
	return r.checkLayout()
}

// checkBodyAllEncrypted refuses, when the policy encrypts the Body, Body
// content in clear next to decrypted content: all of it must come from
// decryption (whether any does is the policy checks' business).
func (r *receiver) checkBodyAllEncrypted() error {
	if !r.p.EncryptedParts.Body || r.p.Binding == TransportBinding {
		return nil
	}
	fromDecryption := map[*etree.Element]bool{}
	for _, d := range r.decs {
		if d.parent == r.m.Body {
			for _, w := range d.what {
				fromDecryption[w] = true
			}
		}
	}
	if len(fromDecryption) == 0 {
		return nil
	}
	for _, t := range r.m.Body.Child {
		c, ok := t.(*etree.Element)
		if !ok {
			continue
		}
		if !fromDecryption[c] && !xmlutil.Is(c, xmlenc.NS, "EncryptedData") {
			return refuse(ErrNotEncrypted, "%s in the Body in clear next to encrypted content", c.Tag)
		}
	}
	return nil
}

// checkDecryptedHeader checks a header block that arrived encrypted: it
// must be a header the policy encrypts, and never a security element (a
// second Security header, a Timestamp, a Signature).
func (r *receiver) checkDecryptedHeader(h *etree.Element) error {
	n := xmlutil.ElementName(h)
	if isSecurityElement(n) {
		return refuse(ErrMisplaced, "a header decrypts to %s", h.Tag)
	}
	if !r.p.EncryptedParts.Includes(n) {
		return refuse(ErrMisplaced, "a header decrypts to %s, which the policy does not encrypt", h.Tag)
	}
	return nil
}

// checkBodyChildren refuses security elements as children of the Body,
// whether they arrived in clear or decrypted (a Fault is the Body's own).
// An EncryptedData left encrypted is reported by the policy checks.
func checkBodyChildren(body *etree.Element) error {
	if body == nil {
		return nil
	}
	for _, t := range body.Child {
		c, ok := t.(*etree.Element)
		if !ok {
			continue
		}
		n := xmlutil.ElementName(c)
		if n.Local == "Fault" && (n.Space == soap.NS11 || n.Space == soap.NS12) {
			continue
		}
		if n.Space == xmlenc.NS && n.Local == "EncryptedData" {
			continue
		}
		if isSecurityElement(n) {
			return refuse(ErrMisplaced, "%s in the Body", c.Tag)
		}
	}
	return nil
}

// checkLayout checks the policy's layout on the final order of the Security
// header's children, decrypted elements at the place of their
// EncryptedData: LaxTsFirst and LaxTsLast place the Timestamp; Strict
// declares every token before its use (WS-SecurityPolicy 1.3, 7.7.1 rule 1:
// before the signature it signs, the derived key it is the base of, the
// encrypted element whose key it holds).
func (r *receiver) checkLayout() error {
	kids := childElements(r.sec)
	if r.ts != nil && r.ts.Element.Parent() == r.sec && len(kids) > 0 {
		if r.p.Layout == LaxTsFirst && kids[0] != r.ts.Element {
			return refuse(ErrLayout, "the Timestamp is not first (LaxTsFirst layout)")
		}
		if r.p.Layout == LaxTsLast && kids[len(kids)-1] != r.ts.Element {
			return refuse(ErrLayout, "the Timestamp is not last (LaxTsLast layout)")
		}
	}
	if r.p.Layout != Strict {
		return nil
	}
	pos := make(map[*etree.Element]int, len(kids))
	for i, c := range kids {
		pos[c] = i
	}
	before := func(tok *token, user *etree.Element) error {
		if tok == nil || tok.el == nil {
			return nil
		}
		ti, ok := pos[tok.el]
		ui, ok2 := pos[user]
		if ok && ok2 && ti > ui {
			return refuse(ErrLayout, "token %s follows the %s that uses it (Strict layout)", tok.el.Tag, user.Tag)
		}
		return nil
	}
	for _, s := range r.sigs {
		if err := before(s.key, s.el); err != nil {
			return err
		}
	}
	for el, t := range r.tokens {
		if t.kind == tokDerived {
			if err := before(t.base, el); err != nil {
				return err
			}
		}
	}
	for _, d := range r.decs {
		if d.parent != r.sec {
			continue
		}
		for _, w := range d.what {
			if err := before(d.key, w); err != nil {
				return err
			}
		}
	}
	return nil
}

// checkSignedPlaces refuses a message in which a signature signs a SOAP
// Body, a wsu:Timestamp or a WS-Addressing header (either version)
// anywhere but at that element's own place: the Envelope's Body, the
// Timestamp of our Security header, a header block. Such an element
// elsewhere is a signed node moved away from where the receiver reads it
// (a signature wrapping). The checks of what must be signed catch the
// move when something unsigned took the node's place; this one catches it
// when nothing did: a signed wsa:To moved into a wrapper leaves a message
// without To, which any endpoint would otherwise accept.
func (r *receiver) checkSignedPlaces() error {
	for _, s := range r.sigs {
		if s.v == nil {
			continue
		}
		for _, ref := range s.v.References {
			el := ref.Element
			if el == nil {
				continue
			}
			n := xmlutil.ElementName(el)
			switch {
			case n.Local == "Body" && (n.Space == soap.NS11 || n.Space == soap.NS12):
				if el != r.m.Body {
					return refuse(ErrMisplaced, "a signature signs a Body that is not the Envelope's")
				}
			case n.Space == wsse.NSWSU && n.Local == "Timestamp":
				if r.ts == nil || el != r.ts.Element {
					return refuse(ErrMisplaced, "a signature signs a Timestamp that is not the Security header's")
				}
			case n.Space == soap.NSWSA10 || n.Space == soap.NSWSA200408:
				if el.Parent() != r.m.Header {
					return refuse(ErrMisplaced, "a signature signs a WS-Addressing %s that is not a header block", n.Local)
				}
			}
		}
	}
	return nil
}
