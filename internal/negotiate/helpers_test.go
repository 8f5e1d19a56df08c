package negotiate

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/beevik/etree"
	"github.com/soapstack/soapstack/internal/wstrust"
	"github.com/soapstack/soapstack/secureconv"
	"github.com/soapstack/soapstack/soap"
	"github.com/soapstack/soapstack/wssecurity"
	"github.com/stretchr/testify/require"
)

// tPKI is a throwaway CA with a service and a client certificate.
type tPKI struct {
	ca      *x509.Certificate
	service *wssecurity.Certificate
	client  *wssecurity.Certificate
	dir     string // PEM files for the Python peer
}

func tCert(t testing.TB, tmpl *x509.Certificate, parent *x509.Certificate, parentKey *ecdsa.PrivateKey) (*x509.Certificate, *ecdsa.PrivateKey) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	if parent == nil {
		parent, parentKey = tmpl, key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, parentKey)
	require.NoError(t, err)
	c, err := x509.ParseCertificate(der)
	require.NoError(t, err)
	return c, key
}

func newPKI(t testing.TB) *tPKI {
	t.Helper()
	now := time.Now()
	ca, caKey := tCert(t, &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "tlsnego test CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature}, nil, nil)
	svc, svcKey := tCert(t, &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "service.example"},
		DNSNames: []string{"service.example"}, NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}, ca, caKey)
	cli, cliKey := tCert(t, &x509.Certificate{SerialNumber: big.NewInt(3), Subject: pkix.Name{CommonName: "client"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}, ca, caKey)
	p := &tPKI{ca: ca, service: &wssecurity.Certificate{Cert: svc, Key: svcKey}, client: &wssecurity.Certificate{Cert: cli, Key: cliKey}, dir: t.TempDir()}
	write := func(name string, blocks ...*pem.Block) {
		var b bytes.Buffer
		for _, bl := range blocks {
			require.NoError(t, pem.Encode(&b, bl))
		}
		require.NoError(t, os.WriteFile(filepath.Join(p.dir, name), b.Bytes(), 0o600))
	}
	keyBlock := func(k *ecdsa.PrivateKey) *pem.Block {
		der, err := x509.MarshalPKCS8PrivateKey(k)
		require.NoError(t, err)
		return &pem.Block{Type: "PRIVATE KEY", Bytes: der}
	}
	write("ca.pem", &pem.Block{Type: "CERTIFICATE", Bytes: ca.Raw})
	write("service.pem", &pem.Block{Type: "CERTIFICATE", Bytes: svc.Raw}, keyBlock(svcKey))
	write("client.pem", &pem.Block{Type: "CERTIFICATE", Bytes: cli.Raw}, keyBlock(cliKey))
	return p
}

func (p *tPKI) trust() *wssecurity.TrustStore {
	return wssecurity.NewTrustStore(wssecurity.WithRoots(p.ca))
}

// tIssuer issues a bare SCT for a completed negotiation and records it.
type tIssuer struct {
	v    wstrust.Version
	key  []byte
	peer *soap.Principal
}

func (ti *tIssuer) issue(ctx context.Context, peer *soap.Principal, key []byte) (*secureconv.NegotiatedToken, error) {
	ti.key, ti.peer = append([]byte(nil), key...), peer
	sct := &wstrust.SecurityContextToken{Version: ti.v, ID: "uuid-sct-1", Identifier: "urn:uuid:negotiated-1"}
	now := time.Now()
	return &secureconv.NegotiatedToken{Element: sct.Build(ti.v), Attached: sct.AttachedReference(ti.v),
		Unattached: sct.UnattachedReference(ti.v), Key: key, Created: now, Expires: now.Add(time.Hour)}, nil
}

// tWire is a transport that serializes every message, as HTTP would, and
// hands it to the acceptor; tap sees each request and answer on the wire.
type tWire struct {
	acc       *Acceptor
	iss       *tIssuer
	tap       func(req, resp []byte)
	alter     func(leg int, req []byte) []byte
	alterResp func(leg int, resp []byte) []byte
	leg       int
}

func (w *tWire) Call(ctx context.Context, req *soap.Message) (*soap.Message, error) {
	b, err := req.Bytes()
	if err != nil {
		return nil, err
	}
	w.leg++
	if w.alter != nil {
		b = w.alter(w.leg, b)
	}
	in, err := soap.ParseMessage(b, soap.Limits{})
	if err != nil {
		return nil, err
	}
	if !w.acc.Accepts(in) {
		return nil, soap.SenderFault("not a negotiation leg")
	}
	resp, err := w.acc.Negotiate(ctx, in, w.iss.issue)
	if err != nil {
		return nil, err
	}
	rb, err := resp.Bytes()
	if err != nil {
		return nil, err
	}
	if w.tap != nil {
		w.tap(b, rb)
	}
	if w.alterResp != nil {
		rb = w.alterResp(w.leg, rb)
	}
	return soap.ParseMessage(rb, soap.Limits{})
}

// body returns the body payload of a serialized message.
func body(t *testing.T, b []byte) *etree.Element {
	t.Helper()
	m, err := soap.ParseMessage(b, soap.Limits{})
	require.NoError(t, err)
	return m.Payload()
}

var tVersions = []wstrust.Version{wstrust.V200502, wstrust.V13}

// mutate parses a serialized message, lets f change it, and serializes it
// again.
func mutate(t *testing.T, b []byte, f func(m *soap.Message)) []byte {
	t.Helper()
	m, err := soap.ParseMessage(b, soap.Limits{})
	require.NoError(t, err)
	f(m)
	out, err := m.Bytes()
	require.NoError(t, err)
	return out
}

// find returns the first descendant of el with the local name.
func find(el *etree.Element, local string) *etree.Element {
	for _, c := range el.ChildElements() {
		if c.Space != "" && c.Tag == local || c.Tag == local {
			return c
		}
		if f := find(c, local); f != nil {
			return f
		}
	}
	return nil
}
