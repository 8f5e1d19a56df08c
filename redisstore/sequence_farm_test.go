package redisstore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/soapstack/soapstack/reliable"
)

var (
	tNow   = time.Date(2026, 12, 2, 6, 0, 0, 0, time.UTC)
	tOwner = reliable.Owner{ContextID: "urn:uuid:ctx", Key: "alice"}
)

func tMsg(n int64) []byte   { return fmt.Appendf(nil, "<m n='%d'/>", n) }
func tReply(n int64) []byte { return fmt.Appendf(nil, "<r n='%d'/>", n) }

// TestSequenceStoreNodes runs three "nodes" (stores with their own
// clients, as separate processes have) sharing one Redis, each with
// several workers receiving the messages of one sequence in random order
// with duplicates: every message runs once, in order, and every duplicate
// of a completed one gets its cached reply.
func TestSequenceStoreNodes(t *testing.T) {
	srv, _ := newClient(t)
	const (
		nodes   = 3
		workers = 4
		total   = 150
		window  = 8
	)
	stores := make([]*SequenceStore, nodes)
	for i := range stores {
		c := redis.NewClient(&redis.Options{Addr: srv.Addr, ContextTimeoutEnabled: true})
		t.Cleanup(func() { c.Close() })
		s, err := NewSequenceStore(c, SequenceOptions{Options: Options{Prefix: "farm:"}})
		if err != nil {
			t.Fatal(err)
		}
		stores[i] = s
	}
	ctx := context.Background()
	if err := stores[0].Create(ctx, reliable.SequenceInfo{ID: "urn:seq:farm", Owner: tOwner, Window: window}, tNow); err != nil {
		t.Fatal(err)
	}
	var (
		mu        sync.Mutex
		delivered []int64
		runs      = map[int64]int{}
		byNode    = map[int]int{}
		replies   int
		failures  []string
	)
	fail := func(format string, args ...any) {
		mu.Lock()
		failures = append(failures, fmt.Sprintf(format, args...))
		mu.Unlock()
	}
	var wg sync.WaitGroup
	for w := range nodes * workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			node := w % nodes
			s := stores[node]
			rng := rand.New(rand.NewPCG(uint64(w), 7))
			for iter := 0; iter < 100000; iter++ {
				st, err := s.Get(ctx, "urn:seq:farm", tNow)
				if err != nil {
					fail("Get: %v", err)
					return
				}
				if st.Next > total {
					return
				}
				n := st.Next + rng.Int64N(window+2) - 2
				if n < 1 || n > total {
					continue
				}
				a, err := s.Accept(ctx, "urn:seq:farm", reliable.Incoming{Owner: tOwner, Number: n, Message: tMsg(n), Now: tNow, ClaimUntil: tNow.Add(time.Hour)})
				if err != nil {
					fail("Accept(%d): %v", n, err)
					return
				}
				var d *reliable.Delivery
				switch a.Outcome {
				case reliable.OutcomeDuplicate:
					if a.Reply != nil {
						if !bytes.Equal(a.Reply, tReply(n)) {
							fail("duplicate %d got reply %q", n, a.Reply)
						}
						mu.Lock()
						replies++
						mu.Unlock()
					}
				case reliable.OutcomeDeliver:
					d = &reliable.Delivery{Number: n, Claim: a.Claim, Message: tMsg(n)}
				case reliable.OutcomeBuffered:
					if d, err = s.Next(ctx, "urn:seq:farm", tOwner, tNow, tNow.Add(time.Hour)); err != nil {
						fail("Next: %v", err)
						return
					}
				}
				for d != nil {
					if !bytes.Equal(d.Message, tMsg(d.Number)) {
						fail("delivery %d carries %q", d.Number, d.Message)
					}
					mu.Lock()
					runs[d.Number]++
					delivered = append(delivered, d.Number)
					byNode[node]++
					mu.Unlock()
					if d, err = s.Complete(ctx, "urn:seq:farm", tOwner, d.Number, d.Claim, tReply(d.Number), tNow, tNow.Add(time.Hour)); err != nil {
						fail("Complete: %v", err)
						return
					}
				}
			}
			fail("worker %d made no progress", w)
		}()
	}
	wg.Wait()
	if len(failures) > 0 {
		t.Fatalf("%d failures, first: %s", len(failures), failures[0])
	}
	if len(delivered) != total {
		t.Fatalf("%d delivered, want %d", len(delivered), total)
	}
	for i, n := range delivered {
		if n != int64(i+1) || runs[n] != 1 {
			t.Fatalf("delivery %d was of message %d (run %d times)", i, n, runs[n])
		}
	}
	if len(byNode) != nodes || replies == 0 {
		t.Fatalf("deliveries by node %v, %d cached replies served: the run did not spread", byNode, replies)
	}
	t.Logf("deliveries by node %v, %d duplicates answered from the cache", byNode, replies)
}

