package wssecurity

import (
	"crypto/sha1"

	"github.com/beevik/etree"
	"github.com/soapstack/soapstack/internal/xmlenc"
	"github.com/soapstack/soapstack/soap"
)

// sha1Sum returns SHA-1(b): the EncryptedKeySHA1 and thumbprint hash that
// WS-Security 1.1 prescribes (not used for signatures).
func sha1Sum(b []byte) []byte {
	h := sha1.Sum(b)
	return h[:]
}

// newBlockCipher returns the cipher of alg keyed with key. A key longer
// than the algorithm's is cut to its first bytes, as WSS4J does
// (KeyUtils.prepareSecretKey): Apache CXF issues 256-bit session keys even
// for Basic128 sessions and encrypts with AES-128 under the first half.
func newBlockCipher(alg string, key []byte) (*xmlenc.BlockCipher, error) {
	if n, err := xmlenc.KeySize(alg); err == nil && len(key) > n {
		key = key[:n]
	}
	return xmlenc.NewCipher(alg, key)
}

// headerTokens returns the content of m's Header (nil without one): its
// header blocks are the elements among it, as m.Headers lists them. A loop
// over it allocates nothing, unlike m.Headers or an iterator.
func headerTokens(m *soap.Message) []etree.Token {
	if m.Header == nil {
		return nil
	}
	return m.Header.Child
}
