package wssecurity

import (
	"encoding/xml"
	"errors"
	"fmt"
	"time"

	"github.com/soapstack/soapstack/soap"
)

// Binding is the WS-SecurityPolicy security binding.
type Binding int

// Security bindings.
const (
	// TransportBinding relies on HTTPS; the Security header carries a
	// Timestamp and supporting tokens only.
	TransportBinding Binding = iota + 1
	// SymmetricBinding protects messages with a symmetric key: an
	// ephemeral key encrypted to the service certificate, or a session key.
	SymmetricBinding
	// AsymmetricBinding signs with the sender's private key and encrypts to
	// the recipient's certificate.
	AsymmetricBinding
)

// String returns the WS-SecurityPolicy name.
func (b Binding) String() string {
	switch b {
	case TransportBinding:
		return "TransportBinding"
	case SymmetricBinding:
		return "SymmetricBinding"
	case AsymmetricBinding:
		return "AsymmetricBinding"
	}
	return "NoBinding"
}

// Layout is the order of elements in the Security header.
type Layout int

// Header layouts (WS-SecurityPolicy 6.7).
const (
	Strict Layout = iota + 1
	Lax
	LaxTsFirst
	LaxTsLast
)

// String returns the WS-SecurityPolicy name.
func (l Layout) String() string {
	switch l {
	case Strict:
		return "Strict"
	case Lax:
		return "Lax"
	case LaxTsFirst:
		return "LaxTsFirst"
	case LaxTsLast:
		return "LaxTsLast"
	}
	return "NoLayout"
}

// ProtectionOrder says whether the sender signs or encrypts first.
type ProtectionOrder int

// Protection orders.
const (
	SignBeforeEncrypt ProtectionOrder = iota + 1
	EncryptBeforeSign
)

// WSSVersion is the WS-Security SOAP Message Security version in use: the
// version a sender writes. Under WSS10 it writes only WS-Security 1.0
// constructs (signing before encrypting, an EncryptedKey carries its own
// ReferenceList; references to an EncryptedKey are bare; no wsse11
// attributes, thumbprints, EncryptedKeySHA1, SignatureConfirmation or
// EncryptedHeader), and Policy.Validate refuses a WSS10 policy that needs
// them (ErrNeedsWSS11). Receivers accept the layouts of both versions.
type WSSVersion int

// WS-Security versions.
const (
	WSS10 WSSVersion = 10
	WSS11 WSSVersion = 11
)

// TokenKind is the kind of a security token in a policy.
type TokenKind int

// Token kinds.
const (
	X509Token TokenKind = iota + 1
	UsernameToken
	// SecureConversationToken is a SecurityContextToken issued by a
	// secure-conversation handshake (package secureconv).
	SecureConversationToken
)

// Inclusion says when a token is sent in the Security header
// (WS-SecurityPolicy 1.3, section 5.1.1); a token that is not sent is
// referenced (Token.Reference). The sender includes or references each
// token accordingly, and the receiver refuses a message that contradicts
// it (ErrTokenInclusion). The zero value is the slot's usual inclusion, as
// WCF sets it: Never for the recipient's certificate (a symmetric binding's
// X.509 protection token, an asymmetric binding's recipient token),
// AlwaysToRecipient otherwise. Policy.Validate refuses the inclusions a
// slot cannot have here.
type Inclusion int

// Token inclusion values (WS-SecurityPolicy 5.1.1).
const (
	// IncludeNever: never sent; referenced by Token.Reference.
	IncludeNever Inclusion = iota + 1
	// IncludeOnce: sent once to the recipient. Each request is protected on
	// its own, so it is sent in every request (as WCF treats Once).
	IncludeOnce
	// IncludeAlwaysToRecipient: sent in every request, never in replies.
	IncludeAlwaysToRecipient
	// IncludeAlwaysToInitiator: sent in every reply, never in requests.
	IncludeAlwaysToInitiator
	// IncludeAlways: sent in requests and replies.
	IncludeAlways
)

// KeyReference is how a token that is not sent is referenced.
type KeyReference int

// Reference styles for tokens that are not included. An included
// endorsing supporting X.509 token whose Reference is RefThumbprint, RefSKI
// or RefIssuerSerial (WS-SP Require…Reference) is referenced so from its
// endorsing signature too; RefDirect (or none) references it by wsu:Id.
const (
	RefThumbprint KeyReference = iota + 1
	RefSKI
	RefIssuerSerial
	// RefDirect references an included token by wsu:Id.
	RefDirect
)

