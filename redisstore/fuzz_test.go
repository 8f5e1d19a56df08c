package redisstore

import (
	"strings"
	"testing"
)

// FuzzDecodeSeq feeds arbitrary script results to the decoder of the
// sequence store: it returns an error or a result, never panics, and
// ranges it accepts are well-formed numbers.
func FuzzDecodeSeq(f *testing.F) {
	f.Add("ok", int64(0), int64(1), "1-3,5-5", int64(4), int64(0), int64(0), "", "", "x")
	f.Add("deliver", int64(1), int64(0), "", int64(8), int64(1), int64(100), "urn:offer", "1700000000000", "")
	f.Add("ok", int64(0), int64(0), "1-", int64(-1), int64(2), int64(-1), "x", "y", "9-x")
	f.Fuzz(func(t *testing.T, code string, dropped, unpended int64, ranges string, br, final, pointerTTL int64, offer, offerAt, extra string) {
		r, err := decodeSeq([]any{code, dropped, unpended, ranges, br, final, pointerTTL, offer, offerAt, extra, "1"})
		if err != nil {
			return
		}
		if r.code != code || len(r.rest) != 2 || r.offer != offer || r.offerAt != offerAt || r.pointerTTL != pointerTTL {
			t.Fatalf("decoded %+v", r)
		}
		if ranges == "" && len(r.ack.Ranges) != 0 {
			t.Fatalf("ranges from nothing: %v", r.ack.Ranges)
		}
		if ranges != "" && len(r.ack.Ranges) != strings.Count(ranges, ",")+1 {
			t.Fatalf("%q decoded as %v", ranges, r.ack.Ranges)
		}
		_ = delivery(r.rest)
	})
}
