package binding

import (
	"fmt"

	"github.com/soapstack/soapstack/wssecurity"
)

// policyNeeds says which credentials a custom binding's policies use.
type policyNeeds struct {
	// serviceCert: the service certificate keys a symmetric binding or is
	// an asymmetric binding's recipient token.
	serviceCert bool
	// clientCert: an asymmetric binding's initiator token or an X.509
	// supporting token.
	clientCert bool
	// username: a UsernameToken supporting token.
	username bool
	// transport: a policy relies on TLS (a transport binding).
	transport bool
}

func (n *policyNeeds) add(p *wssecurity.Policy) {
	isX509 := func(t *wssecurity.Token) bool { return t != nil && t.Kind == wssecurity.X509Token }
	switch p.Binding {
	case wssecurity.SymmetricBinding:
		n.serviceCert = n.serviceCert || isX509(p.ProtectionToken)
	case wssecurity.AsymmetricBinding:
		n.serviceCert = n.serviceCert || isX509(p.RecipientToken)
		n.clientCert = n.clientCert || isX509(p.InitiatorToken)
	case wssecurity.TransportBinding:
		n.transport = true
	}
	for _, st := range p.Supporting {
		switch st.Token.Kind {
		case wssecurity.X509Token:
			n.clientCert = true
		case wssecurity.UsernameToken:
			n.username = true
		}
	}
}

// usesSessionToken reports whether p is protected by a session token: its
// protection token, or one of its supporting tokens, is a
// SecureConversationToken.
func usesSessionToken(p *wssecurity.Policy) bool {
	if p.ProtectionToken != nil && p.ProtectionToken.Kind == wssecurity.SecureConversationToken {
		return true
	}
	for _, st := range p.Supporting {
		if st.Token.Kind == wssecurity.SecureConversationToken {
			return true
		}
	}
	return false
}

// customPlan maps a SecurityElement to its layers, checking it as
// SecurityElement's documentation says.
func (b Binding) customPlan() (plan, error) {
	n, el := b.name(), b.Security.Custom
	if b.kind != kindCustom {
		return plan{}, configErr("%s: Security.Custom: only a CustomBinding takes a security element; %s's security is set by Security.Mode and Security.Message", n, n)
	}
	m := b.Security.Message
	if b.Security.Mode != ModeNone || m.ClientCredentialType != CredentialNone || m.EstablishSecurityContext || m.NegotiateServiceCredential {
		return plan{}, configErr("%s: Security.Custom: leave Security.Mode (None) and Security.Message's credential type, EstablishSecurityContext and NegotiateServiceCredential unset; the element's policies say it all", n)
	}
	if el.Policy == nil {
		return plan{}, configErr("%s: Security.Custom.Policy: required (the security of the application messages)", n)
	}
	p := plan{custom: true, tls: el.HTTPS}
	app := el.Policy.Clone()
	if err := app.Validate(); err != nil {
		return plan{}, configErr("%s: Security.Custom.Policy: %w", n, err)
	}
	if el.Bootstrap == nil {
		if usesSessionToken(&app) {
			return plan{}, configErr("%s: Security.Custom.Policy: a SecureConversationToken needs a secure conversation: set Security.Custom.Bootstrap", n)
		}
		if el.NoCancellation {
			return plan{}, configErr("%s: Security.Custom.NoCancellation: only a secure conversation (Security.Custom.Bootstrap) is cancelled", n)
		}
		p.message = &app
		p.needs.add(&app)
		p.preset = "custom " + describePolicy(&app)
		return p, nil
	}
	if !b.SecureConversation.Valid() {
		return plan{}, configErr("%s: SecureConversation: unknown version %d", n, int(b.SecureConversation))
	}
	boot := el.Bootstrap.Clone()
	if err := boot.Validate(); err != nil {
		return plan{}, configErr("%s: Security.Custom.Bootstrap: %w", n, err)
	}
	if usesSessionToken(&boot) {
		return plan{}, configErr("%s: Security.Custom.Bootstrap: the bootstrap cannot use the SecureConversationToken it obtains", n)
	}
	if !usesSessionToken(&app) {
		return plan{}, configErr("%s: Security.Custom.Policy: a secure conversation's policy is protected by the session: its ProtectionToken (symmetric binding) or an endorsing supporting token (transport binding) must be a SecureConversationToken", n)
	}
	p.message, p.session, p.noCancel = &boot, &app, el.NoCancellation
	p.needs.add(&boot)
	if app.Binding == wssecurity.TransportBinding {
		p.needs.transport = true
	}
	p.preset = fmt.Sprintf("custom SecureConversation(%s; session %s)", describePolicy(&boot), describePolicy(&app))
	return p, nil
}

