package binding

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"

	"github.com/beevik/etree"

	"github.com/soapstack/soapstack/reliable"
	"github.com/soapstack/soapstack/secureconv"
	"github.com/soapstack/soapstack/soap"
	"github.com/soapstack/soapstack/wssecurity"
)

// Client is a channel to one service endpoint, secured as its Binding
// says: a soap.Invoker whose Call protects the request and verifies the
// reply. With EstablishSecurityContext the first call (or Open) establishes
// a secure session and Close cancels it; with ReliableSession every call
// goes on a WS-RM sequence (created on the first call or Open, inside the
// secure session) and is retransmitted until acknowledged. A Client is
// safe for concurrent use.
type Client struct {
	url     string
	binding Binding
	inv     soap.Invoker
	session *secureconv.Client
	rm      *reliable.Client
	rand    io.Reader
	hooks   *hookSet
	// release frees what the credentials hold (the Kerberos client).
	release func()
}

// NewClient returns a client of the service at url configured by b and
// creds. It checks the configuration and names the field that is wrong or
// missing (errors wrap ErrConfig; settings not supported yet wrap
// ErrNotSupported). Transport and TransportWithMessageCredential need an
// https url unless WithAllowInsecureTransport.
func NewClient(rawURL string, b Binding, creds Credentials, opts ...ClientOption) (*Client, error) {
	var s settings
	for _, o := range opts {
		o.applyClient(&s)
	}
	p, err := b.plan()
	if err != nil {
		return nil, err
	}
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, configErr("url %q: want an http or https URL", rawURL)
	}
	if p.tls && u.Scheme != "https" && !s.allowInsecure {
		return nil, configErr("url %q: security mode %s needs an https URL (or WithAllowInsecureTransport)", rawURL, b.Security.Mode)
	}
	cfg, err := clientSecurity(b, p, creds, &s)
	if err != nil {
		return nil, err
	}
	if err := s.checkReliableOptions(b, p); err != nil {
		return nil, err
	}
	c := &Client{url: rawURL, binding: b, rand: s.rand, hooks: s.hookSet(SideClient, b)}
	var transport soap.Invoker = soap.NewHTTPClient(rawURL, s.httpOptions()...)
	for i := len(s.transportLayers) - 1; i >= 0; i-- {
		transport = s.transportLayers[i](transport)
	}
	if p.tls && !s.allowInsecure {
		// Below every layer, so that handshakes, RM control messages and
		// retransmissions are marked too.
		transport = requireTLS(transport)
	}
	switch {
	case p.session != nil:
		var boot wssecurity.Policy
		if p.message != nil {
			boot = *p.message
			// secureconv.NewClient builds its bootstrap layer on the first
			// handshake; building one now reports missing credentials here.
			if _, err := wssecurity.ClientLayer(boot, cfg); err != nil {
				return nil, configErr("%s: bootstrap: %w", b.name(), err)
			}
		}
		var nego secureconv.Negotiator
		switch {
		case p.spnego:
			if nego, c.release, err = windowsNegotiator(b, rawURL, creds, &s); err != nil {
				return nil, err
			}
		case p.negotiate:
			if nego, err = clientNegotiator(b, creds, rawURL, &s); err != nil {
				return nil, err
			}
		}
		sc, err := secureconv.NewClient(transport, secureconv.ClientConfig{Version: b.SecureConversation,
			Bootstrap: boot, Negotiator: nego, Policy: *p.session, Security: cfg,
			// A negotiated token that is itself the session is not
			// cancelled (SslSecurityTokenParameters' requireCancellation
			// is false); a secure conversation is, unless a custom
			// element says otherwise.
			Cancel: (!p.negotiate || p.message != nil) && b.requireCancellation(),
			SOAP:   b.SOAP, Addressing: b.Addressing, To: rawURL, KeyLog: s.keyLog,
			CancelWithBootstrap: s.cancelBoot, CancelSignedOnly: s.cancelSignedOnly, OnEvent: c.hooks.sessionEvents()})
		if err != nil {
			c.free()
			return nil, configErr("%s: %w", b.name(), err)
		}
		c.session, c.inv = sc, sc
	case p.message != nil:
		layer, err := wssecurity.ClientLayer(*p.message, cfg)
		if err != nil {
			return nil, configErr("%s: %w", b.name(), err)
		}
		c.inv = soap.ChainInvoker(transport, layer)
	default:
		c.inv = transport
	}
	if p.rm != nil {
		rc := p.rm.clientConfig(b, rawURL, &s, c.hooks.reliableEvents())
		if c.session != nil {
			rc.SecureSession = c.session
		}
		rm, err := reliable.NewClient(c.inv, rc)
		if err != nil {
			return nil, configErr("%s: ReliableSession: %w", b.name(), err)
		}
		c.rm, c.inv = rm, rm
	}
	return c, nil
}

// requireTLS marks every request as needing https, so the transport
// refuses to send it elsewhere (soap.ErrInsecureTransport).
func requireTLS(next soap.Invoker) soap.Invoker {
	return soap.InvokerFunc(func(ctx context.Context, req *soap.Message) (*soap.Message, error) {
		req.RequireSecureTransport()
		return next.Call(ctx, req)
	})
}

