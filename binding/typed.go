package binding

import (
	"context"
	"encoding/xml"
	"fmt"

	"github.com/soapstack/soapstack/soap"
)

// nsDispatcher is the namespace of WCF's dispatcher fault subcodes.
const nsDispatcher = "http://schemas.microsoft.com/net/2005/12/windowscommunicationfoundation/dispatcher"

// deserializationFailed is the subcode of the Sender fault a Typed handler
// answers when the request Body does not decode into its request type
// (WCF's dispatcher subcode of the same name).
func deserializationFailed() xml.Name {
	return xml.Name{Space: nsDispatcher, Local: "DeserializationFailed"}
}

// Call sends req, encoded with encoding/xml (its struct tags and XMLName
// name the Body element), as the Body of a request for action through c,
// and decodes the reply's Body into a new Resp. A SOAP fault from the
// service is returned as the *soap.Fault error (FaultDetail decodes its
// detail); an empty reply is an error wrapping soap.ErrNoPayload.
func Call[Req, Resp any](ctx context.Context, c *Client, action string, req *Req) (*Resp, error) {
	el, err := soap.MarshalElement(req)
	if err != nil {
		return nil, fmt.Errorf("binding: %s: %w", action, err)
	}
	m, err := c.NewRequest(action, el)
	if err != nil {
		return nil, err
	}
	reply, err := c.Call(ctx, m)
	if err != nil {
		return nil, err
	}
	if reply == nil {
		return nil, fmt.Errorf("binding: %s: %w (one-way reply)", action, soap.ErrNoPayload)
	}
	resp := new(Resp)
	if err := soap.UnmarshalBody(reply, resp); err != nil {
		if _, ok := soap.AsFault(err); ok {
			return nil, err
		}
		return nil, fmt.Errorf("binding: %s: reply: %w", action, err)
	}
	return resp, nil
}

// Typed adapts fn to a soap.Handler, to register for its action on a
// soap.ServeMux: it decodes the request Body into a new Req with
// encoding/xml, calls fn, and answers the Resp it returns encoded as the
// reply Body, with WCF's default reply action (the request's action +
// "Response"). A Body that does not decode is answered with a Sender fault
// before fn runs, with WCF's subcode DeserializationFailed in
// http://schemas.microsoft.com/net/2005/12/windowscommunicationfoundation/dispatcher. An error from fn is
// answered as any handler error: a *soap.Fault as is (DetailFault makes
// one with a typed detail), anything else as an opaque Receiver fault whose
// cause goes only to the log. A nil Resp with a nil error makes the
// exchange one-way.
func Typed[Req, Resp any](fn func(ctx context.Context, req *Req) (*Resp, error)) soap.Handler {
	return soap.HandlerFunc(func(ctx context.Context, m *soap.Message) (*soap.Message, error) {
		req := new(Req)
		if err := soap.UnmarshalBody(m, req); err != nil {
			return nil, soap.SenderFault("The request body could not be deserialized.", deserializationFailed()).WithCause(err)
		}
		resp, err := fn(ctx, req)
		if err != nil || resp == nil {
			return nil, err
		}
		el, err := soap.MarshalElement(resp)
		if err != nil {
			return nil, err
		}
		action, err := soap.Action(m)
		if err != nil {
			return nil, err
		}
		return soap.NewReply(m, action+"Response", el, nil)
	})
}

// DetailFault returns a fault with code, reason and detail encoded with
// encoding/xml as its Detail, for a Typed handler to return; the client
// decodes the detail with FaultDetail. When detail does not encode (a
// programming error), the fault is an opaque Receiver fault whose cause,
// the encoding error, goes only to the service's log.
func DetailFault(code soap.FaultCode, reason string, detail any) *soap.Fault {
	f := soap.NewFault(code, reason)
	if err := f.SetDetail(detail); err != nil {
		return soap.ReceiverFault("The server was unable to process the request due to an internal error.").WithCause(err)
	}
	return f
}

// FaultDetail decodes the detail of the SOAP fault err carries (err is, or
// wraps, a *soap.Fault) into a new D, matched by D's XMLName. It reports
// false when err is not a fault or has no detail that decodes into D.
func FaultDetail[D any](err error) (*D, bool) {
	f, ok := soap.AsFault(err)
	if !ok {
		return nil, false
	}
	d := new(D)
	if f.UnmarshalDetail(d) != nil {
		return nil, false
	}
	return d, true
}
