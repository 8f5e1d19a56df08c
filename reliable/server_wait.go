package reliable

import (
	"context"
	"sync"
	"time"
)

// maxWaiters bounds the exchanges of one node waiting for the delivery
// of their message; past it an out-of-order request is answered with an
// acknowledgement at once.
const maxWaiters = 4096

// wkey names one message of one sequence.
type wkey struct {
	id string
	n  int64
}

// waitResult is what a waiting exchange receives.
type waitResult struct {
	// reply is the serialized reply of the message (nil for one-way).
	reply []byte
	// claim, when set, hands the exchange the delivery claim on its own
	// message: it runs the operation itself, in its own context.
	claim *Delivery
	// room tells a waiter for room (roomKey) that a message of its
	// sequence was delivered: the window has moved.
	room bool
}

// roomKey is the key of the exchanges waiting for room in sequence id's
// transfer window (message numbers start at 1).
func roomKey(id string) wkey { return wkey{id: id} }

type waiter struct {
	ch     chan waitResult // capacity 1: one value per waiter
	holder bool            // holds its message: may take the claim
	n      int64           // a waiter for room: the number it brings
}

// waiters is the node's map of exchanges waiting for a message to be
// delivered: the exchange of a request that arrived out of order, or a
// retransmission of one being delivered. A waiter receives exactly one
// value, sent under the lock as it is removed.
type waiters struct {
	mu  sync.Mutex
	max int
	n   int
	m   map[wkey][]*waiter
	// window is the transfer window of the sequences: a delivery wakes
	// only the waiters for room whose number it brings into the window.
	window int
}

func newWaiters(max, window int) *waiters {
	return &waiters{max: max, m: map[wkey][]*waiter{}, window: window}
}

// add registers a waiter for k; nil when the bound is reached.
func (w *waiters) add(k wkey, holder bool) *waiter {
	return w.register(k, &waiter{holder: holder})
}

// addRoom registers a waiter for room in k's sequence, for message k.n;
// nil when the bound is reached. Its key is roomKey(k.id).
func (w *waiters) addRoom(k wkey) *waiter {
	return w.register(roomKey(k.id), &waiter{n: k.n})
}

func (w *waiters) register(k wkey, wt *waiter) *waiter {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.n >= w.max {
		return nil
	}
	wt.ch = make(chan waitResult, 1)
	w.m[k] = append(w.m[k], wt)
	w.n++
	return wt
}

// remove unregisters wt, reporting whether it was still registered (false:
// a value was sent to it).
func (w *waiters) remove(k wkey, wt *waiter) bool {
	if wt == nil {
		return false
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	l := w.m[k]
	for i, x := range l {
		if x == wt {
			w.drop(k, l, i)
			return true
		}
	}
	return false
}

// drop removes l[i] from the waiters of k; w.mu is held.
func (w *waiters) drop(k wkey, l []*waiter, i int) {
	l = append(l[:i], l[i+1:]...)
	if len(l) == 0 {
		delete(w.m, k)
	} else {
		w.m[k] = l
	}
	w.n--
}

// done hands reply to every waiter of k, and wakes the exchanges waiting
// for room in k's sequence whose message the delivery of k brings into
// the window (ordered delivery: k.n+1 is the next to deliver).
func (w *waiters) done(k wkey, reply []byte) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, wt := range w.m[k] {
		wt.ch <- waitResult{reply: reply}
		w.n--
	}
	delete(w.m, k)
	rk := roomKey(k.id)
	l := w.m[rk]
	for i := 0; i < len(l); {
		if l[i].n-(k.n+1) >= int64(w.window) {
			i++
			continue
		}
		l[i].ch <- waitResult{room: true}
		w.drop(rk, l, i)
		l = w.m[rk]
	}
}

// handOff gives the claim d to one exchange that waits holding message k,
// reporting whether there was one.
func (w *waiters) handOff(k wkey, d *Delivery) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	l := w.m[k]
	for i, wt := range l {
		if wt.holder {
			wt.ch <- waitResult{claim: d}
			w.drop(k, l, i)
			return true
		}
	}
	return false
}

// wait waits up to timeout for wt's value; false when none came.
func (w *waiters) wait(ctx context.Context, k wkey, wt *waiter, timeout time.Duration) (waitResult, bool) {
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case r := <-wt.ch:
		return r, true
	case <-t.C:
	case <-ctx.Done():
	}
	if w.remove(k, wt) {
		return waitResult{}, false
	}
	// Taken as the timer fired: the value was sent under the lock.
	return <-wt.ch, true
}
