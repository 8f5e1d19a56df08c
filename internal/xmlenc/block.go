package xmlenc

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/des"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
)

// Errors returned by this package. They are returned as is or wrapped with
// non-secret context (an algorithm URI, a key length); test with errors.Is.
var (
	// ErrUnsupportedAlgorithm means an algorithm URI (or a DigestMethod or
	// MGF URI) is unknown or not usable for the requested operation.
	ErrUnsupportedAlgorithm = errors.New("xmlenc: unsupported algorithm")
	// ErrKeySize means a key does not have the length the algorithm
	// requires.
	ErrKeySize = errors.New("xmlenc: wrong key size")
	// ErrDecrypt is the single, detail-free error of every failed
	// decryption or unwrap: truncated or misaligned data, a bad CBC padding
	// length byte, a failed GCM tag or key-wrap integrity check.
	ErrDecrypt = errors.New("xmlenc: decryption failed")
	// ErrRSA15NotAllowed means rsa-1_5 key transport was requested without
	// the AllowRSA15 option.
	ErrRSA15NotAllowed = errors.New("xmlenc: rsa-1_5 key transport not allowed")
	// ErrInvalidKey means a required key is missing (nil) or unusable.
	ErrInvalidKey = errors.New("xmlenc: invalid key")
)

type blockMode uint8

const (
	modeCBCAES blockMode = iota + 1
	modeCBC3DES
	modeGCM
)

const (
	gcmIVSize  = 12
	gcmTagSize = 16
)

// blockSpec describes a block encryption algorithm. It is looked up by a
// switch so the package keeps no mutable tables.
func blockSpec(alg string) (mode blockMode, keySize int, ok bool) {
	switch alg {
	case AES128CBC:
		return modeCBCAES, 16, true
	case AES192CBC:
		return modeCBCAES, 24, true
	case AES256CBC:
		return modeCBCAES, 32, true
	case TripleDESCBC:
		return modeCBC3DES, 24, true
	case AES128GCM:
		return modeGCM, 16, true
	case AES192GCM:
		return modeGCM, 24, true
	case AES256GCM:
		return modeGCM, 32, true
	}
	return 0, 0, false
}

// KeySize returns the key length in bytes that a block encryption
// algorithm (xenc:EncryptedData) or key wrap algorithm requires, for
// example to size a DerivedKeyToken or the wantLen of UnwrapKey.
func KeySize(alg string) (int, error) {
	if _, n, ok := blockSpec(alg); ok {
		return n, nil
	}
	if n, ok := kwKeySize(alg); ok {
		return n, nil
	}
	return 0, fmt.Errorf("%w: %q", ErrUnsupportedAlgorithm, alg)
}

// BlockCipher encrypts and decrypts xenc:CipherValue contents with one
// algorithm and key. The key schedule (and for GCM the AEAD) is computed
// once, so a BlockCipher is worth keeping for the life of a security
// context session. It does not retain the caller's key slice. A
// BlockCipher is immutable and safe for concurrent use.
type BlockCipher struct {
	alg   string
	mode  blockMode
	block cipher.Block // CBC modes
	aead  cipher.AEAD  // GCM
}

// NewCipher returns a BlockCipher for the block encryption algorithm alg
// (one of the AES*CBC, TripleDESCBC, AES*GCM constants). The key length
// must match the algorithm exactly; otherwise an error wrapping ErrKeySize
// is returned. Unknown algorithms give ErrUnsupportedAlgorithm.
func NewCipher(alg string, key []byte) (*BlockCipher, error) {
	mode, size, ok := blockSpec(alg)
	if !ok {
		return nil, fmt.Errorf("%w: %q", ErrUnsupportedAlgorithm, alg)
	}
	if len(key) != size {
		return nil, fmt.Errorf("%w: %s needs %d bytes, got %d", ErrKeySize, alg, size, len(key))
	}
	c := &BlockCipher{alg: alg, mode: mode}
	var err error
	switch mode {
	case modeCBCAES:
		c.block, err = aes.NewCipher(key)
	case modeCBC3DES:
		c.block, err = des.NewTripleDESCipher(key)
	case modeGCM:
		var b cipher.Block
		if b, err = aes.NewCipher(key); err == nil {
			c.aead, err = cipher.NewGCM(b)
		}
	}
	if err != nil {
		// Unreachable with the sizes checked above; never echo the key.
		return nil, fmt.Errorf("%w: %s", ErrInvalidKey, alg)
	}
	return c, nil
}

// Algorithm returns the algorithm URI the BlockCipher was created with.
func (c *BlockCipher) Algorithm() string { return c.alg }

// Encrypt returns IV ‖ ciphertext (CBC) or IV ‖ ciphertext ‖ tag (GCM) for
// plaintext, ready to be base64-encoded into an xenc:CipherValue. The IV and
// the CBC padding bytes are read from random; nil means crypto/rand.Reader.
// An error is returned only if random fails.
func (c *BlockCipher) Encrypt(plaintext []byte, random io.Reader) ([]byte, error) {
	return c.encryptTo(make([]byte, 0, c.ciphertextSize(len(plaintext))), plaintext, random)
}

