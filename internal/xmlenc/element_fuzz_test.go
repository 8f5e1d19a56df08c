package xmlenc

import (
	"bytes"
	"encoding/base64"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/beevik/etree"

	"github.com/soapstack/soapstack/internal/xmlutil"
	"github.com/soapstack/soapstack/soap"
)

// fuzzCipherValue in the EncryptedData text of FuzzDecryptData is replaced
// by the base64 encryption of the plaintext input under the fixed key, so
// that the fuzzer reaches the parsing of decrypted content.
const fuzzCipherValue = "$CV$"

// zeroReader is a deterministic "random" source, so fuzz inputs reproduce.
type zeroReader struct{}

func (zeroReader) Read(p []byte) (int, error) { clear(p); return len(p), nil }

// fuzzCiphers returns fixed-key AES-128-CBC and AES-128-GCM ciphers.
func fuzzCiphers(t testing.TB) (cbc, gcm *BlockCipher) {
	key := []byte("0123456789abcdef")
	var err error
	if cbc, err = NewCipher(AES128CBC, key); err != nil {
		t.Fatal(err)
	}
	if gcm, err = NewCipher(AES128GCM, key); err != nil {
		t.Fatal(err)
	}
	return cbc, gcm
}

func fuzzEnvelope(body string) string {
	return `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:m="urn:example:m" ` +
		`xmlns:wsu="` + NSWSU + `"><s:Header/><s:Body wsu:Id="B">` + body + `</s:Body></s:Envelope>`
}

func fuzzEncryptedData(typ, alg string) string {
	return `<xenc:EncryptedData xmlns:xenc="` + NS + `" Id="ED" Type="` + typ + `"><xenc:EncryptionMethod Algorithm="` + alg + `"/>` +
		`<ds:KeyInfo xmlns:ds="` + NSDSig + `"><ds:KeyName>k</ds:KeyName></ds:KeyInfo>` +
		`<xenc:CipherData><xenc:CipherValue>` + fuzzCipherValue + `</xenc:CipherValue></xenc:CipherData></xenc:EncryptedData>`
}

func canonString(doc *etree.Document) string {
	d := *doc
	d.WriteSettings = etree.WriteSettings{CanonicalText: true, CanonicalAttrVal: true}
	s, _ := d.WriteToString()
	return s
}

// FuzzDecryptData decrypts an arbitrary EncryptedData (placed in a SOAP
// Body whose Envelope declares prefixes) with fixed keys, the plaintext
// being a second fuzzed input. It must never panic; on error the tree is
// unchanged; on success the decrypted tree serializes to a message the
// strict parser accepts.
func FuzzDecryptData(f *testing.F) {
	cbc, gcm := fuzzCiphers(f)
	for _, alg := range []string{AES128CBC, AES128GCM} {
		for _, typ := range []string{TypeContent, TypeElement} {
			for _, pt := range []string{
				`<m:Ping a="1"><m:Text xml:lang="en">hi &amp; bye</m:Text><n:X xmlns:n="urn:n"/></m:Ping>`,
				`text <m:A/> <!-- c --> <m:B wsu:Id="x"/>`,
				`<!DOCTYPE m:Ping [<!ENTITY e "x">]><m:Ping>&e;</m:Ping>`,
				`<?pi x?><m:Ping/>`,
				`<zz:Ping/>`,
				`</s:Body><s:Body>`,
				strings.Repeat("<m:a>", 120) + strings.Repeat("</m:a>", 120),
				`<m:A/><m:B/>`,
				``,
			} {
				f.Add(fuzzEncryptedData(typ, alg), []byte(pt))
			}
		}
	}
	f.Add(`<xenc:EncryptedData xmlns:xenc="`+NS+`" Type="`+TypeContent+`"><xenc:EncryptionMethod Algorithm="`+AES128CBC+`"/>`+
		`<xenc:CipherData><xenc:CipherReference URI="http://example.org/"/></xenc:CipherData></xenc:EncryptedData>`, []byte(`<m:a/>`))
	f.Add(`<wsse11:EncryptedHeader xmlns:wsse11="`+NSWSSE11+`" wsu:Id="EH">`+fuzzEncryptedData(TypeElement, AES128GCM)+`</wsse11:EncryptedHeader>`,
		[]byte(`<m:H s:mustUnderstand="true">v</m:H>`))
	f.Add(`<xenc:EncryptedData xmlns:xenc="`+NS+`" Type="`+TypeContent+`"><xenc:EncryptionMethod Algorithm="`+AES128CBC+`"/>`+
		`<xenc:CipherData><xenc:CipherValue>AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=</xenc:CipherValue></xenc:CipherData></xenc:EncryptedData>`, []byte{})

	lim := xmlutil.Limits{MaxBytes: 64 << 10, MaxDepth: 50, MaxElements: 2000}
	f.Fuzz(func(t *testing.T, encData string, plaintext []byte) {
		c := cbc
		if strings.Contains(encData, "gcm") {
			c = gcm
		}
		if strings.Contains(encData, fuzzCipherValue) {
			ct, err := c.Encrypt(plaintext, zeroReader{})
			if err != nil {
				t.Fatal(err)
			}
			encData = strings.Replace(encData, fuzzCipherValue, base64.StdEncoding.EncodeToString(ct), 1)
		}
		m, err := soap.ParseMessage([]byte(fuzzEnvelope(encData)), lim)
		if err != nil {
			return
		}
		var ed *etree.Element
		for _, el := range m.Body.FindElements(".//*") {
			if el.Tag == "EncryptedData" {
				ed = el
				break
			}
		}
		if ed == nil {
			return
		}
		if a := attr(ed, "Algorithm"); strings.Contains(a, "gcm") {
			c = gcm
		}
		before := canonString(m.Doc)
		parent, idx := ed.Parent(), ed.Index()
		toks, err := DecryptData(ed, c, lim)
		after := canonString(m.Doc)
		if err != nil {
			if after != before {
				t.Fatalf("tree changed on error %v", err)
			}
			if ed.Parent() != parent || ed.Index() != idx {
				t.Fatal("EncryptedData moved on error")
			}
			if errors.Is(err, ErrDecrypt) && err.Error() != ErrDecrypt.Error() {
				t.Fatalf("non-uniform decryption error text %q", err)
			}
			return
		}
		if inDocument(ed, m.Doc) {
			t.Fatal("EncryptedData still in the tree after decryption")
		}
		for _, tok := range toks {
			if tok.Parent() == nil || !inDocument(tok.Parent(), m.Doc) {
				t.Fatal("decrypted token not in the tree")
			}
		}
		if _, err := soap.ParseMessage([]byte(after), xmlutil.Limits{MaxBytes: 1 << 20, MaxDepth: lim.MaxDepth, MaxElements: 4 * lim.MaxElements}); err != nil {
			t.Fatalf("decrypted tree does not reparse: %v\n%s", err, after)
		}
	})
}

