package spnego

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"os"
	"testing"

	"github.com/jcmturner/gokrb5/v8/types"
)

// offlineExchange returns a NegTokenInit and its NegTokenResp and wrap
// token, made offline, for seeds.
func offlineExchange(t testing.TB) (init, resp, wrap []byte, in *Initiator, svc *Service) {
	kt := offlineKeytab(t)
	in, svc = offlineInitiator(t, kt), offlineService(t, kt)
	acc := svc.Acceptor()
	ctx := context.Background()
	init, _, err := in.Step(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if resp, _, err = acc.Step(ctx, init); err != nil {
		t.Fatal(err)
	}
	if _, _, err = in.Step(ctx, resp); err != nil {
		t.Fatal(err)
	}
	if wrap, err = acc.Wrap(bytes.Repeat([]byte{1}, 32)); err != nil {
		t.Fatal(err)
	}
	return init, resp, wrap, in, svc
}

// FuzzNegTokenInit: the NegTokenInit parser never panics, and what it
// accepts re-encodes to a token it reads the same.
func FuzzNegTokenInit(f *testing.F) {
	init, resp, _, _, _ := offlineExchange(f)
	f.Add(init)
	f.Add(resp)
	f.Add(init[:len(init)/2])
	f.Fuzz(func(t *testing.T, data []byte) {
		n, err := parseNegTokenInit(data)
		if err != nil {
			return
		}
		b, err := n.marshal()
		if err != nil {
			return // e.g. an OID component encoding/asn1 reads but will not write
		}
		m, err := parseNegTokenInit(b)
		if err != nil {
			t.Fatalf("re-encoded NegTokenInit does not parse: %v", err)
		}
		if !bytes.Equal(m.MechToken, n.MechToken) || len(m.MechTypes) != len(n.MechTypes) {
			t.Fatalf("round trip changed the token")
		}
	})
}

// FuzzNegTokenResp: the NegTokenResp parser never panics and round-trips.
func FuzzNegTokenResp(f *testing.F) {
	init, resp, _, _, _ := offlineExchange(f)
	f.Add(resp)
	f.Add(init)
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := parseNegTokenResp(data)
		if err != nil {
			return
		}
		if r.NegState < 0 {
			return // absent negState is read, never written
		}
		b, err := r.marshal()
		if err != nil {
			return
		}
		s, err := parseNegTokenResp(b)
		if err != nil || s.NegState != r.NegState || !bytes.Equal(s.ResponseToken, r.ResponseToken) {
			t.Fatalf("round trip changed the token: %v", err)
		}
	})
}

// FuzzAcceptor: whatever arrives, the acceptor's parsing and checks of an
// AP-REQ (gokrb5's decoders included) return an error or accept, never
// panic.
func FuzzAcceptor(f *testing.F) {
	init, resp, _, _, svc := offlineExchange(f)
	f.Add(init)
	f.Add(resp)
	for _, i := range []int{20, 60, 120, len(init) - 30} {
		b := append([]byte(nil), init...)
		b[i] ^= 0x80
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		_, _, _ = svc.Acceptor().Step(context.Background(), data)
	})
}

// FuzzInitiator: the initiator's reading of the NegTokenResp and its
// AP-REP (and KRB-ERROR) never panics.
func FuzzInitiator(f *testing.F) {
	_, resp, _, in, _ := offlineExchange(f)
	f.Add(resp)
	f.Add(resp[:len(resp)-5])
	f.Fuzz(func(t *testing.T, data []byte) {
		c := *in
		c.state = stateSent
		c.accSubkey = types.EncryptionKey{}
		_, _, _ = c.Step(context.Background(), data)
	})
}

// FuzzAPRep: the AP-REP decoder never panics.
func FuzzAPRep(f *testing.F) {
	_, resp, _, in, _ := offlineExchange(f)
	r, err := parseNegTokenResp(resp)
	if err != nil {
		f.Fatal(err)
	}
	_, rep, err := krb5Unframe(r.ResponseToken)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(rep)
	f.Add(r.ResponseToken)
	f.Fuzz(func(t *testing.T, data []byte) {
		_, _ = parseAPRep(data, in.sessionKey)
		_, _, _ = krb5Unframe(data)
		_ = krbErrorIn(data)
	})
}

// FuzzWrap: opening a wrap token (and a MIC token) never panics, and
// nothing but the genuine token opens.
func FuzzWrap(f *testing.F) {
	_, _, wrap, in, _ := offlineExchange(f)
	f.Add(wrap)
	if b, err := os.ReadFile("testdata/wrap_vectors.json"); err == nil {
		var vs []struct{ Token string }
		if json.Unmarshal(b, &vs) == nil {
			for _, v := range vs {
				if tok, err := hex.DecodeString(v.Token); err == nil {
					f.Add(tok)
				}
			}
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := openWrap(data, true, in.accSubkey, in.subkey, usageAcceptorSeal)
		if err == nil && !bytes.Equal(data, wrap) && !bytes.Equal(got, bytes.Repeat([]byte{1}, 32)) {
			t.Fatalf("a forged token opened: %x", got)
		}
		_ = verifyMIC(data, in.accSubkey, usageAcceptorSign, true, []byte("m"))
	})
}
