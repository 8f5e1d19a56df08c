package negotiate

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/soapstack/soapstack/internal/wstrust"
	"github.com/soapstack/soapstack/secureconv"
	"github.com/soapstack/soapstack/soap"
)

// Defaults of the acceptor's bounds (WCF's LocalServiceSecuritySettings).
const (
	// DefaultMaxPending is the default bound of pending negotiations
	// (MaxStatefulNegotiations, 128).
	DefaultMaxPending = 128
	// DefaultNegotiationTimeout is the default time a negotiation may wait
	// for its next leg (NegotiationTimeout, one minute).
	DefaultNegotiationTimeout = time.Minute
)

// Authenticated is implemented by an acceptor's Mechanism that
// authenticates its peer (a TLS client certificate, a Kerberos client
// principal). Peer is called once the handshake is done; nil is an
// anonymous peer. A Mechanism without it authenticates nobody.
type Authenticated interface {
	Peer() *soap.Principal
}

// AcceptorConfig configures the service side of negotiations.
type AcceptorConfig struct {
	// Version selects WS-Trust 2005/02 or 1.3.
	Version wstrust.Version
	// NewMechanism returns the mechanism of one negotiation (a TLS server
	// handshake, a Kerberos acceptor).
	NewMechanism func(ctx context.Context) (Mechanism, error)
	// KeySize is the key size issued when the initiator asks for none
	// (DefaultKeySize); MinKeySize and MaxKeySize bound a requested one
	// (defaults 128 and 512 bits).
	KeySize, MinKeySize, MaxKeySize int
	// MaxPending bounds the negotiations waiting for their next leg
	// (DefaultMaxPending); Timeout bounds their wait
	// (DefaultNegotiationTimeout).
	MaxPending int
	Timeout    time.Duration
	// MaxLegs bounds the legs the initiator sends in one negotiation, its
	// first included (DefaultMaxLegs).
	MaxLegs int
	// Rand is the random source of keys and message ids; Now the clock.
	Rand io.Reader
	Now  func() time.Time
	// Logger receives the acceptor's diagnostics (slog.Default when nil).
	Logger *slog.Logger
}

// Acceptor answers negotiation legs; it implements
// secureconv.NegotiationAcceptor.
type Acceptor struct {
	cfg     AcceptorConfig
	acts    actions
	pending *pendingTable
}

