package c14n

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/beevik/etree"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// specCase is a hand-written expectation derived from the rules of Canonical
// XML 1.0 and Exclusive XML Canonicalization 1.0 (several are the examples of
// those recommendations, adapted to exclusive canonicalization).
type specCase struct {
	name     string
	doc      string
	apex     string // etree path of the apex; "" for the whole document
	comments bool
	prefixes []string
	want     string
}

var specCases = []specCase{
	{
		name: "exc-c14n 2.2: elem2 inside n0:local",
		doc:  `<n0:local xmlns:n0="foo:bar" xmlns:n3="ftp://example.org"><n1:elem2 xmlns:n1="http://example.net" xml:lang="en"><n3:stuff xmlns:n3="ftp://example.org"/></n1:elem2></n0:local>`,
		apex: "//n1:elem2",
		want: `<n1:elem2 xmlns:n1="http://example.net" xml:lang="en"><n3:stuff xmlns:n3="ftp://example.org"></n3:stuff></n1:elem2>`,
	},
	{
		name: "exc-c14n 2.2: elem2 inside n2:pdu, ancestor xml:* not inherited",
		doc:  `<n2:pdu xmlns:n1="http://example.com" xmlns:n2="http://foo.example" xml:lang="fr" xml:space="retain"><n1:elem2 xmlns:n1="http://example.net" xml:lang="en"><n3:stuff xmlns:n3="ftp://example.org"/></n1:elem2></n2:pdu>`,
		apex: "//n1:elem2",
		want: `<n1:elem2 xmlns:n1="http://example.net" xml:lang="en"><n3:stuff xmlns:n3="ftp://example.org"></n3:stuff></n1:elem2>`,
	},
	{
		name:     "PrefixList prefix in scope at apex through an ancestor is rendered there",
		doc:      `<n0:local xmlns:n0="foo:bar" xmlns:n3="ftp://example.org"><n1:elem2 xmlns:n1="http://example.net" xml:lang="en"><n3:stuff xmlns:n3="ftp://example.org"/></n1:elem2></n0:local>`,
		apex:     "//n1:elem2",
		prefixes: []string{"n3"},
		want:     `<n1:elem2 xmlns:n1="http://example.net" xmlns:n3="ftp://example.org" xml:lang="en"><n3:stuff></n3:stuff></n1:elem2>`,
	},
	{
		name:     "PrefixList prefix not in scope at apex is rendered where declared",
		doc:      `<n2:pdu xmlns:n1="http://example.com" xmlns:n2="http://foo.example"><n1:elem2 xmlns:n1="http://example.net"><n3:stuff xmlns:n3="ftp://example.org"/></n1:elem2></n2:pdu>`,
		apex:     "//n1:elem2",
		prefixes: []string{"n3", "undeclared"},
		want:     `<n1:elem2 xmlns:n1="http://example.net"><n3:stuff xmlns:n3="ftp://example.org"></n3:stuff></n1:elem2>`,
	},
	{
		name:     "PrefixList prefix declared but unused below the apex is rendered",
		doc:      `<a><b xmlns:p="urn:p"><c/></b></a>`,
		apex:     "/a",
		prefixes: []string{"p"},
		want:     `<a><b xmlns:p="urn:p"><c></c></b></a>`,
	},
	{
		name: "C14N 3.3 start and end tags (exclusive)",
		doc: `<doc>
   <e1   />
   <e2   ></e2>
   <e3   name = "elem3"   id="elem3"   />
   <e4   name="elem4"   id="elem4"   ></e4>
   <e5 a:attr="out" b:attr="sorted" attr2="all" attr="I'm"
      xmlns:b="http://www.ietf.org"
      xmlns:a="http://www.w3.org"
      xmlns="http://example.org"/>
   <e6 xmlns="" xmlns:a="http://www.w3.org">
      <e7 xmlns="http://www.ietf.org">
         <e8 xmlns="" xmlns:a="http://www.w3.org">
            <e9 xmlns="" xmlns:a="http://www.ietf.org"/>
         </e8>
      </e7>
   </e6>
</doc>`,
		want: `<doc>
   <e1></e1>
   <e2></e2>
   <e3 id="elem3" name="elem3"></e3>
   <e4 id="elem4" name="elem4"></e4>
   <e5 xmlns="http://example.org" xmlns:a="http://www.w3.org" xmlns:b="http://www.ietf.org" attr="I'm" attr2="all" b:attr="sorted" a:attr="out"></e5>
   <e6>
      <e7 xmlns="http://www.ietf.org">
         <e8 xmlns="">
            <e9></e9>
         </e8>
      </e7>
   </e6>
</doc>`,
	},
	{
		name: "C14N 3.3 with #default and a inclusive",
		doc: `<doc>
   <e6 xmlns="" xmlns:a="http://www.w3.org">
      <e7 xmlns="http://www.ietf.org">
         <e8 xmlns="" xmlns:a="http://www.w3.org">
            <e9 xmlns="" xmlns:a="http://www.ietf.org"/>
         </e8>
      </e7>
   </e6>
</doc>`,
		prefixes: []string{"#default", "a"},
		want: `<doc>
   <e6 xmlns:a="http://www.w3.org">
      <e7 xmlns="http://www.ietf.org">
         <e8 xmlns="">
            <e9 xmlns:a="http://www.ietf.org"></e9>
         </e8>
      </e7>
   </e6>
</doc>`,
	},
	{
		name: "C14N 3.4 character modifications",
		doc: `<doc>
   <text>First line&#x0d;&#10;Second line</text>
   <value>&#x32;</value>
   <compute><![CDATA[value>"0" && value<"10" ?"valid":"error"]]></compute>
   <compute expr='value>"0" &amp;&amp; value&lt;"10" ?"valid":"error"'>valid</compute>
   <norm attr=' &apos;   &#x20;&#13;&#xa;&#9;   &apos; '/>
   <normNames attr='   A   &#x20;&#13;&#xa;&#9;   B   '/>
</doc>`,
		want: `<doc>
   <text>First line&#xD;
Second line</text>
   <value>2</value>
   <compute>value&gt;"0" &amp;&amp; value&lt;"10" ?"valid":"error"</compute>
   <compute expr="value>&quot;0&quot; &amp;&amp; value&lt;&quot;10&quot; ?&quot;valid&quot;:&quot;error&quot;">valid</compute>
   <norm attr=" '    &#xD;&#xA;&#x9;   ' "></norm>
   <normNames attr="   A    &#xD;&#xA;&#x9;   B   "></normNames>
</doc>`,
	},
	{
		name: "C14N 3.1 PIs, comments and outside of document element (no comments)",
		doc: `<?xml version="1.0"?>

<?xml-stylesheet   href="doc.xsl"
   type="text/xsl"   ?>

<!DOCTYPE doc SYSTEM "doc.dtd">

<doc>Hello, world!<!-- Comment 1 --></doc>

<?pi-without-data     ?>

<!-- Comment 2 -->

<!-- Comment 3 -->`,
		want: `<?xml-stylesheet href="doc.xsl"
   type="text/xsl"   ?>
<doc>Hello, world!</doc>
<?pi-without-data?>`,
	},
	{
		name: "C14N 3.1 PIs, comments and outside of document element (with comments)",
		doc: `<?xml version="1.0"?>

<?xml-stylesheet   href="doc.xsl"
   type="text/xsl"   ?>

<!DOCTYPE doc SYSTEM "doc.dtd">

<doc>Hello, world!<!-- Comment 1 --></doc>

<?pi-without-data     ?>

<!-- Comment 2 -->

<!-- Comment 3 -->`,
		comments: true,
		want: `<?xml-stylesheet href="doc.xsl"
   type="text/xsl"   ?>
<doc>Hello, world!<!-- Comment 1 --></doc>
<?pi-without-data?>
<!-- Comment 2 -->
<!-- Comment 3 -->`,
	},
	{
		name:     "comments inside a subtree, no newlines added",
		doc:      `<!-- outside --><r><!-- a --><x><?p d?><!--b--></x></r>`,
		apex:     "/r/x",
		comments: true,
		want:     `<x><?p d?><!--b--></x>`,
	},
	{
		name: "xmlns=\"\" not emitted when nothing non-empty was rendered",
		doc:  `<r xmlns="urn:r"><a xmlns=""><b/></a></r>`,
		apex: "//a",
		want: `<a><b></b></a>`,
	},
	{
		name: "xmlns=\"\" emitted below a rendered default namespace",
		doc:  `<r xmlns="urn:r"><a xmlns=""><b/></a></r>`,
		want: `<r xmlns="urn:r"><a xmlns=""><b></b></a></r>`,
	},
	{
		name: "default namespace not utilized by a prefixed apex",
		doc:  `<p:r xmlns:p="urn:p" xmlns="urn:d"><p:a><b xmlns=""><c/></b></p:a><x><y xmlns=""/></x></p:r>`,
		want: `<p:r xmlns:p="urn:p"><p:a><b><c></c></b></p:a><x xmlns="urn:d"><y xmlns=""></y></x></p:r>`,
	},
	{
		name:     "#default: in-scope default rendered at a prefixed apex",
		doc:      `<r xmlns="urn:d"><p:a xmlns:p="urn:p"><p:b xmlns=""/><c/></p:a></r>`,
		apex:     "//p:a",
		prefixes: []string{"#default"},
		want:     `<p:a xmlns="urn:d" xmlns:p="urn:p"><p:b xmlns=""></p:b><c></c></p:a>`,
	},
	{
		name: "without #default the same subtree renders no default namespace",
		doc:  `<r xmlns="urn:d"><p:a xmlns:p="urn:p"><p:b xmlns=""/><c/></p:a></r>`,
		apex: "//p:a",
		want: `<p:a xmlns:p="urn:p"><p:b></p:b><c xmlns="urn:d"></c></p:a>`,
	},
	{
		name: "prefix redeclared with other values, superfluous redeclaration dropped",
		doc:  `<p:a xmlns:p="urn:1"><p:b xmlns:p="urn:2"><p:c xmlns:p="urn:1"><p:d xmlns:p="urn:1"/></p:c></p:b><p:e xmlns:p="urn:1"/></p:a>`,
		want: `<p:a xmlns:p="urn:1"><p:b xmlns:p="urn:2"><p:c xmlns:p="urn:1"><p:d></p:d></p:c></p:b><p:e></p:e></p:a>`,
	},
	{
		name: "prefix utilized only by an attribute",
		doc:  `<a xmlns:p="urn:p" xmlns:q="urn:q"><b p:x="1"><c q:y="2" p:z="3"/></b></a>`,
		want: `<a><b xmlns:p="urn:p" p:x="1"><c xmlns:q="urn:q" p:z="3" q:y="2"></c></b></a>`,
	},
	{
		name: "attributes ordered by namespace URI, then local name",
		doc:  `<e xmlns:a="urn:z" xmlns:b="urn:a" xmlns:c="urn:m" a:x="1" b:y="2" y="3" x="4" c:x="5" c:a="6" b:z="7"/>`,
		want: `<e xmlns:a="urn:z" xmlns:b="urn:a" xmlns:c="urn:m" x="4" y="3" b:y="2" b:z="7" c:a="6" c:x="5" a:x="1"></e>`,
	},
	{
		name: "xml attributes are never declared and sort by the XML namespace",
		doc:  `<r xml:lang="fr"><a xml:space="preserve" xmlns:z="zzz:z" z:k="1" xmlns:h="http://a" h:k="2" k="3"/></r>`,
		apex: "/r/a",
		want: `<a xmlns:h="http://a" xmlns:z="zzz:z" k="3" h:k="2" xml:space="preserve" z:k="1"></a>`,
	},
	{
		name: "same namespace under two prefixes",
		doc:  `<r xmlns:a="urn:same" xmlns:b="urn:same"><a:x><b:y a:k="1"/></a:x></r>`,
		apex: "//a:x",
		want: `<a:x xmlns:a="urn:same"><b:y xmlns:b="urn:same" a:k="1"></b:y></a:x>`,
	},
	{
		name: "text and attribute escaping",
		doc:  "<r a=\"&amp;&lt;&gt;&quot;'&#9;&#10;&#13;\">&amp;&lt;&gt;\"'&#13;&#9;\u00e9</r>",
		want: "<r a=\"&amp;&lt;>&quot;'&#x9;&#xA;&#xD;\">&amp;&lt;&gt;\"'&#xD;\t\u00e9</r>",
	},
	{
		name: "whitespace preserved exactly",
		doc:  "<r>\n  <a>  x  </a>\n\t<b>\r\n</b>   \n</r>",
		want: "<r>\n  <a>  x  </a>\n\t<b>\n</b>   \n</r>",
	},
	{
		name:     "WSS4J-style Body with PrefixList",
		doc:      `<soap:Envelope xmlns:soap="http://www.w3.org/2003/05/soap-envelope" xmlns:wsa="http://www.w3.org/2005/08/addressing" xmlns:wsu="urn:wsu"><soap:Header/><soap:Body wsu:Id="b"><Ping xmlns="urn:ping"><Text>hello</Text></Ping></soap:Body></soap:Envelope>`,
		apex:     "//soap:Body",
		prefixes: []string{"wsa", "wsu"},
		want:     `<soap:Body xmlns:soap="http://www.w3.org/2003/05/soap-envelope" xmlns:wsa="http://www.w3.org/2005/08/addressing" xmlns:wsu="urn:wsu" wsu:Id="b"><Ping xmlns="urn:ping"><Text>hello</Text></Ping></soap:Body>`,
	},
}

