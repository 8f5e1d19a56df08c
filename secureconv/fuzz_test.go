package secureconv

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/beevik/etree"
	"github.com/soapstack/soapstack/internal/c14n"
	"github.com/soapstack/soapstack/internal/wsse"
	"github.com/soapstack/soapstack/internal/wstrust"
	"github.com/soapstack/soapstack/internal/xmlutil"
	"github.com/soapstack/soapstack/soap"
)

// wtFuzzContext returns the element fuzz inputs are parsed in: it declares
// the prefixes WCF declares on ancestors, so inputs may use them without
// declaring them and the parsed element inherits them (as a token in a
// message does).
func wtFuzzContext() *etree.Element {
	ctx := etree.NewElement("ctx")
	for _, d := range [][2]string{
		{"s", soap.NS12}, {"u", wsse.NSWSU}, {"o", wsse.NSWSSE},
		{"t", wstrust.NSTrust200502}, {"trust", wstrust.NSTrust13}, {"c", wstrust.NSSC200502}, {"sc", wstrust.NSSC13},
		{"dnse", wstrust.NSDotNetSecurity}, {"wsp", wstrust.NSWSP}, {"e", wsse.NSXENC},
	} {
		ctx.CreateAttr("xmlns:"+d[0], d[1])
	}
	return ctx
}

// wtFuzzElement parses data with the strict SOAP parser inside the fuzz
// context and returns its first element, attached to the context.
func wtFuzzElement(data []byte) *etree.Element {
	if len(data) > 64<<10 {
		return nil
	}
	ctx := wtFuzzContext()
	toks, err := xmlutil.ParseFragment(data, ctx, soap.Limits{MaxBytes: 128 << 10, MaxDepth: 32, MaxElements: 2000})
	if err != nil {
		return nil
	}
	var first *etree.Element
	for _, tok := range toks {
		ctx.AddChild(tok)
		if el, ok := tok.(*etree.Element); ok && first == nil {
			first = el
		}
	}
	return first
}

// wtSerialize writes el as a document.
func wtSerialize(t *testing.T, el *etree.Element) []byte {
	t.Helper()
	doc := etree.NewDocument()
	doc.SetRoot(el)
	b, err := doc.WriteToBytes()
	if err != nil {
		t.Fatalf("serialize: %v", err)
	}
	return b
}

// wtReparse parses the serialization of a built element standalone.
func wtReparse(t *testing.T, el *etree.Element) (*etree.Element, []byte) {
	t.Helper()
	b := wtSerialize(t, el)
	toks, err := xmlutil.ParseFragment(b, etree.NewElement("ctx"), soap.DefaultLimits())
	if err != nil {
		t.Fatalf("built element does not parse: %v\n%s", err, b)
	}
	for _, tok := range toks {
		if e, ok := tok.(*etree.Element); ok {
			return e, b
		}
	}
	t.Fatalf("no element in %s", b)
	return nil, nil
}

