// Package scref gives the reliable session the secure session it runs
// over (reliable.SecureSession) from a *secureconv.Client, until
// secureconv.Client implements that interface itself; from then on it
// returns the client unchanged.
package scref

import (
	"context"
	"errors"

	"github.com/beevik/etree"
	"github.com/soapstack/soapstack/internal/wstrust"
	"github.com/soapstack/soapstack/reliable"
	"github.com/soapstack/soapstack/secureconv"
)

// ErrNotEstablished is returned for a reference asked before the secure
// session is established.
var ErrNotEstablished = errors.New("scref: the secure session is not established")

// SecureSession returns c as a reliable.SecureSession: c itself when it
// implements the interface, otherwise an adapter whose references name the
// session token by its Identifier, as WCF writes the
// wsse:SecurityTokenReference of CreateSequence (a wsse:Reference with the
// sct ValueType of version v).
func SecureSession(c *secureconv.Client, v secureconv.Version) reliable.SecureSession {
	if s, ok := any(c).(reliable.SecureSession); ok {
		return s
	}
	return session{c: c, v: v}
}

type session struct {
	c *secureconv.Client
	v secureconv.Version
}

func (s session) Open(ctx context.Context) error { return s.c.Open(ctx) }

func (s session) SessionTokenReference() (*etree.Element, error) {
	id := s.c.Session()
	if id == "" {
		return nil, ErrNotEstablished
	}
	return wstrust.NewSCTReference(wstrust.Version(s.v), id, ""), nil
}
