package soap

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/beevik/etree"
	"github.com/soapstack/soapstack/internal/xmlutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Differential tests of parseDocument (internal/xmlparse) against
// parseDocumentStd, the encoding/xml based parser it replaced. The two must
// build identical trees and agree on what they reject, except where
// xmlparse follows the XML specification and encoding/xml does not (see
// the internal/xmlparse package documentation):
//
//   - attribute values: a literal TAB, LF or CR (CR LF) is a space;
//   - comments: line ends normalized, characters checked;
//   - a UTF-8 byte order mark is accepted;
//   - the XML declaration follows its grammar; US-ASCII means ASCII;
//   - white space is required between attributes;
//   - outside the document element only S;
//   - character references to surrogates are rejected;
//   - names follow the fifth edition (a superset of encoding/xml's tables);
//   - the local part of a prefixed name must be an NCName (encoding/xml
//     takes p:1 as prefix p and local name 1).

var utf8BOM = []byte("\xEF\xBB\xBF")

// diffLimits are the limits of the differential fuzz target.
var diffLimits = Limits{MaxBytes: 1 << 20, MaxDepth: 40, MaxElements: 5000}

// compareParsers parses data with both parsers and returns "" when they
// agree (up to the documented differences), or what differs.
func compareParsers(data []byte, lim Limits) string {
	newDoc, newErr := xmlutil.ParseDocument(bytes.NewReader(data), lim)
	if newErr != nil {
		var pe *ParseError
		if !errors.Is(newErr, ErrTooLarge) && !errors.As(newErr, &pe) {
			return fmt.Sprintf("new parser error of type %T: %v", newErr, newErr)
		}
	}
	oldIn := bytes.TrimPrefix(data, utf8BOM) // encoding/xml does not know byte order marks
	oldDoc, oldErr := parseDocumentStd(bytes.NewReader(oldIn), lim)
	switch {
	case errors.Is(newErr, ErrTooLarge):
		if int64(len(data)) <= xmlutil.WithDefaults(lim).MaxBytes {
			return "ErrTooLarge for an input within MaxBytes"
		}
		return ""
	case newErr != nil && oldErr != nil:
		return ""
	case newErr == nil && oldErr == nil:
		if msg := checkLinks(&newDoc.Element); msg != "" {
			return msg
		}
		return diffTrees(newDoc.Root(), oldDoc.Root(), "/")
	case newErr == nil:
		// Accepted, but encoding/xml rejects: only names of the fifth
		// edition that the fourth edition did not allow.
		if strings.Contains(oldErr.Error(), "invalid XML name") && hasWideName(newDoc.Root()) {
			return ""
		}
		return fmt.Sprintf("only the new parser accepts; encoding/xml: %v", oldErr)
	default:
		var pe *ParseError
		if !errors.As(newErr, &pe) {
			return fmt.Sprintf("new parser rejects with %v", newErr)
		}
		if why := stricter(data, pe); why != "" {
			return ""
		}
		return fmt.Sprintf("only the new parser rejects: %v", newErr)
	}
}

