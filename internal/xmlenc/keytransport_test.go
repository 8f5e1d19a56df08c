package xmlenc

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestKeyTransportRoundTrip(t *testing.T) {
	priv := testKey(t)
	cases := []struct {
		alg  string
		opts []Option
	}{
		{RSAOAEPMGF1P, nil},
		{RSAOAEPMGF1P, []Option{WithDigestMethod(DigestSHA1)}},
		{RSAOAEPMGF1P, []Option{WithDigestMethod(DigestSHA256)}},
		{RSAOAEPMGF1P, []Option{WithDigestMethod(DigestSHA512), WithMGF(MGF1SHA1)}},
		{RSAOAEPMGF1P, []Option{WithOAEPParams([]byte("label"))}},
		{RSAOAEP, nil},
		{RSAOAEP, []Option{WithDigestMethod(DigestSHA256), WithMGF(MGF1SHA256)}},
		{RSAOAEP, []Option{WithDigestMethod(DigestSHA1), WithMGF(MGF1SHA256)}},
		{RSAOAEP, []Option{WithDigestMethod(DigestSHA384), WithMGF(MGF1SHA512)}},
		{RSAOAEP, []Option{WithDigestMethod(DigestSHA224), WithMGF(MGF1SHA224)}},
		{RSAOAEP, []Option{WithMGF(MGF1SHA384), WithOAEPParams([]byte{1, 2, 3})}},
		{RSA15, []Option{AllowRSA15()}},
	}
	for i, tc := range cases {
		for _, n := range []int{16, 24, 32} {
			t.Run(fmt.Sprintf("%d/%s/%d", i, tc.alg[strings.IndexByte(tc.alg, '#')+1:], n), func(t *testing.T) {
				key := make([]byte, n)
				rand.Read(key)
				w, err := WrapKey(tc.alg, &priv.PublicKey, key, nil, tc.opts...)
				if err != nil {
					t.Fatal(err)
				}
				if len(w) != priv.Size() {
					t.Fatalf("wrapped %d bytes", len(w))
				}
				got, err := UnwrapKey(tc.alg, priv, w, n, nil, tc.opts...)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(got, key) {
					t.Fatal("unwrapped key differs")
				}
			})
		}
	}
}

// TestOAEPParametersMatter checks that the DigestMethod/MGF/label options
// really change the encoding: unwrapping with other parameters gives a
// random key instead of the wrapped one.
func TestOAEPParametersMatter(t *testing.T) {
	priv := testKey(t)
	key := bytes.Repeat([]byte{7}, 16)
	w, err := WrapKey(RSAOAEP, &priv.PublicKey, key, nil, WithDigestMethod(DigestSHA256), WithMGF(MGF1SHA256))
	if err != nil {
		t.Fatal(err)
	}
	for _, opts := range [][]Option{
		nil,
		{WithDigestMethod(DigestSHA256)},
		{WithMGF(MGF1SHA256)},
		{WithDigestMethod(DigestSHA256), WithMGF(MGF1SHA256), WithOAEPParams([]byte("x"))},
	} {
		got, err := UnwrapKey(RSAOAEP, priv, w, 16, nil, opts...)
		if err != nil || len(got) != 16 || bytes.Equal(got, key) {
			t.Fatalf("mismatched parameters: %x, %v", got, err)
		}
	}
	// Cross-check with crypto/rsa directly: rsa-oaep-mgf1p + SHA-256 digest
	// means OAEP(SHA-256) with MGF1-SHA1.
	w, err = WrapKey(RSAOAEPMGF1P, &priv.PublicKey, key, nil, WithDigestMethod(DigestSHA256))
	if err != nil {
		t.Fatal(err)
	}
	pt, err := priv.Decrypt(nil, w, &rsa.OAEPOptions{Hash: crypto.SHA256, MGFHash: crypto.SHA1})
	if err != nil || !bytes.Equal(pt, key) {
		t.Fatalf("rsa-oaep-mgf1p with SHA-256 digest is not OAEP(SHA-256, MGF1-SHA1): %v", err)
	}
}

