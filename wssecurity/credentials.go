package wssecurity

import (
	"context"
	"crypto"
	"crypto/sha256"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"time"

	"software.sslmate.com/src/go-pkcs12"
)

// Certificate is an X.509 credential: a certificate, its private key when
// we hold it, and the intermediate certificates to send or verify with.
type Certificate struct {
	// Cert is the end-entity certificate.
	Cert *x509.Certificate
	// Key is the private key of Cert, or nil for a peer's certificate.
	Key crypto.Signer
	// Chain holds the certificates that follow Cert (intermediates, maybe
	// the root), leaf-side first.
	Chain []*x509.Certificate
}

// LoadPEM reads a certificate and its private key from PEM. certPEM holds
// one or more CERTIFICATE blocks, the end-entity certificate first; keyPEM
// holds one unencrypted key block: "RSA PRIVATE KEY" (PKCS#1), "EC PRIVATE
// KEY" (SEC 1) or "PRIVATE KEY" (PKCS#8 with an RSA, ECDSA or Ed25519 key).
// keyPEM may be nil for a certificate without a key. The key must belong to
// the certificate.
func LoadPEM(certPEM, keyPEM []byte) (*Certificate, error) {
	var certs []*x509.Certificate
	for rest := certPEM; ; {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		if b.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			return nil, fmt.Errorf("wssecurity: certificate %d: %w", len(certs)+1, err)
		}
		certs = append(certs, c)
	}
	if len(certs) == 0 {
		return nil, errors.New("wssecurity: no CERTIFICATE block in PEM data")
	}
	cred := &Certificate{Cert: certs[0], Chain: certs[1:]}
	if keyPEM == nil {
		return cred, nil
	}
	key, err := parsePEMKey(keyPEM)
	if err != nil {
		return nil, err
	}
	if err := checkKeyPair(cred.Cert, key); err != nil {
		return nil, err
	}
	cred.Key = key
	return cred, nil
}

func parsePEMKey(keyPEM []byte) (crypto.Signer, error) {
	for rest := keyPEM; ; {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			return nil, errors.New("wssecurity: no private key block in PEM data")
		}
		var key any
		var err error
		switch b.Type {
		case "RSA PRIVATE KEY":
			key, err = x509.ParsePKCS1PrivateKey(b.Bytes)
		case "EC PRIVATE KEY":
			key, err = x509.ParseECPrivateKey(b.Bytes)
		case "PRIVATE KEY":
			key, err = x509.ParsePKCS8PrivateKey(b.Bytes)
		case "ENCRYPTED PRIVATE KEY":
			return nil, errors.New("wssecurity: encrypted PEM private keys are not supported (use PKCS#12)")
		default:
			continue
		}
		if err != nil {
			// The parser's error names the block type only, never key bytes.
			return nil, fmt.Errorf("wssecurity: %s: %w", b.Type, err)
		}
		s, ok := key.(crypto.Signer)
		if !ok {
			return nil, fmt.Errorf("wssecurity: %s: unsupported key type %T", b.Type, key)
		}
		return s, nil
	}
}

// checkKeyPair verifies that key is the private key of cert.
func checkKeyPair(cert *x509.Certificate, key crypto.Signer) error {
	pub, ok := key.Public().(interface{ Equal(crypto.PublicKey) bool })
	if !ok || !pub.Equal(cert.PublicKey) {
		return errors.New("wssecurity: private key does not match the certificate")
	}
	return nil
}

// LoadPKCS12 reads a certificate, its private key and its chain from a
// PKCS#12 (.p12/.pfx) file such as Java's keytool or Windows exports, with
// legacy (3DES/RC2) or modern (PBES2/AES) encryption.
func LoadPKCS12(data []byte, password string) (*Certificate, error) {
	key, cert, chain, err := pkcs12.DecodeChain(data, password)
	if err != nil {
		return nil, fmt.Errorf("wssecurity: pkcs12: %w", err)
	}
	signer, ok := key.(crypto.Signer)
	if !ok {
		return nil, fmt.Errorf("wssecurity: pkcs12: unsupported key type %T", key)
	}
	if err := checkKeyPair(cert, signer); err != nil {
		return nil, err
	}
	return &Certificate{Cert: cert, Key: signer, Chain: chain}, nil
}