// stricter explains a rejection by xmlparse of data that encoding/xml
// accepts, or returns "".
func stricter(data []byte, pe *ParseError) string {
	off := int(pe.Offset)
	r := pe.Reason
	body := bytes.TrimPrefix(data, utf8BOM)
	switch {
	case strings.Contains(r, "XML declaration") || strings.Contains(r, "XML version") ||
		strings.Contains(r, "unsupported encoding") || strings.Contains(r, "standalone") ||
		strings.Contains(r, "byte order mark"):
		if bytes.HasPrefix(body, []byte("<?xml")) {
			return "XML declaration grammar"
		}
	case strings.Contains(r, "US-ASCII"):
		if end := bytes.Index(body, []byte("?>")); end > 0 && bytes.Contains(bytes.ToLower(body[:end]), []byte("us-ascii")) {
			return "US-ASCII declared"
		}
	case strings.Contains(r, "cannot start with"):
		if off > 0 && off <= len(data) && data[off-1] == ':' {
			return "local part is not an NCName"
		}
	case strings.Contains(r, "expected whitespace"):
		if off > 0 && off <= len(data) && (data[off-1] == '"' || data[off-1] == '\'') {
			return "no white space between attributes"
		}
	case strings.Contains(r, "outside the document element"):
		if kind, depth := tokenAt(data, off); depth == 0 && kind != "" {
			return "only S outside the document element"
		}
	case strings.Contains(r, "not a legal XML character"):
		if off < len(data) {
			if v, ok := charRef(data[off:]); ok && v >= 0xD800 && v <= 0xDFFF {
				return "reference to a surrogate"
			}
		}
	}
	if strings.Contains(r, "illegal character") || strings.Contains(r, "invalid UTF-8") || strings.Contains(r, "US-ASCII") {
		if kind, _ := tokenAt(data, off); kind == "comment" {
			return "character in a comment"
		}
	}
	return ""
}

// tokenAt tokenizes data (which encoding/xml accepts) with encoding/xml
// and returns the kind of the token that contains byte off and the element
// depth there, or "" if off is in no token.
func tokenAt(data []byte, off int) (string, int) {
	body := bytes.TrimPrefix(data, utf8BOM)
	off -= len(data) - len(body)
	d := xml.NewDecoder(bytes.NewReader(body))
	d.Strict = true
	d.CharsetReader = func(_ string, r io.Reader) (io.Reader, error) { return r, nil }
	depth := 0
	for {
		start := int(d.InputOffset())
		tok, err := d.RawToken()
		if err != nil {
			return "", 0
		}
		end := int(d.InputOffset())
		if off >= start && off < end {
			kind := "other"
			switch tok.(type) {
			case xml.Comment:
				kind = "comment"
			case xml.CharData:
				kind = "text"
			}
			return kind, depth
		}
		switch tok.(type) {
		case xml.StartElement:
			depth++
		case xml.EndElement:
			depth--
		}
	}
}

// charRef decodes the character reference at the start of b.
func charRef(b []byte) (uint64, bool) {
	end := bytes.IndexByte(b, ';')
	if !bytes.HasPrefix(b, []byte("&#")) || end < 0 {
		return 0, false
	}
	s, base := string(b[2:end]), 10
	if strings.HasPrefix(s, "x") {
		s, base = s[1:], 16
	}
	v, err := strconv.ParseUint(s, base, 64)
	return v, err == nil
}

func hasWideName(e *etree.Element) bool {
	wide := func(s string) bool {
		for i := 0; i < len(s); i++ {
			if s[i] >= 0x80 {
				return true
			}
		}
		return false
	}
	if wide(e.Space) || wide(e.Tag) {
		return true
	}
	for _, a := range e.Attr {
		if wide(a.Space) || wide(a.Key) {
			return true
		}
	}
	for _, c := range e.ChildElements() {
		if hasWideName(c) {
			return true
		}
	}
	return false
}

// checkLinks checks the parent, index and attribute links of a tree built
// by the new parser, and that its slices cannot grow into each other.
func checkLinks(e *etree.Element) string {
	for i := range e.Attr {
		if e.Attr[i].Element() != e {
			return fmt.Sprintf("attribute %s of <%s> does not point to its element", e.Attr[i].FullKey(), e.FullTag())
		}
	}
	if cap(e.Attr) != len(e.Attr) || cap(e.Child) != len(e.Child) {
		return fmt.Sprintf("<%s>: slice capacity not clipped", e.FullTag())
	}
	for i, c := range e.Child {
		if c.Parent() != e || c.Index() != i {
			return fmt.Sprintf("<%s>: child %d has a wrong parent or index", e.FullTag(), i)
		}
		if ce, ok := c.(*etree.Element); ok {
			if msg := checkLinks(ce); msg != "" {
				return msg
			}
		}
	}
	return ""
}

