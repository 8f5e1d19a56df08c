package wssecurity

import (
	"context"

	"github.com/beevik/etree"
	"github.com/soapstack/soapstack/internal/wsse"
	"github.com/soapstack/soapstack/internal/xmlutil"
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
	TokenReference(ctx context.Context, str *wsse.STR) (key []byte, err error)
}

// SessionToken is an issued session token (a WS-SecureConversation
// SecurityContextToken) used as the protection token of a symmetric
// binding: package secureconv establishes it, this package uses its key.
type SessionToken struct {
	// Element is the token as issued; requests carry a copy of it, with its
	// wsu:Id.
	Element *etree.Element
	// Identifier is the token's context identifier; replies reference the
	// token by it.
	Identifier string
	// TokenType is the token type URI (the ValueType of references).
	TokenType string
	// Namespace is the WS-SecureConversation namespace of the token and of
	// the DerivedKeyTokens made from it.
	Namespace string
	// Key is the session key.
	Key []byte
}

// sessionFromElement reads the identifier of a SecurityContextToken
// element of either WS-SC version.
func sessionFromElement(el *etree.Element, key []byte) *SessionToken {
	n := xmlutil.ElementName(el)
	if n.Local != "SecurityContextToken" || (n.Space != wsse.NSWSC200502 && n.Space != wsse.NSWSC13) {
		return nil
	}
	id := firstChild(el, n.Space, "Identifier")
	if id == nil {
		return nil
	}
	return &SessionToken{Element: el, Identifier: wsse.TrimXMLSpace(id.Text()), TokenType: n.Space + "/sct", Namespace: n.Space, Key: key}
}
