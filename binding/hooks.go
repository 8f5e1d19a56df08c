package binding

import (
	"context"
	"sync/atomic"

	"github.com/soapstack/soapstack/reliable"
	"github.com/soapstack/soapstack/secureconv"
	"github.com/soapstack/soapstack/soap"
)

// Side says whether an event happened in a client or in a service.
type Side int

// The sides.
const (
	SideClient Side = iota + 1
	SideService
)

// String returns "client" or "service".
func (s Side) String() string {
	switch s {
	case SideClient:
		return "client"
	case SideService:
		return "service"
	}
	return "unknown"
}

// CallInfo describes one application call: on a client a Client.Call, on
// a service a request the application runs.
type CallInfo struct {
	Side Side
	// Binding is the binding's name, Action the request's action.
	Binding string
	Action  string
	// URL is the service address (on a client).
	URL string
}

// Rejection is a request a service refused before the application ran:
// by its parser or limits, the To check, the security layers (a bad
// signature, an unknown user, an expired session...), the reliable session
// or the authorization.
type Rejection struct {
	// Binding is the binding's name; Action the request's action ("" when
	// the request could not be read).
	Binding string
	Action  string
	// Fault is the fault sent. Its Cause (never on the wire) says which
	// defence fired: errors.Is with the sentinels of packages soap,
	// wssecurity and secureconv.
	Fault *soap.Fault
}

// SessionEvent is a secure session event of a client or a service.
type SessionEvent struct {
	Side    Side
	Binding string
	secureconv.Event
}

// ReliableEvent is a reliable session event of a client or a service.
type ReliableEvent struct {
	Side    Side
	Binding string
	reliable.Event
}

// Hooks are the events of a client or a service, for metrics, tracing and
// audit logs (package binding/otelsoap turns them into OpenTelemetry spans
// and metrics). Every field is optional. Hooks run synchronously on the
// goroutine of the exchange and must not block; they see no key or
// password. Give them with WithHooks; several WithHooks all run, in order.
type Hooks struct {
	// Call runs when an application call starts, with its context; it
	// returns the context the call continues with (for a span) and a
	// function (or nil) that runs when the call ends, with its error: nil,
	// a *soap.Fault (the fault the client received or the service's
	// application returned) or another error.
	Call func(ctx context.Context, info CallInfo) (context.Context, func(err error))
	// Rejected runs when a service refuses a request before its
	// application runs.
	Rejected func(ctx context.Context, r Rejection)
	// Session runs for each secure session issued, renewed, cancelled or
	// expired (secureconv.Event).
	Session func(e SessionEvent)
	// Reliable runs for each reliable session event (a sequence created,
	// a message retransmitted or acknowledged, a sequence closed or
	// terminated: reliable.Event).
	Reliable func(e ReliableEvent)
}

// WithHooks adds hooks to a client or a service.
func WithHooks(h Hooks) Option {
	return bothOption(func(s *settings) { s.hooks = append(s.hooks, h) })
}

// hookSet is the hooks of one client or handler.
type hookSet struct {
	side    Side
	binding string
	hooks   []Hooks
}

func (s *settings) hookSet(side Side, b Binding) *hookSet {
	return &hookSet{side: side, binding: b.name(), hooks: s.hooks}
}

// call runs the Call hooks around fn.
func (h *hookSet) call(ctx context.Context, info CallInfo, fn func(context.Context) (*soap.Message, error)) (*soap.Message, error) {
	var done []func(error)
	for _, hk := range h.hooks {
		if hk.Call == nil {
			continue
		}
		var d func(error)
		ctx, d = hk.Call(ctx, info)
		if d != nil {
			done = append(done, d)
		}
	}
	resp, err := fn(ctx)
	for i := len(done) - 1; i >= 0; i-- {
		done[i](err)
	}
	return resp, err
}

func (h *hookSet) rejected(ctx context.Context, r Rejection) {
	for _, hk := range h.hooks {
		if hk.Rejected != nil {
			hk.Rejected(ctx, r)
		}
	}
}

// sessionEvents returns the secureconv OnEvent of the hooks (nil when none
// listens).
func (h *hookSet) sessionEvents() func(secureconv.Event) {
	var fns []func(SessionEvent)
	for _, hk := range h.hooks {
		if hk.Session != nil {
			fns = append(fns, hk.Session)
		}
	}
	if len(fns) == 0 {
		return nil
	}
	return func(e secureconv.Event) {
		se := SessionEvent{Side: h.side, Binding: h.binding, Event: e}
		for _, fn := range fns {
			fn(se)
		}
	}
}

// reliableEvents returns the reliable OnEvent of the hooks (nil when none
// listens).
func (h *hookSet) reliableEvents() func(reliable.Event) {
	var fns []func(ReliableEvent)
	for _, hk := range h.hooks {
		if hk.Reliable != nil {
			fns = append(fns, hk.Reliable)
		}
	}
	if len(fns) == 0 {
		return nil
	}
	return func(e reliable.Event) {
		re := ReliableEvent{Side: h.side, Binding: h.binding, Event: e}
		for _, fn := range fns {
			fn(re)
		}
	}
}

// actionOf returns the request's action (wsa:Action, else SOAPAction).
func actionOf(m *soap.Message) string {
	if m == nil {
		return ""
	}
	if m.Addressing.Action != "" {
		return m.Addressing.Action
	}
	return m.SOAPAction
}

// Service-side observation: the outer layer (first inside the HTTP
// handler) marks each request as entered and reports the faults of the
// layers that did not let it reach the application; the inner layer (last
// before the application) records that it did and runs the Call hooks.
// Faults the HTTP handler answers before the layers run (the parser, the
// To check) come through soap.WithFaultHook.

type enteredKey struct{}

type reachedKey struct{}

// outerLayer is the outermost service layer of the hooks.
func (h *hookSet) outerLayer(next soap.Handler) soap.Handler {
	return soap.HandlerFunc(func(ctx context.Context, req *soap.Message) (*soap.Message, error) {
		req.SetValue(enteredKey{}, true)
		reached := new(atomic.Bool)
		resp, err := next.ServeSOAP(context.WithValue(ctx, reachedKey{}, reached), req)
		if err != nil && !reached.Load() {
			f, ok := soap.AsFault(err)
			if !ok {
				f = soap.ReceiverFault("internal error").WithCause(err)
			}
			h.rejected(ctx, Rejection{Binding: h.binding, Action: actionOf(req), Fault: f})
		}
		return resp, err
	})
}

// innerLayer is the service layer of the hooks next to the application.
func (h *hookSet) innerLayer(next soap.Handler) soap.Handler {
	return soap.HandlerFunc(func(ctx context.Context, req *soap.Message) (*soap.Message, error) {
		if r, ok := ctx.Value(reachedKey{}).(*atomic.Bool); ok {
			r.Store(true)
		}
		info := CallInfo{Side: SideService, Binding: h.binding, Action: actionOf(req)}
		return h.call(ctx, info, func(ctx context.Context) (*soap.Message, error) { return next.ServeSOAP(ctx, req) })
	})
}

// faultHook is the HTTP handler's fault hook: it reports the rejections
// answered before the layers ran.
func (h *hookSet) faultHook(ctx context.Context, req *soap.Message, f *soap.Fault) {
	if req != nil && req.Value(enteredKey{}) != nil {
		return // the outer layer saw it
	}
	h.rejected(ctx, Rejection{Binding: h.binding, Action: actionOf(req), Fault: f})
}
