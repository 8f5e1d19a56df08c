package wssecurity

import (
	"context"
	"strings"
	"testing"

	"github.com/soapstack/soapstack/internal/wsse"
	"github.com/soapstack/soapstack/soap"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestCertificateOverTransport: the client certificate endorses the
// Timestamp (and wsa:To) of a transport-binding request; the application
// sees the certificate's identity.
func TestCertificateOverTransport(t *testing.T) {
	pki := newTestPKI(t)
	ccfg, scfg := pki.configs()
	p := CertificateOverTransport()
	l := newLoop(t, p, ccfg, scfg)
	var principal *soap.Principal
	l2 := newPair(t, p, p, ccfg, scfg)
	require.NoError(t, call(l2, t))
	principal = l2.principal.Load()
	require.NotNil(t, principal)
	assert.Equal(t, soap.AuthMethodX509, principal.AuthenticationMethod())
	assert.Equal(t, "CN=client", principal.Name())

	_, err := l.client.Call(context.Background(), echoRequest(t, "x"))
	require.NoError(t, err)
	m, err := soap.ParseMessage(l.lastReq, soap.Limits{})
	require.NoError(t, err)
	sec := secHeader(m)
	sig := childByTag(sec, "Signature")
	require.NotNil(t, sig, "no endorsing signature")
	require.NotNil(t, childByTag(sec, "BinarySecurityToken"), "the certificate is included")
	ts := childByTag(sec, "Timestamp")
	refs := sig.FindElements(".//Reference")
	require.NotEmpty(t, refs)
	assert.Equal(t, "#"+wsse.WSUID(ts), refs[0].SelectAttrValue("URI", ""), "the signature covers the Timestamp first")
	assert.Empty(t, wsse.WSUID(m.Body), "the Body is protected by TLS, not signed")
}

// TestCertificateOverTransportAttacks: each broken request is refused by
// the defence named.
func TestCertificateOverTransportAttacks(t *testing.T) {
	pki := newTestPKI(t)
	other := newTestPKI(t) // a CA the service does not trust
	tests := []struct {
		name   string
		client func(*Config)
		tamper func(*soap.Message)
		want   error
	}{
		{"no endorsing signature", nil, func(m *soap.Message) {
			sec := secHeader(m)
			sec.RemoveChild(childByTag(sec, "Signature"))
		}, ErrMissing},
		{"timestamp changed after signing", nil, func(m *soap.Message) {
			exp := childByTag(childByTag(secHeader(m), "Timestamp"), "Expires")
			exp.SetText(strings.Replace(exp.Text(), "Z", "1Z", 1))
		}, ErrFailedCheck},
		{"timestamp reference removed from the signature", nil, func(m *soap.Message) {
			sig := childByTag(secHeader(m), "Signature")
			si := childByTag(sig, "SignedInfo")
			for _, r := range si.SelectElements("Reference") {
				if strings.HasPrefix(r.SelectAttrValue("URI", ""), "#TS") || strings.HasPrefix(r.SelectAttrValue("URI", ""), "#_") {
					si.RemoveChild(r)
				}
			}
		}, ErrFailedCheck},
		{"untrusted certificate", func(c *Config) { c.Certificate = other.client }, nil, ErrFailedAuthentication},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ccfg, scfg := pki.configs()
			if tt.client != nil {
				tt.client(&ccfg)
			}
			l := newLoop(t, CertificateOverTransport(), ccfg, scfg)
			l.tamper = tt.tamper
			_, err := l.client.Call(context.Background(), echoRequest(t, "x"))
			f, ok := soap.AsFault(err)
			require.True(t, ok, "%v", err)
			assert.ErrorIs(t, f, tt.want, "the wrong defence fired: %v", f.Cause)
			assert.Zero(t, l.calls.Load())
		})
	}
}
