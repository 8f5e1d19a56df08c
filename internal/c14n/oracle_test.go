package c14n

import (
	"bytes"
	"crypto/sha1"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/beevik/etree"
	dsig "github.com/russellhaering/goxmldsig"
	"github.com/russellhaering/goxmldsig/etreeutils"
)

// goxmldsigCanon canonicalizes el with goxmldsig's exclusive canonicalizer.
// goxmldsig needs the subtree detached first (which also copies it and puts
// every in-scope declaration on the copy); that is done here, in the test
// only. A panic inside goxmldsig is reported as an error.
func goxmldsigCanon(el *etree.Element, prefixes []string, comments bool) (out []byte, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("goxmldsig panicked: %v", r)
		}
	}()
	ctx, err := etreeutils.NSBuildParentContext(el)
	if err != nil {
		return nil, err
	}
	detached, err := etreeutils.NSDetatch(ctx, el)
	if err != nil {
		return nil, err
	}
	list := strings.Join(prefixes, " ")
	var c dsig.Canonicalizer
	if comments {
		c = dsig.MakeC14N10ExclusiveWithCommentsCanonicalizerWithPrefixList(list)
	} else {
		c = dsig.MakeC14N10ExclusiveCanonicalizerWithPrefixList(list)
	}
	return c.Canonicalize(detached)
}

// Known deviations of goxmldsig v1.6.1 from the specifications. Each is
// documented in testdata/README.md; outputs that differ for one of these
// reasons are checked against xmlsec1 instead.
const (
	// devDefaultPrefixList: goxmldsig looks the default namespace up in the
	// PrefixList as "" instead of "#default", so "#default" is ignored.
	devDefaultPrefixList = "#default in PrefixList ignored"
	// devEmptyDefault: goxmldsig starts from a context in which the default
	// namespace is bound to the XML namespace, so an in-scope xmlns=""
	// always differs from "what was rendered" and a superfluous xmlns="" is
	// emitted.
	devEmptyDefault = `superfluous xmlns=""`
	// devAttrOrder: goxmldsig orders prefixed attributes by local name (by
	// namespace URI only when the local names are equal, and then only using
	// declarations on the same element) instead of by namespace URI first.
	devAttrOrder = "attributes ordered by local name instead of namespace URI"
	// devDirective: goxmldsig serializes etree Directive tokens (<!...>) found
	// inside elements; they are not nodes of the XPath data model.
	devDirective = "directive inside element serialized"
	// devEmptyPrefix: goxmldsig treats xmlns:p="" (a Namespaces 1.1
	// undeclaration, an error in XML 1.0) as a binding to "" and renders it.
	devEmptyPrefix = `xmlns:p="" rendered`
	// devCData: goxmldsig serializes CharData marked as CDATA as a CDATA
	// section instead of escaped text (only with ReadSettings.PreserveCData).
	devCData = "CDATA section kept"
)

// goxmldsigDeviations lists the known goxmldsig deviations that may affect
// the canonical form of el with the given PrefixList.
func goxmldsigDeviations(el *etree.Element, prefixes []string) []string {
	var devs []string
	add := func(d string) {
		for _, x := range devs {
			if x == d {
				return
			}
		}
		devs = append(devs, d)
	}
	for _, p := range prefixes {
		if p == "#default" {
			add(devDefaultPrefixList)
		}
	}
	checkDecls := func(e *etree.Element) {
		for _, a := range e.Attr {
			if a.Space == "" && a.Key == "xmlns" && a.Value == "" {
				add(devEmptyDefault)
			}
			if a.Space == "xmlns" && a.Value == "" {
				add(devEmptyPrefix)
			}
		}
	}
	for p := el.Parent(); p != nil; p = p.Parent() {
		checkDecls(p)
	}
	for _, e := range allElements(el) {
		checkDecls(e)
		if attrOrderDiffers(e) {
			add(devAttrOrder)
		}
		for _, t := range e.Child {
			switch t := t.(type) {
			case *etree.Directive:
				add(devDirective)
			case *etree.CharData:
				if t.IsCData() {
					add(devCData)
				}
			}
		}
	}
	return devs
}

