package interop

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/xml"
	"fmt"
	"os"
	"path/filepath"

	"github.com/soapstack/soapstack/soap"
	"github.com/soapstack/soapstack/wssecurity"
)

// Versions of the plain WS-Security scenarios.
const (
	VersionWSSec10 = "wssec10"
	VersionWSSec11 = "wssec11"
)

// SecurityScenario is one plain WS-Security scenario of SCENARIOS.md.
type SecurityScenario struct {
	Name       string
	Version    string
	SOAP       soap.Version
	Addressing soap.AddressingVersion
	// TLS means the scenario runs over HTTPS (transport binding).
	TLS    bool
	Policy *wssecurity.Policy
}

// Path returns the endpoint path of the scenario on a peer.
func (s SecurityScenario) Path() string { return "/" + s.Version + "/" + s.Name }

// Case returns the scenario as an interop case.
func (s SecurityScenario) Case() Case { return Case{Scenario: s.Name, Version: s.Version} }

// Config returns cfg for the scenario: the plugfest's UserName scenario
// sends its UsernameToken over plain HTTP on purpose, so a transport-binding
// scenario without TLS sets AllowInsecureTransport (both sides refuse it
// otherwise).
func (s SecurityScenario) Config(cfg wssecurity.Config) wssecurity.Config {
	cfg.AllowInsecureTransport = !s.TLS && s.Policy.Binding == wssecurity.TransportBinding
	return cfg
}

func wsa200408Headers() []xml.Name {
	var out []xml.Name
	for _, l := range []string{"To", "From", "FaultTo", "ReplyTo", "MessageID", "RelatesTo", "Action"} {
		out = append(out, xml.Name{Space: soap.NSWSA200408, Local: l})
	}
	return out
}

// wssec11Policy is the common policy of the wssec11 scenarios (the WCF
// plugfest "for certificate" family): symmetric binding keyed to the
// service certificate referenced by thumbprint, Lax, WSS 1.1.
func wssec11Policy(suite wssecurity.Suite) wssecurity.Policy {
	return wssecurity.Policy{
		Binding: wssecurity.SymmetricBinding, WSS: wssecurity.WSS11, Suite: suite, Layout: wssecurity.Lax,
		IncludeTimestamp: true, Order: wssecurity.SignBeforeEncrypt,
		ProtectionToken: &wssecurity.Token{Kind: wssecurity.X509Token, Inclusion: wssecurity.IncludeNever, Reference: wssecurity.RefThumbprint},
		SignedParts:     wssecurity.Parts{Body: true, Headers: wsa200408Headers()},
		EncryptedParts:  wssecurity.Parts{Body: true},
	}
}

// WSSecScenarios lists the plain WS-Security scenarios with their policies
// (the facts are in interop/cxf/README.md, "Policies").
func WSSecScenarios() []SecurityScenario {
	var out []SecurityScenario
	mutual := func(suite wssecurity.Suite) *wssecurity.Policy {
		p := wssecurity.MutualCertificate(wssecurity.WSS10, suite)
		p.SignedParts = wssecurity.Parts{Body: true}
		p.RecipientToken.Reference = wssecurity.RefSKI
		return &p
	}
	// The plugfest's MutualCertificate10SignEncrypt (CXF's
	// WsSecurity10_policy.wsdl) is the asymmetric binding under Wss11 with
	// RequireSignatureConfirmation; its Rsa15TripleDes sibling stays Wss10.
	mutual11 := func(suite wssecurity.Suite) *wssecurity.Policy {
		p := mutual(suite)
		p.WSS, p.RequireSignatureConfirmation = wssecurity.WSS11, true
		return p
	}
	ut := wssecurity.UserNameOverTransport()
	ut.WSS = wssecurity.WSS10
	// UserName has no binding: a UsernameToken and nothing else, which is
	// a transport binding without Timestamp as far as processing goes.
	plainUT := wssecurity.Policy{Binding: wssecurity.TransportBinding, WSS: wssecurity.WSS10,
		Supporting: []wssecurity.SupportingToken{{Token: wssecurity.Token{Kind: wssecurity.UsernameToken, Inclusion: wssecurity.IncludeAlwaysToRecipient}, Role: wssecurity.Supporting}}}
	out = append(out,
		SecurityScenario{Name: "UserName", Version: VersionWSSec10, SOAP: soap.V11, Policy: &plainUT},
		SecurityScenario{Name: "UserNameOverTransport", Version: VersionWSSec10, SOAP: soap.V11, TLS: true, Policy: &ut},
		SecurityScenario{Name: "MutualCertificate10SignEncrypt", Version: VersionWSSec10, SOAP: soap.V11, Policy: mutual11(wssecurity.Basic256)},
		SecurityScenario{Name: "MutualCertificate10SignEncryptRsa15TripleDes", Version: VersionWSSec10, SOAP: soap.V11, Policy: mutual(wssecurity.TripleDesRsa15)},
	)
	type variant struct {
		name    string
		family  byte // 'A', 'U', 'X'
		suite   wssecurity.Suite
		noTS    bool
		derived bool
		ebs     bool
		es      bool
	}
	variants := []variant{
		{"A", 'A', wssecurity.Basic256, false, false, false, false},
		{"A-NoTimestamp", 'A', wssecurity.Basic256, true, false, false, false},
		{"AD", 'A', wssecurity.Basic256, false, true, false, false},
		{"A-ES", 'A', wssecurity.Basic256, false, false, true, false},
		{"AD-ES", 'A', wssecurity.Basic256, false, true, true, false},
		{"UX", 'U', wssecurity.Basic256, false, false, false, false},
		{"UX-NoTimestamp", 'U', wssecurity.Basic256, true, false, false, false},
		{"UXD", 'U', wssecurity.Basic256, false, true, false, false},
		{"UX-SEES", 'U', wssecurity.Basic256, false, false, false, true},
		{"UXD-SEES", 'U', wssecurity.Basic256, false, true, false, true},
		{"X", 'X', wssecurity.Basic256, false, false, false, false},
		{"X-NoTimestamp", 'X', wssecurity.Basic256, true, false, false, false},
		{"X-AES128", 'X', wssecurity.Basic128, false, false, false, false},
		{"X-AES256", 'X', wssecurity.Basic256, false, false, false, false},
		{"X-TripleDES", 'X', wssecurity.TripleDes, false, false, false, false},
		{"XD", 'X', wssecurity.Basic256, false, true, false, false},
		{"XD-ES", 'X', wssecurity.Basic256, false, true, true, false},
		{"XD-SEES", 'X', wssecurity.Basic256, false, true, false, true},
	}
	for _, v := range variants {
		p := wssec11Policy(v.suite)
		p.IncludeTimestamp = !v.noTS
		p.ProtectionToken.DerivedKeys = v.derived
		if v.ebs {
			p.Order = wssecurity.EncryptBeforeSign
		}
		p.EncryptSignature = v.es
		switch v.family {
		case 'A':
			p.RequireSignatureConfirmation = true
		case 'U':
			// The plugfest's SignedSupportingTokens: our client encrypts
			// the token anyway, our service also accepts it in clear.
			p.Supporting = []wssecurity.SupportingToken{{Token: wssecurity.Token{Kind: wssecurity.UsernameToken, Inclusion: wssecurity.IncludeAlwaysToRecipient}, Role: wssecurity.SignedSupporting}}
		case 'X':
			p.RequireSignatureConfirmation = true
			p.Supporting = []wssecurity.SupportingToken{{Token: wssecurity.Token{Kind: wssecurity.X509Token, Inclusion: wssecurity.IncludeAlwaysToRecipient, Reference: wssecurity.RefThumbprint}, Role: wssecurity.EndorsingSupporting}}
		}
		out = append(out, SecurityScenario{Name: v.name, Version: VersionWSSec11, SOAP: soap.V12, Addressing: soap.WSA200408, Policy: &p})
	}
	return out
}

