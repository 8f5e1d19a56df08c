package reliable

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/xml"
	"errors"
	"math/big"
	"net/http"
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
)

func testCert(t *testing.T) *wssecurity.Certificate {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(9), Subject: pkix.Name{CommonName: "rm service"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return &wssecurity.Certificate{Cert: c, Key: key}
}

// TestClientOverSecureConversation runs the reliable session over a real
// secure session (secureconv client and server layers) as WCF's
// wsHttpBinding with reliableSession does: the secure session is
// established first, CreateSequence carries the reference to its token
// (and, in WS-RM 1.1, the mustUnderstand UsesSequenceSTR header), the RM
// headers are signed, and a retransmission is secured afresh.
func TestClientOverSecureConversation(t *testing.T) {
	cert := testCert(t)
	for _, tc := range []struct {
		rm Version
		sc secureconv.Version
	}{{V200502, secureconv.V200502}, {V11, secureconv.V13}} {
		t.Run(tc.rm.String(), func(t *testing.T) {
			boot := wssecurity.AnonymousForCertificate(wssecurity.Basic256)
			app := boot
			app.ProtectionToken = &wssecurity.Token{Kind: wssecurity.SecureConversationToken,
				Inclusion: wssecurity.IncludeAlwaysToRecipient, DerivedKeys: true}
			app.RequireSignatureConfirmation = false
			app.SignedParts.Headers = append(app.SignedParts.Headers, xml.Name{Space: tc.rm.Namespace()})
			dest := newFakeDest(t, tc.rm)
			layer, err := secureconv.ServerLayer(secureconv.ServerConfig{Version: tc.sc, Bootstrap: boot, Policy: app,
				Security: wssecurity.Config{Certificate: cert}})
			if err != nil {
				t.Fatal(err)
			}
			srv := httptest.NewServer(soap.NewHTTPHandler(soap.ChainHandler(dest, layer), soap.WithLogger(discardLogger())))
			defer srv.Close()
			tr := &http.Transport{}
			defer tr.CloseIdleConnections()

			// The network below the security layer loses the first
			// response to message 1 and records what was sent.
			var mu sync.Mutex
			var sent [][]byte
			lossy := &lossyNet{v: tc.rm, next: soap.NewHTTPClient(srv.URL, soap.WithHTTPClient(&http.Client{Transport: tr})),
				rule: func(n int64, attempt int) (bool, bool) { return false, n == 1 && attempt == 1 }}
			recorder := soap.InvokerFunc(func(ctx context.Context, req *soap.Message) (*soap.Message, error) {
				if req.FindHeader(tc.rm.Namespace(), "Sequence") != nil {
					b, _ := req.Bytes()
					mu.Lock()
					sent = append(sent, b)
					mu.Unlock()
				}
				return lossy.Call(ctx, req)
			})
			sc, err := secureconv.NewClient(recorder, secureconv.ClientConfig{Version: tc.sc, Bootstrap: boot, Policy: app,
				Cancel: true, To: srv.URL, Addressing: soap.WSA10, Security: wssecurity.Config{PeerCertificate: cert.Cert}})
			if err != nil {
				t.Fatal(err)
			}
			c, err := NewClient(sc, ClientConfig{Version: tc.rm, To: srv.URL, SecureSession: sc,
				RetryInterval: 20 * time.Millisecond, Logger: discardLogger()})
			if err != nil {
				t.Fatal(err)
			}
			b := &bench{t: t, url: srv.URL}
			ctx := testCtx(t)
			for _, s := range []string{"a", "b"} {
				resp, err := c.Call(ctx, b.request(s, false))
				if err != nil {
					t.Fatal(err)
				}
				checkEcho(t, resp, s)
			}
			if err := c.Close(ctx); err != nil {
				t.Fatal(err)
			}
			if err := sc.Close(ctx); err != nil {
				t.Fatal(err)
			}
			reqs, delivered := dest.snapshot()
			if len(delivered) != 2 {
				t.Errorf("delivered %q", delivered)
			}
			cs, err := wire.ParseCreateSequence(reqs[0].Payload())
			if err != nil {
				t.Fatal(err)
			}
			if cs.SecurityTokenReference == nil {
				t.Fatal("CreateSequence without the session token reference")
			}
			ref, err := wstrust.ParseSCTReference(cs.SecurityTokenReference)
			if err != nil || ref.Identifier == "" {
				t.Fatalf("token reference %+v %v", ref, err)
			}
			uses := reqs[0].FindHeader(NSRM11, "UsesSequenceSTR")
			if tc.rm == V11 {
				if uses == nil {
					t.Fatal("WS-RM 1.1 CreateSequence without UsesSequenceSTR")
				}
				if mu, _ := reqs[0].MustUnderstand(uses); !mu {
					t.Error("UsesSequenceSTR not mustUnderstand")
				}
			} else if uses != nil {
				t.Error("UsesSequenceSTR in WS-RM 1.0")
			}
			mu.Lock()
			defer mu.Unlock()
			if len(sent) < 3 {
				t.Fatalf("%d sequence messages sent, want message 1 twice", len(sent))
			}
			if bytes.Equal(sent[0], sent[1]) {
				t.Error("the retransmission is byte-identical: it was not secured afresh")
			}
		})
	}
}

// fakeSession is a SecureSession whose Open and reference may fail.
type fakeSession struct {
	openErr, refErr error
	opened          int
}

func (s *fakeSession) Open(ctx context.Context) error { s.opened++; return s.openErr }

func (s *fakeSession) SessionTokenReference() (*etree.Element, error) {
	if s.refErr != nil {
		return nil, s.refErr
	}
	return wstrust.NewSCTReference(wstrust.V13, "urn:uuid:sct", ""), nil
}

// TestClientSecureSessionErrors: a secure session that cannot be opened,
// or gives no token reference, fails Open with its error and sends no
// CreateSequence.
func TestClientSecureSessionErrors(t *testing.T) {
	errOpen, errRef := errors.New("handshake refused"), errors.New("no token")
	for _, ss := range []*fakeSession{{openErr: errOpen}, {refErr: errRef}} {
		b := newBench(t, V11, ClientConfig{SecureSession: ss})
		err := b.client.Open(testCtx(t))
		if !errors.Is(err, errOpen) && !errors.Is(err, errRef) {
			t.Errorf("Open: %v", err)
		}
		if ss.opened != 1 || b.dest.created != 0 {
			t.Errorf("opened %d, CreateSequence %d", ss.opened, b.dest.created)
		}
	}
}
