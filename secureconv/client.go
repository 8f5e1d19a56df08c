package secureconv

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/beevik/etree"
	"github.com/soapstack/soapstack/soap"
	"github.com/soapstack/soapstack/wssecurity"
	"golang.org/x/sync/singleflight"
)

// ClientConfig configures the client side of a secure session.
type ClientConfig struct {
	// Version selects WS-SC/WS-Trust 2005/02 or 1.3.
	Version Version
	// Bootstrap is the policy that protects the RST/RSTR exchange (a
	// wssecurity preset such as AnonymousForCertificate).
	Bootstrap wssecurity.Policy
	// Policy protects application messages; its protection token must be
	// a wssecurity.SecureConversationToken.
	Policy wssecurity.Policy
	// Security holds the bootstrap credentials (service certificate,
	// client certificate, username) and the clock and random source.
	Security wssecurity.Config
	// Entropy is the key entropy mode (default Combined, as WCF).
	Entropy EntropyMode
	// KeySize is the requested key size in bits (default: the policy
	// suite's symmetric key length).
	KeySize int
	// Cancel sends a Cancel on Close (WCF: RequireCancellation).
	Cancel bool
	// CancelWithBootstrap protects the Cancel with the bootstrap policy, as
	// Apache CXF expects, instead of the session (WCF).
	CancelWithBootstrap bool
	// CancelSignedOnly protects the Cancel, and expects its answer, signed
	// with the session but with no encrypted parts, as Eclipse Metro does:
	// Metro applies only the endpoint policy to Cancel, and a WSDL that
	// attaches EncryptedParts per operation encrypts nothing there.
	CancelSignedOnly bool
	// RenewAfter is the fraction of the key's lifetime after which the
	// client renews (default 0.6, WCF's).
	RenewAfter float64
	// SOAP and Addressing are the versions of the messages the client
	// writes (defaults: SOAP 1.2; WS-Addressing 2004/08 for V200502, 1.0
	// for V13).
	SOAP       soap.Version
	Addressing soap.AddressingVersion
	// To is the service address (wsa:To of the token requests).
	To string
}

func (c *ClientConfig) defaults() error {
	if !c.Version.Valid() {
		return errors.New("secureconv: unknown version")
	}
	if !usesSession(c.Policy) {
		return errors.New("secureconv: the application policy must use a SecureConversationToken")
	}
	if c.SOAP == 0 {
		c.SOAP = soap.V12
	}
	if c.Addressing == 0 {
		c.Addressing = soap.WSA200408
		if c.Version == V13 {
			c.Addressing = soap.WSA10
		}
	}
	if c.RenewAfter <= 0 || c.RenewAfter >= 1 {
		c.RenewAfter = 0.6
	}
	if c.KeySize == 0 {
		c.KeySize = c.Policy.WithDefaults().Suite.Algorithms().MaxSymmetricKeyLength
	}
	return nil
}

// session is an established secure session, as the client holds it.
type session struct {
	sct      *SecurityContextToken
	wss      *wssecurity.SessionToken
	issued   time.Time
	expires  time.Time
	renewAt  time.Time
	previous *wssecurity.SessionToken // the key before the last renewal
}

// Client is a soap.Invoker that runs application messages through a secure
// session: it establishes the session on the first call (one handshake
// shared by concurrent calls), renews it before its key expires,
// re-establishes it once when the service answers BadContextToken, and
// cancels it on Close when configured to.
type Client struct {
	cfg       ClientConfig
	transport soap.Invoker
	flight    singleflight.Group
	mu        sync.Mutex
	sess      *session
	closed    bool
}

