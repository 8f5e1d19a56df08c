package soap

import (
	"context"
	"encoding/xml"
	"sync"

	"github.com/beevik/etree"
)

// ServeMux dispatches requests by wsa:Action, falling back to the
// transport's SOAPAction when the message has no addressing headers. Before
// dispatching it checks the wsa:To again (CheckTo) and that every
// mustUnderstand header targeted at this node was understood by some layer.
type ServeMux struct {
	mu       sync.RWMutex
	handlers map[string]Handler
	roles    []string
	fallback Handler
}

// MuxOption configures a ServeMux.
type MuxOption interface{ applyMux(*ServeMux) }

type muxOptionFunc func(*ServeMux)

func (f muxOptionFunc) applyMux(m *ServeMux) { f(m) }

// WithRoles adds SOAP roles (1.2) / actors (1.1) this node plays besides
// "next" and the ultimate receiver.
func WithRoles(roles ...string) MuxOption {
	return muxOptionFunc(func(m *ServeMux) { m.roles = append(m.roles, roles...) })
}

// WithFallback serves actions no handler was registered for, instead of an
// ActionNotSupported fault.
func WithFallback(h Handler) MuxOption {
	return muxOptionFunc(func(m *ServeMux) { m.fallback = h })
}

// NewServeMux returns an empty dispatcher.
func NewServeMux(opts ...MuxOption) *ServeMux {
	m := &ServeMux{handlers: make(map[string]Handler)}
	for _, o := range opts {
		o.applyMux(m)
	}
	return m
}

// Handle registers h for action. Registering an action twice panics, as
// net/http's ServeMux does for a duplicate pattern (a programming error).
func (m *ServeMux) Handle(action string, h Handler) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, dup := m.handlers[action]; dup {
		panic("soap: duplicate handler for action " + action)
	}
	m.handlers[action] = h
}

// HandleFunc registers f for action.
func (m *ServeMux) HandleFunc(action string, f func(ctx context.Context, req *Message) (*Message, error)) {
	m.Handle(action, HandlerFunc(f))
}

// Action returns the action of req: wsa:Action when present, else the
// transport SOAPAction. A non-empty SOAPAction that differs from wsa:Action
// is a Sender fault (ActionMismatch), so a transport header can never
// redirect a message whose Action is protected.
func Action(req *Message) (string, error) {
	if req.Addressing.Version != 0 {
		if req.SOAPAction != "" && req.SOAPAction != req.Addressing.Action {
			f := SenderFault("The SOAPAction does not match the wsa:Action header.")
			if req.Addressing.Version == WSA10 {
				f.Subcodes = []xml.Name{{Space: NSWSA10, Local: "ActionMismatch"}}
			} else {
				f.Subcodes = []xml.Name{{Space: NSWSA200408, Local: "ActionMismatch"}}
			}
			return "", f
		}
		return req.Addressing.Action, nil
	}
	return req.SOAPAction, nil
}

// ActionNotSupportedFault returns the WS-Addressing fault for an action the
// endpoint does not serve.
func ActionNotSupportedFault(v AddressingVersion, action string) *Fault {
	ns := v.Namespace()
	if ns == "" {
		ns = NSWSA10
	}
	f := SenderFault("The action "+action+" is not supported by this endpoint.", xml.Name{Space: ns, Local: "ActionNotSupported"})
	pa := etree.NewElement(prefixWSA + ":ProblemAction")
	pa.CreateAttr("xmlns:"+prefixWSA, ns)
	pa.CreateElement(prefixWSA + ":Action").SetText(action)
	f.Detail = []*etree.Element{pa}
	return f
}

// ServeSOAP checks the wsa:To again (CheckTo: a layer may have decrypted
// it), checks mustUnderstand and dispatches by action.
func (m *ServeMux) ServeSOAP(ctx context.Context, req *Message) (*Message, error) {
	if err := CheckTo(ctx, req); err != nil {
		return nil, err
	}
	if err := req.CheckMustUnderstand(m.roles...); err != nil {
		return nil, err
	}
	action, err := Action(req)
	if err != nil {
		return nil, err
	}
	m.mu.RLock()
	h, ok := m.handlers[action]
	m.mu.RUnlock()
	if !ok {
		if m.fallback != nil {
			return m.fallback.ServeSOAP(ctx, req)
		}
		return nil, ActionNotSupportedFault(req.Addressing.Version, action)
	}
	return h.ServeSOAP(ctx, req)
}

// Reply is a convenience for handlers: it builds the reply to req carrying
// payload, with the given action, using crypto/rand for the MessageID.
func Reply(req *Message, action string, payload *etree.Element) (*Message, error) {
	return NewReply(req, action, payload, nil)
}
