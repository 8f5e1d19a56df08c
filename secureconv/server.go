package secureconv

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/beevik/etree"
	"github.com/google/uuid"
	"github.com/soapstack/soapstack/internal/wsse"
	"github.com/soapstack/soapstack/internal/wstrust"
	"github.com/soapstack/soapstack/internal/xmlutil"
	"github.com/soapstack/soapstack/soap"
	"github.com/soapstack/soapstack/wssecurity"
)

// Defaults of a ServerConfig, WCF's (LocalServiceSecuritySettings).
const (
	// DefaultIssuedLifetime is the lifetime of an issued session token
	// (WCF's IssuedCookieLifetime, 10 hours).
	DefaultIssuedLifetime = 10 * time.Hour
)

// reasonInternal is the reason of the Receiver fault for a failure of the
// service itself (WCF's text for an internal error).
const reasonInternal = "The server was unable to process the request due to an internal error."

// ServerConfig configures the service side of secure sessions.
type ServerConfig struct {
	// Version selects WS-SC/WS-Trust 2005/02 or 1.3: the one version the
	// service accepts. A token request of the other version is refused
	// with wst:InvalidRequest (cause ErrVersionNotAccepted).
	Version Version
	// Bootstrap is the policy that protects Issue requests. With
	// Negotiation it uses a SecureConversationToken (the negotiated
	// token), or is unset when the negotiated token is itself the session.
	Bootstrap wssecurity.Policy
	// Negotiation, when set, answers the negotiation legs (TLSNEGO,
	// SPNEGO) that issue a first token in place of the bootstrap policy's
	// credentials; see NegotiationAcceptor and Negotiator.
	Negotiation NegotiationAcceptor
	// Policy protects application messages, Renew and Cancel; its
	// protection token is a wssecurity.SecureConversationToken.
	Policy wssecurity.Policy
	// Security holds the service's credentials (certificate, trust store,
	// username validation, replay cache, logger) and the one clock (Now)
	// and random source (Rand) of the layer: they reach token validity,
	// the default token and replay caches, the key ring's choice of
	// sealing key and wssecurity's checks. The default logger is
	// slog.Default().
	Security wssecurity.Config
	// Entropy is the key entropy mode (default Combined), the one place
	// the service's WS-Trust entropy requirement is set: in Combined and
	// Client modes an Issue or Renew without client entropy is refused
	// (wst:InvalidRequest, cause ErrClientEntropyRequired), in Server mode
	// one with client entropy (ErrClientEntropyRefused).
	Entropy EntropyMode
	// Cookies, when set, is the key ring of cookie mode and makes it the
	// default: the whole session token is sealed into the
	// SecurityContextToken, so any node holding the ring can serve the
	// session. Otherwise sessions are in reference mode: their tokens stay
	// in Cache. OnSessionCreated may choose the mode per session.
	Cookies *KeyRing
	// CookieKeys is the alternative to Cookies for a ring that changes
	// while the server runs (key rotation without a restart, see the
	// package documentation): the server asks it for the ring each time
	// it seals or opens a cookie, for example a WatchKeyRingFile. Set
	// Cookies or CookieKeys, not both.
	CookieKeys KeyRingSource
	// Cache holds the tokens of reference-mode sessions (default: a
	// NewMemoryTokenCache). The layer gives every cache call the time of
	// Security.Now.
	Cache TokenCache
	// Lifetime is the lifetime of issued tokens (DefaultIssuedLifetime).
	Lifetime time.Duration
	// KeyLifetime bounds the use of a session key (default: Lifetime).
	// A message under an expired key of a valid token gets a secured
	// wsc:RenewNeeded fault; the client renews and sends it again.
	KeyLifetime time.Duration
	// Endpoint scopes issued tokens to this endpoint address ("": none).
	Endpoint string
	// CancelWithBootstrap also accepts a Cancel protected by the bootstrap
	// policy instead of the session, as Apache CXF's client sends it; the
	// bootstrap credential must then be the one that established the
	// session (for anonymous sessions anyone who knows the identifier can
	// end it). WCF protects Cancel with the session; off by default.
	CancelWithBootstrap bool

	// TransformClaims, when set, is called once when a session is
	// established, with the principal of the bootstrap credential (its
	// identities with their certificates, the bootstrap token when kept,
	// no Session yet): WIF's ClaimsAuthenticationManager. The identities
	// of the principal it returns are the session's for its whole life,
	// renewals included; they must fit a SessionToken (MaxIdentities,
	// MaxClaims, MaxClaimValueLen, ...) and lose their certificates when
	// stored. An error refuses the Issue request with soap's AccessDenied
	// fault (the error goes to the log only). The identity that Renew and
	// Cancel are checked against (SessionToken.Claims) is the bootstrap
	// credential's, whatever the transformation does.
	TransformClaims func(ctx context.Context, p *soap.Principal) (*soap.Principal, error)
	// Authorize, when set, decides about every application message of a
	// session with its action and the session's principal, before the
	// application runs: WCF's ServiceAuthorizationManager. A refusal is
	// answered with soap.AccessDeniedFault and the application does not
	// run. As in WCF, where the security session's token requests are
	// handled by the channel below the service dispatcher, Issue, Renew
	// and Cancel are not submitted to it; refuse sessions with
	// TransformClaims or OnSessionCreated.
	Authorize soap.Authorizer
	// OnSessionCreated, when set, is called when a session is
	// established, before its token is stored or sealed, with a copy of
	// the token without its key. It may set CookieMode (cookie mode for
	// this one session, which needs Cookies; reference mode otherwise),
	// AppContext and Persistent; changes to other fields are ignored. An
	// error refuses the Issue request with soap's AccessDenied fault. A
	// renewal keeps the session's choices.
	OnSessionCreated func(ctx context.Context, tok *SessionToken) error
	// OnEvent, when set, is called synchronously after each session is
	// issued, renewed or cancelled, and when a request refers to an
	// expired session; it must not block.
	OnEvent func(Event)
	// KeepBootstrapToken keeps the canonical XML of the bootstrap token
	// (the UsernameToken without its password, which is never kept, or
	// the client's BinarySecurityToken) with the session and gives it to the
	// application as Principal.BootstrapToken (WIF's
	// SaveBootstrapContext). Off by default; in cookie mode it travels,
	// sealed, in the cookie, within MaxTokenEncodingLen.
	KeepBootstrapToken bool
	// NewIdentifier, when set, makes the Identifier of each issued token
	// and the Instance of each renewed key from the random source
	// (default: "urn:uuid:" and a random UUID). Identifiers are opaque
	// strings: at most MaxContextIDLen bytes, no whitespace.
	NewIdentifier func(r io.Reader) (string, error)
	// CancelSignedOnly also accepts a Cancel signed with the session whose
	// parts and signature are not encrypted, as Eclipse Metro sends it (Metro applies only
	// the endpoint policy to Cancel; a WSDL that attaches EncryptedParts per
	// operation encrypts nothing there), and answers it the same way. The
	// signature with the session key is still required; off by default.
	CancelSignedOnly bool
	// KeySizeFromSuite issues keys of the session suite's key length even
	// when the RST asks for more (the RSTR's KeySize says so). Eclipse Metro
	// asks for 256 bits for a Basic128 session under an asymmetric bootstrap
	// and then encrypts aes128-cbc with all 256 bits, where soapstack (as
	// WSS4J) uses the first 128; Metro follows the RSTR's KeySize. Off by
	// default: Apache CXF's and WCF's key sizes are honoured as asked.
	KeySizeFromSuite bool
}

