package soap

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/beevik/etree"
)

// The plain-path server benchmarks serve the interop IPingService echo
// (interop.PingService, rebuilt here because soap cannot import interop):
// a SOAP 1.2 / WS-Addressing 1.0 request with a 2 KiB text, answered with
// the same text.

const (
	benchNSPing     = "http://InteropBaseAddress/interop"
	benchActionEcho = benchNSPing + "/IPingService/echo"
)

func benchPing(name, child, text string) *etree.Element {
	el := etree.NewElement("tns:" + name)
	el.CreateAttr("xmlns:tns", benchNSPing)
	el.CreateElement("tns:" + child).SetText(text)
	return el
}

// benchEcho is interop.PingService's echo operation.
func benchEcho(ctx context.Context, req *Message) (*Message, error) {
	p := req.Payload()
	if !Is(p, benchNSPing, "echo") {
		return nil, SenderFault("The body is not a echo request.")
	}
	for _, c := range p.ChildElements() {
		if Is(c, benchNSPing, "request") {
			return Reply(req, benchActionEcho+"Response", benchPing("echoResponse", "echoResult", c.Text()))
		}
	}
	return nil, SenderFault("The echo request has no request element.")
}

func benchEchoHandler() http.Handler {
	mux := NewServeMux()
	mux.HandleFunc(benchActionEcho, benchEcho)
	return NewHTTPHandler(mux)
}

// benchEchoText is interop.LargeText(n).
func benchEchoText(n int) string {
	line := "soapstack large body 0123456789 abcdefghijklmnopqrstuvwxyz <&> ABCDEFGHIJKLMNOPQRSTUVWXYZ\n"
	return strings.Repeat(line, n/len(line)+1)[:n]
}

// benchEchoRequest returns the serialized echo request the Go load client
// sends to url.
func benchEchoRequest(b testing.TB, url string, size int) []byte {
	b.Helper()
	req := NewMessageWithBody(V12, benchPing("echo", "request", benchEchoText(size)))
	a, err := RequestAddressing(WSA10, benchActionEcho, url, nil)
	if err != nil {
		b.Fatal(err)
	}
	req.SetAddressing(a)
	out, err := req.Bytes()
	if err != nil {
		b.Fatal(err)
	}
	return out
}

// discardWriter is an http.ResponseWriter that keeps the status and the
// body length and drops the bytes, as cheap as a writer can be, so the
// benchmark measures the handler.
type discardWriter struct {
	h      http.Header
	status int
	n      int
}

func (w *discardWriter) Header() http.Header { return w.h }
func (w *discardWriter) WriteHeader(s int)   { w.status = s }
func (w *discardWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	w.n += len(p)
	return len(p), nil
}

// BenchmarkServerPlain2KiB measures the server's whole plain path in
// process: the HTTP request bytes are read (http.ReadRequest, as the
// server's connection loop does), served by HTTPHandler → ServeMux → echo,
// and the reply written to a ResponseWriter that discards it.
func BenchmarkServerPlain2KiB(b *testing.B) { benchmarkServerPlain(b, 2<<10) }

// BenchmarkServerPlain50KiB is BenchmarkServerPlain2KiB with a 50 KiB text.
func BenchmarkServerPlain50KiB(b *testing.B) { benchmarkServerPlain(b, 50<<10) }

func benchmarkServerPlain(b *testing.B, size int) {
	const url = "http://127.0.0.1:8080/soap12"
	body := benchEchoRequest(b, url, size)
	raw := []byte("POST /soap12 HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nUser-Agent: Go-http-client/1.1\r\n" +
		"Content-Length: " + strconv.Itoa(len(body)) + "\r\n" +
		"Content-Type: " + V12.ContentType(benchActionEcho) + "\r\nAccept-Encoding: gzip\r\n\r\n")
	raw = append(raw, body...)
	h := benchEchoHandler()
	w := &discardWriter{h: make(http.Header)}
	rd := bytes.NewReader(raw)
	br := bufio.NewReader(rd)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		rd.Reset(raw)
		br.Reset(rd)
		r, err := http.ReadRequest(br)
		if err != nil {
			b.Fatal(err)
		}
		r.RemoteAddr = "127.0.0.1:40000"
		clear(w.h)
		w.status, w.n = 0, 0
		h.ServeHTTP(w, r)
		if w.status != http.StatusOK || w.n < size {
			b.Fatalf("status %d, %d bytes", w.status, w.n)
		}
	}
}

// BenchmarkServerLoopback2KiB is the same exchange over a loopback TCP
// connection with net/http on both ends; the client's cost (a raw POST of
// prepared bytes, the reply read and dropped) is in the numbers too.
func BenchmarkServerLoopback2KiB(b *testing.B) {
	srv := httptest.NewServer(benchEchoHandler())
	defer srv.Close()
	url := srv.URL + "/soap12"
	body := benchEchoRequest(b, url, 2<<10)
	ct := V12.ContentType(benchActionEcho)
	cli := srv.Client()
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		resp, err := cli.Post(url, ct, bytes.NewReader(body))
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			b.Fatalf("status %d", resp.StatusCode)
		}
	}
}
