package xmlenc

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"strings"
	"testing"

	"github.com/beevik/etree"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/soapstack/soapstack/internal/xmlutil"
	"github.com/soapstack/soapstack/soap"
)

// envelope12 is a SOAP 1.2 message whose Body content uses prefixes
// declared only on the Envelope (m, wsu) and on the Body content itself,
// and exercises text and attribute escaping.
const envelope12 = `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:m="urn:example:m" ` +
	`xmlns:wsu="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd">` +
	`<s:Header><m:Session s:mustUnderstand="true" s:role="urn:example:role" s:relay="true" m:flag="1" wsu:Id="H1">` +
	`<m:Token>abc</m:Token></m:Session><m:Note>p</m:Note></s:Header>` +
	`<s:Body wsu:Id="Body-1">` +
	`<m:Ping a="x&#9;y&#10;z &quot;q&quot; &lt;&amp;&gt; '">` +
	`<m:Text xml:lang="en">hello &amp; &lt;world&gt; &#13; "'</m:Text>` +
	`<!-- a comment -->` +
	`<n:Other xmlns:n="urn:example:n" n:attr="1" wsu:Id="o1"/>` +
	`<Plain xmlns="urn:example:default"><Inner>t</Inner></Plain>` +
	`<![CDATA[<cdata> & ]]>` +
	`<m:Empty></m:Empty>` +
	`</m:Ping>` +
	"\n  " +
	`<m:Second>2</m:Second>` +
	`</s:Body></s:Envelope>`

const envelope11 = `<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/">` +
	`<soapenv:Header><h:Routing xmlns:h="urn:example:h" soapenv:mustUnderstand="1" soapenv:actor="urn:example:next">` +
	`<h:To>x</h:To></h:Routing></soapenv:Header>` +
	`<soapenv:Body><Ping xmlns="urn:example:ping"><Text>hi</Text></Ping></soapenv:Body></soapenv:Envelope>`

func parseMsg(t testing.TB, s string) *soap.Message {
	t.Helper()
	m, err := soap.ParseMessage([]byte(s), xmlutil.Limits{})
	require.NoError(t, err)
	return m
}

// canon serializes a document with escaping that tells every difference
// in the tree (CR, TAB, LF in attributes), for comparisons.
func canon(t testing.TB, doc *etree.Document) string {
	t.Helper()
	d := *doc
	d.WriteSettings = etree.WriteSettings{CanonicalText: true, CanonicalAttrVal: true}
	s, err := d.WriteToString()
	require.NoError(t, err)
	return s
}

func canonToks(toks []etree.Token) string {
	var b bytes.Buffer
	serialize(&b, toks...)
	return b.String()
}

func newTestCipher(t testing.TB, alg string) (*BlockCipher, []byte) {
	t.Helper()
	n, err := KeySize(alg)
	require.NoError(t, err)
	key := make([]byte, n)
	_, _ = rand.Read(key)
	c, err := NewCipher(alg, key)
	require.NoError(t, err)
	return c, key
}

func shortAlg(alg string) string { return alg[strings.IndexByte(alg, '#')+1:] }

// stKeyInfo is a WS-Security style reference to an EncryptedKey, with the
// prefixes it uses declared on itself.
func stKeyInfo(ref string) *etree.Element {
	str := etree.NewElement("wsse:SecurityTokenReference")
	str.CreateAttr("xmlns:wsse", "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd")
	str.CreateElement("wsse:Reference").CreateAttr("URI", "#"+ref)
	return str
}

