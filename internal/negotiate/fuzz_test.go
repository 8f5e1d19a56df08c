package negotiate

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	"github.com/soapstack/soapstack/internal/wstrust"
	"github.com/soapstack/soapstack/soap"
)

// fuzzSeeds returns real legs: a negotiation recorded in both versions and
// the WCF capture.
func fuzzSeeds(f *testing.F) [][]byte {
	var seeds [][]byte
	if b, err := os.ReadFile(filepath.Join("testdata", "wcf_tlsnego_200502.xml")); err == nil {
		seeds = append(seeds, b)
	}
	p := newPKI(f)
	for _, v := range tVersions {
		in, w := tPair(f, v, p, false, 0, 0)
		w.tap = func(req, resp []byte) { seeds = append(seeds, req, resp) }
		if _, err := in.Negotiate(context.Background(), w); err != nil {
			f.Fatalf("seed negotiation: %v", err)
		}
	}
	return seeds
}

// FuzzParseLeg: any envelope parses to a leg or to an ErrMalformed error,
// and a parsed leg survives the digest and a rebuild.
func FuzzParseLeg(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := soap.ParseMessage(data, soap.Limits{MaxBytes: 256 << 10, MaxDepth: 32, MaxElements: 2000})
		if err != nil {
			return
		}
		for _, v := range tVersions {
			l, err := parseLeg(v, m.Payload())
			if err != nil {
				continue
			}
			tr := newTranscript()
			_ = tr.add(l.First.el)
			_ = tr.addFinal(l.First.el, v.TrustNamespace())
			_ = l.First.build(v, true)
			if l.Auth != nil {
				_ = l.Auth.build(v, false)
			}
		}
	})
}

// FuzzAcceptor: the acceptor answers any message with a reply or an error,
// never a panic, and its table stays bounded.
func FuzzAcceptor(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s)
	}
	p := newPKI(f)
	newServer, err := NewTLSServer(TLSServerConfig{Certificate: p.service})
	if err != nil {
		f.Fatal(err)
	}
	accs := map[wstrust.Version]*Acceptor{}
	for _, v := range tVersions {
		a, err := NewAcceptor(AcceptorConfig{Version: v, NewMechanism: newServer, MaxPending: 8, Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			f.Fatal(err)
		}
		accs[v] = a
	}
	iss := &tIssuer{v: wstrust.V200502}
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := soap.ParseMessage(data, soap.Limits{MaxBytes: 256 << 10, MaxDepth: 32, MaxElements: 2000})
		if err != nil {
			return
		}
		for v, a := range accs {
			iss.v = v
			if a.Accepts(m) {
				_, _ = a.Negotiate(context.Background(), m.Clone(), iss.issue)
			}
			if a.Pending() > 8 {
				t.Fatalf("%d pending negotiations (bound 8)", a.Pending())
			}
		}
	})
}

// FuzzInitiator: the initiator answers any service response with a token
// or an error, never a panic: the fuzzed message answers its first leg, or
// its second after a real first answer.
func FuzzInitiator(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s, false)
		f.Add(s, true)
	}
	p := newPKI(f)
	in, w := tPair(f, wstrust.V200502, p, false, 0, 0)
	f.Fuzz(func(t *testing.T, data []byte, second bool) {
		leg := 0
		tr := soap.InvokerFunc(func(ctx context.Context, req *soap.Message) (*soap.Message, error) {
			leg++
			if leg == 1 && second {
				return w.Call(ctx, req)
			}
			return soap.ParseMessage(data, soap.Limits{MaxBytes: 256 << 10, MaxDepth: 32, MaxElements: 2000})
		})
		nt, err := in.Negotiate(context.Background(), tr)
		if err == nil && nt == nil {
			t.Fatal("no token and no error")
		}
	})
}
