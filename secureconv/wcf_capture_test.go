package secureconv

import (
	"context"
	"encoding/base64"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/soapstack/soapstack/soap"
	"github.com/soapstack/soapstack/wssecurity"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestServerAcceptsWCFRequest feeds a real WCF client's request (captured
// against CoreWCF: TransportWithMessageCredential, the session token
// endorsing the Timestamp) to the server layer, with the session the
// handshake of captures 01/02 established in the token cache.
func TestServerAcceptsWCFRequest(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("testdata", "wire", "03_corewcf_app-request-sct-hmac.compact.xml"))
	require.NoError(t, err)
	key, err := base64.StdEncoding.DecodeString("H/N/QJpAIzvX652dTmpSKfx5jvchdVlWNaSPiPkNuP8=")
	require.NoError(t, err)
	at := time.Date(2024, 2, 14, 2, 8, 0, 0, time.UTC)
	clock := func() time.Time { return at }
	cache := NewMemoryTokenCache()
	require.NoError(t, cache.Put(context.Background(), &SessionToken{ContextID: "urn:uuid:40859149-0ab7-4ee2-a7cc-22bc21adfe08",
		Key: key, ValidFrom: at.Add(-time.Minute), ValidTo: at.Add(time.Hour), Claims: Claims{Method: AuthAnonymous}}, clock()))
	app := wssecurity.Policy{Binding: wssecurity.TransportBinding, WSS: wssecurity.WSS11, Suite: wssecurity.Basic256, IncludeTimestamp: true,
		Supporting: []wssecurity.SupportingToken{{Token: wssecurity.Token{Kind: wssecurity.SecureConversationToken, Inclusion: wssecurity.IncludeAlwaysToRecipient}, Role: wssecurity.EndorsingSupporting}}}
	boot := wssecurity.UserNameOverTransport()
	layer, err := ServerLayer(ServerConfig{Version: V200502, Bootstrap: boot, Policy: app, Cache: cache,
		Security: wssecurity.Config{Now: clock, Usernames: tUsers(nil), AllowInsecureTransport: true}}) // the capture is replayed without TLS
	require.NoError(t, err)
	served := false
	h := soap.ChainHandler(soap.HandlerFunc(func(ctx context.Context, req *soap.Message) (*soap.Message, error) {
		served = true
		return nil, nil
	}), layer)
	m, err := soap.ParseMessage(raw, soap.Limits{})
	require.NoError(t, err)
	_, err = h.ServeSOAP(context.Background(), m)
	require.NoError(t, err)
	assert.True(t, served)

	// The same request under another key is refused.
	m, err = soap.ParseMessage(raw, soap.Limits{})
	require.NoError(t, err)
	require.NoError(t, cache.RemoveAll(context.Background(), "urn:uuid:40859149-0ab7-4ee2-a7cc-22bc21adfe08"))
	require.NoError(t, cache.Put(context.Background(), &SessionToken{ContextID: "urn:uuid:40859149-0ab7-4ee2-a7cc-22bc21adfe08",
		Key: make([]byte, 32), ValidFrom: at.Add(-time.Minute), ValidTo: at.Add(time.Hour), Claims: Claims{Method: AuthAnonymous}}, clock()))
	served = false
	_, err = h.ServeSOAP(context.Background(), m)
	require.Error(t, err)
	assert.False(t, served)
}
