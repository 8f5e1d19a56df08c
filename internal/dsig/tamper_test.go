package dsig

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/beevik/etree"
	"github.com/soapstack/soapstack/internal/c14n"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// signedHMACMsg returns a parsed message with an HMAC-SHA1 signature over
// Body, Timestamp and To (SHA-1 digests), as a receiver sees it.
func signedHMACMsg(t testing.TB) *msg {
	m := parseMsg(t, envelope(200))
	m.signInto(t, SignOptions{
		References:      m.refs(AlgSHA1),
		SignatureMethod: AlgHMACSHA1,
		Key:             testHMACKey,
		KeyInfo:         NewKeyInfo(),
	})
	return m.reparse(t)
}

// resign recomputes the HMAC-SHA1 SignatureValue over the current SignedInfo,
// as an attacker who knows the key (or a buggy peer) would: structural
// checks must refuse the result regardless.
func resign(t testing.TB, m *msg) {
	sig := m.signature()
	mac := hmac.New(sha1.New, testHMACKey)
	require.NoError(t, c14n.Canonicalize(mac, sig.SelectElement("ds:SignedInfo")))
	sig.SelectElement("ds:SignatureValue").SetText(base64.StdEncoding.EncodeToString(mac.Sum(nil)))
}

func (m *msg) signedInfo() *etree.Element { return m.signature().SelectElement("ds:SignedInfo") }

func (m *msg) reference(i int) *etree.Element {
	return m.signedInfo().SelectElements("ds:Reference")[i]
}

func (m *msg) transform(i int) *etree.Element {
	return m.reference(i).SelectElement("ds:Transforms").SelectElement("ds:Transform")
}

// addElem parses an XML fragment (with the message's prefixes declared on
// a wrapper) and appends its element to parent.
func addElem(t testing.TB, parent *etree.Element, frag string) *etree.Element {
	doc := etree.NewDocument()
	require.NoError(t, doc.ReadFromString(`<w xmlns:ds="`+NSDS+`" xmlns:u="`+NSWSU+`" xmlns:o="`+NSWSSE+`">`+frag+`</w>`))
	e := doc.Root().ChildElements()[0]
	parent.AddChild(e)
	return e
}