func TestEncryptDecryptRoundTrip(t *testing.T) {
	for _, a := range blockAlgs {
		for _, typ := range []string{TypeElement, TypeContent} {
			t.Run(shortAlg(a.alg)+"/"+shortAlg(typ), func(t *testing.T) {
				m := parseMsg(t, envelope12)
				before := canon(t, m.Doc)
				c, _ := newTestCipher(t, a.alg)
				target := m.Body
				if typ == TypeElement {
					target = m.Payload()
				}
				var want string
				if typ == TypeElement {
					want = canonToks([]etree.Token{target})
				} else {
					want = canonToks(target.Child)
				}

				ed, err := EncryptElement(target, c, typ, "ED-1", stKeyInfo("EK-1"), nil)
				require.NoError(t, err)
				after := canon(t, m.Doc)
				assert.NotContains(t, after, "hello")
				assert.NotContains(t, after, "Inner")
				if typ == TypeContent {
					require.Len(t, m.Body.Child, 1)
					assert.Same(t, ed, m.Body.Child[0])
					assert.Equal(t, "Body-1", xmlutil.AttrNS(m.Body, NSWSU, "Id").Value, "Body keeps its wsu:Id")
				} else {
					assert.Same(t, m.Body, ed.Parent())
					assert.Equal(t, 0, ed.Index())
				}

				// The element survives a serialization round trip through
				// the strict parser, as on the wire.
				m2 := parseMsg(t, after)
				ed2 := m2.Body.FindElement("./xenc:EncryptedData")
				require.NotNil(t, ed2)
				info, err := ParseEncryptedData(ed2)
				require.NoError(t, err)
				assert.Equal(t, "ED-1", info.ID)
				assert.Equal(t, typ, info.Type)
				assert.Equal(t, a.alg, info.Algorithm)
				require.NotNil(t, info.KeyInfo)
				assert.True(t, xmlutil.Is(info.KeyInfo, NSDSig, "KeyInfo"))
				str := info.KeyInfo.ChildElements()
				require.Len(t, str, 1)
				assert.Equal(t, "SecurityTokenReference", str[0].Tag)

				toks, err := DecryptData(ed2, c, xmlutil.Limits{})
				require.NoError(t, err)
				assert.Equal(t, want, canonToks(toks))
				assert.Equal(t, before, canon(t, m2.Doc), "decrypted document equals the original")
				// The decrypted tree resolves the Envelope's prefixes.
				ping := m2.Payload()
				require.NotNil(t, ping)
				assert.True(t, xmlutil.Is(ping, "urn:example:m", "Ping"))
				assert.Equal(t, "x\ty\nz \"q\" <&> '", ping.SelectAttrValue("a", ""))
				assert.Equal(t, "hello & <world> \r \"'", ping.FindElement("./m:Text").Text())
				other := ping.FindElement("./n:Other")
				require.NotNil(t, other)
				assert.NotNil(t, xmlutil.AttrNS(other, NSWSU, "Id"))
				assert.True(t, xmlutil.Is(ping.FindElement("./Plain/Inner"), "urn:example:default", "Inner"))
			})
		}
	}
}

// TestDecryptInPlaceWithoutReserialization decrypts in the tree we
// encrypted, without going through bytes.
func TestDecryptInPlaceWithoutReserialization(t *testing.T) {
	m := parseMsg(t, envelope12)
	before := canon(t, m.Doc)
	c, _ := newTestCipher(t, AES256GCM)
	ed, err := EncryptElement(m.Body, c, TypeContent, "", nil, nil)
	require.NoError(t, err)
	assert.Nil(t, xmlutil.AttrNS(ed, "", "Id"), "no Id when none is given")
	assert.Nil(t, ed.FindElement("./ds:KeyInfo"), "no KeyInfo when none is given")
	_, err = DecryptData(ed, c, xmlutil.Limits{})
	require.NoError(t, err)
	assert.Equal(t, before, canon(t, m.Doc))
}

// TestEncryptElementKeyInfoForms: a ds:KeyInfo is used as is, anything
// else is wrapped.
func TestEncryptElementKeyInfoForms(t *testing.T) {
	c, _ := newTestCipher(t, AES128CBC)
	for _, tc := range []struct {
		name string
		ki   func() *etree.Element
	}{
		{"str", func() *etree.Element { return stKeyInfo("EK") }},
		{"ds:KeyInfo undeclared", func() *etree.Element {
			ki := etree.NewElement("ds:KeyInfo")
			ki.CreateElement("ds:KeyName").SetText("k")
			return ki
		}},
		{"KeyInfo declared", func() *etree.Element {
			ki := etree.NewElement("dsig:KeyInfo")
			ki.CreateAttr("xmlns:dsig", NSDSig)
			ki.CreateElement("dsig:KeyName").SetText("k")
			return ki
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := parseMsg(t, envelope12)
			_, err := EncryptElement(m.Body, c, TypeContent, "ED", tc.ki(), nil)
			require.NoError(t, err)
			out := canon(t, m.Doc)
			m2 := parseMsg(t, out)
			info, err := ParseEncryptedData(m2.Body.ChildElements()[0])
			require.NoError(t, err)
			require.NotNil(t, info.KeyInfo)
			assert.Len(t, info.KeyInfo.ChildElements(), 1, "KeyInfo not nested twice")
		})
	}
}

