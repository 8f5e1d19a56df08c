package xmlenc

// Element-level cross-checks against xmlsec1: SOAP envelopes whose Body we
// encrypted are decrypted by xmlsec1 --decrypt, and envelopes xmlsec1
// encrypted from a template are decrypted by DecryptData. The Body content
// uses prefixes declared only on the Envelope, so both sides must parse
// decrypted content in the scope of the EncryptedData's parent.

import (
	"crypto/rand"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/beevik/etree"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/soapstack/soapstack/internal/xmlutil"
	"github.com/soapstack/soapstack/soap"
)

// xmlsec1Envelope has a wsse:Security header (for an EncryptedKey) and a
// Body whose content relies on the Envelope's declarations of m and wsu
// and on a default namespace declared inside it.
const xmlsec1Envelope = `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:m="urn:example:m" ` +
	`xmlns:wsu="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd">` +
	`<s:Header><wsse:Security xmlns:wsse="` + nsWSSE + `" s:mustUnderstand="true"/></s:Header>` +
	`<s:Body wsu:Id="Body-1"><m:Ping m:kind="a&#9;b &quot;c&quot;" wsu:Id="P1"><m:Text xml:lang="en">hello &amp; &lt;world&gt;</m:Text>` +
	`<Plain xmlns="urn:example:default"><Inner>t</Inner></Plain><!-- note --><m:Empty/></m:Ping>` +
	"\n" + `<m:Second>2</m:Second></s:Body></s:Envelope>`

// contentOf serializes the children of el for comparisons.
func contentOf(el *etree.Element) string { return canonToks(el.Child) }

// TestXmlsec1DecryptsOurEnvelope: we encrypt the Body content (session key
// in an RSA-OAEP EncryptedKey to x509_cert.pem); xmlsec1 decrypts the
// whole envelope with the private key, resolving the Envelope's prefixes.
// The EncryptedKey is either inside the EncryptedData's ds:KeyInfo
// (XML Encryption style) or in wsse:Security, referenced by a
// ds:RetrievalMethod (xmlsec1 cannot follow a wsse:SecurityTokenReference).
func TestXmlsec1DecryptsOurEnvelope(t *testing.T) {
	xmlsec1Path(t)
	priv := testKey(t)
	for _, alg := range []string{AES128CBC, AES256GCM} {
		for _, placement := range []string{"keyinfo", "retrieval"} {
			t.Run(shortAlg(alg)+"/"+placement, func(t *testing.T) {
				m := parseMsg(t, xmlsec1Envelope)
				want := contentOf(m.Body)
				c, key := newTestCipher(t, alg)
				ek, err := NewEncryptedKey(RSAOAEPMGF1P, &priv.PublicKey, key, "EK-1",
					thumbprintSTR("OOQ976ASi6+kfB9DjunyxVDBQ4A="), []string{"ED-1"}, nil)
				require.NoError(t, err)
				var keyInfo *etree.Element
				args := []string{"--decrypt", "--privkey-pem", "testdata/x509_key.pem"}
				if placement == "keyinfo" {
					keyInfo = ek
				} else {
					m.FindHeader(nsWSSE, "Security").AddChild(ek)
					keyInfo = etree.NewElement("ds:RetrievalMethod")
					keyInfo.CreateAttr("URI", "#EK-1")
					keyInfo.CreateAttr("Type", TypeEncryptedKey)
					args = append(args, "--id-attr:Id", NS+":EncryptedKey")
				}
				_, err = EncryptElement(m.Body, c, TypeContent, "ED-1", keyInfo, nil)
				require.NoError(t, err)
				out, err := m.Bytes()
				require.NoError(t, err)
				require.NotContains(t, string(out), "hello")

				dir := t.TempDir()
				in := writeFile(t, dir, "enc.xml", out)
				res := filepath.Join(dir, "dec.xml")
				runXmlsec1(t, append(args, "--output", res, in)...)
				dec, err := os.ReadFile(res)
				require.NoError(t, err)
				m2, err := soap.ParseMessage(dec, xmlutil.Limits{})
				require.NoError(t, err, "xmlsec1 output:\n%s", dec)
				assert.Equal(t, want, contentOf(m2.Body))
				assert.True(t, xmlutil.Is(m2.Payload(), "urn:example:m", "Ping"))
			})
		}
	}
}

