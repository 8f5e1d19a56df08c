package wssecurity

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"log/slog"
	"math/big"
	mathrand "math/rand/v2"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/soapstack/soapstack/internal/wsse"
	"github.com/soapstack/soapstack/soap"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// pair is a client and a server layer joined by a transport that passes
// the bytes (and lets a test keep or change them); app sees the server's
// context.
type pair struct {
	client  soap.Invoker
	server  soap.Handler
	calls   atomic.Int32
	lastReq []byte
	// ctx is the context of each server call (tlsContext by default).
	ctx func(context.Context) context.Context
	// principal is the principal the application saw last.
	principal atomic.Pointer[soap.Principal]
}

func newPair(t *testing.T, cp, sp Policy, ccfg, scfg Config) *pair {
	t.Helper()
	pr := &pair{ctx: tlsContext}
	app := soap.HandlerFunc(func(ctx context.Context, req *soap.Message) (*soap.Message, error) {
		pr.calls.Add(1)
		if p, ok := soap.PrincipalFromContext(ctx); ok {
			pr.principal.Store(p)
		}
		if h := req.FindHeader("urn:custom", "Secret"); h != nil {
			req.MarkUnderstood(h)
		}
		return soap.Reply(req, "urn:echoResponse", req.Payload().Copy())
	})
	sl, err := ServerLayer(sp, scfg)
	require.NoError(t, err)
	pr.server = soap.ChainHandler(app, sl)
	cl, err := ClientLayer(cp, ccfg)
	require.NoError(t, err)
	pr.client = soap.ChainInvoker(soap.InvokerFunc(func(ctx context.Context, req *soap.Message) (*soap.Message, error) {
		in := wire(t, req)
		pr.lastReq, _ = in.Bytes()
		resp, err := pr.server.ServeSOAP(pr.ctx(ctx), in)
		if err != nil {
			return nil, err
		}
		return wire(t, resp), nil
	}), cl)
	return pr
}

// resend parses b and gives it to the server as a new request.
func (pr *pair) resend(t *testing.T, b []byte) error {
	t.Helper()
	m, err := soap.ParseMessage(b, soap.Limits{})
	require.NoError(t, err)
	_, err = pr.server.ServeSOAP(pr.ctx(context.Background()), m)
	return err
}

func call(pr *pair, t *testing.T) error {
	_, err := pr.client.Call(context.Background(), echoRequest(t, "hello"))
	return err
}

// TestTransportBindingNeedsTLS: a TransportBinding request that did not
// arrive over TLS is refused (ErrInsecureTransport) unless the server
// allows an insecure transport; the app never runs.
func TestTransportBindingNeedsTLS(t *testing.T) {
	pki := newTestPKI(t)
	ccfg, scfg := pki.configs()
	ccfg.AllowInsecureTransport = true // the in-memory transport is not soap.HTTPClient
	p := UserNameOverTransport()
	tests := []struct {
		name  string
		ctx   func(context.Context) context.Context
		allow bool
		want  error
	}{
		{"over TLS", tlsContext, false, nil},
		{"plain HTTP", func(ctx context.Context) context.Context {
			return soap.NewContextWithPeer(ctx, &soap.Peer{URL: "http://svc/"})
		}, false, ErrInsecureTransport},
		{"no peer at all", func(ctx context.Context) context.Context { return ctx }, false, ErrInsecureTransport},
		{"plain HTTP, AllowInsecureTransport", func(ctx context.Context) context.Context { return ctx }, true, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := scfg
			s.AllowInsecureTransport = tt.allow
			pr := newPair(t, p, p, ccfg, s)
			pr.ctx = tt.ctx
			err := call(pr, t)
			if tt.want == nil {
				require.NoError(t, err)
				assert.Equal(t, int32(1), pr.calls.Load())
				return
			}
			f, ok := soap.AsFault(err)
			require.True(t, ok, "want a fault, got %v", err)
			assert.Equal(t, soap.CodeSender, f.Code)
			assert.ErrorIs(t, f, tt.want)
			assert.Zero(t, pr.calls.Load(), "the app must not run")
		})
	}
}

