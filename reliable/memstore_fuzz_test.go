package reliable_test

import (
	"slices"
	"testing"
	"time"

	"github.com/soapstack/soapstack/reliable"
)

// FuzzMemoryStore drives one sequence with operations decoded from the
// input (accepts of numbers around the next, completions, claim expiry,
// Next, Close, Terminate) and checks the invariants: operations run in
// order and once, their replies numbered in order, acknowledged numbers
// are never lost, and the store
// frees every byte when the sequence is removed.
func FuzzMemoryStore(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3, 0x40, 0x41, 0x80, 0xc0})
	f.Add([]byte{3, 2, 1, 0, 0x40, 0x40, 0x40, 0x40, 0x80, 0xe0, 0x0f})
	f.Fuzz(func(t *testing.T, ops []byte) {
		if len(ops) > 512 {
			ops = ops[:512]
		}
		s := reliable.NewMemoryStore(reliable.WithMaxSequenceBytes(64), reliable.WithMaxCachedReplies(3))
		if err := s.Create(ctx, reliable.SequenceInfo{ID: "urn:s", Owner: owner, OfferID: "urn:o", Window: 4}, t0); err != nil {
			t.Fatal(err)
		}
		now := t0
		ran := int64(0) // operations run: 1..ran, in order
		type held struct {
			n int64
			c reliable.Claim
		}
		var claims []held
		// Every operation has a reply: reply k answers message k.
		run := func(n int64, c reliable.Claim, k int64) {
			if k != n {
				t.Fatalf("message %d claimed with reply number %d", n, k)
			}
			claims = append(claims, held{n, c})
		}
		for _, op := range ops {
			arg := int64(op & 0x0f)
			st, err := s.Get(ctx, "urn:s", now)
			if err != nil {
				t.Fatalf("Get: %v", err)
			}
			switch op >> 5 {
			case 0, 1, 2: // accept a number near the next
				n := st.Next + arg - 4
				in := reliable.Incoming{Owner: owner, Number: n, Message: make([]byte, int(op&0x30)), Now: now, ClaimUntil: now.Add(time.Minute), Last: op&0x10 != 0 && arg == 15}
				a, err := s.Accept(ctx, "urn:s", in)
				if err == nil && a.Outcome == reliable.OutcomeDeliver {
					run(n, a.Claim, a.ReplyNumber)
				}
				if err == nil && a.Outcome == reliable.OutcomeNeedMessage {
					// Asked for the bytes of a message given without
					// them: nothing recorded.
					if len(in.Message) != 0 || !slices.Equal(a.Ack.Ranges, st.Ack.Ranges) {
						t.Fatalf("OutcomeNeedMessage for %d with %d bytes, ack %v then %v", n, len(in.Message), st.Ack.Ranges, a.Ack.Ranges)
					}
				}
			case 3, 4: // complete the newest claim
				if len(claims) == 0 {
					continue
				}
				h := claims[len(claims)-1]
				claims = claims[:len(claims)-1]
				d, err := s.Complete(ctx, "urn:s", owner, h.n, h.c, []byte{byte(h.n)}, now, now.Add(time.Minute))
				if err != nil {
					continue
				}
				if h.n != ran+1 {
					t.Fatalf("completed %d after %d", h.n, ran)
				}
				ran = h.n
				if d != nil {
					run(d.Number, d.Claim, d.ReplyNumber)
				}
			case 5: // time passes (claims may end)
				now = now.Add(time.Duration(arg) * 10 * time.Second)
				if _, err := s.Touch(ctx, "urn:s", owner, now); err != nil {
					t.Fatalf("Touch: %v", err)
				}
			case 6:
				if d, _ := s.Next(ctx, "urn:s", owner, now, now.Add(time.Minute)); d != nil {
					run(d.Number, d.Claim, d.ReplyNumber)
				}
			case 7:
				if arg < 8 {
					s.Close(ctx, "urn:s", owner, 0, now)
				} else {
					s.Terminate(ctx, "urn:s", owner, 0, now)
				}
			}
			st2, err := s.Get(ctx, "urn:s", now)
			if err != nil {
				t.Fatalf("Get: %v", err)
			}
			// Acknowledged numbers stay acknowledged.
			for _, r := range st.Ack.Ranges {
				if !covers(st2.Ack.Ranges, r) {
					t.Fatalf("%v was acknowledged, no longer is (%v)", r, st2.Ack.Ranges)
				}
			}
			if st2.Next != ran+1 || st2.Replies != ran {
				t.Fatalf("next %d, replies %d, ran %d", st2.Next, st2.Replies, ran)
			}
			if st2.BufferedBytes+st2.CachedReplies > s.Bytes() || s.Bytes() > 64 {
				t.Fatalf("bytes %d, buffered %d", s.Bytes(), st2.BufferedBytes)
			}
		}
		if err := s.Remove(ctx, "urn:s"); err != nil {
			t.Fatal(err)
		}
		if s.Bytes() != 0 || s.Len() != 0 {
			t.Fatalf("after Remove: %d bytes, %d sequences", s.Bytes(), s.Len())
		}
		if _, err := s.GetByOffer(ctx, "urn:o", now); err == nil {
			t.Fatal("the offer outlived its sequence")
		}
	})
}

func covers(rs []reliable.AckRange, x reliable.AckRange) bool {
	for _, r := range rs {
		if r.Lower <= x.Lower && x.Upper <= r.Upper {
			return true
		}
	}
	return false
}
