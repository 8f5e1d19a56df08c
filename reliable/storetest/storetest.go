package storetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/soapstack/soapstack/reliable"
)

// t0 is the suite's clock origin.
var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

var (
	alice   = reliable.Owner{ContextID: "urn:uuid:ctx-alice", Key: "alice"}
	mallory = reliable.Owner{ContextID: "urn:uuid:ctx-mallory", Key: "mallory"}
)

// Run runs the conformance suite against the stores newStore returns.
func Run(t *testing.T, newStore func() reliable.SequenceStore) {
	tests := []struct {
		name string
		fn   func(*testing.T, reliable.SequenceStore)
	}{
		{"CreateGet", testCreateGet},
		{"InOrder", testInOrder},
		{"OutOfOrder", testOutOfOrder},
		{"Duplicates", testDuplicates},
		{"Copies", testCopies},
		{"Window", testWindow},
		{"Owner", testOwner},
		{"InvalidNumber", testInvalidNumber},
		{"LastMessage", testLastMessage},
		{"Close", testClose},
		{"Terminate", testTerminate},
		{"ClaimExpiry", testClaimExpiry},
		{"NeedMessage", testNeedMessage},
		{"Pending", testPending},
		{"Inactivity", testInactivity},
		{"Expires", testExpires},
		{"Context", testContext},
		{"ConcurrentDelivery", testConcurrentDelivery},
		{"ConcurrentCreate", testConcurrentCreate},
		{"ReplyNumbers", testReplyNumbers},
		{"AckReplies", testAckReplies},
		{"Offers", testOffers},
		{"ConcurrentOffers", testConcurrentOffers},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.fn(t, newStore()) })
	}
}

var ctx = context.Background()

func create(t *testing.T, s reliable.SequenceStore, id string, window int) {
	t.Helper()
	info := reliable.SequenceInfo{ID: id, Owner: alice, Version: "rm11", AcksTo: "http://www.w3.org/2005/08/addressing/anonymous", Window: window}
	if err := s.Create(ctx, info, t0); err != nil {
		t.Fatalf("Create(%s): %v", id, err)
	}
}

func in(n int64, now time.Time) reliable.Incoming {
	return reliable.Incoming{Owner: alice, Number: n, Message: msg(n), Now: now, ClaimUntil: now.Add(time.Minute)}
}

func msg(n int64) []byte   { return fmt.Appendf(nil, "<m n=%q/>", fmt.Sprint(n)) }
func reply(n int64) []byte { return fmt.Appendf(nil, "<r n=%q/>", fmt.Sprint(n)) }

func accept(t *testing.T, s reliable.SequenceStore, id string, n int64, want reliable.Outcome) reliable.Accepted {
	t.Helper()
	a, err := s.Accept(ctx, id, in(n, t0))
	if err != nil {
		t.Fatalf("Accept(%d): %v", n, err)
	}
	if a.Outcome != want {
		t.Fatalf("Accept(%d) = %v, want %v", n, a.Outcome, want)
	}
	return a
}

func complete(t *testing.T, s reliable.SequenceStore, id string, n int64, c reliable.Claim) *reliable.Delivery {
	t.Helper()
	d, err := s.Complete(ctx, id, alice, n, c, reply(n), t0, t0.Add(time.Minute))
	if err != nil {
		t.Fatalf("Complete(%d): %v", n, err)
	}
	return d
}

func ranges(rs ...int64) []reliable.AckRange {
	var out []reliable.AckRange
	for i := 0; i+1 < len(rs); i += 2 {
		if rs[i] > rs[i+1] {
			continue
		}
		out = append(out, reliable.AckRange{Lower: rs[i], Upper: rs[i+1]})
	}
	return out
}

func wantAck(t *testing.T, got reliable.Ack, want []reliable.AckRange) {
	t.Helper()
	if !slices.Equal(got.Ranges, want) {
		t.Fatalf("ack ranges %v, want %v", got.Ranges, want)
	}
}

func wantErr(t *testing.T, what string, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("%s: error %v, want %v", what, err, want)
	}
}

