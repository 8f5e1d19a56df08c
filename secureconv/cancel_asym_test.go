package secureconv

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/soapstack/soapstack/soap"
	"github.com/soapstack/soapstack/wssecurity"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestBootstrapCancelAsymmetricAnswer: a Cancel sent under an asymmetric
// (X.509 initiator) bootstrap is answered under that bootstrap, signed by
// the service certificate and encrypted to the client, as Apache CXF's
// client checks it ("An X.509 certificate was not used for the
// InitiatorToken" otherwise); our client accepts that answer.
func TestBootstrapCancelAsymmetricAnswer(t *testing.T) {
	e := newPEnv(t, bootCertificate, func(e *pEnv) {
		e.boot = wssecurity.MutualCertificate(wssecurity.WSS10, wssecurity.Basic128)
		e.boot.EncryptSignature = false
		e.cfg.Bootstrap, e.cfg.CancelWithBootstrap = e.boot, true
	})
	var mu sync.Mutex
	var cancelResp string
	rec := soap.HandlerFunc(func(ctx context.Context, req *soap.Message) (*soap.Message, error) {
		resp, err := e.srv.ServeSOAP(ctx, req)
		if err == nil && resp != nil && req.Addressing.Action == e.v.wire().CancelAction() {
			b, berr := resp.Bytes()
			require.NoError(t, berr)
			mu.Lock()
			cancelResp = string(b)
			mu.Unlock()
		}
		return resp, err
	})
	sec := e.newClient("", "", nil).cfg.Security
	cfg := ClientConfig{Version: e.v, Bootstrap: e.boot, Policy: e.app, To: "http://svc/a", Security: sec,
		Cancel: true, CancelWithBootstrap: true}
	c, err := NewClient((&attackEnv{t: t}).wire(rec, nil), cfg)
	require.NoError(t, err)
	require.NoError(t, callEcho(t, c, "one"))
	require.NoError(t, c.Close(context.Background()))
	mu.Lock()
	defer mu.Unlock()
	require.NotEmpty(t, cancelResp, "the Cancel was answered")
	// signed by the service's RSA key (bootstrap), not HMAC with the session
	assert.True(t, strings.Contains(cancelResp, "#rsa-sha1"), "the answer is signed under the bootstrap policy")
	assert.False(t, strings.Contains(cancelResp, "#hmac-sha1"), "the answer is not signed with the session key")
}
