package secureconv

import (
	"crypto/rand"
	"fmt"
	"io"

	"github.com/soapstack/soapstack/internal/psha1"
	"github.com/soapstack/soapstack/internal/wstrust"
)

// EntropyMode says who contributes the key material of an issued key
// (WCF's SecurityKeyEntropyMode).
type EntropyMode int

// Entropy modes. The zero value is Combined, WCF's default.
const (
	// EntropyCombined: both sides send entropy (BinarySecret Nonce) and
	// the key is P_SHA1(client entropy, server entropy); the RSTR carries a
	// ComputedKey proof token, the server entropy and normally KeySize.
	EntropyCombined EntropyMode = iota
	// EntropyServer: the client sends no entropy and the server returns the
	// key in a BinarySecret proof token.
	EntropyServer
	// EntropyClient: the client's entropy is the key; the RSTR carries
	// neither a proof token nor entropy.
	EntropyClient
)

// String returns WCF's name of the mode.
func (m EntropyMode) String() string {
	switch m {
	case EntropyCombined:
		return "CombinedEntropy"
	case EntropyServer:
		return "ServerEntropy"
	case EntropyClient:
		return "ClientEntropy"
	}
	return fmt.Sprintf("EntropyMode(%d)", int(m))
}

// Key size defaults of KeySizes, in bits.
const (
	// DefaultMinKeySize is the smallest key accepted when KeySizes.Min is
	// 0 (Basic128).
	DefaultMinKeySize = 128
	// DefaultMaxKeySize is the largest key accepted when KeySizes.Max is 0
	// (the upper bound WCF's Basic256 suites accept).
	DefaultMaxKeySize = 1024
)

// keySizeBounds are the key sizes in bits a side accepts for an issued key,
// taken from its algorithm suite: WCF requests the suite's default
// symmetric key length (Basic128: 128, Basic256: 256) and accepts lengths
// the suite supports. Apache CXF issues 256-bit keys unless the RST
// carries a KeySize.
type keySizeBounds struct {
	// Min and Max bound the key size (0: DefaultMinKeySize and
	// DefaultMaxKeySize).
	Min, Max int
	// Default is the size assumed when neither the RST nor the RSTR states
	// one, and the size a server issues when the RST states none.
	Default int
}

// check refuses a size outside the bounds or not a whole number of bytes.
func (s keySizeBounds) check(bits int) error {
	lo, hi := s.Min, s.Max
	if lo <= 0 {
		lo = DefaultMinKeySize
	}
	if hi <= 0 {
		hi = DefaultMaxKeySize
	}
	if bits%8 != 0 || bits < lo || bits > hi {
		return fmt.Errorf("%w: key size %d bits outside %d..%d or not a multiple of 8", ErrProofKey, bits, lo, hi)
	}
	return nil
}

// newEntropy returns keySize/8 random bytes from r (crypto/rand when nil)
// as a BinarySecret of type Nonce with wsu:Id id (WCF writes
// "uuid-<guid>-<n>"; "" for none): the entropy of an RST or RSTR.
func newEntropy(keySize int, id string, r io.Reader) (*wstrust.BinarySecret, error) {
	if keySize <= 0 || keySize%8 != 0 || keySize/8 > wstrust.MaxSecretSize {
		return nil, fmt.Errorf("secureconv: entropy of %d bits", keySize)
	}
	if r == nil {
		r = rand.Reader
	}
	b := make([]byte, keySize/8)
	if _, err := io.ReadFull(r, b); err != nil {
		return nil, fmt.Errorf("secureconv: entropy: %w", err)
	}
	return &wstrust.BinarySecret{ID: id, Type: wstrust.SecretNonce, Value: b}, nil
}

