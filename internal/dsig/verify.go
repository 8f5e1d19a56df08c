package dsig

import (
	"crypto"
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"hash"

	"github.com/beevik/etree"
	"github.com/soapstack/soapstack/internal/c14n"
)

// DefaultMaxReferences is the number of references a Signature may have
// when VerifyOptions.MaxReferences is zero.
const DefaultMaxReferences = 64

// KeyResolverFunc returns the verification key for a signature: a
// non-empty []byte for the HMAC methods; an *rsa.PublicKey (or an
// *x509.Certificate holding one) for the RSA methods. keyInfo is the
// ds:KeyInfo element of the signature, or nil if it has none. The resolver
// decides whether the key is acceptable (trust, token type, policy); the
// signature method is given so that it can refuse combinations. Its errors
// are returned wrapped in ErrInvalidKey.
type KeyResolverFunc func(keyInfo *etree.Element, signatureMethod string) (any, error)

// VerifyOptions configures Verify. The algorithm allowlists take algorithm
// URIs; an empty list means the default. Callers narrow them to what their
// policy allows.
type VerifyOptions struct {
	// SignatureMethods allowed; default all four (RSA-SHA1, RSA-SHA256,
	// HMAC-SHA1, HMAC-SHA256).
	SignatureMethods []string
	// DigestMethods allowed; default SHA-1 and SHA-256.
	DigestMethods []string
	// CanonicalizationMethods allowed for SignedInfo and inside the
	// STR-Transform; default AlgExcC14N only (AlgExcC14NComments may be
	// added).
	CanonicalizationMethods []string
	// Transforms allowed in references; default AlgExcC14N and
	// TransformSTR. Each reference must have exactly one transform.
	// TransformSTR is accepted only when STRDereference is set.
	Transforms []string
	// KeyResolver returns the verification key. Required.
	KeyResolver KeyResolverFunc
	// STRDereference resolves the SecurityTokenReference of STR-Transform
	// references.
	STRDereference STRDereferenceFunc
	// MaxReferences bounds the number of references; default
	// DefaultMaxReferences.
	MaxReferences int
}

// VerifiedReference is one reference of a verified signature.
type VerifiedReference struct {
	// URI is the Reference URI ("#id").
	URI string
	// Element is the element that was digested: the node itself, so that
	// callers can require that the elements they use (the soap:Body, the
	// Timestamp, the addressing headers) are these very nodes. With the
	// STR-Transform it is the wsse:SecurityTokenReference.
	Element *etree.Element
	// Token is, for STR-Transform references, the token the reference was
	// dereferenced to and whose canonical form was digested; nil otherwise.
	Token *etree.Element
	// DigestMethod is the digest algorithm URI.
	DigestMethod string
	// Transform is the transform algorithm URI.
	Transform string
}

// Verified describes a valid signature.
type Verified struct {
	// References lists the references in SignedInfo order.
	References []VerifiedReference
	// SignatureMethod is the signature algorithm URI.
	SignatureMethod string
	// CanonicalizationMethod is the SignedInfo canonicalization URI.
	CanonicalizationMethod string
	// SignatureValue is the decoded signature value (for WS-Security 1.1
	// SignatureConfirmation).
	SignatureValue []byte
	// KeyInfo is the ds:KeyInfo element, or nil.
	KeyInfo *etree.Element
	// Key is the key the resolver returned and the signature verified
	// with.
	Key any
}