func testCreateGet(t *testing.T, s reliable.SequenceStore) {
	info := reliable.SequenceInfo{ID: "urn:seq:1", Owner: alice, Version: "rm10", AcksTo: "urn:acks", OfferID: "urn:offer", Window: 3, InactivityTimeout: time.Hour}
	if err := s.Create(ctx, info, t0); err != nil {
		t.Fatal(err)
	}
	st, err := s.Get(ctx, "urn:seq:1", t0.Add(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if st.SequenceInfo != info || !st.Created.Equal(t0) || !st.LastActivity.Equal(t0) || !st.Pending || st.Next != 1 ||
		st.Claimed || st.Buffered != 0 || st.Closed || st.Terminated || st.LastNumber != 0 ||
		len(st.Ack.Ranges) != 0 || st.Ack.BufferRemaining != 3 || st.Ack.Final {
		t.Fatalf("state %+v", st)
	}
	wantErr(t, "Create again", s.Create(ctx, info, t0), reliable.ErrSequenceExists)
	other := info
	other.Owner = mallory
	wantErr(t, "Create of a used identifier under another owner", s.Create(ctx, other, t0), reliable.ErrSequenceExists)
	_, err = s.Get(ctx, "urn:seq:none", t0)
	wantErr(t, "Get unknown", err, reliable.ErrUnknownSequence)
	for _, call := range []func() error{
		func() error { _, err := s.Accept(ctx, "urn:seq:none", in(1, t0)); return err },
		func() error { _, err := s.Touch(ctx, "urn:seq:none", alice, t0); return err },
		func() error { _, err := s.Next(ctx, "urn:seq:none", alice, t0, t0); return err },
		func() error { _, err := s.Close(ctx, "urn:seq:none", alice, 0, t0); return err },
		func() error { _, err := s.Terminate(ctx, "urn:seq:none", alice, 0, t0); return err },
		func() error { return s.Remove(ctx, "urn:seq:none") },
		func() error { return s.AckReplies(ctx, "urn:seq:none", alice, nil, t0) },
		func() error { _, err := s.GetByOffer(ctx, "urn:seq:none", t0); return err },
		func() error {
			_, err := s.Complete(ctx, "urn:seq:none", alice, 1, 1, nil, t0, t0)
			return err
		},
	} {
		wantErr(t, "call on unknown sequence", call(), reliable.ErrUnknownSequence)
	}
	// Defaults are filled in.
	create(t, s, "urn:seq:defaults", 0)
	st, _ = s.Get(ctx, "urn:seq:defaults", t0)
	if st.Window != reliable.DefaultWindow || st.InactivityTimeout != reliable.DefaultInactivityTimeout || st.Ack.BufferRemaining != reliable.DefaultWindow {
		t.Fatalf("defaults: window %d, inactivity %v, remaining %d", st.Window, st.InactivityTimeout, st.Ack.BufferRemaining)
	}
	if err := s.Remove(ctx, "urn:seq:1"); err != nil {
		t.Fatal(err)
	}
	_, err = s.Get(ctx, "urn:seq:1", t0)
	wantErr(t, "Get after Remove", err, reliable.ErrUnknownSequence)
}

func testInOrder(t *testing.T, s reliable.SequenceStore) {
	create(t, s, "urn:seq", 0)
	for n := int64(1); n <= 20; n++ {
		a := accept(t, s, "urn:seq", n, reliable.OutcomeDeliver)
		// Being delivered: not acknowledged yet.
		wantAck(t, a.Ack, ranges(1, n-1))
		if d := complete(t, s, "urn:seq", n, a.Claim); d != nil {
			t.Fatalf("Complete(%d) returned a delivery of %d", n, d.Number)
		}
	}
	st, _ := s.Get(ctx, "urn:seq", t0)
	if st.Next != 21 || st.Pending || st.CachedReplies == 0 {
		t.Fatalf("state %+v", st)
	}
	wantAck(t, st.Ack, ranges(1, 20))
}

func testOutOfOrder(t *testing.T, s reliable.SequenceStore) {
	create(t, s, "urn:seq", 0)
	a := accept(t, s, "urn:seq", 4, reliable.OutcomeBuffered)
	wantAck(t, a.Ack, ranges(4, 4))
	if a.Ack.BufferRemaining != reliable.DefaultWindow-1 {
		t.Fatalf("BufferRemaining %d", a.Ack.BufferRemaining)
	}
	accept(t, s, "urn:seq", 2, reliable.OutcomeBuffered)
	a = accept(t, s, "urn:seq", 3, reliable.OutcomeBuffered)
	wantAck(t, a.Ack, ranges(2, 4))
	if d, err := s.Next(ctx, "urn:seq", alice, t0, t0.Add(time.Minute)); err != nil || d != nil {
		t.Fatalf("Next with 1 missing: %v, %v", d, err)
	}
	a = accept(t, s, "urn:seq", 1, reliable.OutcomeDeliver)
	var order []int64
	n, c := int64(1), a.Claim
	for {
		order = append(order, n)
		d := complete(t, s, "urn:seq", n, c)
		if d == nil {
			break
		}
		if !bytes.Equal(d.Message, msg(d.Number)) {
			t.Fatalf("delivery %d carries %q", d.Number, d.Message)
		}
		n, c = d.Number, d.Claim
	}
	if !slices.Equal(order, []int64{1, 2, 3, 4}) {
		t.Fatalf("delivered %v", order)
	}
	st, _ := s.Get(ctx, "urn:seq", t0)
	if st.Buffered != 0 || st.BufferedBytes != 0 || st.Next != 5 || st.Ack.BufferRemaining != reliable.DefaultWindow {
		t.Fatalf("state %+v", st)
	}
	wantAck(t, st.Ack, ranges(1, 4))
}

func testDuplicates(t *testing.T, s reliable.SequenceStore) {
	create(t, s, "urn:seq", 0)
	a1 := accept(t, s, "urn:seq", 1, reliable.OutcomeDeliver)
	// A retransmission while 1 is being delivered: neither run nor ack.
	a := accept(t, s, "urn:seq", 1, reliable.OutcomeInProgress)
	wantAck(t, a.Ack, nil)
	// ClaimUntil is optional; a store that reports it reports the live
	// claim's end.
	if until := t0.Add(time.Minute); !a.ClaimUntil.IsZero() && !a.ClaimUntil.Equal(until) {
		t.Fatalf("InProgress ClaimUntil %v, want %v (or zero)", a.ClaimUntil, until)
	}
	a = accept(t, s, "urn:seq", 3, reliable.OutcomeBuffered)
	if until := t0.Add(time.Minute); !a.ClaimUntil.IsZero() && !a.ClaimUntil.Equal(until) {
		t.Fatalf("Buffered ClaimUntil %v, want %v (or zero)", a.ClaimUntil, until)
	}
	accept(t, s, "urn:seq", 3, reliable.OutcomeBuffered) // duplicate of a buffered one
	if d := complete(t, s, "urn:seq", 1, a1.Claim); d != nil {
		t.Fatalf("delivery of %d with 2 missing", d.Number)
	}
	// Complete twice: the claim is spent.
	_, err := s.Complete(ctx, "urn:seq", alice, 1, a1.Claim, reply(1), t0, t0)
	wantErr(t, "second Complete", err, reliable.ErrClaimLost)
	for i := 0; i < 3; i++ {
		a = accept(t, s, "urn:seq", 1, reliable.OutcomeDuplicate)
		if !bytes.Equal(a.Reply, reply(1)) {
			t.Fatalf("duplicate reply %q", a.Reply)
		}
		wantAck(t, a.Ack, ranges(1, 1, 3, 3))
	}
	// One-way: no reply cached.
	a2 := accept(t, s, "urn:seq", 2, reliable.OutcomeDeliver)
	d, err := s.Complete(ctx, "urn:seq", alice, 2, a2.Claim, nil, t0, t0.Add(time.Minute))
	if err != nil || d == nil || d.Number != 3 {
		t.Fatalf("Complete(2): %v, %v", d, err)
	}
	a = accept(t, s, "urn:seq", 2, reliable.OutcomeDuplicate)
	if a.Reply != nil {
		t.Fatalf("one-way duplicate reply %q", a.Reply)
	}
	// 3 is being delivered (claimed from the buffer): in progress, and
	// acknowledged since it is stored.
	a = accept(t, s, "urn:seq", 3, reliable.OutcomeInProgress)
	wantAck(t, a.Ack, ranges(1, 3))
	complete(t, s, "urn:seq", 3, d.Claim)
	a = accept(t, s, "urn:seq", 3, reliable.OutcomeDuplicate)
	if !bytes.Equal(a.Reply, reply(3)) {
		t.Fatalf("reply of 3: %q", a.Reply)
	}
}

func testCopies(t *testing.T, s reliable.SequenceStore) {
	create(t, s, "urn:seq", 0)
	m := msg(2)
	i := in(2, t0)
	i.Message = m
	if a, err := s.Accept(ctx, "urn:seq", i); err != nil || a.Outcome != reliable.OutcomeBuffered {
		t.Fatalf("Accept(2): %v %v", a.Outcome, err)
	}
	m[0] = 'X'
	a := accept(t, s, "urn:seq", 1, reliable.OutcomeDeliver)
	r := reply(1)
	d, err := s.Complete(ctx, "urn:seq", alice, 1, a.Claim, r, t0, t0.Add(time.Minute))
	if err != nil || d == nil {
		t.Fatalf("Complete: %v %v", d, err)
	}
	r[0] = 'X'
	if !bytes.Equal(d.Message, msg(2)) {
		t.Fatalf("stored message changed with the caller's buffer: %q", d.Message)
	}
	a = accept(t, s, "urn:seq", 1, reliable.OutcomeDuplicate)
	if !bytes.Equal(a.Reply, reply(1)) {
		t.Fatalf("stored reply changed with the caller's buffer: %q", a.Reply)
	}
	a.Reply[0] = 'Y'
	a = accept(t, s, "urn:seq", 1, reliable.OutcomeDuplicate)
	if !bytes.Equal(a.Reply, reply(1)) {
		t.Fatalf("stored reply changed with a returned one: %q", a.Reply)
	}
	a.Ack.Ranges[0].Upper = 99
	if st, _ := s.Get(ctx, "urn:seq", t0); st.Ack.Ranges[0].Upper == 99 {
		t.Fatal("ack ranges shared with a result")
	}
}

func testWindow(t *testing.T, s reliable.SequenceStore) {
	create(t, s, "urn:seq", 4)
	// Next is 1: numbers 1..4 fit, 5 does not.
	accept(t, s, "urn:seq", 5, reliable.OutcomeDropped)
	for n := int64(2); n <= 4; n++ {
		accept(t, s, "urn:seq", n, reliable.OutcomeBuffered)
	}
	a := accept(t, s, "urn:seq", 5, reliable.OutcomeDropped)
	wantAck(t, a.Ack, ranges(2, 4))
	if a.Ack.BufferRemaining != 1 {
		t.Fatalf("BufferRemaining %d, want 1", a.Ack.BufferRemaining)
	}
	a = accept(t, s, "urn:seq", 1, reliable.OutcomeDeliver)
	d := complete(t, s, "urn:seq", 1, a.Claim)
	// The window moved: 5 fits now.
	accept(t, s, "urn:seq", 5, reliable.OutcomeBuffered)
	accept(t, s, "urn:seq", 6, reliable.OutcomeDropped)
	for d != nil {
		d = complete(t, s, "urn:seq", d.Number, d.Claim)
	}
	st, _ := s.Get(ctx, "urn:seq", t0)
	if st.Next != 6 || st.Buffered != 0 {
		t.Fatalf("state %+v", st)
	}
	// A dropped message is not remembered: it is accepted when it fits.
	accept(t, s, "urn:seq", 6, reliable.OutcomeDeliver)
}

func testOwner(t *testing.T, s reliable.SequenceStore) {
	create(t, s, "urn:seq", 0)
	a := accept(t, s, "urn:seq", 1, reliable.OutcomeDeliver)
	for _, o := range []reliable.Owner{mallory, {ContextID: alice.ContextID}, {ContextID: alice.ContextID, Key: "mallory"}, {Key: alice.Key}, {}} {
		later := t0.Add(time.Minute)
		i := in(2, later)
		i.Owner = o
		_, err := s.Accept(ctx, "urn:seq", i)
		wantErr(t, fmt.Sprintf("Accept under %+v", o), err, reliable.ErrOwnerMismatch)
		i.Number = 1
		_, err = s.Accept(ctx, "urn:seq", i)
		wantErr(t, "Accept of a duplicate under another owner", err, reliable.ErrOwnerMismatch)
		_, err = s.Complete(ctx, "urn:seq", o, 1, a.Claim, []byte("forged"), later, later)
		wantErr(t, "Complete", err, reliable.ErrOwnerMismatch)
		_, err = s.Next(ctx, "urn:seq", o, later, later)
		wantErr(t, "Next", err, reliable.ErrOwnerMismatch)
		_, err = s.Touch(ctx, "urn:seq", o, later)
		wantErr(t, "Touch", err, reliable.ErrOwnerMismatch)
		_, err = s.Close(ctx, "urn:seq", o, 0, later)
		wantErr(t, "Close", err, reliable.ErrOwnerMismatch)
		_, err = s.Terminate(ctx, "urn:seq", o, 0, later)
		wantErr(t, "Terminate", err, reliable.ErrOwnerMismatch)
		err = s.AckReplies(ctx, "urn:seq", o, nil, later)
		wantErr(t, "AckReplies", err, reliable.ErrOwnerMismatch)
	}
	st, _ := s.Get(ctx, "urn:seq", t0)
	if st.Buffered != 0 || st.Closed || st.Terminated || !st.Claimed || !st.LastActivity.Equal(t0) {
		t.Fatalf("calls under another owner changed the sequence: %+v", st)
	}
	complete(t, s, "urn:seq", 1, a.Claim)
}

func testInvalidNumber(t *testing.T, s reliable.SequenceStore) {
	create(t, s, "urn:seq", 0)
	for _, n := range []int64{0, -1, math.MinInt64} {
		_, err := s.Accept(ctx, "urn:seq", in(n, t0))
		wantErr(t, fmt.Sprintf("Accept(%d)", n), err, reliable.ErrInvalidMessageNumber)
	}
	accept(t, s, "urn:seq", math.MaxInt64, reliable.OutcomeDropped)
}

func testLastMessage(t *testing.T, s reliable.SequenceStore) {
	create(t, s, "urn:seq", 0)
	i := in(3, t0)
	i.Last = true
	if a, err := s.Accept(ctx, "urn:seq", i); err != nil || a.Outcome != reliable.OutcomeBuffered {
		t.Fatalf("Accept(3, last): %v %v", a.Outcome, err)
	}
	_, err := s.Accept(ctx, "urn:seq", in(4, t0))
	wantErr(t, "Accept past the last", err, reliable.ErrLastMessageNumberExceeded)
	accept(t, s, "urn:seq", 2, reliable.OutcomeBuffered)
	a := accept(t, s, "urn:seq", 1, reliable.OutcomeDeliver)
	d := complete(t, s, "urn:seq", 1, a.Claim)
	d = complete(t, s, "urn:seq", d.Number, d.Claim)
	if !d.Last || d.Number != 3 {
		t.Fatalf("delivery %d, last %v", d.Number, d.Last)
	}
	complete(t, s, "urn:seq", 3, d.Claim)
	if st, _ := s.Get(ctx, "urn:seq", t0); st.LastNumber != 3 {
		t.Fatalf("LastNumber %d", st.LastNumber)
	}
	_, err = s.Close(ctx, "urn:seq", alice, 5, t0)
	wantErr(t, "Close with another last number", err, reliable.ErrLastMessageNumberExceeded)

	// A last number below one received.
	create(t, s, "urn:seq:2", 0)
	accept(t, s, "urn:seq:2", 5, reliable.OutcomeBuffered)
	i = in(4, t0)
	i.Last = true
	_, err = s.Accept(ctx, "urn:seq:2", i)
	wantErr(t, "LastMessage below a received number", err, reliable.ErrLastMessageNumberExceeded)
	_, err = s.Close(ctx, "urn:seq:2", alice, 4, t0)
	wantErr(t, "Close with LastMsgNumber below a received number", err, reliable.ErrLastMessageNumberExceeded)
	_, err = s.Terminate(ctx, "urn:seq:2", alice, 4, t0)
	wantErr(t, "Terminate with LastMsgNumber below a received number", err, reliable.ErrLastMessageNumberExceeded)
	if st, _ := s.Get(ctx, "urn:seq:2", t0); st.Closed || st.Terminated || st.LastNumber != 0 {
		t.Fatalf("refused Close changed the sequence: %+v", st)
	}
	ack, err := s.Close(ctx, "urn:seq:2", alice, 6, t0)
	if err != nil || !ack.Final {
		t.Fatalf("Close(6): %v %+v", err, ack)
	}
	_, err = s.Accept(ctx, "urn:seq:2", in(7, t0))
	wantErr(t, "Accept past LastMsgNumber", err, reliable.ErrLastMessageNumberExceeded)
}

func testClose(t *testing.T, s reliable.SequenceStore) {
	create(t, s, "urn:seq", 0)
	a := accept(t, s, "urn:seq", 1, reliable.OutcomeDeliver)
	accept(t, s, "urn:seq", 3, reliable.OutcomeBuffered)
	ack, err := s.Close(ctx, "urn:seq", alice, 0, t0)
	if err != nil || !ack.Final {
		t.Fatalf("Close: %v %+v", err, ack)
	}
	wantAck(t, ack, ranges(3, 3))
	if _, err := s.Close(ctx, "urn:seq", alice, 0, t0); err != nil {
		t.Fatalf("Close twice: %v", err)
	}
	_, err = s.Accept(ctx, "urn:seq", in(2, t0))
	wantErr(t, "new message after Close", err, reliable.ErrSequenceClosed)
	_, err = s.Accept(ctx, "urn:seq", in(9, t0))
	wantErr(t, "new message after Close", err, reliable.ErrSequenceClosed)
	// Delivery of what was received goes on; duplicates are answered.
	accept(t, s, "urn:seq", 1, reliable.OutcomeInProgress)
	accept(t, s, "urn:seq", 3, reliable.OutcomeBuffered)
	complete(t, s, "urn:seq", 1, a.Claim)
	a = accept(t, s, "urn:seq", 1, reliable.OutcomeDuplicate)
	if !bytes.Equal(a.Reply, reply(1)) || !a.Ack.Final {
		t.Fatalf("duplicate after Close: %q %+v", a.Reply, a.Ack)
	}
	st, _ := s.Get(ctx, "urn:seq", t0)
	if !st.Closed || st.Terminated {
		t.Fatalf("state %+v", st)
	}
}

func testTerminate(t *testing.T, s reliable.SequenceStore) {
	create(t, s, "urn:seq", 0)
	a := accept(t, s, "urn:seq", 1, reliable.OutcomeDeliver)
	accept(t, s, "urn:seq", 2, reliable.OutcomeBuffered)
	ack, err := s.Terminate(ctx, "urn:seq", alice, 2, t0)
	if err != nil || !ack.Final {
		t.Fatalf("Terminate: %v %+v", err, ack)
	}
	if _, err := s.Terminate(ctx, "urn:seq", alice, 0, t0); err != nil {
		t.Fatalf("Terminate twice: %v", err)
	}
	for _, n := range []int64{1, 2, 3} {
		_, err := s.Accept(ctx, "urn:seq", in(n, t0))
		wantErr(t, fmt.Sprintf("Accept(%d) after Terminate", n), err, reliable.ErrSequenceTerminated)
	}
	_, err = s.Close(ctx, "urn:seq", alice, 0, t0)
	wantErr(t, "Close after Terminate", err, reliable.ErrSequenceTerminated)
	// The operation under way completes, and the acknowledged message
	// still gets delivered.
	d := complete(t, s, "urn:seq", 1, a.Claim)
	if d == nil || d.Number != 2 {
		t.Fatalf("buffered message not delivered after Terminate: %v", d)
	}
	complete(t, s, "urn:seq", 2, d.Claim)
	st, err := s.Get(ctx, "urn:seq", t0)
	if err != nil || !st.Terminated || !st.Closed || st.Buffered != 0 {
		t.Fatalf("state %+v, %v", st, err)
	}
	if err := s.Remove(ctx, "urn:seq"); err != nil {
		t.Fatal(err)
	}
	_, err = s.Accept(ctx, "urn:seq", in(3, t0))
	wantErr(t, "Accept after Remove", err, reliable.ErrUnknownSequence)
}

func testClaimExpiry(t *testing.T, s reliable.SequenceStore) {
	create(t, s, "urn:seq", 0)
	a := accept(t, s, "urn:seq", 1, reliable.OutcomeDeliver) // claim until t0+1m
	if a.Redelivery {
		t.Fatal("first claim marked a redelivery")
	}
	later := t0.Add(2 * time.Minute)
	// The holder went away: a retransmission takes the claim over, told
	// that the operation may have run.
	a2, err := s.Accept(ctx, "urn:seq", in(1, later))
	if err != nil || a2.Outcome != reliable.OutcomeDeliver || a2.Claim == a.Claim || !a2.Redelivery {
		t.Fatalf("retransmission after the claim ended: %+v %v", a2, err)
	}
	_, err = s.Complete(ctx, "urn:seq", alice, 1, a.Claim, reply(1), later, later)
	wantErr(t, "late Complete of a claim taken over", err, reliable.ErrClaimLost)
	accept(t, s, "urn:seq", 2, reliable.OutcomeBuffered)
	d, err := s.Complete(ctx, "urn:seq", alice, 1, a2.Claim, reply(1), later, later.Add(time.Minute))
	if err != nil || d == nil || d.Number != 2 || d.Redelivery {
		t.Fatalf("Complete: %+v %v", d, err)
	}
	// The holder of 2 went away too: Next resumes the buffered message.
	muchLater := later.Add(2 * time.Minute)
	if d2, err := s.Next(ctx, "urn:seq", alice, later, muchLater); err != nil || d2 != nil {
		t.Fatalf("Next with a live claim: %v %v", d2, err)
	}
	d2, err := s.Next(ctx, "urn:seq", alice, muchLater, muchLater.Add(time.Minute))
	if err != nil || d2 == nil || d2.Number != 2 || !bytes.Equal(d2.Message, msg(2)) || d2.Claim == d.Claim || !d2.Redelivery {
		t.Fatalf("Next after the claim ended: %+v %v", d2, err)
	}
	_, err = s.Complete(ctx, "urn:seq", alice, 2, d.Claim, reply(2), muchLater, muchLater)
	wantErr(t, "late Complete", err, reliable.ErrClaimLost)
	if _, err := s.Complete(ctx, "urn:seq", alice, 2, d2.Claim, reply(2), muchLater, muchLater); err != nil {
		t.Fatal(err)
	}
	// A claim past its end that nobody took over still completes.
	a3, _ := s.Accept(ctx, "urn:seq", in(3, muchLater))
	if a3.Redelivery {
		t.Fatal("claim after a completed one marked a redelivery")
	}
	if _, err := s.Complete(ctx, "urn:seq", alice, 3, a3.Claim, reply(3), muchLater.Add(5*time.Minute), muchLater); err != nil {
		t.Fatalf("Complete past the claim's end: %v", err)
	}
	_, err = s.Complete(ctx, "urn:seq", alice, 4, a3.Claim, nil, muchLater.Add(5*time.Minute), muchLater)
	wantErr(t, "Complete of another number", err, reliable.ErrClaimLost)
}

// testNeedMessage checks Accept of messages given without their bytes:
// delivered at once when they are next, asked for (OutcomeNeedMessage,
// nothing recorded) when they must be buffered, and dropped beyond the
// window without being asked for.
func testNeedMessage(t *testing.T, s reliable.SequenceStore) {
	create(t, s, "urn:seq", 4)
	bare := func(n int64, now time.Time) reliable.Incoming {
		i := in(n, now)
		i.Message = nil
		return i
	}
	want := func(what string, i reliable.Incoming, o reliable.Outcome) reliable.Accepted {
		t.Helper()
		a, err := s.Accept(ctx, "urn:seq", i)
		if err != nil || a.Outcome != o {
			t.Fatalf("%s: %v %v, want %v", what, a.Outcome, err, o)
		}
		return a
	}
	a1 := want("next without bytes", bare(1, t0), reliable.OutcomeDeliver)
	want("next, claimed, without bytes", bare(1, t0), reliable.OutcomeInProgress)
	last := bare(3, t0)
	last.Last = true
	a := want("ahead without bytes", last, reliable.OutcomeNeedMessage)
	wantAck(t, a.Ack, nil)
	st, err := s.Get(ctx, "urn:seq", t0)
	if err != nil || st.Buffered != 0 || st.LastNumber != 0 || len(st.Ack.Ranges) != 0 {
		t.Fatalf("state after OutcomeNeedMessage: %+v %v", st, err)
	}
	want("beyond the window without bytes", bare(6, t0), reliable.OutcomeDropped)
	last.Message = msg(3)
	want("ahead with bytes", last, reliable.OutcomeBuffered)
	want("buffered, again without bytes", bare(3, t0), reliable.OutcomeBuffered)
	if st, _ := s.Get(ctx, "urn:seq", t0); st.LastNumber != 3 {
		t.Fatalf("last number %d, want 3", st.LastNumber)
	}
	want("ahead without bytes", bare(2, t0), reliable.OutcomeNeedMessage)
	want("ahead with bytes", in(2, t0), reliable.OutcomeBuffered)
	d := complete(t, s, "urn:seq", 1, a1.Claim)
	if d == nil || d.Number != 2 || !bytes.Equal(d.Message, msg(2)) {
		t.Fatalf("Complete(1) claimed %+v, want message 2 with its bytes", d)
	}
	want("completed, without bytes", bare(1, t0), reliable.OutcomeDuplicate)
	// The holder of 2 went away: its retransmission, without bytes, is
	// granted the claim (the message is buffered).
	later := t0.Add(2 * time.Minute)
	a2 := want("claim taken over without bytes", bare(2, later), reliable.OutcomeDeliver)
	if !a2.Redelivery {
		t.Fatal("claim taken over not marked a redelivery")
	}
	if _, err := s.Complete(ctx, "urn:seq", alice, 2, a2.Claim, reply(2), later, later.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
}

func testPending(t *testing.T, s reliable.SequenceStore) {
	for i := 0; i < reliable.DefaultMaxPending; i++ {
		create(t, s, fmt.Sprintf("urn:seq:%d", i), 0)
	}
	info := reliable.SequenceInfo{ID: "urn:seq:extra", Owner: alice}
	wantErr(t, "Create past MaxPending", s.Create(ctx, info, t0), reliable.ErrTooManyPending)
	// A message ends the pending state of a sequence.
	accept(t, s, "urn:seq:0", 1, reliable.OutcomeDeliver)
	if err := s.Create(ctx, info, t0); err != nil {
		t.Fatalf("Create after a pending sequence got a message: %v", err)
	}
	wantErr(t, "Create past MaxPending", s.Create(ctx, reliable.SequenceInfo{ID: "urn:seq:more", Owner: alice}, t0), reliable.ErrTooManyPending)
	// Removing a pending sequence frees its place.
	if err := s.Remove(ctx, "urn:seq:1"); err != nil {
		t.Fatal(err)
	}
	if err := s.Create(ctx, reliable.SequenceInfo{ID: "urn:seq:more", Owner: alice}, t0); err != nil {
		t.Fatalf("Create after Remove: %v", err)
	}
	// Idle pending sequences expire and free their places.
	later := t0.Add(reliable.DefaultInactivityTimeout)
	if err := s.Create(ctx, reliable.SequenceInfo{ID: "urn:seq:late", Owner: alice}, later); err != nil {
		t.Fatalf("Create after pending sequences expired: %v", err)
	}
}

func testInactivity(t *testing.T, s reliable.SequenceStore) {
	info := reliable.SequenceInfo{ID: "urn:seq", Owner: alice, InactivityTimeout: time.Minute}
	if err := s.Create(ctx, info, t0); err != nil {
		t.Fatal(err)
	}
	now := t0
	step := time.Minute - time.Nanosecond
	// Activity of every kind keeps it alive.
	now = now.Add(step)
	if _, err := s.Touch(ctx, "urn:seq", alice, now); err != nil {
		t.Fatal(err)
	}
	now = now.Add(step)
	a, err := s.Accept(ctx, "urn:seq", in(1, now))
	if err != nil {
		t.Fatal(err)
	}
	now = now.Add(step)
	if _, err := s.Complete(ctx, "urn:seq", alice, 1, a.Claim, reply(1), now, now); err != nil {
		t.Fatal(err)
	}
	now = now.Add(step)
	if _, err := s.Next(ctx, "urn:seq", alice, now, now); err != nil {
		t.Fatal(err)
	}
	// Get and calls under another owner do not.
	now = now.Add(step)
	if st, err := s.Get(ctx, "urn:seq", now); err != nil || !st.LastActivity.Equal(now.Add(-step)) {
		t.Fatalf("Get: %v", err)
	}
	s.Touch(ctx, "urn:seq", mallory, now)
	now = now.Add(time.Nanosecond)
	_, err = s.Touch(ctx, "urn:seq", alice, now)
	wantErr(t, "Touch after the inactivity timeout", err, reliable.ErrUnknownSequence)
	_, err = s.Get(ctx, "urn:seq", now)
	wantErr(t, "Get after the inactivity timeout", err, reliable.ErrUnknownSequence)
	// Its identifier is free again.
	if err := s.Create(ctx, info, now); err != nil {
		t.Fatalf("Create of an expired identifier: %v", err)
	}
}

func testExpires(t *testing.T, s reliable.SequenceStore) {
	info := reliable.SequenceInfo{ID: "urn:seq", Owner: alice, Expires: t0.Add(time.Minute)}
	if err := s.Create(ctx, info, t0); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Accept(ctx, "urn:seq", in(1, t0.Add(time.Minute-1))); err != nil {
		t.Fatal(err)
	}
	_, err := s.Accept(ctx, "urn:seq", in(2, t0.Add(time.Minute)))
	wantErr(t, "Accept at Expires", err, reliable.ErrUnknownSequence)
	if err := s.Create(ctx, reliable.SequenceInfo{ID: "urn:seq:old", Owner: alice, Expires: t0}, t0); err == nil {
		t.Fatal("Create of an expired sequence succeeded")
	}
}

func testContext(t *testing.T, s reliable.SequenceStore) {
	create(t, s, "urn:seq", 0)
	c, cancel := context.WithCancel(ctx)
	cancel()
	_, err := s.Accept(c, "urn:seq", in(1, t0))
	wantErr(t, "Accept with a canceled context", err, context.Canceled)
	wantErr(t, "Create with a canceled context", s.Create(c, reliable.SequenceInfo{ID: "urn:x", Owner: alice}, t0), context.Canceled)
	wantErr(t, "AckReplies with a canceled context", s.AckReplies(c, "urn:seq", alice, nil, t0), context.Canceled)
	createOffer(t, s, "urn:seq:2", "urn:offer")
	_, err = s.GetByOffer(c, "urn:offer", t0)
	wantErr(t, "GetByOffer with a canceled context", err, context.Canceled)
	if st, _ := s.Get(ctx, "urn:seq", t0); st.Claimed || !st.Pending {
		t.Fatalf("canceled Accept changed the sequence: %+v", st)
	}
}

// testConcurrentDelivery runs nodes goroutines, as the nodes of a farm,
// that receive the messages of one sequence in random order with many
// duplicates, and checks that every message is delivered exactly once,
// in order, and that duplicates of delivered ones get their reply.
func testConcurrentDelivery(t *testing.T, s reliable.SequenceStore) {
	const (
		nodes  = 16
		total  = 400
		window = 8
	)
	create(t, s, "urn:seq", window)
	var (
		mu        sync.Mutex
		delivered []int64
		replyNums []int64 // by delivery, of those with a reply
		runs      = map[int64]int{}
		outcomes  = map[reliable.Outcome]int{}
		failures  []string
	)
	fail := func(format string, args ...any) {
		mu.Lock()
		failures = append(failures, fmt.Sprintf(format, args...))
		mu.Unlock()
	}
	// Every fifth operation is one-way: its Complete has no reply, and
	// the replies are numbered without it.
	oneWay := func(n int64) bool { return n%5 == 0 }
	replyOf := func(n int64) []byte {
		if oneWay(n) {
			return nil
		}
		return reply(n)
	}
	// deliver runs the operation of n; it is called with a claim.
	deliver := func(d *reliable.Delivery) {
		mu.Lock()
		runs[d.Number]++
		delivered = append(delivered, d.Number)
		if !oneWay(d.Number) {
			replyNums = append(replyNums, d.ReplyNumber)
		}
		mu.Unlock()
	}
	var wg sync.WaitGroup
	for node := 0; node < nodes; node++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(node), 42))
			for iter := 0; iter < 200000; iter++ {
				st, err := s.Get(ctx, "urn:seq", t0)
				if err != nil {
					fail("Get: %v", err)
					return
				}
				if st.Next > total {
					return
				}
				n := st.Next + rng.Int64N(window+3) - 2 // some duplicates, some beyond the window
				if n < 1 || n > total {
					continue
				}
				i := in(n, t0)
				i.ClaimUntil = t0.Add(time.Hour)
				bare := rng.IntN(2) == 0
				if bare {
					// Without its bytes, as the layer asks first.
					i.Message = nil
				}
				a, err := s.Accept(ctx, "urn:seq", i)
				if err == nil && a.Outcome == reliable.OutcomeNeedMessage {
					if !bare {
						fail("Accept(%d) with its bytes: %v", n, a.Outcome)
						return
					}
					mu.Lock()
					outcomes[a.Outcome]++
					mu.Unlock()
					i.Message = msg(n)
					a, err = s.Accept(ctx, "urn:seq", i)
				}
				if err != nil {
					fail("Accept(%d): %v", n, err)
					return
				}
				mu.Lock()
				outcomes[a.Outcome]++
				mu.Unlock()
				var d *reliable.Delivery
				switch a.Outcome {
				case reliable.OutcomeDuplicate:
					if a.Reply != nil && !bytes.Equal(a.Reply, reply(n)) {
						fail("duplicate %d got reply %q", n, a.Reply)
					}
				case reliable.OutcomeDeliver:
					d = &reliable.Delivery{Number: n, Claim: a.Claim, ReplyNumber: a.ReplyNumber}
				case reliable.OutcomeBuffered:
					d, err = s.Next(ctx, "urn:seq", alice, t0, t0.Add(time.Hour))
					if err != nil {
						fail("Next: %v", err)
						return
					}
				}
				for d != nil {
					deliver(d)
					d, err = s.Complete(ctx, "urn:seq", alice, d.Number, d.Claim, replyOf(d.Number), t0, t0.Add(time.Hour))
					if err != nil {
						fail("Complete: %v", err)
						return
					}
				}
			}
			fail("node %d made no progress", node)
		}()
	}
	wg.Wait()
	if len(failures) > 0 {
		t.Fatalf("%d failures, first: %s", len(failures), failures[0])
	}
	t.Logf("outcomes: %v", outcomes)
	if outcomes[reliable.OutcomeBuffered] == 0 || outcomes[reliable.OutcomeDuplicate] == 0 || outcomes[reliable.OutcomeDropped] == 0 ||
		outcomes[reliable.OutcomeNeedMessage] == 0 {
		t.Fatalf("the run did not exercise buffering and duplicates: %v", outcomes)
	}
	for i, n := range delivered {
		if n != int64(i+1) {
			t.Fatalf("delivery %d was of message %d (order %v...)", i, n, delivered[:min(len(delivered), i+3)])
		}
	}
	if len(delivered) != total {
		t.Fatalf("%d delivered, want %d", len(delivered), total)
	}
	for n, c := range runs {
		if c != 1 {
			t.Fatalf("message %d ran %d times", n, c)
		}
	}
	for i, k := range replyNums {
		if k != int64(i+1) {
			t.Fatalf("reply %d numbered %d", i+1, k)
		}
	}
	st, _ := s.Get(ctx, "urn:seq", t0)
	wantAck(t, st.Ack, ranges(1, total))
	if st.Buffered != 0 {
		t.Fatalf("%d still buffered", st.Buffered)
	}
	if st.Replies != int64(len(replyNums)) || len(replyNums) != total-total/5 {
		t.Fatalf("%d replies counted, %d numbered, want %d", st.Replies, len(replyNums), total-total/5)
	}
}