func TestEncryptElementErrors(t *testing.T) {
	c, _ := newTestCipher(t, AES128CBC)
	t.Run("no parent", func(t *testing.T) {
		_, err := EncryptElement(etree.NewElement("x"), c, TypeElement, "", nil, nil)
		assert.ErrorIs(t, err, ErrMalformed)
	})
	t.Run("bad type", func(t *testing.T) {
		m := parseMsg(t, envelope12)
		_, err := EncryptElement(m.Body, c, NS+"Other", "", nil, nil)
		assert.ErrorIs(t, err, ErrMalformed)
	})
	t.Run("bad id", func(t *testing.T) {
		m := parseMsg(t, envelope12)
		_, err := EncryptElement(m.Body, c, TypeContent, "#x", nil, nil)
		assert.ErrorIs(t, err, ErrMalformed)
	})
	t.Run("nil cipher", func(t *testing.T) {
		m := parseMsg(t, envelope12)
		_, err := EncryptElement(m.Body, nil, TypeContent, "", nil, nil)
		assert.ErrorIs(t, err, ErrInvalidKey)
	})
	for name, build := range map[string]func(body *etree.Element){
		"undeclared prefix":   func(b *etree.Element) { b.CreateElement("zz:Ping") },
		"undeclared attr":     func(b *etree.Element) { b.CreateElement("m:Ping").CreateAttr("zz:a", "1") },
		"processing instr":    func(b *etree.Element) { b.CreateProcInst("pi", "x") },
		"directive":           func(b *etree.Element) { b.CreateDirective("DOCTYPE x") },
		"bad comment":         func(b *etree.Element) { b.CreateComment("a--b") },
		"undeclaring prefix":  func(b *etree.Element) { b.CreateElement("m:Ping").CreateAttr("xmlns:m", "") },
		"scoped out of reach": func(b *etree.Element) { b.CreateElement("n:A").CreateAttr("xmlns:n", "urn:n"); b.CreateElement("n:B") },
	} {
		t.Run(name, func(t *testing.T) {
			m := parseMsg(t, envelope12)
			build(m.Body)
			before := canon(t, m.Doc)
			_, err := EncryptElement(m.Body, c, TypeContent, "", nil, nil)
			assert.ErrorIs(t, err, ErrMalformed)
			assert.Equal(t, before, canon(t, m.Doc), "tree unchanged")
		})
	}
	t.Run("failing random", func(t *testing.T) {
		m := parseMsg(t, envelope12)
		before := canon(t, m.Doc)
		_, err := EncryptElement(m.Body, c, TypeContent, "", stKeyInfo("x"), failingReader{})
		assert.Error(t, err)
		assert.Equal(t, before, canon(t, m.Doc), "tree unchanged")
	})
}

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, fmt.Errorf("no randomness") }

// TestEncryptDocumentElement encrypts the document element itself.
func TestEncryptDocumentElement(t *testing.T) {
	doc := etree.NewDocument()
	require.NoError(t, doc.ReadFromString(`<a:Root xmlns:a="urn:a"><a:B>x</a:B></a:Root>`))
	before := canon(t, doc)
	c, _ := newTestCipher(t, AES192GCM)
	ed, err := EncryptElement(doc.Root(), c, TypeElement, "E", nil, nil)
	require.NoError(t, err)
	assert.Same(t, ed, doc.Root())
	_, err = DecryptData(ed, c, xmlutil.Limits{})
	require.NoError(t, err)
	assert.Equal(t, before, canon(t, doc))
}

// TestEncryptEmptyContent: an element with no content encrypts to an
// EncryptedData of Type Content that decrypts to nothing.
func TestEncryptEmptyContent(t *testing.T) {
	m := parseMsg(t, `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body/></s:Envelope>`)
	c, _ := newTestCipher(t, AES128CBC)
	ed, err := EncryptElement(m.Body, c, TypeContent, "E", nil, nil)
	require.NoError(t, err)
	toks, err := DecryptData(ed, c, xmlutil.Limits{})
	require.NoError(t, err)
	assert.Empty(t, toks)
	assert.Empty(t, m.Body.Child)
}

// TestDecryptKeepsSiblings: the decrypted content takes the
// EncryptedData's place among its siblings.
func TestDecryptKeepsSiblings(t *testing.T) {
	m := parseMsg(t, envelope12)
	before := canon(t, m.Doc)
	c, _ := newTestCipher(t, AES128GCM)
	ping := m.Payload()
	second := m.Body.FindElement("./m:Second")
	ed1, err := EncryptElement(ping, c, TypeElement, "E1", nil, nil)
	require.NoError(t, err)
	ed2, err := EncryptElement(second, c, TypeContent, "E2", nil, nil)
	require.NoError(t, err)
	_, err = DecryptData(ed1, c, xmlutil.Limits{})
	require.NoError(t, err)
	_, err = DecryptData(ed2, c, xmlutil.Limits{})
	require.NoError(t, err)
	assert.Equal(t, before, canon(t, m.Doc))
	for i, tok := range m.Body.Child {
		assert.Equal(t, i, tok.Index())
		assert.Same(t, m.Body, tok.Parent())
	}
}

func TestEncryptedHeaderRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		name, env, soapNS, header string
		wantAttrs                 map[string]string // local → value on the EncryptedHeader
	}{
		{"soap12", envelope12, soap.NS12, "Session", map[string]string{"mustUnderstand": "true", "role": "urn:example:role", "relay": "true"}},
		{"soap12 no attrs", envelope12, soap.NS12, "Note", map[string]string{}},
		{"soap11", envelope11, soap.NS11, "Routing", map[string]string{"mustUnderstand": "1", "actor": "urn:example:next"}},
		{"soap11 own prefix", `<e:Envelope xmlns:e="http://schemas.xmlsoap.org/soap/envelope/"><e:Header>` +
			`<h:H xmlns:h="urn:h" xmlns:x="http://schemas.xmlsoap.org/soap/envelope/" x:mustUnderstand="1">v</h:H>` +
			`</e:Header><e:Body/></e:Envelope>`, soap.NS11, "H", map[string]string{"mustUnderstand": "1"}},
		{"prefixes taken", `<wsse11:Envelope xmlns:wsse11="http://www.w3.org/2003/05/soap-envelope" xmlns:wsu="urn:not-wsu" xmlns:soap="urn:not-soap">` +
			`<wsse11:Header><soap:H wsse11:mustUnderstand="true" wsu:x="1"/></wsse11:Header><wsse11:Body/></wsse11:Envelope>`,
			soap.NS12, "H", map[string]string{"mustUnderstand": "true"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := parseMsg(t, tc.env)
			before := canon(t, m.Doc)
			var h *etree.Element
			hIdx := -1
			for i, el := range m.Headers() {
				if el.Tag == tc.header {
					h, hIdx = el, i
				}
			}
			require.NotNil(t, h)
			mu, err := m.MustUnderstand(h)
			require.NoError(t, err)
			c, _ := newTestCipher(t, AES256CBC)
			eh, err := EncryptHeader(h, tc.soapNS, c, "EH-1", "ED-1", stKeyInfo("EK"), nil)
			require.NoError(t, err)

			// What an intermediary sees, after the wire.
			out := canon(t, m.Doc)
			assert.Empty(t, m.Doc.FindElements("//"+tc.header), "header encrypted")
			m2 := parseMsg(t, out)
			hs := m2.Headers()
			eh2 := hs[hIdx]
			assert.Same(t, eh, m.Headers()[hIdx])
			require.True(t, xmlutil.Is(eh2, NSWSSE11, "EncryptedHeader"), "got %s", eh2.FullTag())
			assert.Equal(t, "EH-1", xmlutil.AttrNS(eh2, NSWSU, "Id").Value)
			got := map[string]string{}
			for _, a := range eh2.Attr {
				if ns, _ := xmlutil.LookupPrefix(eh2, a.Space); a.Space != "" && a.Space != "xmlns" && ns == tc.soapNS {
					got[a.Key] = a.Value
				}
			}
			assert.Equal(t, tc.wantAttrs, got)
			mu2, err := m2.MustUnderstand(eh2)
			require.NoError(t, err)
			assert.Equal(t, mu, mu2, "mustUnderstand kept")
			info, err := ParseEncryptedHeader(eh2)
			require.NoError(t, err)
			assert.Equal(t, "ED-1", info.ID)
			assert.Equal(t, TypeElement, info.Type)

			dh, err := DecryptHeader(eh2, c, xmlutil.Limits{})
			require.NoError(t, err)
			assert.Equal(t, tc.header, dh.Tag)
			assert.Same(t, m2.Header, dh.Parent())
			assert.Equal(t, before, canon(t, m2.Doc))
		})
	}
}

// TestDecryptDataInsideEncryptedHeader: decrypting the inner EncryptedData
// (found through a DataReference to its Id) replaces the whole
// EncryptedHeader.
func TestDecryptDataInsideEncryptedHeader(t *testing.T) {
	m := parseMsg(t, envelope12)
	before := canon(t, m.Doc)
	c, _ := newTestCipher(t, AES128GCM)
	eh, err := EncryptHeader(m.Headers()[0], soap.NS12, c, "EH", "ED", nil, nil)
	require.NoError(t, err)
	toks, err := DecryptData(eh.ChildElements()[0], c, xmlutil.Limits{})
	require.NoError(t, err)
	require.Len(t, toks, 1)
	assert.Equal(t, before, canon(t, m.Doc))
}

func TestEncryptHeaderErrors(t *testing.T) {
	c, _ := newTestCipher(t, AES128CBC)
	m := parseMsg(t, envelope12)
	h := m.Headers()[0]
	_, err := EncryptHeader(h, "urn:not-soap", c, "", "", nil, nil)
	assert.ErrorIs(t, err, ErrMalformed)
	_, err = EncryptHeader(etree.NewElement("h"), soap.NS12, c, "", "", nil, nil)
	assert.ErrorIs(t, err, ErrMalformed)
	_, err = EncryptHeader(h, soap.NS12, c, "a b", "", nil, nil)
	assert.ErrorIs(t, err, ErrMalformed)
	_, err = DecryptHeader(h, c, xmlutil.Limits{})
	assert.ErrorIs(t, err, ErrMalformed, "not an EncryptedHeader")

	// An EncryptedHeader around an EncryptedData of Type Content.
	eh, err := EncryptHeader(h, soap.NS12, c, "EH", "ED", nil, nil)
	require.NoError(t, err)
	eh.ChildElements()[0].CreateAttr("Type", TypeContent)
	before := canon(t, m.Doc)
	_, err = DecryptHeader(eh, c, xmlutil.Limits{})
	assert.ErrorIs(t, err, ErrMalformed)
	assert.Equal(t, before, canon(t, m.Doc))
}