// server is the service side of secure sessions, as a soap layer.
type server struct {
	cfg      ServerConfig
	next     soap.Handler
	cache    TokenCache    // reference-mode sessions
	negCache TokenCache    // negotiated tokens that protect Issue requests, or nil
	rings    KeyRingSource // cookie-mode sessions, or nil
	sizes    keySizeBounds
	log      *slog.Logger
	// cookies remembers opened cookies (cookie mode).
	cookies *cookieMemo
}

// ServerLayer returns a layer that answers Issue, Renew and Cancel
// requests and protects application messages with the sessions it issued.
// Security failures get one uniform wsse:InvalidSecurity fault; unknown,
// expired or foreign session tokens get wsc:BadContextToken (unsecured, as
// WCF sends it) so the client re-establishes the session.
//
// The application handler finds the session's *soap.Principal in its
// context (soap.PrincipalFromContext): the session's identities, its
// soap.SessionInfo and, with KeepBootstrapToken, the bootstrap token.
//
// The configuration is checked against the policies when the layer is
// built: an error names the field that is missing or wrong.
func ServerLayer(cfg ServerConfig) (soap.ServerLayer, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if cfg.Lifetime == 0 {
		cfg.Lifetime = DefaultIssuedLifetime
	}
	if cfg.Security.Replay == nil {
		cfg.Security.Replay = wssecurity.NewMemoryReplayCache()
	}
	cache := cfg.Cache
	if cache == nil {
		// Also with Cookies: OnSessionCreated may choose reference mode.
		// An unused memory cache costs nothing.
		cache = NewMemoryTokenCache()
	}
	var rings KeyRingSource
	if cfg.Cookies != nil {
		rings = cfg.Cookies
	} else if cfg.CookieKeys != nil {
		rings = cfg.CookieKeys
	}
	minBits, maxBits := cfg.Policy.WithDefaults().Suite.KeySizes()
	sizes := keySizeBounds{Min: minBits, Max: DefaultMaxKeySize, Default: maxBits}
	log := cfg.Security.Logger
	if log == nil {
		log = slog.Default()
		cfg.Security.Logger = log
	}
	return func(next soap.Handler) soap.Handler {
		srv := &server{cfg: cfg, next: next, cache: cache, rings: rings, sizes: sizes, log: log, cookies: &cookieMemo{}}
		if cfg.Negotiation != nil && cfg.Bootstrap.Binding != 0 {
			srv.negCache = newNegotiatedTokens(negotiatedTokensMax)
		}
		return srv
	}, nil
}