// ciphertextSize is the length of Encrypt's result for n plaintext bytes.
func (c *BlockCipher) ciphertextSize(n int) int {
	if c.mode == modeGCM {
		return gcmIVSize + n + gcmTagSize
	}
	bs := c.block.BlockSize()
	return bs + n + bs - n%bs
}

// encryptTo is Encrypt writing into dst[:0], which must have a capacity
// of ciphertextSize(len(plaintext)) bytes.
func (c *BlockCipher) encryptTo(dst, plaintext []byte, random io.Reader) ([]byte, error) {
	if random == nil {
		random = rand.Reader
	}
	if c.mode == modeGCM {
		out := dst[:gcmIVSize]
		if _, err := io.ReadFull(random, out); err != nil {
			return nil, fmt.Errorf("xmlenc: reading random IV: %w", err)
		}
		return c.aead.Seal(out, out[:gcmIVSize], plaintext, nil), nil
	}
	bs := c.block.BlockSize()
	pad := bs - len(plaintext)%bs // 1..bs
	out := dst[:bs+len(plaintext)+pad]
	// IV, then plaintext, then pad-1 random bytes and the pad length.
	copy(out[bs:], plaintext)
	if _, err := io.ReadFull(random, out[:bs]); err != nil {
		return nil, fmt.Errorf("xmlenc: reading random IV: %w", err)
	}
	if _, err := io.ReadFull(random, out[len(out)-pad:len(out)-1]); err != nil {
		return nil, fmt.Errorf("xmlenc: reading random padding: %w", err)
	}
	out[len(out)-1] = byte(pad)
	cipher.NewCBCEncrypter(c.block, out[:bs]).CryptBlocks(out[bs:], out[bs:])
	return out, nil
}

// Decrypt reverses Encrypt: data is the decoded xenc:CipherValue. Every
// failure (short or misaligned data, a padding length byte outside
// 1..blocksize, a GCM authentication failure) returns ErrDecrypt itself,
// with no detail. data is not modified.
//
// CBC decryption is unauthenticated: a tampered IV or ciphertext usually
// decrypts "successfully" to different plaintext. See the package
// documentation.
func (c *BlockCipher) Decrypt(data []byte) ([]byte, error) {
	return c.decryptInPlace(append([]byte(nil), data...))
}

// decryptInPlace is Decrypt writing the plaintext over data, which it
// returns a part of; on failure data is wiped.
func (c *BlockCipher) decryptInPlace(data []byte) ([]byte, error) {
	if c.mode == modeGCM {
		if len(data) < gcmIVSize+gcmTagSize {
			clear(data)
			return nil, ErrDecrypt
		}
		out, err := c.aead.Open(data[gcmIVSize:gcmIVSize], data[:gcmIVSize], data[gcmIVSize:], nil)
		if err != nil {
			clear(data)
			return nil, ErrDecrypt
		}
		return out[:len(out):len(out)], nil
	}
	bs := c.block.BlockSize()
	if len(data) < 2*bs || len(data)%bs != 0 {
		clear(data)
		return nil, ErrDecrypt
	}
	out := data[bs:]
	// c.block is crypto/aes's own, so this is the standard library's
	// fastest CBC: on amd64 (Go 1.26) a loop in Go, named
	// cryptBlocksDecGeneric in profiles, over the AES-NI block function
	// (decryptBlockAsm); only s390x and ppc64 have multi-block CBC assembly.
	cipher.NewCBCDecrypter(c.block, data[:bs]).CryptBlocks(out, out)
	pad := int(out[len(out)-1])
	if pad < 1 || pad > bs {
		clear(data)
		return nil, ErrDecrypt
	}
	n := len(out) - pad
	clear(out[n:])
	return out[:n:n], nil
}

// Encrypt encrypts plaintext with the block encryption algorithm alg under
// key; see BlockCipher.Encrypt. Use NewCipher to reuse a key.
func Encrypt(alg string, key, plaintext []byte, random io.Reader) ([]byte, error) {
	c, err := NewCipher(alg, key)
	if err != nil {
		return nil, err
	}
	return c.Encrypt(plaintext, random)
}

// Decrypt decrypts data (IV ‖ ciphertext [‖ tag]) with the block encryption
// algorithm alg under key; see BlockCipher.Decrypt. Use NewCipher to reuse
// a key. A wrong key size or unknown algorithm is reported as such (these
// are not secret); all other failures are ErrDecrypt.
func Decrypt(alg string, key, data []byte) ([]byte, error) {
	c, err := NewCipher(alg, key)
	if err != nil {
		return nil, err
	}
	return c.Decrypt(data)
}