// Verify checks the ds:Signature element sig, whose references are
// resolved through idx (built over the document sig is in).
//
// Everything that needs no cryptography is checked first: the structure
// (SignedInfo, SignatureValue, optional KeyInfo; no Object or Manifest),
// every algorithm against the allowlists, HMACOutputLength (a truncated
// HMAC is refused), the references (each a same-document "#id" present in
// idx, one transform, distinct), the encoded values, and the key returned
// by the resolver against the signature method. Only then is SignedInfo,
// canonicalized in place, checked against the signature value (so that an
// unauthenticated message costs no digesting of its parts), and finally
// each referenced element is canonicalized in place into its digest and
// compared in constant time.
//
// On success the elements that were digested are returned. Verify never
// modifies the tree. Errors wrap ErrMalformed, ErrUnsupportedAlgorithm,
// ErrUnresolvedReference, ErrInvalidKey or ErrInvalidSignature.
func Verify(sig *etree.Element, idx *IDIndex, opts VerifyOptions) (*Verified, error) {
	p, err := parseSignature(sig, idx, &opts)
	if err != nil {
		return nil, err
	}
	if opts.KeyResolver == nil {
		return nil, failf(ErrInvalidKey, "no key resolver")
	}
	key, err := opts.KeyResolver(p.keyInfo, p.method.uri)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidKey, err)
	}
	mac, pub, err := verificationKey(p.method, key)
	if err != nil {
		return nil, err
	}

	h := signatureHash(p.method, mac)
	var copts []c14n.Option
	if len(p.prefixes) > 0 {
		copts = append(copts, c14n.WithInclusivePrefixes(p.prefixes))
	}
	if p.c14nAlg == AlgExcC14NComments {
		copts = append(copts, c14n.WithComments())
	}
	if err := c14n.Canonicalize(h, p.signedInfo, copts...); err != nil {
		return nil, failf(ErrMalformed, "canonicalizing SignedInfo: %v", err)
	}
	if err := checkSignature(p.method, h, pub, p.value); err != nil {
		return nil, err
	}

	v := &Verified{
		References:             make([]VerifiedReference, len(p.refs)),
		SignatureMethod:        p.method.uri,
		CanonicalizationMethod: p.c14nAlg,
		SignatureValue:         p.value,
		KeyInfo:                p.keyInfo,
		Key:                    key,
	}
	hs := &refHashes{}
	for i := range p.refs {
		r := &p.refs[i]
		token, err := hs.check(r, opts.STRDereference)
		if err != nil {
			return nil, err
		}
		v.References[i] = VerifiedReference{
			URI:          r.uri,
			Element:      r.target,
			Token:        token,
			DigestMethod: r.digestAlg,
			Transform:    r.transform,
		}
	}
	return v, nil
}

// checkDigest canonicalizes the target of r into its digest and compares.
// It returns the dereferenced token of an STR-Transform reference.
func checkDigest(r *parsedReference, deref STRDereferenceFunc) (*etree.Element, error) {
	return (&refHashes{}).check(r, deref)
}

// check is checkDigest with the hashes of hs.
func (hs *refHashes) check(r *parsedReference, deref STRDereferenceFunc) (*etree.Element, error) {
	h := hs.get(r.hash)
	var token *etree.Element
	if r.transform == TransformSTR {
		if deref == nil { // not reached: parseTransforms refuses it
			return nil, failf(ErrUnsupportedAlgorithm, "STR-Transform without STRDereference")
		}
		t, err := deref(r.target)
		if err != nil {
			return nil, fmt.Errorf("%w: dereferencing %s: %w", ErrUnresolvedReference, clip(r.uri), err)
		}
		if t == nil {
			return nil, failf(ErrUnresolvedReference, "dereferencing %s: no token", clip(r.uri))
		}
		if err := writeSTR(h, t, r.prefixes); err != nil {
			return nil, failf(ErrMalformed, "canonicalizing the token of %s: %v", clip(r.uri), err)
		}
		token = t
	} else {
		// Comments never survive the dereference of a "#id" URI, so the
		// comment variant of the transform writes none either.
		var copts []c14n.Option
		if len(r.prefixes) > 0 {
			copts = append(copts, c14n.WithInclusivePrefixes(r.prefixes))
		}
		if err := c14n.Canonicalize(h, r.target, copts...); err != nil {
			return nil, failf(ErrMalformed, "canonicalizing %s: %v", clip(r.uri), err)
		}
	}
	if subtle.ConstantTimeCompare(h.Sum(hs.sum[:0]), r.digest) != 1 {
		return nil, failf(ErrInvalidSignature, "digest of %s does not match", clip(r.uri))
	}
	return token, nil
}

// refHashes keeps one hash per digest algorithm for the references of one
// signature, and room for a digest.
type refHashes struct {
	sha1, sha256 hash.Hash
	sum          [sha256.Size]byte
}

// get returns the reset hash of algorithm h.
func (hs *refHashes) get(h crypto.Hash) hash.Hash {
	p := &hs.sha1
	if h == crypto.SHA256 {
		p = &hs.sha256
	}
	if *p == nil {
		*p = hashFunc(h)()
	} else {
		(*p).Reset()
	}
	return *p
}