// testConcurrentCreate checks that of concurrent Creates of one
// identifier exactly one succeeds, and that the pending bound holds under
// concurrency.
func testConcurrentCreate(t *testing.T, s reliable.SequenceStore) {
	const tries = 32
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok, exists, pending := 0, 0, 0
	for i := 0; i < tries; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := s.Create(ctx, reliable.SequenceInfo{ID: fmt.Sprintf("urn:seq:%d", i%2), Owner: alice}, t0)
			err2 := s.Create(ctx, reliable.SequenceInfo{ID: fmt.Sprintf("urn:other:%d", i), Owner: alice}, t0)
			mu.Lock()
			defer mu.Unlock()
			for _, e := range []error{err, err2} {
				switch {
				case e == nil:
					ok++
				case errors.Is(e, reliable.ErrSequenceExists):
					exists++
				case errors.Is(e, reliable.ErrTooManyPending):
					pending++
				default:
					t.Errorf("Create: %v", e)
				}
			}
		}()
	}
	wg.Wait()
	if ok != reliable.DefaultMaxPending || ok+exists+pending != 2*tries {
		t.Fatalf("%d created, %d exists, %d refused as pending; want %d created", ok, exists, pending, reliable.DefaultMaxPending)
	}
}

func createOffer(t *testing.T, s reliable.SequenceStore, id, offer string) {
	t.Helper()
	info := reliable.SequenceInfo{ID: id, Owner: alice, Version: "rm11", OfferID: offer}
	if err := s.Create(ctx, info, t0); err != nil {
		t.Fatalf("Create(%s, offer %s): %v", id, offer, err)
	}
}

