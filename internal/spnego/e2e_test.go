package spnego

import (
	"testing"

	"github.com/soapstack/soapstack/internal/negotiate"
	"github.com/soapstack/soapstack/soap"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var (
	_ negotiate.Mechanism = (*Initiator)(nil)
	_ negotiate.Mechanism = (*Acceptor)(nil)
)

// TestGoToGo runs the Go initiator against the Go acceptor with tickets
// from the real KDC, for each wrap layout the acceptor can write.
func TestGoToGo(t *testing.T) {
	r := startRealm(t)
	for _, style := range []WrapStyle{WrapWindows, WrapRFC4121, WrapUnrotated} {
		t.Run(style.String(), func(t *testing.T) {
			svc := r.service(t, func(c *ServiceConfig) { c.Style = style })
			in, acc := r.initiator(t, nil), svc.Acceptor()
			handshake(t, in, acc)
			p, ok := acc.Principal()
			require.True(t, ok)
			assert.Equal(t, Principal{Name: "alice", Realm: "SOAPSTACK.TEST"}, p)
			id := p.Identity()
			assert.Equal(t, soap.AuthMethodWindows, id.AuthenticationMethod)
			assert.Equal(t, "alice@SOAPSTACK.TEST", id.Name())
			assert.False(t, acc.Expires().IsZero())

			key := randomKey(t)
			blob, err := acc.Wrap(key)
			require.NoError(t, err)
			got, err := in.Unwrap(blob)
			require.NoError(t, err)
			assert.Equal(t, key, got)
			assert.Equal(t, ValueType, in.ValueType("any"))
			assert.Equal(t, WrapAlgorithm, acc.WrapAlgorithm())
		})
	}
}

// TestValueTypes: the ValueType is WCF's for both WS-Trust versions, and
// the algorithm the one the engine expects.
func TestValueTypes(t *testing.T) {
	assert.Equal(t, "http://schemas.xmlsoap.org/ws/2005/02/trust/spnego", ValueType)
	assert.Equal(t, negotiate.ValueTypeSPNego13, ValueType)
	assert.Equal(t, "http://schemas.xmlsoap.org/2005/02/trust/spnego#GSS_Wrap", WrapAlgorithm)
}