func findApex(t testing.TB, doc *etree.Document, path string) *etree.Element {
	t.Helper()
	if path == "" {
		return nil
	}
	el := doc.FindElement(path)
	require.NotNil(t, el, "apex %s not found", path)
	return el
}

func runSpecCase(t *testing.T, tc specCase, doc *etree.Document) string {
	t.Helper()
	var opts []Option
	if tc.comments {
		opts = append(opts, WithComments())
	}
	if tc.prefixes != nil {
		opts = append(opts, WithInclusivePrefixes(tc.prefixes))
	}
	var b bytes.Buffer
	var err error
	if el := findApex(t, doc, tc.apex); el != nil {
		err = Canonicalize(&b, el, opts...)
	} else {
		err = CanonicalizeDocument(&b, doc, opts...)
	}
	require.NoError(t, err)
	return b.String()
}

func TestSpecExamples(t *testing.T) {
	for _, tc := range specCases {
		t.Run(tc.name, func(t *testing.T) {
			doc := mustParse(t, tc.doc)
			assert.Equal(t, tc.want, runSpecCase(t, tc, doc))

			// The same with CDATA sections kept as such by etree.
			doc2 := etree.NewDocument()
			doc2.ReadSettings.PreserveCData = true
			require.NoError(t, doc2.ReadFromString(tc.doc))
			assert.Equal(t, tc.want, runSpecCase(t, tc, doc2), "PreserveCData")
		})
	}
}