// testReplyNumbers checks that every claim carries the number of its
// reply: one more than the replies completed, one-way operations left
// out, the same number when a claim is taken over.
func testReplyNumbers(t *testing.T, s reliable.SequenceStore) {
	createOffer(t, s, "urn:seq", "urn:offer")
	a := accept(t, s, "urn:seq", 1, reliable.OutcomeDeliver)
	if a.ReplyNumber != 1 {
		t.Fatalf("reply number of 1: %d", a.ReplyNumber)
	}
	complete(t, s, "urn:seq", 1, a.Claim)
	// 2 is one-way: numbered 2 if it had a reply, and not counted.
	a = accept(t, s, "urn:seq", 2, reliable.OutcomeDeliver)
	if a.ReplyNumber != 2 {
		t.Fatalf("reply number of 2: %d", a.ReplyNumber)
	}
	accept(t, s, "urn:seq", 4, reliable.OutcomeBuffered)
	accept(t, s, "urn:seq", 3, reliable.OutcomeBuffered)
	d, err := s.Complete(ctx, "urn:seq", alice, 2, a.Claim, nil, t0, t0.Add(time.Minute))
	if err != nil || d == nil || d.Number != 3 || d.ReplyNumber != 2 {
		t.Fatalf("Complete(2): %+v, %v; want the delivery of 3 with reply number 2", d, err)
	}
	// The holder of 3 went away: a retransmission takes over with the
	// same reply number.
	later := t0.Add(2 * time.Minute)
	a, err = s.Accept(ctx, "urn:seq", in(3, later))
	if err != nil || a.Outcome != reliable.OutcomeDeliver || a.ReplyNumber != 2 {
		t.Fatalf("takeover of 3: %v, reply number %d, %v", a.Outcome, a.ReplyNumber, err)
	}
	_, err = s.Complete(ctx, "urn:seq", alice, 3, d.Claim, reply(3), later, later)
	wantErr(t, "late Complete", err, reliable.ErrClaimLost)
	d, err = s.Complete(ctx, "urn:seq", alice, 3, a.Claim, reply(3), later, later.Add(time.Minute))
	if err != nil || d == nil || d.Number != 4 || d.ReplyNumber != 3 {
		t.Fatalf("Complete(3): %+v, %v; want the delivery of 4 with reply number 3", d, err)
	}
	// Next resumes 4 with the same number.
	muchLater := later.Add(2 * time.Minute)
	d2, err := s.Next(ctx, "urn:seq", alice, muchLater, muchLater.Add(time.Minute))
	if err != nil || d2 == nil || d2.Number != 4 || d2.ReplyNumber != 3 {
		t.Fatalf("Next: %+v, %v", d2, err)
	}
	if st, _ := s.Get(ctx, "urn:seq", t0); st.Replies != 2 {
		t.Fatalf("Replies %d, want 2 (the late Complete and the one-way one do not count)", st.Replies)
	}
	complete(t, s, "urn:seq", 4, d2.Claim)
	// A duplicate is not a delivery: it carries no number and counts
	// nothing.
	if a := accept(t, s, "urn:seq", 4, reliable.OutcomeDuplicate); a.ReplyNumber != 0 {
		t.Fatalf("duplicate with reply number %d", a.ReplyNumber)
	}
	if st, _ := s.Get(ctx, "urn:seq", t0); st.Replies != 3 {
		t.Fatalf("Replies %d, want 3", st.Replies)
	}
	// A reply counts even when the store does not cache it.
	a = accept(t, s, "urn:seq", 5, reliable.OutcomeDeliver)
	if _, err := s.Terminate(ctx, "urn:seq", alice, 0, t0); err != nil {
		t.Fatal(err)
	}
	complete(t, s, "urn:seq", 5, a.Claim)
	if st, _ := s.Get(ctx, "urn:seq", t0); st.Replies != 4 {
		t.Fatalf("Replies %d after an uncached reply, want 4", st.Replies)
	}
}