// attrValueMatches compares an attribute value of the new parser with the
// old one's: equal except that a TAB or LF of encoding/xml (which leaves
// them, and turns CR and CR LF into LF) may be a space (XML 1.0 §3.3.3).
func attrValueMatches(n, o string) bool {
	if len(n) != len(o) {
		return false
	}
	for i := 0; i < len(n); i++ {
		if n[i] != o[i] && (n[i] != ' ' || (o[i] != '\t' && o[i] != '\n')) {
			return false
		}
	}
	return true
}

// normalizeEOL is XML 1.0 §2.11 end-of-line handling.
func normalizeEOL(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
}

// diffTrees compares the tree of the new parser with the old one's.
func diffTrees(n, o *etree.Element, path string) string {
	path += n.FullTag()
	if n.Space != o.Space || n.Tag != o.Tag {
		return fmt.Sprintf("%s: element %q:%q, want %q:%q", path, n.Space, n.Tag, o.Space, o.Tag)
	}
	if len(n.Attr) != len(o.Attr) {
		return fmt.Sprintf("%s: %d attributes, want %d", path, len(n.Attr), len(o.Attr))
	}
	for i := range n.Attr {
		a, b := n.Attr[i], o.Attr[i]
		if a.Space != b.Space || a.Key != b.Key || !attrValueMatches(a.Value, b.Value) {
			return fmt.Sprintf("%s: attribute %s=%q, want %s=%q", path, a.FullKey(), a.Value, b.FullKey(), b.Value)
		}
	}
	if len(n.Child) != len(o.Child) {
		return fmt.Sprintf("%s: %d children, want %d", path, len(n.Child), len(o.Child))
	}
	for i := range n.Child {
		switch nc := n.Child[i].(type) {
		case *etree.Element:
			oc, ok := o.Child[i].(*etree.Element)
			if !ok {
				return fmt.Sprintf("%s: child %d is an element, want %T", path, i, o.Child[i])
			}
			if msg := diffTrees(nc, oc, path+"/"); msg != "" {
				return msg
			}
		case *etree.CharData:
			oc, ok := o.Child[i].(*etree.CharData)
			if !ok || nc.Data != oc.Data || nc.IsCData() != oc.IsCData() || nc.IsWhitespace() != oc.IsWhitespace() {
				return fmt.Sprintf("%s: child %d is text %q, want %#v", path, i, nc.Data, o.Child[i])
			}
		case *etree.Comment:
			oc, ok := o.Child[i].(*etree.Comment)
			if !ok || nc.Data != normalizeEOL(oc.Data) {
				return fmt.Sprintf("%s: child %d is comment %q, want %#v", path, i, nc.Data, o.Child[i])
			}
		default:
			return fmt.Sprintf("%s: child %d of type %T", path, i, nc)
		}
	}
	return ""
}

// corpusFiles lists the XML files the differential test runs on: every XML
// file of the repository (test data, interop samples) and, when present,
// the shared vectors of WSS4J and WCF.
func corpusFiles(t testing.TB) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil // skip what cannot be read (others may be writing the tree)
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == "target" || d.Name() == "node_modules") {
			return filepath.SkipDir
		}
		if !d.IsDir() && strings.HasSuffix(path, ".xml") {
			files = append(files, path)
		}
		return nil
	})
	require.NoError(t, err)
	for _, dir := range []string{"/work/shared/vectors/wss4j", "/work/shared/vectors/wcf"} {
		more, _ := filepath.Glob(filepath.Join(dir, "*.xml"))
		files = append(files, more...)
	}
	return files
}

// corpusVariants returns the inputs derived from one corpus file: the file,
// the file with CR LF line ends, and its content (declaration removed)
// wrapped in one element, which turns fragments with several top-level
// nodes into documents.
func corpusVariants(b []byte) [][]byte {
	crlf := bytes.ReplaceAll(b, []byte("\n"), []byte("\r\n"))
	content := b
	if bytes.HasPrefix(content, []byte("<?xml")) {
		if end := bytes.Index(content, []byte("?>")); end > 0 {
			content = content[end+2:]
		}
	}
	wrapped := append(append([]byte("<w>"), content...), "</w>"...)
	return [][]byte{b, crlf, wrapped}
}

