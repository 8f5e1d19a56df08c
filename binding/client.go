package binding

import (
	"context"
	"io"
	"net/url"

	"github.com/beevik/etree"

	"github.com/soapstack/soapstack/secureconv"
	"github.com/soapstack/soapstack/soap"
	"github.com/soapstack/soapstack/wssecurity"
)

// Client is a channel to one service endpoint, secured as its Binding
// says: a soap.Invoker whose Call protects the request and verifies the
// reply. With EstablishSecurityContext the first call (or Open) establishes
// a secure session and Close cancels it. A Client is safe for concurrent
// use.
type Client struct {
	url     string
	binding Binding
	inv     soap.Invoker
	session *secureconv.Client
	rand    io.Reader
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
	c := &Client{url: rawURL, binding: b, rand: s.rand}
	transport := soap.NewHTTPClient(rawURL, s.httpOptions()...)
	switch {
	case p.session != nil:
		sc, err := secureconv.NewClient(transport, secureconv.ClientConfig{Version: b.SecureConversation,
			Bootstrap: *p.message, Policy: *p.session, Security: cfg, Cancel: true,
			SOAP: b.SOAP, Addressing: b.Addressing, To: rawURL, KeyLog: s.keyLog,
			CancelWithBootstrap: s.cancelBoot})
		if err != nil {
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
	if p.tls && !s.allowInsecure {
		c.inv = requireTLS(c.inv)
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
	if p.message == nil {
		return cfg, nil
	}
	n := b.name()
	if b.Security.Mode == ModeMessage {
		if creds.ServiceCertificate == nil || creds.ServiceCertificate.Cert == nil {
			return cfg, configErr("%s: Credentials.ServiceCertificate: Message security encrypts to the service certificate; the client needs it", n)
		}
		cfg.PeerCertificate = creds.ServiceCertificate.Cert
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
	return c.inv.Call(ctx, req)
}

// Open establishes the secure session now (with EstablishSecurityContext;
// otherwise it does nothing), instead of on the first call.
func (c *Client) Open(ctx context.Context) error {
	if c.session == nil {
		return nil
	}
	return c.session.Open(ctx)
}

// Close cancels the secure session, if one was established (WCF's
// RequireCancellation); the client then may not be used. Without a session
// it does nothing.
func (c *Client) Close(ctx context.Context) error {
	if c.session == nil {
		return nil
	}
	return c.session.Close(ctx)
}

// Session returns the identifier of the current secure session ("" when
// there is none).
func (c *Client) Session() string {
	if c.session == nil {
		return ""
	}
	return c.session.Session()
}