func (c *ServerConfig) now() time.Time {
	if c.Security.Now != nil {
		return c.Security.Now()
	}
	return time.Now()
}

func (c *ServerConfig) rand() io.Reader {
	if c.Security.Rand != nil {
		return c.Security.Rand
	}
	return rand.Reader
}

// ServeSOAP dispatches token requests and protects application messages.
func (s *server) ServeSOAP(ctx context.Context, req *soap.Message) (*soap.Message, error) {
	v := s.cfg.Version
	if s.cfg.Negotiation != nil && s.cfg.Negotiation.Accepts(req) {
		return s.cfg.Negotiation.Negotiate(ctx, req, s.issueNegotiated)
	}
	action, err := soap.Action(req)
	if err != nil {
		return nil, err
	}
	if action == v.wire().IssueAction() {
		return s.issue(ctx, req)
	}
	if o := otherVersion(v, action); o != 0 {
		// Refused before any verification: answered in the request's
		// version, so that its sender understands the fault.
		s.log.WarnContext(ctx, "secureconv: token request refused", slog.String("action", action), slog.Any("error", ErrVersionNotAccepted))
		return nil, invalidRequestFault(o).WithCause(ErrVersionNotAccepted)
	}
	rt := &requestTokens{s: s, found: map[string]*SessionToken{}}
	sec := s.cfg.Security
	sec.TokenResolver = rt
	orig := req
	if action == v.wire().CancelAction() && (s.cfg.CancelWithBootstrap || s.cfg.CancelSignedOnly) {
		// Verification changes the message (decryption in place): keep the
		// original for the bootstrap attempt.
		orig = req.Clone()
	}
	replyPolicy := s.cfg.Policy
	e, err := wssecurity.VerifyRequest(ctx, s.cfg.Policy, &sec, req)
	if err != nil && action == v.wire().CancelAction() && s.cfg.CancelSignedOnly {
		relaxed, retry := signedOnly(s.cfg.Policy), orig.Clone()
		if e2, err2 := wssecurity.VerifyRequest(ctx, relaxed, &sec, retry); err2 == nil {
			e, err, req, replyPolicy = e2, nil, retry, relaxed
		}
	}
	if err != nil && action == v.wire().CancelAction() && s.cfg.CancelWithBootstrap {
		resp, berr := s.bootstrapCancel(ctx, orig)
		if berr == nil {
			return resp, nil
		}
		s.log.WarnContext(ctx, "secureconv: bootstrap Cancel rejected", slog.Any("error", berr))
	}
	if err != nil {
		s.log.WarnContext(ctx, "secureconv: request rejected", slog.Any("error", err))
		switch {
		case errors.Is(err, ErrBadContextToken):
			return nil, badContextTokenFault(v).WithCause(err)
		case errors.Is(err, ErrRenewNeeded):
			return s.renewNeeded(ctx, req, rt)
		case errors.Is(err, wssecurity.ErrUnknownDerivationSource):
			return nil, unknownDerivationSourceFault(v).WithCause(err)
		}
		return nil, wssecurity.VerificationFault(err)
	}
	sess := e.Session()
	if sess == nil || rt.found[sess.Identifier] == nil {
		return nil, badContextTokenFault(v)
	}
	tok := rt.found[sess.Identifier]
	var resp *soap.Message
	switch action {
	case v.wire().RenewAction():
		resp, err = s.renew(ctx, req, tok)
	case v.wire().CancelAction():
		resp, err = s.cancel(ctx, req, tok)
	default:
		p := sessionPrincipal(tok, v)
		if u := e.Username(); u != "" {
			// A UsernameToken on every message of a negotiated session
			// (WCF's UserNameForSslNegotiated without a secure
			// conversation): its user is the caller.
			p.Identities = joinIdentities([]soap.Identity{soap.UsernameIdentity(u)}, p.Identities)
		}
		if s.cfg.Authorize != nil {
			if aerr := s.cfg.Authorize(ctx, action, p); aerr != nil {
				s.log.WarnContext(ctx, "secureconv: request not authorized", slog.String("action", action),
					slog.String("principal", p.String()), slog.Any("error", aerr))
				return nil, soap.AccessDeniedFault(aerr)
			}
		}
		resp, err = s.next.ServeSOAP(sessionContext(ctx, p, tok), req)
	}
	if err != nil || resp == nil {
		return resp, err
	}
	if err := wssecurity.SecureReply(ctx, replyPolicy, &sec, e, resp); err != nil {
		return nil, err
	}
	return resp, nil
}