// TestSpecExamplesXMLSec1 checks that xmlsec1 agrees with the hand-written
// expectations, so they are not just our reading of the specification.
func TestSpecExamplesXMLSec1(t *testing.T) {
	for _, tc := range specCases {
		t.Run(tc.name, func(t *testing.T) {
			doc := mustParse(t, tc.doc)
			r := xsRef{whole: true, comments: tc.comments, prefixes: tc.prefixes}
			if el := findApex(t, doc, tc.apex); el != nil {
				r = xsRef{path: elementPath(el), comments: tc.comments, prefixes: tc.prefixes}
			}
			got := xmlsecCanon(t, []byte(tc.doc), []xsRef{r})
			assert.Equal(t, tc.want, string(got[0]))
		})
	}
}

func TestCDATAIsEscapedText(t *testing.T) {
	doc := etree.NewDocument()
	doc.ReadSettings.PreserveCData = true
	require.NoError(t, doc.ReadFromString(`<r><![CDATA[<a> & "b" ]]]]><![CDATA[> x]]></r>`))
	got, err := canonString(doc.Root())
	require.NoError(t, err)
	assert.Equal(t, `<r>&lt;a&gt; &amp; "b" ]]&gt; x</r>`, got)

	// Built programmatically.
	r := etree.NewElement("r")
	r.CreateCData("a<b\r")
	got, err = canonString(r)
	require.NoError(t, err)
	assert.Equal(t, `<r>a&lt;b&#xD;</r>`, got)
}

