package binding

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/beevik/etree"

	"github.com/soapstack/soapstack/secureconv"
	"github.com/soapstack/soapstack/soap"
)

// TestSessionOptions: WithCookies issues cookie-mode sessions, WithClock
// is the one clock of both sides (a session past its lifetime by that
// clock is re-established), WithKeyLog receives the session keys, and a
// CustomBinding works as the WS bindings.
func TestSessionOptions(t *testing.T) {
	k := loadPKI(t)
	ring, err := secureconv.NewKeyRing(secureconv.RingKey{ID: 1, Secret: bytes.Repeat([]byte{7}, 32)})
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	now := time.Now()
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	b := CustomBinding("custom")
	b.Security.Mode = ModeMessage
	b.Security.Message.ClientCredentialType = CredentialUserName
	b.Security.Message.EstablishSecurityContext = true

	var cookie []bool
	var cmu sync.Mutex
	app := soap.HandlerFunc(func(ctx context.Context, req *soap.Message) (*soap.Message, error) {
		p, _ := soap.PrincipalFromContext(ctx)
		cmu.Lock()
		cookie = append(cookie, p != nil && p.Session != nil && p.Session.CookieMode)
		cmu.Unlock()
		return soap.NewReply(req, actionEcho+"Response", etree.NewElement("ok"), nil)
	})
	h, err := NewHandler(app, b, Credentials{ServiceCertificate: k.service, UserNameValidator: users()},
		WithCookies(ring), WithClock(clock), WithSessionLifetime(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	var keys syncBuffer
	c, err := NewClient(srv.URL, b, Credentials{ServiceCertificate: publicOnly(k.service), UserName: "alice", Password: "clarinet"},
		WithClock(clock), WithKeyLog(&keys))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := call(ctx, c); err != nil {
		t.Fatal(err)
	}
	first := c.Session()
	mu.Lock()
	now = now.Add(40 * time.Minute) // past the renewal point of the hour
	mu.Unlock()
	if _, err := call(ctx, c); err != nil {
		t.Fatal(err)
	}
	if err := c.Close(ctx); err != nil {
		t.Fatal(err)
	}
	cmu.Lock()
	defer cmu.Unlock()
	if len(cookie) != 2 || !cookie[0] || !cookie[1] {
		t.Fatalf("cookie mode per call: %v", cookie)
	}
	if first == "" || !strings.Contains(keys.String(), "SCT_KEY "+first) {
		t.Fatalf("key log %q does not name session %q", keys.String(), first)
	}
	if n := strings.Count(keys.String(), "SCT_KEY "); n < 2 {
		t.Fatalf("key log has %d keys, want the issued and the renewed one", n)
	}
}

// countingRings is a secureconv.KeyRingSource that counts its calls and
// fails when err is set.
type countingRings struct {
	ring  *secureconv.KeyRing
	mu    sync.Mutex
	calls int
	err   error
}

func (c *countingRings) KeyRing(context.Context) (*secureconv.KeyRing, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calls++
	return c.ring, c.err
}

func (c *countingRings) fail(err error) {
	c.mu.Lock()
	c.err = err
	c.mu.Unlock()
}

// TestCookieKeys: WithCookieKeys issues cookie-mode sessions sealed with
// the source's ring, asking the source for every cookie, and a source
// that fails refuses the message with a Receiver fault; it is refused
// together with WithCookies.
func TestCookieKeys(t *testing.T) {
	k := loadPKI(t)
	ring, err := secureconv.NewKeyRing(secureconv.RingKey{ID: 1, Secret: bytes.Repeat([]byte{9}, 32)})
	if err != nil {
		t.Fatal(err)
	}
	b := CustomBinding("custom")
	b.Security.Mode = ModeMessage
	b.Security.Message.ClientCredentialType = CredentialUserName
	b.Security.Message.EstablishSecurityContext = true
	creds := Credentials{ServiceCertificate: k.service, UserNameValidator: users()}
	app := soap.HandlerFunc(func(ctx context.Context, req *soap.Message) (*soap.Message, error) {
		p, _ := soap.PrincipalFromContext(ctx)
		if p == nil || p.Session == nil || !p.Session.CookieMode {
			return nil, soap.SenderFault("not a cookie-mode session")
		}
		return soap.NewReply(req, actionEcho+"Response", etree.NewElement("ok"), nil)
	})
	if _, err := NewHandler(app, b, creds, WithCookies(ring), WithCookieKeys(ring)); !errors.Is(err, ErrConfig) {
		t.Fatalf("WithCookies and WithCookieKeys: %v, want ErrConfig", err)
	}
	src := &countingRings{ring: ring}
	h, err := NewHandler(app, b, creds, WithCookieKeys(src), WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	c, err := NewClient(srv.URL, b, Credentials{ServiceCertificate: publicOnly(k.service), UserName: "alice", Password: "clarinet"})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for range 2 {
		if _, err := call(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	src.mu.Lock()
	calls := src.calls
	src.mu.Unlock()
	// One seal at the issue, one open per request.
	if calls < 3 {
		t.Fatalf("the source was asked %d times, want once per cookie sealed or opened", calls)
	}
	src.fail(errors.New("test: ring unavailable"))
	_, err = call(ctx, c)
	f, ok := soap.AsFault(err)
	if !ok || f.Code != soap.CodeReceiver {
		t.Fatalf("call with the source failing: %v, want a Receiver fault", err)
	}
}
