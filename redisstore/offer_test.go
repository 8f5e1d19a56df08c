package redisstore

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/soapstack/soapstack/reliable"
)

// TestOfferPointerStale: a pointer left behind by a sequence whose keys
// are gone (Redis expired them, or the pointer's delete failed) holds its
// name for offerLease after it was taken, in case its Create is still
// running, and is then cleared when the name is used again.
func TestOfferPointerStale(t *testing.T) {
	_, c := newClient(t)
	ctx := context.Background()
	s, err := NewSequenceStore(c, SequenceOptions{})
	if err != nil {
		t.Fatal(err)
	}
	info := reliable.SequenceInfo{ID: "urn:seq:a", Owner: tOwner, OfferID: "urn:offer:a"}
	if err := s.Create(ctx, info, tNow); err != nil {
		t.Fatal(err)
	}
	// The sequence's keys vanish as Redis's TTL would drop them: the
	// pointer under the offer's hash tag stays.
	if err := c.Del(ctx, s.keys(seqMember(info.ID))[:4]...).Err(); err != nil {
		t.Fatal(err)
	}
	pointer := s.keys(seqMember(info.OfferID))[4]
	if n, _ := c.Exists(ctx, pointer).Result(); n != 1 {
		t.Fatal("no pointer under the offer's hash tag")
	}
	if _, err := s.GetByOffer(ctx, info.OfferID, tNow); !errors.Is(err, reliable.ErrUnknownSequence) {
		t.Fatalf("GetByOffer through a stale pointer: %v", err)
	}
	other := reliable.SequenceInfo{ID: "urn:seq:b", Owner: tOwner, OfferID: info.OfferID}
	if err := s.Create(ctx, other, tNow.Add(offerLease/2)); !errors.Is(err, reliable.ErrSequenceExists) {
		t.Fatalf("Create within the lease of a pointer: %v, want ErrSequenceExists", err)
	}
	// The identifier's check meets the pointer too.
	if err := s.Create(ctx, reliable.SequenceInfo{ID: info.OfferID, Owner: tOwner}, tNow.Add(offerLease/2)); !errors.Is(err, reliable.ErrSequenceExists) {
		t.Fatalf("Create of the offered identifier within the lease: %v, want ErrSequenceExists", err)
	}
	later := tNow.Add(offerLease)
	if err := s.Create(ctx, other, later); err != nil {
		t.Fatalf("Create after the lease of a stale pointer: %v", err)
	}
	st, err := s.GetByOffer(ctx, info.OfferID, later)
	if err != nil || st.ID != other.ID {
		t.Fatalf("GetByOffer: %+v, %v; want %s", st, err, other.ID)
	}
	// Remove deletes the pointer with the sequence.
	if err := s.Remove(ctx, other.ID); err != nil {
		t.Fatal(err)
	}
	if n, _ := c.Exists(ctx, pointer).Result(); n != 0 {
		t.Fatal("the pointer outlived Remove")
	}
}

// TestOfferPointerTTL: the pointer outlives its sequence by an inactivity
// timeout, and is extended as the sequence lives on.
func TestOfferPointerTTL(t *testing.T) {
	_, c := newClient(t)
	ctx := context.Background()
	s, err := NewSequenceStore(c, SequenceOptions{})
	if err != nil {
		t.Fatal(err)
	}
	const inactivity = 2 * time.Minute
	info := reliable.SequenceInfo{ID: "urn:seq:t", Owner: tOwner, OfferID: "urn:offer:t", InactivityTimeout: inactivity}
	if err := s.Create(ctx, info, tNow); err != nil {
		t.Fatal(err)
	}
	pointer := s.keys(seqMember(info.OfferID))[4]
	state := s.keys(seqMember(info.ID))[0]
	want := 2*inactivity + DefaultTTLGrace
	ttls := func() (ptr, seq time.Duration) {
		t.Helper()
		p, err1 := c.PTTL(ctx, pointer).Result()
		q, err2 := c.PTTL(ctx, state).Result()
		if err1 != nil || err2 != nil {
			t.Fatal(err1, err2)
		}
		return p, q
	}
	if p, q := ttls(); p < want-time.Second || p > want || q > inactivity+DefaultTTLGrace {
		t.Fatalf("after Create: pointer TTL %v, want about %v; sequence TTL %v", p, want, q)
	}
	// Redis's clock does not follow the callers': shorten the pointer's
	// TTL to see when the store extends it.
	if err := c.PExpire(ctx, pointer, 10*time.Second).Err(); err != nil {
		t.Fatal(err)
	}
	// Activity within the margin leaves the pointer alone.
	if _, err := s.Touch(ctx, info.ID, tOwner, tNow.Add(inactivity/2)); err != nil {
		t.Fatal(err)
	}
	if p, _ := ttls(); p > 10*time.Second {
		t.Fatalf("pointer TTL %v: extended before it was due", p)
	}
	// Once the sequence could outlive the pointer, the pointer is
	// extended: to an inactivity timeout beyond the sequence's keys.
	at := tNow.Add(7 * inactivity / 5)
	if _, err := s.Touch(ctx, info.ID, tOwner, at); err != nil {
		t.Fatal(err)
	}
	p, q := ttls()
	if p < q+inactivity-time.Second || p > want {
		t.Fatalf("after activity: pointer TTL %v, sequence TTL %v; want the pointer an inactivity timeout longer", p, q)
	}
	if st, err := s.GetByOffer(ctx, info.OfferID, at); err != nil || st.ID != info.ID {
		t.Fatalf("GetByOffer: %+v, %v", st, err)
	}
}

// TestOfferPointerRefusedCreate: a Create refused after it took its
// offered name gives the name back.
func TestOfferPointerRefusedCreate(t *testing.T) {
	_, c := newClient(t)
	ctx := context.Background()
	s, err := NewSequenceStore(c, SequenceOptions{MaxSequences: 1})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Create(ctx, reliable.SequenceInfo{ID: "urn:seq:1", Owner: tOwner}, tNow); err != nil {
		t.Fatal(err)
	}
	info := reliable.SequenceInfo{ID: "urn:seq:2", Owner: tOwner, OfferID: "urn:offer:2"}
	if err := s.Create(ctx, info, tNow); !errors.Is(err, reliable.ErrStoreFull) {
		t.Fatalf("Create in a full store: %v, want ErrStoreFull", err)
	}
	if n, _ := c.Exists(ctx, s.keys(seqMember(info.OfferID))[4]).Result(); n != 0 {
		t.Fatal("a refused Create kept its offer's pointer")
	}
	if err := s.Remove(ctx, "urn:seq:1"); err != nil {
		t.Fatal(err)
	}
	if err := s.Create(ctx, info, tNow); err != nil {
		t.Fatalf("Create once there is room: %v", err)
	}
}
