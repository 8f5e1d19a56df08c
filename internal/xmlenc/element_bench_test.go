package xmlenc

import (
	"fmt"
	"strings"
	"testing"

	"github.com/soapstack/soapstack/internal/xmlutil"
	"github.com/soapstack/soapstack/soap"
)

// benchEnvelope returns a SOAP 1.2 envelope whose Body content serializes
// to about size bytes: a list of items with attributes and text, using a
// prefix declared on the Envelope.
func benchEnvelope(size int) string {
	var b strings.Builder
	b.WriteString(`<m:Order xmlns:x="urn:example:x">`)
	for i := 0; b.Len() < size-20; i++ {
		fmt.Fprintf(&b, `<m:Item id="i%d" x:q="%d"><m:Name>item &amp; %d</m:Name><m:Price>%d.95</m:Price></m:Item>`, i, i%7, i, i)
	}
	b.WriteString(`</m:Order>`)
	return `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:m="urn:example:m"><s:Header/><s:Body>` +
		b.String() + `</s:Body></s:Envelope>`
}

// BenchmarkEncryptDecryptBody encrypts the Body content of a parsed
// envelope into an EncryptedData and decrypts it back in place, per
// iteration (the tree is the same after each round).
func BenchmarkEncryptDecryptBody(b *testing.B) {
	for _, alg := range []string{AES128CBC, AES256GCM} {
		for _, size := range []int{2 << 10, 50 << 10} {
			b.Run(fmt.Sprintf("%s/%dKiB", shortAlg(alg), size>>10), func(b *testing.B) {
				m, err := soap.ParseMessage([]byte(benchEnvelope(size)), xmlutil.Limits{})
				if err != nil {
					b.Fatal(err)
				}
				c, _ := newTestCipher(b, alg)
				want := canonToks(m.Body.Child)
				b.SetBytes(int64(len(want)))
				b.ReportAllocs()
				b.ResetTimer()
				for b.Loop() {
					ed, err := EncryptElement(m.Body, c, TypeContent, "ED-1", nil, nil)
					if err != nil {
						b.Fatal(err)
					}
					if _, err := DecryptData(ed, c, xmlutil.Limits{}); err != nil {
						b.Fatal(err)
					}
				}
				b.StopTimer()
				if got := canonToks(m.Body.Child); got != want {
					b.Fatal("round trip changed the Body")
				}
			})
		}
	}
}
