package xmlenc

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"fmt"
	"testing"
)

// TestUnwrapExact checks that UnwrapExact returns every wrapped key with
// its own length (what soapstack inspect relies on instead of guessing
// one), and reports a key wrapped to another key pair or changed.
func TestUnwrapExact(t *testing.T) {
	priv := testKey(t)
	other, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	for _, alg := range []string{RSAOAEPMGF1P, RSAOAEP, RSA15} {
		for _, n := range []int{16, 24, 32} {
			t.Run(fmt.Sprintf("%s/%d", alg, n), func(t *testing.T) {
				key := make([]byte, n)
				rand.Read(key)
				w, err := WrapKey(alg, &priv.PublicKey, key, nil, AllowRSA15())
				if err != nil {
					t.Fatal(err)
				}
				ek := &EncryptedKey{Algorithm: alg, CipherValue: w}
				got, err := ek.UnwrapExact(priv, AllowRSA15())
				if err != nil || !bytes.Equal(got, key) {
					t.Fatalf("got %x, %v; want %x", got, err, key)
				}
				if _, err := ek.UnwrapExact(other, AllowRSA15()); !errors.Is(err, ErrKeyTransport) {
					t.Fatalf("other key: %v, want ErrKeyTransport", err)
				}
				if alg == RSA15 {
					return // a changed PKCS#1 v1.5 value may still parse (about 2^-16)
				}
				w[len(w)/2] ^= 1
				if _, err := ek.UnwrapExact(priv, AllowRSA15()); !errors.Is(err, ErrKeyTransport) {
					t.Fatalf("changed value: %v, want ErrKeyTransport", err)
				}
			})
		}
	}
	ek := &EncryptedKey{Algorithm: RSA15, CipherValue: make([]byte, 256)}
	if _, err := ek.UnwrapExact(priv); !errors.Is(err, ErrRSA15NotAllowed) {
		t.Fatalf("rsa-1_5 without AllowRSA15: %v", err)
	}
	ek = &EncryptedKey{Algorithm: KWAES128, CipherValue: make([]byte, 24)}
	if _, err := ek.UnwrapExact(priv); !errors.Is(err, ErrUnsupportedAlgorithm) {
		t.Fatalf("key wrap: %v", err)
	}
}
