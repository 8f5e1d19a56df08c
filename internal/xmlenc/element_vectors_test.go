package xmlenc

import (
	"encoding/json"
	"os"
	"testing"

	"github.com/beevik/etree"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/soapstack/soapstack/internal/xmlutil"
	"github.com/soapstack/soapstack/soap"
)

const (
	nsWSSE   = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
	xmlDecl  = `<?xml version="1.0" encoding="UTF-8" standalone="no"?>`
	msg05EK1 = "VX4HQM1p4flZKgrQAxkSeuRqYdE=" // openssl dgst -sha1 -binary of the decoded CipherValue, base64
)

// findByID returns the element under root whose unqualified Id or wsu:Id is
// id (test-only: the wssecurity package owns Id resolution).
func findByID(root *etree.Element, id string) *etree.Element {
	for _, el := range root.FindElements("//*") {
		if attr(el, "Id") == id {
			return el
		}
		if a := xmlutil.AttrNS(el, NSWSU, "Id"); a != nil && a.Value == id {
			return el
		}
	}
	return nil
}

// securityChild returns the first child of wsse:Security named {ns}local.
func securityChild(t *testing.T, m *soap.Message, ns, local string) *etree.Element {
	t.Helper()
	sec := m.FindHeader(nsWSSE, "Security")
	require.NotNil(t, sec)
	for _, c := range sec.ChildElements() {
		if xmlutil.Is(c, ns, local) {
			return c
		}
	}
	t.Fatalf("no %s in wsse:Security", local)
	return nil
}

// strReferenceURI returns the URI of the wsse:Reference of the STR in a
// ds:KeyInfo.
func strReferenceURI(t *testing.T, keyInfo *etree.Element) string {
	t.Helper()
	require.NotNil(t, keyInfo)
	ref := keyInfo.FindElement("./wsse:SecurityTokenReference/wsse:Reference")
	require.NotNil(t, ref)
	return ref.SelectAttrValue("URI", "")
}

// checkWholeDocument compares the decrypted message with the independently
// decrypted one in testdata/derived (the strict parser drops the XML
// declaration, which etree then does not write).
func checkWholeDocument(t *testing.T, name string, m *soap.Message) {
	t.Helper()
	want, err := os.ReadFile("testdata/derived/" + name + "_decrypted.xml")
	require.NoError(t, err)
	got, err := m.Doc.WriteToString()
	require.NoError(t, err)
	assert.Equal(t, string(want), xmlDecl+got)
}

// TestWSS4JVectorsDerivedKeyElement decrypts the Body of the WSS4J
// messages encrypted under WS-SecureConversation derived keys, following
// the wsse:Security ReferenceList to the EncryptedData, in the tree.
func TestWSS4JVectorsDerivedKeyElement(t *testing.T) {
	for _, tc := range []struct {
		name, alg string
	}{
		{"msg_02", AES256CBC},
		{"msg_04", AES128CBC},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc, meta := readMsg(t, tc.name)
			var key []byte
			for _, dk := range meta.DerivedKeyTokens {
				if dk.Purpose == "encryption" {
					key = mustB64(t, dk.Key)
				}
			}
			m, err := soap.ParseMessage([]byte(doc), xmlutil.Limits{})
			require.NoError(t, err)

			ids, err := ParseReferenceList(securityChild(t, m, NS, "ReferenceList"))
			require.NoError(t, err)
			require.Len(t, ids, 1)
			el := findByID(m.Envelope, ids[0])
			require.NotNil(t, el)
			assert.Same(t, m.Body, el.Parent())

			ed, err := ParseEncryptedData(el)
			require.NoError(t, err)
			assert.Equal(t, ids[0], ed.ID)
			assert.Equal(t, TypeContent, ed.Type)
			assert.Equal(t, tc.alg, ed.Algorithm)
			// The KeyInfo names the encryption DerivedKeyToken.
			dk := findByID(m.Envelope, strReferenceURI(t, ed.KeyInfo)[1:])
			require.NotNil(t, dk)
			assert.Equal(t, "DerivedKeyToken", dk.Tag)

			c, err := NewCipher(ed.Algorithm, key)
			require.NoError(t, err)
			toks, err := DecryptData(el, c, xmlutil.Limits{})
			require.NoError(t, err)
			assert.Equal(t, meta.ExpectedBody, canonToks(toks))
			assert.True(t, xmlutil.Is(m.Payload(), "http://example.org/ping", "Ping"))
			checkWholeDocument(t, tc.name, m)
		})
	}
}