func TestProgrammaticTree(t *testing.T) {
	doc := etree.NewDocument()
	env := doc.CreateElement("s:Envelope")
	env.CreateAttr("xmlns:s", "urn:s")
	body := env.CreateElement("s:Body")
	body.CreateAttr("b", "x\x01y\uFFFEz")
	body.CreateText("bad\x00 utf8:\xff ok:\uFFFD")
	body.CreateComment("c")
	body.AddChild(etree.NewDirective("DOCTYPE x"))
	got, err := canonString(body, WithComments())
	require.NoError(t, err)
	assert.Equal(t, "<s:Body xmlns:s=\"urn:s\" b=\"x\uFFFDy\uFFFDz\">bad\uFFFD utf8:\uFFFD ok:\uFFFD<!--c--></s:Body>", got)
}

func TestErrors(t *testing.T) {
	cases := []struct {
		name, doc, apex string
		check           func(t *testing.T, err error)
	}{
		{"undeclared element prefix", `<p:a/>`, "", func(t *testing.T, err error) {
			var u *UndeclaredPrefixError
			require.ErrorAs(t, err, &u)
			assert.Equal(t, "p", u.Prefix)
			assert.Equal(t, "p:a", u.Element)
		}},
		{"undeclared attribute prefix", `<a xmlns:q="urn:q"><b p:x="1"/></a>`, "/a/b", func(t *testing.T, err error) {
			var u *UndeclaredPrefixError
			require.ErrorAs(t, err, &u)
			assert.Equal(t, "p", u.Prefix)
		}},
		{"prefix undeclared with xmlns:p=\"\"", `<a xmlns:p="urn:p"><b xmlns:p=""><p:c/></b></a>`, "", func(t *testing.T, err error) {
			var u *UndeclaredPrefixError
			require.ErrorAs(t, err, &u)
		}},
		{"xml prefix rebound", `<a xmlns:xml="urn:x"/>`, "", func(t *testing.T, err error) { require.Error(t, err) }},
		{"xmlns prefix declared", `<a xmlns:xmlns="urn:x"/>`, "", func(t *testing.T, err error) { require.Error(t, err) }},
		{"xmlns namespace bound", `<a xmlns="http://www.w3.org/2000/xmlns/"/>`, "", func(t *testing.T, err error) { require.Error(t, err) }},
		{"bad declaration on an ancestor", `<a xmlns:xml="urn:x"><b/></a>`, "/a/b", func(t *testing.T, err error) { require.Error(t, err) }},
		{"element with prefix xmlns", `<xmlns:a/>`, "", func(t *testing.T, err error) { require.Error(t, err) }},
		{"duplicate expanded attribute name", `<a xmlns:p="urn:x" xmlns:q="urn:x" p:k="1" q:k="2"/>`, "", func(t *testing.T, err error) {
			require.ErrorContains(t, err, "duplicate attribute")
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			doc := mustParse(t, tc.doc)
			el := doc.Root()
			if tc.apex != "" {
				el = doc.FindElement(tc.apex)
			}
			var b bytes.Buffer
			tc.check(t, Canonicalize(&b, el))
		})
	}

	t.Run("xml prefix declared correctly is accepted and not rendered", func(t *testing.T) {
		doc := mustParse(t, `<a xmlns:xml="http://www.w3.org/XML/1998/namespace" xml:lang="en"/>`)
		got, err := canonString(doc.Root(), WithInclusivePrefixes([]string{"xml"}))
		require.NoError(t, err)
		assert.Equal(t, `<a xml:lang="en"></a>`, got)
	})
	t.Run("nil element and document", func(t *testing.T) {
		require.Error(t, Canonicalize(&bytes.Buffer{}, nil))
		require.Error(t, CanonicalizeDocument(&bytes.Buffer{}, nil))
	})
	t.Run("document pseudo-element", func(t *testing.T) {
		doc := mustParse(t, `<a/>`)
		require.Error(t, Canonicalize(&bytes.Buffer{}, &doc.Element))
	})
	t.Run("PrefixList prefix that is not declared is ignored", func(t *testing.T) {
		doc := mustParse(t, `<a/>`)
		got, err := canonString(doc.Root(), WithInclusivePrefixes([]string{"nope", "#default", "xmlns", ""}))
		require.NoError(t, err)
		assert.Equal(t, `<a></a>`, got)
	})
}