// computedKey returns the WS-Trust computed key
// P_SHA1(secret = requestor entropy, seed = issuer entropy)[0:keySize/8]
// (.../CK/PSHA1). The order matters: WCF and WSS4J use the client's
// entropy as the HMAC key.
func computedKey(requestorEntropy, issuerEntropy []byte, keySize int) ([]byte, error) {
	if len(requestorEntropy) == 0 || len(issuerEntropy) == 0 {
		return nil, fmt.Errorf("%w: computed key needs both entropies", ErrProofKey)
	}
	if keySize <= 0 || keySize%8 != 0 || keySize > wstrust.MaxKeySize {
		return nil, fmt.Errorf("%w: computed key of %d bits", ErrProofKey, keySize)
	}
	return psha1.Derive(requestorEntropy, issuerEntropy, 0, keySize/8)
}

// resolveProofKey returns the key a client holds once rstr answers rst, as
// WCF's client computes it (WSTrust.Driver.GetIssuedToken):
//
//   - Combined: rst must carry entropy and rstr a ComputedKey proof token
//     and issuer entropy (an RSTR without them is refused); the key size is
//     rstr's KeySize, else rst's, else sizes.Default; the key is
//     ComputedKey(client entropy, server entropy, size).
//   - Server: rst must carry no entropy, rstr no ComputedKey and no
//     entropy but a BinarySecret proof token, which is the key (an
//     EncryptedKey proof token must be decrypted by the caller).
//   - Client: rst must carry entropy and rstr neither a proof token nor
//     entropy; the client's entropy is the key.
//
// The key size must lie within sizes. Errors wrap ErrProofKey.
func resolveProofKey(mode EntropyMode, rst *wstrust.RST, rstr *wstrust.RSTR, sizes keySizeBounds) ([]byte, error) {
	if rst == nil || rstr == nil {
		return nil, fmt.Errorf("%w: missing request or response", ErrProofKey)
	}
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s: "+format, append([]any{ErrProofKey, mode}, args...)...)
	}
	hasComputed := rstr.Proof != nil && rstr.Proof.ComputedKey != ""
	switch mode {
	case EntropyCombined:
		switch {
		case rst.Entropy == nil || len(rst.Entropy.Value) == 0:
			return nil, bad("the request carries no entropy")
		case !hasComputed:
			return nil, bad("the response carries no ComputedKey")
		case rstr.Entropy == nil || len(rstr.Entropy.Value) == 0:
			return nil, bad("the response carries no issuer entropy")
		}
		size := rstr.KeySize
		if size == 0 {
			size = rst.KeySize
		}
		if size == 0 {
			size = sizes.Default
		}
		if size == 0 {
			return nil, bad("no key size")
		}
		if err := sizes.check(size); err != nil {
			return nil, err
		}
		return computedKey(rst.Entropy.Value, rstr.Entropy.Value, size)
	case EntropyServer:
		switch {
		case rst.Entropy != nil:
			return nil, bad("the request carries entropy")
		case hasComputed || rstr.Entropy != nil:
			return nil, bad("the response carries a computed key or issuer entropy")
		case rstr.Proof == nil:
			return nil, bad("the response carries no proof token")
		case rstr.Proof.Secret == nil:
			return nil, bad("the proof token is not a BinarySecret")
		}
		key := rstr.Proof.Secret.Value
		if err := sizes.check(8 * len(key)); err != nil {
			return nil, err
		}
		if rstr.KeySize != 0 && rstr.KeySize != 8*len(key) {
			return nil, bad("KeySize %d does not match the %d-bit proof key", rstr.KeySize, 8*len(key))
		}
		return append([]byte(nil), key...), nil
	case EntropyClient:
		switch {
		case rst.Entropy == nil || len(rst.Entropy.Value) == 0:
			return nil, bad("the request carries no entropy")
		case rstr.Proof != nil || rstr.Entropy != nil:
			return nil, bad("the response carries a proof token or issuer entropy")
		}
		key := rst.Entropy.Value
		if err := sizes.check(8 * len(key)); err != nil {
			return nil, err
		}
		return append([]byte(nil), key...), nil
	}
	return nil, fmt.Errorf("%w: unknown entropy mode %d", ErrProofKey, int(mode))
}

