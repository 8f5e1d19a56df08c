package xmlenc

import (
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
	"fmt"
	"strings"
	"testing"

	"github.com/beevik/etree"
	"github.com/soapstack/soapstack/internal/xmlutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// thumbprintSTR is the ThumbprintSHA1 KeyIdentifier STR WSS4J writes.
func thumbprintSTR(tp string) *etree.Element {
	str := etree.NewElement("wsse:SecurityTokenReference")
	str.CreateAttr("xmlns:wsse", nsWSSE)
	ki := str.CreateElement("wsse:KeyIdentifier")
	ki.CreateAttr("EncodingType", "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-soap-message-security-1.0#Base64Binary")
	ki.CreateAttr("ValueType", "http://docs.oasis-open.org/wss/oasis-wss-soap-message-security-1.1#ThumbprintSHA1")
	ki.SetText(tp)
	return str
}

// reparse serializes el and parses it back with the strict parser, as a
// receiver sees it.
func reparse(t testing.TB, el *etree.Element) *etree.Element {
	t.Helper()
	doc := etree.NewDocument()
	doc.SetRoot(el)
	s, err := doc.WriteToString()
	require.NoError(t, err)
	toks, err := xmlutil.ParseFragment([]byte(s), etree.NewElement("ctx"), xmlutil.Limits{})
	require.NoError(t, err)
	require.Len(t, toks, 1)
	return toks[0].(*etree.Element)
}

func TestEncryptedKeyRoundTrip(t *testing.T) {
	priv := testKey(t)
	cases := []struct {
		alg        string
		opts       []Option
		wantDigest string
		wantMGF    string
		wantChilds []string
	}{
		{RSAOAEPMGF1P, nil, "", "", nil},
		{RSAOAEPMGF1P, []Option{WithDigestMethod(DigestSHA1)}, DigestSHA1, "", []string{"DigestMethod"}},
		{RSAOAEPMGF1P, []Option{WithDigestMethod(DigestSHA256), WithMGF(MGF1SHA1)}, DigestSHA256, "", []string{"DigestMethod"}},
		{RSAOAEPMGF1P, []Option{WithOAEPParams([]byte("label"))}, "", "", []string{"OAEPparams"}},
		{RSAOAEP, nil, "", "", nil},
		{RSAOAEP, []Option{WithDigestMethod(DigestSHA256), WithMGF(MGF1SHA256)}, DigestSHA256, MGF1SHA256, []string{"DigestMethod", "MGF"}},
		{RSAOAEP, []Option{WithMGF(MGF1SHA512), WithOAEPParams([]byte{1, 2})}, "", MGF1SHA512, []string{"OAEPparams", "MGF"}},
		{RSA15, []Option{AllowRSA15(), WithDigestMethod(DigestSHA256)}, "", "", nil},
	}
	for i, tc := range cases {
		t.Run(fmt.Sprintf("%d/%s", i, shortAlg(tc.alg)), func(t *testing.T) {
			key := make([]byte, 32)
			_, _ = rand.Read(key)
			el, err := NewEncryptedKey(tc.alg, &priv.PublicKey, key, "EK-1", thumbprintSTR("OOQ976ASi6+kfB9DjunyxVDBQ4A="),
				[]string{"ED-1", "ED-2"}, nil, tc.opts...)
			require.NoError(t, err)
			el = reparse(t, el)
			var childs []string
			for _, c := range el.FindElement("./xenc:EncryptionMethod").ChildElements() {
				childs = append(childs, c.Tag)
			}
			assert.Equal(t, tc.wantChilds, childs)

			ek, err := ParseEncryptedKey(el)
			require.NoError(t, err)
			assert.Equal(t, "EK-1", ek.ID)
			assert.Equal(t, tc.alg, ek.Algorithm)
			assert.Equal(t, tc.wantDigest, ek.DigestMethod)
			assert.Equal(t, tc.wantMGF, ek.MGF)
			assert.Equal(t, []string{"ED-1", "ED-2"}, ek.DataReferences)
			require.NotNil(t, ek.KeyInfo)
			assert.Equal(t, "OOQ976ASi6+kfB9DjunyxVDBQ4A=", ek.KeyInfo.FindElement("./wsse:SecurityTokenReference/wsse:KeyIdentifier").Text())
			assert.Len(t, ek.CipherValue, priv.Size())
			sum := sha1.Sum(ek.CipherValue)
			assert.Equal(t, base64.StdEncoding.EncodeToString(sum[:]), EncryptedKeySHA1(ek.CipherValue))

			got, err := ek.Unwrap(priv, 32, nil, AllowRSA15())
			require.NoError(t, err)
			assert.Equal(t, key, got)
			// A wrong expected length yields a random key, no error.
			got, err = ek.Unwrap(priv, 16, nil, AllowRSA15())
			require.NoError(t, err)
			assert.Len(t, got, 16)
			assert.NotEqual(t, key[:16], got)
			_, err = ek.UnwrapAES(make([]byte, 16))
			assert.ErrorIs(t, err, ErrUnsupportedAlgorithm)
		})
	}
}

func TestEncryptedKeyRSA15NeedsPolicy(t *testing.T) {
	priv := testKey(t)
	el, err := NewEncryptedKey(RSA15, &priv.PublicKey, make([]byte, 16), "", nil, nil, nil, AllowRSA15())
	require.NoError(t, err)
	ek, err := ParseEncryptedKey(el)
	require.NoError(t, err)
	_, err = ek.Unwrap(priv, 16, nil)
	assert.ErrorIs(t, err, ErrRSA15NotAllowed)
	_, err = NewEncryptedKey(RSA15, &priv.PublicKey, make([]byte, 16), "", nil, nil, nil)
	assert.ErrorIs(t, err, ErrRSA15NotAllowed)
}

func TestEncryptedKeyAESRoundTrip(t *testing.T) {
	for _, alg := range []string{KWAES128, KWAES192, KWAES256} {
		t.Run(shortAlg(alg), func(t *testing.T) {
			n, _ := KeySize(alg)
			kek := make([]byte, n)
			_, _ = rand.Read(kek)
			key := make([]byte, 32)
			_, _ = rand.Read(key)
			name := etree.NewElement("ds:KeyName")
			name.SetText("kek")
			el, err := NewEncryptedKeyAES(alg, kek, key, "EK", name, []string{"ED"})
			require.NoError(t, err)
			ek, err := ParseEncryptedKey(reparse(t, el))
			require.NoError(t, err)
			assert.Equal(t, alg, ek.Algorithm)
			assert.Equal(t, []string{"ED"}, ek.DataReferences)
			got, err := ek.UnwrapAES(kek)
			require.NoError(t, err)
			assert.Equal(t, key, got)
			kek[0] ^= 1
			_, err = ek.UnwrapAES(kek)
			assert.ErrorIs(t, err, ErrDecrypt)
			_, err = ek.Unwrap(testKey(t), 32, nil)
			assert.ErrorIs(t, err, ErrUnsupportedAlgorithm)
		})
	}
	_, err := NewEncryptedKeyAES(KWAES128, make([]byte, 16), make([]byte, 16), "bad id", nil, nil)
	assert.ErrorIs(t, err, ErrMalformed)
}

func TestNewEncryptedKeyErrors(t *testing.T) {
	priv := testKey(t)
	key := make([]byte, 16)
	_, err := NewEncryptedKey(RSAOAEPMGF1P, &priv.PublicKey, key, "#bad", nil, nil, nil)
	assert.ErrorIs(t, err, ErrMalformed)
	_, err = NewEncryptedKey(RSAOAEPMGF1P, &priv.PublicKey, key, "", nil, []string{"#ED"}, nil)
	assert.ErrorIs(t, err, ErrMalformed)
	_, err = NewEncryptedKey(AES128CBC, &priv.PublicKey, key, "", nil, nil, nil)
	assert.ErrorIs(t, err, ErrUnsupportedAlgorithm)
	_, err = NewEncryptedKey(RSAOAEPMGF1P, nil, key, "", nil, nil, nil)
	assert.ErrorIs(t, err, ErrInvalidKey)
}

// ekXML builds an EncryptedKey document from parts.
func ekXML(method, middle, tail string) string {
	return `<xenc:EncryptedKey xmlns:xenc="` + NS + `" xmlns:ds="` + NSDSig + `" xmlns:xenc11="` + NS11 + `" Id="EK">` +
		method + middle + tail + `</xenc:EncryptedKey>`
}

func parseEKString(t *testing.T, s string) (*EncryptedKey, error) {
	t.Helper()
	doc := etree.NewDocument()
	require.NoError(t, doc.ReadFromString(s))
	return ParseEncryptedKey(doc.Root())
}

func TestParseEncryptedKeyErrors(t *testing.T) {
	cv := `<xenc:CipherData><xenc:CipherValue>` + base64.StdEncoding.EncodeToString(make([]byte, 256)) + `</xenc:CipherValue></xenc:CipherData>`
	oaep := `<xenc:EncryptionMethod Algorithm="` + RSAOAEPMGF1P + `"/>`
	m := func(alg, inner string) string {
		return `<xenc:EncryptionMethod Algorithm="` + alg + `">` + inner + `</xenc:EncryptionMethod>`
	}
	ok, err := parseEKString(t, ekXML(oaep, cv, ``))
	require.NoError(t, err)
	assert.Nil(t, ok.DataReferences)
	assert.Nil(t, ok.KeyInfo)

	for _, tc := range []struct {
		name string
		xml  string
		want error
	}{
		{"reference list outside the document", ekXML(oaep, cv, `<xenc:ReferenceList><xenc:DataReference URI="http://attacker.example/msg#ED"/></xenc:ReferenceList>`), ErrMalformed},
		{"reference list with empty URI", ekXML(oaep, cv, `<xenc:ReferenceList><xenc:DataReference URI=""/></xenc:ReferenceList>`), ErrMalformed},
		{"reference list with KeyReference", ekXML(oaep, cv, `<xenc:ReferenceList><xenc:KeyReference URI="#EK2"/></xenc:ReferenceList>`), ErrMalformed},
		{"too many references", ekXML(oaep, cv, `<xenc:ReferenceList>`+strings.Repeat(`<xenc:DataReference URI="#a"/>`, MaxDataReferences+1)+`</xenc:ReferenceList>`), ErrTooLarge},
		{"oversized CipherValue", ekXML(oaep, `<xenc:CipherData><xenc:CipherValue>`+base64.StdEncoding.EncodeToString(make([]byte, MaxWrappedKeySize+1))+`</xenc:CipherValue></xenc:CipherData>`, ``), ErrTooLarge},
		{"CipherReference", ekXML(oaep, `<xenc:CipherData><xenc:CipherReference URI="http://attacker.example/k"/></xenc:CipherData>`, ``), ErrCipherReference},
		{"empty CipherValue", ekXML(oaep, `<xenc:CipherData><xenc:CipherValue/></xenc:CipherData>`, ``), ErrMalformed},
		{"bad base64", ekXML(oaep, `<xenc:CipherData><xenc:CipherValue>***</xenc:CipherValue></xenc:CipherData>`, ``), ErrMalformed},
		{"no EncryptionMethod", ekXML(``, cv, ``), ErrMalformed},
		{"no Algorithm", ekXML(`<xenc:EncryptionMethod/>`, cv, ``), ErrMalformed},
		{"unknown algorithm", ekXML(m("urn:rot13", ""), cv, ``), ErrUnsupportedAlgorithm},
		{"block algorithm", ekXML(m(AES128CBC, ""), cv, ``), ErrUnsupportedAlgorithm},
		{"unknown digest", ekXML(m(RSAOAEPMGF1P, `<ds:DigestMethod Algorithm="urn:md4"/>`), cv, ``), ErrUnsupportedAlgorithm},
		{"empty digest", ekXML(m(RSAOAEPMGF1P, `<ds:DigestMethod/>`), cv, ``), ErrUnsupportedAlgorithm},
		{"unknown MGF", ekXML(m(RSAOAEP, `<xenc11:MGF Algorithm="urn:mgf0"/>`), cv, ``), ErrUnsupportedAlgorithm},
		{"MGF with mgf1p", ekXML(m(RSAOAEPMGF1P, `<xenc11:MGF Algorithm="`+MGF1SHA256+`"/>`), cv, ``), ErrMalformed},
		{"two digests", ekXML(m(RSAOAEPMGF1P, `<ds:DigestMethod Algorithm="`+DigestSHA1+`"/><ds:DigestMethod Algorithm="`+DigestSHA256+`"/>`), cv, ``), ErrMalformed},
		{"digest with rsa-1_5", ekXML(m(RSA15, `<ds:DigestMethod Algorithm="`+DigestSHA1+`"/>`), cv, ``), ErrMalformed},
		{"params with key wrap", ekXML(m(KWAES128, `<xenc:OAEPparams>AA==</xenc:OAEPparams>`), cv, ``), ErrMalformed},
		{"oversized OAEPparams", ekXML(m(RSAOAEP, `<xenc:OAEPparams>`+base64.StdEncoding.EncodeToString(make([]byte, 2000))+`</xenc:OAEPparams>`), cv, ``), ErrTooLarge},
		{"unexpected child", ekXML(oaep, cv, `<xenc:Other/>`), ErrMalformed},
		{"ReferenceList before CipherData", ekXML(oaep, `<xenc:ReferenceList><xenc:DataReference URI="#a"/></xenc:ReferenceList>`+cv, ``), ErrMalformed},
		{"bad Id", strings.Replace(ekXML(oaep, cv, ``), `Id="EK"`, `Id="#EK"`, 1), ErrMalformed},
		{"not an EncryptedKey", `<xenc:EncryptedData xmlns:xenc="` + NS + `"/>`, ErrMalformed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parseEKString(t, tc.xml)
			assert.ErrorIs(t, err, tc.want)
		})
	}

	// Accepted extras: KeySize-free OAEP parameters, properties, a carried
	// key name, comments and white space.
	full := ekXML(m(RSAOAEP, ` <xenc:OAEPparams>bGFiZWw=</xenc:OAEPparams><!-- c --><ds:DigestMethod Algorithm="`+DigestSHA256+`"/><xenc11:MGF Algorithm="`+MGF1SHA256+`"/>`),
		"\n<ds:KeyInfo><ds:KeyName>k</ds:KeyName></ds:KeyInfo>"+strings.Replace(cv, "<xenc:CipherValue>", "<xenc:CipherValue>\n  ", 1),
		`<xenc:EncryptionProperties/><xenc:ReferenceList><xenc:DataReference URI="#a"/></xenc:ReferenceList><xenc:CarriedKeyName>n</xenc:CarriedKeyName>`)
	ek, err := parseEKString(t, full)
	require.NoError(t, err)
	assert.Equal(t, []byte("label"), ek.OAEPParams)
	assert.Equal(t, DigestSHA256, ek.DigestMethod)
	assert.Equal(t, MGF1SHA256, ek.MGF)
	assert.Equal(t, []string{"a"}, ek.DataReferences)
	assert.Len(t, ek.CipherValue, 256)
}
