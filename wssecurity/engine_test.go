package wssecurity

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/xml"
	"math/big"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/beevik/etree"
	"github.com/soapstack/soapstack/internal/dsig"
	"github.com/soapstack/soapstack/internal/wsse"
	"github.com/soapstack/soapstack/internal/xmlenc"
	"github.com/soapstack/soapstack/soap"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// testPKI is a CA with a service and a client certificate.
type testPKI struct {
	ca      *x509.Certificate
	service *Certificate
	client  *Certificate
}

func newTestPKI(t testing.TB) *testPKI {
	t.Helper()
	caKey, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	require.NoError(t, err)
	ca, err := x509.ParseCertificate(caDER)
	require.NoError(t, err)
	leaf := func(serial int64, cn string) *Certificate {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		require.NoError(t, err)
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: cn},
			NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
			KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &k.PublicKey, caKey)
		require.NoError(t, err)
		c, err := x509.ParseCertificate(der)
		require.NoError(t, err)
		return &Certificate{Cert: c, Key: k}
	}
	return &testPKI{ca: ca, service: leaf(2, "service"), client: leaf(3, "client")}
}

type fakeUsers struct{}

func (fakeUsers) ValidateUsernameToken(ctx context.Context, ut *UsernameTokenData) error {
	v := &UsernameTokenVerifier{CheckPassword: func(ctx context.Context, user, password string) error {
		if user == "alice" && password == "clarinet" {
			return nil
		}
		return ErrFailedAuthentication
	}}
	return v.ValidateUsernameToken(ctx, ut)
}

func (pki *testPKI) configs() (client, server Config) {
	trust := NewTrustStore(WithRoots(pki.ca))
	client = Config{Certificate: pki.client, PeerCertificate: pki.service.Cert, Username: "alice", Password: "clarinet"}
	server = Config{Certificate: pki.service, Trust: trust, Usernames: fakeUsers{}}
	return client, server
}

// wire passes a message through bytes, as a transport would.
func wire(t testing.TB, m *soap.Message) *soap.Message {
	t.Helper()
	b, err := m.Bytes()
	require.NoError(t, err)
	back, err := soap.ParseMessage(b, soap.Limits{})
	require.NoError(t, err)
	return back
}

func echoRequest(t testing.TB, text string) *soap.Message {
	p := etree.NewElement("e:echo")
	p.CreateAttr("xmlns:e", "urn:echo")
	p.SetText(text)
	m := soap.NewMessageWithBody(soap.V12, p)
	a, err := soap.RequestAddressing(soap.WSA200408, "urn:echo", "http://svc/", nil)
	require.NoError(t, err)
	m.SetAddressing(a)
	h := etree.NewElement("c:Secret")
	h.CreateAttr("xmlns:c", "urn:custom")
	h.SetText("header secret")
	m.AddHeader(h)
	m.SetMustUnderstand(h)
	return m
}

type loop struct {
	t       testing.TB
	client  soap.Invoker
	calls   atomic.Int32
	tamper  func(*soap.Message)
	lastReq []byte
	// transport delivers a request to the server layer, without a client
	// layer.
	transport soap.Invoker
}

func newLoop(t testing.TB, p Policy, ccfg, scfg Config) *loop {
	t.Helper()
	l := &loop{t: t}
	app := soap.HandlerFunc(func(ctx context.Context, req *soap.Message) (*soap.Message, error) {
		l.calls.Add(1)
		if h := req.FindHeader("urn:custom", "Secret"); h != nil {
			if h.Text() != "header secret" {
				return nil, soap.SenderFault("custom header damaged")
			}
			req.MarkUnderstood(h)
		}
		if err := req.CheckMustUnderstand(); err != nil {
			return nil, err
		}
		return soap.Reply(req, "urn:echoResponse", req.Payload().Copy())
	})
	sl, err := ServerLayer(p, scfg)
	require.NoError(t, err)
	server := soap.ChainHandler(app, sl)
	transport := soap.InvokerFunc(func(ctx context.Context, req *soap.Message) (*soap.Message, error) {
		in := wire(t, req)
		l.lastReq, _ = in.Bytes()
		if l.tamper != nil {
			l.tamper(in)
			in = wire(t, in)
		}
		resp, err := server.ServeSOAP(tlsContext(ctx), in)
		if err != nil {
			return nil, err
		}
		return wire(t, resp), nil
	})
	cl, err := ClientLayer(p, ccfg)
	require.NoError(t, err)
	l.transport = transport
	l.client = soap.ChainInvoker(transport, cl)
	return l
}

