package soap

import (
	"strings"
	"testing"

	"github.com/beevik/etree"
	"github.com/soapstack/soapstack/internal/xmlutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseFragment(t *testing.T) {
	m, err := ParseMessage(readTestdata(t, "soap12-wsa10-request.xml"), Limits{})
	require.NoError(t, err)
	toks, err := xmlutil.ParseFragment([]byte(`<a:Extra>x</a:Extra>text<s:Thing/>`), m.Body, Limits{})
	require.NoError(t, err)
	require.Len(t, toks, 3)
	el := toks[0].(*etree.Element)
	assert.Nil(t, el.Parent())
	m.Body.AddChild(el)
	assert.Equal(t, NSWSA10, ElementName(el).Space, "prefix from the envelope's scope")

	for _, bad := range []string{
		`<p:x/>`, // undeclared
		`</` + xmlutil.FragmentWrapper + `><` + xmlutil.FragmentWrapper + `>`, // breaks out of the wrapper
		`<!DOCTYPE x><x/>`,
		`<?pi x?>`,
		`<x a="1" a="2"/>`,
	} {
		_, err := xmlutil.ParseFragment([]byte(bad), m.Body, Limits{})
		assert.Error(t, err, bad)
	}
	_, err = xmlutil.ParseFragment([]byte(deep(200)), m.Body, Limits{})
	assert.Error(t, err)
}

func TestCopyWithScope(t *testing.T) {
	m, err := ParseMessage([]byte(`<s:Envelope xmlns:s="`+NS12+`" xmlns:u="urn:u" xmlns:unused="urn:x" xmlns="urn:d"><s:Body><c:T xmlns:c="urn:c" u:Id="1"><Inner/></c:T></s:Body></s:Envelope>`), Limits{})
	require.NoError(t, err)
	c := xmlutil.CopyWithScope(m.Payload())
	doc := etree.NewDocument()
	doc.SetRoot(c)
	s, err := doc.WriteToString()
	require.NoError(t, err)
	assert.Contains(t, s, `xmlns:u="urn:u"`)
	assert.Contains(t, s, `xmlns="urn:d"`)
	assert.NotContains(t, s, "unused")
	_, err = xmlutil.ParseDocument(strings.NewReader(s), Limits{})
	require.NoError(t, err)
}
