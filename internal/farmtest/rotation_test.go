package farmtest

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/beevik/etree"
	"github.com/redis/go-redis/v9"

	"github.com/soapstack/soapstack/internal/testredis"
	"github.com/soapstack/soapstack/internal/wstrust"
	"github.com/soapstack/soapstack/redisstore"
	"github.com/soapstack/soapstack/secureconv"
	"github.com/soapstack/soapstack/soap"
	"github.com/soapstack/soapstack/wssecurity"
)

// sessionPolicies are the bootstrap and application policies of an
// anonymous-for-certificate secure session with derived keys.
func sessionPolicies() (wssecurity.Policy, wssecurity.Policy) {
	boot := wssecurity.AnonymousForCertificate(wssecurity.Basic128)
	boot.EncryptSignature = false
	app := boot
	app.ProtectionToken = &wssecurity.Token{Kind: wssecurity.SecureConversationToken, Inclusion: wssecurity.IncludeAlwaysToRecipient, DerivedKeys: true}
	app.RequireSignatureConfirmation = false
	return boot, app
}

// ringFile writes a key ring file atomically: keys by id, each secret
// the id repeated, with optional activate and retire times.
func ringFile(t *testing.T, path string, keys ...[3]any) {
	t.Helper()
	var b strings.Builder
	b.WriteString(`{"keys": [`)
	for i, k := range keys {
		if i > 0 {
			b.WriteString(",")
		}
		id := k[0].(int)
		fmt.Fprintf(&b, `{"id": %d, "secret": %q`, id, base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{byte(id)}, secureconv.RingKeySize)))
		if at, ok := k[1].(time.Time); ok {
			fmt.Fprintf(&b, `, "activate": %q`, at.UTC().Format(time.RFC3339))
		}
		if at, ok := k[2].(time.Time); ok {
			fmt.Fprintf(&b, `, "retire": %q`, at.UTC().Format(time.RFC3339))
		}
		b.WriteString("}")
	}
	b.WriteString("]}")
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

// cookieClient is a secure session client through the balancer that
// records the key id of the cookie its requests carry.
type cookieClient struct {
	c     *secureconv.Client
	keyID atomic.Uint32
}

func newCookieClient(t *testing.T, url string, cert *wssecurity.Certificate) *cookieClient {
	t.Helper()
	boot, app := sessionPolicies()
	cc := &cookieClient{}
	http := soap.NewHTTPClient(url)
	spy := soap.InvokerFunc(func(ctx context.Context, req *soap.Message) (*soap.Message, error) {
		for _, el := range req.Doc.FindElements("//Cookie") {
			if el.NamespaceURI() == wstrust.NSDotNetSecurity {
				if raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(el.Text())); err == nil {
					if id, ok := secureconv.CookieKeyID(raw); ok {
						cc.keyID.Store(id)
					}
				}
			}
		}
		return http.Call(ctx, req)
	})
	c, err := secureconv.NewClient(spy, secureconv.ClientConfig{Version: secureconv.V13, Bootstrap: boot, Policy: app, Cancel: true, To: url,
		Security: wssecurity.Config{PeerCertificate: cert.Cert}})
	if err != nil {
		t.Fatal(err)
	}
	cc.c = c
	return cc
}

func (cc *cookieClient) call(t *testing.T, n int) {
	t.Helper()
	for i := range n {
		p := etree.NewElement("t:echo")
		p.CreateAttr("xmlns:t", nsEcho)
		p.SetText("hi")
		m := soap.NewMessageWithBody(soap.V12, p)
		a, err := soap.RequestAddressing(soap.WSA10, actionEcho, "", nil)
		if err != nil {
			t.Fatal(err)
		}
		m.SetAddressing(a)
		if _, err := cc.c.Call(context.Background(), m); err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
	}
}

