package wssecurity

import (
	"context"
	"crypto/x509"
	"encoding/xml"
	"errors"
	"fmt"
	"log/slog"

	"github.com/soapstack/soapstack/internal/wsse"
	"github.com/soapstack/soapstack/soap"
)

// verifyFailureReason is the one reason a server gives for every rejected
// message, as WCF does: details go to the log only.
const verifyFailureReason = "An error occurred when verifying security for the message."

// VerificationFault returns the fault a receiver sends for a verification
// error of VerifyRequest: one uniform wsse:InvalidSecurity fault with WCF's
// reason, whatever the cause (kept as the fault's Cause for logs), or a
// Receiver fault for the receiver's own trouble (a full replay cache).
func VerificationFault(err error) *soap.Fault { return uniformFault(err) }

// uniformFault maps a verification error to the single fault a receiver
// sends (wsse:InvalidSecurity), or a Receiver fault for our own trouble
// (a full replay cache, a missing credential).
func uniformFault(err error) *soap.Fault {
	if FaultSubcode(err) == "" {
		return FaultFor(err)
	}
	return soap.SenderFault(verifyFailureReason, xml.Name{Space: wsse.NSWSSE, Local: FaultInvalidSecurity}).WithCause(err)
}

// Exchange is the security state a request and its reply share: the
// request's symmetric key, the client's certificate, the signature values to
// confirm. It is returned by SecureRequest and VerifyRequest and given to
// VerifyReply and SecureReply.
type Exchange struct {
	ex exchange
}

// NewSessionExchange returns an exchange for a reply protected by a session
// token the request itself was not protected with (Apache CXF sends Cancel
// under the bootstrap policy and expects the answer under the session).
func NewSessionExchange(s *SessionToken) *Exchange {
	return &Exchange{ex: exchange{session: s}}
}

// Username returns the user a verified request's UsernameToken
// authenticated, or "".
func (e *Exchange) Username() string { return e.ex.username }

// ClientCertificate returns the certificate that signed or endorsed a
// verified request, or nil.
func (e *Exchange) ClientCertificate() *x509.Certificate { return e.ex.peerCert }

// Session returns the session token that protected a verified request, or
// nil.
func (e *Exchange) Session() *SessionToken { return e.ex.session }

func prepare(p Policy, cfg *Config) (Policy, error) {
	p = p.WithDefaults()
	if err := p.Validate(); err != nil {
		return Policy{}, err
	}
	return p, nil
}

// SecureRequest adds the Security header p asks for to a request (client
// side). A TransportBinding request is marked RequireSecureTransport, so
// that soap.HTTPClient sends it over https only, unless
// cfg.AllowInsecureTransport.
func SecureRequest(ctx context.Context, p Policy, cfg *Config, m *soap.Message) (*Exchange, error) {
	p, err := prepare(p, cfg)
	if err != nil {
		return nil, err
	}
	e := &Exchange{}
	s, err := newSender(p, cfg, true, &e.ex)
	if err != nil {
		return nil, err
	}
	if err := s.secure(ctx, m); err != nil {
		return nil, fmt.Errorf("wssecurity: securing the request: %w", err)
	}
	if p.Binding == TransportBinding && !cfg.AllowInsecureTransport {
		m.RequireSecureTransport()
	}
	return e, nil
}

// VerifyReply checks a reply against p and the request's exchange (client
// side).
func VerifyReply(ctx context.Context, p Policy, cfg *Config, e *Exchange, m *soap.Message) error {
	p, err := prepare(p, cfg)
	if err != nil {
		return err
	}
	return newReceiver(ctx, p, cfg, true, &e.ex, m).process()
}

// VerifyRequest checks a request against p (server side) and returns the
// exchange to secure the reply with; its Principal says who sent it.
// Errors wrap this package's sentinels; a server answers them with one
// uniform fault (see ServerLayer). A TransportBinding request must have
// arrived over TLS (soap.ArrivedOverTLS) unless cfg.AllowInsecureTransport.
func VerifyRequest(ctx context.Context, p Policy, cfg *Config, m *soap.Message) (*Exchange, error) {
	p, err := prepare(p, cfg)
	if err != nil {
		return nil, err
	}
	e := &Exchange{}
	if err := newReceiver(ctx, p, cfg, false, &e.ex, m).process(); err != nil {
		return nil, err
	}
	if cfg.KeepBootstrapToken {
		if err := keepBootstrap(&e.ex); err != nil {
			return nil, err
		}
	}
	return e, nil
}

