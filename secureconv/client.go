package secureconv

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/beevik/etree"
	"github.com/soapstack/soapstack/internal/keylog"
	"github.com/soapstack/soapstack/internal/wsse"
	"github.com/soapstack/soapstack/internal/wstrust"
	"github.com/soapstack/soapstack/internal/xmlutil"
	"github.com/soapstack/soapstack/soap"
	"github.com/soapstack/soapstack/wssecurity"
	"golang.org/x/sync/singleflight"
)

// Errors of the session client; callers branch on them with errors.Is.
var (
	// ErrClientConfig is wrapped by every error NewClient returns for a
	// contradictory or incomplete ClientConfig; the message names the
	// field.
	ErrClientConfig = errors.New("secureconv: invalid client configuration")
	// ErrClosed is returned by calls on a closed Client, and ends a
	// handshake still running when Close is called.
	ErrClosed = errors.New("secureconv: client closed")
	// ErrHandshakeTimeout is wrapped by the error of a handshake (Issue or
	// Renew) that did not finish within ClientConfig.HandshakeTimeout.
	ErrHandshakeTimeout = errors.New("secureconv: handshake timed out")
	// ErrRenewFailed is wrapped by the error of a failed key renewal (WCF's
	// SessionKeyExpiredException "UnableToRenewSessionKey"); the Renew's
	// own error is wrapped too.
	ErrRenewFailed = errors.New("secureconv: unable to renew the session key")
)

// DefaultHandshakeTimeout bounds a handshake when
// ClientConfig.HandshakeTimeout is 0 (WCF's default OpenTimeout).
const DefaultHandshakeTimeout = time.Minute

// DefaultRenewAfter is the fraction of a key's lifetime after which the
// client renews when ClientConfig.RenewAfter is 0 (WCF's).
const DefaultRenewAfter = 0.6

// ClientConfig configures the client side of a secure session.
//
// Version and Entropy alone decide the WS-Trust exchange (namespaces,
// actions, who contributes key material); the policies say how its
// messages are protected.
type ClientConfig struct {
	// Version selects WS-SC/WS-Trust 2005/02 or 1.3.
	Version Version
	// Bootstrap is the policy that protects the Issue exchange (a
	// wssecurity preset such as AnonymousForCertificate). It must not
	// itself use a SecureConversationToken, and it must keep the key
	// material secret: a TransportBinding, or a message policy that
	// encrypts the Body.
	Bootstrap wssecurity.Policy
	// Negotiator, when set, obtains a first token by negotiation (TLSNEGO,
	// SPNEGO) before the Issue, which Bootstrap then protects with it (a
	// policy with a SecureConversationToken); with Bootstrap unset the
	// negotiated token is itself the session (WCF's
	// establishSecurityContext=false).
	Negotiator Negotiator
	// Policy protects application messages, the Renew and (by default)
	// the Cancel; its protection token (or, on a TransportBinding, a
	// supporting token) must be a wssecurity.SecureConversationToken.
	Policy wssecurity.Policy
	// Security holds the bootstrap credentials (service certificate,
	// client certificate, username), the clock (Now) and the random source
	// (Rand). They are the client's only clock and random source: the
	// renewal schedule, session expiry, entropy, message ids and all
	// wssecurity checks use them. Security.Logger receives the client's
	// diagnostics (slog.Default() when nil).
	Security wssecurity.Config
	// Entropy is the key entropy mode (default Combined, as WCF).
	Entropy EntropyMode
	// KeySize is the requested key size in bits (default: the policy
	// suite's symmetric key length). It must be a multiple of 8 within
	// the suite's minimum and DefaultMaxKeySize, and equal to the suite's
	// key length when the session key protects messages directly (no
	// derived keys).
	KeySize int
	// Cancel sends a Cancel on Close (WCF: RequireCancellation).
	Cancel bool
	// CancelWithBootstrap protects the Cancel with the bootstrap policy, as
	// Apache CXF expects, instead of the session (WCF). It needs Cancel.
	CancelWithBootstrap bool
	// CancelSignedOnly protects the Cancel, and expects its answer, signed
	// with the session but with no encrypted parts, as Eclipse Metro does:
	// Metro applies only the endpoint policy to Cancel, and a WSDL that
	// attaches EncryptedParts per operation encrypts nothing there.
	CancelSignedOnly bool
	// RenewAfter is the fraction of the key's lifetime after which the
	// client renews, in (0, 1) (0: DefaultRenewAfter).
	RenewAfter float64
	// HandshakeTimeout bounds each Issue and Renew exchange (0:
	// DefaultHandshakeTimeout). A handshake is shared by the calls that
	// need it and runs detached from any one of them: a caller whose
	// context ends stops waiting (with its context's error) while the
	// handshake goes on for the others, bounded only by this timeout and
	// by Close. The handshake's context carries none of the callers'
	// values.
	HandshakeTimeout time.Duration
	// SOAP and Addressing are the versions of the messages the client
	// writes (defaults: SOAP 1.2; WS-Addressing 2004/08 for V200502, 1.0
	// for V13).
	SOAP       soap.Version
	Addressing soap.AddressingVersion
	// To is the service address (wsa:To of the token requests).
	To string
	// KeyLog, when set, receives one line per session key the client
	// obtains (the Issue and every renewal) in the internal/keylog format
	// "SCT_KEY <context-id> <generation|-> <key-hex>", which soapstack
	// inspect --keylog reads, as crypto/tls's Config.KeyLogWriter. It is
	// a debugging aid only: whoever reads it can read and forge the
	// session's messages. A failed write is logged and does not fail the
	// session. Writes are serialized per Client.
	KeyLog io.Writer
	// OnEvent, when set, is called synchronously after each session is
	// issued, renewed or cancelled, and when the client replaces an
	// expired session or one the service no longer knows; it must not
	// block.
	OnEvent func(Event)
}

