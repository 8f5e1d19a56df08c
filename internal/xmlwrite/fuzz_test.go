package xmlwrite

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/beevik/etree"

	"github.com/soapstack/soapstack/internal/xmlparse"
	"github.com/soapstack/soapstack/internal/xmltest"
)

// FuzzRoundTrip parses any input with the strict parser and, when it is
// accepted, checks that the output is etree's canonical-escaping output
// byte for byte and parses back to the same tree.
func FuzzRoundTrip(f *testing.F) {
	for _, s := range []string{
		`<a/>`,
		"<a x=\"1\t2\r\n3&#9;&#10;&#13;\" y='\"'>t\r\nu&#13;<![CDATA[c\r]]]]><!--c\r\n--></a>",
		`<p:a xmlns:p="urn:p" xmlns="urn:d" p:x="1" x="2" xml:lang="en"><b xmlns=""/><p:c/></p:a>`,
		`<a>&lt;&gt;&amp;&quot;&apos;&#65;&#x42;&#x10FFFF;&#xFFFD;</a>`,
		"<a b='&lt;&amp;&gt;'>\u00e9\u4e2d\U0001F600</a>",
	} {
		f.Add([]byte(s))
	}
	for _, g := range []string{"../../soap/testdata/*.xml", "../c14n/testdata/wss4j/*.xml"} {
		files, _ := filepath.Glob(g)
		for _, name := range files {
			if b, err := os.ReadFile(name); err == nil {
				f.Add(b)
			}
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		doc, err := xmlparse.Parse(bytes.Clone(data), xmlparse.Limits{MaxBytes: 1 << 20})
		if err != nil {
			return
		}
		ours := AppendDocument(nil, doc)
		if want := etreeCanonical(doc); !bytes.Equal(ours, want) {
			t.Fatalf("output differs from etree's:\n got %q\nwant %q", ours, want)
		}
		back, err := xmlparse.Parse(bytes.Clone(ours), xmlparse.Limits{MaxBytes: 2 << 20})
		if err != nil {
			t.Fatalf("output does not parse: %v\n%q", err, ours)
		}
		if a, b := xmltest.Canonical(doc.Root()), xmltest.Canonical(back.Root()); a != b {
			t.Fatalf("tree changed:\n got %s\nwant %s", b, a)
		}
	})
}

// validChars is s with every character XML cannot hold (and every byte of
// invalid UTF-8) replaced by U+FFFD.
func validChars(s string) string {
	var b strings.Builder
	for _, r := range s {
		ok := r == '\t' || r == '\n' || r == '\r' || r >= 0x20 && r <= 0xD7FF ||
			r >= 0xE000 && r <= 0xFFFD || r >= 0x10000 && r <= 0x10FFFF
		if !ok {
			r = 0xFFFD
		}
		b.WriteRune(r)
	}
	return b.String()
}

// FuzzEscape builds a tree holding arbitrary strings as attribute value,
// text and comment, and checks that the output parses and holds the same
// strings (characters XML cannot hold replaced; a comment spaced out where
// it has "--" or ends with '-', and its line ends normalized, since a
// comment cannot hold references).
func FuzzEscape(f *testing.F) {
	f.Add("a\tb\nc\rd", "x\r\ny&<>\"'", "c--d-")
	f.Add("\x00\xff\uFFFE", "]]>\r", "-")
	f.Add("", "", "")
	f.Fuzz(func(t *testing.T, attr, text, comment string) {
		doc := etree.NewDocument()
		r := doc.CreateElement("p:r")
		r.CreateAttr("xmlns:p", "urn:p")
		r.CreateAttr("p:a", attr)
		r.CreateText(text)
		r.CreateComment(comment)
		r.CreateCData(text)
		out := AppendDocument(nil, doc)
		back, err := xmlparse.Parse(bytes.Clone(out), xmlparse.Limits{})
		if err != nil {
			t.Fatalf("output does not parse: %v\n%q", err, out)
		}
		root := back.Root()
		if got, want := root.SelectAttrValue("p:a", ""), validChars(attr); got != want {
			t.Fatalf("attribute %q, want %q", got, want)
		}
		var gotText, gotComment string
		for _, c := range root.Child {
			switch c := c.(type) {
			case *etree.CharData:
				gotText += c.Data
			case *etree.Comment:
				gotComment += c.Data
			}
		}
		if want := validChars(text) + validChars(text); gotText != want {
			t.Fatalf("text %q, want %q", gotText, want)
		}
		wantComment := validChars(comment)
		wantComment = strings.ReplaceAll(wantComment, "--", "- -")
		wantComment = strings.ReplaceAll(wantComment, "--", "- -")
		if strings.HasSuffix(wantComment, "-") {
			wantComment += " "
		}
		wantComment = strings.ReplaceAll(strings.ReplaceAll(wantComment, "\r\n", "\n"), "\r", "\n")
		if gotComment != wantComment {
			t.Fatalf("comment %q, want %q", gotComment, wantComment)
		}
	})
}
