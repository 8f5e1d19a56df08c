package reliable_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/soapstack/soapstack/reliable"
	"github.com/soapstack/soapstack/reliable/storetest"
)

func TestMemoryStoreConformance(t *testing.T) {
	storetest.Run(t, func() reliable.SequenceStore { return reliable.NewMemoryStore() })
}

var (
	ctx   = context.Background()
	t0    = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	owner = reliable.Owner{ContextID: "urn:uuid:ctx", Key: "k"}
)

func incoming(n int64, size int) reliable.Incoming {
	return reliable.Incoming{Owner: owner, Number: n, Message: bytes.Repeat([]byte{'m'}, size), Now: t0, ClaimUntil: t0.Add(time.Minute)}
}

func mustCreate(t *testing.T, s *reliable.MemoryStore, id string) {
	t.Helper()
	if err := s.Create(ctx, reliable.SequenceInfo{ID: id, Owner: owner}, t0); err != nil {
		t.Fatal(err)
	}
}

func mustAccept(t *testing.T, s *reliable.MemoryStore, id string, n int64, size int, want reliable.Outcome) reliable.Accepted {
	t.Helper()
	a, err := s.Accept(ctx, id, incoming(n, size))
	if err != nil || a.Outcome != want {
		t.Fatalf("Accept(%d, %d bytes) = %v, %v; want %v", n, size, a.Outcome, err, want)
	}
	return a
}

func TestMemoryStoreMaxSequences(t *testing.T) {
	s := reliable.NewMemoryStore(reliable.WithMaxSequences(3), reliable.WithMaxPending(10))
	for i := range 3 {
		mustCreate(t, s, fmt.Sprint("urn:", i))
	}
	err := s.Create(ctx, reliable.SequenceInfo{ID: "urn:x", Owner: owner}, t0)
	if !errors.Is(err, reliable.ErrStoreFull) {
		t.Fatalf("Create past the bound: %v", err)
	}
	// Terminated sequences still count; expired ones are dropped first.
	if _, err := s.Terminate(ctx, "urn:0", owner, 0, t0); err != nil {
		t.Fatal(err)
	}
	if err := s.Create(ctx, reliable.SequenceInfo{ID: "urn:x", Owner: owner}, t0); !errors.Is(err, reliable.ErrStoreFull) {
		t.Fatalf("Create with a terminated sequence held: %v", err)
	}
	later := t0.Add(reliable.DefaultInactivityTimeout)
	if err := s.Create(ctx, reliable.SequenceInfo{ID: "urn:x", Owner: owner}, later); err != nil {
		t.Fatalf("Create after expiry: %v", err)
	}
	// The expired sequences are gone; which of them were dropped to make
	// room and which only on this lookup depends on the shard each
	// landed in, so Len is only bounded here.
	for i := range 3 {
		if _, err := s.Get(ctx, fmt.Sprint("urn:", i), later); !errors.Is(err, reliable.ErrUnknownSequence) {
			t.Fatalf("expired urn:%d: %v", i, err)
		}
	}
	if _, err := s.Get(ctx, "urn:x", later); err != nil {
		t.Fatalf("new sequence: %v", err)
	}
	if s.Len() != 1 {
		t.Fatalf("Len %d after the expired ones were looked up, want 1", s.Len())
	}
}