// encryptedDataXML builds an EncryptedData (as text) holding the given
// plaintext encrypted under c.
func encryptedDataXML(t testing.TB, c *BlockCipher, typ string, plaintext []byte) string {
	t.Helper()
	ct, err := c.Encrypt(plaintext, nil)
	require.NoError(t, err)
	return fmt.Sprintf(`<xenc:EncryptedData xmlns:xenc="%s" Id="ED" Type="%s"><xenc:EncryptionMethod Algorithm="%s"/>`+
		`<xenc:CipherData><xenc:CipherValue>%s</xenc:CipherValue></xenc:CipherData></xenc:EncryptedData>`,
		NS, typ, c.Algorithm(), base64.StdEncoding.EncodeToString(ct))
}

func envelopeWithBody(body string) string {
	return `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:m="urn:example:m"><s:Header/>` +
		`<s:Body>` + body + `</s:Body></s:Envelope>`
}

// TestDecryptAttacks: hostile plaintexts and elements are rejected and
// leave the tree as it was.
func TestDecryptAttacks(t *testing.T) {
	deep := func(n int) string { return strings.Repeat("<m:a>", n) + strings.Repeat("</m:a>", n) }
	cbc, _ := newTestCipher(t, AES128CBC)
	gcm, _ := newTestCipher(t, AES256GCM)
	for _, tc := range []struct {
		name      string
		typ       string
		plaintext string
		lim       xmlutil.Limits
	}{
		{"doctype", TypeContent, `<!DOCTYPE m:Ping [<!ENTITY e "boom">]><m:Ping>&e;</m:Ping>`, xmlutil.Limits{}},
		{"doctype element", TypeElement, `<!DOCTYPE x SYSTEM "http://example.org/x.dtd"><m:Ping/>`, xmlutil.Limits{}},
		{"entity reference", TypeContent, `<m:Ping>&xxe;</m:Ping>`, xmlutil.Limits{}},
		{"processing instruction", TypeContent, `<?php system('id'); ?><m:Ping/>`, xmlutil.Limits{}},
		{"nested processing instruction", TypeContent, `<m:Ping><?pi x?></m:Ping>`, xmlutil.Limits{}},
		{"xml declaration", TypeElement, `<?xml version="1.0"?><m:Ping/>`, xmlutil.Limits{}},
		{"undeclared prefix", TypeContent, `<zz:Ping/>`, xmlutil.Limits{}},
		{"undeclared attribute prefix", TypeContent, `<m:Ping zz:a="1"/>`, xmlutil.Limits{}},
		{"undeclaring a prefix", TypeContent, `<m:Ping xmlns:m=""/>`, xmlutil.Limits{}},
		{"200 deep", TypeContent, deep(200), xmlutil.Limits{}},
		{"deeper than the limit where it lands", TypeContent, deep(99), xmlutil.Limits{}},
		{"close the Body", TypeContent, `</s:Body><s:Body><m:Evil/>`, xmlutil.Limits{}},
		{"close the fragment wrapper", TypeContent, `</soapstack-fragment-9d2c><m:Evil/><soapstack-fragment-9d2c>`, xmlutil.Limits{}},
		{"unclosed", TypeContent, `<m:Ping>`, xmlutil.Limits{}},
		{"stray end tag", TypeContent, `<m:Ping/></m:Ping>`, xmlutil.Limits{}},
		{"CDATA break-out", TypeContent, `]]><m:Evil/>`, xmlutil.Limits{}},
		{"not UTF-8 text", TypeContent, "<m:Ping>\xff\xfe</m:Ping>", xmlutil.Limits{}},
		{"two elements as Element", TypeElement, `<m:A/><m:B/>`, xmlutil.Limits{}},
		{"text as Element", TypeElement, `text`, xmlutil.Limits{}},
		{"text around Element", TypeElement, `x<m:A/>`, xmlutil.Limits{}},
		{"nothing as Element", TypeElement, ``, xmlutil.Limits{}},
		{"too many elements", TypeContent, strings.Repeat("<m:a/>", 11), xmlutil.Limits{MaxElements: 10}},
		{"too many attributes", TypeContent, `<m:a a="1" b="2" c="3"/>`, xmlutil.Limits{MaxAttributes: 2}},
		{"plaintext too large", TypeContent, "<m:a>" + strings.Repeat("x", 90) + "</m:a>", xmlutil.Limits{MaxBytes: 100}},
	} {
		for _, c := range []*BlockCipher{cbc, gcm} {
			t.Run(tc.name+"/"+shortAlg(c.Algorithm()), func(t *testing.T) {
				m := parseMsg(t, envelopeWithBody(encryptedDataXML(t, c, tc.typ, []byte(tc.plaintext))))
				before := canon(t, m.Doc)
				_, err := DecryptData(m.Body.ChildElements()[0], c, tc.lim)
				require.Error(t, err)
				assert.ErrorIs(t, err, ErrDecrypt)
				var de *DecryptError
				require.ErrorAs(t, err, &de)
				assert.Equal(t, ErrDecrypt.Error(), err.Error(), "uniform error text")
				assert.NotContains(t, de.Detail, "Evil")
				assert.Equal(t, before, canon(t, m.Doc), "tree unchanged")
			})
		}
	}
}