func configError(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrClientConfig}, args...)...)
}

// defaults validates c and fills in its defaults; errors wrap
// ErrClientConfig.
func (c *ClientConfig) defaults() error {
	if !c.Version.Valid() {
		return configError("unknown Version %d", int(c.Version))
	}
	if err := c.checkBootstrap(); err != nil {
		return err
	}
	if err := c.Policy.Validate(); err != nil {
		return configError("Policy: %w", err)
	}
	if !usesSession(c.Policy) {
		return configError("the application Policy must use a SecureConversationToken")
	}
	switch c.Entropy {
	case EntropyCombined, EntropyServer, EntropyClient:
	default:
		return configError("unknown Entropy mode %d", int(c.Entropy))
	}
	switch c.SOAP {
	case 0:
		c.SOAP = soap.V12
	case soap.V11, soap.V12:
	default:
		return configError("unknown SOAP version %d", int(c.SOAP))
	}
	switch c.Addressing {
	case 0:
		c.Addressing = soap.WSA200408
		if c.Version == V13 {
			c.Addressing = soap.WSA10
		}
	case soap.WSA10, soap.WSA200408:
	default:
		return configError("unknown Addressing version %d", int(c.Addressing))
	}
	switch {
	case c.RenewAfter == 0:
		c.RenewAfter = DefaultRenewAfter
	case !(c.RenewAfter > 0 && c.RenewAfter < 1): // also NaN
		return configError("RenewAfter %v outside (0, 1)", c.RenewAfter)
	}
	switch {
	case c.HandshakeTimeout == 0:
		c.HandshakeTimeout = DefaultHandshakeTimeout
	case c.HandshakeTimeout < 0:
		return configError("negative HandshakeTimeout %v", c.HandshakeTimeout)
	}
	if c.CancelWithBootstrap && !c.Cancel {
		return configError("CancelWithBootstrap without Cancel")
	}
	minBits, maxBits := c.Policy.WithDefaults().Suite.KeySizes()
	if c.KeySize == 0 {
		c.KeySize = maxBits
	}
	if c.KeySize%8 != 0 || c.KeySize < minBits || c.KeySize > DefaultMaxKeySize {
		return configError("KeySize %d bits: want a multiple of 8 within %d..%d (%s)", c.KeySize, minBits, DefaultMaxKeySize, c.Policy.WithDefaults().Suite)
	}
	if pt := c.Policy.ProtectionToken; c.Policy.Binding == wssecurity.SymmetricBinding && pt != nil && !pt.DerivedKeys && c.KeySize != maxBits {
		return configError("KeySize %d bits: %s without derived keys uses the session key directly and needs %d bits", c.KeySize, c.Policy.WithDefaults().Suite, maxBits)
	}
	return nil
}