// sendReplies completes messages 1..n of sequence id with a reply each.
func sendReplies(t *testing.T, s reliable.SequenceStore, id string, n int64) {
	t.Helper()
	for k := int64(1); k <= n; k++ {
		a := accept(t, s, id, k, reliable.OutcomeDeliver)
		complete(t, s, id, k, a.Claim)
	}
}

func testAckReplies(t *testing.T, s reliable.SequenceStore) {
	createOffer(t, s, "urn:seq", "urn:offer")
	ackReplies := func(now time.Time, rs ...int64) error {
		return s.AckReplies(ctx, "urn:seq", alice, ranges(rs...), now)
	}
	wantAcked := func(want ...int64) {
		t.Helper()
		st, err := s.Get(ctx, "urn:seq", t0)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(st.RepliesAcked, ranges(want...)) {
			t.Fatalf("replies acknowledged %v, want %v", st.RepliesAcked, ranges(want...))
		}
	}
	wantErr(t, "ack before any reply", ackReplies(t0, 1, 1), reliable.ErrInvalidAcknowledgement)
	if err := ackReplies(t0); err != nil {
		t.Fatalf("empty ack: %v", err)
	}
	sendReplies(t, s, "urn:seq", 3)
	wantErr(t, "ack of an unsent reply", ackReplies(t0, 1, 4), reliable.ErrInvalidAcknowledgement)
	wantAcked()
	if err := ackReplies(t0, 1, 1, 3, 3); err != nil {
		t.Fatal(err)
	}
	wantAcked(1, 1, 3, 3)
	// Merged, unsorted, overlapping.
	err := s.AckReplies(ctx, "urn:seq", alice, []reliable.AckRange{{Lower: 3, Upper: 3}, {Lower: 1, Upper: 2}, {Lower: 2, Upper: 2}}, t0)
	if err != nil {
		t.Fatal(err)
	}
	wantAcked(1, 3)
	// An older acknowledgement is ignored.
	if err := ackReplies(t0, 1, 1); err != nil {
		t.Fatalf("older ack: %v", err)
	}
	wantAcked(1, 3)
	sendReplies2 := func() {
		a := accept(t, s, "urn:seq", 4, reliable.OutcomeDeliver)
		complete(t, s, "urn:seq", 4, a.Claim)
	}
	sendReplies2()
	// Forgetting 2 and 3 while adding 4 is inconsistent.
	wantErr(t, "inconsistent ack", ackReplies(t0, 1, 1, 4, 4), reliable.ErrInvalidAcknowledgement)
	wantAcked(1, 3)
	for _, bad := range [][]reliable.AckRange{{{Lower: 0, Upper: 1}}, {{Lower: 2, Upper: 1}}, {{Lower: -5, Upper: 1}}} {
		wantErr(t, fmt.Sprintf("malformed %v", bad), s.AckReplies(ctx, "urn:seq", alice, bad, t0), reliable.ErrInvalidAcknowledgement)
	}
	var many []reliable.AckRange
	for k := int64(1); k <= 257; k++ {
		many = append(many, reliable.AckRange{Lower: 2 * k, Upper: 2 * k})
	}
	wantErr(t, "257 ranges", s.AckReplies(ctx, "urn:seq", alice, many, t0), reliable.ErrInvalidAcknowledgement)
	wantAcked(1, 3)
	wantErr(t, "ack under another owner", s.AckReplies(ctx, "urn:seq", mallory, ranges(1, 4), t0), reliable.ErrOwnerMismatch)
	wantErr(t, "ack of an unknown sequence", s.AckReplies(ctx, "urn:none", alice, ranges(1, 1), t0), reliable.ErrUnknownSequence)
	// It counts as activity, and works on a closed sequence.
	later := t0.Add(time.Minute)
	if _, err := s.Close(ctx, "urn:seq", alice, 0, t0); err != nil {
		t.Fatal(err)
	}
	if err := ackReplies(later, 1, 4); err != nil {
		t.Fatalf("ack after Close: %v", err)
	}
	wantAcked(1, 4)
	if st, _ := s.Get(ctx, "urn:seq", later); !st.LastActivity.Equal(later) {
		t.Fatalf("LastActivity %v, want %v", st.LastActivity, later)
	}
}