// FuzzParseEncryptedKey parses an arbitrary EncryptedKey (in a scope that
// declares the usual prefixes) and unwraps it when it parses. It must
// never panic, and what it accepts must respect the limits.
func FuzzParseEncryptedKey(f *testing.F) {
	priv := testKey(f)
	if raw, err := os.ReadFile("testdata/msg_05.xml"); err == nil {
		if s := reEncryptedKey.Find(raw); s != nil {
			f.Add(s)
		}
	}
	for _, tc := range []struct {
		alg  string
		opts []Option
	}{
		{RSAOAEPMGF1P, []Option{WithDigestMethod(DigestSHA256)}},
		{RSAOAEP, []Option{WithDigestMethod(DigestSHA512), WithMGF(MGF1SHA256), WithOAEPParams([]byte("p"))}},
		{RSA15, []Option{AllowRSA15()}},
	} {
		el, err := NewEncryptedKey(tc.alg, &priv.PublicKey, make([]byte, 16), "EK", thumbprintSTR("AAAA"), []string{"ED-1", "ED-2"}, zeroReader{}, tc.opts...)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(elementBytes(el))
	}
	el, err := NewEncryptedKeyAES(KWAES128, make([]byte, 16), make([]byte, 16), "EK", nil, []string{"a"})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(elementBytes(el))
	f.Add([]byte(`<xenc:EncryptedKey><xenc:EncryptionMethod Algorithm="` + RSAOAEPMGF1P + `"/><xenc:CipherData><xenc:CipherValue>AA==</xenc:CipherValue></xenc:CipherData>` +
		`<xenc:ReferenceList><xenc:DataReference URI="http://example.org/#x"/></xenc:ReferenceList></xenc:EncryptedKey>`))

	kek := make([]byte, 32)
	f.Fuzz(func(t *testing.T, data []byte) {
		ctx := etree.NewElement("ctx")
		ctx.CreateAttr("xmlns:xenc", NS)
		ctx.CreateAttr("xmlns:xenc11", NS11)
		ctx.CreateAttr("xmlns:ds", NSDSig)
		ctx.CreateAttr("xmlns:wsse", nsWSSE)
		toks, err := xmlutil.ParseFragment(data, ctx, xmlutil.Limits{MaxBytes: 64 << 10})
		if err != nil {
			return
		}
		for _, tok := range toks {
			el, ok := tok.(*etree.Element)
			if !ok {
				continue
			}
			ctx.AddChild(el) // in scope of the declarations
			ek, err := ParseEncryptedKey(el)
			ctx.RemoveChild(el)
			if err != nil {
				continue
			}
			if n := len(ek.CipherValue); n == 0 || n > MaxWrappedKeySize {
				t.Fatalf("CipherValue of %d bytes accepted", n)
			}
			if len(ek.DataReferences) > MaxDataReferences {
				t.Fatalf("%d data references accepted", len(ek.DataReferences))
			}
			for _, id := range ek.DataReferences {
				if !validID(id) {
					t.Fatalf("invalid reference %q accepted", id)
				}
			}
			_ = EncryptedKeySHA1(ek.CipherValue)
			if n, ok := kwKeySize(ek.Algorithm); ok {
				if _, err := ek.UnwrapAES(kek[:n]); err != nil && !errors.Is(err, ErrDecrypt) {
					t.Fatalf("UnwrapAES: %v", err)
				}
				continue
			}
			key, err := ek.Unwrap(priv, 16, zeroReader{}, AllowRSA15())
			if err != nil || len(key) != 16 {
				t.Fatalf("Unwrap of a parsed EncryptedKey: %d bytes, %v", len(key), err)
			}
		}
	})
}

// inDocument reports whether el is attached to doc.
func inDocument(el *etree.Element, doc *etree.Document) bool {
	for e := el; e != nil; e = e.Parent() {
		if e == &doc.Element {
			return true
		}
	}
	return false
}

func elementBytes(el *etree.Element) []byte {
	var b bytes.Buffer
	serialize(&b, el)
	return b.Bytes()
}
