package soap

import "context"

// Invoker sends a request and returns the reply. A nil reply with a nil
// error means the exchange was one-way (HTTP 202). A fault from the peer is
// returned as a *Fault error.
type Invoker interface {
	Call(ctx context.Context, req *Message) (*Message, error)
}

// InvokerFunc adapts a function to Invoker.
type InvokerFunc func(ctx context.Context, req *Message) (*Message, error)

// Call calls f.
func (f InvokerFunc) Call(ctx context.Context, req *Message) (*Message, error) { return f(ctx, req) }

// Handler serves one request on the server side. Returning nil, nil makes
// the exchange one-way; returning an error sends a fault (a *Fault as is,
// any other error as a generic Receiver fault).
type Handler interface {
	ServeSOAP(ctx context.Context, req *Message) (*Message, error)
}

// HandlerFunc adapts a function to Handler.
type HandlerFunc func(ctx context.Context, req *Message) (*Message, error)

// ServeSOAP calls f.
func (f HandlerFunc) ServeSOAP(ctx context.Context, req *Message) (*Message, error) {
	return f(ctx, req)
}

// ClientLayer wraps an Invoker (security, reliable messaging, logging...).
type ClientLayer func(next Invoker) Invoker

// ServerLayer wraps a Handler.
type ServerLayer func(next Handler) Handler

// ChainInvoker wraps transport in layers; the first layer is the outermost
// (closest to the application).
func ChainInvoker(transport Invoker, layers ...ClientLayer) Invoker {
	inv := transport
	for i := len(layers) - 1; i >= 0; i-- {
		inv = layers[i](inv)
	}
	return inv
}

// ChainHandler wraps app in layers; the first layer is the outermost
// (closest to the wire).
func ChainHandler(app Handler, layers ...ServerLayer) Handler {
	h := app
	for i := len(layers) - 1; i >= 0; i-- {
		h = layers[i](h)
	}
	return h
}
