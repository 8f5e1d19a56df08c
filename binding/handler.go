package binding

import (
	"context"
	"net/http"

	"github.com/soapstack/soapstack/reliable"
	"github.com/soapstack/soapstack/secureconv"
	"github.com/soapstack/soapstack/soap"
	"github.com/soapstack/soapstack/wssecurity"
)

// NewHandler returns the http.Handler of a service endpoint configured by b
// and creds that runs app for every request the binding's security
// accepts. app finds the authenticated caller in its context
// (soap.PrincipalFromContext). It checks the configuration and names the
// field that is wrong or missing (errors wrap ErrConfig; settings not
// supported yet wrap ErrNotSupported). Transport and
// TransportWithMessageCredential refuse requests that did not arrive over
// TLS unless WithAllowInsecureTransport. With ReliableSession the reliable
// session's layer runs between the security and app: app sees each request
// once and in order, and only application requests (with a secure session,
// only sequences created inside one, bound to it).
func NewHandler(app soap.Handler, b Binding, creds Credentials, opts ...HandlerOption) (http.Handler, error) {
	var s settings
	for _, o := range opts {
		o.applyHandler(&s)
	}
	if app == nil {
		return nil, configErr("app: nil handler")
	}
	if s.cookies != nil && s.cookieKeys != nil {
		return nil, configErr("WithCookies and WithCookieKeys: give one key ring")
	}
	p, err := b.plan()
	if err != nil {
		return nil, err
	}
	// With a reliable session the application's authorization runs above
	// it, on application messages only (never on CreateSequence or an
	// acknowledgement), as WCF's ServiceAuthorizationManager runs at the
	// dispatcher.
	authorize := s.authorize
	if p.rm != nil {
		authorize = nil
	}
	hs := s.hookSet(SideService, b)
	var layers []soap.ServerLayer
	if len(hs.hooks) > 0 {
		layers = append(layers, hs.outerLayer)
	}
	switch {
	case p.session != nil:
		cfg, err := serviceSecurity(b, p, creds, &s)
		if err != nil {
			return nil, err
		}
		var boot wssecurity.Policy
		if p.message != nil {
			boot = *p.message
		}
		var nego secureconv.NegotiationAcceptor
		switch {
		case p.spnego:
			if nego, err = windowsAcceptor(b, creds, &s); err != nil {
				return nil, err
			}
		case p.negotiate:
			if nego, err = serviceNegotiation(b, cfg, &s); err != nil {
				return nil, err
			}
		}
		l, err := secureconv.ServerLayer(secureconv.ServerConfig{Version: b.SecureConversation,
			Bootstrap: boot, Negotiation: nego, Policy: *p.session, Security: cfg, Cookies: s.cookies, CookieKeys: s.cookieKeys, Cache: s.tokens,
			Lifetime: s.sessionLifetime, TransformClaims: s.transform, Authorize: authorize,
			CancelWithBootstrap: s.cancelBoot, CancelSignedOnly: s.cancelSignedOnly, KeySizeFromSuite: s.keySizeFromSuite,
			OnEvent: hs.sessionEvents()})
		if err != nil {
			return nil, configErr("%s: %w", b.name(), err)
		}
		layers = append(layers, l)
	case p.message != nil:
		cfg, err := serviceSecurity(b, p, creds, &s)
		if err != nil {
			return nil, err
		}
		cfg.TransformClaims, cfg.Authorize = s.transform, authorize
		l, err := wssecurity.ServerLayer(*p.message, cfg)
		if err != nil {
			return nil, configErr("%s: %w", b.name(), err)
		}
		layers = append(layers, l)
	default:
		if p.tls && !s.allowInsecure {
			layers = append(layers, tlsOnly)
		}
		if authorize != nil {
			layers = append(layers, soap.Authorize(authorize))
		}
	}
	if p.rm != nil {
		if s.sequences != nil && b.ReliableSession.MaxPendingChannels != 0 {
			return nil, configErr("%s: ReliableSession.MaxPendingChannels: a store given with WithSequenceStore applies its own bound (reliable.WithMaxPending); leave it 0", b.name())
		}
		l, err := reliable.ServerLayer(p.rm.serverConfig(b, p.session != nil, &s, hs.reliableEvents()))
		if err != nil {
			return nil, configErr("%s: ReliableSession: %w", b.name(), err)
		}
		layers = append(layers, l)
		if s.authorize != nil {
			layers = append(layers, soap.Authorize(s.authorize))
		}
	}
	hopts := s.httpOptions()
	if len(hs.hooks) > 0 {
		layers = append(layers, hs.innerLayer)
		hopts = append(hopts, soap.WithFaultHook(hs.faultHook))
	}
	return soap.NewHTTPHandler(soap.ChainHandler(app, layers...), hopts...), nil
}

// tlsOnly refuses requests that did not arrive over TLS with the uniform
// wsse:InvalidSecurity fault, cause wssecurity.ErrInsecureTransport (the
// cause the message-security modes over transport report too).
func tlsOnly(next soap.Handler) soap.Handler {
	return soap.HandlerFunc(func(ctx context.Context, req *soap.Message) (*soap.Message, error) {
		if !soap.ArrivedOverTLS(ctx) {
			return nil, wssecurity.VerificationFault(wssecurity.ErrInsecureTransport)
		}
		return next.ServeSOAP(ctx, req)
	})
}

// serviceSecurity checks the service credentials the plan needs and
// returns the wssecurity configuration.
func serviceSecurity(b Binding, p plan, creds Credentials, s *settings) (wssecurity.Config, error) {
	cfg := s.security()
	cfg.Replay = s.replay
	n := b.name()
	if p.spnego {
		return cfg, nil // Windows: the negotiation authenticates both sides
	}
	if b.Security.Mode == ModeMessage {
		if creds.ServiceCertificate == nil || creds.ServiceCertificate.Cert == nil || creds.ServiceCertificate.Key == nil {
			return cfg, configErr("%s: Credentials.ServiceCertificate: Message security needs the service certificate with its private key", n)
		}
		cfg.Certificate = creds.ServiceCertificate
	}
	if b.Security.Element != nil {
		// trustStore's error names the field.
		return cfg, customCredentials(&cfg, creds, true)
	}
	switch b.Security.Message.ClientCredentialType {
	case CredentialUserName:
		if creds.UserNameValidator == nil {
			return cfg, configErr("%s: Credentials.UserNameValidator: ClientCredentialType UserName needs a validator of user names and passwords", n)
		}
		cfg.Usernames = creds.UserNameValidator
	case CredentialCertificate:
		t, err := creds.trustStore()
		if err != nil {
			return cfg, configErr("%s: %w", n, err)
		}
		cfg.Trust = t
	}
	return cfg, nil
}
