package xmlparse

import (
	"fmt"
	"strings"
	"testing"
)

// benchDoc returns a SOAP-like envelope of about size bytes: a header with
// namespaced, attributed elements and a body of small items.
func benchDoc(size int) []byte {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	b.WriteString(`<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:a="http://www.w3.org/2005/08/addressing" xmlns:u="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd">`)
	b.WriteString(`<s:Header><a:Action s:mustUnderstand="1" u:Id="_1">urn:bench/op</a:Action>`)
	b.WriteString(`<a:MessageID u:Id="_2">urn:uuid:8d3b2c1e-5f4a-4b6c-9d7e-1a2b3c4d5e6f</a:MessageID>`)
	b.WriteString(`<a:To s:mustUnderstand="1" u:Id="_3">http://127.0.0.1/soap12</a:To></s:Header>`)
	b.WriteString(`<s:Body u:Id="_4"><t:order xmlns:t="urn:bench">`)
	for i := 0; b.Len() < size-40; i++ {
		fmt.Fprintf(&b, `<t:item id="%d"><t:name>widget &amp; gadget</t:name><t:qty>12</t:qty></t:item>`, i)
	}
	b.WriteString(`</t:order></s:Body></s:Envelope>`)
	return []byte(b.String())
}

func benchmarkParse(b *testing.B, size int) {
	in := benchDoc(size)
	buf := make([]byte, len(in))
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		copy(buf, in)
		if _, err := Parse(buf, Limits{}); err != nil {
			b.Fatal(err)
		}
		buf = make([]byte, len(in))
	}
}

func BenchmarkParse2KiB(b *testing.B)  { benchmarkParse(b, 2<<10) }
func BenchmarkParse50KiB(b *testing.B) { benchmarkParse(b, 50<<10) }

// BenchmarkScan50KiB measures the first pass alone.
func BenchmarkScan50KiB(b *testing.B) {
	in := benchDoc(50 << 10)
	buf := make([]byte, len(in))
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		copy(buf, in)
		p := pool.Get().(*parser)
		p.buf, p.lim = buf, Limits{}.withDefaults()
		if err := p.scan(); err != nil {
			b.Fatal(err)
		}
		p.reset()
		pool.Put(p)
	}
}

func BenchmarkParseText4MiB(b *testing.B) {
	in := []byte("<a>" + strings.Repeat("text &amp; more\r\n", 4<<20/17-1) + "</a>")
	buf := make([]byte, len(in))
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		copy(buf, in)
		if _, err := Parse(buf, Limits{}); err != nil {
			b.Fatal(err)
		}
	}
}
