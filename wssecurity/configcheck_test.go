package wssecurity

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestLayerConfigChecked: a layer whose Config lacks what the policy needs
// is refused when built, with an error naming the missing field.
func TestLayerConfigChecked(t *testing.T) {
	pki := newTestPKI(t)
	ccfg, scfg := pki.configs()
	without := func(c Config, f func(*Config)) Config { f(&c); return c }
	neverInitiator := MutualCertificate(WSS10, Basic256)
	it := *neverInitiator.InitiatorToken
	it.Inclusion, it.Reference = IncludeNever, RefSKI
	neverInitiator.InitiatorToken = &it
	sct := AnonymousForCertificate(Basic256)
	sct.ProtectionToken = &Token{Kind: SecureConversationToken}
	tests := []struct {
		name  string
		p     Policy
		side  side
		cfg   Config
		field string
	}{
		{"mutual server without trust", MutualCertificate(WSS11, Basic256), recipient, without(scfg, func(c *Config) { c.Trust = nil }), "Config.Trust"},
		{"mutual 1.0 server without trust", MutualCertificate(WSS10, Basic256), recipient, without(scfg, func(c *Config) { c.Trust = nil }), "Config.Trust"},
		{"username server without validator", UserNameForCertificate(Basic256), recipient, without(scfg, func(c *Config) { c.Usernames = nil }), "Config.Usernames"},
		{"username-over-transport server without validator", UserNameOverTransport(), recipient, without(scfg, func(c *Config) { c.Usernames = nil }), "Config.Usernames"},
		{"certificate server without certificate", AnonymousForCertificate(Basic256), recipient, without(scfg, func(c *Config) { c.Certificate = nil }), "Config.Certificate"},
		{"certificate server with a certificate but no key", AnonymousForCertificate(Basic256), recipient, without(scfg, func(c *Config) { c.Certificate = &Certificate{Cert: pki.service.Cert} }), "Config.Certificate"},
		{"mutual 1.0 server without certificate", MutualCertificate(WSS10, Basic256), recipient, without(scfg, func(c *Config) { c.Certificate = nil }), "Config.Certificate"},
		{"server of a never-included client certificate", neverInitiator, recipient, scfg, "Config.PeerCertificate"},
		{"session server without resolver", sct, recipient, scfg, "Config.TokenResolver"},
		{"client without service certificate", AnonymousForCertificate(Basic256), initiator, without(ccfg, func(c *Config) { c.PeerCertificate = nil }), "Config.PeerCertificate"},
		{"mutual 1.0 client without service certificate", MutualCertificate(WSS10, Basic256), initiator, without(ccfg, func(c *Config) { c.PeerCertificate = nil }), "Config.PeerCertificate"},
		{"mutual client without certificate", MutualCertificate(WSS11, Basic256), initiator, without(ccfg, func(c *Config) { c.Certificate = nil }), "Config.Certificate"},
		{"mutual 1.0 client without certificate", MutualCertificate(WSS10, Basic256), initiator, without(ccfg, func(c *Config) { c.Certificate = nil }), "Config.Certificate"},
		{"username client without username", UserNameForCertificate(Basic256), initiator, without(ccfg, func(c *Config) { c.Username = "" }), "Config.Username"},
		{"username-over-transport client without username", UserNameOverTransport(), initiator, without(ccfg, func(c *Config) { c.Username = "" }), "Config.Username"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var err error
			if tt.side == recipient {
				_, err = ServerLayer(tt.p, tt.cfg)
			} else {
				_, err = ClientLayer(tt.p, tt.cfg)
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.field)
		})
	}
	for name, p := range presets() {
		t.Run("complete "+name, func(t *testing.T) {
			_, err := ServerLayer(p, scfg)
			require.NoError(t, err)
			_, err = ClientLayer(p, ccfg)
			require.NoError(t, err)
		})
	}
}