// TestMemoryStoreDropsAckedReplies: a reply the client acknowledged is
// dropped from the cache (it will not be asked for again), so that the
// cache bound evicts no reply the client still needs.
func TestMemoryStoreDropsAckedReplies(t *testing.T) {
	s := reliable.NewMemoryStore(reliable.WithMaxCachedReplies(2))
	mustCreate(t, s, "urn:s")
	for n := int64(1); n <= 2; n++ {
		a := mustAccept(t, s, "urn:s", n, 10, reliable.OutcomeDeliver)
		if _, err := s.Complete(ctx, "urn:s", owner, n, a.Claim, []byte(fmt.Sprint("reply", n)), t0, t0.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.AckReplies(ctx, "urn:s", owner, []reliable.AckRange{{Lower: 1, Upper: 1}}, t0); err != nil {
		t.Fatal(err)
	}
	if a := mustAccept(t, s, "urn:s", 1, 10, reliable.OutcomeDuplicate); a.Reply != nil {
		t.Fatalf("acknowledged reply still cached: %q", a.Reply)
	}
	// Reply 2 is not acknowledged: it stays when reply 3 comes (the bound
	// is 2, and reply 1 no longer takes room).
	a := mustAccept(t, s, "urn:s", 3, 10, reliable.OutcomeDeliver)
	if _, err := s.Complete(ctx, "urn:s", owner, 3, a.Claim, []byte("reply3"), t0, t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if a := mustAccept(t, s, "urn:s", 2, 10, reliable.OutcomeDuplicate); string(a.Reply) != "reply2" {
		t.Fatalf("unacknowledged reply 2: %q", a.Reply)
	}
	st, err := s.Get(ctx, "urn:s", t0)
	if err != nil || st.CachedReplies != 2 {
		t.Fatalf("cached %v, %v; want 2", st, err)
	}
}

func TestMemoryStoreSequenceBytes(t *testing.T) {
	s := reliable.NewMemoryStore(reliable.WithMaxSequenceBytes(100))
	mustCreate(t, s, "urn:s")
	mustAccept(t, s, "urn:s", 2, 60, reliable.OutcomeBuffered)
	// Over the sequence's bound: dropped, not acknowledged.
	a := mustAccept(t, s, "urn:s", 3, 50, reliable.OutcomeDropped)
	if len(a.Ack.Ranges) != 1 || a.Ack.Ranges[0] != (reliable.AckRange{Lower: 2, Upper: 2}) {
		t.Fatalf("ack %v", a.Ack.Ranges)
	}
	mustAccept(t, s, "urn:s", 3, 40, reliable.OutcomeBuffered)
	mustAccept(t, s, "urn:s", 4, 101, reliable.OutcomeDropped)
	if s.Bytes() != 100 {
		t.Fatalf("Bytes %d, want 100", s.Bytes())
	}
	// Delivering frees the buffered bytes; replies then take room, and
	// are evicted (oldest first) to make room for buffered messages.
	d1 := mustAccept(t, s, "urn:s", 1, 10, reliable.OutcomeDeliver)
	d, err := s.Complete(ctx, "urn:s", owner, 1, d1.Claim, bytes.Repeat([]byte{'r'}, 30), t0, t0.Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	d, err = s.Complete(ctx, "urn:s", owner, 2, d.Claim, bytes.Repeat([]byte{'r'}, 30), t0, t0.Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Complete(ctx, "urn:s", owner, 3, d.Claim, bytes.Repeat([]byte{'r'}, 30), t0, t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	// The reply of 1 found the sequence full (2 and 3 buffered): not
	// cached. Those of 2 and 3 took the room their messages left.
	if st, _ := s.Get(ctx, "urn:s", t0); st.CachedReplies != 2 || s.Bytes() != 60 {
		t.Fatalf("replies %d, bytes %d", st.CachedReplies, s.Bytes())
	}
	mustAccept(t, s, "urn:s", 5, 50, reliable.OutcomeBuffered)
	if st, _ := s.Get(ctx, "urn:s", t0); st.CachedReplies != 1 || s.Bytes() != 80 {
		t.Fatalf("after eviction: replies %d, bytes %d", st.CachedReplies, s.Bytes())
	}
	// Duplicates of the uncached and the evicted reply get none, and the
	// operation still does not run again.
	for _, n := range []int64{1, 2} {
		if a := mustAccept(t, s, "urn:s", n, 10, reliable.OutcomeDuplicate); a.Reply != nil {
			t.Fatalf("reply of %d returned: %q", n, a.Reply)
		}
	}
	if a := mustAccept(t, s, "urn:s", 3, 10, reliable.OutcomeDuplicate); len(a.Reply) != 30 {
		t.Fatalf("kept reply: %q", a.Reply)
	}
	if err := s.Remove(ctx, "urn:s"); err != nil {
		t.Fatal(err)
	}
	if s.Bytes() != 0 || s.Len() != 0 {
		t.Fatalf("after Remove: bytes %d, len %d", s.Bytes(), s.Len())
	}
}

func TestMemoryStoreMaxBytes(t *testing.T) {
	s := reliable.NewMemoryStore(reliable.WithMaxBytes(100))
	mustCreate(t, s, "urn:a")
	mustCreate(t, s, "urn:b")
	mustAccept(t, s, "urn:a", 2, 80, reliable.OutcomeBuffered)
	mustAccept(t, s, "urn:b", 2, 30, reliable.OutcomeDropped)
	mustAccept(t, s, "urn:b", 2, 20, reliable.OutcomeBuffered)
	// Terminate keeps buffered messages for delivery; expiry frees them.
	if _, err := s.Terminate(ctx, "urn:a", owner, 0, t0); err != nil {
		t.Fatal(err)
	}
	if s.Bytes() != 100 {
		t.Fatalf("Bytes %d", s.Bytes())
	}
	// urn:b stays active (the sweep of a's shard may meet it too).
	if _, err := s.Touch(ctx, "urn:b", owner, t0.Add(reliable.DefaultInactivityTimeout/2)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get(ctx, "urn:a", t0.Add(reliable.DefaultInactivityTimeout)); !errors.Is(err, reliable.ErrUnknownSequence) {
		t.Fatalf("Get after expiry: %v", err)
	}
	if s.Bytes() != 20 {
		t.Fatalf("Bytes after expiry %d, want 20", s.Bytes())
	}
}

func TestMemoryStoreMaxCachedReplies(t *testing.T) {
	s := reliable.NewMemoryStore(reliable.WithMaxCachedReplies(2))
	mustCreate(t, s, "urn:s")
	for n := int64(1); n <= 3; n++ {
		a := mustAccept(t, s, "urn:s", n, 1, reliable.OutcomeDeliver)
		if _, err := s.Complete(ctx, "urn:s", owner, n, a.Claim, []byte{byte('0' + n)}, t0, t0); err != nil {
			t.Fatal(err)
		}
	}
	for n, want := range map[int64]string{1: "", 2: "2", 3: "3"} {
		if a := mustAccept(t, s, "urn:s", n, 1, reliable.OutcomeDuplicate); string(a.Reply) != want {
			t.Fatalf("reply of %d: %q, want %q", n, a.Reply, want)
		}
	}
	// Terminate drops the replies.
	if _, err := s.Terminate(ctx, "urn:s", owner, 0, t0); err != nil {
		t.Fatal(err)
	}
	if st, _ := s.Get(ctx, "urn:s", t0); st.CachedReplies != 0 || s.Bytes() != 0 {
		t.Fatalf("after Terminate: replies %d, bytes %d", st.CachedReplies, s.Bytes())
	}
}

func TestMemoryStoreMaxNumber(t *testing.T) {
	s := reliable.NewMemoryStore()
	mustCreate(t, s, "urn:s")
	// Deliver up to the largest message number, as if after a long run.
	a := mustAccept(t, s, "urn:s", 1, 1, reliable.OutcomeDeliver)
	if _, err := s.Complete(ctx, "urn:s", owner, 1, a.Claim, nil, t0, t0); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Close(ctx, "urn:s", owner, math.MaxInt64, t0); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Accept(ctx, "urn:s", incoming(math.MaxInt64, 1)); !errors.Is(err, reliable.ErrSequenceClosed) {
		t.Fatalf("Accept(max) after Close: %v", err)
	}
}

// TestMemoryStoreFootprint measures the memory of an open sequence with
// nothing buffered (the identifiers of a typical WCF sequence).
func TestMemoryStoreFootprint(t *testing.T) {
	const n = 2000
	s := reliable.NewMemoryStore(reliable.WithMaxPending(n))
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for i := range n {
		info := reliable.SequenceInfo{
			ID:      fmt.Sprintf("urn:uuid:%08d-1c2b-4f9e-9c61-3f1e2d7a9b10", i),
			Owner:   reliable.Owner{ContextID: fmt.Sprintf("urn:uuid:%08d-aaaa-4f9e-9c61-3f1e2d7a9b10", i), Key: "0123456789abcdef0123456789abcdef"},
			Version: "http://docs.oasis-open.org/ws-rx/wsrm/200702",
			AcksTo:  "http://www.w3.org/2005/08/addressing/anonymous",
		}
		if err := s.Create(ctx, info, t0); err != nil {
			t.Fatal(err)
		}
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	per := (after.HeapAlloc - before.HeapAlloc) / n
	t.Logf("about %d bytes per open sequence", per)
	if per > 2048 {
		t.Fatalf("%d bytes per open sequence", per)
	}
	runtime.KeepAlive(s)
}

// TestMemoryStoreConcurrentSequences runs many sequences at once, created
// and removed concurrently, and checks the counters return to zero.
func TestMemoryStoreConcurrentSequences(t *testing.T) {
	s := reliable.NewMemoryStore(reliable.WithMaxPending(64))
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for round := range 50 {
				id := fmt.Sprintf("urn:%d:%d", g, round)
				if err := s.Create(ctx, reliable.SequenceInfo{ID: id, Owner: owner, Window: 4}, t0); err != nil {
					t.Error(err)
					return
				}
				for _, n := range []int64{3, 2, 1} {
					a, err := s.Accept(ctx, id, incoming(n, 10))
					if err != nil {
						t.Error(err)
						return
					}
					for c, m := a.Claim, n; a.Outcome == reliable.OutcomeDeliver; {
						d, err := s.Complete(ctx, id, owner, m, c, []byte("r"), t0, t0.Add(time.Minute))
						if err != nil {
							t.Error(err)
							return
						}
						if d == nil {
							break
						}
						c, m = d.Claim, d.Number
					}
				}
				if st, err := s.Get(ctx, id, t0); err != nil || st.Next != 4 {
					t.Errorf("%s: next %v, %v", id, st, err)
				}
				if err := s.Remove(ctx, id); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	if s.Len() != 0 || s.Bytes() != 0 {
		t.Fatalf("len %d, bytes %d", s.Len(), s.Bytes())
	}
}