// wtSeeds adds the captures and a few built messages to a fuzz corpus.
func wtSeeds(f *testing.F, extra ...*etree.Element) {
	files, _ := filepath.Glob(filepath.Join("testdata", "wire", "*.xml"))
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, el := range extra {
		doc := etree.NewDocument()
		doc.SetRoot(el)
		b, err := doc.WriteToBytes()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
}

// wtBuiltSeeds returns RSTs, RSTRs and SCTs of both versions.
func wtBuiltSeeds() (rsts, rstrs, scts []*etree.Element) {
	for _, v := range []Version{V200502, V13} {
		for _, op := range []wstrust.Operation{wstrust.OpIssue, wstrust.OpRenew, wstrust.OpCancel} {
			rsts = append(rsts, wtFullRST(v, op).Build(v.wire()))
		}
		sct := &wstrust.SecurityContextToken{ID: "uuid-1", Identifier: "urn:uuid:1", Instance: "urn:uuid:2", Cookie: []byte("cookie")}
		scts = append(scts, sct.Build(v.wire()))
		rstrs = append(rstrs, (&wstrust.RSTR{
			Context: "c", TokenType: v.wire().TokenType(), SCT: sct,
			RequestedAttachedReference: sct.AttachedReference(v.wire()), RequestedUnattachedReference: sct.UnattachedReference(v.wire()),
			Proof:   &wstrust.ProofToken{ComputedKey: v.wire().ComputedKeyPSHA1()},
			Entropy: &wstrust.BinarySecret{ID: "e", Type: wstrust.SecretNonce, Value: []byte("0123456789abcdef")},
			KeySize: 128,
		}).BuildBody(v.wire()), (&wstrust.RSTR{RequestedTokenCancelled: true}).BuildBody(v.wire()))
	}
	return
}

// wtCanon returns the canonical form of el, or nil when el cannot be
// canonicalized.
func wtCanon(el *etree.Element) []byte {
	var b bytes.Buffer
	if err := c14n.Canonicalize(&b, el); err != nil {
		return nil
	}
	return b.Bytes()
}

func FuzzParseRST(f *testing.F) {
	rsts, _, _ := wtBuiltSeeds()
	wtSeeds(f, rsts...)
	f.Fuzz(func(t *testing.T, data []byte) {
		el := wtFuzzElement(data)
		if el == nil {
			return
		}
		// Any RST element in the input, so envelopes are searched too.
		for _, cand := range wtFind(el, wstrust.NSTrust200502, wstrust.ElRST) {
			wtCheckRST(t, cand)
		}
		for _, cand := range wtFind(el, wstrust.NSTrust13, wstrust.ElRST) {
			wtCheckRST(t, cand)
		}
		wtCheckRST(t, el)
	})
}

// wtCheckRST parses el; what parses must build, parse back to the same
// values and build the same bytes again.
func wtCheckRST(t *testing.T, el *etree.Element) {
	r1, v, err := wstrust.ParseRST(el)
	if err != nil {
		return
	}
	b1 := r1.Build(v)
	el2, bytes1 := wtReparse(t, b1)
	r2, v2, err := wstrust.ParseRST(el2)
	if err != nil {
		t.Fatalf("built RST does not parse: %v\n%s", err, bytes1)
	}
	if v2 != v || r1.Context != r2.Context || r1.TokenType != r2.TokenType || r1.Operation != r2.Operation ||
		r1.KeySize != r2.KeySize || r1.KeyType != r2.KeyType || r1.ComputedKeyAlgorithm != r2.ComputedKeyAlgorithm ||
		!wtSameSecret(r1.Entropy, r2.Entropy) || !wtSameLifetime(r1.Lifetime, r2.Lifetime) ||
		!wtSameRef(r1.Target, r2.Target) || len(r1.Extensions) != len(r2.Extensions) ||
		(r1.AppliesTo == nil) != (r2.AppliesTo == nil) {
		t.Fatalf("RST changed in a round trip:\n%+v\n%+v\n%s", r1, r2, bytes1)
	}
	if bytes2 := wtSerialize(t, r2.Build(v)); !bytes.Equal(bytes1, bytes2) {
		t.Fatalf("RST builds differ:\n%s\n%s", bytes1, bytes2)
	}
}

func FuzzParseRSTR(f *testing.F) {
	_, rstrs, _ := wtBuiltSeeds()
	wtSeeds(f, rstrs...)
	f.Fuzz(func(t *testing.T, data []byte) {
		el := wtFuzzElement(data)
		if el == nil {
			return
		}
		for _, ns := range []string{wstrust.NSTrust200502, wstrust.NSTrust13} {
			for _, name := range []string{wstrust.ElRSTR, wstrust.ElRSTRC} {
				for _, cand := range wtFind(el, ns, name) {
					wtCheckRSTR(t, cand)
				}
			}
		}
		wtCheckRSTR(t, el)
	})
}

// wtCheckRSTR is wtCheckRST for responses.
func wtCheckRSTR(t *testing.T, el *etree.Element) {
	r1, v, err := wstrust.ParseRSTR(el)
	if err != nil {
		return
	}
	b1 := r1.Build(v)
	el2, bytes1 := wtReparse(t, b1)
	r2, v2, err := wstrust.ParseRSTR(el2)
	if err != nil {
		t.Fatalf("built RSTR does not parse: %v\n%s", err, bytes1)
	}
	if v2 != v || r1.Context != r2.Context || r1.TokenType != r2.TokenType || r1.KeySize != r2.KeySize ||
		r1.RequestedTokenCancelled != r2.RequestedTokenCancelled ||
		!wtSameSecret(r1.Entropy, r2.Entropy) || !wtSameLifetime(r1.Lifetime, r2.Lifetime) ||
		!wtSameProof(r1.Proof, r2.Proof) || !wtSameSCT(r1.SCT, r2.SCT) ||
		(r1.RequestedSecurityToken == nil) != (r2.RequestedSecurityToken == nil) ||
		(r1.RequestedAttachedReference == nil) != (r2.RequestedAttachedReference == nil) ||
		(r1.RequestedUnattachedReference == nil) != (r2.RequestedUnattachedReference == nil) ||
		len(r1.Extensions) != len(r2.Extensions) || (r1.AppliesTo == nil) != (r2.AppliesTo == nil) {
		t.Fatalf("RSTR changed in a round trip:\n%+v\n%+v\n%s", r1, r2, bytes1)
	}
	if bytes2 := wtSerialize(t, r2.Build(v)); !bytes.Equal(bytes1, bytes2) {
		t.Fatalf("RSTR builds differ:\n%s\n%s", bytes1, bytes2)
	}
	// The collection form parses to the same response.
	r3, _, err := wstrust.ParseRSTR(r1.BuildBody(v))
	if err != nil || r3.KeySize != r1.KeySize || !wtSameSCT(r1.SCT, r3.SCT) {
		t.Fatalf("RSTR body does not parse back: %v", err)
	}
}

func FuzzParseSCT(f *testing.F) {
	_, _, scts := wtBuiltSeeds()
	wtSeeds(f, scts...)
	f.Fuzz(func(t *testing.T, data []byte) {
		el := wtFuzzElement(data)
		if el == nil {
			return
		}
		for _, ns := range []string{wstrust.NSSC200502, wstrust.NSSC13} {
			for _, cand := range wtFind(el, ns, wstrust.ElSCT) {
				wtCheckSCT(t, cand)
			}
		}
		for _, str := range wtFind(el, wsse.NSWSSE, wstrust.ElSTR) {
			if r, err := wstrust.ParseSCTReference(str); err == nil && r.URI == "" {
				t.Fatalf("reference without URI parsed")
			}
		}
	})
}

// wtCheckSCT parses el; what parses must build and parse back to the same
// values, and its clone must parse to the same values and canonicalize as
// the original.
func wtCheckSCT(t *testing.T, el *etree.Element) {
	s1, err := wstrust.ParseSCT(el)
	if err != nil {
		return
	}
	el2, b := wtReparse(t, s1.Build(s1.Version))
	s2, err := wstrust.ParseSCT(el2)
	if err != nil {
		t.Fatalf("built SCT does not parse: %v\n%s", err, b)
	}
	if !wtSameSCT(s1, s2) {
		t.Fatalf("SCT changed in a round trip:\n%+v\n%+v", s1, s2)
	}
	clone := s1.Clone()
	if clone.Element.Parent() != nil {
		t.Fatal("clone is attached")
	}
	el3, b3 := wtReparse(t, clone.Element)
	s3, err := wstrust.ParseSCT(el3)
	if err != nil {
		t.Fatalf("cloned SCT does not parse: %v\n%s", err, b3)
	}
	if !wtSameSCT(s1, s3) {
		t.Fatalf("SCT changed in a clone:\n%+v\n%+v", s1, s3)
	}
	if want := wtCanon(el); want != nil && !bytes.Equal(want, wtCanon(clone.Element)) {
		t.Fatalf("clone canonicalizes differently:\n%s\n%s", want, wtCanon(clone.Element))
	}
}

func wtSameSecret(a, b *wstrust.BinarySecret) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.ID == b.ID && a.Type == b.Type && bytes.Equal(a.Value, b.Value)
}

func wtSameLifetime(a, b *wstrust.Lifetime) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Created.Equal(b.Created) && a.Expires.Equal(b.Expires)
}

func wtSameRef(a, b *wstrust.SCTReference) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Version == b.Version && a.URI == b.URI && a.LocalID == b.LocalID &&
		a.Identifier == b.Identifier && a.Instance == b.Instance
}

func wtSameProof(a, b *wstrust.ProofToken) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.ComputedKey == b.ComputedKey && wtSameSecret(a.Secret, b.Secret) &&
		(a.EncryptedKey == nil) == (b.EncryptedKey == nil)
}

func wtSameSCT(a, b *wstrust.SecurityContextToken) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Version == b.Version && a.ID == b.ID && a.Identifier == b.Identifier &&
		a.Instance == b.Instance && bytes.Equal(a.Cookie, b.Cookie) && (a.Cookie == nil) == (b.Cookie == nil)
}