// session is an established secure session, as the client holds it.
type session struct {
	sct      *wstrust.SecurityContextToken
	wss      *wssecurity.SessionToken
	issued   time.Time
	expires  time.Time
	renewAt  time.Time
	previous *wssecurity.SessionToken // the key before the last renewal
	// renegotiate: a negotiated token used as the session (no bootstrap
	// policy) is replaced by a new negotiation at renewAt, not renewed
	// (WCF renews only secure conversations).
	renegotiate bool
}

// Client is a soap.Invoker that runs application messages through a secure
// session: it establishes the session on the first call (one handshake
// shared by concurrent calls), renews it before its key expires,
// re-establishes it once when the service answers BadContextToken, and
// cancels it on Close when configured to.
//
// A failed renewal is returned to the calls that needed it, wrapping
// ErrRenewFailed and the Renew's error, as WCF's client throws
// SessionKeyExpiredException: the client does not silently open a new
// session instead. The session stays in place, so the next call tries the
// renewal again while the key is still valid; once it has expired the
// client establishes a new session. A Renew answered with BadContextToken
// (the service lost the session) is handled like any BadContextToken: the
// call establishes a new session once.
type Client struct {
	cfg       ClientConfig
	transport soap.Invoker
	flight    singleflight.Group
	// base is the parent of every handshake's context: no caller's
	// context, cancelled by Close.
	base   context.Context
	stop   context.CancelCauseFunc
	mu     sync.Mutex
	sess   *session
	closed bool
	logMu  sync.Mutex // serializes KeyLog writes
}

// NewClient returns a session client sending through transport. A
// contradictory or incomplete cfg is an error wrapping ErrClientConfig.
func NewClient(transport soap.Invoker, cfg ClientConfig) (*Client, error) {
	if transport == nil {
		return nil, configError("no transport")
	}
	if err := cfg.defaults(); err != nil {
		return nil, err
	}
	base, stop := context.WithCancelCause(context.Background())
	return &Client{cfg: cfg, transport: transport, base: base, stop: stop}, nil
}

func (c *Client) now() time.Time {
	if c.cfg.Security.Now != nil {
		return c.cfg.Security.Now()
	}
	return time.Now()
}

func (c *Client) rand() io.Reader {
	if c.cfg.Security.Rand != nil {
		return c.cfg.Security.Rand
	}
	return rand.Reader
}

func (c *Client) logger() *slog.Logger {
	if c.cfg.Security.Logger != nil {
		return c.cfg.Security.Logger
	}
	return slog.Default()
}

// Open establishes the session now instead of on the first call (WCF's
// channel Open).
func (c *Client) Open(ctx context.Context) error {
	_, err := c.current(ctx)
	return err
}

// Session returns the identifier of the current session, or "".
func (c *Client) Session() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.sess == nil {
		return ""
	}
	return c.sess.sct.Identifier
}

// current returns the session to use, establishing or renewing it.
func (c *Client) current(ctx context.Context) (*session, error) {
	c.mu.Lock()
	s, closed := c.sess, c.closed
	c.mu.Unlock()
	if closed {
		return nil, ErrClosed
	}
	now := c.now()
	switch {
	case s == nil || !now.Before(s.expires) || (s.renegotiate && !now.Before(s.renewAt)):
		return c.shared(ctx, "issue", func(hctx context.Context) (*session, error) {
			// A call that read no session before an earlier handshake
			// finished must not start another one.
			c.mu.Lock()
			cur := c.sess
			c.mu.Unlock()
			if cur != nil && cur != s && c.now().Before(cur.expires) {
				return cur, nil
			}
			if s != nil && cur == s && !c.now().Before(s.expires) {
				emit(c.cfg.OnEvent, Event{Kind: EventExpired, ContextID: s.sct.Identifier, Err: ErrTokenExpired})
			}
			return c.issue(hctx)
		})
	case !now.Before(s.renewAt):
		return c.renewShared(ctx, s, false)
	}
	return s, nil
}

