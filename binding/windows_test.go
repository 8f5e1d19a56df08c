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
		_, _, err := windowsClient("b", c.w)
		require.ErrorIs(t, err, ErrConfig)
		assert.Contains(t, err.Error(), c.want)
	}
	_, err := windowsService("b", &WindowsCredentials{}, nil)
	require.ErrorIs(t, err, ErrConfig)
	assert.Contains(t, err.Error(), "ServiceKeytab")
	_, err = windowsService("b", &WindowsCredentials{ServiceKeytab: filepath.Join(t.TempDir(), "none")}, nil)
	require.ErrorIs(t, err, ErrConfig)
}

// TestWindowsMechanisms: the mechanisms the binding builds from Windows
// credentials (password or keytab) authenticate against the real KDC and
// carry a session key from service to client, through the negotiation
// engine's Mechanism interface alone.
func TestWindowsMechanisms(t *testing.T) {
	k := testkdc.Start(t)
	newAcc, err := windowsService("b", &WindowsCredentials{ServiceKeytab: k.ServiceKeytab, ServicePrincipal: k.ServiceSPN}, nil)
	require.NoError(t, err)
	for name, w := range map[string]*WindowsCredentials{
		"password": {Krb5Conf: k.Krb5Conf, UserName: k.User + "@" + k.Realm, Password: wssecurity.Secret(k.UserPassword), SPN: k.ServiceSPN},
		"keytab":   {Krb5Conf: k.Krb5Conf, UserName: k.User, ClientKeytab: k.UserKeytab, SPN: k.ServiceSPN},
	} {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			newIni, cl, err := windowsClient("b", w)
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