func TestUnwrapFailureGivesRandomKey(t *testing.T) {
	priv := testKey(t)
	key := bytes.Repeat([]byte{0x5a}, 32)
	for _, tc := range []struct {
		alg  string
		opts []Option
	}{
		{RSAOAEPMGF1P, nil},
		{RSAOAEP, []Option{WithMGF(MGF1SHA256)}},
		{RSA15, []Option{AllowRSA15()}},
	} {
		good, err := WrapKey(tc.alg, &priv.PublicKey, key, nil, tc.opts...)
		if err != nil {
			t.Fatal(err)
		}
		tampered := bytes.Clone(good)
		tampered[len(tampered)/2] ^= 0x10
		inputs := map[string][]byte{
			"empty":         nil,
			"short":         good[:len(good)-1],
			"long":          append(bytes.Clone(good), 0),
			"zeros":         make([]byte, len(good)),
			"ones":          bytes.Repeat([]byte{0xff}, len(good)), // above the modulus
			"tampered":      tampered,
			"garbage":       []byte("not a ciphertext at all"),
			"wrong length":  good, // decrypts fine, but to 32 bytes, not 16
			"wrong length2": good,
		}
		for name, in := range inputs {
			want := 16
			if name == "wrong length2" {
				want = 24
			}
			k1, err := UnwrapKey(tc.alg, priv, in, want, nil, tc.opts...)
			if err != nil {
				t.Fatalf("%s %s: error %v; failures must not be reported", tc.alg, name, err)
			}
			k2, _ := UnwrapKey(tc.alg, priv, in, want, nil, tc.opts...)
			if len(k1) != want || bytes.Equal(k1, k2) || bytes.Equal(k1, key[:want]) {
				t.Fatalf("%s %s: want two different random keys of %d bytes, got %x and %x", tc.alg, name, want, k1, k2)
			}
		}
		// The substitute comes from the given random source.
		fixed := bytes.Repeat([]byte{0xAB}, 16)
		k, err := UnwrapKey(tc.alg, priv, tampered, 16, bytes.NewReader(fixed), tc.opts...)
		if err != nil || !bytes.Equal(k, fixed) {
			t.Fatalf("%s: substitute not from random: %x %v", tc.alg, k, err)
		}
		// ...and a failing one is reported (it does not depend on the ciphertext).
		if _, err := UnwrapKey(tc.alg, priv, good, 32, bytes.NewReader(nil), tc.opts...); err == nil {
			t.Fatalf("%s: failing random source not reported", tc.alg)
		}
	}
}