// clientSecurity checks the client credentials the plan needs and returns
// the wssecurity configuration.
func clientSecurity(b Binding, p plan, creds Credentials, s *settings) (wssecurity.Config, error) {
	cfg := s.security()
	if p.message == nil && !p.negotiate {
		return cfg, nil
	}
	n := b.name()
	if b.Security.Element != nil && p.session != nil && s.cancelBoot && !b.requireCancellation() {
		return cfg, configErr("%s: WithCancelWithBootstrap: the secure conversation's element does not require cancellation, so the client sends no Cancel to protect", n)
	}
	if b.Security.Mode == ModeMessage && !p.negotiate {
		if creds.ServiceCertificate == nil || creds.ServiceCertificate.Cert == nil {
			return cfg, configErr("%s: Credentials.ServiceCertificate: Message security encrypts to the service certificate; the client needs it", n)
		}
		cfg.PeerCertificate = creds.ServiceCertificate.Cert
	}
	if b.Security.Element != nil {
		return cfg, customCredentials(&cfg, creds, false)
	}
	switch b.Security.Message.ClientCredentialType {
	case CredentialUserName:
		if creds.UserName == "" {
			return cfg, configErr("%s: Credentials.UserName: ClientCredentialType UserName needs a user name", n)
		}
		cfg.Username, cfg.Password = creds.UserName, creds.Password
	case CredentialCertificate:
		if creds.ClientCertificate == nil || creds.ClientCertificate.Cert == nil || creds.ClientCertificate.Key == nil {
			return cfg, configErr("%s: Credentials.ClientCertificate: ClientCredentialType Certificate needs the client certificate with its private key", n)
		}
		cfg.Certificate = creds.ClientCertificate
	}
	return cfg, nil
}

// Binding returns the client's binding.
func (c *Client) Binding() Binding { return c.binding }

// URL returns the service address.
func (c *Client) URL() string { return c.url }

// NewRequest returns a request message for action with payload as its Body
// content, in the binding's SOAP and WS-Addressing versions, addressed to
// the client's URL (wsa:To, wsa:Action, wsa:MessageID, wsa:ReplyTo) with the
// SOAPAction set.
func (c *Client) NewRequest(action string, payload *etree.Element) (*soap.Message, error) {
	req := soap.NewMessageWithBody(c.binding.SOAP, payload)
	if c.binding.Addressing != 0 {
		a, err := soap.RequestAddressing(c.binding.Addressing, action, c.url, c.rand)
		if err != nil {
			return nil, err
		}
		req.SetAddressing(a)
	}
	req.SOAPAction = action
	return req, nil
}

// Call sends req and returns the verified reply. A SOAP fault from the
// service is returned as a *soap.Fault error.
func (c *Client) Call(ctx context.Context, req *soap.Message) (*soap.Message, error) {
	if len(c.hooks.hooks) == 0 {
		return c.inv.Call(ctx, req)
	}
	info := CallInfo{Side: SideClient, Binding: c.hooks.binding, Action: actionOf(req), URL: c.url}
	return c.hooks.call(ctx, info, func(ctx context.Context) (*soap.Message, error) { return c.inv.Call(ctx, req) })
}

// Open establishes the sessions now instead of on the first call: the
// secure session (with EstablishSecurityContext), then the reliable
// session's sequence (with ReliableSession). Without sessions it does
// nothing.
func (c *Client) Open(ctx context.Context) error {
	if c.rm != nil {
		return c.rm.Open(ctx) // opens the secure session first
	}
	if c.session == nil {
		return nil
	}
	return c.session.Open(ctx)
}

// Close ends the sessions, innermost last as WCF closes its channel stack:
// the reliable session first (it waits for every message to be
// acknowledged, then closes and terminates its sequences), then the
// secure session, which it cancels (WCF's RequireCancellation). The secure
// session is cancelled even when closing the reliable session failed; the
// error then reports both. The client then may not be used. Without
// sessions it does nothing.
func (c *Client) Close(ctx context.Context) error {
	var errs []error
	if c.rm != nil {
		if err := c.rm.Close(ctx); err != nil {
			errs = append(errs, fmt.Errorf("binding: closing the reliable session: %w", err))
		}
	}
	if c.session != nil {
		if err := c.session.Close(ctx); err != nil {
			errs = append(errs, fmt.Errorf("binding: cancelling the secure session: %w", err))
		}
	}
	c.free()
	return errors.Join(errs...)
}

// free releases what the credentials hold.
func (c *Client) free() {
	if c.release != nil {
		c.release()
	}
}

// Sequence returns the identifier of the reliable session's request
// sequence ("" without ReliableSession or before it is created).
func (c *Client) Sequence() string {
	if c.rm == nil {
		return ""
	}
	return c.rm.Sequence()
}

// Session returns the identifier of the current secure session ("" when
// there is none).
func (c *Client) Session() string {
	if c.session == nil {
		return ""
	}
	return c.session.Session()
}
