package psha1

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"testing"
)

type wss4jVectors struct {
	DefaultLabel   string `json:"default_label"`
	DerivedKeyCase []struct {
		ID     string `json:"id"`
		Secret string `json:"secret_b64"`
		Label  string `json:"label"`
		Nonce  string `json:"nonce_b64"`
		Offset int    `json:"offset"`
		Length int    `json:"length"`
		Key    string `json:"key_b64"`
	} `json:"derived_key_cases"`
	CombinedEntropyCases []struct {
		ID        string `json:"id"`
		Requestor string `json:"requestor_entropy_b64"`
		Responder string `json:"responder_entropy_b64"`
		KeyBits   int    `json:"keysize_bits"`
		Key       string `json:"key_b64"`
	} `json:"combined_entropy_cases"`
}

type vector struct {
	name           string
	secret, seed   []byte
	offset, length int
	want           []byte
}

func b64(t testing.TB, s string) []byte {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		t.Fatalf("bad base64 %q: %v", s, err)
	}
	return b
}

func loadWSS4J(t testing.TB) []vector {
	t.Helper()
	raw, err := os.ReadFile("testdata/psha1.json")
	if err != nil {
		t.Fatal(err)
	}
	var v wss4jVectors
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	var out []vector
	for _, c := range v.DerivedKeyCase {
		seed := append([]byte(c.Label), b64(t, c.Nonce)...)
		out = append(out, vector{c.ID, b64(t, c.Secret), seed, c.Offset, c.Length, b64(t, c.Key)})
	}
	for _, c := range v.CombinedEntropyCases {
		out = append(out, vector{c.ID, b64(t, c.Requestor), b64(t, c.Responder), 0, c.KeyBits / 8, b64(t, c.Key)})
	}
	return out
}

func TestWSS4JVectors(t *testing.T) {
	vs := loadWSS4J(t)
	if len(vs) != 50 {
		t.Fatalf("got %d vectors, want 50 (40 DKT + 10 combined entropy)", len(vs))
	}
	for _, v := range vs {
		t.Run(v.name, func(t *testing.T) {
			if len(v.want) != v.length {
				t.Fatalf("vector key is %d bytes, length says %d", len(v.want), v.length)
			}
			got, err := Derive(v.secret, v.seed, v.offset, v.length)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, v.want) {
				t.Fatalf("Derive = %x, want %x", got, v.want)
			}
			// The streaming reader gives the same bytes at the same offset.
			r := New(v.secret, v.seed)
			if _, err := io.CopyN(io.Discard, r, int64(v.offset)); err != nil {
				t.Fatal(err)
			}
			got2 := make([]byte, v.length)
			if _, err := io.ReadFull(r, got2); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got2, v.want) {
				t.Fatalf("Reader = %x, want %x", got2, v.want)
			}
		})
	}
}

func TestWCFCombinedEntropy(t *testing.T) {
	raw, err := os.ReadFile("testdata/wcf_combined_entropy.json")
	if err != nil {
		t.Fatal(err)
	}
	var v struct {
		Requestor string `json:"requestor_entropy_b64"`
		Responder string `json:"responder_entropy_b64"`
		KeyBits   int    `json:"keysize_bits"`
		Key       string `json:"key_b64"`
	}
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	got, err := Derive(b64(t, v.Requestor), b64(t, v.Responder), 0, v.KeyBits/8)
	if err != nil {
		t.Fatal(err)
	}
	if want := "H/N/QJpAIzvX652dTmpSKfx5jvchdVlWNaSPiPkNuP8="; base64.StdEncoding.EncodeToString(got) != want || v.Key != want {
		t.Fatalf("key = %s, want %s (json %s)", base64.StdEncoding.EncodeToString(got), want, v.Key)
	}
}

// reference is a direct, allocation-heavy transcription of the RFC 2246
// definition, used to check Derive at many offsets and lengths.
func reference(secret, seed []byte, n int) []byte {
	mac := func(data ...[]byte) []byte {
		h := hmac.New(sha1.New, secret)
		for _, d := range data {
			h.Write(d)
		}
		return h.Sum(nil)
	}
	var out []byte
	a := seed
	for len(out) < n {
		a = mac(a)
		out = append(out, mac(a, seed)...)
	}
	return out[:n]
}

func TestAgainstReference(t *testing.T) {
	secret := []byte("a secret of some length")
	seed := []byte("WS-SecureConversationWS-SecureConversation0123456789abcdef")
	full := reference(secret, seed, 400)
	for _, off := range []int{0, 1, 19, 20, 21, 39, 40, 41, 100, 199, 200} {
		for _, n := range []int{0, 1, 16, 19, 20, 21, 24, 32, 40, 64, 199} {
			got, err := Derive(secret, seed, off, n)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, full[off:off+n]) {
				t.Fatalf("offset %d length %d: got %x want %x", off, n, got, full[off:off+n])
			}
		}
	}
	// Reader with odd read sizes.
	r := New(secret, seed)
	var got []byte
	for _, n := range []int{1, 3, 7, 20, 0, 33, 64, 100, 172} {
		buf := make([]byte, n)
		m, err := r.Read(buf)
		if m != n || err != nil {
			t.Fatalf("Read(%d) = %d, %v", n, m, err)
		}
		got = append(got, buf...)
	}
	if !bytes.Equal(got, full) {
		t.Fatalf("reader stream differs from reference")
	}
}

