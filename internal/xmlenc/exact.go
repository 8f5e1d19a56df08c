package xmlenc

import (
	"crypto/rsa"
	"errors"
	"fmt"
)

// ErrKeyTransport reports an RSA key-transport value that does not decrypt
// with the given private key (UnwrapExact): the key was wrapped to another
// certificate, or the value was changed.
var ErrKeyTransport = errors.New("xmlenc: the wrapped key does not decrypt with this private key")

// UnwrapExact decrypts the key of an RSA key-transport EncryptedKey and
// returns it with the length it was wrapped with, or an error wrapping
// ErrKeyTransport when it does not decrypt. opts are as for Unwrap (the
// EncryptedKey's own DigestMethod, MGF and OAEPparams are applied first).
//
// Unlike Unwrap it has no Bleichenbacher countermeasure: it tells a value
// that does not decrypt from one that does, and reveals the length. Use it
// only offline, on messages the key's owner inspects (soapstack inspect),
// never on what a service receives.
func (ek *EncryptedKey) UnwrapExact(priv *rsa.PrivateKey, opts ...Option) ([]byte, error) {
	if _, ok := kwKeySize(ek.Algorithm); ok {
		return nil, fmt.Errorf("%w: %s is a key wrap algorithm; use UnwrapAES", ErrUnsupportedAlgorithm, ek.Algorithm)
	}
	all := append([]Option{WithDigestMethod(ek.DigestMethod), WithMGF(ek.MGF), WithOAEPParams(ek.OAEPParams)}, opts...)
	oaep, err := transportParams(ek.Algorithm, all)
	if err != nil {
		return nil, err
	}
	if priv == nil {
		return nil, fmt.Errorf("%w: nil RSA private key", ErrInvalidKey)
	}
	var key []byte
	if oaep == nil {
		//lint:ignore SA1019 rsa-1_5 is legacy interop, gated behind AllowRSA15.
		key, err = rsa.DecryptPKCS1v15(nil, priv, ek.CipherValue)
	} else {
		key, err = priv.Decrypt(nil, ek.CipherValue, oaep)
	}
	if err != nil {
		return nil, fmt.Errorf("%w (%s)", ErrKeyTransport, ek.Algorithm)
	}
	if len(key) == 0 || len(key) > MaxSessionKeySize {
		return nil, fmt.Errorf("%w: wrapped key of %d bytes", ErrKeySize, len(key))
	}
	return key, nil
}