// TestDecryptDepthBoundary: content may reach exactly MaxDepth in the
// whole tree (Body is at depth 2).
func TestDecryptDepthBoundary(t *testing.T) {
	c, _ := newTestCipher(t, AES128CBC)
	deep := func(n int) string { return strings.Repeat("<m:a>", n) + strings.Repeat("</m:a>", n) }
	m := parseMsg(t, envelopeWithBody(encryptedDataXML(t, c, TypeContent, []byte(deep(98)))))
	_, err := DecryptData(m.Body.ChildElements()[0], c, xmlutil.Limits{})
	require.NoError(t, err)
	m = parseMsg(t, envelopeWithBody(encryptedDataXML(t, c, TypeContent, []byte(deep(8)))))
	_, err = DecryptData(m.Body.ChildElements()[0], c, xmlutil.Limits{MaxDepth: 10})
	require.NoError(t, err)
	m = parseMsg(t, envelopeWithBody(encryptedDataXML(t, c, TypeContent, []byte(deep(9)))))
	_, err = DecryptData(m.Body.ChildElements()[0], c, xmlutil.Limits{MaxDepth: 10})
	require.ErrorIs(t, err, ErrDecrypt)
}

// TestDecryptStructuralErrors: defects of the EncryptedData itself are
// found before decryption and reported as such; the tree is unchanged.
func TestDecryptStructuralErrors(t *testing.T) {
	c, _ := newTestCipher(t, AES128CBC)
	other, _ := newTestCipher(t, AES128CBC)
	gcm, _ := newTestCipher(t, AES128GCM)
	good := encryptedDataXML(t, c, TypeContent, []byte(`<m:Ping/>`))
	ct, err := c.Encrypt(bytes.Repeat([]byte("x"), 200), nil)
	require.NoError(t, err)
	big := base64.StdEncoding.EncodeToString(ct)
	cv := good[strings.Index(good, "<xenc:CipherValue>")+len("<xenc:CipherValue>") : strings.Index(good, "</xenc:CipherValue>")]
	rep := func(old, new string) string { return strings.Replace(good, old, new, 1) }
	for _, tc := range []struct {
		name   string
		xml    string
		cipher *BlockCipher
		lim    xmlutil.Limits
		want   error
	}{
		{"CipherReference", rep(`<xenc:CipherValue>`+cv+`</xenc:CipherValue>`, `<xenc:CipherReference URI="http://attacker.example/x"/>`), c, xmlutil.Limits{}, ErrCipherReference},
		{"CipherReference same-doc", rep(`<xenc:CipherValue>`+cv+`</xenc:CipherValue>`, `<xenc:CipherReference URI="#x"/>`), c, xmlutil.Limits{}, ErrCipherReference},
		{"wrong algorithm", good, gcm, xmlutil.Limits{}, ErrAlgorithmMismatch},
		{"algorithm downgrade to 3DES", rep(AES128CBC, TripleDESCBC), c, xmlutil.Limits{}, ErrAlgorithmMismatch},
		{"no EncryptionMethod", rep(`<xenc:EncryptionMethod Algorithm="`+AES128CBC+`"/>`, ``), c, xmlutil.Limits{}, ErrAlgorithmMismatch},
		{"oversized CipherValue", rep(cv, big), c, xmlutil.Limits{MaxBytes: 100}, ErrTooLarge},
		{"oversized with white space", rep(cv, strings.Join(strings.Split(big, ""), " ")), c, xmlutil.Limits{MaxBytes: 100}, ErrTooLarge},
		{"no Type", rep(` Type="`+TypeContent+`"`, ``), c, xmlutil.Limits{}, ErrMalformed},
		{"other Type", rep(TypeContent, "http://docs.oasis-open.org/wss/oasis-wss-SwAProfile-1.1#Attachment-Content-Only"), c, xmlutil.Limits{}, ErrMalformed},
		{"no CipherData", rep(`<xenc:CipherData><xenc:CipherValue>`+cv+`</xenc:CipherValue></xenc:CipherData>`, ``), c, xmlutil.Limits{}, ErrMalformed},
		{"two CipherValues", rep(`</xenc:CipherValue>`, `</xenc:CipherValue><xenc:CipherValue>`+cv+`</xenc:CipherValue>`), c, xmlutil.Limits{}, ErrMalformed},
		{"element in CipherValue", rep(cv, cv+`<xenc:X/>`), c, xmlutil.Limits{}, ErrMalformed},
		{"comment in CipherValue", rep(cv, cv[:8]+`<!---->`+cv[8:]), c, xmlutil.Limits{}, ErrMalformed},
		{"unknown child", rep(`</xenc:CipherData>`, `</xenc:CipherData><m:Extra/>`), c, xmlutil.Limits{}, ErrMalformed},
		{"KeyInfo after CipherData", rep(`</xenc:CipherData>`, `</xenc:CipherData><ds:KeyInfo xmlns:ds="`+NSDSig+`"/>`), c, xmlutil.Limits{}, ErrMalformed},
		{"text child", rep(`<xenc:CipherData>`, `text<xenc:CipherData>`), c, xmlutil.Limits{}, ErrMalformed},
		{"EncryptionMethod without Algorithm", rep(` Algorithm="`+AES128CBC+`"`, ``), c, xmlutil.Limits{}, ErrMalformed},
		{"bad Id", rep(`Id="ED"`, `Id="1 2"`), c, xmlutil.Limits{}, ErrMalformed},
		{"wrong namespace", rep(`xmlns:xenc="`+NS+`"`, `xmlns:xenc="urn:fake"`), c, xmlutil.Limits{}, ErrMalformed},
		// Ciphertext-dependent failures: uniform.
		{"wrong key", good, other, xmlutil.Limits{}, ErrDecrypt},
		{"bad base64", rep(cv, "!!!!"+cv[4:]), c, xmlutil.Limits{}, ErrDecrypt},
		{"truncated", rep(cv, cv[:len(cv)-24]), c, xmlutil.Limits{}, ErrDecrypt},
		{"empty CipherValue", rep(cv, ""), c, xmlutil.Limits{}, ErrDecrypt},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := parseMsg(t, envelopeWithBody(tc.xml))
			before := canon(t, m.Doc)
			_, err := DecryptData(m.Body.ChildElements()[0], tc.cipher, tc.lim)
			require.ErrorIs(t, err, tc.want)
			assert.Equal(t, before, canon(t, m.Doc), "tree unchanged")
		})
	}
	t.Run("no parent", func(t *testing.T) {
		m := parseMsg(t, envelopeWithBody(good))
		ed := m.Body.ChildElements()[0]
		m.Body.RemoveChild(ed)
		_, err := DecryptData(ed, c, xmlutil.Limits{})
		assert.ErrorIs(t, err, ErrMalformed)
	})
	t.Run("nil cipher", func(t *testing.T) {
		m := parseMsg(t, envelopeWithBody(good))
		_, err := DecryptData(m.Body.ChildElements()[0], nil, xmlutil.Limits{})
		assert.ErrorIs(t, err, ErrInvalidKey)
	})
}

