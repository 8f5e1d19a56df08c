package xmlparse

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/beevik/etree"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func parseString(s string, lim Limits) (*etree.Document, error) {
	return Parse([]byte(s), lim)
}

// dump renders a tree with every token visible, to compare shapes.
func dump(e *etree.Element) string {
	var b strings.Builder
	var walk func(e *etree.Element)
	walk = func(e *etree.Element) {
		fmt.Fprintf(&b, "<%s|%s", e.Space, e.Tag)
		for _, a := range e.Attr {
			fmt.Fprintf(&b, " %s|%s=%q", a.Space, a.Key, a.Value)
		}
		b.WriteString(">")
		for _, c := range e.Child {
			switch t := c.(type) {
			case *etree.Element:
				walk(t)
			case *etree.CharData:
				fmt.Fprintf(&b, "T%q", t.Data)
			case *etree.Comment:
				fmt.Fprintf(&b, "C%q", t.Data)
			default:
				fmt.Fprintf(&b, "?%T", t)
			}
		}
		b.WriteString("</>")
	}
	walk(e)
	return b.String()
}

func TestAccept(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"empty element", `<a/>`, `<|a></>`},
		{"start end", `<a></a>`, `<|a></>`},
		{"end tag space", "<a></a \t\r\n>", `<|a></>`},
		{"attributes", `<a x="1" y='2' z = "3"/>`, `<|a |x="1" |y="2" |z="3"></>`},
		{"attribute quotes", `<a x="'" y='"' z="&quot;&apos;"/>`, `<|a |x="'" |y="\"" |z="\"'"></>`},
		{"attribute gt", `<a x=">]]>"/>`, `<|a |x=">]]>"></>`},
		{"attribute normalization", "<a x=\"a\tb\nc\rd\r\ne\r\r\nf\" y=\"&#9;&#10;&#13;&#x20;\" z=\"\t\"/>",
			`<|a |x="a b c d e  f" |y="\t\n\r " |z=" "></>`},
		{"attribute refs then space", "<a x=\"&amp;\t&lt;\"/>", `<|a |x="& <"></>`},
		{"text line ends", "<a>x\r\ny\rz\n&#13;&#10;\r</a>", `<|a>T"x\ny\nz\n\r\n\n"</>`},
		{"text refs", `<a>&lt;&gt;&amp;&quot;&apos;&#65;&#x42;&#x0043;&#0000000000000000000000068;&#x10FFFF;&#xE9;</a>`,
			`<|a>T"<>&\"'ABCD\U0010ffffé"</>`},
		{"text brackets", `<a>]]&gt; ]> ]]</a>`, `<|a>T"]]> ]> ]]"</>`},
		{"cdata", "<a>x<![CDATA[<&\r\n]]]]><![CDATA[>]]><![CDATA[]]>y</a>",
			`<|a>T"x"T"<&\n]]"T">"T""T"y"</>`},
		{"comments", "<a><!-- x - y\r\n --><!----><b/></a>", `<|a>C" x - y\n "C""<|b></></>`},
		{"comment dashes", "<a><!--->--></a>", `<|a>C"->"</>`},
		{"misc outside", "<!-- c -->\r\n <a/> \t<!-- d -->\n", `<|a></>`},
		{"bom", "\xEF\xBB\xBF<a/>", `<|a></>`},
		{"bom decl", "\xEF\xBB\xBF<?xml version=\"1.0\"?><a/>", `<|a></>`},
		{"decl", `<?xml version="1.0"?><a/>`, `<|a></>`},
		{"decl full", "<?xml version='1.0' encoding='UTF-8' standalone='no' ?>\n<a/>", `<|a></>`},
		{"decl spaces", "<?xml\tversion = \"1.0\"\nencoding=\"utf-8\"\r\nstandalone=\"yes\"?><a/>", `<|a></>`},
		{"decl ascii", `<?xml version="1.0" encoding="US-ASCII"?><a x="&#233;">&#233;</a>`, "<|a |x=\"\u00e9\">T\"\u00e9\"</>"},
		{"non-ASCII names", "<\u00e9l\u00e9ment x\u00b7=\"1\"/>", ""},
		{"fifth edition names", "<\u2070\u0300 \U00010000=\"1\"/>", "<|\u2070\u0300 |\U00010000=\"1\"></>"},
		{"name chars", `<a-1.b_c d.-_9="1"/>`, `<|a-1.b_c |d.-_9="1"></>`},
		{"prefixes", `<p:a xmlns:p="urn:p" p:x="1" xml:lang="en"><p:b/></p:a>`,
			`<p|a xmlns|p="urn:p" p|x="1" xml|lang="en"><p|b></></>`},
		{"default namespace", `<a xmlns="urn:a"><b xmlns=""/></a>`, `<|a |xmlns="urn:a"><|b |xmlns=""></></>`},
		{"xml prefix declared", `<a xmlns:xml="http://www.w3.org/XML/1998/namespace"/>`, `<|a xmlns|xml="http://www.w3.org/XML/1998/namespace"></>`},
		{"same local different namespace", `<a xmlns:p="urn:1" xmlns:q="urn:2" p:x="1" q:x="2" x="3"/>`, ""},
		{"rebinding", `<p:a xmlns:p="urn:1"><p:a xmlns:p="urn:2"/></p:a>`, ""},
		{"DEL and wide", "<a>\x7f\u00e9\u20ac\U0001F600\uFFFD</a>", `<|a>T"\x7fé€😀�"</>`},
		{"whitespace text", "<a> <b/>\n</a>", `<|a>T" "<|b></>T"\n"</>`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, err := parseString(tt.in, Limits{})
			require.NoError(t, err)
			require.Len(t, doc.Child, 1)
			if tt.want != "" {
				assert.Equal(t, tt.want, dump(doc.Root()))
			}
			checkLinks(t, &doc.Element)
		})
	}
}

