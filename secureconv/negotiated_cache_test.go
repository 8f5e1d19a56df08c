package secureconv

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"
)

// TestNegotiatedTokensFlood: negotiations that never send their Issue (anyone
// can complete an anonymous TLSNEGO) fill the store, and the newest
// negotiation still gets its Issue: the oldest is evicted, not the newest
// refused (a TokenCache would return ErrCacheFull and lock every honest
// client out for the window).
func TestNegotiatedTokensFlood(t *testing.T) {
	ctx := context.Background()
	now := time.Unix(1_700_000_000, 0)
	tok := func(i int) *SessionToken {
		return &SessionToken{ContextID: fmt.Sprintf("urn:uuid:neg-%d", i), Key: []byte("0123456789abcdef"),
			ValidFrom: now, ValidTo: now.Add(10 * time.Hour)}
	}
	c := newNegotiatedTokens(100)
	for i := range 1000 { // the flood
		if err := c.Put(ctx, tok(i), now); err != nil {
			t.Fatalf("Put %d: %v", i, err)
		}
	}
	honest := tok(-1)
	if err := c.Put(ctx, honest, now); err != nil {
		t.Fatalf("the honest negotiation was refused: %v", err)
	}
	got, err := c.Get(ctx, honest.ContextID, "", now.Add(time.Second))
	if err != nil || got.ContextID != honest.ContextID {
		t.Fatalf("the honest Issue found %v, %v", got, err)
	}
	if _, err := c.Get(ctx, tok(0).ContextID, "", now); !errors.Is(err, ErrTokenNotFound) {
		t.Fatalf("the oldest flood token: %v, want evicted (ErrTokenNotFound)", err)
	}
	if n := len(c.m); n != 100 {
		t.Fatalf("%d tokens held, want the bound 100", n)
	}
}

// TestNegotiatedTokensWindow: a negotiated token protects an Issue only for
// the window after its negotiation, a generation other than the issued one
// is never found, and what Get returns is a copy.
func TestNegotiatedTokensWindow(t *testing.T) {
	ctx := context.Background()
	now := time.Unix(1_700_000_000, 0)
	c := newNegotiatedTokens(10)
	tk := &SessionToken{ContextID: "urn:uuid:a", Key: []byte("0123456789abcdef"), ValidFrom: now, ValidTo: now.Add(time.Hour)}
	if err := c.Put(ctx, tk, now); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		gen  string
		at   time.Time
		want error
	}{
		{"inside the window", "", now.Add(negotiatedIssueWindow - time.Second), nil},
		{"window over", "", now.Add(negotiatedIssueWindow), ErrTokenNotFound},
		{"another generation", "g1", now, ErrTokenNotFound},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := c.Get(ctx, tk.ContextID, tc.gen, tc.at)
			if !errors.Is(err, tc.want) || (tc.want == nil && got == nil) {
				t.Fatalf("Get: %v, %v; want %v", got, err, tc.want)
			}
			if got != nil {
				got.Key[0] ^= 0xff
			}
		})
	}
	again, err := c.Get(ctx, tk.ContextID, "", now)
	if err != nil || again.Key[0] != '0' {
		t.Fatalf("the stored token changed through a returned copy: %v, %v", again, err)
	}
	expired := &SessionToken{ContextID: "urn:uuid:b", ValidTo: now}
	if err := c.Put(ctx, expired, now); !errors.Is(err, ErrTokenExpired) {
		t.Fatalf("Put of an expired token: %v", err)
	}
	if err := c.RemoveAll(ctx, tk.ContextID); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Get(ctx, tk.ContextID, "", now); !errors.Is(err, ErrTokenNotFound) {
		t.Fatalf("after RemoveAll: %v", err)
	}
}
