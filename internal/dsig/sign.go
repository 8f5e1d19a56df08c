package dsig

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"io"
	"strings"

	"github.com/beevik/etree"
	"github.com/soapstack/soapstack/internal/c14n"
)

// Reference describes one element to sign.
type Reference struct {
	// Element is the element to digest, in place in its document. With
	// TransformSTR it is the wsse:SecurityTokenReference whose token is
	// digested. It must not be or contain the place the Signature goes
	// into: enveloped signatures are not supported.
	Element *etree.Element
	// ID is the value of one of Element's ID attributes (wsu:Id, Id, ID or
	// xml:id); the Reference URI is "#"+ID. Sign checks that Element
	// carries it.
	ID string
	// DigestMethod is AlgSHA1 or AlgSHA256.
	DigestMethod string
	// Transform is AlgExcC14N (the default when empty) or TransformSTR.
	Transform string
	// InclusivePrefixes is the InclusiveNamespaces PrefixList of the
	// exclusive canonicalization ("#default" for the default namespace);
	// with TransformSTR, that of the canonicalization inside the transform.
	// Nil or empty writes no InclusiveNamespaces element.
	InclusivePrefixes []string
}

// SignOptions is the input of Sign.
type SignOptions struct {
	// References lists the elements to sign, in the order of the
	// ds:Reference elements.
	References []Reference
	// CanonicalizationMethod of SignedInfo: AlgExcC14N (the default when
	// empty) or AlgExcC14NComments.
	CanonicalizationMethod string
	// InclusivePrefixes is the InclusiveNamespaces PrefixList of the
	// SignedInfo canonicalization. It requires Context.
	InclusivePrefixes []string
	// SignatureMethod is one of AlgRSASHA1, AlgRSASHA256, AlgHMACSHA1,
	// AlgHMACSHA256.
	SignatureMethod string
	// Key is a non-empty []byte for the HMAC methods, and an
	// *rsa.PrivateKey or another crypto.Signer with an RSA public key for
	// the RSA methods.
	Key any
	// ID, if not empty, is written as the Id attribute of ds:Signature.
	ID string
	// KeyInfo, if not nil, is appended to the ds:Signature as its last
	// child. It is the complete ds:KeyInfo element (see NewKeyInfo); it may
	// use the prefix ds, which the Signature declares.
	KeyInfo *etree.Element
	// Context is the element the Signature will be inserted into (usually
	// the wsse:Security header), or any element with the same namespace
	// declarations in scope. SignedInfo is canonicalized as if it were
	// there; the tree of Context is not modified. It may be nil when
	// InclusivePrefixes is empty: exclusive canonicalization of SignedInfo
	// then depends only on the declarations inside the Signature.
	Context *etree.Element
	// STRDereference resolves the SecurityTokenReference of TransformSTR
	// references.
	STRDereference STRDereferenceFunc
	// Rand is passed to a crypto.Signer; nil means crypto/rand.Reader.
	// RSASSA-PKCS1-v1_5 itself uses no randomness.
	Rand io.Reader
}

// Signature is the result of Sign.
type Signature struct {
	// Element is the ds:Signature element, with the prefix ds declared on
	// it, not attached to any document. Insert it into the Context given
	// to Sign.
	Element *etree.Element
	// SignatureValue is the signature value (what WS-Security 1.1
	// SignatureConfirmation echoes).
	SignatureValue []byte
}

