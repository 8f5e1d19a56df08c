package binding

import (
	"context"
	"crypto/rand"
	"os"
	"path/filepath"
	"testing"

	"github.com/soapstack/soapstack/internal/testkdc"
	"github.com/soapstack/soapstack/wssecurity"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestWindowsCredentialErrors: missing or contradictory Kerberos
// credentials are configuration errors naming the field.
func TestWindowsCredentialErrors(t *testing.T) {
	conf := filepath.Join(t.TempDir(), "krb5.conf")
	require.NoError(t, os.WriteFile(conf, []byte("[libdefaults]\n default_realm = EXAMPLE.COM\n"), 0o600))
	for _, c := range []struct {
		w    *WindowsCredentials
		want string
	}{
		{nil, "Credentials.Windows"},
		{&WindowsCredentials{Krb5Conf: conf, SPN: "HTTP/s", Password: "p"}, "UserName and Realm"},
		{&WindowsCredentials{Krb5Conf: conf, UserName: "alice", Password: "p"}, "SPN"},
		{&WindowsCredentials{Krb5Conf: conf, UserName: "alice", SPN: "HTTP/s"}, "Password or ClientKeytab"},
		{&WindowsCredentials{Krb5Conf: conf, UserName: "alice", SPN: "HTTP/s", Password: "p", ClientKeytab: "k"}, "Password or ClientKeytab"},
		{&WindowsCredentials{Krb5Conf: conf, UserName: "alice@A.COM", Realm: "B.COM", SPN: "HTTP/s", Password: "p"}, "names realm"},
		{&WindowsCredentials{Krb5Conf: filepath.Join(t.TempDir(), "none"), UserName: "alice", SPN: "HTTP/s", Password: "p"}, "Krb5Conf"},
		{&WindowsCredentials{Krb5Conf: conf, UserName: "alice", SPN: "HTTP/s", ClientKeytab: filepath.Join(t.TempDir(), "none")}, "ClientKeytab"},
	} {
		_, _, err := windowsClient("b", c.w, nil, nil)
		require.ErrorIs(t, err, ErrConfig)
		assert.Contains(t, err.Error(), c.want)
	}
	_, err := windowsService("b", &WindowsCredentials{}, nil, nil)
	require.ErrorIs(t, err, ErrConfig)
	assert.Contains(t, err.Error(), "ServiceKeytab")
	_, err = windowsService("b", &WindowsCredentials{ServiceKeytab: filepath.Join(t.TempDir(), "none")}, nil, nil)
	require.ErrorIs(t, err, ErrConfig)
}

// TestWindowsMechanisms: the mechanisms the binding builds from Windows
// credentials (password or keytab) authenticate against the real KDC and
// carry a session key from service to client, through the negotiation
// engine's Mechanism interface alone.
func TestWindowsMechanisms(t *testing.T) {
	k := testkdc.Start(t)
	newAcc, err := windowsService("b", &WindowsCredentials{ServiceKeytab: k.ServiceKeytab, ServicePrincipal: k.ServiceSPN}, nil, nil)
	require.NoError(t, err)
	for name, w := range map[string]*WindowsCredentials{
		"password": {Krb5Conf: k.Krb5Conf, UserName: k.User + "@" + k.Realm, Password: wssecurity.Secret(k.UserPassword), SPN: k.ServiceSPN},
		"keytab":   {Krb5Conf: k.Krb5Conf, UserName: k.User, ClientKeytab: k.UserKeytab, SPN: k.ServiceSPN},
	} {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			newIni, cl, err := windowsClient("b", w, nil, nil)
			require.NoError(t, err)
			defer cl.Destroy()
			ini, err := newIni(ctx)
			require.NoError(t, err)
			acc, err := newAcc(ctx)
			require.NoError(t, err)
			tok, done, err := ini.Step(ctx, nil)
			require.NoError(t, err)
			require.False(t, done)
			resp, done, err := acc.Step(ctx, tok)
			require.NoError(t, err)
			require.True(t, done)
			_, done, err = ini.Step(ctx, resp)
			require.NoError(t, err)
			require.True(t, done)
			key := make([]byte, 32)
			_, _ = rand.Read(key)
			blob, err := acc.Wrap(key)
			require.NoError(t, err)
			got, err := ini.Unwrap(blob)
			require.NoError(t, err)
			assert.Equal(t, key, got)
			assert.Equal(t, acc.WrapAlgorithm(), "http://schemas.xmlsoap.org/2005/02/trust/spnego#GSS_Wrap")
		})
	}
}

// TestWindowsBinding: WCF's default wsHttpBinding and ws2007HttpBinding
// (Message security, ClientCredentialType Windows, NegotiateServiceCredential
// and EstablishSecurityContext true) and the same without the outer session,
// Go client to Go service over HTTP, the credentials from the real KDC: the
// service's application sees the Kerberos client.
func TestWindowsBinding(t *testing.T) {
	k := testkdc.Start(t)
	clientCreds := Credentials{Windows: &WindowsCredentials{Krb5Conf: k.Krb5Conf, UserName: k.User,
		Password: wssecurity.Secret(k.UserPassword), SPN: k.ServiceSPN}}
	serviceCreds := Credentials{Windows: &WindowsCredentials{ServiceKeytab: k.ServiceKeytab}}
	noSC := func(b Binding) Binding { b.Security.Message.EstablishSecurityContext = false; return b }
	for _, tc := range []struct {
		name   string
		b      Binding
		preset string
	}{
		{"WSHttp/defaults", WSHttpBinding(), "SecureConversation(SspiNegotiation)"},
		{"WS2007Http/defaults", WS2007HttpBinding(), "SecureConversation(SspiNegotiation)"},
		{"WSHttp/no EstablishSecurityContext", noSC(WSHttpBinding()), "SspiNegotiation"},
		{"WS2007Http/no EstablishSecurityContext", noSC(WS2007HttpBinding()), "SspiNegotiation"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := tc.b.plan()
			require.NoError(t, err)
			assert.Equal(t, tc.preset, p.preset)
			h, err := NewHandler(whoami(), tc.b, serviceCreds)
			require.NoError(t, err)
			srv, opts := startServer(t, h, false)
			c, err := NewClient(srv.URL+"/svc", tc.b, clientCreds, opts...)
			require.NoError(t, err)
			ctx := context.Background()
			for i := 0; i < 2; i++ {
				got, err := call(ctx, c)
				require.NoError(t, err, "call %d", i)
				assert.Equal(t, "alice@SOAPSTACK.TEST windows session", got)
			}
			assert.NotEmpty(t, c.Session())
			require.NoError(t, c.Close(ctx))
		})
	}
}

// TestWindowsBindingErrors: the Windows cases WCF maps to something other
// than SPNEGO are refused, and missing Kerberos credentials name the field.
func TestWindowsBindingErrors(t *testing.T) {
	b := WSHttpBinding()
	b.Security.Message.NegotiateServiceCredential = false
	_, err := b.plan()
	assert.ErrorIs(t, err, ErrNotSupported)
	b = WSHttpBinding()
	b.Security.Mode = ModeTransportWithMessageCredential
	_, err = b.plan()
	assert.ErrorIs(t, err, ErrNotSupported)
	_, err = NewClient("http://x/svc", WSHttpBinding(), Credentials{})
	require.ErrorIs(t, err, ErrConfig)
	assert.Contains(t, err.Error(), "Credentials.Windows")
	_, err = NewHandler(whoami(), WSHttpBinding(), Credentials{})
	require.ErrorIs(t, err, ErrConfig)
	assert.Contains(t, err.Error(), "ServiceKeytab")
}
