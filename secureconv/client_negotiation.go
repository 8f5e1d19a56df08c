package secureconv

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/soapstack/soapstack/internal/wstrust"
	"github.com/soapstack/soapstack/wssecurity"
)

// checkBootstrap validates Bootstrap against Negotiator.
func (c *ClientConfig) checkBootstrap() error {
	if c.Negotiator != nil && c.Bootstrap.Binding == 0 {
		return nil // the negotiated token is the session
	}
	if err := c.Bootstrap.Validate(); err != nil {
		return configError("Bootstrap: %w", err)
	}
	switch {
	case c.Negotiator == nil && usesSession(c.Bootstrap):
		return configError("the Bootstrap policy uses a SecureConversationToken; it must protect the Issue with other credentials")
	case c.Negotiator != nil && !usesSession(c.Bootstrap):
		return configError("with a Negotiator the Bootstrap policy must use a SecureConversationToken (the negotiated token), or be unset")
	case c.Bootstrap.Binding != wssecurity.TransportBinding && !c.Bootstrap.EncryptedParts.Body:
		return configError("the Bootstrap policy neither runs over TLS nor encrypts the Body: the key material of the Issue would travel in clear")
	}
	return nil
}

// negotiate runs the Negotiator and returns its token as a session.
func (c *Client) negotiate(ctx context.Context) (*session, error) {
	nt, err := c.cfg.Negotiator.Negotiate(ctx, c.transport)
	if err != nil {
		return nil, fmt.Errorf("secureconv: negotiation: %w", err)
	}
	if nt == nil || nt.Element == nil || len(nt.Key) == 0 {
		return nil, errors.New("secureconv: the negotiation issued no token")
	}
	sct, err := wstrust.ParseSCT(nt.Element)
	if err != nil {
		return nil, fmt.Errorf("secureconv: negotiated token: %w", err)
	}
	if sct.Version != c.cfg.Version.wire() {
		return nil, errors.New("secureconv: negotiated token of another WS-SC version")
	}
	now := c.now()
	s := &session{sct: sct, issued: now, expires: now.Add(DefaultSessionLifetime)}
	if !nt.Created.IsZero() {
		s.issued = nt.Created
	}
	if !nt.Expires.IsZero() {
		s.expires = nt.Expires
	}
	if !s.issued.Before(s.expires) || !now.Before(s.expires) {
		return nil, fmt.Errorf("secureconv: the negotiated token's lifetime has ended at %s (client clock)", now.UTC().Format(time.RFC3339))
	}
	s.renewAt = s.issued.Add(time.Duration(float64(s.expires.Sub(s.issued)) * c.cfg.RenewAfter))
	s.wss = &wssecurity.SessionToken{Element: nt.Element, Identifier: sct.Identifier,
		TokenType: c.cfg.Version.wire().TokenType(), Namespace: c.cfg.Version.wire().SCNamespace(), Key: nt.Key}
	return s, nil
}
