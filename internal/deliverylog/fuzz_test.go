package deliverylog

import (
	"testing"
	"time"
)

// FuzzDecode: decode never panics, and what it accepts encodes back to a
// record that decodes to the same record (the round trip the Check relies
// on when it reads another node's records).
func FuzzDecode(f *testing.F) {
	f.Add(Record{Kind: Run, Node: "127.0.0.1:8001", Number: 7, Redelivery: true, Time: time.Unix(0, 1_700_000_000_000_000_000)}.encode())
	f.Add(Record{Kind: Completed, Node: "n2", Number: 1}.encode())
	f.Add("run|n|x|0|1")
	f.Add("done||1|1|")
	f.Add("||||")
	f.Fuzz(func(t *testing.T, s string) {
		r, err := decode(s)
		if err != nil {
			return
		}
		again, err := decode(r.encode())
		if err != nil {
			t.Fatalf("decode(encode(%+v)): %v", r, err)
		}
		if again.Kind != r.Kind || again.Node != r.Node || again.Number != r.Number || again.Redelivery != r.Redelivery || !again.Time.Equal(r.Time) {
			t.Fatalf("round trip changed %+v into %+v", r, again)
		}
	})
}
