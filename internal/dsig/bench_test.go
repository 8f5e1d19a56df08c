package dsig

import (
	"fmt"
	"testing"
)

// benchCases are the message sizes and signature methods of the
// benchmarks: a SOAP 1.2 message whose Body payload is 2 KiB or 50 KiB,
// references Body, Timestamp and To with SHA-1 digests (WCF's Basic256
// suite), HMAC-SHA1 or RSA-SHA1 (2048-bit).
func benchCases(b *testing.B) []struct {
	name            string
	size            int
	method          string
	signKey, verKey any
} {
	k := testRSAKey(b)
	var cs []struct {
		name            string
		size            int
		method          string
		signKey, verKey any
	}
	for _, size := range []int{2 << 10, 50 << 10} {
		for _, m := range []struct {
			name     string
			method   string
			sig, ver any
		}{
			{"hmac-sha1", AlgHMACSHA1, testHMACKey, testHMACKey},
			{"rsa-sha1", AlgRSASHA1, k, &k.PublicKey},
		} {
			cs = append(cs, struct {
				name            string
				size            int
				method          string
				signKey, verKey any
			}{fmt.Sprintf("%s/%dKiB", m.name, size>>10), size, m.method, m.sig, m.ver})
		}
	}
	return cs
}

func BenchmarkSign(b *testing.B) {
	for _, c := range benchCases(b) {
		b.Run(c.name, func(b *testing.B) {
			m := parseMsg(b, envelope(c.size))
			opts := SignOptions{References: m.refs(AlgSHA1), SignatureMethod: c.method, Key: c.signKey, Context: m.security}
			b.SetBytes(int64(len(m.String())))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Sign(opts); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkVerify measures what a receiver does after parsing: build the ID
// index and verify.
func BenchmarkVerify(b *testing.B) {
	for _, c := range benchCases(b) {
		b.Run(c.name, func(b *testing.B) {
			m := parseMsg(b, envelope(c.size))
			m.signInto(b, SignOptions{References: m.refs(AlgSHA1), SignatureMethod: c.method, Key: c.signKey})
			m = m.reparse(b)
			sig := m.signature()
			opts := VerifyOptions{KeyResolver: fixedKey(c.verKey)}
			b.SetBytes(int64(len(m.String())))
			b.ReportAllocs()
			for b.Loop() {
				idx, err := NewIDIndex(m.env)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := Verify(sig, idx, opts); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
