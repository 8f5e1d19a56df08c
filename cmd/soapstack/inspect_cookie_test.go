package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/beevik/etree"
	"github.com/soapstack/soapstack/secureconv"
	"github.com/soapstack/soapstack/soap"
	"github.com/soapstack/soapstack/wssecurity"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestInspectCookieSession captures an application request of a cookie-mode
// session and has soapstack inspect open the cookie with the key ring file,
// derive the keys and verify and decrypt the message.
func TestInspectCookieSession(t *testing.T) {
	cert, err := demoCertificate()
	require.NoError(t, err)
	secret := make([]byte, 32)
	for i := range secret {
		secret[i] = byte(i)
	}
	dir := t.TempDir()
	ringFile := filepath.Join(dir, "ring.json")
	require.NoError(t, os.WriteFile(ringFile, []byte(`{"keys":[{"id":7,"secret":"`+base64.StdEncoding.EncodeToString(secret)+`"}]}`), 0o600))
	ring, err := secureconv.LoadKeyRing(ringFile)
	require.NoError(t, err)

	boot := wssecurity.AnonymousForCertificate(wssecurity.Basic128)
	app := boot
	app.ProtectionToken = &wssecurity.Token{Kind: wssecurity.SecureConversationToken, Inclusion: wssecurity.IncludeAlwaysToRecipient, DerivedKeys: true}
	app.RequireSignatureConfirmation = false
	layer, err := secureconv.ServerLayer(secureconv.ServerConfig{Version: secureconv.V200502, Bootstrap: boot, Policy: app,
		Security: wssecurity.Config{Certificate: cert}, Cookies: ring})
	require.NoError(t, err)
	srv := soap.ChainHandler(soap.HandlerFunc(func(ctx context.Context, req *soap.Message) (*soap.Message, error) {
		return soap.Reply(req, "urn:echoResponse", req.Payload().Copy())
	}), layer)
	var captured []byte
	transport := soap.InvokerFunc(func(ctx context.Context, req *soap.Message) (*soap.Message, error) {
		b, err := req.Bytes()
		require.NoError(t, err)
		if req.Addressing.Action == "urn:echo" {
			captured = b
		}
		in, err := soap.ParseMessage(b, soap.Limits{})
		require.NoError(t, err)
		resp, err := srv.ServeSOAP(ctx, in)
		if err != nil {
			return nil, err
		}
		out, _ := resp.Bytes()
		return soap.ParseMessage(out, soap.Limits{})
	})
	c, err := secureconv.NewClient(transport, secureconv.ClientConfig{Version: secureconv.V200502, Bootstrap: boot, Policy: app,
		Security: wssecurity.Config{PeerCertificate: cert.Cert}, To: "http://svc/"})
	require.NoError(t, err)
	p := etree.NewElement("e:echo")
	p.CreateAttr("xmlns:e", "urn:echo")
	p.SetText("cookie secret")
	m := soap.NewMessageWithBody(soap.V12, p)
	a, _ := soap.RequestAddressing(soap.WSA200408, "urn:echo", "http://svc/", nil)
	m.SetAddressing(a)
	_, err = c.Call(context.Background(), m)
	require.NoError(t, err)
	require.NotNil(t, captured)
	require.NotContains(t, string(captured), "cookie secret")
	msg := filepath.Join(dir, "msg.xml")
	require.NoError(t, os.WriteFile(msg, captured, 0o600))

	code, out, errOut := runCmd("inspect", "--json", "--cookie-keyring", ringFile, msg)
	require.Equal(t, 0, code, "%s %s", out, errOut)
	var rep struct {
		Verified bool     `json:"verified"`
		Body     string   `json:"body"`
		Signed   []string `json:"signed"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &rep))
	assert.True(t, rep.Verified)
	assert.Contains(t, rep.Body, "cookie secret")
	assert.True(t, len(rep.Signed) >= 2)

	// Another key ring cannot open the cookie.
	other := filepath.Join(dir, "other.json")
	require.NoError(t, os.WriteFile(other, []byte(`{"keys":[{"id":7,"secret":"`+base64.StdEncoding.EncodeToString(make([]byte, 32))+`"}]}`), 0o600))
	code, out, _ = runCmd("inspect", "--json", "--cookie-keyring", other, msg)
	assert.Equal(t, 1, code)
	assert.True(t, strings.Contains(out, "does not open"), out)
}
