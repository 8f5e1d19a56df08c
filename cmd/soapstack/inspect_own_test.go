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
	"time"

	"github.com/beevik/etree"
	"github.com/soapstack/soapstack/internal/keylog"
	"github.com/soapstack/soapstack/internal/wsse"
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

// all returns the recorded messages with the action, in order.
func (w *wireTransport) all(action string, reply bool) [][]byte {
	w.mu.Lock()
	defer w.mu.Unlock()
	var out [][]byte
	for _, m := range w.msgs {
		if m.action == action && m.reply == reply {
			out = append(out, m.b)
		}
	}
	return out
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

func (c *recordingCache) Put(ctx context.Context, tok *secureconv.SessionToken, now time.Time) error {
	c.mu.Lock()
	cp := *tok
	cp.Key = append([]byte(nil), tok.Key...)
	c.issued = append(c.issued, &cp)
	c.mu.Unlock()
	return c.TokenCache.Put(ctx, tok, now)
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
	// clientLog is the file the client's key log (ClientConfig.KeyLog)
	// wrote.
	clientLog string
}

// runSession establishes a session as README.md's example does (bootstrap
// and application policy given), makes calls echo calls (renewing the key
// before each after the first when renew is set) and cancels.
func runSession(t *testing.T, k *ownKeys, v secureconv.Version, boot, app wssecurity.Policy, calls int, renew bool) *session {
	t.Helper()
	renewAfter := 0.0
	if renew {
		renewAfter = 1e-15 // renew as soon as the session exists
	}
	cache := &recordingCache{TokenCache: secureconv.NewMemoryTokenCache()}
	layer, err := secureconv.ServerLayer(secureconv.ServerConfig{Version: v, Bootstrap: boot, Policy: app,
		Security: wssecurity.Config{Certificate: k.svc, Trust: wssecurity.NewTrustStore(wssecurity.WithPinned(k.cli.Cert))}, Cache: cache})
	require.NoError(t, err)
	w := &wireTransport{t: t, srv: soap.ChainHandler(echoHandler(), layer)}
	sec := wssecurity.Config{PeerCertificate: k.svc.Cert} // as README.md's example
	if boot.Binding == wssecurity.AsymmetricBinding {
		sec.Certificate = k.cli
	}
	klog, err := os.CreateTemp(k.dir, "client-*.log")
	require.NoError(t, err)
	defer klog.Close()
	c, err := secureconv.NewClient(w, secureconv.ClientConfig{Version: v, Bootstrap: boot, Policy: app, Cancel: true,
		To: "http://svc/", Security: sec, RenewAfter: renewAfter, KeyLog: klog})
	require.NoError(t, err)
	for i := 0; i < calls; i++ {
		_, err = c.Call(context.Background(), ownRequest(t, "session secret"))
		require.NoError(t, err)
	}
	require.NoError(t, c.Close(context.Background()))
	return &session{wire: w, cache: cache, client: c, clientLog: klog.Name()}
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

// editMessage parses b, lets edit change the tree and returns the bytes.
func editMessage(t *testing.T, b []byte, edit func(env, header, body *etree.Element)) []byte {
	t.Helper()
	doc := etree.NewDocument()
	require.NoError(t, doc.ReadFromBytes(b))
	env := doc.Root()
	var header, body *etree.Element
	for _, c := range env.ChildElements() {
		switch c.Tag {
		case "Header":
			header = c
		case "Body":
			body = c
		}
	}
	require.NotNil(t, header)
	require.NotNil(t, body)
	edit(env, header, body)
	out, err := doc.WriteToBytes()
	require.NoError(t, err)
	return out
}

func childNamed(t *testing.T, el *etree.Element, local string) *etree.Element {
	t.Helper()
	for _, c := range el.ChildElements() {
		if c.Tag == local {
			return c
		}
	}
	t.Fatalf("no %s in %s", local, el.Tag)
	return nil
}

// wrapper adds an unknown header that hides the moved element.
func wrapper(header *etree.Element) *etree.Element {
	w := header.CreateElement("x:Wrapper")
	w.CreateAttr("xmlns:x", "urn:attacker")
	return w
}

// replaceWith moves el into a wrapper header and puts repl in its place.
func replaceWith(header, el, repl *etree.Element) {
	parent := el.Parent()
	i := el.Index()
	parent.RemoveChildAt(i)
	parent.InsertChildAt(i, repl)
	wrapper(header).AddChild(el)
}

// TestInspectSignatureWrapping moves a signed part of a valid message into
// a header wrapper and puts an unsigned one in its place: every signature
// still verifies (it finds the moved node by Id), but inspect reports that
// the Envelope's own part is not signed, says where the signed one went,
// and exits 1, as the receiver refuses the message. The old inspect said
// verified: true (Basic256: the old inspect read that suite's key).
func TestInspectSignatureWrapping(t *testing.T) {
	k := newOwnKeys(t)
	p := wssecurity.AnonymousForCertificate(wssecurity.Basic256)
	scfg := wssecurity.Config{Certificate: k.svc}
	req, _ := wssExchange(t, p, wssecurity.Config{PeerCertificate: k.svc.Cert}, scfg)
	tests := []struct {
		name, part, wantErr string
		edit                func(env, header, body *etree.Element)
	}{
		{"body", "body", "a signature signs another Body at /soap:Envelope/soap:Header/Wrapper/soap:Body#", func(env, header, body *etree.Element) {
			evil := etree.NewElement(body.Space + ":Body")
			evil.CreateElement("e:echo").CreateAttr("xmlns:e", "urn:echo")
			evil.ChildElements()[0].SetText("evil")
			replaceWith(header, body, evil)
		}},
		{"timestamp", "timestamp", "a signature signs another Timestamp at /soap:Envelope/soap:Header/Wrapper/wsu:Timestamp#", func(env, header, body *etree.Element) {
			ts := childNamed(t, childNamed(t, header, "Security"), "Timestamp")
			fresh := ts.Copy()
			fresh.RemoveAttr("wsu:Id")
			fresh.RemoveAttr("u:Id")
			require.Empty(t, fresh.SelectAttrValue("Id", ""), "the copy must lose its Id")
			replaceWith(header, ts, fresh)
		}},
		{"to", "addressing", "a signature signs another To at /soap:Envelope/soap:Header/Wrapper/wsa:To#", func(env, header, body *etree.Element) {
			to := childNamed(t, header, "To")
			evil := etree.NewElement(to.FullTag())
			evil.SetText("http://evil/")
			replaceWith(header, to, evil)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msg := editMessage(t, req, tt.edit)
			// The receiver refuses it.
			m, err := soap.ParseMessage(msg, soap.Limits{})
			require.NoError(t, err)
			_, err = wssecurity.VerifyRequest(context.Background(), p, &wssecurity.Config{Certificate: k.svc}, m)
			require.ErrorIs(t, err, wssecurity.ErrInvalidSecurity)

			file := k.file(t, "xsw.xml", msg)
			code, rep, out := inspectJSON(t, "--cert", k.svcCert, "--key", k.svcKey, file)
			require.Equal(t, 1, code, out)
			assert.False(t, rep.Verified)
			require.NotNil(t, rep.Covered)
			assert.False(t, *rep.Covered)
			for _, s := range rep.Signed {
				assert.NotEmpty(t, s) // every signature verified: the break is the coverage
			}
			var unsigned []string
			for _, c := range rep.Coverage {
				if !c.Signed {
					unsigned = append(unsigned, c.Part)
				}
			}
			assert.Equal(t, []string{tt.part}, unsigned, out)
			require.Len(t, rep.Errors, 1, out)
			assert.Contains(t, rep.Errors[0], "is not signed")
			assert.Contains(t, rep.Errors[0], tt.wantErr)

			code, text, _ := runCmd("inspect", "--cert", k.svcCert, "--key", k.svcKey, file)
			assert.Equal(t, 1, code)
			assert.Contains(t, text, "NOT SIGNED")
			assert.Contains(t, text, "result: FAILED")
		})
	}
}

// TestInspectSignedPartMovedAway moves a signed addressing header into a
// header wrapper and puts nothing in its place: every signature verifies
// and the Envelope's remaining parts are signed, but the message has lost
// its To (or Action), which the receiver refuses (ErrMisplaced); inspect
// names the moved element and exits 1.
func TestInspectSignedPartMovedAway(t *testing.T) {
	k := newOwnKeys(t)
	p := wssecurity.AnonymousForCertificate(wssecurity.Basic256)
	scfg := wssecurity.Config{Certificate: k.svc}
	req, _ := wssExchange(t, p, wssecurity.Config{PeerCertificate: k.svc.Cert}, scfg)
	for _, local := range []string{"To", "Action"} {
		t.Run(local, func(t *testing.T) {
			msg := editMessage(t, req, func(env, header, body *etree.Element) {
				h := childNamed(t, header, local)
				header.RemoveChild(h)
				wrapper(header).AddChild(h)
			})
			m, err := soap.ParseMessage(msg, soap.Limits{})
			require.NoError(t, err)
			_, err = wssecurity.VerifyRequest(context.Background(), p, &wssecurity.Config{Certificate: k.svc}, m)
			require.ErrorIs(t, err, wssecurity.ErrMisplaced, "the receiver refuses it")

			file := k.file(t, "moved.xml", msg)
			code, rep, out := inspectJSON(t, "--cert", k.svcCert, "--key", k.svcKey, file)
			require.Equal(t, 1, code, out)
			assert.False(t, rep.Verified)
			require.NotNil(t, rep.Covered)
			assert.False(t, *rep.Covered)
			for _, c := range rep.Coverage {
				assert.True(t, c.Signed, "%s %s: what is left is signed", c.Part, c.Element)
			}
			require.Len(t, rep.Errors, 1, out)
			assert.Contains(t, rep.Errors[0], "a signature signs a "+local+" at /soap:Envelope/soap:Header/Wrapper/wsa:"+local+"#")
			assert.Contains(t, rep.Errors[0], "has none in its place")

			// Allowed unsigned, the addressing part is not reported.
			code, _, out = inspectJSON(t, "--allow-unsigned", "addressing", "--cert", k.svcCert, "--key", k.svcKey, file)
			assert.Equal(t, 0, code, out)
		})
	}
}

// TestInspectKeyLength checks that a key whose length does not fit what it
// encrypts, or the suite given, is an error that says so, and that a key
// that does not unwrap is reported as such (no random substitute).
func TestInspectKeyLength(t *testing.T) {
	k := newOwnKeys(t)
	ccfg := wssecurity.Config{Certificate: k.cli, PeerCertificate: k.svc.Cert}
	scfg := wssecurity.Config{Certificate: k.svc, Trust: wssecurity.NewTrustStore(wssecurity.WithPinned(k.cli.Cert))}
	for _, p := range []wssecurity.Policy{wssecurity.AnonymousForCertificate(wssecurity.Basic128), wssecurity.MutualCertificate(wssecurity.WSS10, wssecurity.Basic128)} {
		t.Run(p.Binding.String(), func(t *testing.T) {
			req, _ := wssExchange(t, p, ccfg, scfg)
			keys := []string{"--cert", k.svcCert, "--key", k.svcKey}

			code, rep, out := inspectJSON(t, append(keys, "--suite", "Basic256", k.file(t, "m.xml", req))...)
			require.Equal(t, 1, code, out)
			assert.Contains(t, out, "carries a 16-byte key, the Basic256 suite uses 32-byte keys")
			assert.Contains(t, out, "uses http://www.w3.org/2001/04/xmlenc#aes128-cbc, the Basic256 suite uses http://www.w3.org/2001/04/xmlenc#aes256-cbc")
			assert.False(t, rep.Verified)

			aes256 := editMessage(t, req, func(env, header, body *etree.Element) {
				for _, em := range env.FindElements("//EncryptionMethod") {
					if em.SelectAttrValue("Algorithm", "") == wsse.AlgAES128CBC {
						em.CreateAttr("Algorithm", wsse.AlgAES256CBC)
					}
				}
			})
			code, _, out = inspectJSON(t, append(keys, k.file(t, "m.xml", aes256))...)
			require.Equal(t, 1, code, out)
			assert.Regexp(t, `carries a 16-byte key, but xenc:EncryptedData#\S+ encrypted with it uses http://www.w3.org/2001/04/xmlenc#aes256-cbc \(32-byte keys\)`, out)

			broken := editMessage(t, req, func(env, header, body *etree.Element) {
				cv := env.FindElement("//EncryptedKey/CipherData/CipherValue")
				require.NotNil(t, cv)
				b := []byte(cv.Text())
				if b[10] == 'A' {
					b[10] = 'B'
				} else {
					b[10] = 'A'
				}
				cv.SetText(string(b))
			})
			code, _, out = inspectJSON(t, append(keys, k.file(t, "m.xml", broken))...)
			require.Equal(t, 1, code, out)
			assert.Contains(t, out, "does not unwrap with the private key of CN=soapstack demo service")
		})
	}
}
