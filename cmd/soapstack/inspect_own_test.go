package main

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/beevik/etree"
	"github.com/soapstack/soapstack/internal/keylog"
	"github.com/soapstack/soapstack/secureconv"
	"github.com/soapstack/soapstack/soap"
	"github.com/soapstack/soapstack/wssecurity"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// ownKeys are a service and a client certificate written as PEM files.
type ownKeys struct {
	dir                              string
	svc, cli                         *wssecurity.Certificate
	svcCert, svcKey, cliCert, cliKey string
}

var (
	ownKeysOnce sync.Once
	ownKeysVal  *ownKeys
	ownKeysErr  error
)

// newOwnKeys makes the certificates once per test binary (RSA key
// generation is slow under -race); each test gets its own directory.
func newOwnKeys(t *testing.T) *ownKeys {
	t.Helper()
	ownKeysOnce.Do(func() {
		k := &ownKeys{}
		if k.svc, ownKeysErr = demoCertificate(); ownKeysErr != nil {
			return
		}
		k.cli, ownKeysErr = demoCertificate()
		ownKeysVal = k
	})
	require.NoError(t, ownKeysErr)
	k := *ownKeysVal
	k.dir = t.TempDir()
	pemFile := func(name, typ string, der []byte) string {
		p := filepath.Join(k.dir, name)
		require.NoError(t, os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600))
		return p
	}
	key := func(c *wssecurity.Certificate) []byte {
		der, err := x509.MarshalPKCS8PrivateKey(c.Key)
		require.NoError(t, err)
		return der
	}
	k.svcCert = pemFile("svc.pem", "CERTIFICATE", k.svc.Cert.Raw)
	k.svcKey = pemFile("svc.key", "PRIVATE KEY", key(k.svc))
	k.cliCert = pemFile("cli.pem", "CERTIFICATE", k.cli.Cert.Raw)
	k.cliKey = pemFile("cli.key", "PRIVATE KEY", key(k.cli))
	return &k
}

func (k *ownKeys) file(t *testing.T, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(k.dir, name)
	require.NoError(t, os.WriteFile(p, b, 0o600))
	return p
}

func ownRequest(t *testing.T, text string) *soap.Message {
	p := etree.NewElement("e:echo")
	p.CreateAttr("xmlns:e", "urn:echo")
	p.SetText(text)
	m := soap.NewMessageWithBody(soap.V12, p)
	a, err := soap.RequestAddressing(soap.WSA10, "urn:echo", "http://svc/", nil)
	require.NoError(t, err)
	m.SetAddressing(a)
	return m
}

func echoHandler() soap.Handler {
	return soap.HandlerFunc(func(ctx context.Context, req *soap.Message) (*soap.Message, error) {
		return soap.Reply(req, "urn:echoResponse", req.Payload().Copy())
	})
}

// wireTransport passes messages through bytes to srv and records every
// request and reply, by action.
type wireTransport struct {
	t    *testing.T
	srv  soap.Handler
	mu   sync.Mutex
	msgs []wireMsg
}

type wireMsg struct {
	action string
	reply  bool
	b      []byte
}

func (w *wireTransport) Call(ctx context.Context, req *soap.Message) (*soap.Message, error) {
	b, err := req.Bytes()
	require.NoError(w.t, err)
	in, err := soap.ParseMessage(b, soap.Limits{})
	require.NoError(w.t, err)
	w.mu.Lock()
	w.msgs = append(w.msgs, wireMsg{action: req.Addressing.Action, b: b})
	w.mu.Unlock()
	resp, err := w.srv.ServeSOAP(ctx, in)
	if err != nil {
		return nil, err
	}
	out, err := resp.Bytes()
	require.NoError(w.t, err)
	w.mu.Lock()
	w.msgs = append(w.msgs, wireMsg{action: resp.Addressing.Action, reply: true, b: out})
	w.mu.Unlock()
	return soap.ParseMessage(out, soap.Limits{})
}