// signedOnly is p without encrypted parts and without an encrypted
// signature: the protection Eclipse Metro gives a Cancel and its answer
// (CancelSignedOnly).
func signedOnly(p wssecurity.Policy) wssecurity.Policy {
	p.EncryptedParts = wssecurity.Parts{}
	p.EncryptSignature = false
	return p
}

// claimsOf records who a verified bootstrap request authenticated.
func claimsOf(e *wssecurity.Exchange) Claims {
	if u := e.Username(); u != "" {
		return Claims{Method: AuthUsername, Username: u}
	}
	if c := e.ClientCertificate(); c != nil {
		sum := sha256.Sum256(c.Raw)
		return Claims{Method: AuthCertificate, CertSubject: c.Subject.String(), CertThumbprintSHA256: sum[:]}
	}
	return Claims{Method: AuthAnonymous}
}

func newIdentifier(r io.Reader) (string, error) {
	u, err := uuid.NewRandomFromReader(r)
	if err != nil {
		return "", err
	}
	return "urn:uuid:" + u.String(), nil
}

// issue answers an Issue request protected by the bootstrap policy.
func (s *server) issue(ctx context.Context, req *soap.Message) (*soap.Message, error) {
	start := s.cfg.now()
	v := s.cfg.Version
	sec := s.cfg.Security
	sec.KeepBootstrapToken = s.cfg.KeepBootstrapToken
	var rt *requestTokens
	if s.negCache != nil {
		rt = &requestTokens{s: s, found: map[string]*SessionToken{}, cache: s.negCache}
		sec.TokenResolver = rt
	}
	e, err := wssecurity.VerifyRequest(ctx, s.cfg.Bootstrap, &sec, req)
	if err != nil {
		s.log.WarnContext(ctx, "secureconv: Issue rejected", slog.Any("error", err))
		if rt != nil && errors.Is(err, ErrBadContextToken) {
			return nil, badContextTokenFault(v).WithCause(err)
		}
		return nil, wssecurity.VerificationFault(err)
	}
	rst, rv, err := wstrust.ParseRST(req.Payload())
	if err == nil && rv != v.wire() {
		err = ErrVersionNotAccepted
	}
	if err == nil && rst.Operation != wstrust.OpIssue {
		err = errors.New("secureconv: not an Issue request")
	}
	if err == nil {
		err = checkEntropy(s.cfg.Entropy, rst)
	}
	if err != nil {
		s.log.WarnContext(ctx, "secureconv: Issue refused", slog.Any("error", err))
		return nil, invalidRequestFault(v).WithCause(err)
	}
	var negotiated *SessionToken
	if rt != nil {
		if sess := e.Session(); sess != nil {
			negotiated = rt.found[sess.Identifier]
		}
		if negotiated == nil {
			return nil, badContextTokenFault(v)
		}
	}
	tmpl, err := s.establish(ctx, req, e, negotiated)
	if err != nil {
		return nil, err
	}
	tok, sct, ik, err := s.newToken(ctx, rst, tmpl)
	if err != nil {
		s.log.WarnContext(ctx, "secureconv: Issue failed", slog.Any("error", err))
	}
	var fault *soap.Fault
	switch {
	case err == nil:
	case errors.Is(err, ErrCacheFull):
		// WCF's limit of pending sessions: the service, not the request, is
		// the problem.
		return nil, soap.ReceiverFault("The service has too many pending security sessions; try again later.").WithCause(err)
	case errors.As(err, &fault):
		return nil, fault
	case errors.Is(err, ErrInvalidRequest):
		return nil, invalidRequestFault(v).WithCause(err)
	default:
		return nil, soap.ReceiverFault(reasonInternal).WithCause(err)
	}
	resp, err := s.tokenResponse(req, wstrust.OpIssue, rst, tok, sct, ik)
	if err != nil {
		return nil, err
	}
	if err := wssecurity.SecureReply(ctx, s.cfg.Bootstrap, &sec, e, resp); err != nil {
		return nil, err
	}
	emit(s.cfg.OnEvent, Event{Kind: EventIssued, ContextID: tok.ContextID, Duration: s.cfg.now().Sub(start)})
	return resp, nil
}