// xmlsec1Template is an EncryptedData template with an RSA-OAEP
// EncryptedKey for xmlsec1 --encrypt --session-key.
func xmlsec1Template(alg, typ string) []byte {
	return []byte(fmt.Sprintf(`<?xml version="1.0"?>
<xenc:EncryptedData xmlns:xenc="%s" xmlns:ds="%s" Id="ED-x" Type="%s">`+
		`<xenc:EncryptionMethod Algorithm="%s"/>`+
		`<ds:KeyInfo><xenc:EncryptedKey Id="EK-x"><xenc:EncryptionMethod Algorithm="%s"/>`+
		`<xenc:CipherData><xenc:CipherValue/></xenc:CipherData></xenc:EncryptedKey></ds:KeyInfo>`+
		`<xenc:CipherData><xenc:CipherValue/></xenc:CipherData></xenc:EncryptedData>
`, NS, NSDSig, typ, alg, RSAOAEPMGF1P))
}

// TestOursDecryptsXmlsec1Envelope: xmlsec1 encrypts an element (Type
// Element) or the Body content (Type Content) of an envelope from a
// template, wrapping a fresh session key to x509_cert.pem; we unwrap it
// and decrypt in the tree, and get the original envelope back.
func TestOursDecryptsXmlsec1Envelope(t *testing.T) {
	xmlsec1Path(t)
	priv := testKey(t)
	for _, alg := range []string{AES128CBC, AES256GCM, AES192CBC} {
		for _, typ := range []string{TypeElement, TypeContent} {
			t.Run(shortAlg(alg)+"/"+shortAlg(typ), func(t *testing.T) {
				orig := parseMsg(t, xmlsec1Envelope)
				want := canon(t, orig.Doc)
				dir := t.TempDir()
				data := writeFile(t, dir, "env.xml", []byte(xmlsec1Envelope))
				tmpl := writeFile(t, dir, "tmpl.xml", xmlsec1Template(alg, typ))
				node := "urn:example:m:Ping"
				if typ == TypeContent {
					node = soap.NS12 + ":Body"
				}
				res := filepath.Join(dir, "enc.xml")
				runXmlsec1(t, "--encrypt", "--pubkey-cert-pem", "testdata/x509_cert.pem", "--session-key", sessionKeySpec(t, alg),
					"--xml-data", data, "--node-name", node, "--output", res, tmpl)
				enc, err := os.ReadFile(res)
				require.NoError(t, err)
				require.NotContains(t, string(enc), "hello")

				m, err := soap.ParseMessage(enc, xmlutil.Limits{})
				require.NoError(t, err)
				el := findByID(m.Envelope, "ED-x")
				require.NotNil(t, el, "xmlsec1 output:\n%s", enc)
				ed, err := ParseEncryptedData(el)
				require.NoError(t, err)
				assert.Equal(t, typ, ed.Type)
				assert.Equal(t, alg, ed.Algorithm)
				require.NotNil(t, ed.KeyInfo)
				ek, err := ParseEncryptedKey(ed.KeyInfo.ChildElements()[0])
				require.NoError(t, err)
				n, err := KeySize(ed.Algorithm)
				require.NoError(t, err)
				key, err := ek.Unwrap(priv, n, nil)
				require.NoError(t, err)
				c, err := NewCipher(ed.Algorithm, key)
				require.NoError(t, err)
				_, err = DecryptData(el, c, xmlutil.Limits{})
				require.NoError(t, err)
				assert.Equal(t, want, canon(t, m.Doc))
			})
		}
	}
}

