package binding

import (
	"errors"
	"fmt"
	"time"

	"github.com/soapstack/soapstack/reliable"
	"github.com/soapstack/soapstack/secureconv"
	"github.com/soapstack/soapstack/soap"
	"github.com/soapstack/soapstack/wssecurity"
)

// ErrConfig is wrapped by every configuration error of NewClient and
// NewHandler; the message names the field that is wrong.
var ErrConfig = errors.New("binding: invalid configuration")

// ErrNotSupported is wrapped by the configuration errors of settings that
// WCF has and soapstack does not support yet (NTLM, WCF's Kerberos token
// binding); the message says what to set instead.
var ErrNotSupported = fmt.Errorf("%w: not supported yet", ErrConfig)

func configErr(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrConfig}, args...)...)
}

func notSupported(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrNotSupported}, args...)...)
}

// SecurityMode is WCF's SecurityMode (BasicHttpSecurityMode for
// basicHttpBinding): where the messages are protected.
type SecurityMode int

// Security modes.
const (
	// ModeNone protects nothing.
	ModeNone SecurityMode = iota
	// ModeTransport protects messages with TLS only (https); the client is
	// not authenticated in the message.
	ModeTransport
	// ModeMessage protects messages with WS-Security (signed and
	// encrypted), over plain HTTP.
	ModeMessage
	// ModeTransportWithMessageCredential protects messages with TLS and
	// authenticates the client in the message (a UsernameToken or an
	// endorsing certificate).
	ModeTransportWithMessageCredential
)

// String returns WCF's name of the mode.
func (m SecurityMode) String() string {
	switch m {
	case ModeNone:
		return "None"
	case ModeTransport:
		return "Transport"
	case ModeMessage:
		return "Message"
	case ModeTransportWithMessageCredential:
		return "TransportWithMessageCredential"
	}
	return fmt.Sprintf("SecurityMode(%d)", int(m))
}

// CredentialType is WCF's MessageCredentialType: how the client
// authenticates in the message.
type CredentialType int

// Client credential types.
const (
	// CredentialNone: an anonymous client (the service still
	// authenticates with its certificate).
	CredentialNone CredentialType = iota
	// CredentialWindows: Kerberos through SPNEGO negotiation (Message
	// mode with NegotiateServiceCredential; Credentials.Windows). NTLM and
	// WCF's Kerberos token binding (NegotiateServiceCredential false) are
	// not supported.
	CredentialWindows
	// CredentialUserName: a user name and password (a UsernameToken).
	CredentialUserName
	// CredentialCertificate: a client X.509 certificate.
	CredentialCertificate
)

// String returns WCF's name of the credential type.
func (c CredentialType) String() string {
	switch c {
	case CredentialNone:
		return "None"
	case CredentialWindows:
		return "Windows"
	case CredentialUserName:
		return "UserName"
	case CredentialCertificate:
		return "Certificate"
	}
	return fmt.Sprintf("CredentialType(%d)", int(c))
}

// kind is the WCF binding a Binding value stands for.
type kind int

const (
	kindCustom kind = iota
	kindBasicHTTP
	kindWSHTTP
	kindWS2007HTTP
)

