package xmlenc

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
)

func TestRoundTrip(t *testing.T) {
	sizes := []int{0, 1, 7, 8, 15, 16, 17, 31, 32, 33, 100, 1000, 4096}
	for _, a := range blockAlgs {
		for _, n := range sizes {
			t.Run(fmt.Sprintf("%s/%d", a.alg[strings.IndexByte(a.alg, '#')+1:], n), func(t *testing.T) {
				key := make([]byte, a.keySize)
				rand.Read(key)
				pt := make([]byte, n)
				rand.Read(pt)
				ct, err := Encrypt(a.alg, key, pt, nil)
				if err != nil {
					t.Fatal(err)
				}
				// Layout: IV ‖ ciphertext [‖ tag].
				if isGCM(a.alg) {
					if len(ct) != 12+n+16 {
						t.Fatalf("GCM output %d bytes, want %d", len(ct), 12+n+16)
					}
				} else {
					bs := 16
					if a.alg == TripleDESCBC {
						bs = 8
					}
					pad := bs - n%bs
					if len(ct) != bs+n+pad {
						t.Fatalf("CBC output %d bytes, want %d", len(ct), bs+n+pad)
					}
				}
				got, err := Decrypt(a.alg, key, ct)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(got, pt) {
					t.Fatal("round trip mismatch")
				}
				// A second encryption uses a fresh IV.
				ct2, err := Encrypt(a.alg, key, pt, nil)
				if err != nil {
					t.Fatal(err)
				}
				if bytes.Equal(ct[:8], ct2[:8]) {
					t.Fatal("IV repeated")
				}
			})
		}
	}
}

// TestCBCPaddingLayout checks the XML Encryption padding: random bytes then
// the pad length, 1..blocksize, by decrypting raw CBC output.
func TestCBCPaddingLayout(t *testing.T) {
	key := make([]byte, 16)
	b, _ := aes.NewCipher(key)
	for n := 0; n <= 32; n++ {
		ct, err := Encrypt(AES128CBC, key, bytes.Repeat([]byte{'x'}, n), nil)
		if err != nil {
			t.Fatal(err)
		}
		raw := make([]byte, len(ct)-16)
		cipher.NewCBCDecrypter(b, ct[:16]).CryptBlocks(raw, ct[16:])
		pad := 16 - n%16
		if int(raw[len(raw)-1]) != pad {
			t.Fatalf("n=%d: pad byte %d, want %d", n, raw[len(raw)-1], pad)
		}
	}
}

func TestDeterministicWithRandomReader(t *testing.T) {
	key := bytes.Repeat([]byte{1}, 16)
	r := bytes.NewReader(bytes.Repeat([]byte{0x42}, 64))
	ct, err := Encrypt(AES128CBC, key, []byte("hello"), r)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(ct[:16], bytes.Repeat([]byte{0x42}, 16)) {
		t.Fatal("IV not taken from the given reader")
	}
	// A failing reader is reported, with no key in the message.
	_, err = Encrypt(AES256GCM, make([]byte, 32), []byte("x"), bytes.NewReader(nil))
	if err == nil || !errors.Is(err, io.EOF) {
		t.Fatalf("err = %v, want wrapped EOF", err)
	}
	_, err = Encrypt(AES128CBC, key, []byte("x"), bytes.NewReader(make([]byte, 16)))
	if err == nil {
		t.Fatal("short random for padding not reported")
	}
}

func TestKeySizeErrors(t *testing.T) {
	secretKey := []byte("0123456789ABCDEF0123456789ABCDEF-extra")
	for _, a := range blockAlgs {
		for _, n := range []int{0, 1, 8, 15, 16, 17, 24, 31, 32, 33} {
			if n == a.keySize {
				continue
			}
			key := secretKey[:n]
			_, err := Encrypt(a.alg, key, []byte("x"), nil)
			if !errors.Is(err, ErrKeySize) {
				t.Fatalf("%s key %d: Encrypt err %v, want ErrKeySize", a.alg, n, err)
			}
			_, err = Decrypt(a.alg, key, make([]byte, 64))
			if !errors.Is(err, ErrKeySize) {
				t.Fatalf("%s key %d: Decrypt err %v, want ErrKeySize", a.alg, n, err)
			}
			if n >= 8 && strings.Contains(err.Error(), string(key)) {
				t.Fatalf("error leaks key: %v", err)
			}
		}
		if got, err := KeySize(a.alg); err != nil || got != a.keySize {
			t.Fatalf("KeySize(%s) = %d, %v", a.alg, got, err)
		}
	}
}

