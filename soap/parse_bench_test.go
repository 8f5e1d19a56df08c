package soap

import (
	"bytes"
	"testing"

	"github.com/soapstack/soapstack/internal/xmlutil"
)

// benchFragment returns the serialized payload of a benchEnvelope of about
// size bytes (what a decrypted Body holds) and the Body it belongs in.
func benchFragment(b *testing.B, size int) ([]byte, *Message) {
	b.Helper()
	m, err := ParseMessage(benchEnvelope(b, size), Limits{})
	if err != nil {
		b.Fatal(err)
	}
	var buf bytes.Buffer
	m.Payload().WriteTo(&buf, &m.Doc.WriteSettings)
	return buf.Bytes(), m
}

func benchmarkParseFragment(b *testing.B, size int) {
	frag, m := benchFragment(b, size)
	b.SetBytes(int64(len(frag)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := xmlutil.ParseFragment(frag, m.Body, Limits{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseFragment2KiB(b *testing.B)  { benchmarkParseFragment(b, 2<<10) }
func BenchmarkParseFragment50KiB(b *testing.B) { benchmarkParseFragment(b, 50<<10) }

// BenchmarkParseOnly2KiB and 50KiB measure parseDocument alone (no
// addressing, no serialization).
func benchmarkParseOnly(b *testing.B, size int) {
	in := benchEnvelope(b, size)
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := xmlutil.ParseDocument(bytes.NewReader(in), Limits{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseOnly2KiB(b *testing.B)  { benchmarkParseOnly(b, 2<<10) }
func BenchmarkParseOnly50KiB(b *testing.B) { benchmarkParseOnly(b, 50<<10) }

// The same with the encoding/xml based parser it replaced, for comparison.
func benchmarkParseOnlyStd(b *testing.B, size int) {
	in := benchEnvelope(b, size)
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := parseDocumentStd(bytes.NewReader(in), Limits{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseOnlyStd2KiB(b *testing.B)  { benchmarkParseOnlyStd(b, 2<<10) }
func BenchmarkParseOnlyStd50KiB(b *testing.B) { benchmarkParseOnlyStd(b, 50<<10) }
