package xmlenc

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"fmt"
	"io"

	// Register the hashes that DigestMethod and MGF URIs may name.
	_ "crypto/sha1"
	_ "crypto/sha256"
	_ "crypto/sha512"
)

// MaxSessionKeySize bounds the wantLen of UnwrapKey and the key length of
// WrapKey. Content-encryption keys are 16 to 32 bytes; WS-Security
// EncryptedKeys used as DerivedKeyToken bases are commonly 32 bytes.
const MaxSessionKeySize = 128

// Option adjusts WrapKey and UnwrapKey. Options reflect what the
// xenc:EncryptionMethod of an xenc:EncryptedKey says (DigestMethod, MGF,
// OAEPparams) and the caller's policy (AllowRSA15).
type Option func(*transportOptions)

type transportOptions struct {
	digest     string
	mgf        string
	oaepParams []byte
	allowRSA15 bool
}

// WithDigestMethod sets the OAEP digest from the Algorithm of a
// ds:DigestMethod child (one of the Digest* constants). The empty string
// means the default, SHA-1. Ignored by rsa-1_5.
func WithDigestMethod(uri string) Option {
	return func(o *transportOptions) { o.digest = uri }
}

// WithMGF sets the mask generation function from the Algorithm of an
// xenc11:MGF child (one of the MGF1* constants). The empty string means
// the default, MGF1-SHA1. rsa-oaep-mgf1p accepts only MGF1-SHA1.
func WithMGF(uri string) Option {
	return func(o *transportOptions) { o.mgf = uri }
}

// WithOAEPParams sets the OAEP label (the decoded xenc:OAEPparams). Empty
// by default; WCF, WSS4J and xmlsec1 send none.
func WithOAEPParams(params []byte) Option {
	p := append([]byte(nil), params...)
	return func(o *transportOptions) { o.oaepParams = p }
}

// AllowRSA15 permits rsa-1_5 (RSAES-PKCS1-v1_5) key transport, which is
// refused otherwise. Use it only to talk to legacy peers: even with the
// countermeasures of UnwrapKey, PKCS#1 v1.5 decryption is fragile.
func AllowRSA15() Option {
	return func(o *transportOptions) { o.allowRSA15 = true }
}

func digestHash(uri string) (crypto.Hash, bool) {
	switch uri {
	case "", DigestSHA1:
		return crypto.SHA1, true
	case DigestSHA224:
		return crypto.SHA224, true
	case DigestSHA256:
		return crypto.SHA256, true
	case DigestSHA384:
		return crypto.SHA384, true
	case DigestSHA512:
		return crypto.SHA512, true
	}
	return 0, false
}

func mgfHash(uri string) (crypto.Hash, bool) {
	switch uri {
	case "", MGF1SHA1:
		return crypto.SHA1, true
	case MGF1SHA224:
		return crypto.SHA224, true
	case MGF1SHA256:
		return crypto.SHA256, true
	case MGF1SHA384:
		return crypto.SHA384, true
	case MGF1SHA512:
		return crypto.SHA512, true
	}
	return 0, false
}

// transportParams resolves alg and opts. oaep is nil for rsa-1_5. Its errors
// depend only on algorithm URIs and policy, never on a ciphertext.
func transportParams(alg string, opts []Option) (oaep *rsa.OAEPOptions, err error) {
	var o transportOptions
	for _, f := range opts {
		f(&o)
	}
	switch alg {
	case RSA15:
		if !o.allowRSA15 {
			return nil, ErrRSA15NotAllowed
		}
		return nil, nil
	case RSAOAEPMGF1P, RSAOAEP:
	default:
		return nil, fmt.Errorf("%w: key transport %q", ErrUnsupportedAlgorithm, alg)
	}
	h, ok := digestHash(o.digest)
	if !ok {
		return nil, fmt.Errorf("%w: OAEP DigestMethod %q", ErrUnsupportedAlgorithm, o.digest)
	}
	m, ok := mgfHash(o.mgf)
	if !ok || (alg == RSAOAEPMGF1P && m != crypto.SHA1) {
		return nil, fmt.Errorf("%w: MGF %q for %s", ErrUnsupportedAlgorithm, o.mgf, alg)
	}
	return &rsa.OAEPOptions{Hash: h, MGFHash: m, Label: o.oaepParams}, nil
}