func TestUnsupportedAlgorithm(t *testing.T) {
	for _, alg := range []string{"", "aes128-cbc", NS + "aes128-gcm", NS11 + "aes128-cbc", RSAOAEPMGF1P, KWAES128, NS + "kw-tripledes", "http://www.w3.org/2001/04/xmlenc#AES128-CBC"} {
		if _, err := Encrypt(alg, make([]byte, 16), nil, nil); !errors.Is(err, ErrUnsupportedAlgorithm) {
			t.Errorf("Encrypt(%q) err %v", alg, err)
		}
		if _, err := Decrypt(alg, make([]byte, 16), make([]byte, 32)); !errors.Is(err, ErrUnsupportedAlgorithm) {
			t.Errorf("Decrypt(%q) err %v", alg, err)
		}
		if _, err := NewCipher(alg, make([]byte, 16)); !errors.Is(err, ErrUnsupportedAlgorithm) {
			t.Errorf("NewCipher(%q) err %v", alg, err)
		}
	}
	if _, err := KeySize("urn:nope"); !errors.Is(err, ErrUnsupportedAlgorithm) {
		t.Errorf("KeySize err %v", err)
	}
}

// cbcWithPadByte encrypts one block whose last plaintext byte is pad.
func cbcWithPadByte(t *testing.T, key []byte, pad byte) []byte {
	t.Helper()
	b, _ := aes.NewCipher(key)
	out := make([]byte, 32)
	copy(out[16:], "fifteen bytes..")
	out[31] = pad
	cipher.NewCBCEncrypter(b, out[:16]).CryptBlocks(out[16:], out[16:])
	return out
}

func TestDecryptNegative(t *testing.T) {
	key := make([]byte, 16)
	rand.Read(key)
	good, _ := Encrypt(AES128CBC, key, []byte("some plaintext that spans blocks"), nil)
	gcmKey := make([]byte, 32)
	rand.Read(gcmKey)
	gcmGood, _ := Encrypt(AES256GCM, gcmKey, []byte("authenticated"), nil)
	tdesKey := make([]byte, 24)
	rand.Read(tdesKey)
	tdesGood, _ := Encrypt(TripleDESCBC, tdesKey, []byte("des"), nil)

	flip := func(b []byte, i int) []byte {
		c := bytes.Clone(b)
		c[(i+len(c))%len(c)] ^= 1
		return c
	}
	cases := []struct {
		name string
		alg  string
		key  []byte
		data []byte
	}{
		{"cbc empty", AES128CBC, key, nil},
		{"cbc IV only", AES128CBC, key, good[:16]},
		{"cbc short IV", AES128CBC, key, good[:10]},
		{"cbc truncated mid-block", AES128CBC, key, good[:len(good)-1]},
		{"cbc extra byte", AES128CBC, key, append(bytes.Clone(good), 0)},
		{"cbc pad byte 0", AES128CBC, key, cbcWithPadByte(t, key, 0)},
		{"cbc pad byte 17", AES128CBC, key, cbcWithPadByte(t, key, 17)},
		{"cbc pad byte 255", AES128CBC, key, cbcWithPadByte(t, key, 255)},
		{"3des short", TripleDESCBC, tdesKey, tdesGood[:8]},
		{"3des misaligned", TripleDESCBC, tdesKey, tdesGood[:12]},
		{"gcm empty", AES256GCM, gcmKey, nil},
		{"gcm short IV", AES256GCM, gcmKey, gcmGood[:8]},
		{"gcm no tag", AES256GCM, gcmKey, gcmGood[:12+13]},
		{"gcm one byte short", AES256GCM, gcmKey, gcmGood[:len(gcmGood)-1]},
		{"gcm tampered tag", AES256GCM, gcmKey, flip(gcmGood, -1)},
		{"gcm tampered ciphertext", AES256GCM, gcmKey, flip(gcmGood, 14)},
		{"gcm tampered IV", AES256GCM, gcmKey, flip(gcmGood, 0)},
		{"gcm wrong key", AES256GCM, make([]byte, 32), gcmGood},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Decrypt(tc.alg, tc.key, tc.data)
			if err != ErrDecrypt { // exactly the sentinel: no detail
				t.Fatalf("err = %v, want ErrDecrypt", err)
			}
			if got != nil {
				t.Fatal("plaintext returned with error")
			}
		})
	}
	// Valid pad lengths at the edges are accepted: only the last byte counts.
	for _, pad := range []byte{1, 16} {
		got, err := Decrypt(AES128CBC, key, cbcWithPadByte(t, key, pad))
		if err != nil || len(got) != 16-int(pad) {
			t.Fatalf("pad %d: %d bytes, %v", pad, len(got), err)
		}
	}
	// The input is not modified.
	c := bytes.Clone(good)
	if _, err := Decrypt(AES128CBC, key, c); err != nil || !bytes.Equal(c, good) {
		t.Fatal("Decrypt modified its input")
	}
}