// WSSecCases lists the plain WS-Security scenarios as cases.
func WSSecCases() []Case {
	var out []Case
	for _, s := range WSSecScenarios() {
		out = append(out, s.Case())
	}
	return out
}

func wssecScenario(c Case) (SecurityScenario, bool) {
	for _, s := range WSSecScenarios() {
		if s.Name == c.Scenario && s.Version == c.Version {
			return s, true
		}
	}
	return SecurityScenario{}, false
}

// Interop user of the UsernameToken scenarios.
const (
	InteropUser     = "alice"
	InteropPassword = "clarinet"
)

// PKI is the test PKI of interop/pki: a CA, the service and the client
// certificates with their keys.
type PKI struct {
	CA      *x509.Certificate
	Service *wssecurity.Certificate
	Client  *wssecurity.Certificate
}

// LoadPKI reads interop/pki from dir.
func LoadPKI(dir string) (*PKI, error) {
	read := func(name string) ([]byte, error) { return os.ReadFile(filepath.Join(dir, name)) }
	load := func(cert, key string) (*wssecurity.Certificate, error) {
		c, err := read(cert)
		if err != nil {
			return nil, err
		}
		k, err := read(key)
		if err != nil {
			return nil, err
		}
		return wssecurity.LoadPEM(c, k)
	}
	caPEM, err := read("ca.pem")
	if err != nil {
		return nil, err
	}
	ca, err := wssecurity.LoadPEM(caPEM, nil)
	if err != nil {
		return nil, err
	}
	svc, err := load("service.pem", "service.key")
	if err != nil {
		return nil, err
	}
	cli, err := load("client.pem", "client.key")
	if err != nil {
		return nil, err
	}
	return &PKI{CA: ca.Cert, Service: svc, Client: cli}, nil
}

// FindPKI locates interop/pki next to the CXF peer.
func FindPKI(peer *CXF) (*PKI, error) {
	return LoadPKI(filepath.Join(filepath.Dir(peer.Dir), "pki"))
}

// ClientConfig is the security configuration of the Go client.
func (p *PKI) ClientConfig() wssecurity.Config {
	return wssecurity.Config{Certificate: p.Client, PeerCertificate: p.Service.Cert,
		Trust: wssecurity.NewTrustStore(wssecurity.WithRoots(p.CA)), Username: InteropUser, Password: InteropPassword}
}

// ServiceConfig is the security configuration of the Go service.
func (p *PKI) ServiceConfig() wssecurity.Config {
	users := &wssecurity.UsernameTokenVerifier{CheckPassword: checkInteropPassword}
	return wssecurity.Config{Certificate: p.Service, Trust: wssecurity.NewTrustStore(wssecurity.WithRoots(p.CA)), Usernames: users}
}

// TLSConfig returns the server TLS configuration (the service certificate).
func (p *PKI) TLSConfig() *tls.Config {
	return &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{{
		Certificate: [][]byte{p.Service.Cert.Raw}, PrivateKey: p.Service.Key, Leaf: p.Service.Cert}}}
}

// ClientTLSConfig trusts the test CA.
func (p *PKI) ClientTLSConfig() *tls.Config {
	pool := x509.NewCertPool()
	pool.AddCert(p.CA)
	return &tls.Config{MinVersion: tls.VersionTLS12, RootCAs: pool}
}

func checkInteropPassword(_ context.Context, user, password string) error {
	if user == InteropUser && password == InteropPassword {
		return nil
	}
	return fmt.Errorf("%w: unknown user or wrong password", wssecurity.ErrFailedAuthentication)
}
