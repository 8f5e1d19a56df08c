package wssecurity

import (
	"crypto/rand"
	"crypto/x509"
	"io"
	"log/slog"
	"time"

	"github.com/soapstack/soapstack/soap"
)

// Config holds the credentials and environment of a security layer. The
// policy says what to do; Config says with which keys.
type Config struct {
	// Certificate is our own certificate with its private key: the
	// service's certificate on a server, the client's certificate in the
	// mutual-certificate modes.
	Certificate *Certificate
	// PeerCertificate is the other side's certificate when it is known in
	// advance: the service certificate a client encrypts to.
	PeerCertificate *x509.Certificate
	// Trust validates certificates received in messages (client
	// certificates on a server). Nil refuses every received certificate.
	Trust *TrustStore

	// Username and Password are the client's UsernameToken credentials.
	Username string
	Password Secret
	// Usernames validates received UsernameTokens on a server.
	Usernames UsernameValidator

	// Replay detects replayed messages on a server; nil uses an in-memory
	// cache of DefaultReplayCacheSize entries per layer.
	Replay ReplayCache
	// TokenResolver resolves references to tokens that are not in the
	// message (SecurityContextTokens, by their identifier). It returns the
	// token's key.
	TokenResolver TokenResolver
	// Session is the session token a client protects requests with when the
	// policy's protection token is a SecureConversationToken (package
	// secureconv sets it per call).
	Session *SessionToken
	// Now is the clock (time.Now when nil).
	Now func() time.Time
	// Rand is the source of keys, nonces and ids (crypto/rand when nil).
	Rand io.Reader
	// Limits bound decrypted content (defaults of soap.Limits when zero).
	Limits soap.Limits
	// Logger receives the details of rejected messages, which never go on
	// the wire (discard when nil).
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
	return slog.New(slog.DiscardHandler)
}
