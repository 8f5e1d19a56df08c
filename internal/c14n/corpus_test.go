package c14n

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/beevik/etree"
)

// corpusDoc is one document of the test corpus.
type corpusDoc struct {
	name string
	data []byte
}

// syntheticCorpus holds hand-written documents exercising the namespace and
// escaping rules; the vector files in testdata/ add real messages.
var syntheticCorpus = []struct{ name, xml string }{
	{"soap12-signed-parts", `<?xml version="1.0" encoding="UTF-8"?>
<soap:Envelope xmlns:soap="http://www.w3.org/2003/05/soap-envelope" xmlns:wsa="http://www.w3.org/2005/08/addressing" xmlns:wsu="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd" xmlns:unused="urn:unused">
  <soap:Header>
    <wsse:Security xmlns:wsse="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd" soap:mustUnderstand="true">
      <wsu:Timestamp wsu:Id="TS-1"><wsu:Created>2026-01-01T00:00:00Z</wsu:Created><wsu:Expires>2026-01-01T00:05:00Z</wsu:Expires></wsu:Timestamp>
    </wsse:Security>
    <wsa:Action soap:mustUnderstand="1" wsu:Id="id-action">urn:example:Echo</wsa:Action>
    <wsa:MessageID wsu:Id="id-mid">urn:uuid:1b2c3d</wsa:MessageID>
    <wsa:To soap:mustUnderstand="1" wsu:Id="id-to">https://example.org/svc?a=1&amp;b=2</wsa:To>
    <wsa:ReplyTo wsu:Id="id-replyto"><wsa:Address>http://www.w3.org/2005/08/addressing/anonymous</wsa:Address></wsa:ReplyTo>
  </soap:Header>
  <soap:Body wsu:Id="id-body"><Echo xmlns="urn:example"><Text>a &lt; b &amp;&amp; c &gt; d "quoted" 'apos'</Text><n:Num xmlns:n="urn:num" n:kind="int">42</n:Num></Echo></soap:Body>
</soap:Envelope>`},
	{"soap11-body-default-ns", `<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" xmlns="urn:outer-default"><s:Header><h xmlns="urn:h">x</h></s:Header><s:Body><GetQuote xmlns="urn:quotes"><symbol>ACME</symbol><inner xmlns=""><leaf/></inner></GetQuote></s:Body></s:Envelope>`},
	{"nested-default-namespaces", `<a xmlns="urn:a"><b xmlns="urn:b"><c xmlns="urn:a"><d xmlns="urn:a"><e xmlns="urn:b"/></d></c></b><f/></a>`},
	{"prefix-redeclared", `<p:a xmlns:p="urn:1"><p:b xmlns:p="urn:2"><p:c xmlns:p="urn:1"><p:d xmlns:p="urn:1"/></p:c></p:b><q:e xmlns:q="urn:1" p:at="v"/></p:a>`},
	{"xmlns-empty-cases", `<r xmlns="urn:r"><a xmlns=""><b/><c xmlns="urn:c"><d xmlns=""/></c></a><p:e xmlns:p="urn:p"><f xmlns=""/></p:e><g xmlns=""/></r>`},
	{"xmlns-empty-under-prefixed", `<p:r xmlns:p="urn:p" xmlns="urn:d"><p:a><b xmlns=""><c/></b></p:a><x><y xmlns=""/></x></p:r>`},
	{"attributes-multi-ns", `<e xmlns:a="urn:z" xmlns:b="urn:a" xmlns:c="urn:m" a:x="1" b:y="2" y="3" x="4" c:x="5" c:a="6" b:z="7"><f a:a="1" b:b="2" c:c="3"/></e>`},
	{"attributes-same-local-name", `<e5 a:attr="out" b:attr="sorted" attr2="all" attr="I'm" xmlns:b="http://www.ietf.org" xmlns:a="http://www.w3.org" xmlns="http://example.org"/>`},
	{"special-text", "<doc><t>First line&#x0d;&#10;Second line&#13;end</t><v>&#x32;&lt;&gt;&amp;\"'</v><w attr=\"tab&#9;nl&#10;cr&#13;quot&quot;lt&lt;gt&gt;amp&amp;apos'\">\t\u00e9\u4e2d\U0001F600</w></doc>"},
	{"comments-and-pis", `<?xml version="1.0"?>
<?xml-stylesheet href="doc.xsl" type="text/xsl"?>
<!-- before -->
<doc><!-- inside --><?target data with  spaces ?><?empty?><a><!--x--></a></doc>
<!-- after -->
<?after-pi?>`},
	{"xml-attributes", `<r xml:lang="fr" xml:space="preserve" xmlns:w="urn:w"><a xml:lang="en" w:x="1"><b xml:space="default"/></a><c/></r>`},
	{"exc-c14n-spec-2-2", `<n0:local xmlns:n0="foo:bar" xmlns:n3="ftp://example.org"><n1:elem2 xmlns:n1="http://example.net" xml:lang="en"><n3:stuff xmlns:n3="ftp://example.org"/></n1:elem2></n0:local>`},
	{"exc-c14n-spec-2-2b", `<n2:pdu xmlns:n1="http://example.com" xmlns:n2="http://foo.example" xml:lang="fr" xml:space="retain"><n1:elem2 xmlns:n1="http://example.net" xml:lang="en"><n3:stuff xmlns:n3="ftp://example.org"/></n1:elem2></n2:pdu>`},
	{"c14n-spec-3-3", `<doc>
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
</doc>`},
	{"c14n-spec-3-4", `<doc>
   <text>First line&#x0d;&#10;Second line</text>
   <value>&#x32;</value>
   <compute><![CDATA[value>"0" && value<"10" ?"valid":"error"]]></compute>
   <compute expr='value>"0" &amp;&amp; value&lt;"10" ?"valid":"error"'>valid</compute>
   <norm attr=' &apos;   &#x20;&#13;&#xa;&#9;   &apos; '/>
   <normNames attr='   A   &#x20;&#13;&#xa;&#9;   B   '/>
</doc>`},
	{"unused-ancestor-decls", `<r xmlns:a="urn:a" xmlns:b="urn:b" xmlns:c="urn:c" xmlns="urn:d"><a:x><b:y c:z="1"><w/></b:y></a:x></r>`},
	{"same-uri-two-prefixes", `<r xmlns:a="urn:same" xmlns:b="urn:same"><a:x><b:y a:k="1"/></a:x></r>`},
	{"deep-mixed", `<r xmlns="urn:r" xmlns:p="urn:p"><p:l1><l2><p:l3 xmlns="urn:r2"><l4 p:a="x"><l5 xmlns:p="urn:p2"><p:l6/></l5></l4></p:l3></l2></p:l1></r>`},
	{"whitespace-preserved", "<r>\n  <a>  lead and trail  </a>\n\t<b>\r\n</b>   \n</r>"},
}

