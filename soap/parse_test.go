package soap

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/beevik/etree"
	"github.com/soapstack/soapstack/internal/xmlutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	require.NoError(t, err)
	return b
}

func TestReadMessageValid(t *testing.T) {
	tests := []struct {
		file    string
		version Version
		wsa     AddressingVersion
		payload string
	}{
		{"soap12-wsa10-request.xml", V12, WSA10, "echo"},
		{"soap11-wsa200408-request.xml", V11, WSA200408, "echo"},
		{"soap11-plain.xml", V11, 0, "ping"},
		{"soap12-fault.xml", V12, 0, "Fault"},
		{"soap11-fault.xml", V11, 0, "Fault"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			m, err := ParseMessage(readTestdata(t, tt.file), Limits{})
			require.NoError(t, err)
			assert.Equal(t, tt.version, m.Version)
			assert.Equal(t, tt.wsa, m.Addressing.Version)
			require.NotNil(t, m.Payload())
			assert.Equal(t, tt.payload, m.Payload().Tag)
		})
	}
}

func TestReadMessageKeepsTextAndComments(t *testing.T) {
	m, err := ParseMessage(readTestdata(t, "soap11-plain.xml"), Limits{})
	require.NoError(t, err)
	p := m.Payload()
	var text strings.Builder
	comments := 0
	for _, c := range p.Child {
		switch tok := c.(type) {
		case *etree.CharData:
			text.WriteString(tok.Data)
		case *etree.Comment:
			comments++
		}
	}
	assert.Equal(t, "text<raw>", text.String())
	assert.Equal(t, 1, comments)
	assert.Equal(t, "1", xmlutil.AttrValue(p, "urn:m", "attr"))
}

func TestSerializeRoundTrip(t *testing.T) {
	for _, f := range []string{"soap12-wsa10-request.xml", "soap11-wsa200408-request.xml", "soap12-fault.xml"} {
		t.Run(f, func(t *testing.T) {
			m, err := ParseMessage(readTestdata(t, f), Limits{})
			require.NoError(t, err)
			b, err := m.Bytes()
			require.NoError(t, err)
			m2, err := ParseMessage(b, Limits{})
			require.NoError(t, err)
			b2, err := m2.Bytes()
			require.NoError(t, err)
			assert.Equal(t, string(b), string(b2))
			assert.Equal(t, m.Addressing.Action, m2.Addressing.Action)
		})
	}
}

const env12Open = `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body>`
const env12Close = `</s:Body></s:Envelope>`

func deep(n int) string {
	return strings.Repeat("<d>", n) + strings.Repeat("</d>", n)
}

func manyAttrs(n int) string {
	var b strings.Builder
	b.WriteString("<x")
	for i := range n {
		b.WriteString(" a")
		b.WriteString(strings.Repeat("b", i))
		b.WriteString(`="1"`)
	}
	b.WriteString("/>")
	return b.String()
}

