package binding

import (
	"github.com/soapstack/soapstack/wssecurity"
)

// SecurityElement is the security binding element of a custom binding
// (WCF's SecurityBindingElement in a customBinding): message security
// given as explicit wssecurity policies, for peers whose policies WCF's
// presets do not produce (the WS-* plugfest scenarios, a WSDL's
// WS-SecurityPolicy). Build one with MessageSecurityElement or
// SecureConversationElement and set it as a CustomBinding's
// Security.Element; Security.Mode then says whether the messages travel
// over TLS (ModeTransportWithMessageCredential, the policies' binding is a
// TransportBinding) or not (ModeMessage). A SecurityElement holds its own
// copies of the policies: changing the policy it was built from changes
// nothing, and every client and handler built from it gets copies too.
type SecurityElement struct {
	// policy is the one-shot message security, or the bootstrap of a
	// secure conversation.
	policy wssecurity.Policy
	// session is the secure conversation's policy (nil: no session).
	session *wssecurity.Policy
	// requireCancellation: the client cancels the session on Close.
	requireCancellation bool
}

// MessageSecurityElement returns the security binding element that
// protects every message with p (WCF's SymmetricSecurityBindingElement,
// AsymmetricSecurityBindingElement or TransportSecurityBindingElement
// configured as p says).
func MessageSecurityElement(p wssecurity.Policy) *SecurityElement {
	return &SecurityElement{policy: clonePolicy(p)}
}

// SecureConversationElement returns the security binding element of a
// secure conversation (WCF's
// SecurityBindingElement.CreateSecureConversationBindingElement with a
// SecureConversationSecurityTokenParameters whose
// BootstrapSecurityBindingElement is bootstrap): the first call obtains a
// SecurityContextToken under bootstrap, and every message then is
// protected by session, whose protection token (or, on a
// TransportBinding, an endorsing supporting token) is a
// wssecurity.SecureConversationToken. requireCancellation is WCF's
// RequireCancellation: the client cancels the session on Close; without it
// the session just ends (cookie-mode services, which WCF builds with
// requireCancellation false, keep no state to cancel).
func SecureConversationElement(bootstrap, session wssecurity.Policy, requireCancellation bool) *SecurityElement {
	s := clonePolicy(session)
	return &SecurityElement{policy: clonePolicy(bootstrap), session: &s, requireCancellation: requireCancellation}
}

// Policy returns a copy of the element's message security policy (the
// bootstrap policy of a secure conversation).
func (e *SecurityElement) Policy() wssecurity.Policy { return clonePolicy(e.policy) }

// SessionPolicy returns a copy of the secure conversation's policy and
// true, or false for one-shot message security.
func (e *SecurityElement) SessionPolicy() (wssecurity.Policy, bool) {
	if e.session == nil {
		return wssecurity.Policy{}, false
	}
	return clonePolicy(*e.session), true
}

// RequireCancellation reports whether the client of a secure conversation
// cancels the session on Close.
func (e *SecurityElement) RequireCancellation() bool { return e.requireCancellation }

// clonePolicy returns a deep copy of p: its tokens and part lists are
// copied, so that nothing is shared with p.
func clonePolicy(p wssecurity.Policy) wssecurity.Policy { return p.Clone() }

