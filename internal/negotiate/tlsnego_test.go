package negotiate

import (
	"context"
	"crypto/x509"
	"crypto/x509/pkix"
	"net"
	"testing"
	"time"

	"github.com/soapstack/soapstack/internal/leakcheck"
	"github.com/soapstack/soapstack/internal/wstrust"
	"github.com/soapstack/soapstack/wssecurity"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestMatchDNS checks the service identity rule of WCF's
// X509CertificateClaimSet: the dNSName entries when there are any (with
// wildcards and IP addresses as Go's VerifyHostname), else the subject CN.
func TestMatchDNS(t *testing.T) {
	san := &x509.Certificate{Subject: pkix.Name{CommonName: "cn.example"}, DNSNames: []string{"svc.example", "*.farm.example"},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}}
	cnOnly := &x509.Certificate{Subject: pkix.Name{CommonName: "cn.example"}}
	for _, tc := range []struct {
		cert *x509.Certificate
		name string
		ok   bool
	}{
		{san, "svc.example", true},
		{san, "SVC.example.", true},
		{san, "node1.farm.example", true},
		{san, "127.0.0.1", true},
		{san, "cn.example", false}, // the CN does not count beside dNSNames
		{san, "other.example", false},
		{cnOnly, "cn.example", true},
		{cnOnly, "CN.EXAMPLE", true},
		{cnOnly, "other.example", false},
	} {
		err := matchDNS(tc.cert, tc.name)
		if tc.ok {
			assert.NoError(t, err, tc.name)
		} else {
			assert.ErrorIs(t, err, ErrServiceIdentity, tc.name)
		}
	}
}

// TestConfigErrors: a misconfigured initiator, acceptor or TLS mechanism
// is an error when it is built, naming the field.
func TestConfigErrors(t *testing.T) {
	p := newPKI(t)
	mech := func(context.Context) (Mechanism, error) { return nil, nil }
	for _, tc := range []struct {
		name string
		err  func() error
		want string
	}{
		{"initiator version", func() error { _, err := NewInitiator(InitiatorConfig{NewMechanism: mech}); return err }, "Version"},
		{"initiator mechanism", func() error { _, err := NewInitiator(InitiatorConfig{Version: wstrust.V13}); return err }, "NewMechanism"},
		{"initiator key size", func() error {
			_, err := NewInitiator(InitiatorConfig{Version: wstrust.V13, NewMechanism: mech, KeySize: 100})
			return err
		}, "KeySize"},
		{"acceptor key sizes", func() error {
			_, err := NewAcceptor(AcceptorConfig{Version: wstrust.V13, NewMechanism: mech, KeySize: 64})
			return err
		}, "key sizes"},
		{"acceptor negative bound", func() error {
			_, err := NewAcceptor(AcceptorConfig{Version: wstrust.V13, NewMechanism: mech, MaxPending: -1})
			return err
		}, "MaxPending"},
		{"client without trust", func() error { _, err := NewTLSClient(TLSClientConfig{DNSIdentity: "x"}); return err }, "Trust"},
		{"client without identity", func() error { _, err := NewTLSClient(TLSClientConfig{Trust: p.trust()}); return err }, "DNSIdentity"},
		{"client certificate without key", func() error {
			_, err := NewTLSClient(TLSClientConfig{Trust: p.trust(), DNSIdentity: "x", Certificate: &wssecurity.Certificate{Cert: p.client.Cert}})
			return err
		}, "Certificate"},
		{"server without key", func() error {
			_, err := NewTLSServer(TLSServerConfig{Certificate: &wssecurity.Certificate{Cert: p.service.Cert}})
			return err
		}, "Certificate"},
		{"server requires clients without trust", func() error {
			_, err := NewTLSServer(TLSServerConfig{Certificate: p.service, RequireClientCertificate: true})
			return err
		}, "ClientTrust"},
	} {
		err := tc.err()
		if assert.Error(t, err, tc.name) {
			assert.Contains(t, err.Error(), tc.want, tc.name)
		}
	}
}

// TestNoGoroutineLeft: the handshake goroutines end with their
// negotiations: completed, failed on either side, or abandoned and
// expired.
func TestNoGoroutineLeft(t *testing.T) {
	p := newPKI(t)
	check := leakcheck.Goroutines(t, 2*time.Second)
	for _, v := range tVersions {
		in, w := tPair(t, v, p, true, 0, 0)
		_, err := in.Negotiate(context.Background(), w)
		require.NoError(t, err)
		// A client that fails on the service's flight (wrong identity).
		bad, err := NewTLSClient(TLSClientConfig{Trust: p.trust(), DNSIdentity: "other.example"})
		require.NoError(t, err)
		in.cfg.NewMechanism = bad
		_, err = in.Negotiate(context.Background(), w)
		require.Error(t, err)
		// Its abandoned negotiation waits on the service until it expires
		// and is purged (when the table fills; here directly).
		require.Equal(t, 1, w.acc.Pending())
		now := time.Now().Add(2 * DefaultNegotiationTimeout)
		w.acc.cfg.Now = func() time.Time { return now }
		w.acc.pending.mu.Lock()
		w.acc.pending.purge(now)
		w.acc.pending.mu.Unlock()
		require.Equal(t, 0, w.acc.Pending())
	}
	check()
}
