package secureconv

import (
	"bytes"
	"compress/flate"
	"crypto/aes"
	"crypto/cipher"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/soapstack/soapstack/soap"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// tSealRaw seals plaintext (the would-be DEFLATE stream) with AES-GCM
// under secret, independently of SealCookie, to build cookies SealCookie
// would never make.
func tSealRaw(t testing.TB, secret []byte, id uint32, plaintext []byte) []byte {
	t.Helper()
	block, err := aes.NewCipher(secret)
	require.NoError(t, err)
	aead, err := cipher.NewGCM(block)
	require.NoError(t, err)
	out := make([]byte, ckHeaderLen+ckNonceLen)
	out[0] = ckVersion1
	binary.BigEndian.PutUint32(out[1:], id)
	copy(out[ckHeaderLen:], "fixed nonce!")
	return aead.Seal(out, out[ckHeaderLen:], plaintext, out[:ckHeaderLen])
}

// tDeflate compresses b with raw DEFLATE.
func tDeflate(t testing.TB, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := flate.NewWriter(&buf, flate.BestCompression)
	require.NoError(t, err)
	_, err = w.Write(b)
	require.NoError(t, err)
	require.NoError(t, w.Close())
	return buf.Bytes()
}

// tRequireBadCookie checks that err is ErrBadCookie with the given cause.
func tRequireBadCookie(t testing.TB, err error, cause error, msgAndArgs ...any) {
	t.Helper()
	require.ErrorIs(t, err, ErrBadCookie, msgAndArgs...)
	if cause != nil {
		require.ErrorIs(t, err, cause, msgAndArgs...)
	}
}

func TestCookieRoundTrip(t *testing.T) {
	ring := tRing(t, "farm", 1, 2)
	tokens := map[string]*SessionToken{
		"typical":     tSampleToken(tTestStart),
		"certificate": tCertToken(tTestStart),
		"anonymous":   {ContextID: "urn:uuid:x", Key: make([]byte, 16), ValidTo: tTestStart.Add(time.Minute), Claims: Claims{Method: AuthAnonymous}},
	}
	for name, tok := range tokens {
		t.Run(name, func(t *testing.T) {
			c, err := SealCookie(ring, tok, nil, tTestStart)
			require.NoError(t, err)
			id, ok := CookieKeyID(c)
			require.True(t, ok)
			assert.Equal(t, uint32(2), id, "the last key seals")
			got, err := OpenCookie(ring, c, tTestStart)
			require.NoError(t, err)
			assert.Equal(t, tok, got)
			// Fresh nonce each time.
			c2, err := SealCookie(ring, tok, nil, tTestStart)
			require.NoError(t, err)
			assert.NotEqual(t, c, c2)
			assert.Equal(t, c[:ckHeaderLen], c2[:ckHeaderLen])
		})
	}
}

// TestCookieGolden opens a cookie written by the Python reference
// implementation of COOKIE.md (Python's zlib and cryptography, key id 7,
// secret 00 01 .. 1f).
func TestCookieGolden(t *testing.T) {
	const (
		ringFile = `{"keys": [{"id": 7, "secret": "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="}]}`
		cookie   = "wQAAAAdkZWZnaGlqa2xtbm8rfw5LVCPltBOvE1noLl63cY63Ql5ZvUTuA5kByO5x/dhcCBF5Xa1Pz75Mds4M/4VaCfZ3RNItvJhtpoSGIc4YYBp/ZUcnpQdfDH0lieKl4lBdmnWGryQLvo1uJi6iRJoBdp5sxGuHAhBVHkVCIslQXeGB0aYf2VSiCGUCr3rBi/+0SfmZhTeGgYV7zcDlDGKGbfDelfjN5koNlRrLIKuzddvlKJMZtotdplubfEz6oq9yrO9++tNaxn9fNrDiUYi0Xo9/LZTxgDwOATIcXIBi8TbmaPUxXReBZlyNhrRgiQdB3OUh/Ul/W+I64zD2EE3PgZXxomYtCw80Emt1Joo3rDLtWV5LXit8ltQi"
	)
	ring, err := ParseKeyRing([]byte(ringFile))
	require.NoError(t, err)
	data, err := base64.StdEncoding.DecodeString(cookie)
	require.NoError(t, err)
	got, err := OpenCookie(ring, data, tTestStart.Add(time.Hour))
	require.NoError(t, err)
	assert.Equal(t, tCertToken(tTestStart), got)
	_, err = OpenCookie(ring, data, tTestStart.Add(10*time.Hour))
	tRequireBadCookie(t, err, ErrCookieExpired)
}

func TestCookieTamperEveryByte(t *testing.T) {
	ring := tRing(t, "farm", 1)
	c, err := SealCookie(ring, tSampleToken(tTestStart), nil, tTestStart)
	require.NoError(t, err)
	for i := range c {
		for _, flip := range []byte{0x01, 0x80, 0xff} {
			b := bytes.Clone(c)
			b[i] ^= flip
			_, err := OpenCookie(ring, b, tTestStart)
			tRequireBadCookie(t, err, nil, "byte %d ^ %#x", i, flip)
		}
	}
}

func TestCookieTruncatedOrExtended(t *testing.T) {
	ring := tRing(t, "farm", 1)
	c, err := SealCookie(ring, tSampleToken(tTestStart), nil, tTestStart)
	require.NoError(t, err)
	for n := range len(c) {
		_, err := OpenCookie(ring, c[:n], tTestStart)
		tRequireBadCookie(t, err, nil, "truncated to %d", n)
	}
	_, err = OpenCookie(ring, append(bytes.Clone(c), 0), tTestStart)
	tRequireBadCookie(t, err, ErrCookieForged, "extended")
	_, err = OpenCookie(ring, nil, tTestStart)
	tRequireBadCookie(t, err, ErrCookieMalformed)
}

func TestCookieForeignRing(t *testing.T) {
	ours := tRing(t, "farm", 1)
	c, err := SealCookie(ours, tSampleToken(tTestStart), nil, tTestStart)
	require.NoError(t, err)

	_, err = OpenCookie(tRing(t, "other farm", 1), c, tTestStart)
	tRequireBadCookie(t, err, ErrCookieForged, "same id, other secret")
	_, err = OpenCookie(tRing(t, "farm", 2, 3), c, tTestStart)
	tRequireBadCookie(t, err, ErrCookieUnknownKey, "other ids")

	// A cookie whose key id was rewritten to another key of our ring: the
	// header is authenticated.
	two := tRing(t, "farm", 1, 2)
	b := bytes.Clone(c)
	binary.BigEndian.PutUint32(b[1:], 2)
	_, err = OpenCookie(two, b, tTestStart)
	tRequireBadCookie(t, err, ErrCookieForged, "key id swapped")
}

func TestCookieRotation(t *testing.T) {
	var now time.Time
	k1 := RingKey{ID: 1, Secret: tRingSecret("farm", 1)}
	now = tTestStart
	ring1, err := NewKeyRing(k1)
	require.NoError(t, err)
	old, err := SealCookie(ring1, tSampleToken(now), nil, now)
	require.NoError(t, err)

	// Step 1: the farm gets key 2, sealing from T+1h; key 1 still seals
	// until then, and both open.
	k2 := RingKey{ID: 2, Secret: tRingSecret("farm", 2), NotBefore: tTestStart.Add(time.Hour)}
	ring2, err := NewKeyRing(k1, k2)
	require.NoError(t, err)
	c, err := SealCookie(ring2, tSampleToken(now), nil, now)
	require.NoError(t, err)
	id, _ := CookieKeyID(c)
	assert.Equal(t, uint32(1), id, "key 2 not active yet")

	// Step 2: key 2 seals; cookies of key 1 still open.
	now = tTestStart.Add(time.Hour)
	c, err = SealCookie(ring2, tSampleToken(now), nil, now)
	require.NoError(t, err)
	id, _ = CookieKeyID(c)
	assert.Equal(t, uint32(2), id)
	_, err = OpenCookie(ring2, old, now)
	assert.NoError(t, err)
	_, err = OpenCookie(ring1, c, now)
	tRequireBadCookie(t, err, ErrCookieUnknownKey, "a node without key 2")

	// Step 3: key 1 retires at T+10h (when its last cookies expire).
	k1.NotAfter = tTestStart.Add(10 * time.Hour)
	ring3, err := NewKeyRing(k1, k2)
	require.NoError(t, err)
	_, err = OpenCookie(ring3, old, tTestStart.Add(10*time.Hour-time.Second))
	assert.NoError(t, err, "key 1 opens until it retires")
	long := tSampleToken(tTestStart)
	long.ValidTo = tTestStart.Add(20 * time.Hour)
	now = tTestStart
	oldLong, err := SealCookie(ring1, long, nil, now)
	require.NoError(t, err)
	_, err = OpenCookie(ring3, oldLong, tTestStart.Add(10*time.Hour))
	tRequireBadCookie(t, err, ErrCookieUnknownKey, "retired key")
	_, err = OpenCookie(ring3, c, tTestStart.Add(10*time.Hour))
	assert.NoError(t, err, "key 2 opens")
}

func TestCookieExpiry(t *testing.T) {
	ring := tRing(t, "farm", 1)
	tok := tSampleToken(tTestStart)
	c, err := SealCookie(ring, tok, nil, tTestStart)
	require.NoError(t, err)
	_, err = OpenCookie(ring, c, tok.ValidTo.Add(-time.Nanosecond))
	assert.NoError(t, err)
	_, err = OpenCookie(ring, c, tok.ValidTo)
	tRequireBadCookie(t, err, ErrCookieExpired)
	_, err = OpenCookie(ring, c, tok.ValidTo.Add(time.Hour))
	tRequireBadCookie(t, err, ErrCookieExpired)
	// ValidFrom is the caller's to check, with its clock skew allowance.
	_, err = OpenCookie(ring, c, tTestStart.Add(-time.Minute))
	assert.NoError(t, err)

	// A token with a zero ValidTo is not sealed, and would not open.
	tok.ValidTo = time.Time{}
	_, err = SealCookie(ring, tok, nil, tTestStart)
	assert.Error(t, err)
	plain, err := tok.MarshalBinary()
	require.NoError(t, err)
	_, err = OpenCookie(ring, tSealRaw(t, tRingSecret("farm", 1), 1, tDeflate(t, plain)), tTestStart)
	tRequireBadCookie(t, err, ErrCookieExpired)
}

func TestCookieSizeLimits(t *testing.T) {
	ring := tRing(t, "farm", 1)
	secret := tRingSecret("farm", 1)
	_, err := OpenCookie(ring, make([]byte, MaxCookieSize+1), tTestStart)
	tRequireBadCookie(t, err, ErrCookieTooLarge)

	// The largest token, with incompressible fields, fits in a cookie.
	prng := rand.New(rand.NewChaCha8([32]byte{1}))
	rnd := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(0x21 + prng.IntN(94)) // printable ASCII, random
		}
		return b
	}
	big := tSampleToken(tTestStart)
	big.ContextID = string(rnd(MaxContextIDLen))
	big.KeyGeneration = string(rnd(MaxContextIDLen))
	big.Key = rnd(MaxSessionKeyLen)
	big.Claims = Claims{Method: AuthCertificate, Username: string(rnd(MaxUsernameLen)), CertSubject: string(rnd(MaxCertSubjectLen)), CertThumbprintSHA256: rnd(32)}
	big.Endpoint = string(rnd(MaxEndpointLen))
	big.AppContext = rnd(MaxAppContextLen)
	c, err := SealCookie(ring, big, nil, tTestStart)
	require.NoError(t, err)
	assert.LessOrEqual(t, len(c), MaxCookieSize)
	t.Logf("largest token: %d bytes encoded, cookie %d bytes", big.encodedLen(), len(c))
	got, err := OpenCookie(ring, c, tTestStart)
	require.NoError(t, err)
	assert.Equal(t, big, got)

	// A version 2 token of MaxTokenEncodingLen bytes, every field random,
	// also fits; one byte more is refused when sealing.
	big2 := big.Clone()
	big2.AppContext = big2.AppContext[:1024]
	big2.Version, big2.CookieMode = V13, true
	big2.BootstrapToken = rnd(2048)
	big2.Identities = []soap.Identity{{AuthenticationMethod: string(rnd(MaxClaimTypeLen)), Claims: []soap.Claim{
		{Type: string(rnd(MaxClaimTypeLen)), Issuer: string(rnd(MaxClaimTypeLen))}}}}
	big2.Identities[0].Claims[0].Value = string(rnd(MaxTokenEncodingLen - big2.encodedLen()))
	require.Equal(t, MaxTokenEncodingLen, big2.encodedLen())
	c, err = SealCookie(ring, big2, nil, tTestStart)
	require.NoError(t, err)
	assert.LessOrEqual(t, len(c), MaxCookieSize)
	t.Logf("largest version 2 token: %d bytes encoded, cookie %d bytes", big2.encodedLen(), len(c))
	got, err = OpenCookie(ring, c, tTestStart)
	require.NoError(t, err)
	assert.Equal(t, big2, got)
	big2.Identities[0].Claims[0].Value += "x"
	_, err = SealCookie(ring, big2, nil, tTestStart)
	require.ErrorIs(t, err, ErrTokenTooLarge)

	// A well-sealed cookie of exactly MaxCookieSize bytes is not refused
	// for its size (its content is stored DEFLATE blocks of garbage).
	stored := tDeflateStored(MaxCookieSize - ckOverhead)
	c = tSealRaw(t, secret, 1, stored)
	require.Len(t, c, MaxCookieSize)
	_, err = OpenCookie(ring, c, tTestStart)
	tRequireBadCookie(t, err, ErrCookieMalformed)
}

