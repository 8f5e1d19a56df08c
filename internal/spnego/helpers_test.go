package spnego

import (
	"context"
	"crypto/rand"
	"testing"

	"github.com/jcmturner/gokrb5/v8/client"
	"github.com/jcmturner/gokrb5/v8/config"
	"github.com/jcmturner/gokrb5/v8/keytab"
	"github.com/soapstack/soapstack/internal/testkdc"
	"github.com/stretchr/testify/require"
)

// realm is a running KDC with a client and a service set up against it.
type realm struct {
	kdc *testkdc.KDC
	cfg *config.Config
	kt  *keytab.Keytab
}

func startRealm(t testing.TB) *realm {
	t.Helper()
	k := testkdc.Start(t)
	cfg, err := config.Load(k.Krb5Conf)
	require.NoError(t, err)
	kt, err := keytab.Load(k.ServiceKeytab)
	require.NoError(t, err)
	return &realm{kdc: k, cfg: cfg, kt: kt}
}

// client returns a gokrb5 client of the realm's user (password).
func (r *realm) client(t testing.TB) *client.Client {
	t.Helper()
	cl := client.NewWithPassword(r.kdc.User, r.kdc.Realm, r.kdc.UserPassword, r.cfg, client.DisablePAFXFAST(true))
	t.Cleanup(cl.Destroy)
	return cl
}

func (r *realm) initiator(t testing.TB, mod func(*InitiatorConfig)) *Initiator {
	t.Helper()
	c := InitiatorConfig{Client: r.client(t), SPN: r.kdc.ServiceSPN}
	if mod != nil {
		mod(&c)
	}
	in, err := NewInitiator(c)
	require.NoError(t, err)
	return in
}

func (r *realm) service(t testing.TB, mod func(*ServiceConfig)) *Service {
	t.Helper()
	c := ServiceConfig{Keytab: r.kt, Principal: r.kdc.ServiceSPN + "@" + r.kdc.Realm}
	if mod != nil {
		mod(&c)
	}
	s, err := NewService(c)
	require.NoError(t, err)
	return s
}

// handshake runs initiator and acceptor to completion and returns the
// acceptor's reply.
func handshake(t testing.TB, in *Initiator, acc *Acceptor) []byte {
	t.Helper()
	ctx := context.Background()
	tok, done, err := in.Step(ctx, nil)
	require.NoError(t, err)
	require.False(t, done)
	resp, done, err := acc.Step(ctx, tok)
	require.NoError(t, err)
	require.True(t, done)
	out, done, err := in.Step(ctx, resp)
	require.NoError(t, err)
	require.True(t, done)
	require.Nil(t, out)
	return resp
}

func randomKey(t testing.TB) []byte {
	k := make([]byte, 32)
	_, err := rand.Read(k)
	require.NoError(t, err)
	return k
}
