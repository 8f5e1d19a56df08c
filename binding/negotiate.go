package binding

import (
	"context"
	"crypto/x509"
	"net"
	"net/url"

	"github.com/soapstack/soapstack/internal/negotiate"
	"github.com/soapstack/soapstack/internal/wstrust"
	"github.com/soapstack/soapstack/secureconv"
	"github.com/soapstack/soapstack/wssecurity"
)

// negotiatedPlan is the plan of Message security with
// NegotiateServiceCredential (WCF's MessageSecurityOverHttp with
// negotiation): a TLSNEGO negotiation issues a first token, and a
// symmetric binding on it (SslSecurityTokenParameters require derived
// keys; no signature confirmation) protects either the session's Issue
// (EstablishSecurityContext, CreateSecureConversationBindingElement over
// it) or the application messages. UserName adds a signed and encrypted
// supporting UsernameToken to that binding
// (CreateUserNameForSslBindingElement); Certificate sends the client
// certificate in the TLS handshake (CreateSslNegotiationBindingElement
// with requireClientCertificate); None sends nothing
// (CreateSslNegotiationBindingElement without). Windows negotiates by
// SPNEGO/Kerberos instead (CreateSspiNegotiationBindingElement, the same
// symmetric binding on the negotiated token).
func (b Binding) negotiatedPlan() plan {
	m := b.Security.Message
	onToken := func() *wssecurity.Policy {
		s := wssecurity.AnonymousForCertificate(m.AlgorithmSuite)
		s.ProtectionToken = &wssecurity.Token{Kind: wssecurity.SecureConversationToken,
			Inclusion: wssecurity.IncludeAlwaysToRecipient, DerivedKeys: true}
		s.RequireSignatureConfirmation = false
		s.WSS = b.WSS // the binding's MessageSecurityVersion
		return &s
	}
	nego := onToken()
	p := plan{negotiate: true}
	switch m.ClientCredentialType {
	case CredentialUserName:
		nego.Supporting = []wssecurity.SupportingToken{{Token: wssecurity.Token{Kind: wssecurity.UsernameToken,
			Inclusion: wssecurity.IncludeAlwaysToRecipient}, Role: wssecurity.SignedEncryptedSupporting}}
		p.preset = "UserNameForSslNegotiated"
	case CredentialCertificate:
		p.preset = "MutualSslNegotiated"
	case CredentialWindows:
		p.spnego, p.preset = true, "SspiNegotiation"
	default:
		p.preset = "AnonymousForSslNegotiated"
	}
	if m.EstablishSecurityContext {
		p.message, p.session = nego, onToken()
		p.preset = "SecureConversation(" + p.preset + ")"
	} else {
		p.session = nego
	}
	return p
}

// serviceDNSIdentity is the DNS identity the client expects of the
// service: Credentials.ServiceDNSIdentity, else the URL's host (WCF's
// default EndpointIdentity).
func serviceDNSIdentity(creds Credentials, rawURL string) string {
	if creds.ServiceDNSIdentity != "" {
		return creds.ServiceDNSIdentity
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		return ""
	}
	if h, _, err := net.SplitHostPort(u.Host); err == nil {
		return h
	}
	return u.Host
}

// clientNegotiator builds the TLSNEGO initiator of a client: the service
// certificate is trusted by Credentials' trust settings, or pinned when
// Credentials.ServiceCertificate is given.
func clientNegotiator(b Binding, creds Credentials, rawURL string, s *settings) (secureconv.Negotiator, error) {
	n := b.name()
	chain := len(creds.TrustedRoots) > 0 || creds.TrustedRootPool != nil
	if sc := creds.ServiceCertificate; sc != nil && sc.Cert != nil {
		// The known service certificate is trusted as it is, beside the
		// trust settings.
		creds.TrustedPeers = append(append([]*x509.Certificate(nil), creds.TrustedPeers...), sc.Cert)
		creds.Validation = PeerTrust
		if chain {
			creds.Validation = PeerOrChainTrust
		}
	} else if !chain && len(creds.TrustedPeers) == 0 {
		return nil, configErr("%s: Credentials.TrustedRoots: NegotiateServiceCredential validates the certificate the service presents; give TrustedRoots, TrustedRootPool, TrustedPeers or the ServiceCertificate", n)
	}
	trust, err := creds.trustStore()
	if err != nil {
		return nil, configErr("%s: %w", n, err)
	}
	dns := serviceDNSIdentity(creds, rawURL)
	if dns == "" {
		return nil, configErr("%s: Credentials.ServiceDNSIdentity: no DNS identity for the service", n)
	}
	tc := negotiate.TLSClientConfig{Trust: trust, DNSIdentity: dns, Rand: s.rand, Now: s.now}
	if b.Security.Message.ClientCredentialType == CredentialCertificate {
		tc.Certificate = creds.ClientCertificate
	}
	mech, err := negotiate.NewTLSClient(tc)
	if err != nil {
		return nil, configErr("%s: %w", n, err)
	}
	return engineInitiator(b, rawURL, mech, s)
}

// engineInitiator is the negotiation engine's client side for mechanism
// mech (TLSNEGO or SPNEGO), asking for the suite's key size.
func engineInitiator(b Binding, rawURL string, mech func(context.Context) (negotiate.Mechanism, error), s *settings) (secureconv.Negotiator, error) {
	_, keyBits := b.Security.Message.AlgorithmSuite.KeySizes()
	in, err := negotiate.NewInitiator(negotiate.InitiatorConfig{Version: wstrust.Version(b.SecureConversation), NewMechanism: mech,
		SOAP: b.SOAP, Addressing: b.Addressing, To: rawURL, KeySize: keyBits,
		Rand: s.rand, Now: s.now})
	if err != nil {
		return nil, configErr("%s: %w", b.name(), err)
	}
	return in, nil
}

// serviceNegotiation builds the TLSNEGO acceptor of a service: cfg holds
// the service certificate and, for Certificate clients, the trust store
// of client certificates.
func serviceNegotiation(b Binding, cfg wssecurity.Config, s *settings) (secureconv.NegotiationAcceptor, error) {
	n := b.name()
	tc := negotiate.TLSServerConfig{Certificate: cfg.Certificate, Rand: s.rand, Now: s.now}
	if b.Security.Message.ClientCredentialType == CredentialCertificate {
		tc.ClientTrust, tc.RequireClientCertificate = cfg.Trust, true
	}
	mech, err := negotiate.NewTLSServer(tc)
	if err != nil {
		return nil, configErr("%s: %w", n, err)
	}
	return engineAcceptor(b, mech, s)
}

// engineAcceptor is the negotiation engine's service side for mechanism
// mech (TLSNEGO or SPNEGO), issuing keys of the suite's sizes.
func engineAcceptor(b Binding, mech func(context.Context) (negotiate.Mechanism, error), s *settings) (secureconv.NegotiationAcceptor, error) {
	minBits, maxBits := b.Security.Message.AlgorithmSuite.KeySizes()
	acc, err := negotiate.NewAcceptor(negotiate.AcceptorConfig{Version: wstrust.Version(b.SecureConversation), NewMechanism: mech,
		KeySize: maxBits, MinKeySize: minBits, MaxKeySize: secureconv.DefaultMaxKeySize,
		Rand: s.rand, Now: s.now, Logger: s.logger})
	if err != nil {
		return nil, configErr("%s: %w", b.name(), err)
	}
	return acc, nil
}