// attackCases are inputs every strict-input rule must reject with a Sender
// fault before any handler runs.
func attackCases() []struct {
	name   string
	input  string
	lim    Limits
	reason string
} {
	return []struct {
		name   string
		input  string
		lim    Limits
		reason string
	}{
		{"doctype", `<!DOCTYPE s:Envelope [<!ENTITY x "boom">]>` + env12Open + env12Close, Limits{}, "DOCTYPE"},
		{"entity expansion", `<!DOCTYPE d [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]>` + env12Open + "<x>&b;</x>" + env12Close, Limits{}, "DOCTYPE"},
		{"processing instruction", env12Open + `<?evil do-something?>` + env12Close, Limits{}, "processing instructions"},
		{"processing instruction before root", `<?xml-stylesheet href="x"?>` + env12Open + env12Close, Limits{}, "processing instructions"},
		{"duplicate attribute same prefix", env12Open + `<x a="1" a="2"/>` + env12Close, Limits{}, "duplicate attribute"},
		{"duplicate attribute by namespace", env12Open + `<x xmlns:p="urn:a" xmlns:q="urn:a" p:id="1" q:id="2"/>` + env12Close, Limits{}, "duplicate attribute"},
		{"duplicate namespace declaration", env12Open + `<x xmlns:p="urn:a" xmlns:p="urn:b"/>` + env12Close, Limits{}, "duplicate"},
		{"undeclared element prefix", env12Open + `<p:x/>` + env12Close, Limits{}, "undeclared namespace prefix"},
		{"undeclared attribute prefix", env12Open + `<x p:id="1"/>` + env12Close, Limits{}, "undeclared namespace prefix"},
		{"prefix undeclaration", env12Open + `<x xmlns:p="urn:a"><y xmlns:p=""/></x>` + env12Close, Limits{}, "cannot be undeclared"},
		{"xml prefix rebound", env12Open + `<x xmlns:xml="urn:evil"/>` + env12Close, Limits{}, "reserved"},
		{"too deep", env12Open + deep(200) + env12Close, Limits{}, "deeper than 100"},
		{"too deep custom", env12Open + deep(10) + env12Close, Limits{MaxDepth: 8}, "deeper than 8"},
		{"too many elements", env12Open + strings.Repeat("<e/>", 60) + env12Close, Limits{MaxElements: 50}, "more than 50 elements"},
		{"too many attributes", env12Open + manyAttrs(70) + env12Close, Limits{}, "more than 64 attributes"},
		{"attribute too long", env12Open + `<x a="` + strings.Repeat("v", 70<<10) + `"/>` + env12Close, Limits{}, "longer than"},
		{"too large", env12Open + "<x>" + strings.Repeat("y", 2048) + "</x>" + env12Close, Limits{MaxBytes: 1024}, "larger than the configured limit"},
		{"mismatched end tag", env12Open + `<a></b>` + env12Close, Limits{}, "not well-formed"},
		{"unterminated", env12Open + `<a>`, Limits{}, "not well-formed"},
		{"text after root", env12Open + env12Close + "junk", Limits{}, "outside the document element"},
		{"second root", env12Open + env12Close + "<x/>", Limits{}, "more than one document element"},
		{"foreign encoding", `<?xml version="1.0" encoding="ISO-8859-1"?>` + env12Open + env12Close, Limits{}, "not well-formed"},
		{"no envelope", `<Body/>`, Limits{}, "not a SOAP Envelope"},
		{"no body", `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Header/></s:Envelope>`, Limits{}, "no Body"},
		{"two bodies", env12Open + `</s:Body><s:Body>` + env12Close, Limits{}, "Unexpected element"},
		{"header after body", env12Open + `</s:Body><s:Header>` + `</s:Header></s:Envelope>`, Limits{}, "Unexpected element"},
		{"text in envelope", `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope">hi<s:Body/></s:Envelope>`, Limits{}, "Text is not allowed"},
		{"duplicate wsa:To", `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:a="http://www.w3.org/2005/08/addressing"><s:Header><a:Action>x</a:Action><a:To>a</a:To><a:To>b</a:To></s:Header><s:Body/></s:Envelope>`, Limits{}, "more than one wsa:To"},
		{"reply-to without address", `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:a="http://www.w3.org/2005/08/addressing"><s:Header><a:Action>x</a:Action><a:ReplyTo/></s:Header><s:Body/></s:Envelope>`, Limits{}, "ReplyTo header is invalid"},
	}
}

func TestReadMessageRejects(t *testing.T) {
	for _, tt := range attackCases() {
		t.Run(tt.name, func(t *testing.T) {
			m, err := ParseMessage([]byte(tt.input), tt.lim)
			require.Error(t, err)
			assert.Nil(t, m)
			f, ok := AsFault(err)
			require.True(t, ok, "want a *Fault, got %T %v", err, err)
			assert.Equal(t, CodeSender, f.Code)
			assert.Contains(t, f.Reason()+" "+f.Error(), tt.reason)
		})
	}
}

func TestReadMessageVersionMismatch(t *testing.T) {
	_, err := ParseMessage([]byte(`<e:Envelope xmlns:e="urn:not-soap"><e:Body/></e:Envelope>`), Limits{})
	f, ok := AsFault(err)
	require.True(t, ok)
	assert.Equal(t, CodeVersionMismatch, f.Code)
}

func TestReadMessageExactSizeLimit(t *testing.T) {
	in := env12Open + env12Close
	_, err := ParseMessage([]byte(in), Limits{MaxBytes: int64(len(in))})
	require.NoError(t, err)
	_, err = ParseMessage([]byte(in), Limits{MaxBytes: int64(len(in) - 1)})
	require.Error(t, err)
}

func TestClone(t *testing.T) {
	m, err := ParseMessage(readTestdata(t, "soap12-wsa10-request.xml"), Limits{})
	require.NoError(t, err)
	m.SOAPAction = "urn:x"
	m.SetValue("k", 1)
	c := m.Clone()
	c.Payload().SetText("changed")
	assert.NotEqual(t, m.Payload().Text(), c.Payload().Text())
	assert.Equal(t, m.Addressing.Action, c.Addressing.Action)
	assert.NotSame(t, m.Addressing.Elem("To"), c.Addressing.Elem("To"))
	assert.Equal(t, "urn:x", c.SOAPAction)
	assert.Equal(t, 1, c.Value("k"))
}