// TestDecryptErrorsIndistinguishable: a CBC padding failure and a parse
// failure of the decrypted content give the same error text.
func TestDecryptErrorsIndistinguishable(t *testing.T) {
	c, key := newTestCipher(t, AES128CBC)
	// Valid padding, unparsable content.
	m1 := parseMsg(t, envelopeWithBody(encryptedDataXML(t, c, TypeContent, []byte("<m:Ping"))))
	_, err1 := DecryptData(m1.Body.ChildElements()[0], c, xmlutil.Limits{})
	// Bad padding: a last block whose pad byte is 0 (raw CBC).
	iv := make([]byte, 16)
	blk := make([]byte, 16)
	ct := cbcRaw(t, key, iv, blk)
	bad := fmt.Sprintf(`<xenc:EncryptedData xmlns:xenc="%s" Type="%s"><xenc:EncryptionMethod Algorithm="%s"/>`+
		`<xenc:CipherData><xenc:CipherValue>%s</xenc:CipherValue></xenc:CipherData></xenc:EncryptedData>`,
		NS, TypeContent, AES128CBC, base64.StdEncoding.EncodeToString(append(iv, ct...)))
	m2 := parseMsg(t, envelopeWithBody(bad))
	_, err2 := DecryptData(m2.Body.ChildElements()[0], c, xmlutil.Limits{})
	require.Error(t, err1)
	require.Error(t, err2)
	assert.Equal(t, err1.Error(), err2.Error())
	var d1, d2 *DecryptError
	require.ErrorAs(t, err1, &d1)
	require.ErrorAs(t, err2, &d2)
	assert.NotEqual(t, d1.Detail, d2.Detail, "the detail, for logs, tells them apart")
}

