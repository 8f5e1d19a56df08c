package wssecurity

import (
	"context"

	"github.com/beevik/etree"
)

// TokenResolver plugs tokens this package does not own into message
// processing; package secureconv implements it for SecurityContextTokens.
type TokenResolver interface {
	// TokenElement is called for an element of the Security header that
	// is not a WS-Security token (for example a wsc:SecurityContextToken).
	// It returns the token's key; ok false means the element is unknown
	// and the message is rejected.
	TokenElement(ctx context.Context, el *etree.Element) (key []byte, ok bool, err error)
	// TokenReference resolves a reference to a token that is not in the
	// message (for example a SecurityContextToken by its identifier).
	TokenReference(ctx context.Context, str *STR) (key []byte, err error)
}
