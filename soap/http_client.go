package soap

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/soapstack/soapstack/internal/xmlwrite"
)

// HTTPError is returned when the peer answers with something that is not a
// SOAP message (wrong status or media type).
type HTTPError struct {
	StatusCode int
	Status     string
	// Body holds the first bytes of the response body.
	Body string
}

func (e *HTTPError) Error() string {
	if e.Body == "" {
		return "soap: unexpected HTTP response " + e.Status
	}
	return fmt.Sprintf("soap: unexpected HTTP response %s: %q", e.Status, e.Body)
}

// ErrInsecureTransport is returned by HTTPClient.Call for a message that
// requires a secure transport (Message.RequireSecureTransport) when the
// endpoint URL is not https.
var ErrInsecureTransport = errors.New("soap: the message requires a secure transport (https) but the endpoint URL is not https")

// HTTPClient is the client transport: an Invoker that POSTs each request to
// one URL.
type HTTPClient struct {
	url string
	cfg httpConfig
}

// NewHTTPClient returns a client transport for the endpoint at url.
func NewHTTPClient(url string, opts ...HTTPOption) *HTTPClient {
	return &HTTPClient{url: url, cfg: newHTTPConfig(opts)}
}

// URL returns the endpoint address.
func (c *HTTPClient) URL() string { return c.url }

// Call sends req and reads the reply. A 202 (or an empty 200) returns nil,
// nil. A fault reply returns both the fault message and the parsed *Fault,
// so layers above can still read (and verify) the message.
func (c *HTTPClient) Call(ctx context.Context, req *Message) (*Message, error) {
	if req.RequiresSecureTransport() && !isHTTPS(c.url) {
		return nil, fmt.Errorf("%w: %s", ErrInsecureTransport, c.url)
	}
	buf := xmlwrite.Buffer()
	defer xmlwrite.PutBuffer(buf)
	if c.cfg.gzip {
		zb := bytes.NewBuffer(*buf)
		zw := gzip.NewWriter(zb)
		_, err := req.WriteTo(zw)
		if err == nil {
			err = zw.Close()
		}
		if err != nil {
			return nil, fmt.Errorf("soap: serializing request: %w", err)
		}
		*buf = zb.Bytes()
	} else {
		*buf = xmlwrite.AppendDocument(*buf, req.Doc)
	}
	hreq, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url, bytes.NewReader(*buf))
	if err != nil {
		return nil, fmt.Errorf("soap: %w", err)
	}
	for k, vs := range c.cfg.header {
		hreq.Header[k] = append([]string(nil), vs...)
	}
	action := req.SOAPAction
	if action == "" {
		action = req.Addressing.Action
	}
	hreq.Header.Set("Content-Type", req.Version.ContentType(action))
	if req.Version == V11 {
		hreq.Header.Set("SOAPAction", `"`+action+`"`)
	}
	if c.cfg.gzip {
		hreq.Header.Set("Content-Encoding", "gzip")
	}
	hresp, err := c.cfg.client.Do(hreq)
	if err != nil {
		return nil, fmt.Errorf("soap: POST %s: %w", c.url, err)
	}
	defer hresp.Body.Close()
	return c.readResponse(hresp)
}

func (c *HTTPClient) readResponse(hresp *http.Response) (*Message, error) {
	if hresp.StatusCode == http.StatusAccepted {
		_, _ = io.Copy(io.Discard, io.LimitReader(hresp.Body, 64<<10))
		return nil, nil
	}
	v, action, ok := VersionFromContentType(hresp.Header.Get("Content-Type"))
	if hresp.StatusCode == http.StatusOK && hresp.ContentLength == 0 {
		return nil, nil
	}
	if !ok || (hresp.StatusCode != http.StatusOK && hresp.StatusCode != http.StatusInternalServerError &&
		hresp.StatusCode != http.StatusBadRequest) {
		snippet, _ := io.ReadAll(io.LimitReader(hresp.Body, 512))
		if hresp.StatusCode == http.StatusOK && len(bytes.TrimSpace(snippet)) == 0 {
			return nil, nil
		}
		return nil, &HTTPError{StatusCode: hresp.StatusCode, Status: hresp.Status, Body: strings.TrimSpace(string(snippet))}
	}
	var body io.Reader = hresp.Body
	size := hresp.ContentLength // -1 when unknown (or decompressed by the Transport)
	if strings.EqualFold(hresp.Header.Get("Content-Encoding"), "gzip") && !hresp.Uncompressed {
		size = -1
		zr, err := gzip.NewReader(hresp.Body)
		if err != nil {
			return nil, fmt.Errorf("soap: reading compressed reply: %w", err)
		}
		defer zr.Close()
		body = zr
	}
	resp, err := readMessage(body, size, c.cfg.limits)
	if err != nil {
		return nil, fmt.Errorf("soap: reading reply: %w", err)
	}
	if resp.Version != v {
		return nil, errors.New("soap: reply envelope version does not match its Content-Type")
	}
	if v == V11 {
		action = ""
	}
	resp.SOAPAction = action
	if resp.IsFault() {
		f, err := resp.Fault()
		if err != nil {
			return nil, err
		}
		return resp, f
	}
	if hresp.StatusCode != http.StatusOK {
		return nil, &HTTPError{StatusCode: hresp.StatusCode, Status: hresp.Status, Body: "non-fault SOAP message with an error status"}
	}
	return resp, nil
}

func isHTTPS(u string) bool {
	return len(u) >= 8 && strings.EqualFold(u[:8], "https://")
}