// describePolicy names a policy's binding, tokens and suite for Describe.
func describePolicy(p *wssecurity.Policy) string {
	kind := func(k wssecurity.TokenKind) string {
		switch k {
		case wssecurity.X509Token:
			return "X509"
		case wssecurity.UsernameToken:
			return "UsernameToken"
		case wssecurity.SecureConversationToken:
			return "SecureConversationToken"
		}
		return fmt.Sprintf("TokenKind(%d)", int(k))
	}
	s := p.Binding.String()
	for _, t := range []*wssecurity.Token{p.ProtectionToken, p.InitiatorToken} {
		if t != nil {
			s += " " + kind(t.Kind)
		}
	}
	for _, st := range p.Supporting {
		s += " +" + kind(st.Token.Kind)
	}
	d := p.WithDefaults()
	return fmt.Sprintf("%s %s WSS%d", s, d.Suite, int(d.WSS))
}

// checkCustomTransport refuses a custom element whose policy relies on
// TLS (a transport binding) without HTTPS, unless allowed.
func (p plan) checkCustomTransport(b Binding, s *settings) error {
	if p.custom && p.needs.transport && !p.tls && !s.allowInsecure {
		return configErr("%s: Security.Custom: a transport-binding policy relies on TLS: set Security.Custom.HTTPS (or WithAllowInsecureTransport for a policy that sends its tokens in clear on purpose)", b.name())
	}
	return nil
}

// customClientSecurity checks the client credentials a custom element's
// policies use and returns the wssecurity configuration.
func customClientSecurity(n string, needs policyNeeds, creds Credentials, cfg wssecurity.Config) (wssecurity.Config, error) {
	if needs.serviceCert {
		if creds.ServiceCertificate == nil || creds.ServiceCertificate.Cert == nil {
			return cfg, configErr("%s: Credentials.ServiceCertificate: the policy encrypts to (or verifies) the service certificate; the client needs it", n)
		}
		cfg.PeerCertificate = creds.ServiceCertificate.Cert
	}
	if needs.clientCert {
		if creds.ClientCertificate == nil || creds.ClientCertificate.Cert == nil || creds.ClientCertificate.Key == nil {
			return cfg, configErr("%s: Credentials.ClientCertificate: the policy signs with a client X.509 token; the client needs the certificate with its private key", n)
		}
		cfg.Certificate = creds.ClientCertificate
	}
	if needs.username {
		if creds.UserName == "" {
			return cfg, configErr("%s: Credentials.UserName: the policy sends a UsernameToken", n)
		}
		cfg.Username, cfg.Password = creds.UserName, creds.Password
	}
	if creds.hasTrust() {
		t, err := creds.trustStore()
		if err != nil {
			return cfg, configErr("%s: %w", n, err)
		}
		cfg.Trust = t
	}
	return cfg, nil
}

// customServiceSecurity checks the service credentials a custom element's
// policies use and returns the wssecurity configuration.
func customServiceSecurity(n string, needs policyNeeds, creds Credentials, cfg wssecurity.Config) (wssecurity.Config, error) {
	if needs.serviceCert {
		if creds.ServiceCertificate == nil || creds.ServiceCertificate.Cert == nil || creds.ServiceCertificate.Key == nil {
			return cfg, configErr("%s: Credentials.ServiceCertificate: the policy is keyed to the service certificate; the service needs it with its private key", n)
		}
		cfg.Certificate = creds.ServiceCertificate
	}
	if needs.username {
		if creds.UserNameValidator == nil {
			return cfg, configErr("%s: Credentials.UserNameValidator: the policy carries a UsernameToken; the service needs a validator of user names and passwords", n)
		}
		cfg.Usernames = creds.UserNameValidator
	}
	if needs.clientCert || creds.hasTrust() {
		t, err := creds.trustStore()
		if err != nil {
			return cfg, configErr("%s: %w", n, err)
		}
		cfg.Trust = t
	}
	return cfg, nil
}