// find returns the first recorded message with the action.
func (w *wireTransport) find(t *testing.T, action string, reply bool) []byte {
	t.Helper()
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, m := range w.msgs {
		if m.action == action && m.reply == reply {
			return m.b
		}
	}
	t.Fatalf("no message with action %s (reply %v) was sent", action, reply)
	return nil
}

// wssExchange runs one echo request through wssecurity's client and
// server layers and returns the request and the reply as sent.
func wssExchange(t *testing.T, p wssecurity.Policy, ccfg, scfg wssecurity.Config) (req, resp []byte) {
	t.Helper()
	sl, err := wssecurity.ServerLayer(p, scfg)
	require.NoError(t, err)
	w := &wireTransport{t: t, srv: soap.ChainHandler(echoHandler(), sl)}
	cl, err := wssecurity.ClientLayer(p, ccfg)
	require.NoError(t, err)
	_, err = soap.ChainInvoker(w, cl).Call(context.Background(), ownRequest(t, "own secret"))
	require.NoError(t, err)
	return w.find(t, "urn:echo", false), w.find(t, "urn:echoResponse", true)
}

// recordingCache records the session tokens the server issues, from which
// the test writes the key log (as the client's key log option would).
type recordingCache struct {
	secureconv.TokenCache
	mu     sync.Mutex
	issued []*secureconv.SessionToken
}

func (c *recordingCache) Put(ctx context.Context, tok *secureconv.SessionToken) error {
	c.mu.Lock()
	cp := *tok
	cp.Key = append([]byte(nil), tok.Key...)
	c.issued = append(c.issued, &cp)
	c.mu.Unlock()
	return c.TokenCache.Put(ctx, tok)
}

// keyLog writes the recorded tokens as a key log file.
func (c *recordingCache) keyLog(t *testing.T, k *ownKeys, name string) string {
	t.Helper()
	f, err := os.Create(filepath.Join(k.dir, name))
	require.NoError(t, err)
	defer f.Close()
	c.mu.Lock()
	defer c.mu.Unlock()
	require.NotEmpty(t, c.issued)
	for _, tok := range c.issued {
		require.NoError(t, keylog.Write(f, keylog.Entry{ContextID: tok.ContextID, Generation: tok.KeyGeneration, Key: tok.Key}))
	}
	return f.Name()
}

// session is a Go-to-Go secure session with the recorded wire messages.
type session struct {
	wire   *wireTransport
	cache  *recordingCache
	client *secureconv.Client
}

// runSession establishes a session as README.md's example does (bootstrap
// and application policy given), makes one echo call and cancels.
func runSession(t *testing.T, k *ownKeys, v secureconv.Version, boot, app wssecurity.Policy) *session {
	t.Helper()
	cache := &recordingCache{TokenCache: secureconv.NewMemoryTokenCache()}
	layer, err := secureconv.ServerLayer(secureconv.ServerConfig{Version: v, Bootstrap: boot, Policy: app,
		Security: wssecurity.Config{Certificate: k.svc}, Cache: cache})
	require.NoError(t, err)
	w := &wireTransport{t: t, srv: soap.ChainHandler(echoHandler(), layer)}
	c, err := secureconv.NewClient(w, secureconv.ClientConfig{Version: v, Bootstrap: boot, Policy: app, Cancel: true,
		To: "http://svc/", Security: wssecurity.Config{PeerCertificate: k.svc.Cert}})
	require.NoError(t, err)
	_, err = c.Call(context.Background(), ownRequest(t, "session secret"))
	require.NoError(t, err)
	require.NoError(t, c.Close(context.Background()))
	return &session{wire: w, cache: cache, client: c}
}