// attrOrderDiffers reports whether goxmldsig's attribute order may differ
// from the specified one on e: two prefixed attributes with different
// prefixes whose order by local name is not their order by namespace URI,
// or which share a local name.
func attrOrderDiffers(e *etree.Element) bool {
	type pa struct{ prefix, local, uri string }
	var as []pa
	for _, a := range e.Attr {
		if a.Space == "" || a.Space == "xmlns" {
			continue
		}
		uri := xmlNamespace
		if a.Space != "xml" {
			uri = resolve(e, a.Space)
		}
		as = append(as, pa{a.Space, a.Key, uri})
	}
	for i := range as {
		for j := range as {
			x, y := as[i], as[j]
			if i == j || x.prefix == y.prefix {
				continue
			}
			if x.local == y.local {
				return true
			}
			if (x.local < y.local) != (x.uri < y.uri) && x.uri != y.uri {
				return true
			}
		}
	}
	return false
}

// resolve finds the namespace bound to prefix at e by walking declarations
// (a slow, obviously correct lookup for tests).
func resolve(e *etree.Element, prefix string) string {
	for ; e != nil; e = e.Parent() {
		for _, a := range e.Attr {
			if prefix == "" && a.Space == "" && a.Key == "xmlns" || prefix != "" && a.Space == "xmlns" && a.Key == prefix {
				return a.Value
			}
		}
	}
	return ""
}

// xsRef is one canonicalization to be done by xmlsec1: a subtree (by element
// path, nil for the whole document) with options.
type xsRef struct {
	path     []int
	whole    bool
	prefixes []string
	comments bool
}

func (r xsRef) String() string {
	what := "document"
	if !r.whole {
		what = xpathOf(r.path)
	}
	return fmt.Sprintf("%s comments=%v prefixes=%q", what, r.comments, r.prefixes)
}

func xpathOf(path []int) string {
	var sb strings.Builder
	sb.WriteString("/*[1]")
	for _, i := range path {
		sb.WriteString("/*[")
		sb.WriteString(strconv.Itoa(i))
		sb.WriteString("]")
	}
	return sb.String()
}

// requireXMLSec1 returns the path of xmlsec1 and fails the test if it is not
// installed: the comparison with xmlsec1 must never be skipped silently.
func requireXMLSec1(t testing.TB) string {
	t.Helper()
	p, err := exec.LookPath("xmlsec1")
	if err != nil {
		t.Fatalf("xmlsec1 is required by this test but was not found in PATH (%v); "+
			"install the Debian package: apt-get install -y xmlsec1", err)
	}
	return p
}

const (
	preStart = "== PreDigest data - start buffer:\n"
	preEnd   = "\n== PreDigest data - end buffer\n"
)