func TestVerifyAttacks(t *testing.T) {
	rsaKey := testRSAKey(t)
	resolverErr := errors.New("token not found")
	cases := []struct {
		name   string
		mutate func(t *testing.T, m *msg)
		resign bool // recompute the signature value after mutate
		noWire bool // verify the mutated tree, without serializing it
		opts   func(o *VerifyOptions)
		want   error
	}{
		{name: "untouched", want: nil},

		// Content tampering.
		{name: "body text", want: ErrInvalidSignature, mutate: func(t *testing.T, m *msg) {
			item := descendant(m.body, "Item")
			item.SetText(strings.Replace(item.Text(), "value 0", "value 9", 1))
		}},
		{name: "to text", want: ErrInvalidSignature, mutate: func(t *testing.T, m *msg) { m.to.SetText("https://evil/") }},
		{name: "attribute change", want: ErrInvalidSignature, mutate: func(t *testing.T, m *msg) {
			m.to.CreateAttr("s:mustUnderstand", "0")
		}},
		{name: "attribute added", want: ErrInvalidSignature, mutate: func(t *testing.T, m *msg) {
			m.ts.CreateAttr("Extra", "1")
		}},
		{name: "element added to body", want: ErrInvalidSignature, mutate: func(t *testing.T, m *msg) {
			m.body.ChildElements()[0].CreateElement("Injected")
		}},
		{name: "namespace changed", want: ErrInvalidSignature, mutate: func(t *testing.T, m *msg) {
			m.body.ChildElements()[0].CreateAttr("xmlns", "http://evil/")
		}},
		{name: "reordered references", want: ErrInvalidSignature, mutate: func(t *testing.T, m *msg) {
			r0 := m.reference(0)
			m.signedInfo().RemoveChild(r0)
			m.signedInfo().AddChild(r0)
		}},
		{name: "digest swap", want: ErrInvalidSignature, mutate: func(t *testing.T, m *msg) {
			d0 := m.reference(0).SelectElement("ds:DigestValue")
			d1 := m.reference(1).SelectElement("ds:DigestValue")
			a, b := d0.Text(), d1.Text()
			d0.SetText(b)
			d1.SetText(a)
		}},
		{name: "digest swap resigned", want: ErrInvalidSignature, resign: true, mutate: func(t *testing.T, m *msg) {
			d0 := m.reference(0).SelectElement("ds:DigestValue")
			d1 := m.reference(1).SelectElement("ds:DigestValue")
			a, b := d0.Text(), d1.Text()
			d0.SetText(b)
			d1.SetText(a)
		}},
		{name: "URI swap", want: ErrInvalidSignature, mutate: func(t *testing.T, m *msg) {
			m.reference(0).CreateAttr("URI", "#_0")
			m.reference(1).CreateAttr("URI", "#_1")
		}},
		{name: "signature value changed", want: ErrInvalidSignature, mutate: func(t *testing.T, m *msg) {
			sv := m.signature().SelectElement("ds:SignatureValue")
			v, _ := base64.StdEncoding.DecodeString(sv.Text())
			v[0] ^= 1
			sv.SetText(base64.StdEncoding.EncodeToString(v))
		}},
		{name: "signature value truncated", want: ErrInvalidSignature, mutate: func(t *testing.T, m *msg) {
			sv := m.signature().SelectElement("ds:SignatureValue")
			v, _ := base64.StdEncoding.DecodeString(sv.Text())
			sv.SetText(base64.StdEncoding.EncodeToString(v[:10]))
		}},
		{name: "signature value empty", want: ErrMalformed, mutate: func(t *testing.T, m *msg) {
			m.signature().SelectElement("ds:SignatureValue").SetText("")
		}},
		{name: "signature value not base64", want: ErrMalformed, mutate: func(t *testing.T, m *msg) {
			m.signature().SelectElement("ds:SignatureValue").SetText("%%%")
		}},
		{name: "signature value with line breaks", want: nil, mutate: func(t *testing.T, m *msg) {
			sv := m.signature().SelectElement("ds:SignatureValue")
			s := sv.Text()
			sv.SetText("\n" + s[:10] + "\r\n" + s[10:] + "\n")
		}},

		{name: "digest value split by a comment", want: nil, mutate: func(t *testing.T, m *msg) {
			dv := m.reference(0).SelectElement("ds:DigestValue")
			v := dv.Text()
			dv.SetText(v[:5])
			dv.CreateComment("c")
			dv.CreateText(v[5:])
		}},
		{name: "signature value in 100000 pieces", want: ErrMalformed, noWire: true, mutate: func(t *testing.T, m *msg) {
			sv := m.signature().SelectElement("ds:SignatureValue")
			for range 100000 {
				sv.CreateComment("")
				sv.CreateText("QUFB")
			}
		}},

		// Keys.
		{name: "wrong hmac key", want: ErrInvalidSignature, opts: func(o *VerifyOptions) {
			o.KeyResolver = fixedKey([]byte("another key"))
		}},
		{name: "hmac with rsa key", want: ErrInvalidKey, opts: func(o *VerifyOptions) {
			o.KeyResolver = fixedKey(&rsaKey.PublicKey)
		}},
		{name: "hmac with rsa private key", want: ErrInvalidKey, opts: func(o *VerifyOptions) { o.KeyResolver = fixedKey(rsaKey) }},
		{name: "empty hmac key", want: ErrInvalidKey, opts: func(o *VerifyOptions) { o.KeyResolver = fixedKey([]byte{}) }},
		{name: "nil key", want: ErrInvalidKey, opts: func(o *VerifyOptions) { o.KeyResolver = fixedKey(nil) }},
		{name: "no key resolver", want: ErrInvalidKey, opts: func(o *VerifyOptions) { o.KeyResolver = nil }},
		{name: "resolver error", want: resolverErr, opts: func(o *VerifyOptions) {
			o.KeyResolver = func(*etree.Element, string) (any, error) { return nil, resolverErr }
		}},

		// HMAC truncation (CVE-2009-0217).
		{name: "HMACOutputLength 80", want: ErrInvalidSignature, resign: true, mutate: func(t *testing.T, m *msg) {
			addElem(t, m.signedInfo().SelectElement("ds:SignatureMethod"), `<ds:HMACOutputLength>80</ds:HMACOutputLength>`)
		}},
		{name: "HMACOutputLength 0", want: ErrInvalidSignature, resign: true, mutate: func(t *testing.T, m *msg) {
			addElem(t, m.signedInfo().SelectElement("ds:SignatureMethod"), `<ds:HMACOutputLength>0</ds:HMACOutputLength>`)
		}},
		{name: "HMACOutputLength garbage", want: ErrMalformed, resign: true, mutate: func(t *testing.T, m *msg) {
			addElem(t, m.signedInfo().SelectElement("ds:SignatureMethod"), `<ds:HMACOutputLength>-x</ds:HMACOutputLength>`)
		}},
		{name: "HMACOutputLength 160 is fine", want: nil, resign: true, mutate: func(t *testing.T, m *msg) {
			addElem(t, m.signedInfo().SelectElement("ds:SignatureMethod"), `<ds:HMACOutputLength> 160 </ds:HMACOutputLength>`)
		}},
		{name: "two HMACOutputLength", want: ErrMalformed, resign: true, mutate: func(t *testing.T, m *msg) {
			sm := m.signedInfo().SelectElement("ds:SignatureMethod")
			addElem(t, sm, `<ds:HMACOutputLength>160</ds:HMACOutputLength>`)
			addElem(t, sm, `<ds:HMACOutputLength>80</ds:HMACOutputLength>`)
		}},

		// Structure.
		{name: "Object present", want: ErrMalformed, resign: true, mutate: func(t *testing.T, m *msg) {
			addElem(t, m.signature(), `<ds:Object Id="obj"><x/></ds:Object>`)
		}},
		{name: "Manifest in Object", want: ErrMalformed, resign: true, mutate: func(t *testing.T, m *msg) {
			addElem(t, m.signature(), `<ds:Object><ds:Manifest Id="man"><ds:Reference URI="#_1"/></ds:Manifest></ds:Object>`)
		}},
		{name: "Object instead of KeyInfo", want: ErrMalformed, resign: true, mutate: func(t *testing.T, m *msg) {
			ki := m.signature().SelectElement("ds:KeyInfo")
			m.signature().RemoveChild(ki)
			addElem(t, m.signature(), `<ds:Object/>`)
		}},
		{name: "Reference Type Manifest", want: ErrMalformed, resign: true, mutate: func(t *testing.T, m *msg) {
			m.reference(0).CreateAttr("Type", TypeManifest)
		}},
		{name: "SignatureValue first", want: ErrMalformed, mutate: func(t *testing.T, m *msg) {
			si := m.signedInfo()
			m.signature().RemoveChild(si)
			m.signature().InsertChildAt(1, si)
		}},
		{name: "no SignatureValue", want: ErrMalformed, mutate: func(t *testing.T, m *msg) {
			m.signature().RemoveChild(m.signature().SelectElement("ds:SignatureValue"))
		}},
		{name: "no SignedInfo", want: ErrMalformed, mutate: func(t *testing.T, m *msg) {
			m.signature().RemoveChild(m.signedInfo())
		}},
		{name: "two SignedInfo", want: ErrMalformed, mutate: func(t *testing.T, m *msg) {
			m.signature().InsertChildAt(0, m.signedInfo().Copy())
		}},
		{name: "text in Signature", want: ErrMalformed, mutate: func(t *testing.T, m *msg) {
			m.signature().CreateText("hello")
		}},
		{name: "text in SignedInfo", want: ErrMalformed, resign: true, mutate: func(t *testing.T, m *msg) {
			m.signedInfo().CreateText("hello")
		}},
		{name: "comment in SignedInfo is fine", want: nil, mutate: func(t *testing.T, m *msg) {
			m.signedInfo().CreateComment("hello")
		}},
		{name: "SignedInfo in another namespace", want: ErrMalformed, resign: true, mutate: func(t *testing.T, m *msg) {
			m.signedInfo().CreateAttr("xmlns:ds", "urn:not-dsig")
		}},
		{name: "Signature in another namespace", want: ErrMalformed, mutate: func(t *testing.T, m *msg) {
			m.signature().CreateAttr("xmlns:ds", "urn:not-dsig")
		}},
		{name: "unknown element in SignedInfo", want: ErrMalformed, resign: true, mutate: func(t *testing.T, m *msg) {
			addElem(t, m.signedInfo(), `<ds:Extra/>`)
		}},
		{name: "no references", want: ErrMalformed, resign: true, mutate: func(t *testing.T, m *msg) {
			for _, r := range m.signedInfo().SelectElements("ds:Reference") {
				m.signedInfo().RemoveChild(r)
			}
		}},
		{name: "duplicate reference", want: ErrMalformed, resign: true, mutate: func(t *testing.T, m *msg) {
			m.signedInfo().AddChild(m.reference(0).Copy())
		}},
		{name: "duplicate Algorithm attribute", want: ErrMalformed, noWire: true, mutate: func(t *testing.T, m *msg) {
			sm := m.signedInfo().SelectElement("ds:SignatureMethod")
			sm.Attr = append(sm.Attr, etree.Attr{Key: "Algorithm", Value: AlgRSASHA1})
		}},
		{name: "no Algorithm", want: ErrMalformed, resign: true, mutate: func(t *testing.T, m *msg) {
			m.signedInfo().SelectElement("ds:SignatureMethod").RemoveAttr("Algorithm")
		}},
		{name: "digest value wrong length", want: ErrMalformed, resign: true, mutate: func(t *testing.T, m *msg) {
			m.reference(0).SelectElement("ds:DigestValue").SetText("AAAA")
		}},
		{name: "digest value not base64", want: ErrMalformed, resign: true, mutate: func(t *testing.T, m *msg) {
			m.reference(0).SelectElement("ds:DigestValue").SetText("not base64!")
		}},
		{name: "DigestValue before DigestMethod", want: ErrMalformed, resign: true, mutate: func(t *testing.T, m *msg) {
			r := m.reference(0)
			dm := r.SelectElement("ds:DigestMethod")
			r.RemoveChild(dm)
			r.AddChild(dm)
		}},

		// References.
		{name: "external URI", want: ErrMalformed, resign: true, mutate: func(t *testing.T, m *msg) {
			m.reference(0).CreateAttr("URI", "http://evil.example/body.xml")
		}},
		{name: "relative URI", want: ErrMalformed, resign: true, mutate: func(t *testing.T, m *msg) {
			m.reference(0).CreateAttr("URI", "body.xml#_1")
		}},
		{name: "empty URI", want: ErrMalformed, resign: true, mutate: func(t *testing.T, m *msg) {
			m.reference(0).CreateAttr("URI", "")
		}},
		{name: "hash only URI", want: ErrMalformed, resign: true, mutate: func(t *testing.T, m *msg) {
			m.reference(0).CreateAttr("URI", "#")
		}},
		{name: "missing URI", want: ErrMalformed, resign: true, mutate: func(t *testing.T, m *msg) {
			m.reference(0).RemoveAttr("URI")
		}},
		{name: "xpointer root", want: ErrMalformed, resign: true, mutate: func(t *testing.T, m *msg) {
			m.reference(0).CreateAttr("URI", "#xpointer(/)")
		}},
		{name: "xpointer id", want: ErrMalformed, resign: true, mutate: func(t *testing.T, m *msg) {
			m.reference(0).CreateAttr("URI", "#xpointer(id('_1'))")
		}},
		{name: "nonexistent id", want: ErrUnresolvedReference, resign: true, mutate: func(t *testing.T, m *msg) {
			m.reference(0).CreateAttr("URI", "#nope")
		}},
		{name: "signed element removed", want: ErrUnresolvedReference, mutate: func(t *testing.T, m *msg) {
			m.header.RemoveChild(m.to)
		}},
		{name: "duplicate Id", want: ErrDuplicateID, mutate: func(t *testing.T, m *msg) {
			addElem(t, m.header, `<Evil Id="_1"/>`)
		}},
		{name: "duplicate ID", want: ErrDuplicateID, mutate: func(t *testing.T, m *msg) {
			addElem(t, m.header, `<Evil ID="_0"/>`)
		}},
		{name: "duplicate xml:id", want: ErrDuplicateID, mutate: func(t *testing.T, m *msg) {
			addElem(t, m.header, `<Evil xml:id="_2"/>`)
		}},
		{name: "duplicate wsu:Id other prefix", want: ErrDuplicateID, mutate: func(t *testing.T, m *msg) {
			addElem(t, m.header, `<Evil xmlns:x="`+NSWSU+`" x:Id="_1"/>`)
		}},

		// Algorithms and transforms.
		{name: "unknown transform", want: ErrUnsupportedAlgorithm, resign: true, mutate: func(t *testing.T, m *msg) {
			m.transform(0).CreateAttr("Algorithm", "http://www.w3.org/TR/1999/REC-xslt-19991116")
		}},
		{name: "enveloped-signature transform", want: ErrUnsupportedAlgorithm, resign: true, mutate: func(t *testing.T, m *msg) {
			m.transform(0).CreateAttr("Algorithm", "http://www.w3.org/2000/09/xmldsig#enveloped-signature")
		}},
		{name: "xpath transform added", want: ErrUnsupportedAlgorithm, resign: true, mutate: func(t *testing.T, m *msg) {
			addElem(t, m.reference(0).SelectElement("ds:Transforms"),
				`<ds:Transform Algorithm="http://www.w3.org/TR/1999/REC-xpath-19991116"><ds:XPath>1</ds:XPath></ds:Transform>`)
		}},
		{name: "no Transforms", want: ErrUnsupportedAlgorithm, resign: true, mutate: func(t *testing.T, m *msg) {
			m.reference(0).RemoveChild(m.reference(0).SelectElement("ds:Transforms"))
		}},
		{name: "empty Transforms", want: ErrMalformed, resign: true, mutate: func(t *testing.T, m *msg) {
			ts := m.reference(0).SelectElement("ds:Transforms")
			ts.RemoveChild(ts.SelectElement("ds:Transform"))
		}},
		{name: "unknown c14n", want: ErrUnsupportedAlgorithm, resign: true, mutate: func(t *testing.T, m *msg) {
			m.signedInfo().SelectElement("ds:CanonicalizationMethod").CreateAttr("Algorithm", "http://www.w3.org/TR/2001/REC-xml-c14n-20010315")
		}},
		{name: "c14n with comments not allowed", want: ErrUnsupportedAlgorithm, resign: true, mutate: func(t *testing.T, m *msg) {
			m.signedInfo().SelectElement("ds:CanonicalizationMethod").CreateAttr("Algorithm", AlgExcC14NComments)
		}},
		{name: "unknown element in CanonicalizationMethod", want: ErrMalformed, resign: true, mutate: func(t *testing.T, m *msg) {
			addElem(t, m.signedInfo().SelectElement("ds:CanonicalizationMethod"), `<ds:Other/>`)
		}},
		{name: "unknown digest", want: ErrUnsupportedAlgorithm, resign: true, mutate: func(t *testing.T, m *msg) {
			m.reference(0).SelectElement("ds:DigestMethod").CreateAttr("Algorithm", "http://www.w3.org/2001/04/xmldsig-more#md5")
		}},
		{name: "unknown signature method", want: ErrUnsupportedAlgorithm, resign: true, mutate: func(t *testing.T, m *msg) {
			m.signedInfo().SelectElement("ds:SignatureMethod").CreateAttr("Algorithm", "http://www.w3.org/2000/09/xmldsig#dsa-sha1")
		}},
		{name: "STR-Transform without dereference", want: ErrUnsupportedAlgorithm, resign: true, mutate: func(t *testing.T, m *msg) {
			m.transform(0).CreateAttr("Algorithm", TransformSTR)
		}},

		// Policy.
		{name: "policy: no HMAC", want: ErrUnsupportedAlgorithm, opts: func(o *VerifyOptions) {
			o.SignatureMethods = []string{AlgRSASHA256}
		}},
		{name: "policy: SHA-256 digests only", want: ErrUnsupportedAlgorithm, opts: func(o *VerifyOptions) {
			o.DigestMethods = []string{AlgSHA256}
		}},
		{name: "policy: STR-Transform only", want: ErrUnsupportedAlgorithm, opts: func(o *VerifyOptions) {
			o.Transforms = []string{TransformSTR}
		}},
		{name: "MaxReferences 2", want: ErrMalformed, opts: func(o *VerifyOptions) { o.MaxReferences = 2 }},
		{name: "MaxReferences 3", want: nil, opts: func(o *VerifyOptions) { o.MaxReferences = 3 }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := signedHMACMsg(t)
			if c.mutate != nil {
				c.mutate(t, m)
			}
			if c.resign {
				resign(t, m)
			}
			// Through the wire once more, as an attacker would send it.
			if !c.noWire {
				m = m.reparse(t)
			}
			opts := VerifyOptions{KeyResolver: fixedKey(testHMACKey)}
			if c.opts != nil {
				c.opts(&opts)
			}
			v, err := m.verify(opts)
			if c.want == nil {
				require.NoError(t, err)
				assertSigned(t, v, m.body, m.ts, m.to)
				return
			}
			require.ErrorIs(t, err, c.want)
			assert.Nil(t, v)
			t.Log(err)
		})
	}
}

