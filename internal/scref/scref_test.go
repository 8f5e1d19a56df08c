package scref

import (
	"context"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/soapstack/soapstack/internal/wstrust"
	"github.com/soapstack/soapstack/reliable"
	"github.com/soapstack/soapstack/secureconv"
	"github.com/soapstack/soapstack/soap"
	"github.com/soapstack/soapstack/wssecurity"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSecureSession(t *testing.T) {
	certPEM, err := os.ReadFile("testdata/service.pem")
	require.NoError(t, err)
	keyPEM, err := os.ReadFile("testdata/service.key")
	require.NoError(t, err)
	svcCert, err := wssecurity.LoadPEM(certPEM, keyPEM)
	require.NoError(t, err)
	boot := wssecurity.AnonymousForCertificate(wssecurity.Basic128)
	app := boot
	app.ProtectionToken = &wssecurity.Token{Kind: wssecurity.SecureConversationToken, Inclusion: wssecurity.IncludeAlwaysToRecipient, DerivedKeys: true}
	app.RequireSignatureConfirmation = false
	for _, v := range []secureconv.Version{secureconv.V200502, secureconv.V13} {
		layer, err := secureconv.ServerLayer(secureconv.ServerConfig{Version: v, Bootstrap: boot, Policy: app,
			Security: wssecurity.Config{Certificate: svcCert}, Lifetime: time.Hour})
		require.NoError(t, err)
		srv := httptest.NewServer(soap.NewHTTPHandler(soap.ChainHandler(soap.NewServeMux(), layer)))
		c, err := secureconv.NewClient(soap.NewHTTPClient(srv.URL), secureconv.ClientConfig{Version: v, Bootstrap: boot,
			Policy: app, To: srv.URL, Security: wssecurity.Config{PeerCertificate: svcCert.Cert}})
		require.NoError(t, err)

		s := SecureSession(c, v)
		if _, ok := any(c).(reliable.SecureSession); ok {
			assert.Same(t, c, s, "the client itself once it implements the interface")
		} else {
			assert.IsType(t, session{}, s)
		}
		_, err = s.SessionTokenReference()
		require.Error(t, err, "no reference before the session is established")
		require.NoError(t, s.Open(context.Background()))
		str, err := s.SessionTokenReference()
		require.NoError(t, err)
		ref, err := wstrust.ParseSCTReference(str)
		require.NoError(t, err)
		assert.Equal(t, c.Session(), ref.Identifier)
		assert.Equal(t, wstrust.Version(v), ref.Version)
		assert.False(t, ref.Local())
		require.NoError(t, c.Close(context.Background()))
		srv.Close()
	}
}
