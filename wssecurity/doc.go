// Package wssecurity implements the WS-Security 1.0/1.1 Security header as
// WCF, Apache CXF/WSS4J and Metro write and check it: Timestamp,
// UsernameToken, X.509 BinarySecurityToken, the SecurityTokenReference
// forms, DerivedKeyToken, EncryptedKey and SignatureConfirmation, driven by
// one policy value, with client and server soap layers.
//
// # Where to start
//
// Most programs never build a Policy by hand: package binding maps a WCF
// binding (Security.Mode, Message.ClientCredentialType, AlgorithmSuite) to
// the Policy and Config of this package. Start here to write a policy no
// standard WCF binding produces (and give it to a binding.CustomBinding's
// security element), to check a message offline (Inspect), or to plug in a
// ReplayCache or a UsernameValidator. The wire codecs (Timestamp, UsernameToken, the
// BinarySecurityToken, SecurityTokenReference, DerivedKeyToken) live in
// internal/wsse; this package exposes only the policy, the layers, the
// credentials and the errors a caller branches on.
//
// # Policy model
//
// A Policy says what to protect and how, in WS-SecurityPolicy's terms: the
// binding (TransportBinding: HTTPS protects the message and the header
// carries a Timestamp and supporting tokens; SymmetricBinding: a key
// encrypted to the service certificate, or a session key; AsymmetricBinding:
// each side signs with its private key and encrypts to the other's
// certificate), the tokens of the binding and the supporting tokens with
// their Inclusion and reference form, derived keys, the algorithm Suite, the
// header Layout, the protection order, EncryptSignature, the signed and
// encrypted parts and SignatureConfirmation. Config gives the keys and the
// environment: certificates, the trust store, username validation, the
// replay cache, the clock and random source, the logger.
//
// The presets build the policies of WCF's authentication modes:
// AnonymousForCertificate, UserNameForCertificate, MutualCertificate (WSS
// 1.0: asymmetric; WSS 1.1: symmetric with an endorsing client
// certificate), UserNameOverTransport and CertificateOverTransport (a
// transport binding whose Timestamp the client certificate endorses).
// Secure sessions (package
// secureconv) use a SecureConversationToken as the protection token; the
// WS-Trust exchange that issues it (its version and entropy) is configured
// there, not in the Policy.
//
// Mistakes are errors when a layer is built, not uniform faults on every
// message: Policy.Validate refuses contradictory or unsupported policies
// (its documentation lists the checks) and CheckConfig refuses a Config
// that lacks what the policy needs on that side, naming the field (a
// MutualCertificate server without Config.Trust, a UserNameForCertificate
// server without Config.Usernames, a client without
// Config.PeerCertificate, ...). ClientLayer and ServerLayer run both.
//
// Token.Inclusion is enforced: the sender includes a token in a message or
// references it as Inclusion says for that direction (Once counts as every
// request, as in WCF), and the receiver refuses a message in which a token
// was included where its policy says it is not sent, or referenced where it
// must be (ErrTokenInclusion). A token that is never sent must be known to
// the receiver in advance (Config.PeerCertificate for a client certificate).
//
// # Algorithm suites
//
// The suites are WCF's SecurityAlgorithmSuite values; every algorithm of a
// message is checked against the policy's suite before any cryptographic
// work. The Basic192 suites (AES-192) are refused by peers that enforce
// the WS-I Basic Security Profile strictly: WSS4J (Apache CXF) rejects
// aes192-cbc under BSP R5620, so use Basic128 or Basic256 with them.
//
// # Receiving
//
// The receiver processes the Security header top to bottom (as WSS4J
// does), then checks the result against the policy by node identity: the
// Envelope's own Body, the single Timestamp child of the Security header
// and every addressing header the stack reads must be among the nodes the
// primary signature digested; duplicate IDs are refused. Conversely, a
// signed Body, Timestamp or addressing header found anywhere but at its own
// place is refused (ErrMisplaced): a signed wsa:To moved into a wrapper,
// nothing in its place, would leave a message that any endpoint sharing
// the keys accepts. Every failure is
// answered with the one fault WCF sends (Sender, wsse:InvalidSecurity, "An
// error occurred when verifying security for the message."), whatever the
// cause, so that the fault tells an attacker nothing. The cause is kept as
// the fault's Cause (errors.Is works on it with this package's sentinels:
// ErrReplay, ErrExpired, ErrFailedAuthentication, ErrInsecureTransport,
// ErrTokenInclusion, ...) and logged to Config.Logger, slog.Default() when
// nil; secrets (passwords, keys) never go to logs or errors.
//
// # Transport security
//
// A TransportBinding relies on TLS, so a server refuses a TransportBinding
// request that did not arrive over TLS (soap.ArrivedOverTLS, set by
// soap.HTTPHandler) with ErrInsecureTransport, and the client marks each
// TransportBinding request with soap.Message.RequireSecureTransport, so
// that soap.HTTPClient refuses to send it to an http:// URL
// (soap.ErrInsecureTransport). Config.AllowInsecureTransport turns both off,
// as WCF's AllowInsecureTransport does: for a service behind a proxy that
// terminates TLS, where the server cannot see the TLS connection.
//
// # Replay detection
//
// A server with a replay cache (Config.Replay; ServerLayer creates an
// in-memory cache of DefaultReplayCacheSize entries when it is nil) refuses
// a message whose replay material it has seen before (ErrReplay), until
// that material expires:
//
//   - the value of the primary signature, with the Created time of the
//     signed Timestamp, until the Timestamp expires (plus the clock skew);
//   - the Nonce and Created of a UsernameToken, whatever validates its
//     password, until Created plus TimestampTTL plus the clock skew.
//
// The one cache serves every check, and the checks run once the whole
// message verified, so forged messages cannot fill it. Some messages carry
// nothing that tells two sends apart, and their replays cannot be detected:
// a UsernameToken without a Nonce (WCF's plain-text password) in a transport
// binding, and a transport-binding message whose only protection is an
// unsigned Timestamp (anyone can rewrite it) or an endorsing signature: it
// covers the Timestamp and the token, never the Body, so two different
// messages sent within one Timestamp's second carry the same signature
// value (Eclipse Metro's Created has one-second precision), and it cannot
// tell a replay from a new message. A signed message without a
// Timestamp is remembered for TimestampTTL plus the skew only: nothing
// dates it, so a later replay is accepted. Rely on TLS, a Nonce
// (PasswordDigest always has one) or a signed Timestamp. Servers of a farm
// need a shared ReplayCache to detect a replay sent to another node.
//
// # The caller's identity
//
// ServerLayer puts a *soap.Principal into the context of the next handler
// (soap.PrincipalFromContext), built from the verified request
// (Exchange.Principal): a soap.UsernameIdentity for a UsernameToken, a
// soap.CertificateIdentity for the client certificate that signed or
// endorsed the request, both when it carries both, and one
// soap.AnonymousIdentity when it carries no credential. Three settings of
// Config act on it, per request, before the application runs:
// TransformClaims (WIF's ClaimsAuthenticationManager) may add claims or
// replace the principal; Authorize (WCF's ServiceAuthorizationManager)
// decides with the request's action; an error of either is answered with
// soap.AccessDeniedFault (Sender, wsse:FailedAuthentication, "Access is
// denied.") and the application does not run. KeepBootstrapToken (off by
// default) keeps the canonical XML of the authenticating token in
// Principal.BootstrapToken: the UsernameToken without its password element,
// or the client's BinarySecurityToken.
//
// # Clocks and randomness
//
// A Config has one clock, Now, and one random source, Rand, in the manner
// of crypto/tls's Config.Time and Config.Rand: Timestamp and UsernameToken
// freshness, the replay cache (ReplayCache.Seen takes the caller's time)
// and certificate validation (TrustStore.Verify, x509.VerifyOptions.
// CurrentTime) all take the time from Now, and every key, nonce, IV and id
// comes from Rand. A fixed Now and a seeded Rand make a run reproducible,
// but for the padding of RSA-1.5 key transport, which crypto/rsa draws from
// crypto/rand whatever Reader it is given (since Go 1.26); a certificate is
// valid when it is valid at Now.
//
// The package has no mutable package-level state.
package wssecurity