// Sign digests each referenced element in place, by streaming its
// canonical form into the hash, builds the ds:Signature element and signs
// its SignedInfo.
//
// SignedInfo must be canonicalized in the namespace context it will live
// in, because an InclusiveNamespaces PrefixList pulls in the declarations
// of the listed prefixes that are in scope there. Sign canonicalizes it
// below a detached copy of the declarations in scope at Context. Without a
// PrefixList, exclusive canonicalization is independent of the context (all
// prefixes it renders are declared inside the Signature), so canonicalizing
// the detached Signature gives the bytes a receiver computes wherever the
// Signature is inserted; Sign then does not look at Context at all.
func Sign(opts SignOptions) (*Signature, error) {
	m, ok := signatureMethod(opts.SignatureMethod)
	if !ok {
		return nil, failf(ErrUnsupportedAlgorithm, "signature method %s", clip(opts.SignatureMethod))
	}
	mac, signer, err := signingKey(m, opts.Key)
	if err != nil {
		return nil, err
	}
	c14nAlg := opts.CanonicalizationMethod
	if c14nAlg == "" {
		c14nAlg = AlgExcC14N
	}
	if !isC14N(c14nAlg) {
		return nil, failf(ErrUnsupportedAlgorithm, "canonicalization method %s", clip(c14nAlg))
	}
	if len(opts.InclusivePrefixes) > 0 && opts.Context == nil {
		return nil, failf(ErrMalformed, "a SignedInfo PrefixList needs the Context the Signature goes into")
	}
	if len(opts.References) == 0 {
		return nil, failf(ErrMalformed, "no references")
	}

	// Digest every reference first, then build the Signature in one
	// arena with its strings in one block.
	digests := make([][]byte, len(opts.References))
	var d digester
	for i := range opts.References {
		sum, err := d.digest(&opts.References[i], opts.STRDereference)
		if err != nil {
			return nil, err
		}
		digests[i] = sum
	}
	n := len(opts.References)
	a := newArena(4+5*n, 4+3*n, 5+5*n, n+1)
	sig := etree.NewElement(prefixDS + ":Signature")
	sig.Attr = a.attrSlice(2)
	sig.Child = a.kidSlice(3)
	sig.CreateAttr("xmlns:"+prefixDS, NSDS)
	if opts.ID != "" {
		sig.CreateAttr("Id", opts.ID)
	}
	si := a.element(sig, prefixDS, "SignedInfo", 0, 2+n)
	cm := a.element(si, prefixDS, "CanonicalizationMethod", 1, 0)
	cm.CreateAttr("Algorithm", c14nAlg)
	addInclusiveNamespaces(cm, opts.InclusivePrefixes)
	a.element(si, prefixDS, "SignatureMethod", 1, 0).CreateAttr("Algorithm", m.uri)
	strs := referenceStrings(opts.References, digests)
	for i := range opts.References {
		addReference(a, si, &opts.References[i], strs[2*i], strs[2*i+1])
	}

	// Canonicalize SignedInfo into the signature hash, in context. Without
	// a PrefixList the context changes nothing (see above): no copy of it.
	var scope *etree.Element
	if opts.Context != nil && len(opts.InclusivePrefixes) > 0 {
		scope = inScopeDeclarations(opts.Context)
		scope.AddChild(sig)
	}
	h := signatureHash(m, mac)
	var copts []c14n.Option
	if len(opts.InclusivePrefixes) > 0 {
		copts = append(copts, c14n.WithInclusivePrefixes(opts.InclusivePrefixes))
	}
	if c14nAlg == AlgExcC14NComments {
		copts = append(copts, c14n.WithComments())
	}
	err = c14n.Canonicalize(h, si, copts...)
	if scope != nil {
		scope.RemoveChild(sig)
	}
	if err != nil {
		return nil, failf(ErrMalformed, "canonicalizing SignedInfo: %v", err)
	}
	rnd := opts.Rand
	if rnd == nil {
		rnd = rand.Reader
	}
	value, err := finishSignature(m, h, signer, rnd)
	if err != nil {
		return nil, err
	}
	a.text(a.element(sig, prefixDS, "SignatureValue", 0, 1), base64.StdEncoding.EncodeToString(value))
	if opts.KeyInfo != nil {
		sig.AddChild(opts.KeyInfo)
	}
	return &Signature{Element: sig, SignatureValue: value}, nil
}

// digester digests references, reusing one hash per digest algorithm.
type digester struct {
	hs  refHashes
	out []byte // the digests, back to back
}

// digest checks r and returns the digest of its canonical form (or of its
// token's, with TransformSTR).
func (d *digester) digest(r *Reference, deref STRDereferenceFunc) ([]byte, error) {
	if r.Element == nil {
		return nil, failf(ErrMalformed, "reference %s without element", clip(r.ID))
	}
	if r.ID == "" || strings.ContainsAny(r.ID, "# \t\r\n") || !hasID(r.Element, r.ID) {
		return nil, failf(ErrMalformed, "element <%s> does not carry the ID %s", name(r.Element), clip(r.ID))
	}
	dh, ok := digestMethod(r.DigestMethod)
	if !ok {
		return nil, failf(ErrUnsupportedAlgorithm, "digest method %s", clip(r.DigestMethod))
	}
	h := d.hs.get(dh)
	switch r.Transform {
	case "", AlgExcC14N:
		var copts []c14n.Option
		if len(r.InclusivePrefixes) > 0 {
			copts = append(copts, c14n.WithInclusivePrefixes(r.InclusivePrefixes))
		}
		if err := c14n.Canonicalize(h, r.Element, copts...); err != nil {
			return nil, failf(ErrMalformed, "canonicalizing %s: %v", clip(r.ID), err)
		}
	case TransformSTR:
		if deref == nil {
			return nil, failf(ErrMalformed, "STR-Transform reference %s without STRDereference", clip(r.ID))
		}
		if !is(r.Element, NSWSSE, "SecurityTokenReference") {
			return nil, failf(ErrMalformed, "STR-Transform reference %s to <%s>", clip(r.ID), name(r.Element))
		}
		token, err := deref(r.Element)
		if err != nil {
			return nil, failf(ErrUnresolvedReference, "dereferencing %s: %w", clip(r.ID), err)
		}
		if token == nil {
			return nil, failf(ErrUnresolvedReference, "dereferencing %s: no token", clip(r.ID))
		}
		if err := writeSTR(h, token, r.InclusivePrefixes); err != nil {
			return nil, failf(ErrMalformed, "canonicalizing the token of %s: %v", clip(r.ID), err)
		}
	default:
		return nil, failf(ErrUnsupportedAlgorithm, "transform %s", clip(r.Transform))
	}
	if d.out == nil {
		d.out = make([]byte, 0, 4*sha256.Size)
	}
	start := len(d.out)
	d.out = h.Sum(d.out)
	return d.out[start:len(d.out):len(d.out)], nil
}

