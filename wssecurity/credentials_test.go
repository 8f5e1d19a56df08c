package wssecurity

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// tokCert issues a certificate for tmpl signed by parent (self-signed when
// parent is nil) and returns it with its new ECDSA key.
func tokCert(t testing.TB, tmpl *x509.Certificate, parent *x509.Certificate, parentKey crypto.Signer) (*x509.Certificate, *ecdsa.PrivateKey) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	if tmpl.SerialNumber == nil {
		tmpl.SerialNumber = big.NewInt(1)
	}
	if tmpl.NotBefore.IsZero() {
		tmpl.NotBefore = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		tmpl.NotAfter = time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	if parent == nil {
		parent, parentKey = tmpl, key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, key.Public(), parentKey)
	require.NoError(t, err)
	cert, err := x509.ParseCertificate(der)
	require.NoError(t, err)
	return cert, key
}

func pemBlock(typ string, der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
}

func TestLoadPEM(t *testing.T) {
	certPEM, keyPEM := tokData(t, "x509_cert.pem"), tokData(t, "x509_key.pem")
	ref, err := LoadPEM(certPEM, keyPEM) // the vector's key is PKCS#8
	require.NoError(t, err)
	require.NotNil(t, ref.Key)
	rsaKey := ref.Key.(*rsa.PrivateKey)

	ca, caKey := tokCert(t, &x509.Certificate{Subject: pkix.Name{CommonName: "ca"}, IsCA: true, BasicConstraintsValid: true}, nil, nil)
	leaf, leafKey := tokCert(t, &x509.Certificate{Subject: pkix.Name{CommonName: "leaf"}, SerialNumber: big.NewInt(2)}, ca, caKey)
	sec1, err := x509.MarshalECPrivateKey(leafKey)
	require.NoError(t, err)
	pkcs8EC, err := x509.MarshalPKCS8PrivateKey(leafKey)
	require.NoError(t, err)
	chainPEM := append(pemBlock("CERTIFICATE", leaf.Raw), pemBlock("CERTIFICATE", ca.Raw)...)

	tests := []struct {
		name      string
		cert, key []byte
		wantErr   bool
		check     func(t *testing.T, c *Certificate)
	}{
		{"PKCS#8 RSA (vector)", certPEM, keyPEM, false, nil},
		{"PKCS#1 RSA", certPEM, pemBlock("RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(rsaKey)), false, nil},
		{"SEC 1 EC with chain", chainPEM, pemBlock("EC PRIVATE KEY", sec1), false, func(t *testing.T, c *Certificate) {
			assert.True(t, leaf.Equal(c.Cert))
			require.Len(t, c.Chain, 1)
			assert.True(t, ca.Equal(c.Chain[0]))
		}},
		{"PKCS#8 EC", chainPEM, pemBlock("PRIVATE KEY", pkcs8EC), false, nil},
		{"certificate only", certPEM, nil, false, func(t *testing.T, c *Certificate) { assert.Nil(t, c.Key) }},
		{"key of another certificate", certPEM, pemBlock("EC PRIVATE KEY", sec1), true, nil},
		{"encrypted key", certPEM, pemBlock("ENCRYPTED PRIVATE KEY", []byte{1}), true, nil},
		{"no key block", certPEM, pemBlock("PUBLIC KEY", []byte{1}), true, nil},
		{"garbage key", certPEM, pemBlock("PRIVATE KEY", []byte{1, 2, 3}), true, nil},
		{"no certificate", keyPEM, keyPEM, true, nil},
		{"garbage certificate", pemBlock("CERTIFICATE", []byte{1}), nil, true, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := LoadPEM(tt.cert, tt.key)
			if tt.wantErr {
				require.Error(t, err)
				return
			}
			require.NoError(t, err)
			if tt.check != nil {
				tt.check(t, c)
			}
		})
	}
}

// TestLoadPKCS12 reads the keystore the vectors were made with.
func TestLoadPKCS12(t *testing.T) {
	ref, err := LoadPEM(tokData(t, "x509_cert.pem"), tokData(t, "x509_key.pem"))
	require.NoError(t, err)
	c, err := LoadPKCS12(tokData(t, "x509_keystore.p12"), "changeit")
	require.NoError(t, err)
	assert.True(t, ref.Cert.Equal(c.Cert), "same certificate as x509_cert.pem")
	require.NotNil(t, c.Key)
	assert.True(t, ref.Key.(*rsa.PrivateKey).Equal(c.Key), "same key as x509_key.pem")

	_, err = LoadPKCS12(tokData(t, "x509_keystore.p12"), "wrong")
	assert.Error(t, err)
	_, err = LoadPKCS12([]byte("not pkcs12"), "changeit")
	assert.Error(t, err)
}

func TestTrustStore(t *testing.T) {
	clock := func(d string) time.Time { return mustTime(t, d) }
	vector, err := LoadPEM(tokData(t, "x509_cert.pem"), nil) // valid 2026-11-22 .. 2036-11-19
	require.NoError(t, err)
	root, rootKey := tokCert(t, &x509.Certificate{Subject: pkix.Name{CommonName: "root"}, IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}, nil, nil)
	inter, interKey := tokCert(t, &x509.Certificate{Subject: pkix.Name{CommonName: "intermediate"}, SerialNumber: big.NewInt(2), IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}, root, rootKey)
	leaf, _ := tokCert(t, &x509.Certificate{Subject: pkix.Name{CommonName: "client"}, SerialNumber: big.NewInt(3), ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}, inter, interKey)
	other, _ := tokCert(t, &x509.Certificate{Subject: pkix.Name{CommonName: "client"}, SerialNumber: big.NewInt(3)}, nil, nil)

	const in2026 = "2026-12-01T00:00:00Z"
	tests := []struct {
		name  string
		store *TrustStore
		at    time.Time
		cert  *x509.Certificate
		inter []*x509.Certificate
		ok    bool
	}{
		{"pinned", NewTrustStore(WithPinned(vector.Cert)), clock(in2026), vector.Cert, nil, true},
		{"pinned, before validity", NewTrustStore(WithPinned(vector.Cert)), clock("2026-01-01T00:00:00Z"), vector.Cert, nil, false},
		{"pinned, after validity", NewTrustStore(WithPinned(vector.Cert)), clock("2037-01-01T00:00:00Z"), vector.Cert, nil, false},
		{"self-signed as root", NewTrustStore(WithRoots(vector.Cert)), clock(in2026), vector.Cert, nil, true},
		{"not pinned", NewTrustStore(WithPinned(vector.Cert)), clock(in2026), other, nil, false},
		{"chain", NewTrustStore(WithRoots(root)), clock(in2026), leaf, []*x509.Certificate{inter}, true},
		{"chain, restricted usage met", NewTrustStore(WithRoots(root), WithKeyUsages(x509.ExtKeyUsageClientAuth)), clock(in2026), leaf, []*x509.Certificate{inter}, true},
		{"chain, restricted usage unmet", NewTrustStore(WithRoots(root), WithKeyUsages(x509.ExtKeyUsageServerAuth)), clock(in2026), leaf, []*x509.Certificate{inter}, false},
		{"chain without intermediate", NewTrustStore(WithRoots(root)), clock(in2026), leaf, nil, false},
		{"chain, expired", NewTrustStore(WithRoots(root)), clock("2027-06-01T00:00:00Z"), leaf, []*x509.Certificate{inter}, false},
		{"other root", NewTrustStore(WithRoots(vector.Cert)), clock(in2026), leaf, []*x509.Certificate{inter}, false},
		{"look-alike of a pinned certificate", NewTrustStore(WithPinned(leaf)), clock(in2026), other, nil, false},
		{"empty store", NewTrustStore(), time.Time{}, vector.Cert, nil, false},
		{"nil certificate", NewTrustStore(WithRoots(root)), time.Time{}, nil, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.store.Verify(tt.cert, tt.inter, tt.at)
			if tt.ok {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, ErrFailedAuthentication)
		})
	}
}
