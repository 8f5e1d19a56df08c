package dsig

import (
	"crypto"
	"strconv"
	"strings"

	"github.com/beevik/etree"
)

// Size limits applied before decoding.
const (
	// maxSignatureValueText bounds the base64 text of a SignatureValue
	// (an 8192-bit RSA signature is 1024 bytes, 1368 base64 characters).
	maxSignatureValueText = 4096
	// maxSignatureValue bounds the decoded SignatureValue.
	maxSignatureValue = 1024
	// maxDigestValueText bounds the base64 text of a DigestValue.
	maxDigestValueText = 256
	// maxHMACOutputLengthText bounds the text of an HMACOutputLength.
	maxHMACOutputLengthText = 32
)

// parsedSignature is a ds:Signature whose structure and algorithms have
// been checked and whose references have been resolved, before any
// cryptographic work.
type parsedSignature struct {
	signedInfo *etree.Element
	c14nAlg    string
	prefixes   []string // SignedInfo InclusiveNamespaces PrefixList
	method     sigMethod
	refs       []parsedReference
	value      []byte
	keyInfo    *etree.Element
}

// parsedReference is one checked ds:Reference.
type parsedReference struct {
	uri       string
	target    *etree.Element
	transform string   // AlgExcC14N, AlgExcC14NComments or TransformSTR
	prefixes  []string // PrefixList of the (STR-inner) canonicalization
	digestAlg string
	hash      crypto.Hash
	digest    []byte
}

// parseSignature checks the structure of sig against the options:
// Signature = SignedInfo, SignatureValue, KeyInfo?; SignedInfo =
// CanonicalizationMethod, SignatureMethod, Reference{1,max}; every
// algorithm allowed; every reference a resolvable same-document "#id".
func parseSignature(sig *etree.Element, idx *IDIndex, o *VerifyOptions) (*parsedSignature, error) {
	if !is(sig, NSDS, "Signature") {
		return nil, failf(ErrMalformed, "<%s> is not a ds:Signature", name(sig))
	}
	p := &parsedSignature{}
	c := children{e: sig}
	si, err := c.next()
	if err != nil {
		return nil, err
	}
	if !is(si, NSDS, "SignedInfo") {
		return nil, failf(ErrMalformed, "first child of Signature is <%s>, not SignedInfo", name(si))
	}
	sv, err := c.next()
	if err != nil {
		return nil, err
	}
	if !is(sv, NSDS, "SignatureValue") {
		return nil, failf(ErrMalformed, "second child of Signature is <%s>, not SignatureValue", name(sv))
	}
	ki, err := c.next()
	if err != nil {
		return nil, err
	}
	if ki != nil {
		if !is(ki, NSDS, "KeyInfo") {
			// ds:Object (and so ds:Manifest) ends up here.
			return nil, failf(ErrMalformed, "unexpected <%s> in Signature", name(ki))
		}
		if err := c.end(); err != nil {
			return nil, err
		}
	}
	p.signedInfo, p.keyInfo = si, ki

	if err := p.parseSignedInfo(si, idx, o); err != nil {
		return nil, err
	}

	v, err := decodeBase64(sv, maxSignatureValueText)
	if err != nil {
		return nil, err
	}
	if len(v) == 0 || len(v) > maxSignatureValue {
		return nil, failf(ErrMalformed, "SignatureValue of %d bytes", len(v))
	}
	if p.method.hmac && len(v) != p.method.hash.Size() {
		return nil, failf(ErrInvalidSignature, "HMAC value of %d bytes, want %d", len(v), p.method.hash.Size())
	}
	p.value = v
	return p, nil
}