// testOffers checks GetByOffer and the one namespace of identifiers and
// offered identifiers.
func testOffers(t *testing.T, s reliable.SequenceStore) {
	createOffer(t, s, "urn:seq:1", "urn:offer:1")
	create(t, s, "urn:seq:2", 0)
	st, err := s.GetByOffer(ctx, "urn:offer:1", t0)
	if err != nil || st.ID != "urn:seq:1" || st.OfferID != "urn:offer:1" || st.Owner != alice {
		t.Fatalf("GetByOffer: %+v, %v", st, err)
	}
	for _, id := range []string{"urn:offer:none", "urn:seq:1", "urn:seq:2", ""} {
		_, err := s.GetByOffer(ctx, id, t0)
		wantErr(t, fmt.Sprintf("GetByOffer(%q)", id), err, reliable.ErrUnknownSequence)
	}
	for _, c := range []struct{ what, id, offer string }{
		{"an offer in use", "urn:seq:3", "urn:offer:1"},
		{"an offer naming a sequence", "urn:seq:3", "urn:seq:2"},
		{"an offer naming a sequence with an offer", "urn:seq:3", "urn:seq:1"},
		{"an identifier offered before", "urn:offer:1", "urn:offer:3"},
		{"an offer equal to the identifier", "urn:seq:3", "urn:seq:3"},
	} {
		err := s.Create(ctx, reliable.SequenceInfo{ID: c.id, Owner: alice, OfferID: c.offer}, t0)
		wantErr(t, "Create with "+c.what, err, reliable.ErrSequenceExists)
	}
	if _, err := s.Get(ctx, "urn:seq:3", t0); !errors.Is(err, reliable.ErrUnknownSequence) {
		t.Fatalf("a refused Create left a sequence: %v", err)
	}
	// GetByOffer is not activity.
	if st, _ := s.GetByOffer(ctx, "urn:offer:1", t0.Add(time.Minute)); !st.LastActivity.Equal(t0) {
		t.Fatalf("GetByOffer counted as activity: %v", st.LastActivity)
	}
	// Removing the sequence frees its offer.
	if err := s.Remove(ctx, "urn:seq:1"); err != nil {
		t.Fatal(err)
	}
	_, err = s.GetByOffer(ctx, "urn:offer:1", t0)
	wantErr(t, "GetByOffer after Remove", err, reliable.ErrUnknownSequence)
	createOffer(t, s, "urn:seq:4", "urn:offer:1")
	// So does its expiry.
	info := reliable.SequenceInfo{ID: "urn:seq:5", Owner: alice, OfferID: "urn:offer:5", InactivityTimeout: time.Minute}
	if err := s.Create(ctx, info, t0); err != nil {
		t.Fatal(err)
	}
	later := t0.Add(time.Minute)
	_, err = s.GetByOffer(ctx, "urn:offer:5", later)
	wantErr(t, "GetByOffer after the inactivity timeout", err, reliable.ErrUnknownSequence)
	if err := s.Create(ctx, reliable.SequenceInfo{ID: "urn:seq:6", Owner: alice, OfferID: "urn:offer:5"}, later); err != nil {
		t.Fatalf("Create with the offer of an expired sequence: %v", err)
	}
	info.OfferID = "urn:offer:7"
	if err := s.Create(ctx, info, later.Add(time.Minute)); err != nil {
		t.Fatalf("Create with the identifier of an expired sequence: %v", err)
	}
}

// testConcurrentOffers checks that of concurrent Creates offering one
// identifier exactly one succeeds.
func testConcurrentOffers(t *testing.T, s reliable.SequenceStore) {
	const tries = 16
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok := 0
	for i := 0; i < tries; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			id := fmt.Sprintf("urn:seq:%d", i)
			err := s.Create(ctx, reliable.SequenceInfo{ID: id, Owner: alice, OfferID: "urn:offer"}, t0)
			if err == nil {
				// Started: no longer pending.
				_, err = s.Accept(ctx, id, in(1, t0))
			}
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				ok++
			case !errors.Is(err, reliable.ErrSequenceExists):
				t.Errorf("Create: %v", err)
			}
		}()
	}
	wg.Wait()
	if ok != 1 {
		t.Fatalf("%d sequences created with one offer", ok)
	}
	st, err := s.GetByOffer(ctx, "urn:offer", t0)
	if err != nil || st.OfferID != "urn:offer" {
		t.Fatalf("GetByOffer: %+v, %v", st, err)
	}
}