// TestCBCMalleability documents why XML Encryption CBC needs a signature
// over the ciphertext: flipping an IV bit decrypts without error to a
// plaintext with the same bit flipped.
func TestCBCMalleability(t *testing.T) {
	key := make([]byte, 16)
	pt := []byte("<Ping xmlns=\"http://example.org/ping\"/>")
	ct, _ := Encrypt(AES128CBC, key, pt, nil)
	ct[13] ^= 0x20
	got, err := Decrypt(AES128CBC, key, ct)
	if err != nil {
		t.Fatal(err)
	}
	want := bytes.Clone(pt)
	want[13] ^= 0x20
	if !bytes.Equal(got, want) {
		t.Fatalf("got %q", got)
	}
}

func TestCipherReuseConcurrent(t *testing.T) {
	for _, a := range blockAlgs {
		key := make([]byte, a.keySize)
		rand.Read(key)
		c, err := NewCipher(a.alg, key)
		if err != nil {
			t.Fatal(err)
		}
		if c.Algorithm() != a.alg {
			t.Fatal("Algorithm()")
		}
		clear(key) // the cipher keeps its own key schedule; round trips below still work
		var wg sync.WaitGroup
		for g := 0; g < 8; g++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < 50; i++ {
					pt := make([]byte, i*7)
					rand.Read(pt)
					ct, err := c.Encrypt(pt, nil)
					if err != nil {
						t.Error(err)
						return
					}
					got, err := c.Decrypt(ct)
					if err != nil || !bytes.Equal(got, pt) {
						t.Errorf("%s: concurrent round trip failed: %v", a.alg, err)
						return
					}
				}
			}()
		}
		wg.Wait()
	}
}

func FuzzDecrypt(f *testing.F) {
	for i, a := range blockAlgs {
		key := bytes.Repeat([]byte{byte(i + 1)}, a.keySize)
		ct, _ := Encrypt(a.alg, key, []byte("seed plaintext"), nil)
		f.Add(uint8(i), key, ct)
	}
	f.Add(uint8(0), []byte{}, []byte{})
	f.Add(uint8(200), make([]byte, 16), make([]byte, 32))
	f.Fuzz(func(t *testing.T, which uint8, key, data []byte) {
		alg := "urn:unknown"
		if int(which) < len(blockAlgs) {
			alg = blockAlgs[which].alg
		}
		orig := bytes.Clone(data)
		pt, err := Decrypt(alg, key, data)
		if !bytes.Equal(orig, data) {
			t.Fatal("input modified")
		}
		if err != nil {
			if pt != nil {
				t.Fatal("plaintext with error")
			}
			if !errors.Is(err, ErrDecrypt) && !errors.Is(err, ErrKeySize) && !errors.Is(err, ErrUnsupportedAlgorithm) {
				t.Fatalf("unexpected error %v", err)
			}
			return
		}
		if len(pt) >= len(data) {
			t.Fatal("plaintext not shorter than data")
		}
		// Whatever decrypts re-encrypts and decrypts to the same plaintext.
		ct, err := Encrypt(alg, key, pt, nil)
		if err != nil {
			t.Fatal(err)
		}
		pt2, err := Decrypt(alg, key, ct)
		if err != nil || !bytes.Equal(pt, pt2) {
			t.Fatal("re-encryption round trip failed")
		}
	})
}

func BenchmarkBlock(b *testing.B) {
	for _, alg := range []string{AES128CBC, AES256GCM} {
		key := make([]byte, 16)
		if alg == AES256GCM {
			key = make([]byte, 32)
		}
		c, err := NewCipher(alg, key)
		if err != nil {
			b.Fatal(err)
		}
		name := alg[strings.IndexByte(alg, '#')+1:]
		for _, size := range []int{2 << 10, 50 << 10} {
			pt := make([]byte, size)
			ct := mustEncryptB(b, c, pt)
			b.Run(fmt.Sprintf("%s/encrypt/%dKiB", name, size>>10), func(b *testing.B) {
				b.ReportAllocs()
				b.SetBytes(int64(size))
				for b.Loop() {
					if _, err := c.Encrypt(pt, nil); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run(fmt.Sprintf("%s/decrypt/%dKiB", name, size>>10), func(b *testing.B) {
				b.ReportAllocs()
				b.SetBytes(int64(size))
				for b.Loop() {
					if _, err := c.Decrypt(ct); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
		b.Run(name+"/NewCipher", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := NewCipher(alg, key); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func mustEncryptB(b *testing.B, c *BlockCipher, pt []byte) []byte {
	ct, err := c.Encrypt(pt, nil)
	if err != nil {
		b.Fatal(err)
	}
	return ct
}
