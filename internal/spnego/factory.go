package spnego

import (
	"context"

	"github.com/soapstack/soapstack/internal/negotiate"
)

// NewInitiatorFactory checks cfg once and returns the engine's
// negotiate.InitiatorConfig.NewMechanism: a fresh Initiator per
// negotiation, all sharing cfg's Kerberos client (and its ticket cache).
func NewInitiatorFactory(cfg InitiatorConfig) (func(context.Context) (negotiate.Mechanism, error), error) {
	if _, err := NewInitiator(cfg); err != nil {
		return nil, err
	}
	return func(context.Context) (negotiate.Mechanism, error) { return NewInitiator(cfg) }, nil
}

// NewMechanism is the engine's negotiate.AcceptorConfig.NewMechanism: a
// fresh Acceptor per negotiation.
func (s *Service) NewMechanism(context.Context) (negotiate.Mechanism, error) {
	return s.Acceptor(), nil
}
