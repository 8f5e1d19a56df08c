package wssecurity

import (
	"fmt"

	"github.com/soapstack/soapstack/internal/wsse"
)

// algorithmSuite is a WS-SecurityPolicy algorithm suite with the key
// lengths WCF uses (System.ServiceModel.Security.SecurityAlgorithmSuite).
// Lengths are in bits.
type algorithmSuite struct {
	// Name is the WS-SecurityPolicy / WCF name, e.g. "Basic256".
	Name string

	Digest            string
	SymmetricSig      string
	AsymmetricSig     string
	Encryption        string
	SymmetricKeyWrap  string
	AsymmetricKeyWrap string
	C14N              string

	// EncryptionKeyDerivationLength and SignatureKeyDerivationLength are
	// the lengths of derived keys (DerivedKeyToken) for each purpose.
	EncryptionKeyDerivationLength int
	SignatureKeyDerivationLength  int
	// MinSymmetricKeyLength and MaxSymmetricKeyLength bound the keys a
	// peer may issue or send (WS-Trust KeySize, EncryptedKey).
	MinSymmetricKeyLength  int
	MaxSymmetricKeyLength  int
	MinAsymmetricKeyLength int
	MaxAsymmetricKeyLength int
	// Legacy marks suites with RSA 1.5 or 3DES: they must be chosen
	// explicitly and are never accepted by default.
	Legacy bool
}

// symmetricKeyLength returns the default symmetric key length in bytes.
func (s algorithmSuite) symmetricKeyLength() int { return s.MaxSymmetricKeyLength / 8 }

// String returns the suite name.
func (s algorithmSuite) String() string { return s.Name }

func makeSuite(name string, bits int, enc, kw string, sha256, rsa15 bool) algorithmSuite {
	s := algorithmSuite{
		Name:                          name,
		Digest:                        wsse.AlgSHA1,
		SymmetricSig:                  wsse.AlgHMACSHA1,
		AsymmetricSig:                 wsse.AlgRSASHA1,
		Encryption:                    enc,
		SymmetricKeyWrap:              kw,
		AsymmetricKeyWrap:             wsse.AlgRSAOAEP,
		C14N:                          wsse.AlgExcC14N,
		EncryptionKeyDerivationLength: bits,
		SignatureKeyDerivationLength:  bits,
		MinSymmetricKeyLength:         bits,
		MaxSymmetricKeyLength:         bits,
		MinAsymmetricKeyLength:        1024,
		MaxAsymmetricKeyLength:        4096,
	}
	// WCF derives 192-bit signing keys for Basic256 (its
	// DefaultSignatureKeyDerivationLength) and 3DES keys are 192 bits.
	if bits == 256 {
		s.SignatureKeyDerivationLength = 192
	}
	if sha256 {
		s.Digest = wsse.AlgSHA256
		s.SymmetricSig = wsse.AlgHMACSHA256
		s.AsymmetricSig = wsse.AlgRSASHA256
		s.SignatureKeyDerivationLength = bits
		if bits == 256 {
			s.SignatureKeyDerivationLength = 256
		}
	}
	if rsa15 {
		s.AsymmetricKeyWrap = wsse.AlgRSA15
		s.Legacy = true
	}
	if enc == wsse.AlgTripleDESCBC {
		s.Legacy = true
	}
	return s
}

// Suite names a WCF algorithm suite. It is a constant; its algorithms and
// key lengths come from Algorithms.
type Suite int

// The WCF algorithm suites, by their WCF names.
const (
	Basic256 Suite = iota + 1
	Basic192
	Basic128
	TripleDes
	Basic256Rsa15
	Basic192Rsa15
	Basic128Rsa15
	TripleDesRsa15
	Basic256Sha256
	Basic192Sha256
	Basic128Sha256
	TripleDesSha256
	Basic256Sha256Rsa15
	Basic192Sha256Rsa15
	Basic128Sha256Rsa15
	TripleDesSha256Rsa15
)

type suiteDef struct {
	name   string
	bits   int
	enc    string
	kw     string
	sha256 bool
	rsa15  bool
}

