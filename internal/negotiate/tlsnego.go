package negotiate

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/soapstack/soapstack/soap"
	"github.com/soapstack/soapstack/wssecurity"
)

// ErrServiceIdentity: the service's certificate does not carry the DNS
// identity the client expects.
var ErrServiceIdentity = errors.New("negotiate: the service certificate does not match the expected DNS identity")

// TLSClientConfig configures the initiator of TLSNEGO.
type TLSClientConfig struct {
	// Trust validates the service certificate (chain or peer trust). It is
	// required.
	Trust *wssecurity.TrustStore
	// DNSIdentity is the DNS name the service certificate must carry, as
	// WCF's DnsEndpointIdentity (by default the host of the service
	// address): a subjectAltName dNSName, or the subject's common name
	// when the certificate has no dNSName.
	DNSIdentity string
	// Certificate is sent when the service asks for a client certificate
	// (WCF's MutualSslNegotiated); nil sends none.
	Certificate *wssecurity.Certificate
	// Rand and Now are the handshake's random source and clock.
	Rand io.Reader
	Now  func() time.Time

	// tests: offer an older protocol
	minVersion, maxVersion uint16
}

// TLSServerConfig configures the acceptor of TLSNEGO.
type TLSServerConfig struct {
	// Certificate is the service certificate with its private key.
	Certificate *wssecurity.Certificate
	// ClientTrust, when set, makes the service ask for a client
	// certificate and validate it (WCF's requireClientCertificate);
	// RequireClientCertificate refuses clients that send none.
	ClientTrust              *wssecurity.TrustStore
	RequireClientCertificate bool
	// Rand and Now are the handshake's random source and clock.
	Rand io.Reader
	Now  func() time.Time

	// tests: answer with an older protocol
	minVersion, maxVersion uint16
}

func tlsCertificate(c *wssecurity.Certificate) tls.Certificate {
	tc := tls.Certificate{Certificate: [][]byte{c.Cert.Raw}, PrivateKey: c.Key, Leaf: c.Cert}
	for _, ch := range c.Chain {
		tc.Certificate = append(tc.Certificate, ch.Raw)
	}
	return tc
}

func parseChain(raw [][]byte) (*x509.Certificate, []*x509.Certificate, error) {
	if len(raw) == 0 {
		return nil, nil, errors.New("no certificate")
	}
	certs := make([]*x509.Certificate, 0, len(raw))
	for _, r := range raw {
		c, err := x509.ParseCertificate(r)
		if err != nil {
			return nil, nil, err
		}
		certs = append(certs, c)
	}
	return certs[0], certs[1:], nil
}

// matchDNS checks the DNS identity as WCF's X509CertificateClaimSet
// offers it: the dNSName entries, or the common name without them.
func matchDNS(cert *x509.Certificate, name string) error {
	name = strings.TrimSuffix(strings.ToLower(name), ".")
	if len(cert.DNSNames) > 0 {
		if err := cert.VerifyHostname(name); err != nil {
			return fmt.Errorf("%w: %w", ErrServiceIdentity, err)
		}
		return nil
	}
	if strings.EqualFold(cert.Subject.CommonName, name) {
		return nil
	}
	return fmt.Errorf("%w: %q (subject %q)", ErrServiceIdentity, name, cert.Subject.String())
}

// NewTLSClient returns the factory of TLSNEGO initiators.
func NewTLSClient(cfg TLSClientConfig) (func(context.Context) (Mechanism, error), error) {
	if cfg.Trust == nil {
		return nil, errors.New("negotiate: TLSClientConfig.Trust is nil: the service certificate must be validated")
	}
	if cfg.DNSIdentity == "" {
		return nil, errors.New("negotiate: TLSClientConfig.DNSIdentity is empty")
	}
	if c := cfg.Certificate; c != nil && (c.Cert == nil || c.Key == nil) {
		return nil, errors.New("negotiate: TLSClientConfig.Certificate without certificate or key")
	}
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	return func(ctx context.Context) (Mechanism, error) {
		tc := &tls.Config{
			MinVersion:             tls.VersionTLS12,
			MaxVersion:             tls.VersionTLS13,
			Rand:                   cfg.Rand,
			Time:                   now,
			InsecureSkipVerify:     true, // verified below, by the trust store and the DNS identity
			SessionTicketsDisabled: true,
			ServerName:             cfg.DNSIdentity,
			VerifyPeerCertificate: func(raw [][]byte, _ [][]*x509.Certificate) error {
				leaf, inter, err := parseChain(raw)
				if err != nil {
					return fmt.Errorf("negotiate: service certificate: %w", err)
				}
				if err := cfg.Trust.Verify(leaf, inter, now()); err != nil {
					return err
				}
				return matchDNS(leaf, cfg.DNSIdentity)
			},
		}
		if cfg.maxVersion != 0 {
			tc.MaxVersion = cfg.maxVersion
		}
		if cfg.minVersion != 0 {
			tc.MinVersion = cfg.minVersion
		}
		if cfg.Certificate != nil {
			cert := tlsCertificate(cfg.Certificate)
			tc.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return &cert, nil }
		}
		c := newMemConn()
		return &tlsMech{conn: c, tls: tls.Client(c, tc)}, nil
	}, nil
}

