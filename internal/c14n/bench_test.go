package c14n

import (
	"crypto/sha1"
	"crypto/sha256"
	"fmt"
	"hash"
	"strings"
	"testing"

	"github.com/beevik/etree"
	dsig "github.com/russellhaering/goxmldsig"
	"github.com/russellhaering/goxmldsig/etreeutils"
)

// makeSOAP12 builds a WS-Security style SOAP 1.2 message whose size is about
// size bytes: a Security header with a Timestamp, WS-Addressing headers with
// wsu:Id, and a Body of order items (nested default and prefixed namespaces,
// attributes in several namespaces, text with characters to escape).
func makeSOAP12(size int) []byte {
	var sb strings.Builder
	sb.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` +
		`<soap:Envelope xmlns:soap="http://www.w3.org/2003/05/soap-envelope" xmlns:wsa="http://www.w3.org/2005/08/addressing" ` +
		`xmlns:wsu="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd">` +
		`<soap:Header><wsse:Security xmlns:wsse="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd" soap:mustUnderstand="true">` +
		`<wsu:Timestamp wsu:Id="TS-1"><wsu:Created>2026-01-01T00:00:00.000Z</wsu:Created><wsu:Expires>2026-01-01T00:05:00.000Z</wsu:Expires></wsu:Timestamp>` +
		`</wsse:Security>` +
		`<wsa:Action soap:mustUnderstand="true" wsu:Id="id-1">urn:example:orders:Submit</wsa:Action>` +
		`<wsa:MessageID wsu:Id="id-2">urn:uuid:6f1c0b7e-8a51-4c1a-9f57-2b8f1d3e4c5a</wsa:MessageID>` +
		`<wsa:To soap:mustUnderstand="true" wsu:Id="id-3">https://orders.example.org/service</wsa:To>` +
		`</soap:Header>` +
		`<soap:Body wsu:Id="id-4"><m:SubmitOrder xmlns:m="urn:example:orders" xmlns:x="urn:example:ext" m:version="2">`)
	const tail = `</m:SubmitOrder></soap:Body></soap:Envelope>`
	for i := 1; sb.Len()+len(tail) < size; i++ {
		fmt.Fprintf(&sb, `<m:Item id="%d" m:sku="SKU-%05d" x:flag="true">`+
			`<m:Name>Widget &amp; Co. &lt;type %d&gt;</m:Name><m:Qty>%d</m:Qty>`+
			`<m:Price currency="EUR">%d.50</m:Price><Note xmlns="urn:example:notes">fragile "handle" with care</Note></m:Item>`,
			i, i, i%7, i%5+1, i%100)
	}
	sb.WriteString(tail)
	return []byte(sb.String())
}

// manualDetach copies el with every in-scope namespace declaration put on the
// copy, like goxmldsig's NSDetatch but without its 1000-element limit, so
// that goxmldsig's canonicalization itself can be measured on big messages.
func manualDetach(el *etree.Element) (*etree.Element, error) {
	ctx, err := etreeutils.NSBuildParentContext(el)
	if err != nil {
		return nil, err
	}
	cp := el.Copy()
	for prefix, uri := range ctx.Prefixes() {
		switch {
		case prefix == "xml" || prefix == "xmlns":
		case prefix == "" && uri == xmlNamespace:
		case prefix == "":
			if cp.SelectAttr("xmlns") == nil {
				cp.CreateAttr("xmlns", uri)
			}
		default:
			if cp.SelectAttr("xmlns:"+prefix) == nil {
				cp.CreateAttr("xmlns:"+prefix, uri)
			}
		}
	}
	return cp, nil
}

type benchCase struct {
	name string
	size int
}

var benchCases = []benchCase{{"2KiB", 2 << 10}, {"50KiB", 50 << 10}}

var benchHashes = []struct {
	name string
	new  func() hash.Hash
}{{"sha256", sha256.New}, {"sha1", sha1.New}}

func benchBody(b *testing.B, size int) (*etree.Element, int) {
	doc, err := parse(makeSOAP12(size))
	if err != nil {
		b.Fatal(err)
	}
	body := doc.FindElement("//soap:Body")
	s, err := canonString(body)
	if err != nil {
		b.Fatal(err)
	}
	return body, len(s)
}

// BenchmarkCanonicalize measures this package: the Body of a SOAP 1.2
// message canonicalized into a hash, in place in its document.
func BenchmarkCanonicalize(b *testing.B) {
	for _, bc := range benchCases {
		for _, hc := range benchHashes {
			b.Run(bc.name+"/"+hc.name, func(b *testing.B) {
				body, n := benchBody(b, bc.size)
				h := hc.new()
				var sum []byte
				b.SetBytes(int64(n))
				b.ReportAllocs()
				b.ResetTimer()
				for b.Loop() {
					h.Reset()
					if err := Canonicalize(h, body); err != nil {
						b.Fatal(err)
					}
					sum = h.Sum(sum[:0])
				}
				b.ReportMetric(float64(testing.AllocsPerRun(10, func() { _ = Canonicalize(h, body) }))/float64(countElements(body)), "allocs/element")
			})
		}
	}
}

func countElements(el *etree.Element) int { return len(allElements(el)) }

// BenchmarkGoxmldsig measures goxmldsig on the same work: detach (NSDetatch,
// as goxmldsig's validator does), canonicalize, hash. At 50 KiB NSDetatch
// fails (the Body has more than 1000 elements); that is reported, and the
// "nolimit" variant measures goxmldsig's canonicalization after a detach
// without the limit.
func BenchmarkGoxmldsig(b *testing.B) {
	for _, bc := range benchCases {
		for _, hc := range benchHashes {
			for _, variant := range []string{"NSDetatch", "nolimit"} {
				b.Run(bc.name+"/"+hc.name+"/"+variant, func(b *testing.B) {
					body, n := benchBody(b, bc.size)
					h := hc.new()
					canon := dsig.MakeC14N10ExclusiveCanonicalizerWithPrefixList("")
					detach := func() (*etree.Element, error) {
						if variant == "nolimit" {
							return manualDetach(body)
						}
						ctx, err := etreeutils.NSBuildParentContext(body)
						if err != nil {
							return nil, err
						}
						return etreeutils.NSDetatch(ctx, body)
					}
					if _, err := detach(); err != nil {
						b.Skipf("goxmldsig cannot canonicalize this message: %v", err)
					}
					var sum []byte
					b.SetBytes(int64(n))
					b.ReportAllocs()
					b.ResetTimer()
					for b.Loop() {
						el, err := detach()
						if err != nil {
							b.Fatal(err)
						}
						out, err := canon.Canonicalize(el)
						if err != nil {
							b.Fatal(err)
						}
						h.Reset()
						h.Write(out)
						sum = h.Sum(sum[:0])
					}
				})
			}
		}
	}
}