// renewShared renews s in the shared "renew" flight. Unless forced (the
// service said RenewNeeded), a session that an earlier flight already
// replaced is used as it is.
func (c *Client) renewShared(ctx context.Context, s *session, forced bool) (*session, error) {
	return c.shared(ctx, "renew", func(hctx context.Context) (*session, error) {
		c.mu.Lock()
		cur := c.sess
		c.mu.Unlock()
		if cur != nil && cur != s && (forced || c.now().Before(cur.renewAt)) {
			return cur, nil // renewed by an earlier flight
		}
		return c.renew(hctx, s)
	})
}

// shared runs the handshake fn once for all callers asking for key at the
// same time. fn runs on a context of its own (a child of c.base bounded by
// HandshakeTimeout), never on a caller's: each caller waits on its own
// ctx and returns its error when ctx ends first, while the handshake goes
// on for the others and its result is kept.
func (c *Client) shared(ctx context.Context, key string, fn func(context.Context) (*session, error)) (*session, error) {
	ch := c.flight.DoChan(key, func() (any, error) {
		base := c.base
		if base == nil { // a Client not made by NewClient
			base = context.Background()
		}
		hctx, cancel := context.WithTimeoutCause(base, c.cfg.HandshakeTimeout, ErrHandshakeTimeout)
		defer cancel()
		s, err := fn(hctx)
		if err != nil && hctx.Err() != nil {
			if cause := context.Cause(hctx); !errors.Is(err, cause) {
				err = fmt.Errorf("%w (%s, after %v): %w", cause, key, c.cfg.HandshakeTimeout, err)
			}
		}
		return s, err
	})
	select {
	case r := <-ch:
		if r.Err != nil {
			return nil, r.Err
		}
		return r.Val.(*session), nil
	case <-ctx.Done():
		return nil, fmt.Errorf("secureconv: waiting for the %s handshake: %w", key, ctx.Err())
	}
}

// setSession makes s the current session, unless the client was closed
// meanwhile.
func (c *Client) setSession(s *session) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return ErrClosed
	}
	c.sess = s
	return nil
}

// logKey writes s's key to the key log, when one is configured.
func (c *Client) logKey(s *session) {
	if c.cfg.KeyLog == nil {
		return
	}
	c.logMu.Lock()
	err := keylog.Write(c.cfg.KeyLog, keylog.Entry{ContextID: s.sct.Identifier, Generation: s.sct.Instance, Key: s.wss.Key})
	c.logMu.Unlock()
	if err != nil {
		c.logger().Warn("secureconv: key log write failed", "context", s.sct.Identifier, "error", err)
	}
}

// tokenRequest sends a token request protected by policy and returns the
// parsed response.
func (c *Client) tokenRequest(ctx context.Context, policy wssecurity.Policy, sec *wssecurity.Config, op wstrust.Operation, rst *wstrust.RST) (*wstrust.RSTR, error) {
	return c.tokenRequestVerified(ctx, policy, sec, policy, sec, op, rst)
}