// tlsContext is ctx with the peer of a request that arrived over TLS, as
// soap.HTTPHandler sets it for an https request.
func tlsContext(ctx context.Context) context.Context {
	return soap.NewContextWithPeer(ctx, &soap.Peer{TLS: &tls.ConnectionState{}})
}

func presets() map[string]Policy {
	out := map[string]Policy{
		"AnonymousForCertificate":      AnonymousForCertificate(Basic256),
		"UserNameForCertificate":       UserNameForCertificate(Basic256),
		"MutualCertificate11":          MutualCertificate(WSS11, Basic256),
		"MutualCertificate10":          MutualCertificate(WSS10, Basic256),
		"UserNameOverTransport":        UserNameOverTransport(),
		"CertificateOverTransport":     CertificateOverTransport(),
		"MutualCertificate10TripleDes": MutualCertificate(WSS10, TripleDesRsa15),
		"Anonymous128Sha256":           AnonymousForCertificate(Basic128Sha256),
	}
	dk := AnonymousForCertificate(Basic256)
	dk.ProtectionToken = serviceCert(true)
	out["AnonymousDerivedKeys"] = dk
	ebs := MutualCertificate(WSS11, Basic256)
	ebs.ProtectionToken = serviceCert(true)
	ebs.Order = EncryptBeforeSign
	ebs.EncryptSignature = false
	out["MutualDerivedEncryptBeforeSign"] = ebs
	noTS := UserNameForCertificate(Basic128)
	noTS.IncludeTimestamp = false
	noTS.EncryptSignature = false
	out["UserNameNoTimestamp"] = noTS
	eh := UserNameForCertificate(Basic256)
	custom := xml.Name{Space: "urn:custom", Local: "Secret"}
	eh.EncryptedParts.Headers = []xml.Name{custom}
	eh.SignedParts.Headers = append(eh.SignedParts.Headers, custom)
	out["EncryptedHeader"] = eh
	tsLast := AnonymousForCertificate(TripleDes)
	tsLast.Layout = LaxTsLast
	out["TripleDesTsLast"] = tsLast
	return out
}

func TestEngineRoundTrip(t *testing.T) {
	pki := newTestPKI(t)
	ccfg, scfg := pki.configs()
	for name, p := range presets() {
		t.Run(name, func(t *testing.T) {
			l := newLoop(t, p, ccfg, scfg)
			resp, err := l.client.Call(context.Background(), echoRequest(t, "secret text "+name))
			require.NoError(t, err)
			assert.Equal(t, "secret text "+name, resp.Payload().Text())
			assert.Equal(t, int32(1), l.calls.Load())
			if p.EncryptedParts.Body && p.Binding != TransportBinding {
				assert.NotContains(t, string(l.lastReq), "secret text", "the body travels encrypted")
			}
			if len(p.EncryptedParts.Headers) > 0 {
				assert.NotContains(t, string(l.lastReq), "header secret", "the header travels encrypted")
				assert.Contains(t, string(l.lastReq), "EncryptedHeader")
			}
		})
	}
}

