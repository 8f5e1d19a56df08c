package wssecurity

import (
	"context"
	"strings"
	"testing"

	"github.com/beevik/etree"
	"github.com/soapstack/soapstack/soap"
)

func benchBody(size int) *etree.Element {
	p := etree.NewElement("e:order")
	p.CreateAttr("xmlns:e", "urn:bench")
	for n := 0; n < size; n += 60 {
		it := p.CreateElement("e:item")
		it.CreateAttr("id", "1234")
		it.SetText(strings.Repeat("x", 40))
	}
	return p
}

func benchRequest(size int) *soap.Message {
	m := soap.NewMessageWithBody(soap.V12, benchBody(size))
	a, _ := soap.RequestAddressing(soap.WSA10, "urn:bench", "http://svc/", nil)
	m.SetAddressing(a)
	return m
}

// benchmarkProtect measures the sender (sign+encrypt) and the receiver
// (verify+decrypt) of one request, including the serialization and parse
// in between, for a policy.
func benchmarkProtect(b *testing.B, p Policy, size int) {
	pki := newTestPKI(b)
	ccfg, scfg := pki.configs()
	p = p.WithDefaults()
	wireBytes := func() []byte {
		ex := &exchange{}
		s, err := newSender(p, &ccfg, true, ex)
		if err != nil {
			b.Fatal(err)
		}
		m := benchRequest(size)
		if err := s.secure(context.Background(), m); err != nil {
			b.Fatal(err)
		}
		out, _ := m.Bytes()
		return out
	}
	in := wireBytes()
	b.Run("sign+encrypt", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(in)))
		for b.Loop() {
			wireBytes()
		}
	})
	b.Run("verify+decrypt", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(in)))
		for b.Loop() {
			m, err := soap.ParseMessage(in, soap.Limits{})
			if err != nil {
				b.Fatal(err)
			}
			r := newReceiver(context.Background(), p, &scfg, false, &exchange{}, m)
			if err := r.process(); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func symmetricBenchPolicy() Policy {
	p := AnonymousForCertificate(Basic128)
	p.EncryptSignature = false
	p.RequireSignatureConfirmation = false
	return p
}

func asymmetricBenchPolicy() Policy {
	p := MutualCertificate(WSS10, Basic128)
	p.EncryptSignature = false
	return p
}

// The symmetric numbers include one RSA-OAEP key transport per message
// (the EncryptedKey of the request); a session (secureconv) avoids it.
func BenchmarkSymmetricHMACSHA1AES128_2KiB(b *testing.B) {
	benchmarkProtect(b, symmetricBenchPolicy(), 2<<10)
}
func BenchmarkSymmetricHMACSHA1AES128_50KiB(b *testing.B) {
	benchmarkProtect(b, symmetricBenchPolicy(), 50<<10)
}
func BenchmarkAsymmetricRSASHA1OAEP_2KiB(b *testing.B) {
	benchmarkProtect(b, asymmetricBenchPolicy(), 2<<10)
}
func BenchmarkAsymmetricRSASHA1OAEP_50KiB(b *testing.B) {
	benchmarkProtect(b, asymmetricBenchPolicy(), 50<<10)
}