// tDeflateStored returns a raw DEFLATE stream of exactly n bytes (n >= 6):
// one final stored block of n-5 bytes of 'x'.
func tDeflateStored(n int) []byte {
	l := n - 5
	b := []byte{1, byte(l), byte(l >> 8), ^byte(l), ^byte(l >> 8)}
	return append(b, bytes.Repeat([]byte{'x'}, l)...)
}

func TestCookieDecompressionBomb(t *testing.T) {
	ring := tRing(t, "farm", 1)
	secret := tRingSecret("farm", 1)
	tok := tSampleToken(tTestStart)
	plain, err := tok.MarshalBinary()
	require.NoError(t, err)

	tests := []struct {
		name    string
		content []byte // the DEFLATE stream sealed
		cause   error  // nil: opens
	}{
		{"control: a valid token", tDeflate(t, plain), nil},
		{"7 MiB of zeros (about the largest bomb that fits)", tDeflate(t, make([]byte, 7<<20)), ErrCookieTooLarge},
		{"one byte over the limit", tDeflate(t, make([]byte, MaxCookiePlaintext+1)), ErrCookieTooLarge},
		{"at the limit (then not a token)", tDeflate(t, make([]byte, MaxCookiePlaintext)), ErrCookieMalformed},
		{"token padded to the limit", tDeflate(t, append(bytes.Clone(plain), make([]byte, MaxCookiePlaintext-len(plain))...)), ErrCookieMalformed},
		{"not DEFLATE", []byte{0xff, 0xff, 0xff, 0xff}, ErrCookieMalformed},
		{"empty", nil, ErrCookieMalformed},
		{"truncated DEFLATE", tDeflate(t, plain)[:20], ErrCookieMalformed},
		{"data after the final block", append(tDeflate(t, plain), 0), ErrCookieMalformed},
		{"token with trailing byte", tDeflate(t, append(bytes.Clone(plain), 0)), ErrCookieMalformed},
		{"stored block", append([]byte{1, byte(len(plain)), byte(len(plain) >> 8), ^byte(len(plain)), ^byte(len(plain) >> 8)}, plain...), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := tSealRaw(t, secret, 1, tt.content)
			if len(c) > MaxCookieSize {
				t.Fatalf("test cookie of %d bytes", len(c))
			}
			got, err := OpenCookie(ring, c, tTestStart)
			if tt.cause == nil {
				require.NoError(t, err)
				assert.Equal(t, tok, got)
				return
			}
			tRequireBadCookie(t, err, tt.cause)
		})
	}
}

