// Package binding is the one obvious way to configure a soapstack client or
// service: WCF's bindings as Go values. Pick the binding your WCF (or
// Apache CXF, Metro) peer is configured with, change what its configuration
// changes, put the keys and passwords in one Credentials value, and get a
// client channel (NewClient) or an http.Handler (NewHandler). The layers
// below (packages soap, wssecurity and secureconv) stay available for what
// a binding cannot say; this package only composes them.
//
// # Where to start
//
// A service:
//
//	b := binding.WSHttpBinding()
//	b.Security.Message.ClientCredentialType = binding.CredentialUserName
//	b.Security.Message.NegotiateServiceCredential = false
//	h, err := binding.NewHandler(app, b, binding.Credentials{
//		ServiceCertificate: serviceCert, // binding.LoadPKCS12("service.pfx", pw)
//		UserNameValidator:  validator,
//	})
//	http.ListenAndServe(":8080", h)
//
// and its client:
//
//	c, err := binding.NewClient("http://host:8080/svc", b, binding.Credentials{
//		ServiceCertificate: servicePublicCert, UserName: "alice", Password: "clarinet",
//	})
//	defer c.Close(ctx) // cancels the secure session
//	req, err := c.NewRequest(action, body)
//	resp, err := c.Call(ctx, req)
//
// The application (a soap.Handler, typically a soap.ServeMux) finds the
// authenticated caller in its context: soap.PrincipalFromContext gives the
// user name or certificate identity, the session (Principal.Session) of a
// secure conversation, and the claims WithTransformClaims added.
//
// # Typed bodies
//
// Contracts can be Go types with encoding/xml tags instead of XML trees. A
// service registers a Go function per action, and a client calls it with
// Call; a fault's typed detail (a WCF FaultContract) travels with
// DetailFault and comes back with FaultDetail:
//
//	mux := soap.NewServeMux()
//	mux.Handle(actionDivide, binding.Typed(func(ctx context.Context, r *Divide) (*DivideResponse, error) {
//		if r.Divisor == 0 {
//			return nil, binding.DetailFault(soap.CodeSender, "division by zero", &DivideByZero{})
//		}
//		return &DivideResponse{Quotient: r.Dividend / r.Divisor}, nil
//	}))
//
//	resp, err := binding.Call[Divide, DivideResponse](ctx, c, actionDivide, &Divide{Dividend: 42, Divisor: 5})
//	if d, ok := binding.FaultDetail[DivideByZero](err); ok { ... }
//
// # Defaults
//
// WSHttpBinding, WS2007HttpBinding and BasicHttpBinding return WCF's
// defaults for that binding, as WCF's source sets them
// (microsoft/referencesource System.ServiceModel; CoreWCF has the same
// constants): WSHttpSecurity.DefaultMode = Message,
// MessageSecurityOverHttp.DefaultClientCredentialType = Windows and
// DefaultNegotiateServiceCredential = true,
// NonDualMessageSecurityOverHttp.DefaultEstablishSecurityContext = true,
// SecurityAlgorithmSuite.Default = Basic256, BasicHttpSecurity.DefaultMode
// = None, BasicHttpMessageSecurity.DefaultClientCredentialType = UserName;
// wsHttpBinding's MessageSecurityVersion is WS-Security 1.1 with
// WS-Trust/WS-SecureConversation 2005/02, ws2007HttpBinding's the 1.3
// versions; the WS bindings write SOAP 1.2 with WS-Addressing 1.0,
// basicHttpBinding SOAP 1.1 without addressing.
//
// wsHttpBinding's default credential, Windows, negotiates by SPNEGO with
// Kerberos (package internal/spnego; NTLM is not supported): the client
// needs a krb5.conf, its principal with a password or keytab and the
// service principal name, the service its keytab (Credentials.Windows).
// For the UserName, Certificate and None credentials the default
// NegotiateServiceCredential runs TLSNEGO (a TLS handshake tunnelled in
// WS-Trust messages, package internal/negotiate): the client validates the certificate
// the service presents (Credentials' trust settings, or a known
// ServiceCertificate) and its DNS identity (Credentials.ServiceDNSIdentity,
// by default the URL's host). Every other
// misconfiguration (a missing credential, an http URL for a transport mode,
// a combination WCF refuses) is an error wrapping ErrConfig that names the
// field.
//
// # What a binding maps to
//
// Each combination becomes the wssecurity policy that WCF's
// SecurityBindingElement factory builds for it
// (MessageSecurityOverHttp.CreateSecurityBindingElement,
// BasicHttpMessageSecurity.CreateMessageSecurity); Binding.Describe names
// it. The policies are built afresh for every client and handler and share
// no pointers with the wssecurity presets or with each other.
//
//	Security.Mode                   ClientCredentialType  EstablishSecurityContext  policy (WCF factory)
//	None                            -                     -                         no security layer
//	Transport                       -                     -                         TLS only (https required)
//	Message                         None                  false                     AnonymousForCertificate, derived keys, signature confirmation
//	Message                         UserName              false                     UserNameForCertificate, derived keys, no signature confirmation
//	Message                         Certificate           false                     MutualCertificate (WSS 1.1: symmetric, derived keys, client certificate endorsing by thumbprint, signature confirmation)
//	Message (basicHttpBinding)      Certificate           -                         MutualCertificate10 (WSS 1.0, asymmetric)
//	Message                         any of the above      true                      SecureConversation over that bootstrap: symmetric binding on the SCT, derived keys
//	TransportWithMessageCredential  UserName              false                     UserNameOverTransport
//	TransportWithMessageCredential  UserName              true                      SecureConversation over UserNameOverTransport: the SCT endorses the Timestamp
//	TransportWithMessageCredential  Certificate           false                     CertificateOverTransport: the client certificate endorses the Timestamp
//	TransportWithMessageCredential  Certificate           true                      SecureConversation over CertificateOverTransport
//	Message, negotiated             None                  false                     AnonymousForSslNegotiated: symmetric binding on the negotiated SCT, derived keys
//	Message, negotiated             UserName              false                     UserNameForSslNegotiated: the same, with a signed and encrypted UsernameToken on every message
//	Message, negotiated             Certificate           false                     MutualSslNegotiated: the client certificate in the TLS handshake
//	Message, negotiated             any of the above      true                      SecureConversation over that bootstrap: the negotiated SCT protects the Issue of the session's SCT
//	Message, negotiated             Windows               false                     SspiNegotiation: SPNEGO/Kerberos negotiates the SCT that protects the messages (Credentials.Windows)
//	Message, negotiated             Windows               true                      SecureConversation(SspiNegotiation): the negotiated SCT protects the Issue of the session's SCT
//	Message, not negotiated; TWMC   Windows               -                         not supported (WCF's Kerberos token binding, SspiNegotiatedOverTransport)
//
// The policies start from the wssecurity presets and are corrected, on a
// copy, where the preset and WCF's factory differ: the symmetric "for
// certificate" policies derive their keys (X509SecurityTokenParameters
// requires derived keys by default), UserNameForCertificate asks for no
// signature confirmation (CreateUserNameForCertificateBindingElement does
// not set RequireSignatureConfirmation; the Anonymous and MutualCertificate
// factories do), and MutualCertificate's endorsing client certificate is
// referenced by thumbprint.
//
// Sessions are cancelled on Client.Close (WCF's requireCancellation),
// protected with the session as WCF does; WithCancelWithBootstrap protects
// (and accepts) the Cancel under the bootstrap security instead, as Apache
// CXF does for message-security sessions.
//
// # Reliable sessions
//
// ReliableSession.Enabled puts a WS-ReliableMessaging session above the
// security, as WCF's reliableSession element does (WS-RM 2005/02 for
// wsHttpBinding, 1.1 for ws2007HttpBinding): the client numbers every call
// on one sequence, created on Open or the first call, retransmits it
// (secured afresh each time) until the service acknowledges it, and
// Client.Close terminates the sequence before it cancels the secure
// session. The service delivers each request to the application once and
// in order, and runs WithAuthorize on application requests only. As in WCF,
// message security needs EstablishSecurityContext with a reliable session:
// the sequences are created inside the secure session and bound to it
// (reliable.ServerConfig.RequireSecureSession), and the session policy
// signs the RM headers. basicHttpBinding has no reliable sessions;
// Unordered delivery is not supported yet. WithSequenceStore shares a
// service's sequences across the nodes of a farm.
//
// # Proven against Apache CXF
//
// interop's TestCXFBinding runs the CXF peer against clients and services
// built with NewClient and NewHandler only, in both directions:
// basicHttpBinding TransportWithMessageCredential/UserName
// (UserNameOverTransport@wssec10), ws2007HttpBinding
// TransportWithMessageCredential/UserName with its session
// (SecureConversation_UserNameOverTransport@sc13), ws2007HttpBinding
// TransportWithMessageCredential/Certificate without a session
// (CertificateOverTransport@ws2007http), wsHttpBinding
// Message/UserName without and with a session (UXD-SEES@wssec11,
// _UXD-SEES@sc200502) and wsHttpBinding Message/Certificate
// (XD-SEES@wssec11); the plugfest scenarios use WS-Addressing 2004/08 and,
// for sessions, Basic128, which the test sets on the binding.
//
// # Transport security
//
// Transport and TransportWithMessageCredential need TLS: NewClient refuses
// an http:// URL and marks every request as needing https; the handler
// refuses requests that did not arrive over TLS (cause
// wssecurity.ErrInsecureTransport, the uniform wsse:InvalidSecurity fault)
// — serve it with http.ListenAndServeTLS or behind a TLS listener.
// WithAllowInsecureTransport turns both checks off, for a service behind a
// TLS-terminating proxy. HTTP-level client credentials (TLS client
// certificates, HTTP authentication) belong to the net/http client given
// with WithHTTPClient.
//
// # Observability
//
// WithHooks gives a client or a service callbacks for what users watch:
// each application call with its outcome (Hooks.Call, which can open a
// span), each request a service refused before its application ran, with
// the fault sent and the defence that fired as its cause (Hooks.Rejected:
// parser limits, the To check, security, authorization), secure session
// events on both sides (issued, renewed, cancelled, expired, with the
// handshake's duration) and reliable session events (sequence created,
// message retransmitted, sequence closed and terminated). There are no
// global registries: each client and handler reports to its own hooks.
// Package binding/otelsoap turns them into OpenTelemetry spans and
// metrics.
//
// # Options
//
// WithLogger, WithClock, WithRand, WithLimits, WithAllowInsecureTransport,
// WithCancelWithBootstrap and WithHooks apply to both sides (one logger, clock and
// random source per client or handler). A client takes
// WithHTTPClient and WithKeyLog; a handler WithReplayCache, WithTokenCache,
// WithCookies (cookie-mode sessions sealed with a secureconv.KeyRing),
// WithCookieKeys (the same with a ring that rotates while the service
// runs, a secureconv.KeyRingSource),
// WithSequenceStore (the sequences of reliable sessions),
// WithSessionLifetime, WithTransformClaims (WIF's
// ClaimsAuthenticationManager) and WithAuthorize (WCF's
// ServiceAuthorizationManager).
package binding