// TestTransportBindingClientRefusesHTTP: the client marks TransportBinding
// requests so that soap.HTTPClient refuses an http:// URL, unless
// AllowInsecureTransport; over https the request goes through.
func TestTransportBindingClientRefusesHTTP(t *testing.T) {
	pki := newTestPKI(t)
	ccfg, scfg := pki.configs()
	p := UserNameOverTransport()
	sl, err := ServerLayer(p, scfg)
	require.NoError(t, err)
	var calls atomic.Int32
	h := soap.NewHTTPHandler(soap.ChainHandler(soap.HandlerFunc(func(ctx context.Context, req *soap.Message) (*soap.Message, error) {
		calls.Add(1)
		return soap.Reply(req, "urn:echoResponse", req.Payload().Copy())
	}), sl), soap.WithToCheck(false)) // the request's To is http://svc/
	plain := httptest.NewServer(h)
	defer plain.Close()
	secure := httptest.NewTLSServer(h)
	defer secure.Close()

	cl, err := ClientLayer(p, ccfg)
	require.NoError(t, err)
	_, err = soap.ChainInvoker(soap.NewHTTPClient(plain.URL), cl).Call(context.Background(), echoRequest(t, "x"))
	require.ErrorIs(t, err, soap.ErrInsecureTransport)
	assert.Zero(t, calls.Load())

	_, err = soap.ChainInvoker(soap.NewHTTPClient(secure.URL, soap.WithHTTPClient(secure.Client())), cl).Call(context.Background(), echoRequest(t, "x"))
	require.NoError(t, err, "over https")
	assert.Equal(t, int32(1), calls.Load())

	// A client allowed to use plain HTTP sends; the server, not allowed,
	// refuses with a Sender fault.
	insecure := ccfg
	insecure.AllowInsecureTransport = true
	cl2, err := ClientLayer(p, insecure)
	require.NoError(t, err)
	_, err = soap.ChainInvoker(soap.NewHTTPClient(plain.URL), cl2).Call(context.Background(), echoRequest(t, "x"))
	f, ok := soap.AsFault(err)
	require.True(t, ok, "want a fault, got %v", err)
	assert.Equal(t, soap.CodeSender, f.Code)
	assert.Equal(t, int32(1), calls.Load(), "the app must not run")
}

// TestReplayTransportBinding: a byte-identical UserNameOverTransport
// request sent twice runs the app once, with the default configuration
// (no replay setting on the username validator).
func TestReplayTransportBinding(t *testing.T) {
	pki := newTestPKI(t)
	ccfg, scfg := pki.configs()
	p := UserNameOverTransport()
	pr := newPair(t, p, p, ccfg, scfg)
	require.NoError(t, call(pr, t))
	require.Equal(t, int32(1), pr.calls.Load())
	err := pr.resend(t, pr.lastReq)
	f, ok := soap.AsFault(err)
	require.True(t, ok, "want a fault, got %v", err)
	assert.Equal(t, FaultInvalidSecurity, f.Subcode().Local)
	assert.ErrorIs(t, f, ErrReplay)
	assert.Equal(t, int32(1), pr.calls.Load(), "the app ran once")
}

// TestReplayUsesConfigClock: the default replay cache takes the time from
// Config.Now; with a clock years behind the real one (where entries would
// expire at once on the real clock) a replay is still refused.
func TestReplayUsesConfigClock(t *testing.T) {
	past := time.Date(2020, 3, 1, 12, 0, 0, 0, time.UTC)
	pki := newTestPKIValid(t, past.Add(-time.Hour), past.Add(time.Hour))
	ccfg, scfg := pki.configs()
	clock := func() time.Time { return past }
	ccfg.Now, scfg.Now = clock, clock
	for _, tt := range []struct {
		name  string
		p     Policy
		cache ReplayCache
	}{
		{"signature, default cache", AnonymousForCertificate(Basic256), nil},
		{"signature, own cache", AnonymousForCertificate(Basic256), NewMemoryReplayCache()},
		{"username nonce, default cache", UserNameOverTransport(), nil},
		{"username nonce, own cache", UserNameOverTransport(), NewMemoryReplayCache()},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p, s := tt.p, scfg
			s.Replay = tt.cache
			pr := newPair(t, p, p, ccfg, s)
			require.NoError(t, call(pr, t))
			assert.ErrorIs(t, pr.resend(t, pr.lastReq), ErrReplay)
			assert.Equal(t, int32(1), pr.calls.Load())
		})
	}
}

// newTestPKIValid is newTestPKI with certificates valid from notBefore to
// notAfter.
func newTestPKIValid(t testing.TB, notBefore, notAfter time.Time) *testPKI {
	t.Helper()
	caKey, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test CA"},
		NotBefore: notBefore, NotAfter: notAfter, IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	require.NoError(t, err)
	ca, err := x509.ParseCertificate(caDER)
	require.NoError(t, err)
	leaf := func(serial int64, cn string) *Certificate {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		require.NoError(t, err)
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: cn},
			NotBefore: notBefore, NotAfter: notAfter, DNSNames: []string{cn + ".example"},
			KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &k.PublicKey, caKey)
		require.NoError(t, err)
		c, err := x509.ParseCertificate(der)
		require.NoError(t, err)
		return &Certificate{Cert: c, Key: k}
	}
	return &testPKI{ca: ca, service: leaf(2, "service"), client: leaf(3, "client")}
}

