package soap

import (
	"context"
	"io"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/beevik/etree"
)

// benchEnvelope returns a SOAP 1.2 request of about size bytes with WS-A
// headers and a body of repeated items.
func benchEnvelope(b *testing.B, size int) []byte {
	b.Helper()
	p := etree.NewElement("t:order")
	p.CreateAttr("xmlns:t", "urn:bench")
	m := NewMessageWithBody(V12, p)
	a, _ := RequestAddressing(WSA10, "urn:bench/op", "http://127.0.0.1/soap12", nil)
	m.SetAddressing(a)
	for i := 0; ; i++ {
		it := p.CreateElement("t:item")
		it.CreateAttr("id", strings.Repeat("7", 4))
		it.CreateElement("t:name").SetText("widget & gadget")
		it.CreateElement("t:qty").SetText("12")
		out, _ := m.Bytes()
		if len(out) >= size {
			return out
		}
	}
}

func benchmarkParseSerialize(b *testing.B, size int) {
	in := benchEnvelope(b, size)
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		m, err := ParseMessage(in, Limits{})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := m.WriteTo(io.Discard); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseSerialize2KiB(b *testing.B)  { benchmarkParseSerialize(b, 2<<10) }
func BenchmarkParseSerialize50KiB(b *testing.B) { benchmarkParseSerialize(b, 50<<10) }

func BenchmarkHTTPRoundTrip2KiB(b *testing.B) {
	mux := NewServeMux()
	mux.HandleFunc("urn:bench/op", func(ctx context.Context, req *Message) (*Message, error) {
		return Reply(req, "urn:bench/opResponse", req.Payload())
	})
	// The envelope's To names a fixed address, not the test server's.
	srv := httptest.NewServer(NewHTTPHandler(mux, WithToCheck(false)))
	defer srv.Close()
	cli := NewHTTPClient(srv.URL)
	in := benchEnvelope(b, 2<<10)
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		req, err := ParseMessage(in, Limits{})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := cli.Call(context.Background(), req); err != nil {
			b.Fatal(err)
		}
	}
}
