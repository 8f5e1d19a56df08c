package farmtest

import (
	"context"
	"testing"
)

// BenchmarkFarm measures secured round trips of one reference-mode
// session (derived keys, signed and encrypted both ways, token and replay
// caches in Redis): straight to one node, and through HAProxy to three.
// On a shared machine the figures compare the paths, not the hardware.
func BenchmarkFarm(b *testing.B) {
	f := startFarm(b, false)
	for _, tc := range []struct {
		name string
		url  string
	}{
		{"1node", f.nodes[0].srv.URL + "/svc"},
		{"3nodes-haproxy", "http://" + f.lb + "/svc"},
	} {
		b.Run(tc.name, func(b *testing.B) {
			c := f.clientAt(b, tc.url)
			ctx := context.Background()
			if _, err := echo(ctx, c, "warm"); err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				if _, err := echo(ctx, c, "hello"); err != nil {
					b.Fatal(err)
				}
			}
			_ = c.Close(ctx)
		})
	}
}
