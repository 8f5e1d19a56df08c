package wssecurity

import (
	"crypto/rsa"
	"fmt"
)

// side is the side of a message exchange a layer is on, in
// WS-SecurityPolicy's terms.
type side int

// Sides.
const (
	// initiator is the client: it secures requests and verifies replies.
	initiator side = iota + 1
	// recipient is the service: it verifies requests and secures replies.
	recipient
)

// String returns "initiator" or "recipient".
func (s side) String() string {
	if s == initiator {
		return "initiator"
	}
	return "recipient"
}

// checkConfig reports a configuration that cannot run policy p on the
// given side, naming the missing Config field, so that a misconfiguration
// fails when a layer is built rather than with the uniform fault on every
// message. ClientLayer and ServerLayer call it; other layers built on this
// package (secureconv) may too. p should have its defaults applied.
//
// A recipient needs: Certificate with an RSA private key for a symmetric
// binding keyed to its certificate; Certificate with a private key and
// Trust for an asymmetric binding; Trust for an endorsing X.509 supporting
// token; PeerCertificate for a client certificate the policy does not
// include (IncludeNever); Usernames for a UsernameToken; TokenResolver for a
// SecureConversationToken. An initiator needs: PeerCertificate for a
// symmetric binding keyed to the service certificate and for an asymmetric
// binding; Certificate with a private key for an asymmetric binding and for
// an X.509 supporting token; Username for a UsernameToken.
func checkConfig(p Policy, cfg *Config, side side) error {
	missing := func(field, why string) error {
		return fmt.Errorf("wssecurity: %s of %s: Config.%s is required (%s)", side, p.Binding, field, why)
	}
	hasKey := func() bool {
		return cfg.Certificate != nil && cfg.Certificate.Cert != nil && cfg.Certificate.Key != nil
	}
	recipient := side == recipient
	switch p.Binding {
	case SymmetricBinding:
		switch {
		case p.ProtectionToken.Kind == SecureConversationToken:
			if recipient && cfg.TokenResolver == nil {
				return missing("TokenResolver", "to find the session of a SecureConversationToken")
			}
		case recipient:
			if !hasKey() {
				return missing("Certificate", "the service certificate and private key the EncryptedKey is for")
			}
			if _, ok := cfg.Certificate.Key.(*rsa.PrivateKey); !ok {
				return fmt.Errorf("wssecurity: recipient of %s: Config.Certificate must hold an RSA private key to unwrap the EncryptedKey", p.Binding)
			}
		case cfg.PeerCertificate == nil:
			return missing("PeerCertificate", "the service certificate to encrypt the key to")
		}
	case AsymmetricBinding:
		if !hasKey() {
			return missing("Certificate", "our certificate and private key to sign with")
		}
		if recipient {
			if cfg.Trust == nil {
				return missing("Trust", "to validate the client certificate")
			}
			if !includedIn(p.InitiatorToken.inclusion(slotInitiator), true) && cfg.PeerCertificate == nil {
				return missing("PeerCertificate", "the client certificate, which the policy does not include")
			}
		} else if cfg.PeerCertificate == nil {
			return missing("PeerCertificate", "the service certificate to encrypt to and verify replies with")
		}
	}
	for _, st := range p.Supporting {
		switch st.Token.Kind {
		case UsernameToken:
			if recipient && cfg.Usernames == nil {
				return missing("Usernames", "to validate the UsernameToken")
			}
			if !recipient && cfg.Username == "" {
				return missing("Username", "the UsernameToken to send")
			}
		case X509Token:
			if recipient {
				if cfg.Trust == nil {
					return missing("Trust", "to validate the endorsing client certificate")
				}
				if !includedIn(st.Token.inclusion(slotSupporting), true) && cfg.PeerCertificate == nil {
					return missing("PeerCertificate", "the endorsing client certificate, which the policy does not include")
				}
			} else if !hasKey() {
				return missing("Certificate", "the client certificate and private key that endorse the message")
			}
		case SecureConversationToken:
			if recipient && cfg.TokenResolver == nil {
				return missing("TokenResolver", "to find the session of the endorsing SecureConversationToken")
			}
		}
	}
	return nil
}