// inspectReport is the part of inspect --json the tests read.
type inspectReport struct {
	Verified  bool     `json:"verified"`
	Signed    []string `json:"signed"`
	Encrypted []string `json:"encrypted"`
	Body      string   `json:"body"`
	Errors    []string `json:"errors"`
	Notes     []string `json:"notes"`
	Tokens    []string `json:"tokens"`
	Covered   *bool    `json:"covered"`
	Coverage  []struct {
		Part     string   `json:"part"`
		Element  string   `json:"element"`
		Signed   bool     `json:"signed"`
		Required bool     `json:"required"`
		SignedBy []string `json:"signedBy"`
	} `json:"coverage"`
}

func inspectJSON(t *testing.T, args ...string) (int, inspectReport, string) {
	t.Helper()
	code, out, errOut := runCmd(append([]string{"inspect", "--json"}, args...)...)
	var rep inspectReport
	require.NoError(t, json.Unmarshal([]byte(out), &rep), "%s\n%s", out, errOut)
	return code, rep, out + errOut
}

// TestInspectOwnMessages inspects requests made by soapstack's own sender
// in every AES and 3DES suite, symmetric (with and without derived keys,
// endorsed) and asymmetric: each verifies, decrypts and has its Body,
// Timestamp and addressing signed. Inspect used to guess a 32-byte key for
// an EncryptedKey without a nested ReferenceList and failed every
// Basic128 and Basic192 symmetric message.
func TestInspectOwnMessages(t *testing.T) {
	k := newOwnKeys(t)
	trust := wssecurity.NewTrustStore(wssecurity.WithPinned(k.cli.Cert))
	ccfg := wssecurity.Config{Certificate: k.cli, PeerCertificate: k.svc.Cert}
	scfg := wssecurity.Config{Certificate: k.svc, Trust: trust}
	derived := func(p wssecurity.Policy) wssecurity.Policy {
		tok := *p.ProtectionToken
		tok.DerivedKeys = true
		p.ProtectionToken = &tok
		return p
	}
	suites := []wssecurity.Suite{wssecurity.Basic128, wssecurity.Basic192, wssecurity.Basic256, wssecurity.TripleDes,
		wssecurity.Basic128Rsa15, wssecurity.Basic256Sha256, wssecurity.TripleDesSha256Rsa15}
	for _, s := range suites {
		policies := map[string]wssecurity.Policy{
			"symmetric":         wssecurity.AnonymousForCertificate(s),
			"symmetric-derived": derived(wssecurity.AnonymousForCertificate(s)),
			"endorsed":          wssecurity.MutualCertificate(wssecurity.WSS11, s),
			"asymmetric":        wssecurity.MutualCertificate(wssecurity.WSS10, s),
		}
		for name, p := range policies {
			t.Run(s.String()+"/"+name, func(t *testing.T) {
				req, resp := wssExchange(t, p, ccfg, scfg)
				file := k.file(t, "req.xml", req)
				code, rep, out := inspectJSON(t, "--cert", k.svcCert, "--key", k.svcKey, file)
				require.Equal(t, 0, code, out)
				assert.True(t, rep.Verified)
				assert.Contains(t, rep.Body, "own secret")
				require.NotNil(t, rep.Covered, out)
				assert.True(t, *rep.Covered)
				parts := map[string]bool{}
				for _, c := range rep.Coverage {
					assert.True(t, c.Signed, "%s %s", c.Part, c.Element)
					parts[c.Part] = true
				}
				assert.True(t, parts["body"] && parts["timestamp"] && parts["addressing"], out)
				// The suite, when given, is checked too.
				code, _, out = inspectJSON(t, "--suite", s.String(), "--cert", k.svcCert, "--key", k.svcKey, file)
				assert.Equal(t, 0, code, out)

				if name == "asymmetric" {
					// The reply is encrypted to the client and signed by the service.
					file := k.file(t, "resp.xml", resp)
					code, rep, out := inspectJSON(t, "--cert", k.cliCert, "--key", k.cliKey, "--peer-cert", k.svcCert, file)
					require.Equal(t, 0, code, out)
					assert.Contains(t, rep.Body, "own secret")
				}
			})
		}
	}
}