// referenceStrings returns the URI ("#"+ID) and the base64 digest value of
// every reference, in that order, cut from one string.
func referenceStrings(refs []Reference, digests [][]byte) []string {
	size := 0
	for i := range refs {
		size += 1 + len(refs[i].ID) + base64.StdEncoding.EncodedLen(len(digests[i]))
	}
	b := make([]byte, 0, size)
	ends := make([]int, 0, 2*len(refs))
	for i := range refs {
		b = append(b, '#')
		b = append(b, refs[i].ID...)
		ends = append(ends, len(b))
		b = base64.StdEncoding.AppendEncode(b, digests[i])
		ends = append(ends, len(b))
	}
	all := string(b)
	out := make([]string, len(ends))
	start := 0
	for i, end := range ends {
		out[i] = all[start:end]
		start = end
	}
	return out
}

// addReference appends the ds:Reference of r, checked and digested by
// digester.digest, to si.
func addReference(a *arena, si *etree.Element, r *Reference, uri, digest string) {
	transform := r.Transform
	if transform == "" {
		transform = AlgExcC14N
	}
	ref := a.element(si, prefixDS, "Reference", 1, 3)
	ref.CreateAttr("URI", uri)
	tr := a.element(a.element(ref, prefixDS, "Transforms", 0, 1), prefixDS, "Transform", 1, 0)
	tr.CreateAttr("Algorithm", transform)
	if transform == TransformSTR {
		tp := tr.CreateElement(prefixWSSE + ":TransformationParameters")
		tp.CreateAttr("xmlns:"+prefixWSSE, NSWSSE)
		cm := tp.CreateElement(prefixDS + ":CanonicalizationMethod")
		cm.CreateAttr("Algorithm", AlgExcC14N)
		addInclusiveNamespaces(cm, r.InclusivePrefixes)
	} else {
		addInclusiveNamespaces(tr, r.InclusivePrefixes)
	}
	a.element(ref, prefixDS, "DigestMethod", 1, 0).CreateAttr("Algorithm", r.DigestMethod)
	a.text(a.element(ref, prefixDS, "DigestValue", 0, 1), digest)
}

// addInclusiveNamespaces appends an ec:InclusiveNamespaces element with the
// PrefixList to e, unless the list is empty.
func addInclusiveNamespaces(e *etree.Element, prefixes []string) {
	if len(prefixes) == 0 {
		return
	}
	in := e.CreateElement(prefixEC + ":InclusiveNamespaces")
	in.CreateAttr("xmlns:"+prefixEC, NSExcC14N)
	in.CreateAttr("PrefixList", strings.Join(prefixes, " "))
}

// inScopeDeclarations returns a detached element declaring the namespaces
// in scope at e (innermost declaration of each prefix).
func inScopeDeclarations(e *etree.Element) *etree.Element {
	w := etree.NewElement("scope")
	seen := make(map[string]bool)
	for p := e; p != nil; p = p.Parent() {
		for _, a := range p.Attr {
			var prefix string
			switch {
			case a.Space == "xmlns":
				prefix = a.Key
			case a.Space == "" && a.Key == "xmlns":
			default:
				continue
			}
			if seen[prefix] {
				continue
			}
			seen[prefix] = true
			w.CreateAttr(a.FullKey(), a.Value)
		}
	}
	return w
}

// NewKeyInfo returns a ds:KeyInfo element (prefix ds, declared by the
// Signature it is added to) with the given children, for SignOptions.KeyInfo.
func NewKeyInfo(children ...*etree.Element) *etree.Element {
	ki := etree.NewElement(prefixDS + ":KeyInfo")
	for _, c := range children {
		ki.AddChild(c)
	}
	return ki
}
