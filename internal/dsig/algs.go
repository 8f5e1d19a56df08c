package dsig

import (
	"crypto"
	"crypto/sha1"
	"crypto/sha256"
	"hash"
	"slices"
)

// sigMethod describes a signature algorithm.
type sigMethod struct {
	uri  string
	hash crypto.Hash
	hmac bool // HMAC; otherwise RSASSA-PKCS1-v1_5
}

// newHash returns a fresh hash of the method's digest algorithm.
func (m sigMethod) newHash() func() hash.Hash { return hashFunc(m.hash) }

// signatureMethod returns the description of a signature method URI.
func signatureMethod(uri string) (sigMethod, bool) {
	switch uri {
	case AlgRSASHA1:
		return sigMethod{uri, crypto.SHA1, false}, true
	case AlgRSASHA256:
		return sigMethod{uri, crypto.SHA256, false}, true
	case AlgHMACSHA1:
		return sigMethod{uri, crypto.SHA1, true}, true
	case AlgHMACSHA256:
		return sigMethod{uri, crypto.SHA256, true}, true
	}
	return sigMethod{}, false
}

// digestMethod returns the hash of a digest method URI.
func digestMethod(uri string) (crypto.Hash, bool) {
	switch uri {
	case AlgSHA1:
		return crypto.SHA1, true
	case AlgSHA256:
		return crypto.SHA256, true
	}
	return 0, false
}

// hashFunc returns the constructor of one of the two hashes this package
// uses, without going through the crypto.Hash registry.
func hashFunc(h crypto.Hash) func() hash.Hash {
	if h == crypto.SHA256 {
		return sha256.New
	}
	return sha1.New
}

// isC14N reports whether uri is an exclusive canonicalization algorithm.
func isC14N(uri string) bool { return uri == AlgExcC14N || uri == AlgExcC14NComments }

// allowed reports whether uri is in list, or in def when list is empty.
func allowed(uri string, list []string, def ...string) bool {
	if len(list) == 0 {
		list = def
	}
	return slices.Contains(list, uri)
}

// Default allowlists of VerifyOptions.
func allowedSignatureMethod(o *VerifyOptions, uri string) bool {
	return allowed(uri, o.SignatureMethods, AlgRSASHA1, AlgRSASHA256, AlgHMACSHA1, AlgHMACSHA256)
}

func allowedDigestMethod(o *VerifyOptions, uri string) bool {
	return allowed(uri, o.DigestMethods, AlgSHA1, AlgSHA256)
}

func allowedC14N(o *VerifyOptions, uri string) bool {
	return isC14N(uri) && allowed(uri, o.CanonicalizationMethods, AlgExcC14N)
}

func allowedTransform(o *VerifyOptions, uri string) bool {
	switch {
	case uri == TransformSTR:
		return o.STRDereference != nil && allowed(uri, o.Transforms, AlgExcC14N, TransformSTR)
	case isC14N(uri):
		return allowed(uri, o.Transforms, AlgExcC14N, TransformSTR)
	}
	return false
}