// tokenRequestVerified sends a token request protected by policy and
// checks the response against replyPolicy (they differ for a Cancel sent
// with the bootstrap policy: Apache CXF answers it under the session).
func (c *Client) tokenRequestVerified(ctx context.Context, policy wssecurity.Policy, sec *wssecurity.Config, replyPolicy wssecurity.Policy, replySec *wssecurity.Config, op wstrust.Operation, rst *wstrust.RST) (*wstrust.RSTR, error) {
	v := c.cfg.Version
	m := soap.NewMessageWithBody(c.cfg.SOAP, rst.Build(v.wire()))
	a, err := soap.RequestAddressing(c.cfg.Addressing, v.wire().Action(op), c.cfg.To, c.rand())
	if err != nil {
		return nil, err
	}
	m.SetAddressing(a)
	e, err := wssecurity.SecureRequest(ctx, policy, sec, m)
	if err != nil {
		return nil, err
	}
	resp, err := c.transport.Call(ctx, m)
	if err != nil {
		return nil, fmt.Errorf("secureconv: %s: %w", op, err)
	}
	if resp == nil {
		return nil, fmt.Errorf("secureconv: %s: no response", op)
	}
	var copyResp, bootResp *soap.Message
	if op == wstrust.OpCancel {
		copyResp = resp.Clone()
		if policy.Binding == wssecurity.AsymmetricBinding {
			bootResp = resp.Clone()
		}
	}
	if err := wssecurity.VerifyReply(ctx, replyPolicy, replySec, e, resp); err != nil {
		if op != wstrust.OpCancel {
			return nil, fmt.Errorf("secureconv: %s response rejected: %w", op, err)
		}
		// Apache CXF signs its Cancel answer with the session key itself
		// (no derived keys) and encrypts nothing; the answer carries no
		// secret, so a valid signature by the session is enough.
		relaxed := replyPolicy
		relaxed.EncryptedParts, relaxed.EncryptSignature = wssecurity.Parts{}, false
		pt := *relaxed.ProtectionToken
		pt.DerivedKeys = false
		relaxed.ProtectionToken = &pt
		switch err2 := wssecurity.VerifyReply(ctx, relaxed, replySec, e, copyResp); {
		case err2 == nil:
			resp = copyResp
		case bootResp != nil && wssecurity.VerifyReply(ctx, policy, sec, e, bootResp) == nil:
			// A Cancel sent under an asymmetric bootstrap may be answered
			// under it (soapstack's service does, as CXF's client expects).
			resp = bootResp
		default:
			return nil, fmt.Errorf("secureconv: %s response rejected: %w", op, err)
		}
	}
	if resp.Addressing.Version != 0 && resp.Addressing.Action != v.wire().ResponseAction(op) {
		return nil, fmt.Errorf("secureconv: %s response with action %q", op, resp.Addressing.Action)
	}
	rstr, rv, err := wstrust.ParseRSTR(resp.Payload())
	if err != nil {
		return nil, fmt.Errorf("secureconv: %s response: %w", op, err)
	}
	if rv != v.wire() {
		return nil, fmt.Errorf("secureconv: %s response in another WS-Trust version", op)
	}
	return rstr, nil
}

func (c *Client) keySizes() keySizeBounds {
	minBits, _ := c.cfg.Policy.WithDefaults().Suite.KeySizes()
	return keySizeBounds{Min: minBits, Max: DefaultMaxKeySize, Default: c.cfg.KeySize}
}

// newRST returns an Issue or Renew request with the client's entropy.
func (c *Client) newRST(op wstrust.Operation) (*wstrust.RST, error) {
	v := c.cfg.Version
	rst := &wstrust.RST{TokenType: v.wire().TokenType(), Operation: op, KeySize: c.cfg.KeySize}
	if c.cfg.Entropy != EntropyServer {
		ent, err := newEntropy(c.cfg.KeySize, "", c.rand())
		if err != nil {
			return nil, err
		}
		rst.Entropy = ent
	}
	return rst, nil
}

// establish turns an RSTR into a session.
func (c *Client) establish(rst *wstrust.RST, rstr *wstrust.RSTR) (*session, error) {
	if rstr.SCT == nil || rstr.RequestedSecurityToken == nil {
		return nil, errors.New("secureconv: the response carries no SecurityContextToken")
	}
	key, err := resolveProofKey(c.cfg.Entropy, rst, rstr, c.keySizes())
	if err != nil {
		return nil, err
	}
	now := c.now()
	s := &session{sct: rstr.SCT, issued: now, expires: now.Add(DefaultSessionLifetime)}
	if lt := rstr.Lifetime; lt != nil {
		if !lt.Created.IsZero() {
			s.issued = lt.Created
		}
		if !lt.Expires.IsZero() {
			s.expires = lt.Expires
		}
	}
	if !s.issued.Before(s.expires) || !now.Before(s.expires) {
		// By the client's clock the token is already useless: refuse it
		// rather than establish it again and again.
		return nil, fmt.Errorf("secureconv: the issued token's lifetime %s..%s has ended at %s (client clock)",
			s.issued.UTC().Format(time.RFC3339), s.expires.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339))
	}
	life := s.expires.Sub(s.issued)
	s.renewAt = s.issued.Add(time.Duration(float64(life) * c.cfg.RenewAfter))
	el := xmlutil.CopyWithScope(rstr.RequestedSecurityToken)
	s.wss = &wssecurity.SessionToken{Element: el, Identifier: rstr.SCT.Identifier,
		TokenType: c.cfg.Version.wire().TokenType(), Namespace: c.cfg.Version.wire().SCNamespace(), Key: key}
	return s, nil
}