// failWriter fails after n bytes.
type failWriter struct{ n int }

var errWrite = errors.New("write failed")

func (w *failWriter) Write(p []byte) (int, error) {
	if len(p) > w.n {
		return w.n, errWrite
	}
	w.n -= len(p)
	return len(p), nil
}

func TestWriterErrorAndChunking(t *testing.T) {
	big := makeSOAP12(50 << 10)
	doc := mustParse(t, string(big))
	body := doc.FindElement("//soap:Body")
	require.NotNil(t, body)

	var full bytes.Buffer
	require.NoError(t, Canonicalize(&full, body))
	require.Greater(t, full.Len(), 3*bufSize)

	for _, n := range []int{0, 1, bufSize - 1, bufSize, 3*bufSize + 7} {
		err := Canonicalize(&failWriter{n: n}, body)
		require.ErrorIs(t, err, errWrite, "n=%d", n)
	}

	// Writes are buffered: no write is smaller than the buffer except the
	// last one.
	rec := &recWriter{}
	require.NoError(t, Canonicalize(rec, body))
	assert.Equal(t, full.Bytes(), rec.buf.Bytes())
	for i, n := range rec.sizes[:len(rec.sizes)-1] {
		assert.Equal(t, bufSize, n, "write %d", i)
	}

	// A huge text node goes through the buffer without growing it.
	r := etree.NewElement("r")
	r.CreateText(strings.Repeat("a&b", 100000))
	rec = &recWriter{}
	require.NoError(t, Canonicalize(rec, r))
	assert.Equal(t, "<r>"+strings.Repeat("a&amp;b", 100000)+"</r>", rec.buf.String())
}

