package interop

import (
	"crypto/x509"
	"net/http"

	"github.com/soapstack/soapstack/binding"
	"github.com/soapstack/soapstack/secureconv"
	"github.com/soapstack/soapstack/soap"
	"github.com/soapstack/soapstack/wssecurity"
)

// The catalogue's scenarios as package binding configures them: each
// scenario is a custom binding (WCF's customBinding) whose security
// binding element holds the scenario's policies, and the Go client and
// service of every case are binding.NewClient and binding.NewHandler of
// it.

// foundationBinding is the binding of the foundation version v: no
// security, v's SOAP and WS-Addressing versions.
func foundationBinding(v TransportVersion) binding.Binding {
	b := binding.CustomBinding(v.Name)
	b.SOAP, b.Addressing = v.SOAP, v.Addressing
	return b
}

// Binding returns the scenario's binding: its policy as a custom
// binding's message security (TransportWithMessageCredential for a
// transport-binding policy), its SOAP and WS-Addressing versions.
func (s SecurityScenario) Binding() binding.Binding {
	b := binding.CustomBinding(s.Version + "/" + s.Name)
	b.SOAP, b.Addressing = s.SOAP, s.Addressing
	b.Security.Mode = binding.ModeMessage
	if s.Policy.Binding == wssecurity.TransportBinding {
		b.Security.Mode = binding.ModeTransportWithMessageCredential
	}
	b.Security.Element = binding.MessageSecurityElement(*s.Policy)
	return b
}

// Options returns the options both sides of the scenario need: the
// plugfest's UserName scenario sends its UsernameToken over plain HTTP on
// purpose, so a transport-binding scenario without TLS allows the
// insecure transport (both sides refuse it otherwise).
func (s SecurityScenario) Options() []binding.Option {
	if !s.TLS && s.Policy.Binding == wssecurity.TransportBinding {
		return []binding.Option{binding.WithAllowInsecureTransport()}
	}
	return nil
}

// Binding returns the scenario's binding: a custom binding whose security
// element is the secure conversation of the scenario's bootstrap and
// session policies (cancelled on Close when the scenario cancels), with
// its WS-SC version and WS-Addressing version, SOAP 1.2.
func (s SCScenario) Binding() binding.Binding {
	b := binding.CustomBinding(s.Version + "/" + s.Name)
	b.SOAP, b.Addressing, b.SecureConversation = soap.V12, s.Addressing, s.SC
	b.Security.Mode = binding.ModeMessage
	if s.Bootstrap.Binding == wssecurity.TransportBinding {
		b.Security.Mode = binding.ModeTransportWithMessageCredential
	}
	b.Security.Element = binding.SecureConversationElement(s.Bootstrap, s.Policy, s.Cancel)
	return b
}

// clientOptions returns the Go client's options against peer: CXF wants
// the Cancel under the bootstrap policy; Metro under the session, signed
// only (its endpoint policy encrypts nothing).
func (s SCScenario) clientOptions(peer string) []binding.ClientOption {
	switch {
	case peer == PeerMetro:
		return []binding.ClientOption{binding.WithCancelSignedOnly()}
	case s.Cancel:
		return []binding.ClientOption{binding.WithCancelWithBootstrap()}
	}
	return nil
}

// serviceOptions returns the Go service's options for the clients of
// peer: it accepts a Cancel under the bootstrap (CXF) or signed only
// (Metro); for Metro the session keys have the suite's length; the cookie
// scenarios issue cookie-mode tokens sealed with ring.
func (s SCScenario) serviceOptions(peer string, ring *secureconv.KeyRing) []binding.HandlerOption {
	opts := []binding.HandlerOption{binding.WithCancelWithBootstrap(), binding.WithCancelSignedOnly()}
	if peer == PeerMetro {
		opts = append(opts, binding.WithKeySizeFromSuite())
	}
	if s.Cookie {
		opts = append(opts, binding.WithCookies(ring))
	}
	return opts
}

// ClientCredentials are the Go client's credentials: the service
// certificate (its public part), the client certificate and the interop
// user.
func (p *PKI) ClientCredentials() binding.Credentials {
	return binding.Credentials{ServiceCertificate: &wssecurity.Certificate{Cert: p.Service.Cert}, ClientCertificate: p.Client,
		UserName: InteropUser, Password: InteropPassword}
}

// ServiceCredentials are the Go service's credentials: the service
// certificate with its key, the test CA as the root of client
// certificates, and the interop user's password check.
func (p *PKI) ServiceCredentials() binding.Credentials {
	return binding.Credentials{ServiceCertificate: p.Service, TrustedRoots: []*x509.Certificate{p.CA},
		UserNameValidator: &wssecurity.UsernameTokenVerifier{CheckPassword: checkInteropPassword}}
}

// clientTransport returns the option that reaches a peer's HTTPS endpoint
// trusting the test CA (nil for plain HTTP).
func clientTransport(useTLS bool, pki *PKI) []binding.ClientOption {
	if !useTLS {
		return nil
	}
	return []binding.ClientOption{binding.WithHTTPClient(&http.Client{Transport: &http.Transport{TLSClientConfig: pki.ClientTLSConfig()}})}
}

// pingClient is the IPingService client over c, in c's binding's SOAP and
// WS-Addressing versions.
func pingClient(c *binding.Client) *PingClient {
	b := c.Binding()
	return &PingClient{Invoker: c, Version: b.SOAP, Addressing: b.Addressing, To: c.URL()}
}

// clientOpts returns the options of both sides as client options.
func clientOpts(opts []binding.Option, more ...binding.ClientOption) []binding.ClientOption {
	out := make([]binding.ClientOption, 0, len(opts)+len(more))
	for _, o := range opts {
		out = append(out, o)
	}
	return append(out, more...)
}

// handlerOpts returns the options of both sides as handler options.
func handlerOpts(opts []binding.Option, more ...binding.HandlerOption) []binding.HandlerOption {
	out := make([]binding.HandlerOption, 0, len(opts)+len(more))
	for _, o := range opts {
		out = append(out, o)
	}
	return append(out, more...)
}
