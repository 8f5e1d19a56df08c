package soap

import (
	"bytes"
	"context"
	"net/http/httptest"
	"testing"

	"github.com/beevik/etree"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestWriteKeepsWhiteSpaceInAttributes: a TAB, LF or CR in an attribute
// value and a CR in text reach the receiver unchanged (as character
// references), through Bytes, WriteTo and the HTTP transports both ways.
func TestWriteKeepsWhiteSpaceInAttributes(t *testing.T) {
	const attr, text = "a\tb\nc\rd\r\ne", "x\ry\r\nz\tw"
	build := func() *etree.Element {
		p := etree.NewElement("t:p")
		p.CreateAttr("xmlns:t", "urn:t")
		p.CreateAttr("t:v", attr)
		p.SetText(text)
		return p
	}
	check := func(t *testing.T, p *etree.Element) {
		t.Helper()
		require.NotNil(t, p)
		assert.Equal(t, attr, p.SelectAttrValue("t:v", ""))
		assert.Equal(t, text, p.Text())
	}
	m := NewMessageWithBody(V12, build())
	b, err := m.Bytes()
	require.NoError(t, err)
	assert.Contains(t, string(b), `t:v="a&#x9;b&#xA;c&#xD;d&#xD;&#xA;e"`)
	assert.Contains(t, string(b), ">x&#xD;y&#xD;\nz\tw<")
	back, err := ParseMessage(b, Limits{})
	require.NoError(t, err)
	check(t, back.Payload())
	var w bytes.Buffer
	n, err := m.WriteTo(&w)
	require.NoError(t, err)
	assert.Equal(t, int64(len(b)), n)
	assert.Equal(t, b, w.Bytes())

	mux := NewServeMux()
	mux.HandleFunc("urn:t/op", func(ctx context.Context, req *Message) (*Message, error) {
		check(t, req.Payload())
		return Reply(req, "urn:t/opResponse", build())
	})
	srv := httptest.NewServer(NewHTTPHandler(mux, WithToCheck(false)))
	defer srv.Close()
	req := NewMessageWithBody(V12, build())
	a, err := RequestAddressing(WSA10, "urn:t/op", srv.URL, nil)
	require.NoError(t, err)
	req.SetAddressing(a)
	resp, err := NewHTTPClient(srv.URL).Call(context.Background(), req)
	require.NoError(t, err)
	check(t, resp.Payload())
}