// NewClient returns a session client sending through transport.
func NewClient(transport soap.Invoker, cfg ClientConfig) (*Client, error) {
	if err := cfg.defaults(); err != nil {
		return nil, err
	}
	return &Client{cfg: cfg, transport: transport}, nil
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
		return nil, errors.New("secureconv: client closed")
	}
	now := c.now()
	switch {
	case s == nil || !now.Before(s.expires):
		v, err, _ := c.flight.Do("issue", func() (any, error) {
			// A call that read no session before an earlier handshake
			// finished must not start another one.
			c.mu.Lock()
			cur := c.sess
			c.mu.Unlock()
			if cur != nil && cur != s && c.now().Before(cur.expires) {
				return cur, nil
			}
			return c.issue(ctx)
		})
		if err != nil {
			return nil, err
		}
		return v.(*session), nil
	case !now.Before(s.renewAt):
		v, err, _ := c.flight.Do("renew", func() (any, error) {
			c.mu.Lock()
			cur := c.sess
			c.mu.Unlock()
			if cur != nil && cur != s && c.now().Before(cur.renewAt) {
				return cur, nil // renewed by an earlier flight
			}
			return c.renew(ctx, s)
		})
		if err != nil {
			return nil, err
		}
		return v.(*session), nil
	}
	return s, nil
}

// tokenRequest sends a token request protected by policy and returns the
// parsed response.
func (c *Client) tokenRequest(ctx context.Context, policy wssecurity.Policy, sec *wssecurity.Config, op Operation, rst *RequestSecurityToken) (*RequestSecurityTokenResponse, error) {
	return c.tokenRequestVerified(ctx, policy, sec, policy, sec, op, rst)
}