// Token describes one token of a policy.
type Token struct {
	Kind      TokenKind
	Inclusion Inclusion
	Reference KeyReference
	// DerivedKeys requires keys derived from this token (DerivedKeyToken).
	DerivedKeys bool
	// PasswordDigest selects PasswordDigest for a UsernameToken.
	PasswordDigest bool
}

// SupportingRole says how a supporting token is used.
type SupportingRole int

// Supporting token roles.
const (
	Supporting SupportingRole = iota + 1
	SignedSupporting
	EndorsingSupporting
	SignedEndorsingSupporting
	SignedEncryptedSupporting
)

// SupportingToken is a supporting token of a policy.
type SupportingToken struct {
	Token Token
	Role  SupportingRole
}

// Parts lists message parts to sign or encrypt.
type Parts struct {
	Body bool
	// Headers are header blocks by expanded name; an empty Local selects
	// every header in the namespace.
	Headers []xml.Name
}

// Includes reports whether the header with the given name is listed.
func (p Parts) Includes(name xml.Name) bool {
	for _, h := range p.Headers {
		if h.Space == name.Space && (h.Local == "" || h.Local == name.Local) {
			return true
		}
	}
	return false
}

// Policy is the one security configuration value: everything else (Go
// options, WCF presets, the interop catalogue, later WSDL policies)
// produces it.
type Policy struct {
	Binding Binding
	WSS     WSSVersion
	Suite   Suite
	Layout  Layout
	// IncludeTimestamp adds (and requires) a signed Timestamp.
	IncludeTimestamp bool
	Order            ProtectionOrder
	// EncryptSignature encrypts the Signature element.
	EncryptSignature bool
	// ProtectTokens signs the token the signature is made with.
	ProtectTokens  bool
	SignedParts    Parts
	EncryptedParts Parts

	// ProtectionToken is the token of a SymmetricBinding.
	ProtectionToken *Token
	// InitiatorToken and RecipientToken are the tokens of an
	// AsymmetricBinding.
	InitiatorToken *Token
	RecipientToken *Token
	Supporting     []SupportingToken

	// RequireSignatureConfirmation (WSS 1.1) echoes the request's
	// signature values in the response.
	RequireSignatureConfirmation bool

	// MaxClockSkew bounds clock differences (default 5 minutes);
	// TimestampTTL is the lifetime of Timestamps we write (default 5
	// minutes, as WCF) and the age beyond which a received Timestamp or
	// UsernameToken (its wsu:Created) is stale, skew aside. (The WS-Trust
	// options of a secure conversation, its version and entropy, are
	// package secureconv's: its Version and Entropy settings.)
	MaxClockSkew time.Duration
	TimestampTTL time.Duration
}

// Defaults of a Policy's time settings.
const (
	DefaultMaxClockSkew = 5 * time.Minute
	DefaultTimestampTTL = 5 * time.Minute
)

// WithDefaults returns p with zero settings filled in.
func (p Policy) WithDefaults() Policy {
	if p.WSS == 0 {
		p.WSS = WSS11
	}
	if p.Suite == 0 {
		p.Suite = Basic256
	}
	if p.Layout == 0 {
		p.Layout = Lax
	}
	if p.Order == 0 {
		p.Order = SignBeforeEncrypt
	}
	if p.MaxClockSkew == 0 {
		p.MaxClockSkew = DefaultMaxClockSkew
	}
	if p.TimestampTTL == 0 {
		p.TimestampTTL = DefaultTimestampTTL
	}
	return p
}

