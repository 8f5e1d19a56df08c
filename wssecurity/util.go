package wssecurity

import "crypto/sha1"

// sha1Sum returns SHA-1(b): the EncryptedKeySHA1 and thumbprint hash that
// WS-Security 1.1 prescribes (not used for signatures).
func sha1Sum(b []byte) []byte {
	h := sha1.Sum(b)
	return h[:]
}