// tokenRequestVerified sends a token request protected by policy and
// checks the response against replyPolicy (they differ for a Cancel sent
// with the bootstrap policy: Apache CXF answers it under the session).
func (c *Client) tokenRequestVerified(ctx context.Context, policy wssecurity.Policy, sec *wssecurity.Config, replyPolicy wssecurity.Policy, replySec *wssecurity.Config, op Operation, rst *RequestSecurityToken) (*RequestSecurityTokenResponse, error) {
	v := c.cfg.Version
	m := soap.NewMessageWithBody(c.cfg.SOAP, rst.Build(v))
	a, err := soap.RequestAddressing(c.cfg.Addressing, v.Action(op), c.cfg.To, c.rand())
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
	var copyResp *soap.Message
	if op == OpCancel {
		copyResp = resp.Clone()
	}
	if err := wssecurity.VerifyReply(ctx, replyPolicy, replySec, e, resp); err != nil {
		if op != OpCancel {
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
		if err2 := wssecurity.VerifyReply(ctx, relaxed, replySec, e, copyResp); err2 != nil {
			return nil, fmt.Errorf("secureconv: %s response rejected: %w", op, err)
		}
		resp = copyResp
	}
	if resp.Addressing.Version != 0 && resp.Addressing.Action != v.ResponseAction(op) {
		return nil, fmt.Errorf("secureconv: %s response with action %q", op, resp.Addressing.Action)
	}
	rstr, rv, err := ParseRSTR(resp.Payload())
	if err != nil {
		return nil, fmt.Errorf("secureconv: %s response: %w", op, err)
	}
	if rv != v {
		return nil, fmt.Errorf("secureconv: %s response in another WS-Trust version", op)
	}
	return rstr, nil
}

func (c *Client) keySizes() KeySizes {
	suite := c.cfg.Policy.WithDefaults().Suite.Algorithms()
	return KeySizes{Min: suite.MinSymmetricKeyLength, Max: DefaultMaxKeySize, Default: c.cfg.KeySize}
}

// newRST returns an Issue or Renew request with the client's entropy.
func (c *Client) newRST(op Operation) (*RequestSecurityToken, error) {
	v := c.cfg.Version
	rst := &RequestSecurityToken{TokenType: v.TokenType(), Operation: op, KeySize: c.cfg.KeySize}
	if c.cfg.Entropy != EntropyServer {
		ent, err := NewEntropy(c.cfg.KeySize, "", c.rand())
		if err != nil {
			return nil, err
		}
		rst.Entropy = ent
	}
	return rst, nil
}

// establish turns an RSTR into a session.
func (c *Client) establish(rst *RequestSecurityToken, rstr *RequestSecurityTokenResponse) (*session, error) {
	if rstr.SCT == nil || rstr.RequestedSecurityToken == nil {
		return nil, errors.New("secureconv: the response carries no SecurityContextToken")
	}
	key, err := ResolveProofKey(c.cfg.Entropy, rst, rstr, c.keySizes())
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
	life := s.expires.Sub(s.issued)
	s.renewAt = s.issued.Add(time.Duration(float64(life) * c.cfg.RenewAfter))
	el := soap.CopyWithScope(rstr.RequestedSecurityToken)
	s.wss = &wssecurity.SessionToken{Element: el, Identifier: rstr.SCT.Identifier,
		TokenType: c.cfg.Version.TokenType(), Namespace: c.cfg.Version.SCNamespace(), Key: key}
	return s, nil
}

// DefaultSessionLifetime is assumed when an RSTR has no Lifetime (WCF's
// default issued-token lifetime is 10 hours for cookies, 15 hours for
// keys; a shorter assumption renews earlier, never later).
const DefaultSessionLifetime = 10 * time.Hour

// issue runs the Issue handshake.
func (c *Client) issue(ctx context.Context) (*session, error) {
	rst, err := c.newRST(OpIssue)
	if err != nil {
		return nil, err
	}
	sec := c.cfg.Security
	rstr, err := c.tokenRequest(ctx, c.cfg.Bootstrap, &sec, OpIssue, rst)
	if err != nil {
		return nil, err
	}
	s, err := c.establish(rst, rstr)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	c.sess = s
	c.mu.Unlock()
	return s, nil
}

// renew runs a Renew protected by the current session; on failure the
// client falls back to a new Issue.
func (c *Client) renew(ctx context.Context, old *session) (*session, error) {
	rst, err := c.newRST(OpRenew)
	if err != nil {
		return nil, err
	}
	rst.RenewTarget = NewSCTReference(c.cfg.Version, old.sct.Identifier, old.sct.Instance)
	sec := c.sessionConfig(old)
	rstr, err := c.tokenRequest(ctx, c.cfg.Policy, sec, OpRenew, rst)
	if err != nil {
		return c.issue(ctx)
	}
	s, err := c.establish(rst, rstr)
	if err != nil {
		return nil, err
	}
	s.previous = old.wss
	c.mu.Lock()
	c.sess = s
	c.mu.Unlock()
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

func (t clientTokens) TokenReference(ctx context.Context, str *wssecurity.STR) ([]byte, error) {
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
// establishes a new session and sends the request once more.
func (c *Client) Call(ctx context.Context, req *soap.Message) (*soap.Message, error) {
	orig := req.Clone()
	resp, err := c.call(ctx, req)
	switch {
	case err != nil && IsBadContextToken(err):
		c.mu.Lock()
		c.sess = nil
		c.mu.Unlock()
		return c.call(ctx, orig)
	case err != nil && IsRenewNeeded(err):
		c.mu.Lock()
		s := c.sess
		c.mu.Unlock()
		if s != nil {
			if _, rerr, _ := c.flight.Do("renew", func() (any, error) { return c.renew(ctx, s) }); rerr != nil {
				return nil, rerr
			}
		}
		return c.call(ctx, orig)
	}
	return resp, err
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
// protected by the session. The client cannot be used afterwards.
func (c *Client) Close(ctx context.Context) error {
	c.mu.Lock()
	s := c.sess
	c.closed, c.sess = true, nil
	c.mu.Unlock()
	if s == nil || !c.cfg.Cancel {
		return nil
	}
	rst := &RequestSecurityToken{Operation: OpCancel,
		CancelTarget: NewSCTReference(c.cfg.Version, s.sct.Identifier, s.sct.Instance)}
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
	rstr, err := c.tokenRequestVerified(ctx, policy, sec, replyPolicy, replySec, OpCancel, rst)
	if err != nil {
		return err
	}
	if !rstr.RequestedTokenCancelled {
		return errors.New("secureconv: the Cancel response does not confirm the cancellation")
	}
	return nil
}