// customPlan maps a custom binding's SecurityElement to its layers. The
// element's policies are the whole message security, so the Message
// settings that choose a preset must be left unset: setting them as well
// is a contradiction, reported as an error.
func (b Binding) customPlan() (plan, error) {
	n, e, m := b.name(), b.Security.Element, b.Security.Message
	switch {
	case b.kind != kindCustom:
		return plan{}, configErr("%s: Security.Element: only a CustomBinding takes a security binding element (%s builds its own from Security.Message)", n, n)
	case b.Security.Mode != ModeMessage && b.Security.Mode != ModeTransportWithMessageCredential:
		return plan{}, configErr("%s: Security.Element needs Security.Mode Message or TransportWithMessageCredential, not %s", n, b.Security.Mode)
	case m.ClientCredentialType != CredentialNone:
		return plan{}, configErr("%s: Security.Message.ClientCredentialType %s contradicts Security.Element (its policies name the client's tokens); leave it None", n, m.ClientCredentialType)
	case m.EstablishSecurityContext:
		return plan{}, configErr("%s: Security.Message.EstablishSecurityContext contradicts Security.Element (use SecureConversationElement for a session)", n)
	case m.NegotiateServiceCredential:
		return plan{}, configErr("%s: Security.Message.NegotiateServiceCredential contradicts Security.Element (its policies say how the client knows the service credential); leave it false", n)
	}
	transport := b.Security.Mode == ModeTransportWithMessageCredential
	check := func(field string, p wssecurity.Policy) error {
		if (p.Binding == wssecurity.TransportBinding) != transport {
			return configErr("%s: Security.Element: %s has a %s, which contradicts Security.Mode %s (a TransportBinding goes with TransportWithMessageCredential, a message binding with Message)", n, field, p.Binding, b.Security.Mode)
		}
		if err := p.WithDefaults().Validate(); err != nil {
			return configErr("%s: Security.Element: %s: %w", n, field, err)
		}
		return nil
	}
	boot := clonePolicy(e.policy)
	p := plan{tls: transport, message: &boot, preset: "Custom(" + boot.Binding.String() + ")"}
	if err := check("policy", boot); err != nil {
		return plan{}, err
	}
	if e.session == nil {
		return p, nil
	}
	if !b.SecureConversation.Valid() {
		return plan{}, configErr("%s: SecureConversation: unknown version %d", n, int(b.SecureConversation))
	}
	s := clonePolicy(*e.session)
	if err := check("session policy", s); err != nil {
		return plan{}, err
	}
	p.session = &s
	p.preset = "SecureConversation(" + p.preset + ")"
	return p, nil
}

// requireCancellation reports whether the client of p's secure session
// cancels it on Close: always for WCF's presets (their
// CreateSecureConversationBindingElement passes requireCancellation
// true), as the element says for a custom one.
func (b Binding) requireCancellation() bool {
	return b.Security.Element == nil || b.Security.Element.requireCancellation
}

// suite is the algorithm suite Describe names.
func (b Binding) suite() wssecurity.Suite {
	if b.Security.Element != nil {
		return b.Security.Element.policy.Suite
	}
	return b.Security.Message.AlgorithmSuite
}

// customCredentials fills cfg with every credential creds has: a custom
// element's policies decide which are needed, and the layers report a
// missing one when they are built (wssecurity checks the configuration
// against the policy).
func customCredentials(cfg *wssecurity.Config, creds Credentials, service bool) error {
	if service {
		cfg.Certificate = creds.ServiceCertificate
		cfg.Usernames = creds.UserNameValidator
		if creds.TrustedRootPool != nil || len(creds.TrustedRoots) > 0 || len(creds.TrustedPeers) > 0 {
			t, err := creds.trustStore()
			if err != nil {
				return err
			}
			cfg.Trust = t
		}
		return nil
	}
	if creds.ServiceCertificate != nil {
		cfg.PeerCertificate = creds.ServiceCertificate.Cert
	}
	cfg.Certificate = creds.ClientCertificate
	cfg.Username, cfg.Password = creds.UserName, creds.Password
	return nil
}

// WithCancelSignedOnly makes a session client protect its Cancel signed
// with the session but with nothing encrypted, and expect its answer so,
// and a session service accept and answer such a Cancel too, as Eclipse
// Metro sends and expects it (Metro applies only the endpoint policy to
// Cancel; a WSDL that attaches EncryptedParts per operation encrypts
// nothing there). The session's signature is still required.
func WithCancelSignedOnly() Option {
	return bothOption(func(s *settings) { s.cancelSignedOnly = true })
}

// WithKeySizeFromSuite makes a session service issue keys of the session
// suite's key length even when the client asks for more, saying so in the
// RSTR's KeySize, as Eclipse Metro needs (it asks for 256 bits for a
// Basic128 session and then follows the RSTR). By default the size asked
// for is honoured, as WCF and Apache CXF expect.
func WithKeySizeFromSuite() HandlerOption {
	return handlerOption(func(s *settings) { s.keySizeFromSuite = true })
}