func (p *parsedSignature) parseSignedInfo(si *etree.Element, idx *IDIndex, o *VerifyOptions) error {
	c := children{e: si}

	cm, err := c.next()
	if err != nil {
		return err
	}
	if !is(cm, NSDS, "CanonicalizationMethod") {
		return failf(ErrMalformed, "first child of SignedInfo is <%s>, not CanonicalizationMethod", name(cm))
	}
	if p.c14nAlg, err = algorithm(cm); err != nil {
		return err
	}
	if !allowedC14N(o, p.c14nAlg) {
		return failf(ErrUnsupportedAlgorithm, "canonicalization method %s", clip(p.c14nAlg))
	}
	if p.prefixes, err = inclusiveNamespaces(cm); err != nil {
		return err
	}

	sm, err := c.next()
	if err != nil {
		return err
	}
	if !is(sm, NSDS, "SignatureMethod") {
		return failf(ErrMalformed, "second child of SignedInfo is <%s>, not SignatureMethod", name(sm))
	}
	if err := p.parseSignatureMethod(sm, o); err != nil {
		return err
	}

	max := o.MaxReferences
	if max <= 0 {
		max = DefaultMaxReferences
	}
	p.refs = make([]parsedReference, 0, min(len(si.Child), max))
	for {
		r, err := c.next()
		if err != nil {
			return err
		}
		if r == nil {
			break
		}
		if !is(r, NSDS, "Reference") {
			return failf(ErrMalformed, "unexpected <%s> in SignedInfo", name(r))
		}
		if len(p.refs) == max {
			return failf(ErrMalformed, "more than %d references", max)
		}
		ref, err := parseReference(r, idx, o)
		if err != nil {
			return err
		}
		for i := range p.refs {
			if p.refs[i].uri == ref.uri {
				return failf(ErrMalformed, "two references to %s", clip(ref.uri))
			}
		}
		p.refs = append(p.refs, ref)
	}
	if len(p.refs) == 0 {
		return failf(ErrMalformed, "SignedInfo without Reference")
	}
	return nil
}

func (p *parsedSignature) parseSignatureMethod(sm *etree.Element, o *VerifyOptions) error {
	uri, err := algorithm(sm)
	if err != nil {
		return err
	}
	m, ok := signatureMethod(uri)
	if !ok || !allowedSignatureMethod(o, uri) {
		return failf(ErrUnsupportedAlgorithm, "signature method %s", clip(uri))
	}
	p.method = m
	c := children{e: sm}
	ol, err := c.next()
	if err != nil || ol == nil {
		return err
	}
	if !m.hmac || !is(ol, NSDS, "HMACOutputLength") {
		return failf(ErrMalformed, "unexpected <%s> in SignatureMethod", name(ol))
	}
	if err := c.end(); err != nil {
		return err
	}
	s, err := text(ol, maxHMACOutputLengthText)
	if err != nil {
		return err
	}
	bits, err := strconv.Atoi(strings.Trim(s, " \t\r\n"))
	if err != nil {
		return failf(ErrMalformed, "HMACOutputLength %s", clip(s))
	}
	// Truncated HMACs are refused (CVE-2009-0217); a length equal to the
	// full output is harmless.
	if bits != m.hash.Size()*8 {
		return failf(ErrInvalidSignature, "HMACOutputLength %d, want %d", bits, m.hash.Size()*8)
	}
	return nil
}

