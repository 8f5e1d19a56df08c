package soap

import (
	"bytes"
	"strings"
	"testing"

	"github.com/beevik/etree"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestReadAddressing(t *testing.T) {
	m, err := ParseMessage(readTestdata(t, "soap11-wsa200408-request.xml"), Limits{})
	require.NoError(t, err)
	a := m.Addressing
	assert.Equal(t, WSA200408, a.Version)
	assert.Equal(t, "http://InteropBaseAddress/interop/IPingService/echo", a.Action)
	assert.Equal(t, "urn:uuid:0f8fad5b-d9cb-469f-a165-70867728950e", a.MessageID)
	assert.Equal(t, "http://127.0.0.1:8080/soap11", a.To)
	require.NotNil(t, a.ReplyTo)
	assert.True(t, IsAnonymous(a.ReplyTo.Address))
	require.Len(t, a.ReplyTo.ReferenceParameters, 1)
	assert.Equal(t, "http://client.example/", a.From.Address)
	for _, h := range m.Headers() {
		assert.True(t, m.Understood(h), "addressing header %s marked understood", h.Tag)
	}
	assert.Same(t, m.FindHeader(NSWSA200408, "To"), a.Elem("To"))
}

func TestReplyAddressing(t *testing.T) {
	for _, file := range []string{"soap11-wsa200408-request.xml", "soap12-wsa10-request.xml"} {
		t.Run(file, func(t *testing.T) {
			req, err := ParseMessage(readTestdata(t, file), Limits{})
			require.NoError(t, err)
			payload := etree.NewElement("r")
			rand := bytes.NewReader(bytes.Repeat([]byte{7}, 64))
			rep, err := NewReply(req, "urn:reply", payload, rand)
			require.NoError(t, err)
			b, err := rep.Bytes()
			require.NoError(t, err)
			back, err := ParseMessage(b, Limits{})
			require.NoError(t, err)
			ba := back.Addressing
			assert.Equal(t, req.Addressing.Version, ba.Version)
			assert.Equal(t, "urn:reply", ba.Action)
			require.Len(t, ba.RelatesTo, 1)
			assert.Equal(t, req.Addressing.MessageID, ba.RelatesTo[0].ID)
			assert.Equal(t, "", ba.RelatesTo[0].Type)
			assert.Equal(t, "urn:uuid:07070707-0707-4707-8707-070707070707", ba.MessageID, "deterministic with an injected random source")
			if ba.Version == WSA200408 {
				assert.Equal(t, AnonymousWSA200408, ba.To, "2004/08 requires wsa:To")
				require.NotNil(t, back.FindHeader("urn:ctx", "Ctx"), "reference parameters of ReplyTo travel as headers")
			} else {
				assert.Equal(t, "", ba.To)
			}
		})
	}
}

func TestSetAddressingReplacesHeaders(t *testing.T) {
	m := NewMessage(V12)
	a, err := RequestAddressing(WSA10, "urn:a", "http://x/", nil)
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(a.MessageID, "urn:uuid:"))
	m.SetAddressing(a)
	a.Action = "urn:b"
	a.Version = WSA200408
	m.SetAddressing(a)
	assert.Len(t, m.FindHeaders(NSWSA10, "Action"), 0)
	require.Len(t, m.FindHeaders(NSWSA200408, "Action"), 1)
	mu, err := m.MustUnderstand(m.FindHeader(NSWSA200408, "Action"))
	require.NoError(t, err)
	assert.True(t, mu)
	m.SetAddressing(Addressing{})
	assert.Empty(t, m.Headers())
}

func TestReferenceParametersMarked(t *testing.T) {
	m := NewMessage(V12)
	m.SetAddressing(Addressing{Version: WSA10, Action: "urn:a"})
	p := etree.NewElement("c:Ctx")
	p.CreateAttr("xmlns:c", "urn:ctx")
	m.AddReferenceParameters(&EndpointReference{ReferenceParameters: []*etree.Element{p}})
	b, err := m.Bytes()
	require.NoError(t, err)
	back, err := ParseMessage(b, Limits{})
	require.NoError(t, err)
	require.Len(t, back.Addressing.ReferenceParameters, 1)
	assert.Equal(t, "Ctx", back.Addressing.ReferenceParameters[0].Tag)
}

func TestRelatesToRelationshipType(t *testing.T) {
	in := `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing"><s:Header><a:Action>x</a:Action><a:RelatesTo RelationshipType="a:Reply">urn:1</a:RelatesTo><a:RelatesTo RelationshipType="urn:custom">urn:2</a:RelatesTo></s:Header><s:Body/></s:Envelope>`
	m, err := ParseMessage([]byte(in), Limits{})
	require.NoError(t, err)
	assert.Equal(t, []RelatesTo{{ID: "urn:1"}, {ID: "urn:2", Type: "urn:custom"}}, m.Addressing.RelatesTo)
}
