package secureconv

import (
	"errors"
	"fmt"

	"github.com/soapstack/soapstack/wssecurity"
)

// validate checks a ServerConfig when the layer is built, so that a
// misconfiguration is an error naming the field rather than a uniform
// fault on every request. It reports every problem it finds.
func (c *ServerConfig) validate() error {
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("secureconv: ServerConfig."+format, args...))
	}
	if !c.Version.Valid() {
		bad("Version: unknown version %d (want V200502 or V13)", int(c.Version))
	}
	switch c.Entropy {
	case EntropyCombined, EntropyServer, EntropyClient:
	default:
		bad("Entropy: unknown entropy mode %d", int(c.Entropy))
	}
	switch {
	case c.Bootstrap.Binding == 0 && c.Negotiation == nil:
		bad("Bootstrap: no policy (binding unset)")
	case c.Bootstrap.Binding == 0:
		// The negotiated token is the session.
	case c.Bootstrap.WithDefaults().Validate() != nil:
		bad("Bootstrap: %w", c.Bootstrap.WithDefaults().Validate())
	case c.Negotiation == nil && usesSession(c.Bootstrap):
		bad("Bootstrap: the bootstrap policy cannot itself use a SecureConversationToken")
	case c.Negotiation != nil && !usesSession(c.Bootstrap):
		bad("Bootstrap: with Negotiation the bootstrap policy must use a SecureConversationToken (the negotiated token), or be unset")
	}
	if !usesSession(c.Policy) {
		bad("Policy: the application policy must use a SecureConversationToken")
	} else if err := c.Policy.WithDefaults().Validate(); err != nil {
		bad("Policy: %w", err)
	}
	if c.Bootstrap.Binding != 0 {
		n := policyNeeds(c.Bootstrap)
		if n.serviceCert && c.Security.Certificate == nil {
			bad("Security.Certificate: the %s bootstrap policy needs the service certificate and key", c.Bootstrap.Binding)
		}
		if n.clientCert && c.Security.Trust == nil {
			bad("Security.Trust: the bootstrap policy authenticates clients by certificate and needs a trust store")
		}
		if n.username && c.Security.Usernames == nil {
			bad("Security.Usernames: the bootstrap policy carries a UsernameToken and needs a username validator")
		}
	}
	if c.Lifetime < 0 {
		bad("Lifetime: negative (%v)", c.Lifetime)
	}
	if c.KeyLifetime < 0 {
		bad("KeyLifetime: negative (%v)", c.KeyLifetime)
	}
	if c.Cookies != nil && len(c.Cookies.keys) == 0 {
		bad("Cookies: key ring without keys")
	}
	if c.Cookies != nil && c.CookieKeys != nil {
		bad("CookieKeys: set Cookies or CookieKeys, not both")
	}
	return errors.Join(errs...)
}

// needs lists the credentials a server must hold to verify a policy.
type needs struct {
	serviceCert bool // the service's certificate and private key
	clientCert  bool // a trust store for clients' certificates
	username    bool // a username validator
}

// policyNeeds returns the credentials a server needs for requests
// protected by p.
func policyNeeds(p wssecurity.Policy) needs {
	var n needs
	x509 := func(t *wssecurity.Token) bool { return t != nil && t.Kind == wssecurity.X509Token }
	switch p.Binding {
	case wssecurity.SymmetricBinding:
		n.serviceCert = x509(p.ProtectionToken)
	case wssecurity.AsymmetricBinding:
		n.serviceCert = x509(p.RecipientToken)
		n.clientCert = x509(p.InitiatorToken)
	}
	for _, st := range p.Supporting {
		switch st.Token.Kind {
		case wssecurity.UsernameToken:
			n.username = true
		case wssecurity.X509Token:
			n.clientCert = true
		}
	}
	return n
}