// TestEngineAttacks tampers with secured requests on their way to the
// server: each must be rejected with the uniform fault, the app never runs.
func TestEngineAttacks(t *testing.T) {
	pki := newTestPKI(t)
	ccfg, scfg := pki.configs()
	p := UserNameForCertificate(Basic256)
	p.EncryptSignature = false
	security := func(m *soap.Message) *etree.Element { return m.FindHeader(wsse.NSWSSE, "Security") }
	tests := []struct {
		name   string
		tamper func(m *soap.Message)
		want   error  // the defence that must fire
		detail string // text that pins which check raised want
	}{
		{"drop security header", func(m *soap.Message) { m.Header.RemoveChild(security(m)) }, ErrMissing, "no Security header"},
		{"unsigned replacement To", func(m *soap.Message) {
			to := m.Addressing.Elem("To")
			w := etree.NewElement("x:Wrapper")
			w.CreateAttr("xmlns:x", "urn:x")
			m.Header.RemoveChild(to)
			w.AddChild(to)
			m.AddHeader(w)
			n := etree.NewElement("a:To")
			n.CreateAttr("xmlns:a", soap.NSWSA200408)
			n.SetText("http://evil/")
			m.AddHeader(n)
		}, ErrNotSigned, "To"},
		{"second timestamp", func(m *soap.Message) {
			sec := security(m)
			sec.AddChild(wsse.NewTimestamp(time.Now(), time.Minute, "ts2"))
		}, ErrDuplicate, "Timestamp"},
		{"timestamp removed", func(m *soap.Message) {
			sec := security(m)
			for _, c := range sec.ChildElements() {
				if c.Tag == "Timestamp" {
					sec.RemoveChild(c)
				}
			}
		}, dsig.ErrUnresolvedReference, "TS_"},
		{"body moved into wrapper header", func(m *soap.Message) {
			body := m.Body
			var content []etree.Token
			content = append(content, body.Child...)
			w := etree.NewElement("x:Wrapper")
			w.CreateAttr("xmlns:x", "urn:x")
			copyBody := body.Copy()
			w.AddChild(copyBody)
			m.AddHeader(w)
			for _, c := range content {
				body.RemoveChild(c)
			}
			ev := etree.NewElement("e:echo")
			ev.CreateAttr("xmlns:e", "urn:echo")
			ev.SetText("evil")
			body.AddChild(ev)
		}, dsig.ErrDuplicateID, ""},
		{"unknown element in security header", func(m *soap.Message) {
			x := etree.NewElement("x:Unknown")
			x.CreateAttr("xmlns:x", "urn:x")
			security(m).AddChild(x)
		}, ErrMisplaced, "unsupported element Unknown"},
		{"duplicate id", func(m *soap.Message) {
			x := etree.NewElement("x:Dup")
			x.CreateAttr("xmlns:x", "urn:x")
			x.CreateAttr("Id", wsse.WSUID(m.Body))
			m.AddHeader(x)
		}, dsig.ErrDuplicateID, ""},
		{"body content replaced", func(m *soap.Message) {
			for _, c := range m.Body.ChildElements() {
				m.Body.RemoveChild(c)
			}
			ev := etree.NewElement("e:echo")
			ev.CreateAttr("xmlns:e", "urn:echo")
			m.Body.AddChild(ev)
		}, ErrFailedCheck, "no EncryptedData"},
		{"ciphertext flipped", func(m *soap.Message) {
			for _, cv := range m.Body.FindElements(".//CipherValue") {
				txt := []byte(cv.Text())
				txt[10] ^= 1
				if txt[10] == '+' || txt[10] == '/' || txt[10] == '=' {
					txt[10] = 'A'
				}
				cv.SetText(string(txt))
			}
		}, xmlenc.ErrDecrypt, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := newLoop(t, p, ccfg, scfg)
			l.tamper = tt.tamper
			_, err := l.client.Call(context.Background(), echoRequest(t, "x"))
			f, ok := soap.AsFault(err)
			require.True(t, ok, "want a fault, got %v", err)
			assert.Equal(t, soap.CodeSender, f.Code)
			assert.Equal(t, FaultInvalidSecurity, f.Subcode().Local)
			assert.Equal(t, verifyFailureReason, f.Reason())
			require.ErrorIs(t, f.Cause, tt.want, "the wrong defence fired")
			if tt.detail != "" {
				assert.Contains(t, f.Cause.Error(), tt.detail, "the wrong check fired")
			}
			assert.Zero(t, l.calls.Load(), "the app must not run")
		})
	}
}

func TestEngineReplay(t *testing.T) {
	pki := newTestPKI(t)
	ccfg, scfg := pki.configs()
	p := AnonymousForCertificate(Basic256)
	l := newLoop(t, p, ccfg, scfg)
	var captured []byte
	l.tamper = func(m *soap.Message) { captured, _ = m.Bytes() }
	_, err := l.client.Call(context.Background(), echoRequest(t, "once"))
	require.NoError(t, err)
	// Replay the captured request straight to a server with the same cache.
	sl, err := ServerLayer(p, scfg)
	require.NoError(t, err)
	srv := soap.ChainHandler(soap.HandlerFunc(func(ctx context.Context, req *soap.Message) (*soap.Message, error) {
		return soap.Reply(req, "urn:r", nil)
	}), sl)
	m1, err := soap.ParseMessage(captured, soap.Limits{})
	require.NoError(t, err)
	_, err = srv.ServeSOAP(context.Background(), m1)
	require.NoError(t, err)
	m2, err := soap.ParseMessage(captured, soap.Limits{})
	require.NoError(t, err)
	_, err = srv.ServeSOAP(context.Background(), m2)
	f, ok := soap.AsFault(err)
	require.True(t, ok)
	assert.ErrorIs(t, f, ErrReplay)
}