// MessageSecurity is WCF's NonDualMessageSecurityOverHttp
// (BasicHttpMessageSecurity for basicHttpBinding): the settings of
// message-level security, used in ModeMessage and
// ModeTransportWithMessageCredential.
type MessageSecurity struct {
	// ClientCredentialType is how the client authenticates. WCF's default
	// is CredentialWindows for wsHttpBinding and ws2007HttpBinding
	// (MessageSecurityOverHttp.DefaultClientCredentialType), which is not
	// supported yet: set CredentialUserName, CredentialCertificate or
	// CredentialNone. basicHttpBinding's default is CredentialUserName
	// (BasicHttpMessageSecurity.DefaultClientCredentialType).
	ClientCredentialType CredentialType
	// NegotiateServiceCredential makes the client obtain the service
	// certificate by a TLS-in-SOAP handshake (TLSNEGO; SPNEGO for Windows
	// credentials) instead of knowing it in advance: the client validates
	// the certificate the service presents with Credentials' trust
	// settings and its DNS identity (Credentials.ServiceDNSIdentity, by
	// default the URL's host), and the negotiation issues the first
	// security context. WCF's default is true
	// (MessageSecurityOverHttp.DefaultNegotiateServiceCredential); it is
	// supported for ClientCredentialType UserName, Certificate (the client
	// certificate is sent in the TLS handshake) and None.
	// basicHttpBinding has no negotiation (false).
	NegotiateServiceCredential bool
	// EstablishSecurityContext runs a WS-SecureConversation session: the
	// first call obtains a SecurityContextToken under the one-shot
	// security above, and every call then is protected with keys derived
	// from the session key; Client.Close cancels the session. WCF's
	// default is true
	// (NonDualMessageSecurityOverHttp.DefaultEstablishSecurityContext);
	// basicHttpBinding has no sessions (false, and true is an error).
	EstablishSecurityContext bool
	// AlgorithmSuite is the algorithm suite of the message security
	// (WCF's default: Basic256, SecurityAlgorithmSuite.Default).
	AlgorithmSuite wssecurity.Suite
}

// Security is WCF's WSHttpSecurity (BasicHttpSecurity for
// basicHttpBinding).
type Security struct {
	// Mode says where messages are protected. WCF's default is
	// ModeMessage for wsHttpBinding and ws2007HttpBinding
	// (WSHttpSecurity.DefaultMode) and ModeNone for basicHttpBinding
	// (BasicHttpSecurity.DefaultMode).
	Mode SecurityMode
	// Message holds the settings of message security (Mode Message or
	// TransportWithMessageCredential).
	Message MessageSecurity
	// Element, on a CustomBinding only, replaces the message security that
	// Message would build from WCF's presets with explicit policies
	// (MessageSecurityElement, SecureConversationElement): WCF's
	// customBinding with its own security binding element. Mode must then
	// be Message or TransportWithMessageCredential, matching the policies'
	// binding, and Message's preset settings (ClientCredentialType,
	// EstablishSecurityContext, NegotiateServiceCredential) stay unset;
	// WSS and Message.AlgorithmSuite are not used (the policies carry
	// their WS-Security versions and suites). The credentials needed are
	// the ones the policies name, checked when the layers are built.
	Element *SecurityElement
}

// Binding is the configuration of an endpoint, shared by its client and its
// service: the SOAP and WS-Addressing versions on the wire, the versions of
// WS-Security and WS-SecureConversation/WS-Trust, and the Security
// settings. Start from WSHttpBinding, WS2007HttpBinding or
// BasicHttpBinding, which return WCF's defaults for that binding, and
// change what your service's configuration changes. A Binding is a plain
// value: copies share nothing.
type Binding struct {
	// Name is the binding's name in errors and in String (WCF's
	// configuration element name, such as "wsHttpBinding").
	Name string
	kind kind
	// SOAP is the SOAP version (SOAP 1.2 for the WS bindings, 1.1 for
	// basicHttpBinding: WCF's MessageVersion.Soap12WSAddressing10 and
	// MessageVersion.Soap11).
	SOAP soap.Version
	// Addressing is the WS-Addressing version (WS-Addressing 1.0 for the
	// WS bindings, none (0) for basicHttpBinding).
	Addressing soap.AddressingVersion
	// WSS is the WS-Security version of the message security (WS-Security
	// 1.1 for the WS bindings; basicHttpBinding's message security is
	// WS-Security 1.0: WCF builds it with
	// MessageSecurityVersion.WSSecurity10WSTrustFebruary2005...). As WCF's
	// MessageSecurityVersion it covers every policy of the binding: the
	// bootstrap, the secure session and the negotiated token's. With
	// WSS10, Message security needs ClientCredentialType Certificate or
	// a negotiation (the "for certificate" modes are WS-Security 1.1).
	WSS wssecurity.WSSVersion
	// SecureConversation is the WS-SecureConversation and WS-Trust version
	// of sessions: secureconv.V200502 for wsHttpBinding
	// (MessageSecurityVersion.WSSecurity11WSTrustFebruary2005WSSecureConversationFebruary2005...),
	// secureconv.V13 for ws2007HttpBinding
	// (WSSecurity11WSTrust13WSSecureConversation13...).
	SecureConversation secureconv.Version
	// Security is the binding's security.
	Security Security
	// ReliableSession is WCF's reliableSession element: a WS-RM session
	// above the security (off by default, as in WCF).
	ReliableSession ReliableSession
}

