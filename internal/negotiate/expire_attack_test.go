package negotiate

import (
	"context"
	"errors"
	"log/slog"
	"testing"
	"time"

	"github.com/soapstack/soapstack/internal/leakcheck"
	"github.com/soapstack/soapstack/internal/wstrust"
	"github.com/soapstack/soapstack/soap"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// firstLegOnly is the transport of an initiator that sends its first leg
// and abandons the negotiation.
func firstLegOnly(t *testing.T, acc *Acceptor, v wstrust.Version) soap.Invoker {
	return soap.InvokerFunc(func(ctx context.Context, req *soap.Message) (*soap.Message, error) {
		b, err := req.Bytes()
		require.NoError(t, err)
		m, err := soap.ParseMessage(b, soap.Limits{})
		require.NoError(t, err)
		if _, err := acc.Negotiate(ctx, m, (&tIssuer{v: v}).issue); err != nil {
			return nil, err
		}
		return nil, errors.New("abandoned after the first leg")
	})
}

// TestAbandonedNegotiationsExpire: a negotiation abandoned after its first
// leg holds a TLS handshake (a parked goroutine and its state) on the
// service. It is dropped once Timeout has passed, when the next
// negotiation begins, not only when the table of pending negotiations is
// full: under light load abandoned handshakes used to stay until the
// table filled up.
func TestAbandonedNegotiationsExpire(t *testing.T) {
	p := newPKI(t)
	check := leakcheck.Goroutines(t, 2*time.Second)
	v := wstrust.V13
	now := time.Now()
	clock := func() time.Time { return now }
	newServer, err := NewTLSServer(TLSServerConfig{Certificate: p.service})
	require.NoError(t, err)
	acc, err := NewAcceptor(AcceptorConfig{Version: v, NewMechanism: newServer, Now: clock, Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	newClient, err := NewTLSClient(TLSClientConfig{Trust: p.trust(), DNSIdentity: "service.example"})
	require.NoError(t, err)
	in, err := NewInitiator(InitiatorConfig{Version: v, NewMechanism: newClient})
	require.NoError(t, err)
	for i := 0; i < 3; i++ {
		_, err := in.Negotiate(context.Background(), firstLegOnly(t, acc, v))
		require.ErrorContains(t, err, "abandoned after the first leg")
	}
	require.Equal(t, 3, acc.Pending(), "far below MaxPending")

	// The defence: past Timeout, the next first leg drops the expired
	// negotiations (and ends their handshakes).
	now = now.Add(DefaultNegotiationTimeout)
	_, err = in.Negotiate(context.Background(), firstLegOnly(t, acc, v))
	require.ErrorContains(t, err, "abandoned after the first leg")
	assert.Equal(t, 1, acc.Pending(), "the three expired negotiations are dropped, the new one waits")

	// A whole negotiation later drops the last abandoned one too.
	now = now.Add(DefaultNegotiationTimeout)
	_, err = in.Negotiate(context.Background(), &tWire{acc: acc, iss: &tIssuer{v: v}})
	require.NoError(t, err)
	assert.Equal(t, 0, acc.Pending())
	check()
}