type recWriter struct {
	buf   bytes.Buffer
	sizes []int
}

func (w *recWriter) Write(p []byte) (int, error) {
	w.sizes = append(w.sizes, len(p))
	return w.buf.Write(p)
}

func TestTreeNotModified(t *testing.T) {
	for _, d := range loadCorpus(t) {
		doc, err := parse(d.data)
		require.NoError(t, err)
		before, err := doc.WriteToString()
		require.NoError(t, err)
		for _, el := range allElements(doc.Root()) {
			_, _ = canonString(el, WithComments(), WithInclusivePrefixes([]string{"#default", "soap"}))
		}
		after, err := doc.WriteToString()
		require.NoError(t, err)
		require.Equal(t, before, after, d.name)
	}
}

func TestConcurrentUse(t *testing.T) {
	doc := mustParse(t, string(makeSOAP12(8<<10)))
	body := doc.FindElement("//soap:Body")
	want, err := canonString(body)
	require.NoError(t, err)
	var wg sync.WaitGroup
	errs := make(chan string, 8)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 50; i++ {
				got, err := canonString(body)
				if err != nil || got != want {
					errs <- "mismatch"
					return
				}
				h := sha256.New()
				if err := Canonicalize(h, body, WithInclusivePrefixes([]string{"wsu"})); err != nil {
					errs <- err.Error()
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Fatal(e)
	}
}

func TestProgrammaticNameErrors(t *testing.T) {
	e := etree.NewElement("a")
	e.Attr = append(e.Attr, etree.Attr{Space: "xmlns", Key: "", Value: "urn:x"})
	require.Error(t, Canonicalize(&bytes.Buffer{}, e))
	e = etree.NewElement("a")
	e.Attr = append(e.Attr, etree.Attr{Key: "", Value: "v"})
	require.Error(t, Canonicalize(&bytes.Buffer{}, e))
}

func TestOptionsDoNotAllocate(t *testing.T) {
	if raceEnabled {
		t.Log("allocation counts are not meaningful under the race detector")
		return
	}
	doc := mustParse(t, string(makeSOAP12(2<<10)))
	body := doc.FindElement("//soap:Body")
	h := sha256.New()
	prefixes := []string{"wsu", "#default"}
	allocs := testing.AllocsPerRun(100, func() {
		h.Reset()
		if err := Canonicalize(h, body, WithComments(), WithInclusivePrefixes(prefixes)); err != nil {
			t.Fatal(err)
		}
	})
	assert.Zero(t, allocs)
}