func (s Suite) def() (suiteDef, bool) {
	defs := [...]suiteDef{
		Basic256:             {"Basic256", 256, wsse.AlgAES256CBC, wsse.AlgKWAES256, false, false},
		Basic192:             {"Basic192", 192, wsse.AlgAES192CBC, wsse.AlgKWAES192, false, false},
		Basic128:             {"Basic128", 128, wsse.AlgAES128CBC, wsse.AlgKWAES128, false, false},
		TripleDes:            {"TripleDes", 192, wsse.AlgTripleDESCBC, wsse.AlgKWTripleDES, false, false},
		Basic256Rsa15:        {"Basic256Rsa15", 256, wsse.AlgAES256CBC, wsse.AlgKWAES256, false, true},
		Basic192Rsa15:        {"Basic192Rsa15", 192, wsse.AlgAES192CBC, wsse.AlgKWAES192, false, true},
		Basic128Rsa15:        {"Basic128Rsa15", 128, wsse.AlgAES128CBC, wsse.AlgKWAES128, false, true},
		TripleDesRsa15:       {"TripleDesRsa15", 192, wsse.AlgTripleDESCBC, wsse.AlgKWTripleDES, false, true},
		Basic256Sha256:       {"Basic256Sha256", 256, wsse.AlgAES256CBC, wsse.AlgKWAES256, true, false},
		Basic192Sha256:       {"Basic192Sha256", 192, wsse.AlgAES192CBC, wsse.AlgKWAES192, true, false},
		Basic128Sha256:       {"Basic128Sha256", 128, wsse.AlgAES128CBC, wsse.AlgKWAES128, true, false},
		TripleDesSha256:      {"TripleDesSha256", 192, wsse.AlgTripleDESCBC, wsse.AlgKWTripleDES, true, false},
		Basic256Sha256Rsa15:  {"Basic256Sha256Rsa15", 256, wsse.AlgAES256CBC, wsse.AlgKWAES256, true, true},
		Basic192Sha256Rsa15:  {"Basic192Sha256Rsa15", 192, wsse.AlgAES192CBC, wsse.AlgKWAES192, true, true},
		Basic128Sha256Rsa15:  {"Basic128Sha256Rsa15", 128, wsse.AlgAES128CBC, wsse.AlgKWAES128, true, true},
		TripleDesSha256Rsa15: {"TripleDesSha256Rsa15", 192, wsse.AlgTripleDESCBC, wsse.AlgKWTripleDES, true, true},
	}
	if s <= 0 || int(s) >= len(defs) {
		return suiteDef{}, false
	}
	return defs[s], true
}

// String returns the WCF name of the suite.
func (s Suite) String() string {
	d, ok := s.def()
	if !ok {
		return fmt.Sprintf("Suite(%d)", int(s))
	}
	return d.name
}

// KeySizes returns the bounds, in bits, of the symmetric keys the suite
// allows (WS-SecurityPolicy's MinimumSymmetricKeyLength and
// MaximumSymmetricKeyLength, equal for WCF's suites).
func (s Suite) KeySizes() (minBits, maxBits int) {
	a := s.algorithms()
	return a.MinSymmetricKeyLength, a.MaxSymmetricKeyLength
}

// algorithms returns the algorithms and key lengths of the suite.
func (s Suite) algorithms() algorithmSuite {
	d, ok := s.def()
	if !ok {
		d, _ = Basic256.def()
	}
	return makeSuite(d.name, d.bits, d.enc, d.kw, d.sha256, d.rsa15)
}

// Suites lists every suite.
func Suites() []Suite {
	out := make([]Suite, 0, 16)
	for s := Basic256; s <= TripleDesSha256Rsa15; s++ {
		out = append(out, s)
	}
	return out
}

// SuiteByName returns the suite with the given WCF / WS-SecurityPolicy name.
func SuiteByName(name string) (Suite, error) {
	for _, s := range Suites() {
		if s.String() == name {
			return s, nil
		}
	}
	return 0, fmt.Errorf("wssecurity: unknown algorithm suite %q", name)
}