// WrapKey encrypts key (a content-encryption or base key) to pub with the
// key transport algorithm alg (RSAOAEPMGF1P, RSAOAEP, or RSA15 with
// AllowRSA15), giving the xenc:EncryptedKey CipherValue. opts carry the
// DigestMethod, MGF and OAEPparams the EncryptedKey will declare.
//
// random is passed to crypto/rsa; since Go 1.26 crypto/rsa ignores it and
// always uses a secure source, so nil is fine.
func WrapKey(alg string, pub *rsa.PublicKey, key []byte, random io.Reader, opts ...Option) ([]byte, error) {
	oaep, err := transportParams(alg, opts)
	if err != nil {
		return nil, err
	}
	if pub == nil {
		return nil, fmt.Errorf("%w: nil RSA public key", ErrInvalidKey)
	}
	if len(key) == 0 || len(key) > MaxSessionKeySize {
		return nil, fmt.Errorf("%w: key to wrap is %d bytes", ErrKeySize, len(key))
	}
	if random == nil {
		random = rand.Reader
	}
	var out []byte
	if oaep == nil {
		//lint:ignore SA1019 rsa-1_5 is legacy interop, gated behind AllowRSA15.
		out, err = rsa.EncryptPKCS1v15(random, pub, key)
	} else {
		out, err = rsa.EncryptOAEPWithOptions(random, pub, key, oaep)
	}
	if err != nil {
		// crypto/rsa errors (key too small, message too long) carry no key
		// material.
		return nil, fmt.Errorf("xmlenc: %s: %w", alg, err)
	}
	return out, nil
}

// UnwrapKey decrypts the xenc:EncryptedKey CipherValue wrapped with priv
// using the key transport algorithm alg and returns a key of exactly
// wantLen bytes (the key size of the algorithm the key will be used with,
// see KeySize).
//
// Bleichenbacher/Manger countermeasure: if RSA decryption fails for any
// reason (bad OAEP or PKCS#1 v1.5 padding, a ciphertext of the wrong length
// or out of range, a decrypted key whose length is not wantLen), UnwrapKey
// returns a fresh random key of wantLen bytes and a nil error, taking the
// same path as on success. The failure surfaces later, indistinguishably,
// as ErrDecrypt from Decrypt or as a failed signature. For rsa-1_5 this is
// rsa.DecryptPKCS1v15SessionKey, which selects between the decrypted and
// the random key in constant time. Callers must not give any other sign of
// which case occurred.
//
// Errors are returned only for conditions that do not depend on the
// ciphertext: an unsupported algorithm, DigestMethod or MGF, rsa-1_5
// without AllowRSA15 (ErrRSA15NotAllowed), a nil key, wantLen outside
// 1..MaxSessionKeySize, or a failing random source. random supplies the
// substitute key; nil means crypto/rand.Reader.
func UnwrapKey(alg string, priv *rsa.PrivateKey, wrapped []byte, wantLen int, random io.Reader, opts ...Option) ([]byte, error) {
	oaep, err := transportParams(alg, opts)
	if err != nil {
		return nil, err
	}
	if priv == nil {
		return nil, fmt.Errorf("%w: nil RSA private key", ErrInvalidKey)
	}
	if wantLen < 1 || wantLen > MaxSessionKeySize {
		return nil, fmt.Errorf("%w: wanted key length %d", ErrKeySize, wantLen)
	}
	if random == nil {
		random = rand.Reader
	}
	// Draw the substitute first, so success and failure do the same work.
	key := make([]byte, wantLen)
	if _, err := io.ReadFull(random, key); err != nil {
		return nil, fmt.Errorf("xmlenc: reading random: %w", err)
	}
	if oaep == nil {
		// On failure key keeps its random value; the error (wrong
		// ciphertext length or value out of range) is deliberately dropped.
		//lint:ignore SA1019 rsa-1_5 is legacy interop, gated behind AllowRSA15.
		_ = rsa.DecryptPKCS1v15SessionKey(nil, priv, wrapped, key)
		return key, nil
	}
	// crypto/rsa's OAEP decoding is constant-time up to its single error
	// result; from here on success and failure differ only in this copy.
	pt, err := priv.Decrypt(nil, wrapped, oaep)
	if err == nil && len(pt) == wantLen {
		copy(key, pt)
	}
	clear(pt)
	return key, nil
}
