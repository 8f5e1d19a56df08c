package negotiate

import (
	"crypto/sha1"
	"crypto/subtle"
	"hash"

	"github.com/beevik/etree"
	"github.com/soapstack/soapstack/internal/c14n"
	"github.com/soapstack/soapstack/internal/psha1"
	"github.com/soapstack/soapstack/internal/xmlutil"
)

// transcript is the negotiation digest both sides keep (WCF's
// SspiNegotiationTokenProviderState/AuthenticatorState.NegotiationDigest):
// one SHA-1 over the exclusive canonical form of every leg's RST or RSTR
// element, in order. The final RSTR enters it without its
// RequestedSecurityToken and RequestedProofToken.
type transcript struct {
	h hash.Hash
}

func newTranscript() *transcript { return &transcript{h: sha1.New()} }

// add hashes the exc-C14N of el (its ancestors' declarations in scope).
func (t *transcript) add(el *etree.Element) error {
	return c14n.Canonicalize(t.h, el)
}

// addFinal hashes the final RSTR without its RequestedSecurityToken and
// RequestedProofToken children (SspiNegotiationTokenProvider.AddToDigest
// with isFinalRstr).
func (t *transcript) addFinal(el *etree.Element, trustNS string) error {
	return t.add(withoutSecrets(el, trustNS))
}

// withoutSecrets returns a standalone copy of the final RSTR without its
// RequestedSecurityToken and RequestedProofToken children.
func withoutSecrets(el *etree.Element, trustNS string) *etree.Element {
	cp := xmlutil.CopyWithScope(el)
	for _, c := range cp.ChildElements() {
		n := xmlutil.ElementName(c)
		if n.Space == trustNS && (n.Local == "RequestedSecurityToken" || n.Local == "RequestedProofToken") {
			cp.RemoveChild(c)
		}
	}
	return cp
}

func (t *transcript) sum() []byte { return t.h.Sum(nil) }

// combinedHash is the Authenticator: P_SHA1(key, "AUTH-HASH" || digest),
// its first 256 bits (SspiNegotiationTokenAuthenticator.ComputeAuthenticator).
func combinedHash(key, digest []byte) ([]byte, error) {
	seed := append([]byte(combinedHashLabel), digest...)
	return psha1.Derive(key, seed, 0, authenticatorBits/8)
}

// checkAuthenticator compares the received CombinedHash with the expected
// one in constant time.
func checkAuthenticator(key, digest, got []byte) bool {
	want, err := combinedHash(key, digest)
	return err == nil && subtle.ConstantTimeCompare(want, got) == 1
}