// NewAcceptor checks cfg and returns an Acceptor.
func NewAcceptor(cfg AcceptorConfig) (*Acceptor, error) {
	if !cfg.Version.Valid() {
		return nil, fmt.Errorf("negotiate: unknown Version %d", int(cfg.Version))
	}
	if cfg.NewMechanism == nil {
		return nil, errors.New("negotiate: AcceptorConfig.NewMechanism is nil")
	}
	if cfg.KeySize == 0 {
		cfg.KeySize = DefaultKeySize
	}
	if cfg.MinKeySize == 0 {
		cfg.MinKeySize = 128
	}
	if cfg.MaxKeySize == 0 {
		cfg.MaxKeySize = 512
	}
	if cfg.MinKeySize > cfg.KeySize || cfg.KeySize > cfg.MaxKeySize || cfg.KeySize%8 != 0 || cfg.MaxKeySize > maxKeyBits {
		return nil, fmt.Errorf("negotiate: key sizes %d <= %d <= %d (multiple of 8, at most %d) do not hold", cfg.MinKeySize, cfg.KeySize, cfg.MaxKeySize, maxKeyBits)
	}
	if cfg.MaxPending == 0 {
		cfg.MaxPending = DefaultMaxPending
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = DefaultNegotiationTimeout
	}
	if cfg.MaxLegs == 0 {
		cfg.MaxLegs = DefaultMaxLegs
	}
	if cfg.MaxPending < 0 || cfg.Timeout < 0 || cfg.MaxLegs < 0 {
		return nil, errors.New("negotiate: negative MaxPending, Timeout or MaxLegs")
	}
	if cfg.Rand == nil {
		cfg.Rand = rand.Reader
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return &Acceptor{cfg: cfg, acts: actionsOf(cfg.Version), pending: newPendingTable(cfg.MaxPending, cfg.Timeout)}, nil
}

// Pending returns the number of negotiations waiting for their next leg.
func (a *Acceptor) Pending() int { return a.pending.len() }

// Accepts reports whether req is a negotiation leg: an RST/Issue or
// RSTR/Issue of the acceptor's version with no wsse:Security header (WCF's
// SspiNegotiationFilter).
func (a *Acceptor) Accepts(req *soap.Message) bool {
	act, err := soap.Action(req)
	if err != nil || act != a.acts.RST && act != a.acts.RSTR {
		return false
	}
	return req.FindHeader(nsWSSE, "Security") == nil
}

// fault maps a negotiation failure to the fault the initiator receives:
// the cause stays out of the reason.
func (a *Acceptor) fault(err error) *soap.Fault {
	ns := a.cfg.Version.TrustNamespace()
	switch {
	case errors.Is(err, ErrTooManyNegotiations):
		return soap.ReceiverFault("The service has too many pending security negotiations; try again later.").WithCause(err)
	case errors.Is(err, ErrMechanism):
		return soap.SenderFault("The security negotiation failed.", xml.Name{Space: ns, Local: "FailedAuthentication"}).WithCause(err)
	}
	return soap.SenderFault("The security negotiation request is invalid.", xml.Name{Space: ns, Local: "InvalidRequest"}).WithCause(err)
}

// Negotiate answers one leg.
func (a *Acceptor) Negotiate(ctx context.Context, req *soap.Message, issue secureconv.NegotiationIssuer) (*soap.Message, error) {
	resp, err := a.negotiate(ctx, req, issue)
	if err != nil {
		a.cfg.Logger.WarnContext(ctx, "negotiate: leg refused", slog.Any("error", err))
		var f *soap.Fault
		if errors.As(err, &f) {
			return nil, f
		}
		return nil, a.fault(err)
	}
	return resp, nil
}

func (a *Acceptor) negotiate(ctx context.Context, req *soap.Message, issue secureconv.NegotiationIssuer) (*soap.Message, error) {
	v := a.cfg.Version
	ns := v.TrustNamespace()
	l, err := parseLeg(v, req.Payload())
	if err != nil {
		return nil, err
	}
	now := a.cfg.Now()
	act, err := soap.Action(req)
	if err != nil {
		return nil, err
	}
	var st *pendingState
	switch {
	case act == a.acts.RST && l.Kind == kindRST:
		r := l.First
		if r.RequestType != "" && r.RequestType != v.RequestType(wstrust.OpIssue) {
			return nil, fmt.Errorf("%w: RequestType %q", ErrProtocol, r.RequestType)
		}
		if r.TokenType != "" && r.TokenType != v.TokenType() {
			return nil, fmt.Errorf("%w: TokenType %q", ErrProtocol, r.TokenType)
		}
		if r.Context == "" {
			return nil, fmt.Errorf("%w: empty Context", ErrProtocol)
		}
		keySize := a.cfg.KeySize
		if r.KeySize != 0 {
			if r.KeySize%8 != 0 || r.KeySize < a.cfg.MinKeySize || r.KeySize > a.cfg.MaxKeySize {
				return nil, fmt.Errorf("%w: KeySize %d outside %d..%d", ErrProtocol, r.KeySize, a.cfg.MinKeySize, a.cfg.MaxKeySize)
			}
			keySize = r.KeySize
		}
		mech, err := a.cfg.NewMechanism(ctx)
		if err != nil {
			return nil, fmt.Errorf("negotiate: mechanism: %w", err)
		}
		if !sameValueType(r.Exchange.ValueType, mech.ValueType(ns)) {
			closeMechanism(mech)
			return nil, fmt.Errorf("%w: %q", ErrValueType, r.Exchange.ValueType)
		}
		st = &pendingState{mech: mech, tr: newTranscript(), valueType: r.Exchange.ValueType, keySize: keySize, legs: 1}
		if err := a.pending.begin(r.Context, st, now); err != nil {
			closeMechanism(mech)
			return nil, err
		}
	case act == a.acts.RSTR && l.Kind == kindRSTR:
		if st, err = a.pending.take(l.First.Context, now); err != nil {
			return nil, err
		}
		if l.First.Exchange == nil {
			a.pending.release(l.First.Context, false)
			return nil, fmt.Errorf("%w: a leg without BinaryExchange", ErrProtocol)
		}
		if st.legs++; st.legs > a.cfg.MaxLegs {
			a.pending.release(l.First.Context, false)
			return nil, fmt.Errorf("%w: more than %d legs", ErrProtocol, a.cfg.MaxLegs)
		}
		if !sameValueType(l.First.Exchange.ValueType, st.valueType) {
			a.pending.release(l.First.Context, false)
			return nil, fmt.Errorf("%w: %q", ErrValueType, l.First.Exchange.ValueType)
		}
	default:
		return nil, fmt.Errorf("%w: a %s body with action %q", ErrProtocol, l.First.el.Tag, act)
	}
	contextID := l.First.Context
	resp, keep, err := a.step(ctx, req, st, l.First, issue)
	a.pending.release(contextID, keep && err == nil)
	return resp, err
}

// step runs the mechanism on one received leg and builds the answer;
// keep reports whether the negotiation goes on.
func (a *Acceptor) step(ctx context.Context, req *soap.Message, st *pendingState, in *rstr, issue secureconv.NegotiationIssuer) (*soap.Message, bool, error) {
	v := a.cfg.Version
	if err := st.tr.add(in.el); err != nil {
		return nil, false, err
	}
	out, done, err := st.mech.Step(ctx, in.Exchange.Blob)
	if err != nil {
		return nil, false, fmt.Errorf("%w: %w", ErrMechanism, err)
	}
	var x *exchange
	if out != nil {
		x = &exchange{ValueType: st.valueType, Blob: out}
	}
	if !done {
		if x == nil {
			return nil, false, fmt.Errorf("%w: the mechanism has nothing to send", ErrMechanism)
		}
		body := (&rstr{Context: in.Context, Exchange: x}).build(v, true)
		if err := st.tr.add(body); err != nil {
			return nil, false, err
		}
		resp, err := soap.NewReply(req, a.acts.RSTR, body, a.cfg.Rand)
		return resp, true, err
	}
	var peer *soap.Principal
	if au, ok := st.mech.(Authenticated); ok {
		peer = au.Peer()
	}
	key := make([]byte, st.keySize/8)
	if _, err := io.ReadFull(a.cfg.Rand, key); err != nil {
		return nil, false, err
	}
	nt, err := issue(ctx, peer, key)
	if err != nil {
		return nil, false, err
	}
	wrapped, err := st.mech.Wrap(key)
	if err != nil {
		return nil, false, fmt.Errorf("%w: wrapping the key: %w", ErrMechanism, err)
	}
	first := &rstr{Context: in.Context, TokenType: v.TokenType(), RequestedToken: nt.Element,
		Attached: nt.Attached, Unattached: nt.Unattached, ProofAlgorithm: st.mech.WrapAlgorithm(), ProofCipher: wrapped,
		Created: nt.Created, Expires: nt.Expires, KeySize: st.keySize, Exchange: x}
	body := buildFinal(v, first, &rstr{Context: in.Context})
	firstEl := body.ChildElements()[0]
	if err := st.tr.addFinal(firstEl, v.TrustNamespace()); err != nil {
		return nil, false, err
	}
	auth, err := combinedHash(key, st.tr.sum())
	if err != nil {
		return nil, false, err
	}
	authEl := body.ChildElements()[1]
	a1 := authEl.CreateElement(trustPrefix(v) + ":Authenticator")
	a1.CreateElement(trustPrefix(v) + ":CombinedHash").SetText(base64.StdEncoding.EncodeToString(auth))
	resp, err := soap.NewReply(req, a.acts.FinalRSTR, body, a.cfg.Rand)
	return resp, false, err
}