func TestCookieErrors(t *testing.T) {
	ring := tRing(t, "farm", 1)
	tok := tSampleToken(tTestStart)
	c, err := SealCookie(ring, tok, nil, tTestStart)
	require.NoError(t, err)

	_, err = SealCookie(nil, tok, nil, tTestStart)
	assert.Error(t, err)
	_, err = SealCookie(ring, nil, nil, tTestStart)
	assert.Error(t, err)
	_, err = OpenCookie(nil, c, tTestStart)
	assert.Error(t, err)
	_, err = SealCookie(&KeyRing{}, tok, nil, tTestStart)
	assert.ErrorIs(t, err, ErrNoSealingKey, "zero KeyRing")
	_, err = OpenCookie(&KeyRing{}, c, tTestStart)
	tRequireBadCookie(t, err, ErrCookieUnknownKey, "zero KeyRing")
	bad := tSampleToken(tTestStart)
	bad.Key = nil
	_, err = SealCookie(ring, bad, nil, tTestStart)
	assert.Error(t, err)
	assert.NotErrorIs(t, err, ErrBadCookie)
	_, err = SealCookie(ring, tok, strings.NewReader("short"), tTestStart)
	assert.Error(t, err, "failing rand")

	// Deterministic rand: the nonce is the first 12 bytes.
	c1, err := SealCookie(ring, tok, bytes.NewReader(bytes.Repeat([]byte{9}, 12)), tTestStart)
	require.NoError(t, err)
	assert.Equal(t, bytes.Repeat([]byte{9}, 12), c1[ckHeaderLen:ckHeaderLen+ckNonceLen])

	// Version byte.
	b := bytes.Clone(c)
	b[0] = 0xC2
	_, err = OpenCookie(ring, b, tTestStart)
	tRequireBadCookie(t, err, ErrCookieMalformed)
	// Base64 text instead of bytes.
	_, err = OpenCookie(ring, []byte(base64.StdEncoding.EncodeToString(c)), tTestStart)
	tRequireBadCookie(t, err, nil)

	// Error messages never hold key material.
	for _, e := range []error{
		func() error { _, err := OpenCookie(tRing(t, "x", 1), c, tTestStart); return err }(),
		func() error { _, err := OpenCookie(ring, c, tTestStart.Add(11*time.Hour)); return err }(),
		func() error { _, err := OpenCookie(tRing(t, "x", 5), c, tTestStart); return err }(),
	} {
		require.Error(t, e)
		assert.True(t, errors.Is(e, ErrBadCookie))
		for _, secret := range [][]byte{tok.Key, tRingSecret("farm", 1)} {
			assert.NotContains(t, e.Error(), string(secret))
			assert.NotContains(t, e.Error(), base64.StdEncoding.EncodeToString(secret))
		}
		assert.True(t, strings.HasPrefix(e.Error(), "secureconv: bad session cookie"), e.Error())
	}

	_, ok := CookieKeyID(c[:ckOverhead-1])
	assert.False(t, ok)
	_, ok = CookieKeyID(b)
	assert.False(t, ok)
}