// newToken issues a key for rst and stores (or seals) the session token
// built on tmpl: for a new session (tmpl.ContextID "") it draws the
// context id and runs OnSessionCreated; for a renewal it issues a new
// generation of tmpl's session with the same identities and choices.
func (s *server) newToken(ctx context.Context, rst *wstrust.RST, tmpl *SessionToken) (*SessionToken, *wstrust.SecurityContextToken, *issuedKey, error) {
	r := s.cfg.rand()
	if s.cfg.KeySizeFromSuite && rst.KeySize > s.sizes.Min {
		capped := *rst
		capped.KeySize = s.sizes.Min
		rst = &capped
	}
	ik, err := issueKey(s.cfg.Entropy, rst, s.sizes, r)
	if err != nil {
		return nil, nil, nil, err
	}
	if ik.Entropy != nil {
		ik.Entropy.ID = "uuid-entropy"
	}
	tok, sct, err := s.storeToken(ctx, tmpl, ik.Key, s.cache, true)
	if err != nil {
		return nil, nil, nil, err
	}
	return tok, sct, ik, nil
}

// storeToken builds the session token of key on tmpl and stores it in
// cache (or seals it in a cookie): for a new session (tmpl.ContextID "")
// it draws the context id and, with notify (false for a negotiated token
// that only protects an Issue), runs OnSessionCreated; for a renewal it
// issues a new generation of tmpl's session.
func (s *server) storeToken(ctx context.Context, tmpl *SessionToken, key []byte, cache TokenCache, notify bool) (*SessionToken, *wstrust.SecurityContextToken, error) {
	r := s.cfg.rand()
	var err error
	contextID, instance := tmpl.ContextID, ""
	if contextID == "" {
		if contextID, err = s.newIdentifier(r); err != nil {
			return nil, nil, err
		}
	} else if instance, err = s.newIdentifier(r); err != nil {
		return nil, nil, err
	}
	now := s.cfg.now()
	tok := &SessionToken{ContextID: contextID, KeyGeneration: instance, Key: key, ValidFrom: now,
		ValidTo: now.Add(s.cfg.Lifetime), Claims: tmpl.Claims, Endpoint: s.cfg.Endpoint, IssuedAt: now,
		Identities: storedIdentities(tmpl.Identities), Version: s.cfg.Version, CookieMode: tmpl.CookieMode,
		AppContext: tmpl.AppContext, Persistent: tmpl.Persistent, BootstrapToken: tmpl.BootstrapToken}
	if s.cfg.KeyLifetime > 0 && s.cfg.KeyLifetime < s.cfg.Lifetime {
		tok.KeyEffective, tok.KeyExpiration = now, now.Add(s.cfg.KeyLifetime)
	}
	if notify && tmpl.ContextID == "" && s.cfg.OnSessionCreated != nil {
		view := tok.Clone()
		view.Key = nil
		if err := s.cfg.OnSessionCreated(ctx, view); err != nil {
			return nil, nil, soap.AccessDeniedFault(fmt.Errorf("secureconv: OnSessionCreated: %w", err))
		}
		tok.CookieMode, tok.AppContext, tok.Persistent = view.CookieMode, view.AppContext, view.Persistent
	}
	if tok.CookieMode && s.rings == nil {
		return nil, nil, errors.New("secureconv: a cookie-mode session without ServerConfig.Cookies")
	}
	sct := &wstrust.SecurityContextToken{Version: s.cfg.Version.wire(), ID: sctWSUID(contextID), Identifier: contextID, Instance: instance}
	if tok.CookieMode {
		ring, err := s.rings.KeyRing(ctx)
		if err != nil {
			return nil, nil, fmt.Errorf("secureconv: key ring: %w", err)
		}
		if sct.Cookie, err = sealCookie(ring, tok, r, now); err != nil {
			return nil, nil, err
		}
	} else if err := cache.Put(context.Background(), tok, now); err != nil {
		return nil, nil, err
	}
	return tok, sct, nil
}