func TestEmptyInputs(t *testing.T) {
	for _, tc := range []struct{ secret, seed []byte }{{nil, nil}, {nil, []byte("x")}, {[]byte("k"), nil}} {
		got, err := Derive(tc.secret, tc.seed, 5, 30)
		if err != nil {
			t.Fatal(err)
		}
		if want := reference(tc.secret, tc.seed, 35)[5:]; !bytes.Equal(got, want) {
			t.Fatalf("secret %q seed %q: got %x want %x", tc.secret, tc.seed, got, want)
		}
	}
	got, err := Derive([]byte("k"), []byte("s"), 0, 0)
	if err != nil || got == nil || len(got) != 0 {
		t.Fatalf("zero length: %v, %v", got, err)
	}
}

func TestBounds(t *testing.T) {
	secret := []byte("TOPSECRETVALUE")
	for _, tc := range []struct {
		offset, length int
		ok             bool
	}{
		{0, MaxLength, true},
		{MaxLength, 0, true},
		{MaxLength - 16, 16, true},
		{MaxLength - 15, 16, false},
		{0, MaxLength + 1, false},
		{-1, 16, false},
		{0, -1, false},
		{-1 << 62, 1 << 62, false},
		{1 << 62, 1 << 62, false},
		{int(^uint(0) >> 1), 1, false},
		{1, int(^uint(0) >> 1), false},
	} {
		t.Run(fmt.Sprintf("%d+%d", tc.offset, tc.length), func(t *testing.T) {
			got, err := Derive(secret, []byte("seed"), tc.offset, tc.length)
			if tc.ok {
				if err != nil || len(got) != tc.length {
					t.Fatalf("got %d bytes, %v", len(got), err)
				}
				return
			}
			if !errors.Is(err, ErrInvalidRange) {
				t.Fatalf("err = %v, want ErrInvalidRange", err)
			}
			if got != nil {
				t.Fatalf("returned data with error")
			}
			if bytes.Contains([]byte(err.Error()), secret) {
				t.Fatalf("error leaks the secret: %v", err)
			}
		})
	}
}

func TestInputsNotRetained(t *testing.T) {
	secret := []byte("secret")
	seed := []byte("seed-seed")
	r := New(secret, seed)
	want := reference([]byte("secret"), []byte("seed-seed"), 64)
	secret[0], seed[0] = 'X', 'X'
	got := make([]byte, 64)
	_, _ = r.Read(got)
	if !bytes.Equal(got, want) {
		t.Fatal("Reader depends on caller's buffers after New")
	}
}

func TestDeriveAllocs(t *testing.T) {
	secret := make([]byte, 32)
	seed := make([]byte, 58)
	small := testing.AllocsPerRun(100, func() { _, _ = Derive(secret, seed, 0, 16) })
	large := testing.AllocsPerRun(100, func() { _, _ = Derive(secret, seed, 0, 4096) })
	// The number of allocations must not grow with the number of blocks.
	if large != small {
		t.Fatalf("allocations grow with length: %v for 16 bytes, %v for 4096", small, large)
	}
}

func FuzzDerive(f *testing.F) {
	f.Add([]byte("secret"), []byte("WS-SecureConversationWS-SecureConversation"), uint16(0), uint16(16), uint16(32))
	f.Add([]byte{}, []byte{}, uint16(19), uint16(1), uint16(41))
	f.Add([]byte("k"), []byte("s"), uint16(65535), uint16(65535), uint16(3))
	f.Fuzz(func(t *testing.T, secret, seed []byte, off, n, m uint16) {
		o, a, b := int(off)%2048, int(n)%512, int(m)%512
		if a > b {
			a, b = b, a
		}
		short, err := Derive(secret, seed, o, a)
		if err != nil {
			t.Fatal(err)
		}
		long, err := Derive(secret, seed, o, b)
		if err != nil {
			t.Fatal(err)
		}
		if len(short) != a || len(long) != b {
			t.Fatalf("lengths %d/%d, want %d/%d", len(short), len(long), a, b)
		}
		if !bytes.HasPrefix(long, short) {
			t.Fatalf("Derive(.., %d, %d) is not a prefix of Derive(.., %d, %d)", o, a, o, b)
		}
		// Offsets are consistent too: [o+1:] of one is [o+1] derivation.
		if b > 0 {
			shifted, err := Derive(secret, seed, o+1, b-1)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(shifted, long[1:]) {
				t.Fatal("offset inconsistency")
			}
		}
		// Arbitrary (possibly invalid) raw values never panic.
		if got, err := Derive(secret, seed, int(int16(off))*8, int(int16(n))*8); err == nil && len(got) != int(int16(n))*8 {
			t.Fatalf("length not honoured")
		}
	})
}

func BenchmarkDerive(b *testing.B) {
	secret := make([]byte, 32)
	seed := append([]byte("WS-SecureConversationWS-SecureConversation"), make([]byte, 16)...)
	for _, n := range []int{16, 24, 32} {
		b.Run(fmt.Sprintf("%dB", n), func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(n))
			for b.Loop() {
				if _, err := Derive(secret, seed, 0, n); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkReader(b *testing.B) {
	r := New(make([]byte, 32), make([]byte, 58))
	buf := make([]byte, 4096)
	b.ReportAllocs()
	b.SetBytes(int64(len(buf)))
	for b.Loop() {
		_, _ = r.Read(buf)
	}
}
