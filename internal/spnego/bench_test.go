package spnego

import (
	"context"
	"testing"
)

// BenchmarkHandshake is one whole exchange on offline tickets: the
// initiator's AP-REQ, the acceptor's checks and AP-REP, the initiator's
// verification, and the key's wrap and unwrap (no KDC round trip).
func BenchmarkHandshake(b *testing.B) {
	kt := offlineKeytab(b)
	svc := offlineService(b, kt)
	key := make([]byte, 32)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		in, acc := offlineInitiator(b, kt), svc.Acceptor()
		tok, _, err := in.Step(ctx, nil)
		if err != nil {
			b.Fatal(err)
		}
		resp, _, err := acc.Step(ctx, tok)
		if err != nil {
			b.Fatal(err)
		}
		if _, _, err := in.Step(ctx, resp); err != nil {
			b.Fatal(err)
		}
		w, err := acc.Wrap(key)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := in.Unwrap(w); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkUnwrapWindows opens a Windows-rotated wrap token of a 32-byte
// key.
func BenchmarkUnwrapWindows(b *testing.B) {
	_, _, w, in, _ := offlineExchange(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := in.Unwrap(w); err != nil {
			b.Fatal(err)
		}
	}
}