// establish returns the template of a new session's token from its
// verified bootstrap request: the owner (Claims), the identities after
// TransformClaims, the bootstrap token when kept and the default mode.
//
// neg is the negotiated token that protected the request, or nil: the
// identities the negotiation authenticated (a TLS client certificate)
// join those of the request's supporting tokens (a UsernameToken).
func (s *server) establish(ctx context.Context, req *soap.Message, e *wssecurity.Exchange, neg *SessionToken) (*SessionToken, error) {
	tmpl := &SessionToken{Claims: claimsOf(e), CookieMode: s.rings != nil}
	p := e.Principal()
	p.Session = nil
	if neg != nil {
		p.Identities = joinIdentities(p.Identities, neg.Identities)
		if tmpl.Claims.Method == AuthAnonymous {
			tmpl.Claims = neg.Claims
		}
	}
	if s.cfg.KeepBootstrapToken {
		tmpl.BootstrapToken = append([]byte(nil), p.BootstrapToken...)
	} else {
		p.BootstrapToken = nil
	}
	if s.cfg.TransformClaims != nil {
		np, err := s.cfg.TransformClaims(ctx, p)
		if err == nil && np == nil {
			err = errors.New("TransformClaims returned no principal")
		}
		if err != nil {
			s.log.WarnContext(ctx, "secureconv: session refused by TransformClaims", slog.String("principal", p.String()), slog.Any("error", err))
			return nil, soap.AccessDeniedFault(fmt.Errorf("secureconv: TransformClaims: %w", err))
		}
		p = np
	}
	tmpl.Identities = p.Identities
	if len(tmpl.Identities) == 0 {
		// Stored as such: a token without identities is a version 1 one,
		// whose principal comes from its Claims.
		tmpl.Identities = []soap.Identity{soap.AnonymousIdentity()}
	}
	if err := validateIdentities(tmpl.Identities); err != nil {
		s.log.WarnContext(ctx, "secureconv: session identities too large", slog.Any("error", err))
		return nil, soap.ReceiverFault(reasonInternal).WithCause(err)
	}
	return tmpl, nil
}

// tokenResponse builds the RSTR message of an Issue or Renew.
func (s *server) tokenResponse(req *soap.Message, op wstrust.Operation, rst *wstrust.RST, tok *SessionToken, sct *wstrust.SecurityContextToken, ik *issuedKey) (*soap.Message, error) {
	v := s.cfg.Version
	rstr := &wstrust.RSTR{Context: rst.Context, TokenType: v.wire().TokenType(), SCT: sct,
		RequestedAttachedReference:   sct.AttachedReference(v.wire()),
		RequestedUnattachedReference: sct.UnattachedReference(v.wire()),
		Lifetime:                     &wstrust.Lifetime{Created: tok.ValidFrom, Expires: tok.ValidTo}}
	ik.Apply(v, rstr)
	return soap.NewReply(req, v.wire().ResponseAction(op), rstr.BuildBody(v.wire()), s.cfg.rand())
}

// renew answers a Renew protected by the session it renews.
func (s *server) renew(ctx context.Context, req *soap.Message, cur *SessionToken) (*soap.Message, error) {
	start := s.cfg.now()
	v := s.cfg.Version
	rst, rv, err := wstrust.ParseRST(req.Payload())
	if err == nil && rv != v.wire() {
		err = ErrVersionNotAccepted
	}
	if err == nil && (rst.Operation != wstrust.OpRenew || rst.Target == nil || rst.Target.Identifier != cur.ContextID) {
		err = targetCause(nil)
	}
	if err != nil {
		return nil, unableToRenewFault(v).WithCause(err)
	}
	if err := checkEntropy(s.cfg.Entropy, rst); err != nil {
		s.log.WarnContext(ctx, "secureconv: Renew refused", slog.Any("error", err))
		return nil, invalidRequestFault(v).WithCause(err)
	}
	tok, sct, ik, err := s.newToken(ctx, rst, cur)
	if err != nil {
		return nil, unableToRenewFault(v).WithCause(err)
	}
	resp, err := s.tokenResponse(req, wstrust.OpRenew, rst, tok, sct, ik)
	if err == nil {
		emit(s.cfg.OnEvent, Event{Kind: EventRenewed, ContextID: tok.ContextID, Duration: s.cfg.now().Sub(start)})
	}
	return resp, err
}

// cancel answers a Cancel protected by the session it cancels.
func (s *server) cancel(ctx context.Context, req *soap.Message, cur *SessionToken) (*soap.Message, error) {
	start := s.cfg.now()
	v := s.cfg.Version
	rst, rv, err := wstrust.ParseRST(req.Payload())
	if err != nil || rv != v.wire() || rst.Operation != wstrust.OpCancel || rst.Target == nil || rst.Target.Identifier != cur.ContextID {
		return nil, invalidRequestFault(v).WithCause(targetCause(err))
	}
	// A cookie-mode session has no state to remove: its cookie stays
	// valid until it expires, as in WCF.
	if !cur.CookieMode {
		if err := s.cache.RemoveAll(ctx, cur.ContextID); err != nil {
			return nil, badContextTokenFault(v).WithCause(err)
		}
	}
	rstr := &wstrust.RSTR{Context: rst.Context, RequestedTokenCancelled: true}
	resp, err := soap.NewReply(req, v.wire().CancelResponseAction(), rstr.BuildBody(v.wire()), s.cfg.rand())
	if err == nil {
		emit(s.cfg.OnEvent, Event{Kind: EventCancelled, ContextID: cur.ContextID, Duration: s.cfg.now().Sub(start)})
	}
	return resp, err
}