// TestWSS4JVectorEncryptedKeyElement decrypts msg_05: the RSA-OAEP
// EncryptedKey in wsse:Security (ThumbprintSHA1 KeyInfo, ReferenceList to
// the Body's EncryptedData), AES-128-CBC Body content.
func TestWSS4JVectorEncryptedKeyElement(t *testing.T) {
	doc, meta := readMsg(t, "msg_05")
	var keys struct {
		Keys struct {
			Thumbprint string `json:"sha1_thumbprint_b64"`
		} `json:"keys"`
		Encryption struct {
			EKID string `json:"encrypted_key_id"`
			EDID string `json:"encrypted_data_id"`
		} `json:"encryption"`
	}
	raw, err := os.ReadFile("testdata/msg_05.json")
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(raw, &keys))

	m, err := soap.ParseMessage([]byte(doc), xmlutil.Limits{})
	require.NoError(t, err)
	ek, err := ParseEncryptedKey(securityChild(t, m, NS, "EncryptedKey"))
	require.NoError(t, err)
	assert.Equal(t, keys.Encryption.EKID, ek.ID)
	assert.Equal(t, RSAOAEPMGF1P, ek.Algorithm)
	assert.Empty(t, ek.DigestMethod)
	assert.Empty(t, ek.MGF)
	assert.Equal(t, []string{keys.Encryption.EDID}, ek.DataReferences)
	ki := ek.KeyInfo.FindElement("./wsse:SecurityTokenReference/wsse:KeyIdentifier")
	require.NotNil(t, ki)
	assert.Equal(t, keys.Keys.Thumbprint, ki.Text())
	assert.Len(t, ek.CipherValue, 256)
	assert.Equal(t, msg05EK1, EncryptedKeySHA1(ek.CipherValue))

	el := findByID(m.Envelope, ek.DataReferences[0])
	require.NotNil(t, el)
	ed, err := ParseEncryptedData(el)
	require.NoError(t, err)
	assert.Equal(t, "#"+ek.ID, strReferenceURI(t, ed.KeyInfo))
	n, err := KeySize(ed.Algorithm)
	require.NoError(t, err)
	key, err := ek.Unwrap(testKey(t), n, nil)
	require.NoError(t, err)
	assert.Equal(t, mustB64(t, meta.Encryption.SessionKey), key)
	c, err := NewCipher(ed.Algorithm, key)
	require.NoError(t, err)
	toks, err := DecryptData(el, c, xmlutil.Limits{})
	require.NoError(t, err)
	assert.Equal(t, meta.ExpectedBody, canonToks(toks))
	checkWholeDocument(t, "msg_05", m)
}

// TestWSS4JTamperedIVElement: msg_05_tampered (one IV bit flipped)
// decrypts, at the element level too, to a Body with one changed byte.
// CBC cannot notice; only a signature over the content can.
func TestWSS4JTamperedIVElement(t *testing.T) {
	doc, meta := readMsg(t, "msg_05_tampered")
	m, err := soap.ParseMessage([]byte(doc), xmlutil.Limits{})
	require.NoError(t, err)
	ek, err := ParseEncryptedKey(securityChild(t, m, NS, "EncryptedKey"))
	require.NoError(t, err)
	key, err := ek.Unwrap(testKey(t), 16, nil)
	require.NoError(t, err)
	c, err := NewCipher(AES128CBC, key)
	require.NoError(t, err)
	toks, err := DecryptData(findByID(m.Envelope, ek.DataReferences[0]), c, xmlutil.Limits{})
	require.NoError(t, err)
	assert.Equal(t, meta.ExpectedTamperedBody, canonToks(toks))
}