// issuedKey is the key a server issues for an RST, with what the RSTR
// must carry for the client to obtain it.
type issuedKey struct {
	// Key is the session key. It is a secret: never log it.
	Key []byte
	// KeySize is the key size in bits.
	KeySize int
	// Mode is the entropy mode the key was issued in.
	Mode EntropyMode
	// Entropy is the server's entropy (Combined mode), nil otherwise; set
	// its ID before Apply to write a wsu:Id as WCF does.
	Entropy *wstrust.BinarySecret
}

// issueKey issues the key for rst as a WCF service does
// (WSTrust.Driver.ProcessRstAndIssueKey): the size is rst's KeySize, else
// (Client mode) the size of the client's entropy, else sizes.Default, and
// must lie within sizes; Combined and Client modes
// require the client's entropy, Server mode refuses it. In Combined mode
// the server entropy is keySize/8 random bytes from r (crypto/rand when
// nil) and the key is ComputedKey(client entropy, server entropy); in
// Server mode the key is random; in Client mode it is the client's entropy,
// whose size must then be the key size. Errors wrap ErrInvalidRequest.
func issueKey(mode EntropyMode, rst *wstrust.RST, sizes keySizeBounds, r io.Reader) (*issuedKey, error) {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s: "+format, append([]any{ErrInvalidRequest, mode}, args...)...)
	}
	if rst == nil {
		return nil, bad("missing request")
	}
	if r == nil {
		r = rand.Reader
	}
	size := rst.KeySize
	if size == 0 && mode == EntropyClient && rst.Entropy != nil {
		size = 8 * len(rst.Entropy.Value)
	}
	if size == 0 {
		size = sizes.Default
	}
	if err := sizes.check(size); err != nil {
		return nil, bad("%v", err)
	}
	k := &issuedKey{KeySize: size, Mode: mode}
	switch mode {
	case EntropyCombined:
		if rst.Entropy == nil || len(rst.Entropy.Value) == 0 {
			return nil, bad("the request carries no entropy")
		}
		e, err := newEntropy(size, "", r)
		if err != nil {
			return nil, err
		}
		key, err := computedKey(rst.Entropy.Value, e.Value, size)
		if err != nil {
			return nil, err
		}
		k.Key, k.Entropy = key, e
	case EntropyServer:
		if rst.Entropy != nil {
			return nil, bad("the request carries entropy")
		}
		k.Key = make([]byte, size/8)
		if _, err := io.ReadFull(r, k.Key); err != nil {
			return nil, fmt.Errorf("secureconv: issued key: %w", err)
		}
	case EntropyClient:
		if rst.Entropy == nil || len(rst.Entropy.Value) == 0 {
			return nil, bad("the request carries no entropy")
		}
		if 8*len(rst.Entropy.Value) != size {
			return nil, bad("entropy of %d bits for a %d-bit key", 8*len(rst.Entropy.Value), size)
		}
		k.Key = append([]byte(nil), rst.Entropy.Value...)
	default:
		return nil, bad("unknown entropy mode")
	}
	return k, nil
}

// Apply sets the proof token, issuer entropy and KeySize of rstr for the
// key, as WCF writes them: Combined, a ComputedKey of v and the server
// entropy; Server, the key in a BinarySecret (no Type); Client, neither.
func (k *issuedKey) Apply(v Version, rstr *wstrust.RSTR) {
	rstr.KeySize = k.KeySize
	rstr.Proof, rstr.Entropy = nil, nil
	switch k.Mode {
	case EntropyCombined:
		rstr.Proof = &wstrust.ProofToken{ComputedKey: v.wire().ComputedKeyPSHA1()}
		rstr.Entropy = k.Entropy
	case EntropyServer:
		rstr.Proof = &wstrust.ProofToken{Secret: &wstrust.BinarySecret{Value: k.Key}}
	}
}