// WSHttpBinding returns WCF's wsHttpBinding with its defaults: SOAP 1.2,
// WS-Addressing 1.0, Message security with ClientCredentialType Windows,
// NegotiateServiceCredential true, EstablishSecurityContext true,
// AlgorithmSuite Basic256, WS-Security 1.1 and WS-SecureConversation /
// WS-Trust 2005/02. ClientCredentialType Windows negotiates by
// SPNEGO/Kerberos and needs Credentials.Windows; with UserName,
// Certificate or None NegotiateServiceCredential runs TLSNEGO.
func WSHttpBinding() Binding {
	return Binding{Name: "wsHttpBinding", kind: kindWSHTTP, SOAP: soap.V12, Addressing: soap.WSA10,
		WSS: wssecurity.WSS11, SecureConversation: secureconv.V200502,
		Security: Security{Mode: ModeMessage, Message: MessageSecurity{
			ClientCredentialType: CredentialWindows, NegotiateServiceCredential: true,
			EstablishSecurityContext: true, AlgorithmSuite: wssecurity.Basic256}}}
}

// WS2007HttpBinding returns WCF's ws2007HttpBinding with its defaults: as
// WSHttpBinding, with WS-SecureConversation 1.3 and WS-Trust 1.3.
func WS2007HttpBinding() Binding {
	b := WSHttpBinding()
	b.Name, b.kind, b.SecureConversation = "ws2007HttpBinding", kindWS2007HTTP, secureconv.V13
	return b
}

// BasicHttpBinding returns WCF's basicHttpBinding with its defaults: SOAP
// 1.1 without WS-Addressing, security Mode None, message
// ClientCredentialType UserName (used in TransportWithMessageCredential),
// AlgorithmSuite Basic256, WS-Security 1.0 for Message mode, no sessions.
func BasicHttpBinding() Binding {
	return Binding{Name: "basicHttpBinding", kind: kindBasicHTTP, SOAP: soap.V11,
		WSS: wssecurity.WSS10, SecureConversation: secureconv.V200502,
		Security: Security{Mode: ModeNone, Message: MessageSecurity{
			ClientCredentialType: CredentialUserName, AlgorithmSuite: wssecurity.Basic256}}}
}

// CustomBinding returns a binding without WCF defaults to fill in field by
// field (WCF's customBinding built from the same elements): SOAP 1.2,
// WS-Addressing 1.0, WS-Security 1.1, WS-SecureConversation 1.3, security
// None.
func CustomBinding(name string) Binding {
	return Binding{Name: name, kind: kindCustom, SOAP: soap.V12, Addressing: soap.WSA10,
		WSS: wssecurity.WSS11, SecureConversation: secureconv.V13,
		Security: Security{Message: MessageSecurity{AlgorithmSuite: wssecurity.Basic256}}}
}