// TestXmlsec1DecryptsOurHeader: an EncryptedHeader's EncryptedData is a
// plain Type Element EncryptedData to xmlsec1, which decrypts it inside
// the EncryptedHeader, in that element's scope.
func TestXmlsec1DecryptsOurHeader(t *testing.T) {
	xmlsec1Path(t)
	priv := testKey(t)
	m := parseMsg(t, envelope12)
	h := m.Headers()[0]
	want := canonToks([]etree.Token{h})
	key := make([]byte, 16)
	_, _ = rand.Read(key)
	c, err := NewCipher(AES128CBC, key)
	require.NoError(t, err)
	ek, err := NewEncryptedKey(RSAOAEPMGF1P, &priv.PublicKey, key, "EK", nil, nil, nil)
	require.NoError(t, err)
	_, err = EncryptHeader(h, soap.NS12, c, "EH", "ED", ek, nil)
	require.NoError(t, err)
	out, err := m.Bytes()
	require.NoError(t, err)
	dir := t.TempDir()
	res := filepath.Join(dir, "dec.xml")
	runXmlsec1(t, "--decrypt", "--privkey-pem", "testdata/x509_key.pem", "--output", res, writeFile(t, dir, "enc.xml", out))
	dec, err := os.ReadFile(res)
	require.NoError(t, err)
	m2, err := soap.ParseMessage(dec, xmlutil.Limits{})
	require.NoError(t, err, "xmlsec1 output:\n%s", dec)
	eh := m2.Headers()[0]
	require.True(t, xmlutil.Is(eh, NSWSSE11, "EncryptedHeader"))
	require.Len(t, eh.ChildElements(), 1)
	assert.Equal(t, want, canonToks([]etree.Token{eh.ChildElements()[0]}))
}

// TestXencPrefixTakenInScope: the Body content uses the prefix xenc, bound
// by the Envelope to another namespace. The EncryptedData then takes
// another prefix, so the plaintext means the same whether a receiver
// parses it in the scope of the EncryptedData's parent or of the
// EncryptedData itself; xmlsec1 and DecryptData both restore the content.
func TestXencPrefixTakenInScope(t *testing.T) {
	xmlsec1Path(t)
	const env = `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:xenc="urn:example:not-xenc" xmlns:xenc1="urn:example:other">` +
		`<s:Body><xenc:Thing xenc:a="1"><xenc1:Other/></xenc:Thing></s:Body></s:Envelope>`
	priv := testKey(t)
	m := parseMsg(t, env)
	want := contentOf(m.Body)
	c, key := newTestCipher(t, AES128CBC)
	ek, err := NewEncryptedKey(RSAOAEPMGF1P, &priv.PublicKey, key, "EK", nil, nil, nil)
	require.NoError(t, err)
	ed, err := EncryptElement(m.Body, c, TypeContent, "ED", ek, nil)
	require.NoError(t, err)
	assert.Equal(t, "xenc2", ed.Space)
	out, err := m.Bytes()
	require.NoError(t, err)

	dir := t.TempDir()
	res := filepath.Join(dir, "dec.xml")
	runXmlsec1(t, "--decrypt", "--privkey-pem", "testdata/x509_key.pem", "--output", res, writeFile(t, dir, "enc.xml", out))
	dec, err := os.ReadFile(res)
	require.NoError(t, err)
	m2, err := soap.ParseMessage(dec, xmlutil.Limits{})
	require.NoError(t, err)
	assert.Equal(t, want, contentOf(m2.Body))

	m3, err := soap.ParseMessage(out, xmlutil.Limits{})
	require.NoError(t, err)
	_, err = DecryptData(m3.Body.ChildElements()[0], c, xmlutil.Limits{})
	require.NoError(t, err)
	assert.Equal(t, want, contentOf(m3.Body))
	assert.True(t, xmlutil.Is(m3.Payload(), "urn:example:not-xenc", "Thing"))
}
