package wssecurity

import (
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/beevik/etree"
	"github.com/soapstack/soapstack/internal/wsse"
	"github.com/soapstack/soapstack/internal/xmlutil"
	"github.com/stretchr/testify/require"
)

// tokData reads a file of testdata/tokens.
func tokData(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "tokens", name))
	require.NoError(t, err)
	return b
}

// tokDoc parses a file of testdata/tokens and returns its root element.
func tokDoc(t testing.TB, name string) *etree.Element {
	t.Helper()
	doc := etree.NewDocument()
	require.NoError(t, doc.ReadFromBytes(tokData(t, name)))
	return doc.Root()
}

// tokFindAll returns the descendants of root (root included) with the
// given expanded name, in document order.
func tokFindAll(root *etree.Element, ns, local string) []*etree.Element {
	var out []*etree.Element
	var walk func(*etree.Element)
	walk = func(e *etree.Element) {
		if xmlutil.Is(e, ns, local) {
			out = append(out, e)
		}
		for _, c := range e.ChildElements() {
			walk(c)
		}
	}
	walk(root)
	return out
}

// tokFind returns the first element tokFindAll finds, failing the test if
// there is none.
func tokFind(t testing.TB, root *etree.Element, ns, local string) *etree.Element {
	t.Helper()
	all := tokFindAll(root, ns, local)
	require.NotEmpty(t, all, "no {%s}%s", ns, local)
	return all[0]
}

// tokXML parses a standalone element; the prefixes wsse, wsse11, wsu and ds
// are declared on it unless the text declares them itself.
func tokXML(t testing.TB, s string) *etree.Element {
	t.Helper()
	el, err := tokParse([]byte(s))
	require.NoError(t, err)
	return el
}

func tokParse(b []byte) (*etree.Element, error) {
	wrapped := `<w xmlns:wsse="` + wsse.NSWSSE + `" xmlns:wsse11="` + wsse.NSWSSE11 + `" xmlns:wsu="` + wsse.NSWSU + `" xmlns:ds="` + wsse.NSDS + `">` + string(b) + `</w>`
	doc := etree.NewDocument()
	if err := doc.ReadFromString(wrapped); err != nil {
		return nil, err
	}
	kids := doc.Root().ChildElements()
	if len(kids) == 0 {
		return nil, os.ErrNotExist
	}
	return kids[0], nil
}

// tokStandalone serializes el with every namespace in scope declared on
// it, so that it parses on its own (fuzz seeds).
func tokStandalone(t testing.TB, el *etree.Element) []byte {
	t.Helper()
	c := el.Copy()
	ns := xmlutil.InScopeNamespaces(el)
	prefixes := make([]string, 0, len(ns))
	for p := range ns {
		prefixes = append(prefixes, p)
	}
	sort.Strings(prefixes)
	for _, p := range prefixes {
		key := "xmlns"
		if p != "" {
			key += ":" + p
		}
		if c.SelectAttr(key) == nil {
			c.CreateAttr(key, ns[p])
		}
	}
	doc := etree.NewDocumentWithRoot(c)
	b, err := doc.WriteToBytes()
	require.NoError(t, err)
	return b
}