// plan is what a binding maps to: the layers NewClient and NewHandler
// build.
type plan struct {
	// tls: the mode needs https (Transport, TransportWithMessageCredential).
	tls bool
	// message is the one-shot message security policy (nil: none). With
	// session set it is the session's bootstrap.
	message *wssecurity.Policy
	// session is the policy of a secure conversation's application
	// messages (nil: no session).
	session *wssecurity.Policy
	// preset names the WCF SecurityBindingElement factory the policy
	// equals ("" when there is no message security).
	preset string
	// rm is the reliable session above the security (nil: none).
	rm *rmPlan
	// negotiate: the service credential and a first token come from a
	// TLSNEGO negotiation (NegotiateServiceCredential); message, when
	// set, is then the policy on the negotiated token that protects the
	// session's Issue, and without a session the negotiated token
	// protects the application messages with session.
	negotiate bool
	// spnego: the negotiation is SPNEGO/Kerberos (ClientCredentialType
	// Windows, see windowsPlan), not TLSNEGO.
	spnego bool
}

func (b Binding) name() string {
	if b.Name == "" {
		return "binding"
	}
	return b.Name
}

// plan maps the binding to its layers: the security policies
// (securityPlan) and the reliable session above them.
func (b Binding) plan() (plan, error) {
	p, err := b.securityPlan()
	if err != nil {
		return plan{}, err
	}
	if p.rm, err = b.reliablePlan(p); err != nil {
		return plan{}, err
	}
	return p, nil
}

