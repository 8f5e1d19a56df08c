package reliable

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/xml"
	"errors"
	"log/slog"
	"math/big"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/beevik/etree"
	"github.com/soapstack/soapstack/internal/wstrust"
	"github.com/soapstack/soapstack/reliable/internal/wire"
	"github.com/soapstack/soapstack/secureconv"
	"github.com/soapstack/soapstack/soap"
	"github.com/soapstack/soapstack/wssecurity"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// spy records what the handler after it answered.
type spy struct {
	mu   sync.Mutex
	resp *soap.Message
	err  error
}

func (s *spy) layer(next soap.Handler) soap.Handler {
	return soap.HandlerFunc(func(ctx context.Context, req *soap.Message) (*soap.Message, error) {
		resp, err := next.ServeSOAP(ctx, req)
		s.mu.Lock()
		s.resp, s.err = resp, err
		s.mu.Unlock()
		return resp, err
	})
}

func (s *spy) last() (*soap.Message, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.resp, s.err
}

func testCertificate(t *testing.T) *wssecurity.Certificate {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "rm.test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	c, err := x509.ParseCertificate(der)
	require.NoError(t, err)
	return &wssecurity.Certificate{Cert: c, Key: key}
}

// TestServerOverSecureSession runs the layer above a WS-SecureConversation
// session whose policy signs the RM headers (SignedHeaders): sequences
// are bound to the session they are created in, and a message whose RM
// headers are not signed is refused by the security layer.
func TestServerOverSecureSession(t *testing.T) {
	cert := testCertificate(t)
	boot := wssecurity.AnonymousForCertificate(wssecurity.Basic256)
	app := boot
	app.ProtectionToken = &wssecurity.Token{Kind: wssecurity.SecureConversationToken,
		Inclusion: wssecurity.IncludeAlwaysToRecipient, DerivedKeys: true}
	app.RequireSignatureConfirmation = false
	unsignedRM := app // a client that does not sign the RM headers
	app.SignedParts.Headers = append(append([]xml.Name(nil), app.SignedParts.Headers...), SignedHeaders()...)

	quiet := slog.New(slog.DiscardHandler)
	sc, err := secureconv.ServerLayer(secureconv.ServerConfig{Version: secureconv.V13, Bootstrap: boot, Policy: app,
		Security: wssecurity.Config{Certificate: cert, Logger: quiet}})
	require.NoError(t, err)
	rm, err := ServerLayer(ServerConfig{RequireSecureSession: true, Logger: quiet})
	require.NoError(t, err)
	mux := soap.NewServeMux()
	mux.HandleFunc(testEcho, func(ctx context.Context, req *soap.Message) (*soap.Message, error) {
		return soap.Reply(req, testEcho+"Response", textPayload("echoResponse", "echo:"+req.Payload().Text()))
	})
	outer, inner := &spy{}, &spy{}
	srv := httptest.NewServer(soap.NewHTTPHandler(soap.ChainHandler(mux, outer.layer, sc, inner.layer, rm), soap.WithLogger(quiet)))
	defer srv.Close()

	ctx := context.Background()
	newClient := func(p wssecurity.Policy) *secureconv.Client {
		c, err := secureconv.NewClient(soap.NewHTTPClient(srv.URL), secureconv.ClientConfig{Version: secureconv.V13,
			Bootstrap: boot, Policy: p, To: srv.URL, Security: wssecurity.Config{PeerCertificate: cert.Cert, Logger: quiet}})
		require.NoError(t, err)
		require.NoError(t, c.Open(ctx))
		return c
	}
	msg := func(action string, payload *etree.Element) *soap.Message {
		m := soap.NewMessageWithBody(soap.V12, payload)
		a, _ := soap.RequestAddressing(soap.WSA10, action, srv.URL, nil)
		m.SetAddressing(a)
		return m
	}
	create := func(c *secureconv.Client, v Version, session string) (*soap.Message, error) {
		anon := wire.EndpointReference{Address: soap.AnonymousWSA10}
		cs := &wire.CreateSequence{Version: v, AcksTo: anon, Offer: &wire.Offer{Identifier: "urn:uuid:" + session + "-offer", Endpoint: &anon},
			SecurityTokenReference: wstrust.NewSCTReference(wstrust.V13, session, "")}
		m := msg(v.CreateSequenceAction(), cs.Build())
		if v == V11 {
			h := wire.UsesSequenceSTR.Build()
			m.AddHeader(h)
			m.SetMustUnderstand(h)
		}
		return c.Call(ctx, m)
	}
	echo := func(c *secureconv.Client, v Version, id string, n uint64) (*soap.Message, error) {
		m := msg(testEcho, textPayload("echo", "hi"))
		sh := (&wire.Sequence{Version: v, Identifier: id, MessageNumber: n}).Build()
		m.AddHeader(sh)
		m.SetMustUnderstand(sh)
		return c.Call(ctx, m)
	}

	v := V11
	alice := newClient(app)
	resp, err := create(alice, v, alice.Session())
	require.NoError(t, err)
	csr, err := wire.ParseCreateSequenceResponse(resp.Payload())
	require.NoError(t, err)
	resp, err = echo(alice, v, csr.Identifier, 1)
	require.NoError(t, err)
	assert.Equal(t, "echo:hi", resp.Payload().Text())

	// Another session may neither create a sequence under alice's token
	// nor use alice's sequence.
	mallory := newClient(app)
	resp, err = create(mallory, v, alice.Session())
	requireRefused(t, resp, err)
	r, _ := inner.last()
	assert.ErrorIs(t, faultCause(r), ErrSessionTokenMismatch)
	resp, err = echo(mallory, v, csr.Identifier, 2)
	requireRefused(t, resp, err)
	r, _ = inner.last()
	assert.ErrorIs(t, faultCause(r), ErrOwnerMismatch)

	// A client that does not sign the RM headers: the security layer
	// refuses its Sequence header before the reliable layer sees it.
	eve := newClient(unsignedRM)
	_, err = create(eve, V200502, eve.Session()) // no RM header in a 1.0 CreateSequence
	require.NoError(t, err)
	resp, err = echo(eve, V200502, "urn:uuid:any", 1)
	requireRefused(t, resp, err)
	_, serr := outer.last()
	require.Error(t, serr)
	assert.True(t, errors.Is(serr, wssecurity.ErrNotSigned), "cause %v", serr)
	resp, err = create(eve, V11, eve.Session()) // UsesSequenceSTR unsigned
	requireRefused(t, resp, err)
	_, serr = outer.last()
	assert.True(t, errors.Is(serr, wssecurity.ErrNotSigned), "cause %v", serr)
}

// requireRefused checks that the client got a fault.
func requireRefused(t *testing.T, resp *soap.Message, err error) {
	t.Helper()
	if err == nil {
		require.NotNil(t, resp)
		require.True(t, resp.IsFault(), "want a fault, got %s", resp.Addressing.Action)
	}
}
