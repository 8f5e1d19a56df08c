package negotiate

import (
	"context"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/soapstack/soapstack/soap"
	"github.com/soapstack/soapstack/wssecurity"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestNegotiationAttacks tampers with one leg of a TLSNEGO negotiation and
// asserts which defence refused it.
func TestNegotiationAttacks(t *testing.T) {
	p := newPKI(t)
	// exchangeOf returns the BinaryExchange of a message's leg.
	setBlob := func(t *testing.T, b []byte, f func([]byte) []byte) []byte {
		return mutate(t, b, func(m *soap.Message) {
			x := find(m.Payload(), "BinaryExchange")
			require.NotNil(t, x)
			blob, err := base64.StdEncoding.DecodeString(x.Text())
			require.NoError(t, err)
			x.SetText(base64.StdEncoding.EncodeToString(f(blob)))
		})
	}
	cases := []struct {
		name      string
		tls12     bool
		alter     func(t *testing.T, leg int, b []byte) []byte
		alterResp func(t *testing.T, leg int, b []byte) []byte
		want      error
	}{
		{name: "untouched", want: nil},
		{name: "client leg with another Context", want: ErrUnknownContext, alter: func(t *testing.T, leg int, b []byte) []byte {
			if leg != 2 {
				return b
			}
			return mutate(t, b, func(m *soap.Message) { m.Payload().CreateAttr("Context", "uuid-other") })
		}},
		{name: "service leg with another Context", want: ErrContextMismatch, alterResp: func(t *testing.T, leg int, b []byte) []byte {
			if leg != 1 {
				return b
			}
			return mutate(t, b, func(m *soap.Message) { m.Payload().CreateAttr("Context", "uuid-other") })
		}},
		{name: "authenticator of another Context", want: ErrContextMismatch, alterResp: func(t *testing.T, leg int, b []byte) []byte {
			if leg != 2 {
				return b
			}
			return mutate(t, b, func(m *soap.Message) { m.Payload().ChildElements()[1].CreateAttr("Context", "uuid-other") })
		}},
		{name: "wrong CombinedHash", want: ErrAuthenticator, alterResp: func(t *testing.T, leg int, b []byte) []byte {
			if leg != 2 {
				return b
			}
			return mutate(t, b, func(m *soap.Message) {
				ch := find(m.Payload(), "CombinedHash")
				h, _ := base64.StdEncoding.DecodeString(ch.Text())
				h[0] ^= 1
				ch.SetText(base64.StdEncoding.EncodeToString(h))
			})
		}},
		{name: "CombinedHash removed", want: ErrAuthenticator, alterResp: func(t *testing.T, leg int, b []byte) []byte {
			if leg != 2 {
				return b
			}
			return mutate(t, b, func(m *soap.Message) {
				a := find(m.Payload(), "Authenticator")
				a.Parent().RemoveChild(a)
			})
		}},
		{name: "final Lifetime changed (digested, not seen by TLS)", want: ErrAuthenticator, alterResp: func(t *testing.T, leg int, b []byte) []byte {
			if leg != 2 {
				return b
			}
			return mutate(t, b, func(m *soap.Message) { find(m.Payload(), "Expires").SetText("2099-01-01T00:00:00.000Z") })
		}},
		{name: "service leg re-encoded (same blob, other text)", want: ErrAuthenticator, alterResp: func(t *testing.T, leg int, b []byte) []byte {
			if leg != 1 {
				return b
			}
			return mutate(t, b, func(m *soap.Message) {
				x := find(m.Payload(), "BinaryExchange")
				x.SetText(x.Text()[:8] + "\n" + x.Text()[8:])
			})
		}},
		{name: "truncated ClientHello", want: ErrMechanism, alter: func(t *testing.T, leg int, b []byte) []byte {
			if leg != 1 {
				return b
			}
			return setBlob(t, b, func(x []byte) []byte { return x[:len(x)/2] })
		}},
		{name: "garbage client Finished", want: ErrMechanism, alter: func(t *testing.T, leg int, b []byte) []byte {
			if leg != 2 {
				return b
			}
			return setBlob(t, b, func(x []byte) []byte { return []byte(strings.Repeat("\x16\x03\x03\x00\x05hello", 3)) })
		}},
		{name: "truncated service flight", want: ErrMechanism, alterResp: func(t *testing.T, leg int, b []byte) []byte {
			if leg != 1 {
				return b
			}
			return setBlob(t, b, func(x []byte) []byte { return x[:len(x)-7] })
		}},
		{name: "truncated TLS 1.2 server Finished", tls12: true, want: ErrMechanism, alterResp: func(t *testing.T, leg int, b []byte) []byte {
			if leg != 2 {
				return b
			}
			return setBlob(t, b, func(x []byte) []byte { return x[:len(x)-1] })
		}},
		{name: "truncated wrapped key", want: ErrProofToken, alterResp: func(t *testing.T, leg int, b []byte) []byte {
			if leg != 2 {
				return b
			}
			return mutate(t, b, func(m *soap.Message) {
				cv := find(m.Payload(), "CipherValue")
				k, _ := base64.StdEncoding.DecodeString(cv.Text())
				cv.SetText(base64.StdEncoding.EncodeToString(k[:len(k)-3]))
			})
		}},
		{name: "proof wrapped by another algorithm", want: ErrProofToken, alterResp: func(t *testing.T, leg int, b []byte) []byte {
			if leg != 2 {
				return b
			}
			return mutate(t, b, func(m *soap.Message) { find(m.Payload(), "EncryptionMethod").CreateAttr("Algorithm", AlgGSSWrap) })
		}},
		{name: "blob not base64", want: ErrMalformed, alterResp: func(t *testing.T, leg int, b []byte) []byte {
			if leg != 1 {
				return b
			}
			return mutate(t, b, func(m *soap.Message) { find(m.Payload(), "BinaryExchange").SetText("!!!") })
		}},
		{name: "blob over MaxBlobSize", want: ErrMalformed, alter: func(t *testing.T, leg int, b []byte) []byte {
			if leg != 1 {
				return b
			}
			return setBlob(t, b, func(x []byte) []byte { return make([]byte, MaxBlobSize+1) })
		}},
		{name: "SPNEGO ValueType to the TLSNEGO acceptor", want: ErrValueType, alter: func(t *testing.T, leg int, b []byte) []byte {
			if leg != 1 {
				return b
			}
			return mutate(t, b, func(m *soap.Message) {
				find(m.Payload(), "BinaryExchange").CreateAttr("ValueType", ValueTypeSPNego200502)
			})
		}},
		{name: "client leg sent as a first leg", want: ErrProtocol, alter: func(t *testing.T, leg int, b []byte) []byte {
			if leg != 2 {
				return b
			}
			return mutate(t, b, func(m *soap.Message) {
				a := m.Addressing
				a.Action = act200502RST
				m.SetAddressing(a)
			})
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var max uint16
			if tc.tls12 {
				max = tls.VersionTLS12
			}
			in, w := tPair(t, tVersions[0], p, false, max, 0)
			if tc.alter != nil {
				w.alter = func(leg int, b []byte) []byte { return tc.alter(t, leg, b) }
			}
			if tc.alterResp != nil {
				w.alterResp = func(leg int, b []byte) []byte { return tc.alterResp(t, leg, b) }
			}
			_, err := in.Negotiate(context.Background(), w)
			if tc.want == nil {
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.ErrorIs(t, err, tc.want)
		})
	}
}

// TestNegotiationLegReplay replays legs of a negotiation to the acceptor.
func TestNegotiationLegReplay(t *testing.T) {
	p := newPKI(t)
	in, w := tPair(t, tVersions[1], p, false, tls.VersionTLS12, 0)
	var legs [][]byte
	w.tap = func(req, resp []byte) { legs = append(legs, req) }
	_, err := in.Negotiate(context.Background(), w)
	require.NoError(t, err)
	require.Len(t, legs, 2)
	replay := func(b []byte) error {
		m, err := soap.ParseMessage(b, soap.Limits{})
		require.NoError(t, err)
		_, err = w.acc.Negotiate(context.Background(), m, w.iss.issue)
		return err
	}
	// The last leg of a completed negotiation: its state is gone.
	assert.ErrorIs(t, replay(legs[1]), ErrUnknownContext)
	// The first leg again begins a new negotiation with the same Context
	// (the old one is complete); a second copy while it is pending is
	// refused, and the old second leg fails in the new TLS handshake.
	require.NoError(t, replay(legs[0]))
	assert.ErrorIs(t, replay(legs[0]), ErrContextInUse)
	assert.ErrorIs(t, replay(legs[1]), ErrMechanism)
	assert.Equal(t, 0, w.acc.Pending(), "a failed negotiation is forgotten")
}

// TestNegotiationFlood fills the acceptor's table of pending negotiations:
// first legs beyond MaxPending are refused until pending ones expire.
func TestNegotiationFlood(t *testing.T) {
	p := newPKI(t)
	now := time.Now()
	clock := func() time.Time { return now }
	newServer, err := NewTLSServer(TLSServerConfig{Certificate: p.service})
	require.NoError(t, err)
	acc, err := NewAcceptor(AcceptorConfig{Version: tVersions[0], NewMechanism: newServer, MaxPending: 4, Timeout: time.Minute, Now: clock})
	require.NoError(t, err)
	newClient, err := NewTLSClient(TLSClientConfig{Trust: p.trust(), DNSIdentity: "service.example"})
	require.NoError(t, err)
	in, err := NewInitiator(InitiatorConfig{Version: tVersions[0], NewMechanism: newClient})
	require.NoError(t, err)
	// Each negotiation sends its first leg and stops: the attacker's flood.
	first := soap.InvokerFunc(func(ctx context.Context, req *soap.Message) (*soap.Message, error) {
		b, err := req.Bytes()
		require.NoError(t, err)
		m, err := soap.ParseMessage(b, soap.Limits{})
		require.NoError(t, err)
		if _, err := acc.Negotiate(ctx, m, (&tIssuer{v: tVersions[0]}).issue); err != nil {
			return nil, err
		}
		return nil, errors.New("flood: no second leg")
	})
	for i := 0; i < 4; i++ {
		_, err := in.Negotiate(context.Background(), first)
		require.ErrorContains(t, err, "flood: no second leg")
	}
	assert.Equal(t, 4, acc.Pending())
	_, err = in.Negotiate(context.Background(), first)
	require.ErrorIs(t, err, ErrTooManyNegotiations)
	f, ok := soap.AsFault(err)
	require.True(t, ok)
	assert.Equal(t, soap.CodeReceiver, f.Code)
	// A whole negotiation is refused too, until the pending ones expire.
	w := &tWire{acc: acc, iss: &tIssuer{v: tVersions[0]}}
	_, err = in.Negotiate(context.Background(), w)
	require.ErrorIs(t, err, ErrTooManyNegotiations)
	now = now.Add(time.Minute)
	_, err = in.Negotiate(context.Background(), w)
	require.NoError(t, err)
	assert.Equal(t, 0, acc.Pending())
}

// TestTLSNegoDowngrade refuses TLS versions below 1.2 on both sides, and a
// service certificate that is not trusted or names another host.
func TestTLSNegoDowngrade(t *testing.T) {
	p := newPKI(t)
	ctx := context.Background()
	t.Run("client offers TLS 1.1", func(t *testing.T) {
		in, w := tPair(t, tVersions[0], p, false, 0, 0)
		newClient, err := NewTLSClient(TLSClientConfig{Trust: p.trust(), DNSIdentity: "service.example", minVersion: tls.VersionTLS10, maxVersion: tls.VersionTLS11})
		require.NoError(t, err)
		in.cfg.NewMechanism = newClient
		_, err = in.Negotiate(ctx, w)
		require.ErrorIs(t, err, ErrMechanism)
		assertCause(t, err, "client offered only unsupported versions")
	})
	t.Run("service speaks TLS 1.1 at most", func(t *testing.T) {
		in, w := tPair(t, tVersions[0], p, false, 0, 0)
		newServer, err := NewTLSServer(TLSServerConfig{Certificate: p.service, minVersion: tls.VersionTLS10, maxVersion: tls.VersionTLS11})
		require.NoError(t, err)
		w.acc.cfg.NewMechanism = newServer
		_, err = in.Negotiate(ctx, w)
		require.ErrorIs(t, err, ErrMechanism)
		assertCause(t, err, "client offered only unsupported versions")
	})
	t.Run("OpenSSL service speaks TLS 1.1 at most", func(t *testing.T) {
		in, _ := tPair(t, tVersions[0], p, false, 0, 0)
		acc, err := NewAcceptor(AcceptorConfig{Version: tVersions[0], NewMechanism: func(ctx context.Context) (Mechanism, error) {
			return newPyMech(t, "--role", "server", "--ca", filepath.Join(p.dir, "ca.pem"), "--cert", filepath.Join(p.dir, "service.pem"), "--min", "1.0", "--max", "1.1"), nil
		}})
		require.NoError(t, err)
		_, err = in.Negotiate(ctx, &tWire{acc: acc, iss: &tIssuer{v: tVersions[0]}})
		require.ErrorIs(t, err, ErrMechanism)
		assertCause(t, err, "openssl")
	})
	t.Run("OpenSSL client offers TLS 1.0-1.1", func(t *testing.T) {
		ini, err := NewInitiator(InitiatorConfig{Version: tVersions[0], NewMechanism: func(ctx context.Context) (Mechanism, error) {
			return newPyMech(t, "--role", "client", "--ca", filepath.Join(p.dir, "ca.pem"), "--hostname", "service.example", "--min", "1.0", "--max", "1.1"), nil
		}})
		require.NoError(t, err)
		_, w := tPair(t, tVersions[0], p, false, 0, 0)
		_, err = ini.Negotiate(ctx, w)
		require.Error(t, err)
		assert.ErrorIs(t, err, ErrMechanism)
		assertCause(t, err, "client offered only unsupported versions")
	})
	t.Run("untrusted service certificate", func(t *testing.T) {
		other := newPKI(t)
		in, w := tPair(t, tVersions[0], p, false, 0, 0)
		newClient, err := NewTLSClient(TLSClientConfig{Trust: other.trust(), DNSIdentity: "service.example"})
		require.NoError(t, err)
		in.cfg.NewMechanism = newClient
		_, err = in.Negotiate(ctx, w)
		require.ErrorIs(t, err, ErrMechanism)
		assert.ErrorIs(t, err, wssecurity.ErrFailedAuthentication)
	})
	t.Run("service certificate of another host", func(t *testing.T) {
		in, w := tPair(t, tVersions[0], p, false, 0, 0)
		newClient, err := NewTLSClient(TLSClientConfig{Trust: p.trust(), DNSIdentity: "other.example"})
		require.NoError(t, err)
		in.cfg.NewMechanism = newClient
		_, err = in.Negotiate(ctx, w)
		require.ErrorIs(t, err, ErrServiceIdentity)
	})
	t.Run("client certificate required, none sent", func(t *testing.T) {
		in, w := tPair(t, tVersions[0], p, false, 0, 0)
		newServer, err := NewTLSServer(TLSServerConfig{Certificate: p.service, ClientTrust: p.trust(), RequireClientCertificate: true})
		require.NoError(t, err)
		w.acc.cfg.NewMechanism = newServer
		_, err = in.Negotiate(ctx, w)
		require.ErrorIs(t, err, ErrMechanism)
	})
}

// assertCause checks the text of the Go error behind a fault the acceptor
// answered (the fault's reason never names it).
func assertCause(t *testing.T, err error, want string) {
	t.Helper()
	if f, ok := soap.AsFault(err); ok && f.Cause != nil {
		err = f.Cause
	}
	assert.Contains(t, err.Error(), want)
}
