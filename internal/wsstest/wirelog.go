package wsstest

import (
	"context"
	"sync"

	"github.com/soapstack/soapstack/soap"
)

// WireLog records every exchange of a client as the bytes on the wire: its
// Layer goes below every layer of a binding (binding.WithTransportLayer).
type WireLog struct {
	mu    sync.Mutex
	pairs []WirePair
}

// WirePair is one logged exchange: the request's action and the request's
// and reply's bytes (Reply nil when no reply came).
type WirePair struct {
	Action         string
	Request, Reply []byte
}

// Layer is the soap.Invoker layer that logs the exchanges through next.
func (l *WireLog) Layer(next soap.Invoker) soap.Invoker {
	return soap.InvokerFunc(func(ctx context.Context, req *soap.Message) (*soap.Message, error) {
		b, err := req.Bytes()
		if err != nil {
			return nil, err
		}
		p := WirePair{Action: req.Addressing.Action, Request: b}
		resp, err := next.Call(ctx, req)
		if resp != nil {
			if p.Reply, err = resp.Bytes(); err != nil {
				return nil, err
			}
		}
		l.mu.Lock()
		l.pairs = append(l.pairs, p)
		l.mu.Unlock()
		return resp, err
	})
}

// Pairs returns the exchanges logged so far, in order.
func (l *WireLog) Pairs() []WirePair {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]WirePair(nil), l.pairs...)
}