// NewTLSServer returns the factory of TLSNEGO acceptors.
func NewTLSServer(cfg TLSServerConfig) (func(context.Context) (Mechanism, error), error) {
	if c := cfg.Certificate; c == nil || c.Cert == nil || c.Key == nil {
		return nil, errors.New("negotiate: TLSServerConfig.Certificate needs the service certificate and its key")
	}
	if cfg.RequireClientCertificate && cfg.ClientTrust == nil {
		return nil, errors.New("negotiate: RequireClientCertificate without ClientTrust")
	}
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	cert := tlsCertificate(cfg.Certificate)
	return func(ctx context.Context) (Mechanism, error) {
		m := &tlsMech{conn: newMemConn(), server: true}
		tc := &tls.Config{
			MinVersion:             tls.VersionTLS12,
			MaxVersion:             tls.VersionTLS13,
			Rand:                   cfg.Rand,
			Time:                   now,
			Certificates:           []tls.Certificate{cert},
			SessionTicketsDisabled: true,
		}
		if cfg.maxVersion != 0 {
			tc.MaxVersion = cfg.maxVersion
		}
		if cfg.minVersion != 0 {
			tc.MinVersion = cfg.minVersion
		}
		if cfg.ClientTrust != nil {
			tc.ClientAuth = tls.RequestClientCert
			if cfg.RequireClientCertificate {
				tc.ClientAuth = tls.RequireAnyClientCert
			}
			tc.VerifyPeerCertificate = func(raw [][]byte, _ [][]*x509.Certificate) error {
				if len(raw) == 0 {
					return nil // RequestClientCert: an anonymous client
				}
				leaf, inter, err := parseChain(raw)
				if err != nil {
					return fmt.Errorf("negotiate: client certificate: %w", err)
				}
				if err := cfg.ClientTrust.Verify(leaf, inter, now()); err != nil {
					return err
				}
				m.peer = leaf
				return nil
			}
		}
		m.tls = tls.Server(m.conn, tc)
		return m, nil
	}, nil
}

// tlsMech is one side of a TLS handshake tunnelled in BinaryExchange
// blobs; the key is wrapped as one TLS application-data record
// (TLS_Wrap).
type tlsMech struct {
	conn    *memConn
	tls     *tls.Conn
	server  bool
	started bool
	done    bool
	peer    *x509.Certificate
}

// ValueType returns the TLSNEGO ValueType (leading space in 2005/02).
func (m *tlsMech) ValueType(trustNS string) string { return TLSNegoValueType(trustNS) }

// WrapAlgorithm returns TLS_Wrap.
func (m *tlsMech) WrapAlgorithm() string { return AlgTLSWrap }

// Step runs the handshake on the peer's blob.
func (m *tlsMech) Step(ctx context.Context, in []byte) ([]byte, bool, error) {
	if m.done {
		// Post-handshake messages (TLS 1.3 tickets) before the wrapped
		// key: read with it.
		m.conn.push(in)
		return nil, true, nil
	}
	if !m.started {
		m.started = true
		go func() { m.conn.done(m.tls.HandshakeContext(context.Background())) }()
	}
	out, done, err := m.conn.feed(ctx, in)
	if err != nil {
		m.conn.Close()
		return nil, false, err
	}
	if done {
		m.done = true
		if m.conn.pendingInput() != 0 {
			return nil, false, errors.New("negotiate: data after the TLS handshake in the same blob")
		}
	} else if len(out) == 0 {
		// The handshake waits for the rest of a record or flight the blob
		// should have held.
		m.conn.Close()
		return nil, false, errors.New("negotiate: incomplete TLS flight (truncated blob)")
	}
	if len(out) == 0 {
		out = nil
	}
	return out, done, nil
}

// Wrap encrypts key as one TLS application-data record.
func (m *tlsMech) Wrap(key []byte) ([]byte, error) {
	if !m.done {
		return nil, errors.New("negotiate: TLS handshake not complete")
	}
	if _, err := m.tls.Write(key); err != nil {
		return nil, err
	}
	return m.conn.take(), nil
}

// Unwrap decrypts the TLS application-data record carrying the key.
func (m *tlsMech) Unwrap(blob []byte) ([]byte, error) {
	if !m.done {
		return nil, errors.New("negotiate: TLS handshake not complete")
	}
	m.conn.push(blob)
	buf := make([]byte, 1024)
	n, err := m.tls.Read(buf)
	if err != nil {
		return nil, fmt.Errorf("negotiate: TLS_Wrap: %w", err)
	}
	if m.conn.pendingInput() != 0 {
		return nil, errors.New("negotiate: TLS_Wrap: more than one record")
	}
	return buf[:n], nil
}

// Peer returns the validated client certificate's identity (acceptor), or
// nil for an anonymous client.
func (m *tlsMech) Peer() *soap.Principal {
	if m.peer == nil {
		return nil
	}
	return &soap.Principal{Identities: []soap.Identity{soap.CertificateIdentity(m.peer)}}
}

// ConnectionState returns the TLS state once the handshake is done.
func (m *tlsMech) ConnectionState() tls.ConnectionState { return m.tls.ConnectionState() }

// Close ends the handshake's goroutine.
func (m *tlsMech) Close() error { return m.conn.Close() }