// TestVerifyRSAWithHMACKey: an RSA signature whose resolver returns a
// []byte (the classic key-confusion attack: the public key used as HMAC
// secret) is refused before any crypto, and so is an HMAC signature whose
// resolver returns the RSA public key.
func TestVerifyKeyConfusion(t *testing.T) {
	k := testRSAKey(t)
	m := parseMsg(t, envelope(100))
	m.signInto(t, SignOptions{References: m.refs(AlgSHA256), SignatureMethod: AlgRSASHA256, Key: k})
	m = m.reparse(t)
	for _, key := range []any{[]byte("secret"), k.PublicKey.N.Bytes(), "string key", k, nil} {
		_, err := m.verify(VerifyOptions{KeyResolver: fixedKey(key)})
		require.ErrorIs(t, err, ErrInvalidKey, "%T", key)
	}
	v, err := m.verify(VerifyOptions{KeyResolver: fixedKey(&k.PublicKey)})
	require.NoError(t, err)
	assertSigned(t, v, m.body, m.ts, m.to)

	// An attacker re-signs the RSA-signed SignedInfo with HMAC, using the
	// public key bytes as the secret: the resolver hands out the RSA key for
	// this token, which an HMAC method refuses.
	sm := m.signedInfo().SelectElement("ds:SignatureMethod")
	sm.CreateAttr("Algorithm", AlgHMACSHA1)
	mac := hmac.New(sha1.New, k.PublicKey.N.Bytes())
	require.NoError(t, c14n.Canonicalize(mac, m.signedInfo()))
	m.signature().SelectElement("ds:SignatureValue").SetText(base64.StdEncoding.EncodeToString(mac.Sum(nil)))
	_, err = m.verify(VerifyOptions{KeyResolver: fixedKey(&k.PublicKey)})
	require.ErrorIs(t, err, ErrInvalidKey)
}

