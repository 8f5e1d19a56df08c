package negotiate

import (
	"context"
	"errors"
	"log/slog"
	"testing"

	"github.com/soapstack/soapstack/soap"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// loopMech is a mechanism whose handshake never completes: it answers
// every blob with another (a hostile or broken peer of a multi-leg
// mechanism).
type loopMech struct{}

func (loopMech) ValueType(trustNS string) string { return TLSNegoValueType(trustNS) }
func (loopMech) Step(ctx context.Context, in []byte) ([]byte, bool, error) {
	return []byte("more"), false, nil
}
func (loopMech) WrapAlgorithm() string              { return AlgTLSWrap }
func (loopMech) Wrap(key []byte) ([]byte, error)    { return nil, errors.New("not done") }
func (loopMech) Unwrap(blob []byte) ([]byte, error) { return nil, errors.New("not done") }

// TestAcceptorLegBound: a negotiation whose mechanism never completes is
// refused after AcceptorConfig.MaxLegs legs (ErrProtocol), as the
// initiator is bounded by InitiatorConfig.MaxLegs, instead of going on for
// as long as its Timeout allows.
func TestAcceptorLegBound(t *testing.T) {
	for _, v := range tVersions {
		t.Run(v.String(), func(t *testing.T) {
			acc, err := NewAcceptor(AcceptorConfig{Version: v, Logger: slog.New(slog.DiscardHandler),
				NewMechanism: func(ctx context.Context) (Mechanism, error) { return loopMech{}, nil }})
			require.NoError(t, err)
			in, err := NewInitiator(InitiatorConfig{Version: v, MaxLegs: 100,
				NewMechanism: func(ctx context.Context) (Mechanism, error) { return loopMech{}, nil }})
			require.NoError(t, err)
			var legs int
			w := soap.InvokerFunc(func(ctx context.Context, req *soap.Message) (*soap.Message, error) {
				legs++
				b, err := req.Bytes()
				require.NoError(t, err)
				m, err := soap.ParseMessage(b, soap.Limits{})
				require.NoError(t, err)
				return acc.Negotiate(ctx, m, (&tIssuer{v: v}).issue)
			})
			_, err = in.Negotiate(context.Background(), w)
			require.ErrorIs(t, err, ErrProtocol, "the acceptor's bound fired, not the initiator's")
			f, ok := soap.AsFault(err)
			require.True(t, ok)
			assert.Equal(t, soap.CodeSender, f.Code)
			assert.ErrorContains(t, f.Cause, "more than 8 legs")
			assert.NotContains(t, f.Error(), "legs", "the cause stays out of the fault")
			assert.Equal(t, DefaultMaxLegs+1, legs)
			assert.Equal(t, 0, acc.Pending(), "the negotiation is forgotten")
		})
	}
}
