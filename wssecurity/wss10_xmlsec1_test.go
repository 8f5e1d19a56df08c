package wssecurity

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"strings"
	"testing"

	"github.com/beevik/etree"
	"github.com/soapstack/soapstack/internal/wsse"
	"github.com/soapstack/soapstack/internal/xmlenc"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestXmlsec1DecryptsWSS10Layout has xmlsec1 decrypt a WSS10 request as a
// WS-Security 1.0 receiver reads it: the EncryptedKey (unwrapped with the
// service's private key) lists the Body's EncryptedData, which has no
// KeyInfo and decrypts under the unwrapped key.
func TestXmlsec1DecryptsWSS10Layout(t *testing.T) {
	pki := newTestPKI(t)
	ccfg, _ := pki.configs()
	der, err := x509.MarshalPKCS8PrivateKey(pki.service.Key)
	require.NoError(t, err)
	keyPEM := tempFile(t, "service.key", pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
	for _, suite := range []Suite{Basic256, Basic128, TripleDesRsa15} {
		t.Run(suite.String(), func(t *testing.T) {
			p := MutualCertificate(WSS10, suite)
			p.EncryptSignature = false
			m := plainEcho(t, "secret for a 1.0 receiver")
			_, err := SecureRequest(context.Background(), p, &ccfg, m)
			require.NoError(t, err)
			b, err := m.Bytes()
			require.NoError(t, err)
			require.NoError(t, checkWSS10(b))
			ed := childByTag(m.Body, "EncryptedData")
			require.NotNil(t, ed)
			assert.Nil(t, firstChild(ed, wsse.NSDS, "KeyInfo"), "no KeyInfo: the EncryptedKey names it")
			sec, err := securityHeader(m)
			require.NoError(t, err)
			ek := firstChild(sec, xmlenc.NS, "EncryptedKey")
			require.NotNil(t, ek)
			ids, err := xmlenc.ParseReferenceList(firstChild(ek, xmlenc.NS, "ReferenceList"))
			require.NoError(t, err)
			assert.Equal(t, []string{ed.SelectAttrValue("Id", "")}, ids)

			// xmlsec1 decrypts EncryptedData, not a detached EncryptedKey:
			// follow the EncryptedKey's ReferenceList as a 1.0 receiver
			// does and hand xmlsec1 the EncryptedData it names with that
			// EncryptedKey as its key (the STR, which xmlsec1 does not
			// read, left out: the private key is the only one it has).
			target := m.Envelope.FindElementPath(etree.MustCompilePath("//[@Id='" + ids[0] + "']"))
			require.Equal(t, ed, target)
			ekCopy := ek.Copy()
			ekCopy.RemoveChild(firstChild(ekCopy, wsse.NSDS, "KeyInfo"))
			ki := etree.NewElement("ds:KeyInfo")
			ki.CreateAttr("xmlns:ds", wsse.NSDS)
			ki.AddChild(ekCopy)
			ed.InsertChildAt(firstChild(ed, xmlenc.NS, "EncryptionMethod").Index()+1, ki)
			b2, err := m.Bytes()
			require.NoError(t, err)
			out, ok := xmlsec1(t, "--decrypt", "--privkey-pem", keyPEM,
				"--id-attr:Id", xmlenc.NS+":EncryptedData", "--node-id", ids[0], tempFile(t, "msg.xml", b2))
			require.True(t, ok, out)
			assert.True(t, strings.Contains(out, "secret for a 1.0 receiver"), out)
		})
	}
}
