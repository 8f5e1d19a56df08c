package dsig

import (
	"testing"

	"github.com/beevik/etree"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const wsuDecl = ` xmlns:u="` + NSWSU + `"`

func TestIDIndex(t *testing.T) {
	cases := []struct {
		name string
		xml  string
		// want maps ID values to the Tag of the element they name ("" for
		// not indexed).
		want map[string]string
		dup  bool
	}{
		{"wsu:Id", `<r` + wsuDecl + `><a u:Id="x"/></r>`, map[string]string{"x": "a"}, false},
		{"any prefix", `<r xmlns:zz="` + NSWSU + `"><a zz:Id="x"/></r>`, map[string]string{"x": "a"}, false},
		{"prefix declared on the element", `<r><a xmlns:q="` + NSWSU + `" q:Id="x"/></r>`, map[string]string{"x": "a"}, false},
		{"Id ID xml:id", `<r><a Id="x"/><b ID="y"/><c xml:id="z"/></r>`, map[string]string{"x": "a", "y": "b", "z": "c"}, false},
		{"other namespace Id", `<r xmlns:o="urn:other"><a o:Id="x"/></r>`, map[string]string{"x": ""}, false},
		{"rebound prefix", `<r` + wsuDecl + `><s xmlns:u="urn:other"><a u:Id="x"/></s><b u:Id="y"/></r>`,
			map[string]string{"x": "", "y": "b"}, false},
		{"lowercase id is not an ID", `<r><a id="x"/></r>`, map[string]string{"x": ""}, false},
		{"unqualified wsu-like Id", `<r><a u:Id="x"/></r>`, map[string]string{"x": ""}, false}, // undeclared prefix
		{"root element itself", `<r Id="top"><a/></r>`, map[string]string{"top": "r"}, false},
		{"whitespace trimmed", `<r><a Id=" x&#9;"/></r>`, map[string]string{"x": "a"}, false},
		{"empty ignored", `<r><a Id=""/><b Id=" "/></r>`, map[string]string{"": ""}, false},
		{"distinct IDs on one element", `<r` + wsuDecl + `><a u:Id="x" Id="y"/></r>`, map[string]string{"x": "a", "y": "a"}, false},

		{"dup wsu:Id", `<r` + wsuDecl + `><a u:Id="x"/><b u:Id="x"/></r>`, nil, true},
		{"dup wsu:Id vs Id", `<r` + wsuDecl + `><a u:Id="x"/><b Id="x"/></r>`, nil, true},
		{"dup wsu:Id vs ID", `<r` + wsuDecl + `><a u:Id="x"/><b ID="x"/></r>`, nil, true},
		{"dup wsu:Id vs xml:id", `<r` + wsuDecl + `><a u:Id="x"/><b xml:id="x"/></r>`, nil, true},
		{"dup nested", `<r` + wsuDecl + `><a u:Id="x"><b Id="x"/></a></r>`, nil, true},
		{"dup on one element", `<r` + wsuDecl + `><a u:Id="x" Id="x"/></r>`, nil, true},
		{"dup different prefixes", `<r xmlns:p="` + NSWSU + `" xmlns:q="` + NSWSU + `"><a p:Id="x"/><b q:Id="x"/></r>`, nil, true},
		{"dup after trimming", `<r><a Id="x"/><b Id=" x "/></r>`, nil, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			doc := etree.NewDocument()
			require.NoError(t, doc.ReadFromString(c.xml))
			idx, err := NewIDIndex(doc.Root())
			if c.dup {
				require.ErrorIs(t, err, ErrDuplicateID)
				assert.Nil(t, idx)
				return
			}
			require.NoError(t, err)
			n := 0
			for id, tag := range c.want {
				e := idx.Lookup(id)
				if tag == "" {
					assert.Nil(t, e, "%q", id)
					continue
				}
				n++
				require.NotNil(t, e, "%q", id)
				assert.Equal(t, tag, e.Tag)
			}
			assert.Equal(t, n, idx.Len())
		})
	}
}

