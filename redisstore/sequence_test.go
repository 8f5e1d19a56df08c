package redisstore

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/soapstack/soapstack/reliable"
	"github.com/soapstack/soapstack/reliable/storetest"
)

func TestSequenceStoreConformance(t *testing.T) {
	_, c := newClient(t)
	storetest.Run(t, seqStores(t, c, "conf"))
}

// TestSequenceStoreClaimUntil: Accept reports the end of another
// caller's live claim (the layer then neither calls Next, which would
// find nothing to claim, nor waits past the claim), and nothing once it
// has ended.
func TestSequenceStoreClaimUntil(t *testing.T) {
	_, c := newClient(t)
	ctx := context.Background()
	s, _ := NewSequenceStore(c, SequenceOptions{Options: Options{Prefix: "cu:"}})
	const id = "urn:seq:cu"
	if err := s.Create(ctx, reliable.SequenceInfo{ID: id, Owner: tOwner}, tNow); err != nil {
		t.Fatal(err)
	}
	until := tNow.Add(time.Minute + 5*time.Nanosecond)
	in := func(n int64, now time.Time) reliable.Incoming {
		return reliable.Incoming{Owner: tOwner, Number: n, Message: tMsg(n), Now: now, ClaimUntil: until}
	}
	for _, tc := range []struct {
		n    int64
		now  time.Time
		want reliable.Outcome
		live bool
	}{
		{1, tNow, reliable.OutcomeDeliver, false},
		{2, tNow, reliable.OutcomeBuffered, true},
		{1, tNow, reliable.OutcomeInProgress, true},
		{2, until, reliable.OutcomeBuffered, false},
	} {
		a, err := s.Accept(ctx, id, in(tc.n, tc.now))
		if err != nil || a.Outcome != tc.want {
			t.Fatalf("Accept(%d): %v %v, want %v", tc.n, a.Outcome, err, tc.want)
		}
		if tc.live && !a.ClaimUntil.Equal(until) || !tc.live && !a.ClaimUntil.IsZero() {
			t.Fatalf("Accept(%d) at %v: ClaimUntil %v (live claim: %v)", tc.n, tc.now, a.ClaimUntil, tc.live)
		}
	}
}