// Validate reports inconsistent or unsupported policies, so that they fail
// when a layer is built. It checks: the binding is known and has its tokens
// and no others (a symmetric binding a ProtectionToken, an asymmetric
// binding an InitiatorToken and a RecipientToken, a transport binding
// neither); each token's kind fits its place and its Inclusion is one this
// package can send and check there (see Inclusion); a token that is not
// sent in requests is not referenced with RefDirect, and a signed endorsing
// token is sent; DerivedKeys only on a symmetric binding's protection
// token and PasswordDigest only on a UsernameToken; at most one
// UsernameToken; a supporting SecureConversationToken only over a transport
// binding, with a Timestamp for it to endorse; the suite is known;
// EncryptSignature, encrypted parts and SignatureConfirmation are not asked
// of a transport binding; LaxTsFirst and LaxTsLast come with a Timestamp;
// a WSS10 policy needs no WS-Security 1.1 construct (EncryptedHeader,
// SignatureConfirmation, ThumbprintSHA1 references, a symmetric binding
// keyed to a certificate: ErrNeedsWSS11); no time setting is negative.
func (p Policy) Validate() error {
	switch p.Binding {
	case TransportBinding:
		if p.ProtectionToken != nil || p.InitiatorToken != nil || p.RecipientToken != nil {
			return errors.New("wssecurity: a transport binding has no protection, initiator or recipient token")
		}
		if p.EncryptSignature || len(p.EncryptedParts.Headers) > 0 || p.EncryptedParts.Body {
			return errors.New("wssecurity: a transport binding encrypts nothing in the message (EncryptSignature, EncryptedParts)")
		}
		if p.RequireSignatureConfirmation {
			return errors.New("wssecurity: a transport binding has no message signature to confirm")
		}
	case SymmetricBinding:
		if p.ProtectionToken == nil {
			return errors.New("wssecurity: a symmetric binding needs a protection token")
		}
		if p.InitiatorToken != nil || p.RecipientToken != nil {
			return errors.New("wssecurity: a symmetric binding has no initiator or recipient token (use ProtectionToken)")
		}
		if err := validateToken(p.ProtectionToken, slotProtection, 0); err != nil {
			return err
		}
	case AsymmetricBinding:
		if p.InitiatorToken == nil || p.RecipientToken == nil {
			return errors.New("wssecurity: an asymmetric binding needs initiator and recipient tokens")
		}
		if p.ProtectionToken != nil {
			return errors.New("wssecurity: an asymmetric binding has no protection token (use InitiatorToken and RecipientToken)")
		}
		if err := validateToken(p.InitiatorToken, slotInitiator, 0); err != nil {
			return err
		}
		if err := validateToken(p.RecipientToken, slotRecipient, 0); err != nil {
			return err
		}
	default:
		return fmt.Errorf("wssecurity: unknown binding %d", p.Binding)
	}
	uts := 0
	for i := range p.Supporting {
		st := &p.Supporting[i]
		if st.Role < Supporting || st.Role > SignedEncryptedSupporting {
			return fmt.Errorf("wssecurity: unknown supporting token role %d", st.Role)
		}
		if err := validateToken(&st.Token, slotSupporting, st.Role); err != nil {
			return err
		}
		switch st.Token.Kind {
		case UsernameToken:
			if uts++; uts > 1 {
				return errors.New("wssecurity: at most one supporting UsernameToken")
			}
		case SecureConversationToken:
			if p.Binding != TransportBinding {
				return errors.New("wssecurity: an endorsing session token needs a transport binding")
			}
			if !p.IncludeTimestamp {
				return errors.New("wssecurity: an endorsing session token signs the Timestamp: the policy needs IncludeTimestamp")
			}
		case X509Token:
			if p.Binding == TransportBinding && !p.IncludeTimestamp {
				return errors.New("wssecurity: an endorsing certificate over a transport binding signs the Timestamp: the policy needs IncludeTimestamp")
			}
		}
	}
	if _, ok := p.Suite.def(); !ok && p.Suite != 0 {
		return fmt.Errorf("wssecurity: unknown algorithm suite %d", p.Suite)
	}
	if (p.Layout == LaxTsFirst || p.Layout == LaxTsLast) && !p.IncludeTimestamp {
		return fmt.Errorf("wssecurity: layout %s needs a Timestamp (IncludeTimestamp)", p.Layout)
	}
	if p.MaxClockSkew < 0 || p.TimestampTTL < 0 {
		return errors.New("wssecurity: MaxClockSkew and TimestampTTL may not be negative")
	}
	return p.validateWSS10()
}

// addressingHeaders are the WS-Addressing headers WCF signs.
func addressingHeaders() []xml.Name {
	var out []xml.Name
	for _, ns := range []string{soap.NSWSA10, soap.NSWSA200408} {
		for _, l := range []string{"To", "From", "FaultTo", "ReplyTo", "MessageID", "RelatesTo", "Action"} {
			out = append(out, xml.Name{Space: ns, Local: l})
		}
	}
	return out
}

// defaultParts signs the Body and addressing headers and encrypts the
// Body, as WCF's message security does.
func defaultParts(p *Policy) {
	p.SignedParts = Parts{Body: true, Headers: addressingHeaders()}
	p.EncryptedParts = Parts{Body: true}
}

