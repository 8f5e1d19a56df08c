package dsig

import (
	"crypto"
	"crypto/hmac"
	"crypto/rsa"
	"crypto/subtle"
	"crypto/x509"
	"fmt"
	"hash"
	"io"
)

// signingKey checks that key fits the signature method m: a non-empty
// []byte for HMAC, an *rsa.PrivateKey or a crypto.Signer with an RSA public
// key for RSA.
func signingKey(m sigMethod, key any) (mac []byte, signer crypto.Signer, err error) {
	if m.hmac {
		k, ok := key.([]byte)
		if !ok {
			return nil, nil, failf(ErrInvalidKey, "%s needs a []byte key, not %T", m.uri, key)
		}
		if len(k) == 0 {
			return nil, nil, failf(ErrInvalidKey, "empty HMAC key")
		}
		return k, nil, nil
	}
	s, ok := key.(crypto.Signer)
	if !ok {
		return nil, nil, failf(ErrInvalidKey, "%s needs an RSA private key or crypto.Signer, not %T", m.uri, key)
	}
	if _, ok := s.Public().(*rsa.PublicKey); !ok {
		return nil, nil, failf(ErrInvalidKey, "%s needs an RSA key, not %T", m.uri, s.Public())
	}
	return nil, s, nil
}

// verificationKey checks that key fits the signature method m: a non-empty
// []byte for HMAC; an *rsa.PublicKey, or an *x509.Certificate with one, for
// RSA.
func verificationKey(m sigMethod, key any) (mac []byte, pub *rsa.PublicKey, err error) {
	if m.hmac {
		k, ok := key.([]byte)
		if !ok {
			return nil, nil, failf(ErrInvalidKey, "%s needs a []byte key, not %T", m.uri, key)
		}
		if len(k) == 0 {
			return nil, nil, failf(ErrInvalidKey, "empty HMAC key")
		}
		return k, nil, nil
	}
	switch k := key.(type) {
	case *rsa.PublicKey:
		pub = k
	case *x509.Certificate:
		pub, _ = k.PublicKey.(*rsa.PublicKey)
	}
	if pub == nil || pub.N == nil {
		return nil, nil, failf(ErrInvalidKey, "%s needs an RSA public key, not %T", m.uri, key)
	}
	return nil, pub, nil
}

// signatureHash returns the hash the canonical SignedInfo is written to:
// an HMAC keyed with mac, or the plain digest for RSA.
func signatureHash(m sigMethod, mac []byte) hash.Hash {
	if m.hmac {
		return hmac.New(m.newHash(), mac)
	}
	return m.newHash()()
}

// finishSignature computes the signature value from the hash h that the
// canonical SignedInfo was written to.
func finishSignature(m sigMethod, h hash.Hash, signer crypto.Signer, rand io.Reader) ([]byte, error) {
	if m.hmac {
		return h.Sum(nil), nil
	}
	v, err := signer.Sign(rand, h.Sum(nil), m.hash)
	if err != nil {
		return nil, fmt.Errorf("dsig: RSA signing: %w", err)
	}
	return v, nil
}

// checkSignature compares the signature value with the hash h that the
// canonical SignedInfo was written to.
func checkSignature(m sigMethod, h hash.Hash, pub *rsa.PublicKey, value []byte) error {
	if m.hmac {
		if subtle.ConstantTimeCompare(h.Sum(nil), value) != 1 {
			return failf(ErrInvalidSignature, "signature value does not match")
		}
		return nil
	}
	if err := rsa.VerifyPKCS1v15(pub, m.hash, h.Sum(nil), value); err != nil {
		return failf(ErrInvalidSignature, "signature value does not match")
	}
	return nil
}