// TestSequenceStoreOutage pauses, then kills Redis while a sequence is in
// use: every call fails with ErrUnavailable, nothing is delivered twice,
// and after a pause delivery resumes in order; after a restart without
// data the sequence is unknown (never a wrong accept).
func TestSequenceStoreOutage(t *testing.T) {
	srv, c := newClient(t)
	s, err := NewSequenceStore(c, SequenceOptions{Options: Options{Timeout: 300 * time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	id := "urn:seq:outage"
	if err := s.Create(ctx, reliable.SequenceInfo{ID: id, Owner: tOwner}, tNow); err != nil {
		t.Fatal(err)
	}
	runs := map[int64]int{}
	now := tNow
	// deliver offers message n until it runs once, at the caller's time
	// moving past stale claims.
	deliver := func(n int64) {
		t.Helper()
		for try := 0; try < 5; try++ {
			a, err := s.Accept(ctx, id, reliable.Incoming{Owner: tOwner, Number: n, Message: tMsg(n), Now: now, ClaimUntil: now.Add(time.Minute)})
			if err != nil {
				t.Fatalf("Accept(%d): %v", n, err)
			}
			switch a.Outcome {
			case reliable.OutcomeDeliver:
				runs[n]++
				if _, err := s.Complete(ctx, id, tOwner, n, a.Claim, tReply(n), now, now.Add(time.Minute)); err != nil {
					t.Fatalf("Complete(%d): %v", n, err)
				}
				return
			case reliable.OutcomeDuplicate:
				return
			case reliable.OutcomeInProgress:
				now = now.Add(2 * time.Minute) // a claim granted during the outage, to nobody
			default:
				t.Fatalf("Accept(%d): %v", n, a.Outcome)
			}
		}
		t.Fatalf("message %d never delivered", n)
	}
	for n := int64(1); n <= 3; n++ {
		deliver(n)
	}
	srv.Pause()
	for _, call := range []func() error{
		func() error {
			_, err := s.Accept(ctx, id, reliable.Incoming{Owner: tOwner, Number: 4, Message: tMsg(4), Now: now, ClaimUntil: now.Add(time.Minute)})
			return err
		},
		func() error { _, err := s.Get(ctx, id, now); return err },
		func() error { _, err := s.Touch(ctx, id, tOwner, now); return err },
		func() error { return s.Create(ctx, reliable.SequenceInfo{ID: "urn:seq:new", Owner: tOwner}, now) },
	} {
		if err := call(); !errors.Is(err, ErrUnavailable) {
			t.Fatalf("call during a pause: %v, want ErrUnavailable", err)
		}
	}
	srv.Resume()
	for n := int64(4); n <= 6; n++ {
		deliver(n)
	}
	deliver(2) // a duplicate: answered, not run
	for n := int64(1); n <= 6; n++ {
		if runs[n] != 1 {
			t.Fatalf("message %d ran %d times", n, runs[n])
		}
	}
	st, err := s.Get(ctx, id, now)
	if err != nil || st.Next != 7 {
		t.Fatalf("after the pause: %+v %v", st, err)
	}

	// A Complete whose answer is lost in a pause, retried while its claim
	// lasts: the operation ran once and its reply is cached either way.
	a, err := s.Accept(ctx, id, reliable.Incoming{Owner: tOwner, Number: 7, Message: tMsg(7), Now: now, ClaimUntil: now.Add(time.Minute)})
	if err != nil || a.Outcome != reliable.OutcomeDeliver {
		t.Fatalf("Accept(7): %v %v", a.Outcome, err)
	}
	srv.Pause()
	if _, err := s.Complete(ctx, id, tOwner, 7, a.Claim, tReply(7), now, now.Add(time.Minute)); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("Complete during a pause: %v", err)
	}
	srv.Resume()
	if _, err := s.Complete(ctx, id, tOwner, 7, a.Claim, tReply(7), now, now.Add(time.Minute)); err != nil && !errors.Is(err, reliable.ErrClaimLost) {
		t.Fatalf("Complete retried: %v", err)
	}
	dup, err := s.Accept(ctx, id, reliable.Incoming{Owner: tOwner, Number: 7, Message: tMsg(7), Now: now, ClaimUntil: now.Add(time.Minute)})
	if err != nil || dup.Outcome != reliable.OutcomeDuplicate || !bytes.Equal(dup.Reply, tReply(7)) {
		t.Fatalf("retransmission of 7: %v %q %v", dup.Outcome, dup.Reply, err)
	}

	srv.Stop()
	_, err = s.Accept(ctx, id, reliable.Incoming{Owner: tOwner, Number: 8, Message: tMsg(8), Now: now, ClaimUntil: now.Add(time.Minute)})
	if !errors.Is(err, ErrUnavailable) {
		t.Fatalf("Accept with Redis down: %v", err)
	}
	srv.Restart()
	_, err = s.Accept(ctx, id, reliable.Incoming{Owner: tOwner, Number: 8, Message: tMsg(8), Now: now, ClaimUntil: now.Add(time.Minute)})
	if !errors.Is(err, reliable.ErrUnknownSequence) {
		t.Fatalf("Accept after a restart that lost the data: %v, want ErrUnknownSequence", err)
	}
}