// serviceCert is the service X.509 token of the WCF "for certificate"
// modes: never sent, referenced by thumbprint.
func serviceCert(derived bool) *Token {
	return &Token{Kind: X509Token, Inclusion: IncludeNever, Reference: RefThumbprint, DerivedKeys: derived}
}

// AnonymousForCertificate is WCF's anonymous-client, certificate-service
// mode: a symmetric binding whose key is encrypted to the service
// certificate.
func AnonymousForCertificate(suite Suite) Policy {
	p := Policy{Binding: SymmetricBinding, WSS: WSS11, Suite: suite, Layout: Lax, IncludeTimestamp: true,
		Order: SignBeforeEncrypt, EncryptSignature: true, ProtectionToken: serviceCert(false),
		RequireSignatureConfirmation: true}
	defaultParts(&p)
	return p.WithDefaults()
}

// UserNameForCertificate is AnonymousForCertificate plus a signed and
// encrypted supporting UsernameToken.
func UserNameForCertificate(suite Suite) Policy {
	p := AnonymousForCertificate(suite)
	p.Supporting = []SupportingToken{{Token: Token{Kind: UsernameToken, Inclusion: IncludeAlwaysToRecipient}, Role: SignedEncryptedSupporting}}
	return p
}

// MutualCertificate is WCF's mutual-certificate mode. With WSS 1.0 it is an
// asymmetric binding (initiator and recipient certificates); with WSS 1.1
// a symmetric binding keyed to the service certificate, endorsed by the
// client certificate.
func MutualCertificate(wss WSSVersion, suite Suite) Policy {
	if wss == WSS10 {
		p := Policy{Binding: AsymmetricBinding, WSS: WSS10, Suite: suite, Layout: Lax, IncludeTimestamp: true,
			Order: SignBeforeEncrypt, EncryptSignature: true,
			InitiatorToken: &Token{Kind: X509Token, Inclusion: IncludeAlwaysToRecipient, Reference: RefDirect},
			RecipientToken: &Token{Kind: X509Token, Inclusion: IncludeNever, Reference: RefIssuerSerial}}
		defaultParts(&p)
		return p.WithDefaults()
	}
	p := AnonymousForCertificate(suite)
	p.Supporting = []SupportingToken{{Token: Token{Kind: X509Token, Inclusion: IncludeAlwaysToRecipient, Reference: RefDirect}, Role: EndorsingSupporting}}
	return p
}

// CertificateOverTransport is WCF's client-certificate-over-HTTPS mode
// (SecurityBindingElement.CreateCertificateOverTransportBindingElement): a
// transport binding with a Timestamp endorsed by the client's X.509
// certificate, included in the message and referenced directly.
func CertificateOverTransport() Policy {
	p := Policy{Binding: TransportBinding, WSS: WSS11, Suite: Basic256, Layout: Lax, IncludeTimestamp: true,
		Supporting: []SupportingToken{{Token: Token{Kind: X509Token, Inclusion: IncludeAlwaysToRecipient, Reference: RefDirect}, Role: EndorsingSupporting}}}
	return p.WithDefaults()
}

// UserNameOverTransport is WCF's username-over-HTTPS mode: a transport
// binding with a Timestamp and a signed supporting UsernameToken.
func UserNameOverTransport() Policy {
	p := Policy{Binding: TransportBinding, WSS: WSS11, Suite: Basic256, Layout: Lax, IncludeTimestamp: true,
		Supporting: []SupportingToken{{Token: Token{Kind: UsernameToken, Inclusion: IncludeAlwaysToRecipient}, Role: SignedSupporting}}}
	return p.WithDefaults()
}

// Clone returns a deep copy of p: its tokens, supporting tokens and part
// lists are its own, so changing the copy (a preset adapted to one
// endpoint) never changes p.
func (p Policy) Clone() Policy {
	cloneToken := func(t *Token) *Token {
		if t == nil {
			return nil
		}
		c := *t
		return &c
	}
	p.ProtectionToken = cloneToken(p.ProtectionToken)
	p.InitiatorToken = cloneToken(p.InitiatorToken)
	p.RecipientToken = cloneToken(p.RecipientToken)
	p.Supporting = append([]SupportingToken(nil), p.Supporting...)
	p.SignedParts.Headers = append([]xml.Name(nil), p.SignedParts.Headers...)
	p.EncryptedParts.Headers = append([]xml.Name(nil), p.EncryptedParts.Headers...)
	return p
}
