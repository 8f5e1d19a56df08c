package xmlenc

import (
	"crypto/aes"
	"crypto/subtle"
	"encoding/binary"
	"fmt"
)

// kwIV is the default initial value of RFC 3394, section 2.2.3.1.
const kwIV = 0xA6A6A6A6A6A6A6A6

func kwKeySize(alg string) (int, bool) {
	switch alg {
	case KWAES128:
		return 16, true
	case KWAES192:
		return 24, true
	case KWAES256:
		return 32, true
	}
	return 0, false
}

// WrapKeyAES wraps key under the key-encryption key kek with the RFC 3394
// AES Key Wrap algorithm alg (KWAES128, KWAES192 or KWAES256), as used by an
// xenc:EncryptedKey with a symmetric key-encryption key. kek must have the
// algorithm's key size; key must be a multiple of 8 bytes, at least 16 and
// at most MaxSessionKeySize. The result is 8 bytes longer than key.
func WrapKeyAES(alg string, kek, key []byte) ([]byte, error) {
	size, ok := kwKeySize(alg)
	if !ok {
		return nil, fmt.Errorf("%w: key wrap %q", ErrUnsupportedAlgorithm, alg)
	}
	if len(kek) != size {
		return nil, fmt.Errorf("%w: %s needs %d bytes, got %d", ErrKeySize, alg, size, len(kek))
	}
	if len(key) < 16 || len(key)%8 != 0 || len(key) > MaxSessionKeySize {
		return nil, fmt.Errorf("%w: key to wrap is %d bytes (need a multiple of 8, at least 16)", ErrKeySize, len(key))
	}
	b, err := aes.NewCipher(kek)
	if err != nil {
		return nil, fmt.Errorf("%w: %s", ErrInvalidKey, alg)
	}
	n := len(key) / 8
	out := make([]byte, 8+len(key))
	copy(out[8:], key)
	var buf [16]byte
	a := uint64(kwIV)
	for j := 0; j < 6; j++ {
		for i := 1; i <= n; i++ {
			r := out[8*i : 8*i+8]
			binary.BigEndian.PutUint64(buf[:8], a)
			copy(buf[8:], r)
			b.Encrypt(buf[:], buf[:])
			a = binary.BigEndian.Uint64(buf[:8]) ^ uint64(n*j+i)
			copy(r, buf[8:])
		}
	}
	binary.BigEndian.PutUint64(out[:8], a)
	clear(buf[:])
	return out, nil
}

// UnwrapKeyAES reverses WrapKeyAES. A wrapped value of a bad length or one
// failing the RFC 3394 integrity check gives ErrDecrypt, with no detail.
// Unlike RSA, AES Key Wrap is authenticated, so reporting failure here
// gives an attacker nothing to exploit.
func UnwrapKeyAES(alg string, kek, wrapped []byte) ([]byte, error) {
	size, ok := kwKeySize(alg)
	if !ok {
		return nil, fmt.Errorf("%w: key wrap %q", ErrUnsupportedAlgorithm, alg)
	}
	if len(kek) != size {
		return nil, fmt.Errorf("%w: %s needs %d bytes, got %d", ErrKeySize, alg, size, len(kek))
	}
	if len(wrapped) < 24 || len(wrapped)%8 != 0 || len(wrapped) > MaxSessionKeySize+8 {
		return nil, ErrDecrypt
	}
	b, err := aes.NewCipher(kek)
	if err != nil {
		return nil, fmt.Errorf("%w: %s", ErrInvalidKey, alg)
	}
	n := len(wrapped)/8 - 1
	out := make([]byte, len(wrapped)-8)
	copy(out, wrapped[8:])
	a := binary.BigEndian.Uint64(wrapped[:8])
	var buf [16]byte
	for j := 5; j >= 0; j-- {
		for i := n; i >= 1; i-- {
			r := out[8*(i-1) : 8*i]
			binary.BigEndian.PutUint64(buf[:8], a^uint64(n*j+i))
			copy(buf[8:], r)
			b.Decrypt(buf[:], buf[:])
			a = binary.BigEndian.Uint64(buf[:8])
			copy(r, buf[8:])
		}
	}
	clear(buf[:])
	var got, want [8]byte
	binary.BigEndian.PutUint64(got[:], a)
	binary.BigEndian.PutUint64(want[:], kwIV)
	if subtle.ConstantTimeCompare(got[:], want[:]) != 1 {
		clear(out)
		return nil, ErrDecrypt
	}
	return out, nil
}