// TrustStore decides which peer certificates are trusted: a certificate is
// trusted when it is one of the pinned certificates (exact match of the
// SHA-256 of its DER encoding, as WCF's PeerTrust mode) or when it chains to
// one of the roots (ChainTrust). Either way it must be within its validity
// period at the time given to Verify (the layer's Config.Now). A TrustStore
// is immutable and safe for concurrent use.
type TrustStore struct {
	roots  *x509.CertPool
	pinned map[[sha256.Size]byte]bool
	usages []x509.ExtKeyUsage
}

// TrustOption configures NewTrustStore.
type TrustOption interface {
	apply(*TrustStore)
}

type trustOptionFunc func(*TrustStore)

func (f trustOptionFunc) apply(t *TrustStore) { f(t) }

// WithRoots adds trusted root certificates.
func WithRoots(certs ...*x509.Certificate) TrustOption {
	return trustOptionFunc(func(t *TrustStore) {
		if t.roots == nil {
			t.roots = x509.NewCertPool()
		}
		for _, c := range certs {
			t.roots.AddCert(c)
		}
	})
}

// WithRootPool trusts the roots of pool (for example x509.SystemCertPool),
// replacing roots added before.
func WithRootPool(pool *x509.CertPool) TrustOption {
	return trustOptionFunc(func(t *TrustStore) {
		if pool != nil {
			t.roots = pool.Clone()
		}
	})
}

// WithPinned adds certificates trusted as they are, without a chain.
func WithPinned(certs ...*x509.Certificate) TrustOption {
	return trustOptionFunc(func(t *TrustStore) {
		for _, c := range certs {
			t.pinned[sha256.Sum256(c.Raw)] = true
		}
	})
}

// WithKeyUsages restricts chain verification to certificates valid for one
// of the extended key usages (any usage by default, as WCF).
func WithKeyUsages(usages ...x509.ExtKeyUsage) TrustOption {
	return trustOptionFunc(func(t *TrustStore) { t.usages = append([]x509.ExtKeyUsage(nil), usages...) })
}

// NewTrustStore returns a TrustStore; with no roots and no pinned
// certificates it trusts nothing.
func NewTrustStore(opts ...TrustOption) *TrustStore {
	t := &TrustStore{pinned: make(map[[sha256.Size]byte]bool)}
	for _, o := range opts {
		o.apply(t)
	}
	if len(t.usages) == 0 {
		t.usages = []x509.ExtKeyUsage{x509.ExtKeyUsageAny}
	}
	return t
}

// Verify reports whether cert is trusted at time now (time.Now when zero;
// the security layers pass their Config.Now), using intermediates (which
// are not trusted themselves) to build a chain. Errors wrap
// ErrFailedAuthentication.
func (t *TrustStore) Verify(cert *x509.Certificate, intermediates []*x509.Certificate, now time.Time) error {
	if cert == nil {
		return fmt.Errorf("%w: no certificate", ErrFailedAuthentication)
	}
	if now.IsZero() {
		now = time.Now()
	}
	if t.pinned[sha256.Sum256(cert.Raw)] {
		if now.Before(cert.NotBefore) || now.After(cert.NotAfter) {
			return fmt.Errorf("%w: pinned certificate %q is outside its validity period", ErrFailedAuthentication, cert.Subject)
		}
		return nil
	}
	if t.roots == nil {
		return fmt.Errorf("%w: certificate %q is not trusted", ErrFailedAuthentication, cert.Subject)
	}
	opts := x509.VerifyOptions{Roots: t.roots, CurrentTime: now, KeyUsages: t.usages}
	if len(intermediates) > 0 {
		opts.Intermediates = x509.NewCertPool()
		for _, c := range intermediates {
			opts.Intermediates.AddCert(c)
		}
	}
	if _, err := cert.Verify(opts); err != nil {
		return fmt.Errorf("%w: certificate %q: %w", ErrFailedAuthentication, cert.Subject, err)
	}
	return nil
}

// UsernameValidator authenticates a parsed UsernameToken. Implementations
// return an error wrapping ErrFailedAuthentication when the token is not
// accepted, and never put the password in errors or logs.
// UsernameTokenVerifier is the implementation built on the functions below.
type UsernameValidator interface {
	ValidateUsernameToken(ctx context.Context, ut *UsernameTokenData) error
}

// PasswordChecker checks a clear-text password (PasswordText), for example
// against a salted hash; it returns a non-nil error to reject.
type PasswordChecker func(ctx context.Context, user, password string) error

// PasswordLookup returns the clear-text password of user, which
// PasswordDigest requires; it returns a non-nil error for an unknown user.
type PasswordLookup func(ctx context.Context, user string) (string, error)