// TestCookieConcurrent seals and opens from many goroutines with one ring
// (its pools are shared). Run with -race.
func TestCookieConcurrent(t *testing.T) {
	ring := tRing(t, "farm", 1, 2)
	done := make(chan error)
	for g := range 16 {
		go func() {
			var err error
			for i := 0; i < 200 && err == nil; i++ {
				tok := tSampleToken(tTestStart)
				tok.Key = bytes.Repeat([]byte{byte(g), byte(i)}, 16)
				var c []byte
				if c, err = SealCookie(ring, tok, nil, tTestStart); err != nil {
					break
				}
				var got *SessionToken
				if got, err = OpenCookie(ring, c, tTestStart); err == nil && !bytes.Equal(got.Key, tok.Key) {
					err = errors.New("wrong key")
				}
			}
			done <- err
		}()
	}
	for range 16 {
		require.NoError(t, <-done)
	}
}

func BenchmarkSealCookie(b *testing.B) {
	ring := tRing(b, "farm", 1)
	tok := tSampleToken(tTestStart)
	var size int
	b.ReportAllocs()
	for b.Loop() {
		c, err := SealCookie(ring, tok, nil, tTestStart)
		if err != nil {
			b.Fatal(err)
		}
		size = len(c)
	}
	plain, _ := tok.MarshalBinary()
	b.ReportMetric(float64(size), "cookie-bytes")
	b.ReportMetric(float64(base64.StdEncoding.EncodedLen(size)), "cookie-base64-bytes")
	b.ReportMetric(float64(len(plain)), "token-bytes")
}

func BenchmarkOpenCookie(b *testing.B) {
	ring := tRing(b, "farm", 1)
	c, err := SealCookie(ring, tSampleToken(tTestStart), nil, tTestStart)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := OpenCookie(ring, c, tTestStart); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(c)), "cookie-bytes")
}

// TestCookieTypicalSize reports the size of a typical version 2 cookie
// (COOKIE.md quotes it): username identity, 32-byte key, urn:uuid
// Identifier and Instance, a 49-byte endpoint.
func TestCookieTypicalSize(t *testing.T) {
	tok := tSampleToken(tTestStart)
	tok.Version, tok.CookieMode = V13, true
	tok.Identities = []soap.Identity{soap.UsernameIdentity("alice")}
	plain, err := tok.MarshalBinary()
	require.NoError(t, err)
	c, err := SealCookie(tRing(t, "farm", 1), tok, nil, tTestStart)
	require.NoError(t, err)
	t.Logf("typical token: %d bytes encoded, %d compressed, cookie %d bytes, %d base64", len(plain), len(tDeflate(t, plain)),
		len(c), base64.StdEncoding.EncodedLen(len(c)))
	assert.Less(t, len(c), 300)
}
