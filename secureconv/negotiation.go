package secureconv

import (
	"context"
	"time"

	"github.com/beevik/etree"
	"github.com/soapstack/soapstack/soap"
)

// Negotiator obtains a first security context by a multi-leg WS-Trust
// negotiation (TLSNEGO or SPNEGO, WCF's negotiateServiceCredential) in
// place of a bootstrap policy's credentials: the negotiated token then
// protects the Issue of the session (ClientConfig.Bootstrap with a
// SecureConversationToken, WCF's establishSecurityContext=true) or is
// itself the session (ClientConfig.Bootstrap unset,
// establishSecurityContext=false). The binding package builds them.
type Negotiator interface {
	// Negotiate runs the negotiation's legs through transport.
	Negotiate(ctx context.Context, transport soap.Invoker) (*NegotiatedToken, error)
}

// NegotiatedToken is the SecurityContextToken a negotiation issued, with
// its key.
type NegotiatedToken struct {
	// Element is the wsc:SecurityContextToken as issued.
	Element *etree.Element
	// Attached and Unattached are the references the issuer gave (nil
	// when it gave none).
	Attached, Unattached *etree.Element
	// Key is the session key. It is a secret: never log it.
	Key []byte
	// Created and Expires are the token's lifetime.
	Created, Expires time.Time
}

// NegotiationAcceptor is the service side of a Negotiator: it answers the
// negotiation legs of ServerConfig.Negotiation.
type NegotiationAcceptor interface {
	// Accepts reports whether req is a negotiation leg (an unsecured
	// RST/Issue or RSTR/Issue).
	Accepts(req *soap.Message) bool
	// Negotiate answers one leg; on the last one it calls issue to have
	// the service issue the negotiated token for the authenticated peer
	// with the given key.
	Negotiate(ctx context.Context, req *soap.Message, issue NegotiationIssuer) (*soap.Message, error)
}

// NegotiationIssuer issues the token of a completed negotiation: a session
// of peer (nil: anonymous) with key.
type NegotiationIssuer func(ctx context.Context, peer *soap.Principal, key []byte) (*NegotiatedToken, error)