// requestTokens resolves the session tokens one request refers to and
// remembers them, so the layer knows which session protected the request.
type requestTokens struct {
	s        *server
	cache    TokenCache // where reference-mode tokens are (nil: s.cache)
	mu       sync.Mutex
	found    map[string]*SessionToken
	reported bool // an EventExpired was emitted
}

// expired reports that the request named an expired session (once per
// session per request).
func (rt *requestTokens) expired(contextID string, cause error) {
	rt.mu.Lock()
	seen := rt.reported
	rt.reported = true
	rt.mu.Unlock()
	if !seen {
		emit(rt.s.cfg.OnEvent, Event{Kind: EventExpired, ContextID: contextID, Err: cause})
	}
}

// lookup finds a session token by its SCT (cookie or cache) and checks it.
func (rt *requestTokens) lookup(ctx context.Context, identifier, instance string, cookie []byte) (*SessionToken, error) {
	s := rt.s
	now := s.cfg.now()
	var tok *SessionToken
	var err error
	switch {
	case cookie != nil && s.rings != nil:
		ring, rerr := s.rings.KeyRing(ctx)
		if rerr != nil {
			// The service's trouble: a Receiver fault, not BadContextToken.
			return nil, fmt.Errorf("secureconv: key ring: %w", rerr)
		}
		tok, err = s.cookies.open(ring, cookie, now)
		if err == nil {
			tok.CookieMode = true // also for a version 1 cookie
			if tok.ContextID != identifier {
				err = errors.New("cookie of another context")
			}
		}
	default:
		cache := rt.cache
		if cache == nil {
			cache = s.cache
		}
		tok, err = cache.Get(ctx, identifier, instance, now)
		if err != nil && !errors.Is(err, ErrTokenNotFound) && !errors.Is(err, ErrTokenExpired) {
			// The cache could not answer (a shared cache's outage): a
			// Receiver fault, so the client neither trusts nor drops the
			// session on a failure of the service.
			return nil, fmt.Errorf("secureconv: token cache: %w", err)
		}
		if err == nil && tok.CookieMode {
			err = errors.New("a cookie-mode token in the cache")
		}
	}
	if err != nil {
		err = fmt.Errorf("%w: %w", ErrBadContextToken, err)
		if errors.Is(err, ErrTokenExpired) || errors.Is(err, ErrCookieExpired) {
			rt.expired(identifier, err)
		}
		return nil, err
	}
	if !tok.Valid(now) {
		err = fmt.Errorf("%w: %w", ErrBadContextToken, ErrTokenExpired)
		rt.expired(tok.ContextID, err)
		return nil, err
	}
	if s.cfg.Endpoint != "" {
		if err := tok.CheckEndpoint(s.cfg.Endpoint); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrBadContextToken, err)
		}
	}
	rt.mu.Lock()
	rt.found[tok.ContextID] = tok
	rt.mu.Unlock()
	if !tok.KeyValid(now) {
		return nil, ErrRenewNeeded
	}
	return tok, nil
}

// TokenElement resolves a SecurityContextToken carried in the message.
func (rt *requestTokens) TokenElement(ctx context.Context, el *etree.Element) ([]byte, bool, error) {
	n := xmlutil.ElementName(el)
	if n.Local != "SecurityContextToken" || n.Space != rt.s.cfg.Version.wire().SCNamespace() {
		return nil, false, nil
	}
	sct, err := wstrust.ParseSCT(el)
	if err != nil {
		return nil, true, fmt.Errorf("%w: %w", ErrBadContextToken, err)
	}
	tok, err := rt.lookup(ctx, sct.Identifier, sct.Instance, sct.Cookie)
	if err != nil {
		return nil, true, err
	}
	return tok.Key, true, nil
}

// TokenReference resolves a reference to a session by its identifier and
// key generation (in cookie mode only sessions whose token the message
// carries). A reference without Instance to a token the message carries
// names that token.
func (rt *requestTokens) TokenReference(ctx context.Context, str *wsse.STR) ([]byte, error) {
	// The key generation is the reference's wsc:Instance, "" (the issued
	// generation) without one, as WCF resolves references.
	instance := ""
	if str.Element != nil {
		if r, err := wstrust.ParseSCTReference(str.Element); err == nil {
			instance = r.Instance
		}
	}
	rt.mu.Lock()
	tok := rt.found[str.URI]
	rt.mu.Unlock()
	if tok != nil && (instance == "" || instance == tok.KeyGeneration) {
		return tok.Key, nil
	}
	tok, err := rt.lookup(ctx, str.URI, instance, nil)
	if err != nil {
		return nil, err
	}
	return tok.Key, nil
}

