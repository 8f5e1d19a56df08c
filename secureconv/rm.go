package secureconv

import (
	"errors"

	"github.com/beevik/etree"
	"github.com/soapstack/soapstack/internal/wstrust"
)

// ErrNoSession is returned by SessionTokenReference before the session is
// established (or after Close).
var ErrNoSession = errors.New("secureconv: no session established")

// SessionTokenReference returns a new wsse:SecurityTokenReference to the
// current session's token, as a reliable session's CreateSequence carries
// it over a secure session (WS-RM 1.1's UsesSequenceSTR binding; package
// reliable's SecureSession). It is the external reference WCF writes
// (SecureConversationSecurityTokenParameters.CreateKeyIdentifierClause
// with SecurityTokenReferenceStyle.External, in WriteSessionTokenIdentifier):
// a wsse:Reference whose URI is the context Identifier, with the key
// generation as the version's Instance attribute when the token has one,
// and the SCT ValueType; Metro writes the same reference (URI and
// ValueType) in its CreateSequence.
func (c *Client) SessionTokenReference() (*etree.Element, error) {
	c.mu.Lock()
	s := c.sess
	c.mu.Unlock()
	if s == nil {
		return nil, ErrNoSession
	}
	return wstrust.NewSCTReference(c.cfg.Version.wire(), s.sct.Identifier, s.sct.Instance), nil
}
