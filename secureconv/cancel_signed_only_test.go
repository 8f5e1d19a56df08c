package secureconv

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/soapstack/soapstack/soap"
	"github.com/soapstack/soapstack/wssecurity"
)

// TestCancelSignedOnly: Eclipse Metro sends a Cancel signed with the session
// but with nothing encrypted, and answers one the same way (it applies only
// the endpoint policy to Cancel). With CancelSignedOnly both sides accept
// that; without it the service still refuses such a Cancel, and the default
// (encrypted) Cancel keeps working either way.
func TestCancelSignedOnly(t *testing.T) {
	tests := []struct {
		name               string
		server, client     bool
		wantErr            bool
		wantSessionRemains bool
	}{
		{name: "both sign only", server: true, client: true},
		{name: "encrypted cancel to a lenient service", server: true, client: false},
		{name: "strict service refuses a sign-only cancel", server: false, client: true, wantErr: true, wantSessionRemains: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newAttackEnv(t, func(c *ServerConfig) { c.CancelSignedOnly = tt.server })
			sec := wssecurity.Config{PeerCertificate: e.cert.Cert, Now: e.clock.Now}
			c, err := NewClient(e.wire(e.srv, nil), ClientConfig{Version: e.v, Bootstrap: e.boot, Policy: e.app,
				To: "http://svc/a", Security: sec, Cancel: true, CancelSignedOnly: tt.client})
			require.NoError(t, err)
			require.NoError(t, callEcho(t, c, "before cancel"))
			s, err := c.current(context.Background())
			require.NoError(t, err)
			err = c.Close(context.Background())
			if tt.wantErr {
				f, ok := soap.AsFault(err)
				require.True(t, ok, "want a fault, got %v", err)
				assert.Equal(t, wssecurity.FaultInvalidSecurity, f.Subcode().Local)
			} else {
				require.NoError(t, err)
			}
			// The session is gone exactly when the Cancel was accepted.
			err = e.sendWithSession(c, s, e.srv)
			if tt.wantSessionRemains {
				assert.NoError(t, err, "a refused Cancel must leave the session")
			} else {
				assert.Error(t, err, "a cancelled session must be refused")
			}
		})
	}
}