func TestVerifyMaxReferences(t *testing.T) {
	var b strings.Builder
	for i := range 65 {
		fmt.Fprintf(&b, `<a:Item u:Id="item%d">%d</a:Item>`, i, i)
	}
	m := parseMsg(t, strings.Replace(envelope(10), "<a:MessageID>", b.String()+"<a:MessageID>", 1))
	var refs []Reference
	for _, e := range m.header.SelectElements("a:Item") {
		refs = append(refs, Reference{Element: e, ID: e.SelectAttrValue("u:Id", ""), DigestMethod: AlgSHA1})
	}
	require.Len(t, refs, 65)
	m.signInto(t, SignOptions{References: refs, SignatureMethod: AlgHMACSHA1, Key: testHMACKey})
	m = m.reparse(t)
	_, err := m.verify(VerifyOptions{KeyResolver: fixedKey(testHMACKey)})
	require.ErrorIs(t, err, ErrMalformed)
	require.ErrorContains(t, err, "more than 64 references")
	v, err := m.verify(VerifyOptions{KeyResolver: fixedKey(testHMACKey), MaxReferences: 65})
	require.NoError(t, err)
	assert.Len(t, v.References, 65)
}

func TestVerifyNil(t *testing.T) {
	_, err := Verify(nil, nil, VerifyOptions{KeyResolver: fixedKey(testHMACKey)})
	require.ErrorIs(t, err, ErrMalformed)
	m := signedHMACMsg(t)
	_, err = Verify(m.signature(), nil, VerifyOptions{KeyResolver: fixedKey(testHMACKey)})
	require.ErrorIs(t, err, ErrUnresolvedReference)
	_, err = Verify(m.body, nil, VerifyOptions{KeyResolver: fixedKey(testHMACKey)})
	require.ErrorIs(t, err, ErrMalformed)
}
