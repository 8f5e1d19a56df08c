package binding

import (
	"crypto/x509"
	"fmt"
	"os"

	"github.com/soapstack/soapstack/wssecurity"
)

// ValidationMode is WCF's X509CertificateValidationMode: how a service
// decides whether a client certificate received in a message is trusted.
type ValidationMode int

// Certificate validation modes.
const (
	// ChainTrust (WCF's default) trusts a certificate that chains to one
	// of Credentials.TrustedRoots.
	ChainTrust ValidationMode = iota
	// PeerTrust trusts exactly the certificates of
	// Credentials.TrustedPeers (pinned, compared by the SHA-256 of their
	// DER encoding), without a chain.
	PeerTrust
	// PeerOrChainTrust trusts either.
	PeerOrChainTrust
)

// String returns WCF's name of the mode.
func (v ValidationMode) String() string {
	switch v {
	case ChainTrust:
		return "ChainTrust"
	case PeerTrust:
		return "PeerTrust"
	case PeerOrChainTrust:
		return "PeerOrChainTrust"
	}
	return fmt.Sprintf("ValidationMode(%d)", int(v))
}

// Credentials are every key, password and trust decision of a client or a
// service, in one place (WCF's ClientCredentials and ServiceCredentials).
// Which fields are needed depends on the binding's security; NewClient and
// NewHandler name a missing one.
type Credentials struct {
	// ServiceCertificate is the service's certificate. A service needs it
	// with its private key in Message mode (LoadPEM, LoadPKCS12); a client
	// needs its public part (Key may be nil) to encrypt to the service
	// (WCF's ClientCredentials.ServiceCertificate.DefaultCertificate).
	ServiceCertificate *wssecurity.Certificate
	// ClientCertificate is the client's certificate with its private key
	// (ClientCredentialType Certificate).
	ClientCertificate *wssecurity.Certificate
	// UserName and Password are the client's credentials
	// (ClientCredentialType UserName).
	UserName string
	Password wssecurity.Secret
	// UserNameValidator checks the user names and passwords a service
	// receives (WCF's UserNamePasswordValidator), for example a
	// *wssecurity.UsernameTokenVerifier.
	UserNameValidator wssecurity.UsernameValidator
	// Validation is how a service trusts client certificates (default
	// ChainTrust).
	Validation ValidationMode
	// TrustedRoots are the roots of ChainTrust and PeerOrChainTrust;
	// TrustedRootPool, when set, adds a whole pool (for example
	// x509.SystemCertPool()).
	TrustedRoots    []*x509.Certificate
	TrustedRootPool *x509.CertPool
	// TrustedPeers are the certificates of PeerTrust and PeerOrChainTrust
	// (WCF's TrustedPeople store).
	TrustedPeers []*x509.Certificate
	// ServiceDNSIdentity is the DNS name a client expects in the
	// certificate a service presents in a negotiation
	// (NegotiateServiceCredential; WCF's DnsEndpointIdentity): a dNSName
	// of the certificate, or its subject CN when it has none. Empty: the
	// host of the service URL. The client trusts that certificate by
	// TrustedRoots, TrustedRootPool and TrustedPeers (Validation), or as
	// ServiceCertificate when that is given instead.
	ServiceDNSIdentity string
	// Windows are the Kerberos credentials of ClientCredentialType Windows
	// (WCF's ClientCredentials.Windows and the service's account): see
	// WindowsCredentials.
	Windows *WindowsCredentials
}

// LoadPEM reads a certificate (with its chain) and its private key from
// PEM files, as wssecurity.LoadPEM. keyFile may be "" for a peer's
// certificate.
func LoadPEM(certFile, keyFile string) (*wssecurity.Certificate, error) {
	certPEM, err := os.ReadFile(certFile)
	if err != nil {
		return nil, fmt.Errorf("binding: %w", err)
	}
	var keyPEM []byte
	if keyFile != "" {
		if keyPEM, err = os.ReadFile(keyFile); err != nil {
			return nil, fmt.Errorf("binding: %w", err)
		}
	}
	c, err := wssecurity.LoadPEM(certPEM, keyPEM)
	if err != nil {
		return nil, fmt.Errorf("binding: %s: %w", certFile, err)
	}
	return c, nil
}

// LoadPKCS12 reads a certificate and its private key from a PKCS#12
// (.pfx, .p12) file, as wssecurity.LoadPKCS12.
func LoadPKCS12(file, password string) (*wssecurity.Certificate, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("binding: %w", err)
	}
	c, err := wssecurity.LoadPKCS12(data, password)
	if err != nil {
		return nil, fmt.Errorf("binding: %s: %w", file, err)
	}
	return c, nil
}

// trustStore builds the trust store of the validation mode; it reports a
// mode without the certificates it needs.
func (c *Credentials) trustStore() (*wssecurity.TrustStore, error) {
	var opts []wssecurity.TrustOption
	chain := c.Validation == ChainTrust || c.Validation == PeerOrChainTrust
	peer := c.Validation == PeerTrust || c.Validation == PeerOrChainTrust
	switch c.Validation {
	case ChainTrust, PeerTrust, PeerOrChainTrust:
	default:
		return nil, configErr("Credentials.Validation: unknown mode %d", int(c.Validation))
	}
	if chain {
		if c.TrustedRootPool != nil {
			opts = append(opts, wssecurity.WithRootPool(c.TrustedRootPool))
		}
		if len(c.TrustedRoots) > 0 {
			opts = append(opts, wssecurity.WithRoots(c.TrustedRoots...))
		}
	}
	if peer && len(c.TrustedPeers) > 0 {
		opts = append(opts, wssecurity.WithPinned(c.TrustedPeers...))
	}
	switch {
	case c.Validation == ChainTrust && c.TrustedRootPool == nil && len(c.TrustedRoots) == 0:
		return nil, configErr("Credentials.TrustedRoots: ChainTrust validation of client certificates needs trusted roots")
	case c.Validation == PeerTrust && len(c.TrustedPeers) == 0:
		return nil, configErr("Credentials.TrustedPeers: PeerTrust validation of client certificates needs trusted peers")
	case c.Validation == PeerOrChainTrust && c.TrustedRootPool == nil && len(c.TrustedRoots) == 0 && len(c.TrustedPeers) == 0:
		return nil, configErr("Credentials.TrustedRoots, TrustedPeers: PeerOrChainTrust validation of client certificates needs trusted roots or peers")
	}
	return wssecurity.NewTrustStore(opts...), nil
}