func TestKeyTransportPolicyErrors(t *testing.T) {
	priv := testKey(t)
	pub := &priv.PublicKey
	key := make([]byte, 16)
	w, _ := WrapKey(RSAOAEPMGF1P, pub, key, nil)

	if _, err := WrapKey(RSA15, pub, key, nil); !errors.Is(err, ErrRSA15NotAllowed) {
		t.Errorf("WrapKey rsa-1_5 without AllowRSA15: %v", err)
	}
	if _, err := UnwrapKey(RSA15, priv, w, 16, nil); !errors.Is(err, ErrRSA15NotAllowed) {
		t.Errorf("UnwrapKey rsa-1_5 without AllowRSA15: %v", err)
	}
	for _, tc := range []struct {
		alg  string
		opts []Option
	}{
		{"urn:none", nil},
		{AES128CBC, nil},
		{KWAES128, nil},
		{NS + "rsa-oaep", nil},
		{RSAOAEPMGF1P, []Option{WithDigestMethod("http://www.w3.org/2001/04/xmldsig-more#md5")}},
		{RSAOAEPMGF1P, []Option{WithMGF(MGF1SHA256)}},
		{RSAOAEP, []Option{WithMGF(NS11 + "mgf1md5")}},
	} {
		if _, err := WrapKey(tc.alg, pub, key, nil, tc.opts...); !errors.Is(err, ErrUnsupportedAlgorithm) {
			t.Errorf("WrapKey(%s): %v", tc.alg, err)
		}
		if _, err := UnwrapKey(tc.alg, priv, w, 16, nil, tc.opts...); !errors.Is(err, ErrUnsupportedAlgorithm) {
			t.Errorf("UnwrapKey(%s): %v", tc.alg, err)
		}
	}
	if _, err := WrapKey(RSAOAEPMGF1P, nil, key, nil); !errors.Is(err, ErrInvalidKey) {
		t.Errorf("nil public key: %v", err)
	}
	if _, err := UnwrapKey(RSAOAEPMGF1P, nil, w, 16, nil); !errors.Is(err, ErrInvalidKey) {
		t.Errorf("nil private key: %v", err)
	}
	for _, n := range []int{-1, 0, MaxSessionKeySize + 1} {
		if _, err := UnwrapKey(RSAOAEPMGF1P, priv, w, n, nil); !errors.Is(err, ErrKeySize) {
			t.Errorf("wantLen %d: %v", n, err)
		}
	}
	for _, k := range [][]byte{nil, make([]byte, MaxSessionKeySize+1)} {
		if _, err := WrapKey(RSAOAEPMGF1P, pub, k, nil); !errors.Is(err, ErrKeySize) {
			t.Errorf("wrap %d bytes: %v", len(k), err)
		}
	}
	// A key too long for OAEP-SHA512 with a 2048-bit modulus is an error
	// of crypto/rsa, carrying no key bytes.
	secret := bytes.Repeat([]byte("SECRETKEY"), 15)[:MaxSessionKeySize] // > 256-2*64-2
	_, err := WrapKey(RSAOAEP, pub, secret, nil, WithDigestMethod(DigestSHA512))
	if err == nil || strings.Contains(err.Error(), "SECRETKEY") {
		t.Errorf("oversized OAEP message: %v", err)
	}
}

func FuzzUnwrapKey(f *testing.F) {
	priv := testKey(f)
	w, _ := WrapKey(RSAOAEPMGF1P, &priv.PublicKey, make([]byte, 16), nil)
	w15, _ := WrapKey(RSA15, &priv.PublicKey, make([]byte, 16), nil, AllowRSA15())
	f.Add(uint8(0), w, uint8(16))
	f.Add(uint8(1), w, uint8(24))
	f.Add(uint8(2), w15, uint8(16))
	f.Add(uint8(3), []byte{}, uint8(0))
	algs := []string{RSAOAEPMGF1P, RSAOAEP, RSA15, "urn:x"}
	f.Fuzz(func(t *testing.T, which uint8, wrapped []byte, n uint8) {
		alg := algs[int(which)%len(algs)]
		opts := []Option{AllowRSA15()}
		if which&4 != 0 {
			opts = append(opts, WithDigestMethod(DigestSHA256))
		}
		if which&8 != 0 {
			opts = append(opts, WithMGF(MGF1SHA256))
		}
		key, err := UnwrapKey(alg, priv, wrapped, int(n), nil, opts...)
		if err != nil {
			if key != nil {
				t.Fatal("key with error")
			}
			return
		}
		if len(key) != int(n) {
			t.Fatalf("got %d bytes, want %d", len(key), n)
		}
	})
}

func BenchmarkUnwrapKey(b *testing.B) {
	priv := testKey(b)
	key := make([]byte, 32)
	for _, alg := range []string{RSAOAEPMGF1P, RSA15} {
		w, err := WrapKey(alg, &priv.PublicKey, key, nil, AllowRSA15())
		if err != nil {
			b.Fatal(err)
		}
		b.Run(alg[strings.IndexByte(alg, '#')+1:]+"/2048", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := UnwrapKey(alg, priv, w, 32, nil, AllowRSA15()); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	w, _ := WrapKey(RSAOAEPMGF1P, &priv.PublicKey, key, nil)
	w[10] ^= 1
	b.Run("rsa-oaep-mgf1p/2048/invalid", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := UnwrapKey(RSAOAEPMGF1P, priv, w, 32, nil); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkWrapKey(b *testing.B) {
	priv := testKey(b)
	key := make([]byte, 32)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := WrapKey(RSAOAEPMGF1P, &priv.PublicKey, key, nil); err != nil {
			b.Fatal(err)
		}
	}
}