// bootstrapCancel answers a Cancel protected by the bootstrap policy
// (CancelWithBootstrap): the bootstrap credential must match the claims
// of the session named by the CancelTarget.
func (s *server) bootstrapCancel(ctx context.Context, req *soap.Message) (resp *soap.Message, err error) {
	start := s.cfg.now()
	v := s.cfg.Version
	sec := s.cfg.Security
	// CXF's client keeps the bootstrap's protection order, our client and
	// CXF's service use sign-then-encrypt: accept either.
	boot := s.cfg.Bootstrap
	again := req.Clone()
	e, err := wssecurity.VerifyRequest(ctx, boot, &sec, req)
	if err != nil && boot.Order == wssecurity.EncryptBeforeSign {
		boot.Order = wssecurity.SignBeforeEncrypt
		req = again
		e, err = wssecurity.VerifyRequest(ctx, boot, &sec, req)
	}
	if err != nil {
		return nil, err
	}
	rst, rv, err := wstrust.ParseRST(req.Payload())
	if err != nil || rv != v.wire() || rst.Operation != wstrust.OpCancel || rst.Target == nil {
		return nil, fmt.Errorf("secureconv: not a Cancel: %v", err)
	}
	// Cookie-mode sessions are not in the cache: they cannot be cancelled
	// under the bootstrap policy. The target names the session, whatever
	// its generation: the answer is protected by the current one.
	tok, err := s.cache.Current(ctx, rst.Target.Identifier, s.cfg.now())
	if err != nil {
		return nil, err
	}
	if !tok.SameClient(claimsOf(e)) {
		return nil, ErrNotSessionOwner
	}
	if err := s.cache.RemoveAll(ctx, tok.ContextID); err != nil {
		return nil, err
	}
	defer func() {
		if err == nil {
			emit(s.cfg.OnEvent, Event{Kind: EventCancelled, ContextID: tok.ContextID, Duration: s.cfg.now().Sub(start)})
		}
	}()
	rstr := &wstrust.RSTR{Context: rst.Context, RequestedTokenCancelled: true}
	resp, err = soap.NewReply(req, v.wire().CancelResponseAction(), rstr.BuildBody(v.wire()), s.cfg.rand())
	if err != nil {
		return nil, err
	}
	if boot.Binding == wssecurity.AsymmetricBinding {
		// Under an asymmetric bootstrap CXF's client checks the answer
		// against the bootstrap policy (the service's X.509 signature,
		// encrypted to the client): answer under it.
		if err := wssecurity.SecureReply(ctx, boot, &sec, e, resp); err != nil {
			return nil, err
		}
		return resp, nil
	}
	// The answer is protected by the session, as CXF's service does.
	st := &wssecurity.SessionToken{Identifier: tok.ContextID, TokenType: v.wire().TokenType(), Namespace: v.wire().SCNamespace(), Key: tok.Key}
	if err := wssecurity.SecureReply(ctx, s.cfg.Policy, &sec, wssecurity.NewSessionExchange(st), resp); err != nil {
		return nil, err
	}
	return resp, nil
}

// usesSession reports whether a policy protects messages with the session:
// a SecureConversationToken as protection token, or endorsing messages
// sent over HTTPS.
func usesSession(p wssecurity.Policy) bool {
	if p.ProtectionToken != nil && p.ProtectionToken.Kind == wssecurity.SecureConversationToken {
		return true
	}
	if p.Binding == wssecurity.TransportBinding {
		for _, st := range p.Supporting {
			if st.Token.Kind == wssecurity.SecureConversationToken {
				return true
			}
		}
	}
	return false
}

// renewNeeded answers a message under an expired session key with a
// wsc:RenewNeeded fault secured by the session, as WCF does, so the client
// can trust it and renew.
func (s *server) renewNeeded(ctx context.Context, req *soap.Message, rt *requestTokens) (*soap.Message, error) {
	v := s.cfg.Version
	rt.mu.Lock()
	var tok *SessionToken
	for _, t := range rt.found {
		tok = t
	}
	rt.mu.Unlock()
	if tok == nil {
		return nil, badContextTokenFault(v)
	}
	fm, err := soap.NewFaultMessage(req.Version, renewNeededFault(v), req, s.cfg.rand())
	if err != nil {
		return nil, err
	}
	sec := s.cfg.Security
	st := &wssecurity.SessionToken{Identifier: tok.ContextID, TokenType: v.wire().TokenType(), Namespace: v.wire().SCNamespace(), Key: tok.Key}
	p := s.cfg.Policy
	p.EncryptedParts = wssecurity.Parts{} // a fault body is not secret
	if err := wssecurity.SecureReply(ctx, p, &sec, wssecurity.NewSessionExchange(st), fm); err != nil {
		return nil, renewNeededFault(v).WithCause(err)
	}
	return fm, nil
}
