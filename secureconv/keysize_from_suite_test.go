package secureconv

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/soapstack/soapstack/wssecurity"
)

// TestKeySizeFromSuite: Eclipse Metro asks for a 256-bit key for a Basic128
// session (asymmetric bootstrap) and encrypts with all of it. With
// KeySizeFromSuite the service issues the suite's 128 bits instead, says so
// in the RSTR, and the client follows; without it the request is honoured.
func TestKeySizeFromSuite(t *testing.T) {
	tests := []struct {
		name    string
		fromSet bool
		wantLen int
	}{
		{name: "capped to the suite", fromSet: true, wantLen: 16},
		{name: "as requested", fromSet: false, wantLen: 32},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newAttackEnv(t, func(c *ServerConfig) { c.KeySizeFromSuite = tt.fromSet })
			sec := wssecurity.Config{PeerCertificate: e.cert.Cert, Now: e.clock.Now}
			c, err := NewClient(e.wire(e.srv, nil), ClientConfig{Version: e.v, Bootstrap: e.boot, Policy: e.app,
				To: "http://svc/a", Security: sec, KeySize: 256})
			require.NoError(t, err)
			require.NoError(t, callEcho(t, c, "under the issued key"))
			s, err := c.current(context.Background())
			require.NoError(t, err)
			assert.Len(t, s.wss.Key, tt.wantLen)
		})
	}
}