// TestCertificateValidationUsesConfigClock: the client certificate is
// validated at Config.Now: certificates valid only at the configured
// clock verify, and certificates valid now are refused at a clock outside
// their validity.
func TestCertificateValidationUsesConfigClock(t *testing.T) {
	past := time.Date(2020, 3, 1, 12, 0, 0, 0, time.UTC)
	expired := newTestPKIValid(t, past.Add(-time.Hour), past.Add(time.Hour))
	current := newTestPKI(t)
	p := MutualCertificate(WSS11, Basic256)
	tests := []struct {
		name string
		pki  *testPKI
		at   time.Time
		ok   bool
	}{
		{"expired on the real clock, clock in its validity", expired, past, true},
		{"expired, real clock", expired, time.Time{}, false},
		{"valid now, clock in its validity", current, time.Now(), true},
		{"valid now, clock before its validity", current, past, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ccfg, scfg := tt.pki.configs()
			if !tt.at.IsZero() {
				at := tt.at
				ccfg.Now = func() time.Time { return at }
				scfg.Now = ccfg.Now
			}
			pr := newPair(t, p, p, ccfg, scfg)
			err := call(pr, t)
			if tt.ok {
				require.NoError(t, err)
				return
			}
			f, ok := soap.AsFault(err)
			require.True(t, ok, "want a fault, got %v", err)
			assert.ErrorIs(t, f, ErrFailedAuthentication)
			var invalid x509.CertificateInvalidError
			require.ErrorAs(t, f, &invalid, "the chain validation refused it")
			assert.Equal(t, x509.Expired, invalid.Reason)
			assert.Zero(t, pr.calls.Load())
		})
	}
}

// TestDefaultLogger: a layer without Logger logs rejections to
// slog.Default(), not to a discard handler.
func TestDefaultLogger(t *testing.T) {
	var buf bytes.Buffer
	old := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(&buf, nil)))
	defer slog.SetDefault(old)
	pki := newTestPKI(t)
	ccfg, scfg := pki.configs()
	ccfg.Password = "wrong"
	pr := newPair(t, UserNameForCertificate(Basic256), UserNameForCertificate(Basic256), ccfg, scfg)
	require.Error(t, call(pr, t))
	assert.Contains(t, buf.String(), "wssecurity: request rejected")
	assert.NotContains(t, buf.String(), "wrong", "no password in the log")
}

// TestOneRandomSource: with a fixed Now and a seeded Config.Rand, securing
// the same request twice gives the same bytes under every preset: every
// key, nonce, IV, padding and id comes from Config.Rand. The one exception
// is the padding of RSA-1.5 key transport, which crypto/rsa draws from
// crypto/rand itself since Go 1.26 (EncryptPKCS1v15 ignores its Reader), so
// those EncryptedKeys' CipherValues differ.
func TestOneRandomSource(t *testing.T) {
	pki := newTestPKI(t)
	ccfg, _ := pki.configs()
	at := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	ccfg.Now = func() time.Time { return at }
	ccfg.AllowInsecureTransport = true
	orig, err := echoRequest(t, "x").Bytes() // its MessageID is drawn once
	require.NoError(t, err)
	for name, p := range presets() {
		t.Run(name, func(t *testing.T) {
			secure := func(seed byte) string {
				c := ccfg
				c.Rand = mathrand.NewChaCha8([32]byte{seed})
				m, err := soap.ParseMessage(orig, soap.Limits{})
				require.NoError(t, err)
				_, err = SecureRequest(context.Background(), p, &c, m)
				require.NoError(t, err)
				if p.Suite.algorithms().AsymmetricKeyWrap == wsse.AlgRSA15 {
					for _, cv := range m.Envelope.FindElements("//EncryptedKey/CipherData/CipherValue") {
						cv.SetText("(RSA-1.5: crypto/rand)")
					}
				}
				b, err := m.Bytes()
				require.NoError(t, err)
				return string(b)
			}
			first := secure(7)
			assert.Equal(t, first, secure(7), "the same seed gives the same message")
			assert.NotEqual(t, first, secure(8), "another seed gives another message")
		})
	}
}