// xmlsecCanon has xmlsec1 canonicalize doc once per ref and returns the
// canonical bytes. It signs (HMAC-SHA1) a detached signature template whose
// References point at the document as an external file, each with an XPath
// filter selecting the subtree (count(ancestor-or-self::node() | P) =
// count(ancestor-or-self::node()) selects exactly the nodes under P,
// including its namespace and attribute nodes) followed by the exc-c14n
// transform, and reads the pre-digest buffers xmlsec1 prints with
// --store-references --print-debug. Each buffer is cross-checked against the
// DigestValue xmlsec1 wrote, so a parsing slip cannot go unnoticed.
func xmlsecCanon(t testing.TB, doc []byte, refs []xsRef) [][]byte {
	t.Helper()
	bin := requireXMLSec1(t)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "doc.xml"), doc, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "key.bin"), []byte("c14n-test-key"), 0o600); err != nil {
		t.Fatal(err)
	}
	var tmpl strings.Builder
	tmpl.WriteString(`<Signature xmlns="http://www.w3.org/2000/09/xmldsig#"><SignedInfo>` +
		`<CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/>` +
		`<SignatureMethod Algorithm="http://www.w3.org/2000/09/xmldsig#hmac-sha1"/>`)
	for _, r := range refs {
		tmpl.WriteString(`<Reference URI="doc.xml"><Transforms>`)
		if !r.whole {
			fmt.Fprintf(&tmpl, `<Transform Algorithm="http://www.w3.org/TR/1999/REC-xpath-19991116"><XPath>count(ancestor-or-self::node() | %s) = count(ancestor-or-self::node())</XPath></Transform>`, xpathOf(r.path))
		}
		alg := "http://www.w3.org/2001/10/xml-exc-c14n#"
		if r.comments {
			alg += "WithComments"
		}
		fmt.Fprintf(&tmpl, `<Transform Algorithm="%s">`, alg)
		if len(r.prefixes) > 0 {
			var esc bytes.Buffer
			if err := xmlEscapeAttr(&esc, strings.Join(r.prefixes, " ")); err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(&tmpl, `<ec:InclusiveNamespaces xmlns:ec="http://www.w3.org/2001/10/xml-exc-c14n#" PrefixList="%s"/>`, esc.String())
		}
		tmpl.WriteString(`</Transform></Transforms><DigestMethod Algorithm="http://www.w3.org/2000/09/xmldsig#sha1"/><DigestValue/></Reference>`)
	}
	tmpl.WriteString(`</SignedInfo><SignatureValue/></Signature>`)
	if err := os.WriteFile(filepath.Join(dir, "tmpl.xml"), []byte(tmpl.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "--sign", "--hmackey", "key.bin", "--store-references", "--print-debug",
		"--output", "signed.xml", "tmpl.xml")
	cmd.Dir = dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("xmlsec1 failed: %v\nstderr:\n%s", err, stderr.String())
	}
	out := stdout.Bytes()
	var bufs [][]byte
	for {
		i := bytes.Index(out, []byte(preStart))
		if i < 0 {
			break
		}
		out = out[i+len(preStart):]
		j := bytes.Index(out, []byte(preEnd))
		if j < 0 {
			t.Fatalf("xmlsec1 output: unterminated pre-digest buffer")
		}
		bufs = append(bufs, out[:j])
		out = out[j+len(preEnd):]
	}
	if len(bufs) != len(refs) {
		t.Fatalf("xmlsec1 printed %d pre-digest buffers for %d references\nstderr:\n%s", len(bufs), len(refs), stderr.String())
	}
	signed := etree.NewDocument()
	if err := signed.ReadFromFile(filepath.Join(dir, "signed.xml")); err != nil {
		t.Fatal(err)
	}
	dvs := signed.FindElements("//DigestValue")
	if len(dvs) != len(refs) {
		t.Fatalf("signed template has %d DigestValues, want %d", len(dvs), len(refs))
	}
	for i, dv := range dvs {
		sum := sha1.Sum(bufs[i])
		if got := base64.StdEncoding.EncodeToString(sum[:]); got != strings.TrimSpace(dv.Text()) {
			t.Fatalf("reference %d: extracted pre-digest buffer does not match xmlsec1's DigestValue", i)
		}
	}
	return bufs
}

func xmlEscapeAttr(b *bytes.Buffer, s string) error {
	for _, r := range s {
		switch r {
		case '"':
			b.WriteString("&quot;")
		case '&':
			b.WriteString("&amp;")
		case '<':
			b.WriteString("&lt;")
		default:
			b.WriteRune(r)
		}
	}
	return nil
}

// ours canonicalizes for a reference description.
func oursFor(doc *etree.Document, r xsRef) ([]byte, error) {
	var opts []Option
	if r.comments {
		opts = append(opts, WithComments())
	}
	if r.prefixes != nil {
		opts = append(opts, WithInclusivePrefixes(r.prefixes))
	}
	var b bytes.Buffer
	if r.whole {
		err := CanonicalizeDocument(&b, doc, opts...)
		return b.Bytes(), err
	}
	el := doc.Root()
	for _, i := range r.path {
		kids := el.ChildElements()
		if i < 1 || i > len(kids) {
			return nil, errors.New("bad path")
		}
		el = kids[i-1]
	}
	err := Canonicalize(&b, el, opts...)
	return b.Bytes(), err
}