// DefaultSessionLifetime is assumed when an RSTR has no Lifetime (WCF's
// default issued-token lifetime is 10 hours for cookies, 15 hours for
// keys; a shorter assumption renews earlier, never later).
const DefaultSessionLifetime = 10 * time.Hour

// issue runs the Issue handshake.
func (c *Client) issue(ctx context.Context) (*session, error) {
	start := c.now()
	rst, err := c.newRST(wstrust.OpIssue)
	if err != nil {
		return nil, err
	}
	sec := c.cfg.Security
	var s *session
	if c.cfg.Negotiator != nil {
		neg, err := c.negotiate(ctx)
		if err != nil {
			return nil, err
		}
		if c.cfg.Bootstrap.Binding == 0 {
			s = neg
			s.renegotiate = true
		} else {
			c.logKey(neg) // the key that protects the Issue, for inspect
			sec = *c.sessionConfig(neg)
		}
	}
	if s == nil {
		rstr, err := c.tokenRequest(ctx, c.cfg.Bootstrap, &sec, wstrust.OpIssue, rst)
		if err != nil {
			return nil, err
		}
		if s, err = c.establish(rst, rstr); err != nil {
			return nil, err
		}
	}
	if err := c.setSession(s); err != nil {
		return nil, err
	}
	c.logKey(s)
	emit(c.cfg.OnEvent, Event{Kind: EventIssued, ContextID: s.sct.Identifier, Duration: c.now().Sub(start)})
	return s, nil
}

// renew runs a Renew protected by the current session. Its failure is
// returned (wrapping ErrRenewFailed and the cause), never replaced by a new
// Issue: see Client.
func (c *Client) renew(ctx context.Context, old *session) (*session, error) {
	start := c.now()
	rst, err := c.newRST(wstrust.OpRenew)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrRenewFailed, err)
	}
	rst.RenewTarget = wstrust.NewSCTReference(c.cfg.Version.wire(), old.sct.Identifier, old.sct.Instance)
	sec := c.sessionConfig(old)
	rstr, err := c.tokenRequest(ctx, c.cfg.Policy, sec, wstrust.OpRenew, rst)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrRenewFailed, err)
	}
	s, err := c.establish(rst, rstr)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrRenewFailed, err)
	}
	s.previous = old.wss
	if err := c.setSession(s); err != nil {
		return nil, err
	}
	c.logKey(s)
	emit(c.cfg.OnEvent, Event{Kind: EventRenewed, ContextID: s.sct.Identifier, Duration: c.now().Sub(start)})
	return s, nil
}

// sessionConfig is the wssecurity configuration of messages protected by s.
func (c *Client) sessionConfig(s *session) *wssecurity.Config {
	sec := c.cfg.Security
	sec.Session = s.wss
	sec.TokenResolver = clientTokens{s: s}
	return &sec
}

// clientTokens resolves references to the client's own session token in
// replies.
type clientTokens struct{ s *session }

func (t clientTokens) TokenElement(ctx context.Context, el *etree.Element) ([]byte, bool, error) {
	return nil, false, nil
}

func (t clientTokens) TokenReference(ctx context.Context, str *wsse.STR) ([]byte, error) {
	if str.URI == t.s.wss.Identifier {
		return t.s.wss.Key, nil
	}
	if p := t.s.previous; p != nil && str.URI == p.Identifier {
		return p.Key, nil
	}
	return nil, fmt.Errorf("%w: reply protected by another session", wssecurity.ErrTokenUnavailable)
}

