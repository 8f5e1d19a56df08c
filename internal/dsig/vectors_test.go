package dsig

import (
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/beevik/etree"
	"github.com/soapstack/soapstack/internal/xmlenc"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// wss4jVector is the part of a WSS4J vector's JSON the tests use.
type wss4jVector struct {
	DerivedKeyTokens []struct {
		Purpose       string `json:"purpose"`
		DerivedKeyB64 string `json:"derived_key_b64"`
	} `json:"derived_key_tokens"`
	Signature struct {
		Algorithm        string   `json:"algorithm"`
		SignedParts      []string `json:"signed_parts"`
		SignatureValueB6 string   `json:"signature_value_b64"`
	} `json:"signature"`
	Encryption struct {
		Algorithm     string `json:"algorithm"`
		SessionKeyB64 string `json:"session_key_b64"`
	} `json:"encryption"`
	ExpectedBodyXML string `json:"expected_body_xml"`
}

func loadVector(t *testing.T, name string) (*msg, *wss4jVector) {
	t.Helper()
	m := parseMsg(t, string(readFile(t, filepath.Join("testdata/wss4j", name+".xml"))))
	var v wss4jVector
	require.NoError(t, json.Unmarshal(readFile(t, filepath.Join("testdata/wss4j", name+".json")), &v))
	return m, &v
}

// derivedKey returns the derived key of the given purpose from the JSON,
// after checking it against the raw copy in testdata/wss4j/derived.
func (v *wss4jVector) derivedKey(t *testing.T, msgName, purpose string) []byte {
	t.Helper()
	for _, d := range v.DerivedKeyTokens {
		if d.Purpose == purpose {
			k := b64(t, d.DerivedKeyB64)
			short := map[string]string{"signature": "sig", "encryption": "enc"}[purpose]
			raw := readFile(t, fmt.Sprintf("testdata/wss4j/derived/%s_%s_derived_key.bin", msgName, short))
			require.Equal(t, raw, k)
			return k
		}
	}
	t.Fatalf("no %s key in %s", purpose, msgName)
	return nil
}

// decryptBody replaces the xenc:EncryptedData (Type Content) in the Body by
// its parsed plaintext.
func decryptBody(t *testing.T, m *msg, alg string, key []byte) {
	t.Helper()
	ed := child(m.body, "EncryptedData")
	require.NotNil(t, ed)
	cv := descendant(ed, "CipherValue")
	data := b64(t, strings.Join(strings.Fields(cv.Text()), ""))
	plain, err := xmlenc.Decrypt(alg, key, data)
	require.NoError(t, err)
	frag := etree.NewDocument()
	require.NoError(t, frag.ReadFromBytes(plain))
	m.body.RemoveChild(ed)
	m.body.AddChild(frag.Root())
}

// wss4jOptions are verification options as a WSS4J-compatible policy would
// set them.
func wss4jOptions(key any) VerifyOptions {
	return VerifyOptions{
		SignatureMethods: []string{AlgHMACSHA1, AlgRSASHA1},
		DigestMethods:    []string{AlgSHA1},
		KeyResolver:      fixedKey(key),
	}
}

// assertSigned checks that the verified references are exactly the given
// elements of the message, in order.
func assertSigned(t *testing.T, v *Verified, want ...*etree.Element) {
	t.Helper()
	require.Len(t, v.References, len(want))
	for i, w := range want {
		require.NotNil(t, w)
		assert.Same(t, w, v.References[i].Element, "reference %d (%s)", i, v.References[i].URI)
	}
}

func TestWSS4JHMACVectors(t *testing.T) {
	for _, c := range []struct {
		name    string
		decrypt string // encryption algorithm, "" for none
	}{
		{"msg_01", ""},               // HMAC-SHA1 over Body, Timestamp, To
		{"msg_04", ""},               // encrypt-then-sign: the signature covers the EncryptedData
		{"msg_02", xmlenc.AES256CBC}, // sign-then-encrypt
		{"msg_03", xmlenc.AES256CBC}, // the same with WS-SC 1.3
	} {
		t.Run(c.name, func(t *testing.T) {
			m, vec := loadVector(t, c.name)
			key := vec.derivedKey(t, c.name, "signature")
			if c.decrypt != "" {
				_, err := m.verify(wss4jOptions(key))
				require.ErrorIs(t, err, ErrInvalidSignature, "the signature covers the plaintext Body")
				decryptBody(t, m, c.decrypt, vec.derivedKey(t, c.name, "encryption"))
			}
			v, err := m.verify(wss4jOptions(key))
			require.NoError(t, err)
			assertSigned(t, v, m.body, m.ts, m.to)
			assert.Equal(t, AlgHMACSHA1, v.SignatureMethod)
			assert.Equal(t, vec.Signature.SignatureValueB6, base64.StdEncoding.EncodeToString(v.SignatureValue))
			assert.Equal(t, "KI-", v.KeyInfo.SelectAttrValue("Id", "")[:3])

			// The underived secret is not the key.
			_, err = m.verify(wss4jOptions([]byte("wrong key of twenty!")))
			require.ErrorIs(t, err, ErrInvalidSignature)
		})
	}
}

func TestWSS4JTampered(t *testing.T) {
	m, _ := loadVector(t, "msg_01_tampered")
	_, vec := loadVector(t, "msg_01")
	require.Contains(t, m.String(), "hellp")
	_, err := m.verify(wss4jOptions(vec.derivedKey(t, "msg_01", "signature")))
	require.ErrorIs(t, err, ErrInvalidSignature)
	require.ErrorContains(t, err, "digest of \"#id-")
}

// bstResolver resolves the KeyInfo of the X.509 vector as a receiver does:
// SecurityTokenReference/Reference URI -> BinarySecurityToken -> certificate.
func bstResolver(t *testing.T, idx *IDIndex) KeyResolverFunc {
	return func(ki *etree.Element, method string) (any, error) {
		ref := descendant(ki, "Reference")
		if ref == nil {
			return nil, fmt.Errorf("no reference")
		}
		bst := idx.Lookup(strings.TrimPrefix(ref.SelectAttrValue("URI", ""), "#"))
		if bst == nil || bst.Tag != "BinarySecurityToken" {
			return nil, fmt.Errorf("no token")
		}
		der, err := base64.StdEncoding.DecodeString(bst.Text())
		if err != nil {
			return nil, err
		}
		return x509.ParseCertificate(der)
	}
}

func TestWSS4JX509Vector(t *testing.T) {
	m, vec := loadVector(t, "msg_05")
	idx, err := NewIDIndex(m.env)
	require.NoError(t, err)
	opts := VerifyOptions{SignatureMethods: []string{AlgRSASHA1}, KeyResolver: bstResolver(t, idx)}

	// Before decryption: SignedInfo and the Timestamp reference verify on
	// their own; the Body reference (signed in plaintext) does not.
	p, err := parseSignature(m.signature(), idx, &opts)
	require.NoError(t, err)
	require.Len(t, p.refs, 2)
	require.Same(t, m.ts, p.refs[1].target)
	_, err = checkDigest(&p.refs[1], nil)
	require.NoError(t, err, "Timestamp digest")
	_, err = checkDigest(&p.refs[0], nil)
	require.ErrorIs(t, err, ErrInvalidSignature, "Body digest over the ciphertext")
	_, err = Verify(m.signature(), idx, opts)
	require.ErrorIs(t, err, ErrInvalidSignature)
	require.ErrorContains(t, err, "digest of \"#id-", "the signature value itself is valid")

	// After decryption with the session key, everything verifies.
	decryptBody(t, m, vec.Encryption.Algorithm, b64(t, vec.Encryption.SessionKeyB64))
	idx, err = NewIDIndex(m.env)
	require.NoError(t, err)
	v, err := Verify(m.signature(), idx, opts)
	require.NoError(t, err)
	assertSigned(t, v, m.body, m.ts)
	assert.Equal(t, vec.Signature.SignatureValueB6, base64.StdEncoding.EncodeToString(v.SignatureValue))
	cert, ok := v.Key.(*x509.Certificate)
	require.True(t, ok)
	assert.Equal(t, "wss4j-test", cert.Subject.CommonName)

	// msg_05_tampered: one IV bit flipped; CBC decrypts it without error to
	// a different Body, which the signature catches.
	tm, _ := loadVector(t, "msg_05_tampered")
	decryptBody(t, tm, vec.Encryption.Algorithm, b64(t, vec.Encryption.SessionKeyB64))
	require.NotEqual(t, m.body.ChildElements()[0].SelectAttrValue("xmlns", ""),
		tm.body.ChildElements()[0].SelectAttrValue("xmlns", ""))
	tidx, err := NewIDIndex(tm.env)
	require.NoError(t, err)
	_, err = Verify(tm.signature(), tidx, VerifyOptions{KeyResolver: bstResolver(t, tidx)})
	require.ErrorIs(t, err, ErrInvalidSignature)
}

// stripIndent removes whitespace-only text between elements.
func stripIndent(e *etree.Element) {
	for i := 0; i < len(e.Child); {
		if cd, ok := e.Child[i].(*etree.CharData); ok && isSpace(cd.Data) && len(e.ChildElements()) > 0 {
			e.RemoveChildAt(i)
			continue
		}
		if c, ok := e.Child[i].(*etree.Element); ok {
			stripIndent(c)
		}
		i++
	}
}

// TestWCFCapture verifies the HMAC-SHA1 signature of a real WCF client
// (secure conversation session key, signature over the Timestamp, SCT
// referenced directly from KeyInfo, default-namespace Signature).
func TestWCFCapture(t *testing.T) {
	doc := etree.NewDocument()
	require.NoError(t, doc.ReadFromBytes(readFile(t, "testdata/wcf/03_corewcf_app-request-sct-hmac.xml")))
	root := doc.Root()
	sessionKey := b64(t, "H/N/QJpAIzvX652dTmpSKfx5jvchdVlWNaSPiPkNuP8=")
	sig := descendant(root, "Signature")
	require.Equal(t, "", sig.Space)

	resolve := func(ki *etree.Element, method string) (any, error) {
		ref := descendant(ki, "Reference")
		if ref == nil || ref.SelectAttrValue("ValueType", "") != "http://schemas.xmlsoap.org/ws/2005/02/sc/sct" {
			return nil, fmt.Errorf("not an SCT reference")
		}
		return sessionKey, nil
	}
	opts := VerifyOptions{SignatureMethods: []string{AlgHMACSHA1}, KeyResolver: resolve}

	// As published (re-indented) the digests do not match.
	idx, err := NewIDIndex(root)
	require.NoError(t, err)
	_, err = Verify(sig, idx, opts)
	require.ErrorIs(t, err, ErrInvalidSignature)

	stripIndent(root)
	idx, err = NewIDIndex(root)
	require.NoError(t, err)
	v, err := Verify(sig, idx, opts)
	require.NoError(t, err)
	ts := descendant(root, "Timestamp")
	assertSigned(t, v, ts)
	assert.Equal(t, "u1Ea4tTYJ6xCsT00WjiqxF5fNow=", base64.StdEncoding.EncodeToString(v.SignatureValue))
}
