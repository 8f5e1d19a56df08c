package secureconv

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"testing"
)

// FuzzOpenCookie feeds arbitrary bytes to OpenCookie: it must never panic,
// and fail only with ErrBadCookie. The seeds include valid cookies of the
// fuzzing ring, so that mutations reach the decompression and decoding
// behind the authentication only through the few the fuzzer can forge:
// those are covered by FuzzOpenCookieContent.
func FuzzOpenCookie(f *testing.F) {
	ring := tRing(f, "fuzz", 1, 2)
	for _, tok := range []*SessionToken{tSampleToken(tTestStart), tCertToken(tTestStart), tV2Token(tTestStart)} {
		c, err := SealCookie(ring, tok, nil, tTestStart)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(c)
		f.Add(c[:len(c)/2])
	}
	golden, _ := base64.StdEncoding.DecodeString("wQAAAAdkZWZnaGlqa2xtbm8rfw5LVCPltBOvE1noLl63cY63Ql5ZvUTuA5kByO5x")
	f.Add(golden)
	f.Add([]byte{ckVersion1, 0, 0, 0, 1})
	f.Add(make([]byte, ckOverhead))
	f.Fuzz(func(t *testing.T, data []byte) {
		tok, err := OpenCookie(ring, data, tTestStart)
		if err != nil {
			if !errors.Is(err, ErrBadCookie) {
				t.Fatalf("error not ErrBadCookie: %v", err)
			}
			return
		}
		if tok == nil || !tTestStart.Before(tok.ValidTo) {
			t.Fatal("opened an expired token")
		}
	})
}

// FuzzOpenCookieContent seals arbitrary content with the ring's key and
// opens it, exercising the decompression and the token decoding behind the
// authentication: never a panic, only ErrBadCookie or a token that encodes
// back to what was decompressed.
func FuzzOpenCookieContent(f *testing.F) {
	ring := tRing(f, "fuzz", 1)
	secret := tRingSecret("fuzz", 1)
	plain, err := tCertToken(tTestStart).MarshalBinary()
	if err != nil {
		f.Fatal(err)
	}
	f.Add(tDeflate(f, plain))
	plain2, err := tV2Token(tTestStart).MarshalBinary()
	if err != nil {
		f.Fatal(err)
	}
	f.Add(tDeflate(f, plain2))
	v1, _ := hex.DecodeString(tGoldenTokenHex)
	f.Add(tDeflate(f, v1))
	f.Add(tDeflateStored(len(plain) + 5))
	f.Add(tDeflate(f, make([]byte, 1<<20)))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, content []byte) {
		if len(content) > MaxCookieSize-ckOverhead {
			return
		}
		c := tSealRaw(t, secret, 1, content)
		tok, err := OpenCookie(ring, c, tTestStart)
		if err != nil {
			if !errors.Is(err, ErrBadCookie) {
				t.Fatalf("error not ErrBadCookie: %v", err)
			}
			return
		}
		if _, err := tok.MarshalBinary(); err != nil {
			t.Fatalf("opened token does not encode: %v", err)
		}
	})
}

// FuzzUnmarshalSessionToken checks that decoding never panics and that
// whatever decodes encodes back to the same bytes (the encoding is
// canonical), and that a round trip of the decoded token is stable.
func FuzzUnmarshalSessionToken(f *testing.F) {
	for _, tok := range []*SessionToken{
		tSampleToken(tTestStart),
		tCertToken(tTestStart),
		tV2Token(tTestStart),
		{ContextID: "c", Key: []byte{1}},
	} {
		b, err := tok.MarshalBinary()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte{1})
	f.Add([]byte{})
	// Found by the fuzzer: a time close to the zero time's code, in
	// the year 1677, must encode back.
	f.Add([]byte("\x01\x00\x010\x00\x00\x00\x010\x80\x00\x00\x00000000000000000000000000000000000000\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"))
	// Version 1 encodings.
	for _, h := range []string{tGoldenTokenHex} {
		b, _ := hex.DecodeString(h)
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var tok SessionToken
		if err := tok.UnmarshalBinary(data); err != nil {
			if !errors.Is(err, errTokenEncoding) {
				t.Fatalf("error not errTokenEncoding: %v", err)
			}
			return
		}
		b, err := tok.MarshalBinary()
		if err != nil {
			t.Fatalf("decoded token does not encode: %v", err)
		}
		want := data
		if data[0] == tEncodingV1 {
			// A version 1 token encodes as version 2 with empty new fields.
			want = append(append([]byte{tEncodingV2}, data[1:]...), 0, 0, 0, 0)
		}
		if !bytes.Equal(b, want) {
			t.Fatalf("round trip changed the encoding:\n in  %x\n out %x", data, b)
		}
		c := tok.Clone()
		var again SessionToken
		if err := again.UnmarshalBinary(b); err != nil {
			t.Fatal(err)
		}
		if c.ContextID != again.ContextID || !bytes.Equal(c.Key, again.Key) || !c.ValidTo.Equal(again.ValidTo) {
			t.Fatal("second decode differs")
		}
	})
}