// checkLinks checks the parent, index and attribute links of a tree.
func checkLinks(t *testing.T, e *etree.Element) {
	t.Helper()
	for i := range e.Attr {
		require.Same(t, e, e.Attr[i].Element())
	}
	require.Equal(t, len(e.Attr), cap(e.Attr), "attribute slice capacity is clipped")
	require.Equal(t, len(e.Child), cap(e.Child), "child slice capacity is clipped")
	for i, c := range e.Child {
		require.Same(t, e, c.Parent())
		require.Equal(t, i, c.Index())
		if ce, ok := c.(*etree.Element); ok {
			checkLinks(t, ce)
		}
	}
}

func TestReject(t *testing.T) {
	tests := []struct {
		name, in, reason string
	}{
		{"empty", ``, "no document element"},
		{"only space", " \n", "no document element"},
		{"only decl", `<?xml version="1.0"?>`, "no document element"},
		{"only comment", `<!-- x -->`, "no document element"},
		{"unterminated", `<a>`, "unexpected end of input"},
		{"unterminated tag", `<a`, "unexpected end of input"},
		{"unterminated attr", `<a x="1`, "unexpected end of input"},
		{"lone lt", `<a><</a>`, "expected an element name"},
		{"lt at end", `<a/><`, "unexpected end of input"},
		{"space after lt", `< a/>`, "expected an element name"},
		{"mismatch", `<a></b>`, "does not match"},
		{"mismatch prefix", `<p:a xmlns:p="u" xmlns:q="u"></q:a>`, "does not match"},
		{"end without start", `</a>`, "unexpected end element"},
		{"end after root", `<a/></a>`, "unexpected end element"},
		{"end tag junk", `<a></a b>`, "expected '>'"},
		{"second root", `<a/><b/>`, "more than one document element"},
		{"text after root", `<a/>x`, "text outside the document element"},
		{"text before root", `x<a/>`, "text outside the document element"},
		{"ref outside root", `<a/>&#32;`, "text outside the document element"},
		{"nbsp outside root", "\u00a0<a/>", "text outside the document element"},
		{"cdata outside root", `<a/><![CDATA[ ]]>`, "CDATA section outside"},
		{"doctype", `<!DOCTYPE a><a/>`, "DOCTYPE"},
		{"doctype inside", `<a><!DOCTYPE a></a>`, "DOCTYPE"},
		{"entity decl", `<!ENTITY x "y"><a/>`, "DOCTYPE"},
		{"bad comment open", `<a><!-x--></a>`, "malformed comment"},
		{"bad cdata open", `<a><![CDATX[x]]></a>`, "malformed comment or CDATA"},
		{"pi", `<a><?pi x?></a>`, "processing instructions"},
		{"pi before root", `<?pi?><a/>`, "processing instructions"},
		{"xml pi late", `<a/><?xml version="1.0"?>`, "processing instructions"},
		{"decl after space", ` <?xml version="1.0"?><a/>`, "processing instructions"},
		{"decl after comment", `<!----><?xml version="1.0"?><a/>`, "processing instructions"},
		{"decl uppercase", `<?XML version="1.0"?><a/>`, "processing instructions"},
		{"decl no version", `<?xml encoding="utf-8"?><a/>`, "malformed XML declaration"},
		{"decl empty", `<?xml?><a/>`, "without a version"},
		{"decl junk after target", `<?xml!?><a/>`, "malformed XML declaration"},
		{"decl at end", `<?xml`, "unexpected end of input"},
		{"pi xml-prefixed target", `<?xml-stylesheet href="x"?><a/>`, "processing instructions"},
		{"decl version 1.1", `<?xml version="1.1"?><a/>`, "unsupported XML version"},
		{"decl order", `<?xml version="1.0" standalone="yes" encoding="utf-8"?><a/>`, "malformed XML declaration"},
		{"decl repeated", `<?xml version="1.0" version="1.0"?><a/>`, "malformed XML declaration"},
		{"decl unknown", `<?xml version="1.0" foo="bar"?><a/>`, "malformed XML declaration"},
		{"decl no space", `<?xml version="1.0"encoding="utf-8"?><a/>`, "malformed XML declaration"},
		{"decl standalone", `<?xml version="1.0" standalone="maybe"?><a/>`, "standalone"},
		{"decl encoding", `<?xml version="1.0" encoding="ISO-8859-1"?><a/>`, "unsupported encoding"},
		{"decl utf-16", `<?xml version="1.0" encoding="UTF-16"?><a/>`, "unsupported encoding"},
		{"decl unterminated", `<?xml version="1.0"`, "unexpected end of input"},
		{"decl quote mismatch", `<?xml version="1.0'?><a/>`, "malformed XML declaration"},
		{"ascii text", `<?xml version="1.0" encoding="us-ascii"?><a>é</a>`, "US-ASCII"},
		{"ascii name", `<?xml version="1.0" encoding="us-ascii"?><é/>`, "US-ASCII"},
		{"ascii bom", "\xEF\xBB\xBF" + `<?xml version="1.0" encoding="us-ascii"?><a/>`, "byte order mark"},
		{"bom late", `<?xml version="1.0"?>` + "\xEF\xBB\xBF<a/>", "text outside"},
		{"utf16 bom", "\xFE\xFF\x00<\x00a\x00/\x00>", "text outside"},
		{"missing space between attributes", `<a x="1"y="2"/>`, "expected whitespace"},
		{"unquoted", `<a x=1/>`, "not quoted"},
		{"no value", `<a x/>`, "expected '='"},
		{"no value end", `<a x>`, "expected '='"},
		{"lt in attribute", `<a x="<"/>`, "'<' in an attribute value"},
		{"lt in attribute after ref", `<a x="&amp;<"/>`, "'<' in an attribute value"},
		{"slash junk", `<a / >`, "expected '>' after '/'"},
		{"junk in tag", `<a $/>`, "expected an attribute name"},
		{"junk after name", `<a$/>`, "expected whitespace"},
		{"name digit", `<1a/>`, "cannot start with"},
		{"name dash", `<-a/>`, "cannot start with"},
		{"name middle dot start", "<\u00b7a/>", "cannot start with"},
		{"name times", "<a\u00d7/>", "expected whitespace"},
		{"name two colons", `<a:b:c/>`, "misplaced ':'"},
		{"name leading colon", `<:a/>`, "misplaced ':'"},
		{"name trailing colon", `<a:/>`, "misplaced ':'"},
		{"local starts with digit", `<a:1/>`, "cannot start with"},
		{"attribute trailing colon", `<a x:="1"/>`, "misplaced ':'"},
		{"name invalid utf8", "<a\xff/>", "invalid UTF-8"},
		{"cdata end in text", `<a>]]></a>`, `"]]>" in character data`},
		{"cdata end in text after ref", `<a>&amp;]]></a>`, `"]]>" in character data`},
		{"double dash", `<a><!-- a -- b --></a>`, `"--" inside a comment`},
		{"comment triple dash", `<a><!-- a ---></a>`, `"--" inside a comment`},
		{"comment unterminated", `<a><!-- a`, "unexpected end of input"},
		{"comment unterminated dashes", `<a><!-- a --`, "unexpected end of input"},
		{"cdata unterminated", `<a><![CDATA[x]]`, "unexpected end of input"},
		{"control in text", "<a>\x01</a>", "illegal character"},
		{"control in text after ref", "<a>&amp;\x00</a>", "illegal character"},
		{"control in attribute", "<a x=\"\x1f\"/>", "illegal character"},
		{"control in comment", "<a><!--\x0b--></a>", "illegal character"},
		{"control in cdata", "<a><![CDATA[\x0c]]></a>", "illegal character"},
		{"control outside", "\x00<a/>", "text outside"},
		{"invalid utf8 text", "<a>\xc3</a>", "invalid UTF-8"},
		{"invalid utf8 attribute", "<a x=\"\xe2\x82\"/>", "invalid UTF-8"},
		{"invalid utf8 comment", "<a><!--\xff--></a>", "invalid UTF-8"},
		{"invalid utf8 cdata", "<a><![CDATA[\x80]]></a>", "invalid UTF-8"},
		{"overlong utf8", "<a>\xc0\xbc</a>", "invalid UTF-8"},
		{"encoded surrogate", "<a>\xed\xa0\x80</a>", "invalid UTF-8"},
		{"fffe", "<a>\uFFFE</a>", "illegal character"},
		{"ffff attribute", "<a x=\"\uFFFF\"/>", "illegal character"},
		{"ref zero", `<a>&#0;</a>`, "not a legal XML character"},
		{"ref control", `<a>&#x1;</a>`, "not a legal XML character"},
		{"ref surrogate", `<a>&#xD800;</a>`, "not a legal XML character"},
		{"ref fffe", `<a x="&#xFFFE;"/>`, "not a legal XML character"},
		{"ref too big", `<a>&#x110000;</a>`, "not a legal XML character"},
		{"ref overflow", `<a>&#99999999999999999999999;</a>`, "not a legal XML character"},
		{"ref hex overflow", `<a>&#xFFFFFFFFFFFFFFFFFFFF41;</a>`, "not a legal XML character"},
		{"ref upper X", `<a>&#X41;</a>`, "malformed character reference"},
		{"ref empty", `<a>&#;</a>`, "malformed character reference"},
		{"ref empty hex", `<a>&#x;</a>`, "malformed character reference"},
		{"ref no semicolon", `<a>&#65</a>`, "malformed character reference"},
		{"ref bad digit", `<a>&#6a;</a>`, "malformed character reference"},
		{"ref hex in decimal", `<a>&#a;</a>`, "malformed character reference"},
		{"undeclared entity", `<a>&nbsp;</a>`, `undeclared entity "nbsp"`},
		{"entity no semicolon", `<a>&lt</a>`, "malformed entity reference"},
		{"bare ampersand", `<a>a & b</a>`, "malformed entity reference"},
		{"ampersand at end", `<a>&`, "malformed entity reference"},
		{"entity case", `<a>&LT;</a>`, `undeclared entity "LT"`},
		{"undeclared entity attribute", `<a x="&foo;"/>`, `undeclared entity "foo"`},
		{"undeclared prefix", `<p:a/>`, `undeclared namespace prefix "p"`},
		{"undeclared attribute prefix", `<a p:x="1"/>`, `undeclared namespace prefix "p" on attribute "x"`},
		{"out of scope prefix", `<a><b xmlns:p="u"/><p:c/></a>`, `undeclared namespace prefix "p"`},
		{"xmlns element prefix", `<xmlns:a/>`, `undeclared namespace prefix "xmlns"`},
		{"undeclaration", `<a xmlns:p="u"><b xmlns:p=""/></a>`, "cannot be undeclared"},
		{"xml rebound", `<a xmlns:xml="urn:x"/>`, "reserved"},
		{"xml namespace other prefix", `<a xmlns:x="http://www.w3.org/XML/1998/namespace"/>`, "reserved"},
		{"xmlns declared", `<a xmlns:xmlns="urn:x"/>`, "reserved"},
		{"xmlns namespace", `<a xmlns:x="http://www.w3.org/2000/xmlns/"/>`, "reserved"},
		{"default xml namespace", `<a xmlns="http://www.w3.org/XML/1998/namespace"/>`, "reserved namespace as default"},
		{"default xmlns namespace", `<a xmlns="http://www.w3.org/2000/xmlns/"/>`, "reserved namespace as default"},
		{"duplicate attribute", `<a x="1" x="2"/>`, `duplicate attribute "x" on <a>`},
		{"duplicate by namespace", `<a xmlns:p="u" xmlns:q="u" p:x="1" q:x="2"/>`, `duplicate attribute "q:x"`},
		{"duplicate xml", `<a xml:lang="1" xmlns:x="http://www.w3.org/XML/1998/namespace"/>`, "reserved"},
		{"duplicate declaration", `<a xmlns:p="u" xmlns:p="v"/>`, `duplicate namespace declaration "xmlns:p"`},
		{"duplicate default declaration", `<a xmlns="u" xmlns="u"/>`, `duplicate namespace declaration "xmlns"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, err := parseString(tt.in, Limits{})
			require.Error(t, err)
			assert.Nil(t, doc)
			var pe *Error
			require.True(t, errors.As(err, &pe), "%T %v", err, err)
			assert.Contains(t, pe.Reason, tt.reason)
			assert.True(t, pe.Offset >= 0 && pe.Offset <= int64(len(tt.in)), "offset %d", pe.Offset)
		})
	}
}

func manyAttrs(n int, name func(i int) string) string {
	var b strings.Builder
	b.WriteString("<x")
	for i := range n {
		fmt.Fprintf(&b, ` %s="1"`, name(i))
	}
	b.WriteString("/>")
	return b.String()
}

func TestLimits(t *testing.T) {
	deep := func(n int) string { return strings.Repeat("<d>", n) + strings.Repeat("</d>", n) }
	ok := func(in string, lim Limits) {
		t.Helper()
		_, err := parseString(in, lim)
		require.NoError(t, err)
	}
	bad := func(in string, lim Limits, reason string) {
		t.Helper()
		_, err := parseString(in, lim)
		var pe *Error
		require.True(t, errors.As(err, &pe), "%v", err)
		assert.Contains(t, pe.Reason, reason)
	}
	ok(deep(100), Limits{})
	bad(deep(101), Limits{}, "deeper than 100")
	ok(deep(8), Limits{MaxDepth: 8})
	bad(deep(9), Limits{MaxDepth: 8}, "deeper than 8")
	ok("<r>"+strings.Repeat("<e/>", 49)+"</r>", Limits{MaxElements: 50})
	bad("<r>"+strings.Repeat("<e/>", 50)+"</r>", Limits{MaxElements: 50}, "more than 50 elements")
	name := func(i int) string { return fmt.Sprintf("a%d", i) }
	ok(manyAttrs(64, name), Limits{})
	bad(manyAttrs(65, name), Limits{}, "more than 64 attributes")
	ok(`<x a="`+strings.Repeat("v", 64<<10)+`"/>`, Limits{})
	bad(`<x a="`+strings.Repeat("v", 64<<10+1)+`"/>`, Limits{}, "longer than 65536 bytes")
	// The decoded length counts.
	ok(`<x a="`+strings.Repeat("&lt;", 10)+`"/>`, Limits{MaxAttrBytes: 10})
	bad(`<x a="`+strings.Repeat("&lt;", 11)+`"/>`, Limits{MaxAttrBytes: 10}, "longer than 10 bytes")

	in := `<a>` + strings.Repeat("x", 100) + `</a>`
	_, err := parseString(in, Limits{MaxBytes: int64(len(in))})
	require.NoError(t, err)
	_, err = parseString(in, Limits{MaxBytes: int64(len(in) - 1)})
	require.ErrorIs(t, err, ErrTooLarge)
}

// TestLinearCost runs inputs that would take quadratic time in a naive
// parser; each must finish quickly.
func TestLinearCost(t *testing.T) {
	huge := func(name, in string, lim Limits, wantErr bool) {
		t.Run(name, func(t *testing.T) {
			start := time.Now()
			_, err := parseString(in, lim)
			if wantErr {
				require.Error(t, err)
			} else {
				require.NoError(t, err)
			}
			t.Logf("%d bytes in %v", len(in), time.Since(start))
		})
	}
	big := Limits{MaxBytes: 8 << 20}
	huge("4 MiB text", "<a>"+strings.Repeat("text &amp; more\r\n", 4<<20/17)+"</a>", big, false)
	huge("4 MiB cdata", "<a><![CDATA["+strings.Repeat("x]", 2<<20)+"]]></a>", big, false)
	huge("4 MiB comment", "<a><!--"+strings.Repeat("-x", 2<<20)+"--></a>", big, false)
	// 64 attributes whose names share a 60 KiB prefix (the name limit
	// raised).
	prefix := strings.Repeat("n", 60<<10)
	longNames := Limits{MaxBytes: 8 << 20, MaxNameBytes: 64 << 10}
	huge("long attribute names", manyAttrs(64, func(i int) string { return fmt.Sprintf("%s%02d", prefix, i) }), longNames, false)
	huge("long duplicate attribute names", manyAttrs(64, func(i int) string { return fmt.Sprintf("%s%02d", prefix, i%63) }), longNames, true)
	// Many attributes with a raised limit.
	huge("20k attributes", manyAttrs(20000, func(i int) string { return fmt.Sprintf("a%d", i) }),
		Limits{MaxBytes: 8 << 20, MaxAttributes: 20000}, false)
	// 100 levels of 64 declarations each, then many lookups of the
	// outermost prefix.
	var b strings.Builder
	for d := range 99 {
		b.WriteString("<p0:e")
		for k := range 63 {
			fmt.Fprintf(&b, ` xmlns:p%d="urn:%d:%d"`, k, d, k)
		}
		b.WriteString(">")
	}
	for range 20000 {
		b.WriteString(`<p0:x p0:a="1" p1:b="2" p2:c="3"/>`)
	}
	for range 99 {
		b.WriteString("</p0:e>")
	}
	huge("deep namespace stack", b.String(), big, false)
	// Text broken into many tokens.
	huge("many small tokens", "<a>"+strings.Repeat("x<!---->", 500000)+"</a>", big, false)
}

func TestTreeIsIndependent(t *testing.T) {
	doc, err := parseString(`<a x="1"><b y="2">t</b><c/><d/></a>`, Limits{})
	require.NoError(t, err)
	root := doc.Root()
	b := root.SelectElement("b")
	c := root.SelectElement("c")
	// Growing one element's slices must not touch its neighbours.
	b.CreateAttr("z", "3")
	b.CreateElement("new")
	c.CreateElement("new2")
	root.CreateAttr("w", "4")
	assert.Equal(t, `<|a |x="1" |w="4"><|b |y="2" |z="3">T"t"<|new></></><|c><|new2></></><|d></></>`, dump(root))
	checkLinks(t, &doc.Element)
	// Attribute helpers work.
	assert.Equal(t, "", root.SelectAttr("x").NamespaceURI())
	doc2, err := parseString(`<a xmlns:p="urn:p" p:x="1"/>`, Limits{})
	require.NoError(t, err)
	assert.Equal(t, "urn:p", doc2.Root().Attr[1].NamespaceURI())
	// Serialization round trip.
	out, err := doc.WriteToString()
	require.NoError(t, err)
	assert.Equal(t, `<a x="1" w="4"><b y="2" z="3">t<new/></b><c><new2/></c><d/></a>`, out)
}

// TestPooledParsersDoNotShare parses documents concurrently and checks
// that each tree keeps its own content.
func TestPooledParsersDoNotShare(t *testing.T) {
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 200 {
				s := fmt.Sprintf(`<a xmlns:p="urn:%d" p:id="%d-%d"><p:b>%d&amp;%d</p:b></a>`, g, g, i, g, i)
				doc, err := parseString(s, Limits{})
				if !assert.NoError(t, err) {
					return
				}
				// A failing parse in between must not disturb anything.
				_, err = parseString(`<a><b></a>`, Limits{})
				assert.Error(t, err)
				want := fmt.Sprintf(`<|a xmlns|p="urn:%d" p|id="%d-%d"><p|b>T"%d&%d"</></>`, g, g, i, g, i)
				assert.Equal(t, want, dump(doc.Root()))
			}
		}()
	}
	wg.Wait()
}

func TestErrorOffset(t *testing.T) {
	in := "<a>\n<b x='1'>&bogus;</b></a>"
	_, err := parseString(in, Limits{})
	var pe *Error
	require.True(t, errors.As(err, &pe))
	assert.Equal(t, int64(strings.Index(in, "&bogus")), pe.Offset)
	assert.Contains(t, err.Error(), "byte 13")
}

func TestBufferIsShared(t *testing.T) {
	buf := []byte(`<a x="v">text</a>`)
	doc, err := Parse(buf, Limits{})
	require.NoError(t, err)
	// The documented ownership: strings share the input.
	assert.True(t, bytes.Contains(buf, []byte(doc.Root().Text())))
}