// TestPolicyValidate lists contradictory or unsupported policies, refused
// when a layer is built.
func TestPolicyValidate(t *testing.T) {
	mod := func(p Policy, f func(*Policy)) Policy { f(&p); return p }
	tok := func(t Token, f func(*Token)) *Token { f(&t); return &t }
	mutual10 := MutualCertificate(WSS10, Basic256)
	tests := []struct {
		name string
		p    Policy
		want string
	}{
		{"transport with a protection token", mod(UserNameOverTransport(), func(p *Policy) { p.ProtectionToken = serviceCert(false) }), "transport binding"},
		{"transport encrypting the signature", mod(UserNameOverTransport(), func(p *Policy) { p.EncryptSignature = true }), "encrypts nothing"},
		{"transport with signature confirmation", mod(UserNameOverTransport(), func(p *Policy) { p.RequireSignatureConfirmation = true }), "confirm"},
		{"symmetric with an initiator token", mod(AnonymousForCertificate(Basic256), func(p *Policy) { p.InitiatorToken = mutual10.InitiatorToken }), "no initiator"},
		{"asymmetric with a protection token", mod(mutual10, func(p *Policy) { p.ProtectionToken = serviceCert(false) }), "no protection token"},
		{"protection token of a username", mod(AnonymousForCertificate(Basic256), func(p *Policy) { p.ProtectionToken = &Token{Kind: UsernameToken} }), "protection token must be"},
		{"service certificate included", mod(AnonymousForCertificate(Basic256), func(p *Policy) {
			p.ProtectionToken = tok(*p.ProtectionToken, func(t *Token) { t.Inclusion = IncludeAlwaysToRecipient })
		}), "inclusion AlwaysToRecipient is not supported"},
		{"recipient token sent to the recipient", mod(mutual10, func(p *Policy) {
			p.RecipientToken = tok(*p.RecipientToken, func(t *Token) { t.Inclusion = IncludeAlways })
		}), "inclusion Always is not supported for the recipient token"},
		{"initiator token sent to the initiator", mod(mutual10, func(p *Policy) {
			p.InitiatorToken = tok(*p.InitiatorToken, func(t *Token) { t.Inclusion = IncludeAlwaysToInitiator })
		}), "not supported for the initiator token"},
		{"never-sent token referenced directly", mod(mutual10, func(p *Policy) {
			p.InitiatorToken = tok(*p.InitiatorToken, func(t *Token) { t.Inclusion = IncludeNever })
		}), "cannot be referenced directly"},
		{"username token never sent", mod(UserNameOverTransport(), func(p *Policy) { p.Supporting[0].Token.Inclusion = IncludeNever }), "inclusion Never"},
		{"two username tokens", mod(UserNameOverTransport(), func(p *Policy) { p.Supporting = append(p.Supporting, p.Supporting[0]) }), "at most one"},
		{"signed endorsing token not sent", mod(MutualCertificate(WSS11, Basic256), func(p *Policy) {
			p.Supporting = []SupportingToken{{Token: Token{Kind: X509Token, Inclusion: IncludeNever, Reference: RefThumbprint}, Role: SignedEndorsingSupporting}}
		}), "signed endorsing token must be included"},
		{"derived keys from an asymmetric token", mod(mutual10, func(p *Policy) {
			p.InitiatorToken = tok(*p.InitiatorToken, func(t *Token) { t.DerivedKeys = true })
		}), "derived keys"},
		{"password digest on a certificate", mod(AnonymousForCertificate(Basic256), func(p *Policy) {
			p.ProtectionToken = tok(*p.ProtectionToken, func(t *Token) { t.PasswordDigest = true })
		}), "PasswordDigest"},
		{"session endorsing a symmetric binding", mod(AnonymousForCertificate(Basic256), func(p *Policy) {
			p.Supporting = []SupportingToken{{Token: Token{Kind: SecureConversationToken}, Role: EndorsingSupporting}}
		}), "needs a transport binding"},
		{"session endorsing without timestamp", mod(UserNameOverTransport(), func(p *Policy) {
			p.IncludeTimestamp = false
			p.Supporting = []SupportingToken{{Token: Token{Kind: SecureConversationToken}, Role: EndorsingSupporting}}
		}), "IncludeTimestamp"},
		{"timestamp-first layout without timestamp", mod(AnonymousForCertificate(Basic256), func(p *Policy) { p.IncludeTimestamp, p.Layout = false, LaxTsFirst }), "needs a Timestamp"},
		{"negative skew", mod(AnonymousForCertificate(Basic256), func(p *Policy) { p.MaxClockSkew = -1 }), "negative"},
		{"unknown role", mod(UserNameOverTransport(), func(p *Policy) { p.Supporting[0].Role = 99 }), "role"},
		{"certificate over transport without timestamp", mod(CertificateOverTransport(), func(p *Policy) { p.IncludeTimestamp = false }), "IncludeTimestamp"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.p.Validate()
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
			_, err = ServerLayer(tt.p, Config{})
			assert.Error(t, err, "the layer is refused when built")
		})
	}
	for name, p := range presets() {
		assert.NoError(t, p.Validate(), name)
	}
}