// TestReferenceList covers NewReferenceList and ParseReferenceList.
func TestReferenceList(t *testing.T) {
	rl, err := NewReferenceList([]string{"ED-1", "_2", "id.3"})
	require.NoError(t, err)
	doc := etree.NewDocument()
	doc.SetRoot(rl)
	s, err := doc.WriteToString()
	require.NoError(t, err)
	assert.Equal(t, `<xenc:ReferenceList xmlns:xenc="http://www.w3.org/2001/04/xmlenc#">`+
		`<xenc:DataReference URI="#ED-1"/><xenc:DataReference URI="#_2"/><xenc:DataReference URI="#id.3"/></xenc:ReferenceList>`, s)
	ids, err := ParseReferenceList(rl)
	require.NoError(t, err)
	assert.Equal(t, []string{"ED-1", "_2", "id.3"}, ids)

	for _, bad := range [][]string{nil, {""}, {"#x"}, {"a b"}, {"1a"}, {"x:y"}} {
		_, err := NewReferenceList(bad)
		assert.ErrorIs(t, err, ErrMalformed, "%q", bad)
	}
	_, err = NewReferenceList(make([]string, MaxDataReferences+1))
	assert.ErrorIs(t, err, ErrTooLarge)

	parse := func(inner string) error {
		d := etree.NewDocument()
		require.NoError(t, d.ReadFromString(`<xenc:ReferenceList xmlns:xenc="`+NS+`">`+inner+`</xenc:ReferenceList>`))
		_, err := ParseReferenceList(d.Root())
		return err
	}
	for name, inner := range map[string]string{
		"http":        `<xenc:DataReference URI="http://attacker.example/doc#ED"/>`,
		"cid":         `<xenc:DataReference URI="cid:part1"/>`,
		"empty":       `<xenc:DataReference URI=""/>`,
		"no URI":      `<xenc:DataReference/>`,
		"xpointer":    `<xenc:DataReference URI="#xpointer(id('ED'))"/>`,
		"bare id":     `<xenc:DataReference URI="ED"/>`,
		"KeyRef":      `<xenc:KeyReference URI="#EK"/>`,
		"transforms":  `<xenc:DataReference URI="#ED"><ds:Transforms xmlns:ds="` + NSDSig + `"/></xenc:DataReference>`,
		"duplicate":   `<xenc:DataReference URI="#ED"/><xenc:DataReference URI="#ED"/>`,
		"no children": ``,
		"text":        `x<xenc:DataReference URI="#ED"/>`,
	} {
		assert.ErrorIs(t, parse(inner), ErrMalformed, name)
	}
	assert.ErrorIs(t, parse(strings.Repeat(`<xenc:DataReference URI="#a"/>`, MaxDataReferences+1)), ErrTooLarge)
	var many strings.Builder
	for i := range MaxDataReferences {
		fmt.Fprintf(&many, `<xenc:DataReference URI="#a%d"/>`, i)
	}
	assert.NoError(t, parse(many.String()))
}

// cbcRaw encrypts whole blocks with AES-CBC and no padding.
func cbcRaw(t testing.TB, key, iv, pt []byte) []byte {
	t.Helper()
	b, err := aes.NewCipher(key)
	require.NoError(t, err)
	out := make([]byte, len(pt))
	cipher.NewCBCEncrypter(b, iv).CryptBlocks(out, pt)
	return out
}

// TestDefaultNamespaceFromContext: content relying on a default namespace
// declared on an ancestor, and content undeclaring it, decrypt to the same
// expanded names.
func TestDefaultNamespaceFromContext(t *testing.T) {
	const env = `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns="urn:example:outer">` +
		`<s:Body><Ping><Inner xmlns="">x</Inner><Text>t</Text></Ping></s:Body></s:Envelope>`
	for _, typ := range []string{TypeElement, TypeContent} {
		t.Run(shortAlg(typ), func(t *testing.T) {
			m := parseMsg(t, env)
			before := canon(t, m.Doc)
			c, _ := newTestCipher(t, AES128GCM)
			target := m.Body
			if typ == TypeElement {
				target = m.Payload()
			}
			_, err := EncryptElement(target, c, typ, "ED", nil, nil)
			require.NoError(t, err)
			m2 := parseMsg(t, canon(t, m.Doc))
			_, err = DecryptData(m2.Body.FindElement(".//xenc:EncryptedData"), c, xmlutil.Limits{})
			require.NoError(t, err)
			assert.Equal(t, before, canon(t, m2.Doc))
			ping := m2.Payload()
			assert.True(t, xmlutil.Is(ping, "urn:example:outer", "Ping"))
			assert.True(t, xmlutil.Is(ping.FindElement("./Inner"), "", "Inner"))
			assert.True(t, xmlutil.Is(ping.FindElement("./Text"), "urn:example:outer", "Text"))
		})
	}
}