// securityPlan maps the binding to wssecurity policies as WCF's
// MessageSecurityOverHttp.CreateSecurityBindingElement (and
// BasicHttpMessageSecurity.CreateMessageSecurity) do with
// SecurityBindingElement's factories. Every policy is built fresh: nothing
// is shared with another call's.
func (b Binding) securityPlan() (plan, error) {
	n := b.name()
	if b.SOAP != soap.V11 && b.SOAP != soap.V12 {
		return plan{}, configErr("%s: SOAP: unknown SOAP version %d", n, int(b.SOAP))
	}
	if b.Addressing != 0 && b.Addressing != soap.WSA10 && b.Addressing != soap.WSA200408 {
		return plan{}, configErr("%s: Addressing: unknown WS-Addressing version %d", n, int(b.Addressing))
	}
	m := b.Security.Message
	if b.Security.Element != nil {
		return b.customPlan()
	}
	switch b.Security.Mode {
	case ModeNone:
		return plan{}, nil
	case ModeTransport:
		return plan{tls: true}, nil
	case ModeMessage, ModeTransportWithMessageCredential:
	default:
		return plan{}, configErr("%s: Security.Mode: unknown mode %d", n, int(b.Security.Mode))
	}
	if m.ClientCredentialType == CredentialWindows {
		if err := b.windowsSupported(); err != nil {
			return plan{}, err
		}
	}
	if m.ClientCredentialType < CredentialNone || m.ClientCredentialType > CredentialCertificate {
		return plan{}, configErr("%s: Security.Message.ClientCredentialType: unknown type %d", n, int(m.ClientCredentialType))
	}
	if m.AlgorithmSuite == 0 {
		return plan{}, configErr("%s: Security.Message.AlgorithmSuite is not set", n)
	}
	if b.WSS != wssecurity.WSS10 && b.WSS != wssecurity.WSS11 {
		return plan{}, configErr("%s: WSS: unknown WS-Security version %d", n, int(b.WSS))
	}
	if b.kind == kindBasicHTTP && m.EstablishSecurityContext {
		return plan{}, configErr("%s: Security.Message.EstablishSecurityContext: basicHttpBinding has no secure sessions", n)
	}
	if m.EstablishSecurityContext && !b.SecureConversation.Valid() {
		return plan{}, configErr("%s: SecureConversation: unknown version %d", n, int(b.SecureConversation))
	}
	var p plan
	if b.Security.Mode == ModeTransportWithMessageCredential {
		p.tls = true
		var boot wssecurity.Policy
		switch m.ClientCredentialType {
		case CredentialNone:
			return plan{}, configErr("%s: Security.Message.ClientCredentialType None: TransportWithMessageCredential needs a client credential (UserName or Certificate); use Mode Transport for anonymous clients", n)
		case CredentialUserName:
			boot, p.preset = wssecurity.UserNameOverTransport(), "UserNameOverTransport"
		case CredentialCertificate:
			// WCF's CreateCertificateOverTransportBindingElement: a
			// Timestamp endorsed by the client certificate.
			boot, p.preset = wssecurity.CertificateOverTransport(), "CertificateOverTransport"
		}
		// The binding's MessageSecurityVersion: WS-Security 1.0 for
		// basicHttpBinding, 1.1 for the WS bindings.
		boot.Suite, boot.WSS = m.AlgorithmSuite, b.WSS
		p.message = &boot
		if m.EstablishSecurityContext {
			// CreateSecureConversationBindingElement over a transport
			// bootstrap: the session token endorses the Timestamp. The
			// binding's MessageSecurityVersion covers the session too.
			s := wssecurity.Policy{Binding: wssecurity.TransportBinding, WSS: b.WSS, Suite: m.AlgorithmSuite,
				Layout: wssecurity.Lax, IncludeTimestamp: true,
				Supporting: []wssecurity.SupportingToken{{Token: wssecurity.Token{Kind: wssecurity.SecureConversationToken,
					Inclusion: wssecurity.IncludeAlwaysToRecipient}, Role: wssecurity.EndorsingSupporting}}}
			s = s.WithDefaults()
			p.session = &s
			p.preset = "SecureConversation(" + p.preset + ")"
		}
		return p, nil
	}
	// Message mode.
	if m.NegotiateServiceCredential {
		if b.kind == kindBasicHTTP {
			return plan{}, configErr("%s: Security.Message.NegotiateServiceCredential: basicHttpBinding has no negotiation", n)
		}
		return b.negotiatedPlan(), nil
	}
	var boot wssecurity.Policy
	switch m.ClientCredentialType {
	case CredentialNone:
		boot, p.preset = wssecurity.AnonymousForCertificate(m.AlgorithmSuite), "AnonymousForCertificate"
	case CredentialUserName:
		if b.kind == kindBasicHTTP {
			// BasicHttpMessageSecurity: message security needs a client
			// certificate.
			return plan{}, configErr("%s: Security.Message.ClientCredentialType UserName: basicHttpBinding's Message mode needs Certificate (use TransportWithMessageCredential for UserName)", n)
		}
		boot, p.preset = wssecurity.UserNameForCertificate(m.AlgorithmSuite), "UserNameForCertificate"
	case CredentialCertificate:
		boot, p.preset = wssecurity.MutualCertificate(b.WSS, m.AlgorithmSuite), "MutualCertificate"
	}
	if b.WSS == wssecurity.WSS10 {
		if m.ClientCredentialType != CredentialCertificate {
			return plan{}, configErr("%s: WSS: WS-Security 1.0 message security needs ClientCredentialType Certificate (MutualCertificate10)", n)
		}
		p.preset = "MutualCertificate10"
	}
	switch m.ClientCredentialType {
	case CredentialUserName:
		// CreateUserNameForCertificateBindingElement does not set
		// RequireSignatureConfirmation (SecurityBindingElement's default
		// is false), unlike CreateAnonymousForCertificateBindingElement,
		// on which the wssecurity preset builds.
		boot.RequireSignatureConfirmation = false
	case CredentialCertificate:
		if boot.Binding == wssecurity.SymmetricBinding {
			// CreateMutualCertificateBindingElement (WS-Security 1.1): the
			// endorsing client certificate is referenced by thumbprint
			// (X509KeyIdentifierClauseType.Thumbprint, AlwaysToRecipient).
			boot.Supporting = append([]wssecurity.SupportingToken(nil), boot.Supporting...)
			boot.Supporting[0].Token.Reference = wssecurity.RefThumbprint
		}
	}
	if boot.Binding == wssecurity.SymmetricBinding {
		// The "for certificate" factories key the symmetric binding with
		// new X509SecurityTokenParameters(Thumbprint, Never), whose
		// RequireDerivedKeys is true (SecurityTokenParameters'
		// defaultRequireDerivedKeys): WCF derives the signing and
		// encryption keys. The preset's token is copied, not changed.
		tok := *boot.ProtectionToken
		tok.DerivedKeys = true
		boot.ProtectionToken = &tok
	}
	p.message = &boot
	if m.EstablishSecurityContext {
		// CreateSecureConversationBindingElement(bootstrap, true): a
		// symmetric binding on the SecurityContextToken with derived keys
		// (SecureConversationSecurityTokenParameters requires them), the
		// Body and addressing headers signed, the Body and signature
		// encrypted, no signature confirmation.
		// The binding's MessageSecurityVersion covers the session too: a
		// WS-Security 1.0 binding's session messages are WS-Security 1.0.
		s := wssecurity.AnonymousForCertificate(m.AlgorithmSuite)
		s.ProtectionToken = &wssecurity.Token{Kind: wssecurity.SecureConversationToken,
			Inclusion: wssecurity.IncludeAlwaysToRecipient, DerivedKeys: true}
		s.RequireSignatureConfirmation = false
		s.WSS = b.WSS
		p.session = &s
		p.preset = "SecureConversation(" + p.preset + ")"
	}
	return p, nil
}

