package wssecurity

import (
	"context"
	"crypto/rand"
	"crypto/x509"
	"io"
	"log/slog"
	"time"

	"github.com/soapstack/soapstack/soap"
)

// Config holds the credentials and environment of a security layer. The
// policy says what to do; Config says with which keys.
//
// A Config has one clock (Now) and one random source (Rand), as crypto/tls
// has Time and Rand: every check of a message (Timestamp and UsernameToken
// freshness), the replay cache and certificate validation
// (x509.VerifyOptions.CurrentTime) take the time from Now; every key,
// nonce, IV and id comes from Rand.
type Config struct {
	// Certificate is our own certificate with its private key: the
	// service's certificate on a server, the client's certificate in the
	// mutual-certificate modes.
	Certificate *Certificate
	// PeerCertificate is the other side's certificate when it is known in
	// advance: the service certificate a client encrypts to, or on a server
	// the client certificate of a policy that does not include it
	// (IncludeNever).
	PeerCertificate *x509.Certificate
	// Trust validates certificates received in messages (client
	// certificates on a server). Nil refuses every received certificate.
	Trust *TrustStore

	// Username and Password are the client's UsernameToken credentials.
	Username string
	Password Secret
	// Usernames validates received UsernameTokens on a server (the
	// password; freshness and replay are checked with Now and Replay).
	Usernames UsernameValidator

	// Replay detects replayed messages on a server: the one cache of every
	// replay check (signature values, UsernameToken nonces). ServerLayer
	// uses an in-memory cache of DefaultReplayCacheSize entries per layer
	// when nil; VerifyRequest called directly with a nil Replay detects no
	// replays.
	Replay ReplayCache
	// TokenResolver resolves references to tokens that are not in the
	// message (SecurityContextTokens, by their identifier). It returns the
	// token's key.
	TokenResolver TokenResolver
	// Session is the session token a client protects requests with when the
	// policy's protection token is a SecureConversationToken (package
	// secureconv sets it per call).
	Session *SessionToken

	// AllowInsecureTransport lets a TransportBinding policy run over plain
	// HTTP, as WCF's AllowInsecureTransport: for a service behind a
	// TLS-terminating proxy (the server then cannot see the TLS connection)
	// or a client talking to one through a trusted network. Without it a
	// server refuses a TransportBinding request that did not arrive over
	// TLS (ErrInsecureTransport) and a client refuses to send one to an
	// http:// URL (soap.ErrInsecureTransport).
	AllowInsecureTransport bool
	// RequireEncryptedUsernameToken makes a receiver refuse a signed
	// supporting UsernameToken (SignedSupporting) that arrived unencrypted
	// under a message-security binding, as for SignedEncryptedSupporting.
	// Without it the receiver accepts what the policy allows: WS-SP's
	// SignedSupportingTokens (the plugfest's UX policies) does not require
	// encryption, and Apache CXF sends the token in clear when
	// ws-security.username-token.always.encrypted is false. Senders encrypt
	// such a token anyway (CXF's default, and WCF's).
	RequireEncryptedUsernameToken bool

	// TransformClaims, when set, is called on a server with the principal
	// built from each verified request before the application sees it
	// (WIF's ClaimsAuthenticationManager): it may add roles or other claims
	// and returns the principal to use. An error refuses the request with
	// soap.AccessDeniedFault.
	TransformClaims func(ctx context.Context, p *soap.Principal) (*soap.Principal, error)
	// Authorize, when set, decides on a server whether the principal may
	// perform the request's action (WCF's ServiceAuthorizationManager); a
	// refusal is answered with soap.AccessDeniedFault and the application
	// does not run.
	Authorize soap.Authorizer
	// KeepBootstrapToken keeps, in the principal's BootstrapToken, the
	// canonical XML of the token that authenticated the request (WIF's
	// BootstrapContext): the UsernameToken without its password element
	// (a password is never kept), or the client's BinarySecurityToken. Off
	// by default.
	KeepBootstrapToken bool

	// Now is the clock (time.Now when nil).
	Now func() time.Time
	// Rand is the source of keys, nonces and ids (crypto/rand when nil).
	Rand io.Reader
	// Limits bound decrypted content (defaults of soap.Limits when zero).
	Limits soap.Limits
	// Logger receives the details of rejected messages, which never go on
	// the wire (slog.Default() when nil).
	Logger *slog.Logger
}

func (c *Config) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

func (c *Config) rand() io.Reader {
	if c.Rand != nil {
		return c.Rand
	}
	return rand.Reader
}

func (c *Config) logger() *slog.Logger {
	if c.Logger != nil {
		return c.Logger
	}
	return slog.Default()
}
