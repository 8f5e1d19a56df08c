package xmlwrite

import (
	"bufio"
	"io"
	"strings"
	"testing"

	"github.com/beevik/etree"
)

// benchTree returns a SOAP-like tree of about size bytes whose text needs
// escaping now and then, as the interop echo text does.
func benchTree(size int) *etree.Document {
	doc := etree.NewDocument()
	env := doc.CreateElement("s:Envelope")
	env.CreateAttr("xmlns:s", "http://www.w3.org/2003/05/soap-envelope")
	env.CreateAttr("xmlns:a", "http://www.w3.org/2005/08/addressing")
	h := env.CreateElement("s:Header")
	act := h.CreateElement("a:Action")
	act.CreateAttr("s:mustUnderstand", "1")
	act.SetText("http://InteropBaseAddress/interop/IPingService/echo")
	h.CreateElement("a:MessageID").SetText("urn:uuid:0f7c5b8e-7c1d-4c38-9d0e-7d6a3c1e5b2a")
	p := env.CreateElement("s:Body").CreateElement("tns:echo")
	p.CreateAttr("xmlns:tns", "http://InteropBaseAddress/interop")
	line := "soapstack large body 0123456789 abcdefghijklmnopqrstuvwxyz <&> ABCDEFGHIJKLMNOPQRSTUVWXYZ\n"
	p.CreateElement("tns:request").SetText(strings.Repeat(line, size/len(line)+1)[:size])
	return doc
}

func BenchmarkAppendDocument2KiB(b *testing.B) {
	doc := benchTree(2 << 10)
	dst := AppendDocument(nil, doc)
	b.SetBytes(int64(len(dst)))
	b.ReportAllocs()
	for b.Loop() {
		dst = AppendDocument(dst[:0], doc)
	}
}

func BenchmarkWriteDocument2KiB(b *testing.B) {
	doc := benchTree(2 << 10)
	b.SetBytes(int64(len(AppendDocument(nil, doc))))
	b.ReportAllocs()
	for b.Loop() {
		_, _ = WriteDocument(io.Discard, doc)
	}
}

// BenchmarkEtreeWriteTo2KiB is etree's serializer on the same tree, for
// comparison (what soap.Message.WriteTo used before).
func BenchmarkEtreeWriteTo2KiB(b *testing.B) {
	doc := benchTree(2 << 10)
	b.SetBytes(int64(len(AppendDocument(nil, doc))))
	b.ReportAllocs()
	for b.Loop() {
		_, _ = doc.WriteTo(io.Discard)
	}
}

// BenchmarkEtreeCanonical2KiB is etree with the escaping this package
// matches, writing into a reused buffer.
func BenchmarkEtreeCanonical2KiB(b *testing.B) {
	doc := benchTree(2 << 10)
	b.SetBytes(int64(len(AppendDocument(nil, doc))))
	w := bufio.NewWriterSize(io.Discard, 8<<10)
	s := etree.WriteSettings{CanonicalText: true, CanonicalAttrVal: true}
	b.ReportAllocs()
	for b.Loop() {
		doc.Root().WriteTo(w, &s)
		_ = w.Flush()
	}
}