// TestScriptCacheFlushed: the stores run their scripts by SHA and load
// them again when Redis lost its script cache (a restart, a failover, a
// SCRIPT FLUSH).
func TestScriptCacheFlushed(t *testing.T) {
	_, c := newClient(t)
	ctx := context.Background()
	s, _ := NewSequenceStore(c, SequenceOptions{})
	if err := s.Create(ctx, reliable.SequenceInfo{ID: "urn:seq:f", Owner: tOwner}, tNow); err != nil {
		t.Fatal(err)
	}
	loaded, err := c.ScriptExists(ctx, seqScript.Hash()).Result()
	if err != nil || !loaded[0] {
		t.Fatalf("script not cached after use: %v %v", loaded, err)
	}
	if err := c.ScriptFlush(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get(ctx, "urn:seq:f", tNow); err != nil {
		t.Fatalf("Get after SCRIPT FLUSH: %v", err)
	}
}

// TestSequenceStoreDropsAckedReplies: as the memory store, a reply the
// client acknowledged leaves the cache (it will not be asked for again)
// with its bytes, so the cache's bound evicts no reply the client still
// needs: under loss, a lost reply outlives the replies of the requests
// that overtake its request's retransmission.
func TestSequenceStoreDropsAckedReplies(t *testing.T) {
	_, c := newClient(t)
	ctx := context.Background()
	s, err := NewSequenceStore(c, SequenceOptions{Options: Options{Prefix: "ack:"}, MaxCachedReplies: 2})
	if err != nil {
		t.Fatal(err)
	}
	const id = "urn:seq:ack"
	if err := s.Create(ctx, reliable.SequenceInfo{ID: id, Owner: tOwner}, tNow); err != nil {
		t.Fatal(err)
	}
	accept := func(n int64, want reliable.Outcome) reliable.Accepted {
		t.Helper()
		a, err := s.Accept(ctx, id, reliable.Incoming{Owner: tOwner, Number: n, Message: tMsg(n), Now: tNow, ClaimUntil: tNow.Add(time.Minute)})
		if err != nil || a.Outcome != want {
			t.Fatalf("Accept %d: %v %v, want %v", n, a.Outcome, err, want)
		}
		return a
	}
	deliver := func(n int64) {
		t.Helper()
		a := accept(n, reliable.OutcomeDeliver)
		if _, err := s.Complete(ctx, id, tOwner, n, a.Claim, tReply(n), tNow, tNow.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
	}
	cached := func(want int) {
		t.Helper()
		st, err := s.Get(ctx, id, tNow)
		if err != nil || st.CachedReplies != want {
			t.Fatalf("cached replies %v, %v; want %d", st, err, want)
		}
		if got, _ := c.LLen(ctx, s.keys(seqMember(id))[3]).Result(); got != int64(want) {
			t.Fatalf("reply order holds %d, want %d", got, want)
		}
	}
	deliver(1)
	deliver(2)
	if err := s.AckReplies(ctx, id, tOwner, []reliable.AckRange{{Lower: 1, Upper: 1}}, tNow); err != nil {
		t.Fatal(err)
	}
	cached(1)
	if a := accept(1, reliable.OutcomeDuplicate); a.Reply != nil {
		t.Fatalf("acknowledged reply still cached: %q", a.Reply)
	}
	// Reply 2 is not acknowledged: it stays when reply 3 comes (the bound
	// is 2, and reply 1 no longer takes room).
	deliver(3)
	if a := accept(2, reliable.OutcomeDuplicate); !bytes.Equal(a.Reply, tReply(2)) {
		t.Fatalf("unacknowledged reply 2: %q", a.Reply)
	}
	cached(2)
	// An acknowledgement with a gap drops what it names, not the gap; an
	// older one drops nothing more.
	deliver(4)
	if err := s.AckReplies(ctx, id, tOwner, []reliable.AckRange{{Lower: 1, Upper: 1}, {Lower: 4, Upper: 4}}, tNow); err != nil {
		t.Fatal(err)
	}
	cached(1)
	if a := accept(3, reliable.OutcomeDuplicate); !bytes.Equal(a.Reply, tReply(3)) {
		t.Fatalf("reply 3 in the gap: %q", a.Reply)
	}
	if err := s.AckReplies(ctx, id, tOwner, []reliable.AckRange{{Lower: 1, Upper: 1}}, tNow); err != nil {
		t.Fatal(err)
	}
	cached(1)
	if err := s.AckReplies(ctx, id, tOwner, []reliable.AckRange{{Lower: 1, Upper: 4}}, tNow); err != nil {
		t.Fatal(err)
	}
	cached(0)
	// The sequence's bytes went with the replies: a window of buffered
	// messages fits again.
	if by, _ := c.HGet(ctx, s.keys(seqMember(id))[0], "by").Int(); by != 0 {
		t.Fatalf("sequence bytes %d after every reply was dropped", by)
	}
}

// TestSequenceStoreDefaultReplyCache: by default a sequence caches four
// windows of unacknowledged replies (the memory store's bound), the
// oldest evicted beyond.
func TestSequenceStoreDefaultReplyCache(t *testing.T) {
	_, c := newClient(t)
	ctx := context.Background()
	s, err := NewSequenceStore(c, SequenceOptions{Options: Options{Prefix: "def:"}})
	if err != nil {
		t.Fatal(err)
	}
	const id = "urn:seq:def"
	if err := s.Create(ctx, reliable.SequenceInfo{ID: id, Owner: tOwner}, tNow); err != nil {
		t.Fatal(err)
	}
	const want = 4 * reliable.DefaultWindow
	for n := int64(1); n <= want+1; n++ {
		a, err := s.Accept(ctx, id, reliable.Incoming{Owner: tOwner, Number: n, Message: tMsg(n), Now: tNow, ClaimUntil: tNow.Add(time.Minute)})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Complete(ctx, id, tOwner, n, a.Claim, tReply(n), tNow, tNow.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
	}
	st, err := s.Get(ctx, id, tNow)
	if err != nil || st.CachedReplies != want {
		t.Fatalf("cached replies %v, %v; want %d", st, err, want)
	}
	for n, has := range map[int64]bool{1: false, 2: true, want + 1: true} {
		a, err := s.Accept(ctx, id, reliable.Incoming{Owner: tOwner, Number: n, Message: tMsg(n), Now: tNow, ClaimUntil: tNow.Add(time.Minute)})
		if err != nil || (a.Reply != nil) != has {
			t.Fatalf("duplicate %d: reply %q, %v; want cached %v", n, a.Reply, err, has)
		}
	}
}