// TestIDIndexSubtree indexes a subtree whose wsu prefix is declared on an
// ancestor outside it.
func TestIDIndexSubtree(t *testing.T) {
	doc := etree.NewDocument()
	require.NoError(t, doc.ReadFromString(`<r`+wsuDecl+`><a u:Id="out"><b u:Id="in"/></a></r>`))
	a := doc.Root().SelectElement("a")
	idx, err := NewIDIndex(a.SelectElement("b"))
	require.NoError(t, err)
	assert.Same(t, a.SelectElement("b"), idx.Lookup("in"))
	assert.Nil(t, idx.Lookup("out"))
}

func TestIDIndexZero(t *testing.T) {
	var nilIdx *IDIndex
	assert.Nil(t, nilIdx.Lookup("x"))
	assert.Equal(t, 0, nilIdx.Len())
	var zero IDIndex
	assert.Nil(t, zero.Lookup("x"))
	idx, err := NewIDIndex(nil)
	require.NoError(t, err)
	assert.Equal(t, 0, idx.Len())
}

func BenchmarkIDIndex(b *testing.B) {
	m := parseMsg(b, envelope(50<<10))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := NewIDIndex(m.env); err != nil {
			b.Fatal(err)
		}
	}
}

// TestIDIndexReplace checks that Replace after an in-place replacement
// gives what NewIDIndex builds over the changed document, duplicates
// included.
func TestIDIndexReplace(t *testing.T) {
	cases := []struct {
		name string
		doc  string // the element <old> is replaced by the children of <new>
		new  string
		dup  bool
	}{
		{"plain", `<r` + wsuDecl + `><a u:Id="a"/><old Id="ed"><k Id="ki"/></old></r>`, `<new><b u:Id="b"/>text<c><d Id="d"/></c></new>`, false},
		{"reuses the replaced id", `<r` + wsuDecl + `><old Id="x"/></r>`, `<new><b u:Id="x"/></new>`, false},
		{"prefix from the ancestors", `<r` + wsuDecl + `><s><old/></s></r>`, `<new><b u:Id="x"/></new>`, false},
		{"prefix rebound in the fragment", `<r` + wsuDecl + `><old/></r>`, `<new><b xmlns:u="urn:other" u:Id="x"/></new>`, false},
		{"nothing", `<r><a Id="a"/><old Id="b"/></r>`, `<new> </new>`, false},
		{"dup with the document", `<r` + wsuDecl + `><a u:Id="x"/><old/></r>`, `<new><b Id="x"/></new>`, true},
		{"dup inside the fragment", `<r><old/></r>`, `<new><b Id="x"/><c xml:id="x"/></new>`, true},
		{"dup with a kept sibling of the same value", `<r><a Id="x"/><old Id="y"/></r>`, `<new><b ID=" x "/></new>`, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			doc := etree.NewDocument()
			require.NoError(t, doc.ReadFromString(c.doc))
			idx, err := NewIDIndex(doc.Root())
			require.NoError(t, err)
			old := doc.FindElement("//old")
			frag := etree.NewDocument()
			require.NoError(t, frag.ReadFromString(c.new))
			parent, at := old.Parent(), old.Index()
			parent.RemoveChildAt(at)
			toks := append([]etree.Token(nil), frag.Root().Child...)
			for i, tok := range toks {
				parent.InsertChildAt(at+i, tok)
			}
			err = idx.Replace(old, toks)
			fresh, ferr := NewIDIndex(doc.Root())
			if c.dup {
				require.ErrorIs(t, err, ErrDuplicateID)
				require.ErrorIs(t, ferr, ErrDuplicateID)
				return
			}
			require.NoError(t, err)
			require.NoError(t, ferr)
			assert.Equal(t, fresh.m, idx.m)
		})
	}
}