// SecureReply adds the Security header p asks for to a reply (server side).
func SecureReply(ctx context.Context, p Policy, cfg *Config, e *Exchange, m *soap.Message) error {
	p, err := prepare(p, cfg)
	if err != nil {
		return err
	}
	s, err := newSender(p, cfg, false, &e.ex)
	if err != nil {
		return err
	}
	if err := s.secure(ctx, m); err != nil {
		return fmt.Errorf("wssecurity: securing the reply: %w", err)
	}
	return nil
}

// ClientLayer returns the client side of a policy: it secures each request
// and verifies each reply. Faults are passed through unverified (WCF sends
// security faults unsecured); the caller receives them as errors. The
// configuration is checked against the policy (CheckConfig): a missing
// credential is an error here, not on the first call. TransportBinding
// requests may be sent over https only unless cfg.AllowInsecureTransport.
func ClientLayer(p Policy, cfg Config) (soap.ClientLayer, error) {
	pp, err := prepare(p, &cfg)
	if err != nil {
		return nil, err
	}
	if err := checkConfig(pp, &cfg, initiator); err != nil {
		return nil, err
	}
	c := &cfg
	return func(next soap.Invoker) soap.Invoker {
		return soap.InvokerFunc(func(ctx context.Context, req *soap.Message) (*soap.Message, error) {
			e, err := SecureRequest(ctx, p, c, req)
			if err != nil {
				return nil, err
			}
			resp, err := next.Call(ctx, req)
			if err != nil || resp == nil {
				return resp, err
			}
			if err := VerifyReply(ctx, p, c, e, resp); err != nil {
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
//
// The next handler's context carries the caller's *soap.Principal
// (soap.PrincipalFromContext), built from the verified request
// (Exchange.Principal), passed through cfg.TransformClaims when set, then
// given to cfg.Authorize with the request's action when set; an error of
// either is answered with soap.AccessDeniedFault and the handler does not
// run. The configuration is checked against the policy when the layer is
// built (CheckConfig).
func ServerLayer(p Policy, cfg Config) (soap.ServerLayer, error) {
	pp, err := prepare(p, &cfg)
	if err != nil {
		return nil, err
	}
	if err := checkConfig(pp, &cfg, recipient); err != nil {
		return nil, err
	}
	c := &cfg
	if c.Replay == nil {
		c.Replay = NewMemoryReplayCache()
	}
	return func(next soap.Handler) soap.Handler {
		return soap.HandlerFunc(func(ctx context.Context, req *soap.Message) (*soap.Message, error) {
			e, err := VerifyRequest(ctx, p, c, req)
			if err != nil {
				c.logger().WarnContext(ctx, "wssecurity: request rejected", slog.Any("error", err))
				return nil, uniformFault(err)
			}
			principal, err := c.authorize(ctx, req, e.Principal())
			if err != nil {
				c.logger().WarnContext(ctx, "wssecurity: access denied", slog.String("principal", principal.String()), slog.Any("error", err))
				return nil, soap.AccessDeniedFault(err)
			}
			resp, err := next.ServeSOAP(soap.NewContextWithPrincipal(ctx, principal), req)
			if err != nil || resp == nil {
				return resp, err
			}
			if err := SecureReply(ctx, p, c, e, resp); err != nil {
				return nil, err
			}
			return resp, nil
		})
	}, nil
}

// authorize runs the claims transformation and the authorization decision
// of the configuration on a verified request's principal and returns the
// principal the application sees.
func (c *Config) authorize(ctx context.Context, req *soap.Message, p *soap.Principal) (*soap.Principal, error) {
	if c.TransformClaims != nil {
		t, err := c.TransformClaims(ctx, p)
		if err != nil {
			return p, fmt.Errorf("wssecurity: claims transformation: %w", err)
		}
		if t == nil {
			return p, errors.New("wssecurity: claims transformation returned no principal")
		}
		p = t
	}
	if c.Authorize != nil {
		action := req.Addressing.Action
		if action == "" {
			action = req.SOAPAction
		}
		if err := c.Authorize(ctx, action, p); err != nil {
			return p, err
		}
	}
	return p, nil
}