func TestParseDifferentialCorpus(t *testing.T) {
	files := corpusFiles(t)
	require.NotEmpty(t, files)
	lim := Limits{MaxBytes: 16 << 20, MaxElements: 1 << 20}
	var inputs, accepted, filesAccepted, attrNormalized int
	for _, f := range files {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		for v, in := range corpusVariants(b) {
			inputs++
			if msg := compareParsers(in, lim); msg != "" {
				t.Errorf("%s (variant %d): %s", f, v, msg)
				continue
			}
			newDoc, err := xmlutil.ParseDocument(bytes.NewReader(in), lim)
			if err != nil {
				continue
			}
			accepted++
			if v == 0 {
				filesAccepted++
			}
			oldDoc, err := parseDocumentStd(bytes.NewReader(in), lim)
			require.NoError(t, err)
			if countAttrDiffs(newDoc.Root(), oldDoc.Root()) > 0 {
				attrNormalized++
			}
		}
	}
	t.Logf("%d files (%d parse as they are), %d inputs, %d accepted by both, %d with normalized attribute values",
		len(files), filesAccepted, inputs, accepted, attrNormalized)
}

// countAttrDiffs counts attribute values that differ between the trees
// (only by normalization, once diffTrees passed).
func countAttrDiffs(n, o *etree.Element) int {
	k := 0
	for i := range n.Attr {
		if n.Attr[i].Value != o.Attr[i].Value {
			k++
		}
	}
	nc, oc := n.ChildElements(), o.ChildElements()
	for i := range nc {
		k += countAttrDiffs(nc[i], oc[i])
	}
	return k
}

func TestParseDifferentialAttacks(t *testing.T) {
	for _, tt := range attackCases() {
		t.Run(tt.name, func(t *testing.T) {
			_, newErr := xmlutil.ParseDocument(strings.NewReader(tt.input), tt.lim)
			_, oldErr := parseDocumentStd(strings.NewReader(tt.input), tt.lim)
			assert.Equal(t, oldErr == nil, newErr == nil, "new: %v\nold: %v", newErr, oldErr)
			if oldErr != nil {
				// Same kind of error, and the same reason where the
				// reasons are the rule's.
				assert.Equal(t, errors.Is(oldErr, ErrTooLarge), errors.Is(newErr, ErrTooLarge))
			}
			assert.Empty(t, compareParsers([]byte(tt.input), tt.lim))
		})
	}
}

// TestParseDifferentialDocumented pins each documented difference: the
// new parser's behaviour is the specification's.
func TestParseDifferentialDocumented(t *testing.T) {
	accepts := func(in string) *etree.Document {
		t.Helper()
		doc, err := xmlutil.ParseDocument(strings.NewReader(in), Limits{})
		require.NoError(t, err, in)
		assert.Empty(t, compareParsers([]byte(in), Limits{}), in)
		return doc
	}
	rejects := func(in string) {
		t.Helper()
		_, err := xmlutil.ParseDocument(strings.NewReader(in), Limits{})
		require.Error(t, err, in)
		_, err = parseDocumentStd(strings.NewReader(in), Limits{})
		require.NoError(t, err, "encoding/xml accepts %q", in)
		assert.Empty(t, compareParsers([]byte(in), Limits{}), in)
	}
	doc := accepts("<a x=\"1\t2\r\n3\n4&#9;&#10;&#13;\"/>")
	assert.Equal(t, "1 2 3 4\t\n\r", doc.Root().SelectAttrValue("x", ""))
	doc = accepts("<a><!-- 1\r\n2\r3 --></a>")
	assert.Equal(t, " 1\n2\n3 ", doc.Root().Child[0].(*etree.Comment).Data)
	accepts("\xEF\xBB\xBF<a/>")
	accepts("<\u2070/>")
	rejects(`<?xml?><a/>`)
	rejects(`<?xml version="1.0" foo="bar"?><a/>`)
	rejects(`<?xml version="1.0" standalone="maybe"?><a/>`)
	rejects(`<?xml version="1.0" encoding = "ISO-8859-1"?><a/>`) // encoding/xml misses the encoding
	rejects(`<?xml version="1.0" encoding=""?><a/>`)
	rejects(`<?xml version="1.0" encoding="us-ascii"?><a>é</a>`)
	rejects(`<a x="1"y="2"/>`)
	rejects("<a/>\u00a0")
	rejects("<a/>&#32;")
	rejects("<a/><![CDATA[ ]]>")
	rejects(`<a>&#xD800;</a>`)
	rejects("<a><!-- \x01 --></a>")
	rejects("<a><!-- \xff --></a>")
	rejects(`<a xmlns:p="u" p:0="1"/>`)
	rejects(`<p:1 xmlns:p="u"/>`)
	rejects(`<p:-a xmlns:p="u"></p:-a>`)
}