// TestFarmCookieKeyRotation rotates the cookie key ring of a running
// three-node farm (each node watching the same key ring file) while
// sessions go on through the balancer: a session sealed under the old key
// continues on every node until the key retires, new sessions are sealed
// under the new key once it is primary, and after the old key's
// retirement its session is re-established once, under the new key.
func TestFarmCookieKeyRotation(t *testing.T) {
	redisSrv := testredis.Start(t)
	cert := loadCert(t)
	path := filepath.Join(t.TempDir(), "ring.json")
	ringFile(t, path, [3]any{1})
	boot, app := sessionPolicies()
	var issues atomic.Int32
	var backends []string
	quiet := slog.New(slog.DiscardHandler) // the refusal of the retired key is expected
	for range 3 {
		src, err := secureconv.WatchKeyRingFile(path, secureconv.ReloadConfig{Interval: 100 * time.Millisecond, Logger: quiet})
		if err != nil {
			t.Fatal(err)
		}
		rc := redis.NewClient(&redis.Options{Addr: redisSrv.Addr, ContextTimeoutEnabled: true})
		t.Cleanup(func() { rc.Close() })
		replay, err := redisstore.NewReplayCache(rc, redisstore.Options{Prefix: "rot:"})
		if err != nil {
			t.Fatal(err)
		}
		layer, err := secureconv.ServerLayer(secureconv.ServerConfig{Version: secureconv.V13, Bootstrap: boot, Policy: app,
			Security: wssecurity.Config{Certificate: cert, Replay: replay, Logger: quiet}, CookieKeys: src})
		if err != nil {
			t.Fatal(err)
		}
		echoApp := soap.HandlerFunc(func(ctx context.Context, req *soap.Message) (*soap.Message, error) {
			return soap.Reply(req, actionEcho+"Response", req.Payload().Copy())
		})
		h := soap.NewHTTPHandler(soap.ChainHandler(echoApp, layer), soap.WithLogger(quiet))
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if strings.Contains(r.Header.Get("Content-Type"), "/RST/SCT\"") {
				issues.Add(1)
			}
			h.ServeHTTP(w, r)
		}))
		t.Cleanup(srv.Close)
		backends = append(backends, strings.TrimPrefix(srv.URL, "http://"))
	}
	url := "http://" + startHAProxy(t, backends) + "/svc"

	a := newCookieClient(t, url, cert)
	a.call(t, 9)
	if a.keyID.Load() != 1 || issues.Load() != 1 {
		t.Fatalf("a: key %d, %d handshakes", a.keyID.Load(), issues.Load())
	}

	// 1. Add key 2, primary in a few seconds (whole seconds: RFC 3339).
	activate := time.Now().Truncate(time.Second).Add(2 * time.Second)
	ringFile(t, path, [3]any{1}, [3]any{2, activate})
	time.Sleep(300 * time.Millisecond) // every node reloads
	b := newCookieClient(t, url, cert)
	b.call(t, 3)
	if b.keyID.Load() != 1 {
		t.Fatalf("b sealed under key %d before key 2 is primary", b.keyID.Load())
	}
	a.call(t, 6)

	// 2. Key 2 is primary: new sessions use it, a (key 1) goes on.
	time.Sleep(time.Until(activate) + 200*time.Millisecond)
	c := newCookieClient(t, url, cert)
	c.call(t, 6)
	if c.keyID.Load() != 2 {
		t.Fatalf("c sealed under key %d after key 2 became primary", c.keyID.Load())
	}
	a.call(t, 9)
	if a.keyID.Load() != 1 || issues.Load() != 3 {
		t.Fatalf("a: key %d, %d handshakes (want 3)", a.keyID.Load(), issues.Load())
	}

	// 3. Retire key 1: a's next call is refused (BadContextToken) and a
	// re-establishes its session, under key 2.
	retire := time.Now().Truncate(time.Second).Add(time.Second)
	ringFile(t, path, [3]any{1, nil, retire}, [3]any{2, activate})
	time.Sleep(time.Until(retire) + 300*time.Millisecond)
	a.call(t, 6)
	if a.keyID.Load() != 2 || issues.Load() != 4 {
		t.Fatalf("a after retirement: key %d, %d handshakes (want 4)", a.keyID.Load(), issues.Load())
	}
	c.call(t, 3)
	if issues.Load() != 4 {
		t.Fatalf("c re-established its session: %d handshakes", issues.Load())
	}
	var wg sync.WaitGroup
	for _, cc := range []*cookieClient{a, c} {
		wg.Add(1)
		go func() { defer wg.Done(); _ = cc.c.Close(context.Background()) }()
	}
	wg.Wait()
}
