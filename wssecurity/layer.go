package wssecurity

import (
	"context"
	"encoding/xml"
	"fmt"
	"log/slog"

	"github.com/soapstack/soapstack/soap"
)

// verifyFailureReason is the one reason a server gives for every rejected
// message, as WCF does: details go to the log only.
const verifyFailureReason = "An error occurred when verifying security for the message."

// uniformFault maps a verification error to the single fault a receiver
// sends (wsse:InvalidSecurity), or a Receiver fault for our own trouble
// (a full replay cache, a missing credential).
func uniformFault(err error) *soap.Fault {
	if FaultSubcode(err) == "" {
		return FaultFor(err)
	}
	return soap.SenderFault(verifyFailureReason, xml.Name{Space: NSWSSE, Local: FaultInvalidSecurity}).WithCause(err)
}

func prepare(p Policy, cfg Config) (Policy, *Config, error) {
	p = p.WithDefaults()
	if err := p.Validate(); err != nil {
		return Policy{}, nil, err
	}
	return p, &cfg, nil
}

// ClientLayer returns the client side of a policy: it secures each request
// and verifies each reply. Faults are passed through unverified (WCF sends
// security faults unsecured); the caller receives them as errors.
func ClientLayer(p Policy, cfg Config) (soap.ClientLayer, error) {
	p, c, err := prepare(p, cfg)
	if err != nil {
		return nil, err
	}
	return func(next soap.Invoker) soap.Invoker {
		return soap.InvokerFunc(func(ctx context.Context, req *soap.Message) (*soap.Message, error) {
			ex := &exchange{}
			s, err := newSender(p, c, true, ex)
			if err != nil {
				return nil, err
			}
			if err := s.secure(ctx, req); err != nil {
				return nil, fmt.Errorf("wssecurity: securing the request: %w", err)
			}
			resp, err := next.Call(ctx, req)
			if err != nil || resp == nil {
				return resp, err
			}
			r := newReceiver(ctx, p, c, true, ex, resp)
			if err := r.process(); err != nil {
				c.logger().WarnContext(ctx, "wssecurity: reply rejected", slog.Any("error", err))
				return nil, fmt.Errorf("wssecurity: reply rejected: %w", err)
			}
			return resp, nil
		})
	}, nil
}

// ServerLayer returns the server side of a policy: it verifies each request
// against the policy before the next handler sees it, and secures the
// reply with the request's keys. Every verification failure is answered
// with one uniform wsse:InvalidSecurity fault; the detail is logged.
func ServerLayer(p Policy, cfg Config) (soap.ServerLayer, error) {
	p, c, err := prepare(p, cfg)
	if err != nil {
		return nil, err
	}
	if c.Replay == nil {
		c.Replay = NewMemoryReplayCache(WithReplayClock(c.now))
	}
	return func(next soap.Handler) soap.Handler {
		return soap.HandlerFunc(func(ctx context.Context, req *soap.Message) (*soap.Message, error) {
			ex := &exchange{}
			r := newReceiver(ctx, p, c, false, ex, req)
			if err := r.process(); err != nil {
				c.logger().WarnContext(ctx, "wssecurity: request rejected", slog.Any("error", err))
				return nil, uniformFault(err)
			}
			resp, err := next.ServeSOAP(ctx, req)
			if err != nil || resp == nil {
				return resp, err
			}
			s, err := newSender(p, c, false, ex)
			if err != nil {
				return nil, err
			}
			if err := s.secure(ctx, resp); err != nil {
				return nil, fmt.Errorf("wssecurity: securing the reply: %w", err)
			}
			return resp, nil
		})
	}, nil
}
