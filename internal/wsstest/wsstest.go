// Package wsstest holds what the tests of several packages (wssecurity,
// binding, interop) share to check WS-Security messages on the wire. Only
// tests import it.
package wsstest

import (
	"bytes"
	"errors"
	"fmt"
	"strings"

	"github.com/beevik/etree"
	"github.com/soapstack/soapstack/internal/wsse"
	"github.com/soapstack/soapstack/internal/xmlenc"
)

// WSS11Constructs reports the WS-Security 1.1 constructs of a serialized
// message, which a sender under a WS-Security 1.0 policy must not write
// (issue 13): anything in the wsse11 namespace (SignatureConfirmation,
// EncryptedHeader, the TokenType attribute), a soap-message-security-1.1
// URI (ThumbprintSHA1 and EncryptedKeySHA1 key identifiers, the
// #EncryptedKey token type), and, unless encryptedFirst (the
// encrypt-before-sign order, where WS-Security 1.0 senders keep a
// standalone ReferenceList as WCF does), an xenc:EncryptedKey of the
// Security header without its own xenc:ReferenceList or an
// xenc:EncryptedData that names such an EncryptedKey in its KeyInfo. A message that is no XML is
// an error too.
func WSS11Constructs(msg []byte, encryptedFirst bool) error {
	var errs []error
	if bytes.Contains(msg, []byte(wsse.NSWSSE11)) {
		errs = append(errs, errors.New("the wsse11 namespace"))
	}
	if bytes.Contains(msg, []byte("oasis-wss-soap-message-security-1.1")) {
		errs = append(errs, errors.New("a soap-message-security-1.1 URI"))
	}
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(msg); err != nil {
		return err
	}
	if doc.Root() == nil {
		return errors.New("no root element")
	}
	if encryptedFirst {
		return errors.Join(errs...)
	}
	eks := map[string]bool{}
	var eds []*etree.Element
	var walk func(el *etree.Element)
	walk = func(el *etree.Element) {
		switch {
		case is(el, xmlenc.NS, "EncryptedKey") && el.Parent() != nil && is(el.Parent(), wsse.NSWSSE, "Security"):
			// (An EncryptedKey elsewhere, a WS-Trust proof token, is no
			// Security header token.)
			if id := el.SelectAttrValue("Id", ""); id != "" {
				eks[id] = true
			}
			nested := false
			for _, c := range el.ChildElements() {
				nested = nested || is(c, xmlenc.NS, "ReferenceList")
			}
			if !nested {
				errs = append(errs, errors.New("an EncryptedKey without its ReferenceList"))
			}
		case is(el, xmlenc.NS, "EncryptedData"):
			eds = append(eds, el)
		}
		for _, c := range el.ChildElements() {
			walk(c)
		}
	}
	walk(doc.Root())
	for _, ed := range eds {
		for _, c := range ed.ChildElements() {
			if !is(c, wsse.NSDS, "KeyInfo") {
				continue
			}
			for _, ref := range c.FindElements(".//Reference") {
				if uri := ref.SelectAttrValue("URI", ""); eks[strings.TrimPrefix(uri, "#")] {
					errs = append(errs, fmt.Errorf("the EncryptedData %q names its EncryptedKey %s in KeyInfo", ed.SelectAttrValue("Id", ""), uri))
				}
			}
		}
	}
	return errors.Join(errs...)
}

func is(el *etree.Element, ns, local string) bool {
	return el.Tag == local && el.NamespaceURI() == ns
}