// FuzzParseDifferential runs both parsers on any input: they must agree
// up to the documented differences, and the new tree must be well linked.
func FuzzParseDifferential(f *testing.F) {
	addSeeds(f)
	for _, name := range corpusFiles(f) {
		if b, err := os.ReadFile(name); err == nil && len(b) <= 16<<10 {
			f.Add(b)
		}
	}
	for _, s := range []string{
		"\xEF\xBB\xBF<?xml version='1.0' encoding='us-ascii' standalone='yes'?><a/>",
		"<a x=\"1\t2\r\n3\n4&#9;&#10;&#13;\" y='\"'>t\r\nu&#13;<![CDATA[c\r]]><!--c\r\n--></a>",
		"<p:a xmlns:p='u' xmlns='v' p:x='1' x='2'><b xmlns=''/></p:a>",
		"<a>&lt;&gt;&amp;&quot;&apos;&#65;&#x10FFFF;</a>",
		"<\u00e9 \u00b7x='1'/>",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if msg := compareParsers(data, diffLimits); msg != "" {
			t.Fatalf("%s\ninput: %q", msg, data)
		}
	})
}

// TestParseDifferentialGenerated compares the parsers on documents put
// together at random from fragments chosen to hit the corners of the
// grammar (references, line ends, names, declarations, reserved prefixes),
// mostly well-formed, some not.
func TestParseDifferentialGenerated(t *testing.T) {
	n := 40000
	if testing.Short() {
		n = 4000
	}
	// Each list holds well-formed fragments, then after "|" ill-formed ones
	// (or ones the parsers treat differently), picked one time in ten.
	prologs := split("", "\xEF\xBB\xBF", `<?xml version="1.0"?>`, `<?xml version='1.0' encoding='UTF-8' standalone='yes'?>`,
		`<?xml version="1.0" encoding="us-ascii"?>`, " \r\n", "<!-- p -->", "|", `<?xml version="1.1"?>`, "\u00a0", "&#32;",
		`<?xml version="1.0" encoding = "latin1"?>`, "<?xml!?>", "<?xml?>")
	texts := split("a", " ", "\r\n", "\r", "\t", "\n", "&amp;", "&lt;", "&#13;", "&#10;", "&#9;", "&#65;", "&#x10FFFF;", "]]",
		"]", "\u00e9", "\u00a0", ">", "\uFEFF", "\u0085", "|", "&#xD800;", "]]>", "\x01", "\xff", "&", "&foo;")
	markups := split("<b/>", "<!-- c -->", "<!--\r\n-\r-->", "<!---->", "<![CDATA[x\r\n]]]]>", "<![CDATA[]]>", "<p:b/>",
		"<\u00e9/>", "|", "<!-- -- -->", "<?pi?>", "<!DOCTYPE x>", "<q:b/>", "</x>", "<\u2070/>", "<p:1/>", "<b:c:d/>", "<!-- \x01 -->")
	attrs := split(` x="1"`, ` y='a`+"\t"+`b'`, " z=\"a\r\nb\rc\nd\"", ` w="&#9;&#10;&#13;"`, ` xmlns:p="urn:p"`,
		` xmlns="urn:d"`, ` xmlns=""`, ` p:x="1"`, ` xmlns:q="urn:q"`, ` xml:lang="en"`, ` g=">'"`, " \u00e9=\"1\"",
		` x = "3"`, ` h="\u00e9"`, "|", ` xmlns:p=""`, ` q:x="2"`, ` v="1"u="2"`, ` p:0="1"`, ` s="<"`,
		` xmlns:xml="urn:x"`, ` e="&#xD800;"`, ` x="1"`)
	epilogs := split("", " ", "\r\n<!-- e -->", "|", "x", "<b/>", "&#32;", "<![CDATA[ ]]>", "\u00a0")
	rng := newRand(1)
	pick := func(l [2][]string) string {
		if rng.intn(10) == 0 {
			return l[1][rng.intn(len(l[1]))]
		}
		return l[0][rng.intn(len(l[0]))]
	}
	outcomes := map[[2]bool]int{}
	reasons := map[string]int{}
	for i := range n {
		var b strings.Builder
		b.WriteString(pick(prologs))
		b.WriteString(`<r xmlns:p="urn:p"`)
		for range rng.intn(3) {
			b.WriteString(pick(attrs))
		}
		b.WriteString(">")
		depth := 0
		for range rng.intn(12) {
			switch rng.intn(4) {
			case 0:
				b.WriteString(pick(texts))
			case 1:
				b.WriteString(pick(markups))
			case 2:
				b.WriteString("<e")
				for range rng.intn(3) {
					b.WriteString(pick(attrs))
				}
				b.WriteString(">")
				depth++
			case 3:
				if depth > 0 {
					b.WriteString("</e>")
					depth--
				}
			}
		}
		b.WriteString(strings.Repeat("</e>", depth))
		b.WriteString("</r>")
		b.WriteString(pick(epilogs))
		in := []byte(b.String())
		if msg := compareParsers(in, Limits{}); msg != "" {
			t.Fatalf("document %d: %s\ninput: %q", i, msg, in)
		}
		_, newErr := xmlutil.ParseDocument(bytes.NewReader(in), Limits{})
		_, oldErr := parseDocumentStd(bytes.NewReader(bytes.TrimPrefix(in, utf8BOM)), Limits{})
		outcomes[[2]bool{newErr == nil, oldErr == nil}]++
		if newErr != nil && oldErr == nil {
			var pe *ParseError
			if errors.As(newErr, &pe) {
				reasons[stricter(in, pe)]++
			}
		}
	}
	t.Logf("%d documents: both accept %d, both reject %d, only xmlparse rejects (documented) %d, only xmlparse accepts %d",
		n, outcomes[[2]bool{true, true}], outcomes[[2]bool{false, false}], outcomes[[2]bool{false, true}], outcomes[[2]bool{true, false}])
	t.Logf("documented differences: %v", reasons)
}

// split splits fragments at "|" into the good and the bad.
func split(frags ...string) [2][]string {
	for i, f := range frags {
		if f == "|" {
			return [2][]string{frags[:i], frags[i+1:]}
		}
	}
	return [2][]string{frags, nil}
}

// xorshift is a small deterministic generator (xorshift), so the generated
// documents are the same on every run.
type xorshift struct{ s uint64 }

func newRand(seed uint64) *xorshift { return &xorshift{s: seed*0x9E3779B97F4A7C15 + 1} }

func (r *xorshift) intn(n int) int {
	r.s ^= r.s << 13
	r.s ^= r.s >> 7
	r.s ^= r.s << 17
	return int(r.s % uint64(n))
}