// loadCorpus returns the synthetic documents and every XML file under
// testdata/ (the vectors copied from shared/vectors) that etree parses.
func loadCorpus(t testing.TB) []corpusDoc {
	t.Helper()
	var docs []corpusDoc
	for _, s := range syntheticCorpus {
		docs = append(docs, corpusDoc{name: "synthetic/" + s.name, data: []byte(s.xml)})
	}
	docs = append(docs, corpusDoc{name: "synthetic/many-declarations", data: manyDeclsDoc()})
	var files []string
	err := filepath.WalkDir("testdata", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == "fuzz" {
			return filepath.SkipDir
		}
		if !d.IsDir() && strings.HasSuffix(path, ".xml") {
			files = append(files, path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(files)
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := parse(b); err != nil {
			t.Logf("corpus: %s does not parse with etree, skipped: %v", f, err)
			continue
		}
		docs = append(docs, corpusDoc{name: filepath.ToSlash(strings.TrimPrefix(f, "testdata/")), data: b})
	}
	return docs
}

func parse(b []byte) (*etree.Document, error) {
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(b); err != nil {
		return nil, err
	}
	if doc.Root() == nil {
		return nil, fmt.Errorf("no document element")
	}
	return doc, nil
}

func mustParse(t testing.TB, s string) *etree.Document {
	t.Helper()
	doc, err := parse([]byte(s))
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	return doc
}

// allElements lists el and its descendant elements in document order.
func allElements(el *etree.Element) []*etree.Element {
	var out []*etree.Element
	var walk func(e *etree.Element)
	walk = func(e *etree.Element) {
		out = append(out, e)
		for _, c := range e.ChildElements() {
			walk(c)
		}
	}
	walk(el)
	return out
}

// elementPath returns the 1-based positions among sibling elements from the
// document element down to el (empty for the document element).
func elementPath(el *etree.Element) []int {
	var rev []int
	for e := el; e.Parent() != nil && e.Parent().Parent() != nil; e = e.Parent() {
		n := 0
		for _, s := range e.Parent().ChildElements() {
			n++
			if s == e {
				break
			}
		}
		rev = append(rev, n)
	}
	for i, j := 0, len(rev)-1; i < j; i, j = i+1, j-1 {
		rev[i], rev[j] = rev[j], rev[i]
	}
	return rev
}

// declaredPrefixes lists the prefixes declared anywhere in the document,
// sorted.
func declaredPrefixes(doc *etree.Document) []string {
	seen := map[string]bool{}
	for _, e := range allElements(doc.Root()) {
		for _, a := range e.Attr {
			if a.Space == "xmlns" && a.Key != "xml" {
				seen[a.Key] = true
			}
		}
	}
	var out []string
	for p := range seen {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

// optionSet is one combination of options used by the differential tests.
type optionSet struct {
	name     string
	comments bool
	prefixes []string
}

func (o optionSet) opts() []Option {
	var opts []Option
	if o.comments {
		opts = append(opts, WithComments())
	}
	if o.prefixes != nil {
		opts = append(opts, WithInclusivePrefixes(o.prefixes))
	}
	return opts
}

// optionSets returns the option combinations tried for a document: plain,
// with comments, the first declared prefix inclusive, and every declared
// prefix plus #default inclusive (with comments).
func optionSets(doc *etree.Document) []optionSet {
	sets := []optionSet{{name: "plain"}, {name: "comments", comments: true}}
	ps := declaredPrefixes(doc)
	if len(ps) > 0 {
		sets = append(sets, optionSet{name: "incl-" + ps[0], prefixes: ps[:1]})
	}
	sets = append(sets, optionSet{name: "incl-all+#default", comments: true, prefixes: append(append([]string{}, ps...), "#default")})
	return sets
}

// canon runs Canonicalize into a byte slice.
func canonString(el *etree.Element, opts ...Option) (string, error) {
	var sb strings.Builder
	err := Canonicalize(&sb, el, opts...)
	return sb.String(), err
}

// manyDeclsDoc has more bindings in scope than indexThreshold, with
// shadowing at several depths, so that the indexed namespace stack is
// exercised (built part way through a document, popped below the
// threshold, rebuilt).
func manyDeclsDoc() []byte {
	var sb strings.Builder
	sb.WriteString(`<r xmlns="urn:d0"`)
	for i := 0; i < 40; i++ {
		fmt.Fprintf(&sb, ` xmlns:p%d="urn:p%d"`, i, i)
	}
	sb.WriteString(`>`)
	for j := 0; j < 3; j++ {
		fmt.Fprintf(&sb, `<p%d:a xmlns:p%d="urn:other%d" p39:x="1" p0:y="2">`, j, j+1, j)
		for i := 0; i < 30; i++ {
			fmt.Fprintf(&sb, `<b%d xmlns:q%d="urn:q%d" xmlns:p%d="urn:p%d-2"><p%d:c q%d:z="3" p%d:w="4"/></b%d>`, i, i, i, i+2, i, i+1, i, i+2, i)
		}
		fmt.Fprintf(&sb, `<p%d:d xmlns="" p%d:k="5"><e xmlns="urn:d1"/></p%d:d></p%d:a>`, j+1, j+1, j+1, j)
	}
	sb.WriteString(`<last p1:u="x" p2:u="y"/></r>`)
	return []byte(sb.String())
}
