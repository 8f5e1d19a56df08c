package xmlutil

import (
	"testing"

	"github.com/beevik/etree"
)

// TestAddTextElement checks that AddTextElement builds the tree that
// CreateElement(name).SetText(text) builds: the same serialization, parent
// links, indexes and character-data kind, also once more content is added.
func TestAddTextElement(t *testing.T) {
	for _, tc := range []struct{ name, space, tag, text string }{
		{"prefixed", "wsc", "Nonce", "q83vEjRWeJA="},
		{"unprefixed", "", "Length", "32"},
		{"empty text", "wsu", "Created", ""},
		{"escaped", "x", "V", `a<b&"c"`},
		{"white space", "x", "V", " \n "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			want, got := etree.NewDocument(), etree.NewDocument()
			wantRoot, gotRoot := want.CreateElement("r"), got.CreateElement("r")
			wantRoot.CreateElement("first")
			gotRoot.CreateElement("first")
			name := tc.tag
			if tc.space != "" {
				name = tc.space + ":" + tc.tag
			}
			w := wantRoot.CreateElement(name)
			w.SetText(tc.text)
			g := AddTextElement(gotRoot, tc.space, tc.tag, tc.text)
			check := func(step string) {
				t.Helper()
				ws, err := want.WriteToString()
				if err != nil {
					t.Fatal(err)
				}
				gs, err := got.WriteToString()
				if err != nil {
					t.Fatal(err)
				}
				if gs != ws {
					t.Fatalf("%s: got %s, want %s", step, gs, ws)
				}
				if g.Parent() != gotRoot || g.Index() != w.Index() || len(g.Child) != len(w.Child) || g.Text() != w.Text() {
					t.Fatalf("%s: parent %v, index %d/%d, %d/%d children, text %q/%q", step,
						g.Parent() == gotRoot, g.Index(), w.Index(), len(g.Child), len(w.Child), g.Text(), w.Text())
				}
				for i := range w.Child {
					wc, _ := w.Child[i].(*etree.CharData)
					gc, _ := g.Child[i].(*etree.CharData)
					if (wc == nil) != (gc == nil) {
						t.Fatalf("%s: child %d is %T, want %T", step, i, g.Child[i], w.Child[i])
					}
					if wc != nil && (gc.Parent() != g || gc.Index() != wc.Index() || gc.IsCData() != wc.IsCData() || gc.IsWhitespace() != wc.IsWhitespace()) {
						t.Fatalf("%s: child %d: parent %v, index %d/%d, cdata %v/%v, white space %v/%v", step, i,
							gc.Parent() == g, gc.Index(), wc.Index(), gc.IsCData(), wc.IsCData(), gc.IsWhitespace(), wc.IsWhitespace())
					}
				}
			}
			check("built")
			w.CreateAttr("a", "1")
			g.CreateAttr("a", "1")
			w.CreateElement("more")
			g.CreateElement("more")
			w.SetText("new")
			g.SetText("new")
			check("changed")
		})
	}
}

// TestAddElement checks that AddElement builds what CreateElement builds.
func TestAddElement(t *testing.T) {
	for _, tc := range []struct{ space, tag string }{{"xenc", "CipherData"}, {"", "Body"}} {
		want, got := etree.NewElement("r"), etree.NewElement("r")
		name := tc.tag
		if tc.space != "" {
			name = tc.space + ":" + tc.tag
		}
		w := want.CreateElement(name)
		g := AddElement(got, tc.space, tc.tag)
		w.CreateAttr("a", "1")
		g.CreateAttr("a", "1")
		if g.Space != w.Space || g.Tag != w.Tag || g.Parent() != got || g.Index() != w.Index() || g.FullTag() != w.FullTag() {
			t.Fatalf("%s: got %q %q (index %d), want %q %q (index %d)", name, g.Space, g.Tag, g.Index(), w.Space, w.Tag, w.Index())
		}
		wd, gd := etree.NewDocument(), etree.NewDocument()
		wd.SetRoot(want)
		gd.SetRoot(got)
		ws, _ := wd.WriteToString()
		gs, _ := gd.WriteToString()
		if gs != ws {
			t.Fatalf("%s: got %s, want %s", name, gs, ws)
		}
	}
}

func BenchmarkAddTextElement(b *testing.B) {
	root := etree.NewElement("r")
	b.ReportAllocs()
	for b.Loop() {
		root.Child = root.Child[:0]
		AddTextElement(root, "wsc", "Nonce", "q83vEjRWeJA=")
	}
}