// Call sends req through the session. When the service answers
// BadContextToken (it lost or rejected the session), the client
// establishes a new session and sends the request once more. When it
// answers RenewNeeded, the client renews the key and sends the request
// again; if the service refuses that Renew because the key has expired
// (RenewNeeded) or the session is unknown (BadContextToken), the session
// cannot be renewed and the client establishes a new one, logging the
// renewal's error and joining it to the error of the new attempt. Any
// other failed renewal is returned (see Client).
func (c *Client) Call(ctx context.Context, req *soap.Message) (*soap.Message, error) {
	orig := req.Clone()
	resp, err := c.call(ctx, req)
	if err == nil {
		return resp, nil
	}
	if IsRenewNeeded(err) && !errors.Is(err, ErrRenewFailed) {
		c.mu.Lock()
		s := c.sess
		c.mu.Unlock()
		if s == nil {
			return c.call(ctx, orig)
		}
		if _, err = c.renewShared(ctx, s, true); err == nil {
			return c.call(ctx, orig)
		}
		resp = nil
	}
	renewErr := errors.Is(err, ErrRenewFailed)
	if !IsBadContextToken(err) && !(renewErr && IsRenewNeeded(err)) {
		return resp, err
	}
	if renewErr {
		c.logger().InfoContext(ctx, "secureconv: the service refused to renew the session; establishing a new one", slog.Any("error", err))
	}
	c.mu.Lock()
	old := c.sess
	c.sess = nil
	c.mu.Unlock()
	if old != nil {
		emit(c.cfg.OnEvent, Event{Kind: EventExpired, ContextID: old.sct.Identifier, Err: err})
	}
	resp, err2 := c.call(ctx, orig)
	if err2 != nil && renewErr {
		err2 = errors.Join(err2, err)
	}
	return resp, err2
}

func (c *Client) call(ctx context.Context, req *soap.Message) (*soap.Message, error) {
	s, err := c.current(ctx)
	if err != nil {
		return nil, err
	}
	sec := c.sessionConfig(s)
	e, err := wssecurity.SecureRequest(ctx, c.cfg.Policy, sec, req)
	if err != nil {
		return nil, err
	}
	resp, err := c.transport.Call(ctx, req)
	if err != nil && resp != nil && IsRenewNeeded(err) {
		// Only a RenewNeeded signed by the session is believed; anyone
		// could send an unsecured one.
		p := c.cfg.Policy
		p.EncryptedParts = wssecurity.Parts{}
		if verr := wssecurity.VerifyReply(ctx, p, sec, e, resp); verr != nil {
			return nil, fmt.Errorf("secureconv: unverified RenewNeeded fault: %w", verr)
		}
		return nil, err
	}
	if err != nil || resp == nil {
		return resp, err
	}
	if err := wssecurity.VerifyReply(ctx, c.cfg.Policy, sec, e, resp); err != nil {
		return nil, fmt.Errorf("secureconv: reply rejected: %w", err)
	}
	return resp, nil
}

// Close ends the session: with Cancel configured, it sends a Cancel
// protected by the session. A handshake still running ends with
// ErrClosed. The client cannot be used afterwards.
func (c *Client) Close(ctx context.Context) error {
	c.mu.Lock()
	s := c.sess
	c.closed, c.sess = true, nil
	c.mu.Unlock()
	if c.stop != nil {
		c.stop(ErrClosed) // ends a handshake still running
	}
	if s == nil || !c.cfg.Cancel {
		return nil
	}
	rst := &wstrust.RST{Operation: wstrust.OpCancel,
		CancelTarget: wstrust.NewSCTReference(c.cfg.Version.wire(), s.sct.Identifier, s.sct.Instance)}
	policy, sec := c.cfg.Policy, c.sessionConfig(s)
	if c.cfg.CancelSignedOnly {
		policy = signedOnly(policy)
	}
	replyPolicy, replySec := policy, sec
	if c.cfg.CancelWithBootstrap {
		boot := c.cfg.Security
		policy, sec = c.cfg.Bootstrap, &boot
		// CXF's service checks a Cancel against its token service's
		// sign-then-encrypt order.
		policy.Order = wssecurity.SignBeforeEncrypt
	}
	start := c.now()
	rstr, err := c.tokenRequestVerified(ctx, policy, sec, replyPolicy, replySec, wstrust.OpCancel, rst)
	if err != nil {
		return err
	}
	if !rstr.RequestedTokenCancelled {
		return errors.New("secureconv: the Cancel response does not confirm the cancellation")
	}
	emit(c.cfg.OnEvent, Event{Kind: EventCancelled, ContextID: s.sct.Identifier, Duration: c.now().Sub(start)})
	return nil
}