func TestEngineWrongCredentials(t *testing.T) {
	pki := newTestPKI(t)
	other := newTestPKI(t)
	ccfg, scfg := pki.configs()
	t.Run("bad password", func(t *testing.T) {
		c := ccfg
		c.Password = "wrong"
		l := newLoop(t, UserNameForCertificate(Basic256), c, scfg)
		_, err := l.client.Call(context.Background(), echoRequest(t, "x"))
		f, ok := soap.AsFault(err)
		require.True(t, ok)
		assert.ErrorIs(t, f, ErrFailedAuthentication)
		assert.Zero(t, l.calls.Load())
	})
	t.Run("untrusted client certificate", func(t *testing.T) {
		c := ccfg
		c.Certificate = other.client
		l := newLoop(t, MutualCertificate(WSS11, Basic256), c, scfg)
		_, err := l.client.Call(context.Background(), echoRequest(t, "x"))
		f, ok := soap.AsFault(err)
		require.True(t, ok)
		assert.ErrorIs(t, f, ErrFailedAuthentication)
		assert.Zero(t, l.calls.Load())
	})
	t.Run("encrypted to another service", func(t *testing.T) {
		c := ccfg
		c.PeerCertificate = other.service.Cert
		l := newLoop(t, AnonymousForCertificate(Basic256), c, scfg)
		_, err := l.client.Call(context.Background(), echoRequest(t, "x"))
		f, ok := soap.AsFault(err)
		require.True(t, ok)
		assert.ErrorIs(t, f, ErrTokenUnavailable)
		assert.ErrorContains(t, f.Cause, "another certificate")
		assert.Zero(t, l.calls.Load())
	})
	t.Run("policy mismatch: no derived keys where required", func(t *testing.T) {
		sp := AnonymousForCertificate(Basic256)
		sp.ProtectionToken = serviceCert(true)
		sl, err := ServerLayer(sp, scfg)
		require.NoError(t, err)
		cl, err := ClientLayer(AnonymousForCertificate(Basic256), ccfg)
		require.NoError(t, err)
		var calls int
		srv := soap.ChainHandler(soap.HandlerFunc(func(ctx context.Context, req *soap.Message) (*soap.Message, error) {
			calls++
			return nil, nil
		}), sl)
		inv := soap.ChainInvoker(soap.InvokerFunc(func(ctx context.Context, req *soap.Message) (*soap.Message, error) {
			return srv.ServeSOAP(ctx, wire(t, req))
		}), cl)
		_, err = inv.Call(context.Background(), echoRequest(t, "x"))
		require.ErrorIs(t, err, ErrMissing)
		assert.ErrorContains(t, err.(*soap.Fault).Cause, "no signature with the protection token")
		assert.Zero(t, calls)
	})
}

func TestEngineReplyTampered(t *testing.T) {
	pki := newTestPKI(t)
	ccfg, scfg := pki.configs()
	p := AnonymousForCertificate(Basic256)
	p.EncryptSignature = false // keep the confirmations in clear to remove them
	sl, err := ServerLayer(p, scfg)
	require.NoError(t, err)
	srv := soap.ChainHandler(soap.HandlerFunc(func(ctx context.Context, req *soap.Message) (*soap.Message, error) {
		return soap.Reply(req, "urn:r", req.Payload().Copy())
	}), sl)
	cl, err := ClientLayer(p, ccfg)
	require.NoError(t, err)
	inv := soap.ChainInvoker(soap.InvokerFunc(func(ctx context.Context, req *soap.Message) (*soap.Message, error) {
		resp, err := srv.ServeSOAP(ctx, wire(t, req))
		if err != nil {
			return nil, err
		}
		out := wire(t, resp)
		// Drop the SignatureConfirmation: the client must notice.
		sec := out.FindHeader(wsse.NSWSSE, "Security")
		b, _ := out.Bytes()
		require.True(t, bytes.Contains(b, []byte("SignatureConfirmation")) || strings.Contains(string(b), "EncryptedData"))
		for _, c := range sec.ChildElements() {
			if c.Tag == "SignatureConfirmation" {
				sec.RemoveChild(c)
			}
		}
		return wire(t, out), nil
	}), cl)
	_, err = inv.Call(context.Background(), echoRequest(t, "x"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "reply rejected")
}