func parseReference(r *etree.Element, idx *IDIndex, o *VerifyOptions) (parsedReference, error) {
	var ref parsedReference
	uri, ok, err := attr(r, "URI")
	if err != nil {
		return ref, err
	}
	switch {
	case !ok:
		return ref, failf(ErrMalformed, "Reference without URI")
	case uri == "":
		return ref, failf(ErrMalformed, "Reference to the whole document (empty URI)")
	case uri[0] != '#' || len(uri) == 1:
		return ref, failf(ErrMalformed, "Reference URI %s is not a same-document #id", clip(uri))
	case strings.HasPrefix(uri, "#xpointer(") || strings.ContainsAny(uri, "()"):
		return ref, failf(ErrMalformed, "XPointer Reference URI %s", clip(uri))
	}
	ref.uri = uri
	if typ, _, err := attr(r, "Type"); err != nil {
		return ref, err
	} else if typ == TypeManifest {
		return ref, failf(ErrMalformed, "Reference to a Manifest")
	}

	c := children{e: r}
	e, err := c.next()
	if err != nil {
		return ref, err
	}
	if !is(e, NSDS, "Transforms") {
		return ref, failf(ErrUnsupportedAlgorithm, "Reference %s without Transforms (implies inclusive C14N)", clip(uri))
	}
	if err := parseTransforms(e, &ref, o); err != nil {
		return ref, err
	}

	dm, err := c.next()
	if err != nil {
		return ref, err
	}
	if !is(dm, NSDS, "DigestMethod") {
		return ref, failf(ErrMalformed, "<%s> instead of DigestMethod in Reference", name(dm))
	}
	if ref.digestAlg, err = algorithm(dm); err != nil {
		return ref, err
	}
	h, ok := digestMethod(ref.digestAlg)
	if !ok || !allowedDigestMethod(o, ref.digestAlg) {
		return ref, failf(ErrUnsupportedAlgorithm, "digest method %s", clip(ref.digestAlg))
	}
	if err := (&children{e: dm}).end(); err != nil {
		return ref, err
	}
	ref.hash = h

	dv, err := c.next()
	if err != nil {
		return ref, err
	}
	if !is(dv, NSDS, "DigestValue") {
		return ref, failf(ErrMalformed, "<%s> instead of DigestValue in Reference", name(dv))
	}
	if ref.digest, err = decodeBase64(dv, maxDigestValueText); err != nil {
		return ref, err
	}
	if len(ref.digest) != h.Size() {
		return ref, failf(ErrMalformed, "DigestValue of %d bytes for %s", len(ref.digest), ref.digestAlg)
	}
	if err := c.end(); err != nil {
		return ref, err
	}

	ref.target = idx.Lookup(uri[1:])
	if ref.target == nil {
		return ref, failf(ErrUnresolvedReference, "no element with ID %s", clip(uri[1:]))
	}
	if ref.transform == TransformSTR && !is(ref.target, NSWSSE, "SecurityTokenReference") {
		return ref, failf(ErrMalformed, "STR-Transform over <%s>", name(ref.target))
	}
	return ref, nil
}

// parseTransforms accepts exactly one transform: an exclusive
// canonicalization (with an optional InclusiveNamespaces) or the
// STR-Transform (with wsse:TransformationParameters holding one
// ds:CanonicalizationMethod).
func parseTransforms(ts *etree.Element, ref *parsedReference, o *VerifyOptions) error {
	c := children{e: ts}
	t, err := c.next()
	if err != nil {
		return err
	}
	if !is(t, NSDS, "Transform") {
		return failf(ErrMalformed, "<%s> in Transforms", name(t))
	}
	if err := c.end(); err != nil {
		return failf(ErrUnsupportedAlgorithm, "more than one transform (%v)", err)
	}
	alg, err := algorithm(t)
	if err != nil {
		return err
	}
	if !allowedTransform(o, alg) {
		return failf(ErrUnsupportedAlgorithm, "transform %s", clip(alg))
	}
	ref.transform = alg
	if alg != TransformSTR {
		ref.prefixes, err = inclusiveNamespaces(t)
		return err
	}

	c = children{e: t}
	tp, err := c.next()
	if err != nil {
		return err
	}
	if !is(tp, NSWSSE, "TransformationParameters") {
		return failf(ErrMalformed, "STR-Transform without TransformationParameters")
	}
	if err := c.end(); err != nil {
		return err
	}
	c = children{e: tp}
	cm, err := c.next()
	if err != nil {
		return err
	}
	if !is(cm, NSDS, "CanonicalizationMethod") {
		return failf(ErrMalformed, "STR-Transform without CanonicalizationMethod")
	}
	if err := c.end(); err != nil {
		return err
	}
	calg, err := algorithm(cm)
	if err != nil {
		return err
	}
	// Comments do not survive the dereference of a "#id" URI, so the
	// comment variant would produce the same bytes; only the plain one is
	// accepted inside the STR-Transform.
	if calg != AlgExcC14N || !allowedC14N(o, calg) {
		return failf(ErrUnsupportedAlgorithm, "STR-Transform canonicalization %s", clip(calg))
	}
	ref.prefixes, err = inclusiveNamespaces(cm)
	return err
}
