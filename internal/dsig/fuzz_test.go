package dsig

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/beevik/etree"
)

// fuzzSeeds returns the test vectors and freshly generated signatures (made
// with testHMACKey, so that mutations outside the signed parts still
// verify and the fuzzer reaches the digest code).
func fuzzSeeds(f *testing.F) [][]byte {
	var seeds [][]byte
	for _, dir := range []string{"testdata/wss4j", "testdata/wcf"} {
		files, _ := filepath.Glob(filepath.Join(dir, "*.xml"))
		for _, p := range files {
			b, err := os.ReadFile(p)
			if err != nil {
				f.Fatal(err)
			}
			seeds = append(seeds, b)
		}
	}
	gen := func(opts SignOptions, m *msg) {
		m.signInto(f, opts)
		seeds = append(seeds, []byte(m.String()))
	}
	m := parseMsg(f, envelope(100))
	gen(SignOptions{References: m.refs(AlgSHA1), SignatureMethod: AlgHMACSHA1, Key: testHMACKey, KeyInfo: NewKeyInfo()}, m)
	m = parseMsg(f, envelope(100))
	gen(SignOptions{
		References:      m.refs(AlgSHA256, []string{"a", "u"}, []string{"o", "s", "a"}, []string{"#default"}),
		SignatureMethod: AlgHMACSHA256, Key: testHMACKey, InclusivePrefixes: []string{"s", "a", "u"},
		CanonicalizationMethod: AlgExcC14NComments,
	}, m)
	sm := strMsg(f)
	str := child(sm.security, "SecurityTokenReference")
	gen(SignOptions{
		References:      []Reference{{Element: str, ID: "STR-1", DigestMethod: AlgSHA1, Transform: TransformSTR}},
		SignatureMethod: AlgHMACSHA1, Key: testHMACKey, STRDereference: strDeref(sm),
	}, sm)
	return seeds
}

// fuzzOptions verifies with the fuzz key and dereferences STRs through the
// index.
func fuzzOptions(idx *IDIndex) VerifyOptions {
	return VerifyOptions{
		CanonicalizationMethods: []string{AlgExcC14N, AlgExcC14NComments},
		Transforms:              []string{AlgExcC14N, AlgExcC14NComments, TransformSTR},
		KeyResolver:             fixedKey(testHMACKey),
		STRDereference: func(str *etree.Element) (*etree.Element, error) {
			for _, c := range str.ChildElements() {
				if e := idx.Lookup(strings.TrimPrefix(c.SelectAttrValue("URI", ""), "#")); e != nil {
					return e, nil
				}
			}
			return nil, errors.New("not found")
		},
	}
}

// signatures returns up to max elements named Signature, in document order.
func signatures(e *etree.Element, max int, out []*etree.Element) []*etree.Element {
	if len(out) >= max {
		return out
	}
	if e.Tag == "Signature" {
		out = append(out, e)
	}
	for _, c := range e.ChildElements() {
		out = signatures(c, max, out)
	}
	return out
}

var sentinels = []error{ErrMalformed, ErrUnsupportedAlgorithm, ErrInvalidSignature, ErrInvalidKey, ErrUnresolvedReference}

func FuzzVerify(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		doc := etree.NewDocument()
		if doc.ReadFromBytes(data) != nil || doc.Root() == nil {
			return
		}
		root := doc.Root()
		idx, err := NewIDIndex(root)
		if err != nil {
			if !errors.Is(err, ErrDuplicateID) {
				t.Fatalf("NewIDIndex: unexpected error %v", err)
			}
			idx = &IDIndex{}
		}
		for _, sig := range signatures(root, 4, nil) {
			v, err := Verify(sig, idx, fuzzOptions(idx))
			if err != nil {
				known := false
				for _, s := range sentinels {
					known = known || errors.Is(err, s)
				}
				if !known || v != nil {
					t.Fatalf("Verify: %v (result %v)", err, v)
				}
				continue
			}
			if len(v.References) == 0 || v.Key == nil || len(v.SignatureValue) == 0 {
				t.Fatalf("incomplete result %+v", v)
			}
			for _, r := range v.References {
				if r.Element == nil || idx.Lookup(r.URI[1:]) != r.Element {
					t.Fatalf("reference %s does not name the indexed element", r.URI)
				}
			}
		}
	})
}

// naiveIDs collects the ID attributes of the tree the slow way, resolving
// prefixes with etree's own lookup.
func naiveIDs(e *etree.Element, ids map[string][]*etree.Element) {
	for i := range e.Attr {
		a := &e.Attr[i]
		isID := a.Space == "" && (a.Key == "Id" || a.Key == "ID") ||
			a.Space == "xml" && a.Key == "id" ||
			a.Space != "" && a.Space != "xml" && a.Space != "xmlns" && a.Key == "Id" && a.NamespaceURI() == NSWSU
		if v := strings.Trim(a.Value, " \t\r\n"); isID && v != "" {
			ids[v] = append(ids[v], e)
		}
	}
	for _, c := range e.ChildElements() {
		naiveIDs(c, ids)
	}
}

func FuzzIDIndex(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s)
	}
	f.Add([]byte(`<r xmlns:u="` + NSWSU + `"><a u:Id="x" Id="y" ID="z" xml:id="w"/><b xmlns:u="urn:o" u:Id="x"/></r>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		doc := etree.NewDocument()
		if doc.ReadFromBytes(data) != nil || doc.Root() == nil {
			return
		}
		ids := map[string][]*etree.Element{}
		naiveIDs(doc.Root(), ids)
		dup := false
		for _, es := range ids {
			dup = dup || len(es) > 1
		}
		idx, err := NewIDIndex(doc.Root())
		if dup {
			if !errors.Is(err, ErrDuplicateID) {
				t.Fatalf("duplicate not detected: %v", err)
			}
			return
		}
		if err != nil {
			t.Fatalf("NewIDIndex: %v", err)
		}
		if idx.Len() != len(ids) {
			t.Fatalf("indexed %d IDs, want %d", idx.Len(), len(ids))
		}
		for v, es := range ids {
			if idx.Lookup(v) != es[0] {
				t.Fatalf("Lookup(%q) is not the element carrying it", v)
			}
		}
	})
}