// Describe returns a one-line description of what the binding maps to:
// its security mode, the WCF security binding element its message
// security equals, and its versions; or the configuration error NewClient
// and NewHandler would return.
func (b Binding) Describe() (string, error) {
	p, err := b.plan()
	if err != nil {
		return "", err
	}
	s := fmt.Sprintf("%s: security %s", b.name(), b.Security.Mode)
	if p.preset != "" {
		s += fmt.Sprintf(", %s (%s)", p.preset, b.suite())
	}
	if p.session != nil {
		s += ", session " + b.SecureConversation.String()
	}
	if p.rm != nil {
		s += ", " + p.rm.String()
	}
	s += ", SOAP " + b.SOAP.String()
	switch b.Addressing {
	case soap.WSA10:
		s += ", WS-Addressing 1.0"
	case soap.WSA200408:
		s += ", WS-Addressing 2004/08"
	default:
		s += ", no WS-Addressing"
	}
	return s, nil
}

// ReliableSession configures a binding's reliable session (WCF's
// reliableSession and the reliableSession binding element): a WS-RM
// sequence above the security, so each request is delivered once and in
// order and retransmitted (with fresh security) until acknowledged. The
// version follows the binding: WS-RM 2005/02 for wsHttpBinding, WS-RM 1.1
// for ws2007HttpBinding. As in WCF, message security
// (Message, TransportWithMessageCredential) needs EstablishSecurityContext
// with a reliable session: the sequences run inside the secure session, are
// bound to it, and their headers are signed with it. basicHttpBinding has
// no reliable sessions.
type ReliableSession struct {
	// Enabled turns the reliable session on.
	Enabled bool
	// Unordered turns off in-order delivery (WCF's Ordered, true by
	// default).
	Unordered bool
	// InactivityTimeout is the session's inactivity timeout (10 min).
	InactivityTimeout time.Duration
	// MaxTransferWindowSize, MaxRetryCount, MaxPendingChannels and
	// AcknowledgementInterval are the reliableSession binding element's
	// settings (8, 8, 4, 200 ms when zero).
	MaxTransferWindowSize   int
	MaxRetryCount           int
	MaxPendingChannels      int
	AcknowledgementInterval time.Duration
	// Version is the WS-RM version; zero follows the binding (WS-RM
	// 2005/02 for wsHttpBinding, 1.1 for ws2007HttpBinding; for a custom
	// binding the version matching its SecureConversation version).
	Version reliable.Version
}
