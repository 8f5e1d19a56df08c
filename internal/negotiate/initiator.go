package negotiate

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/beevik/etree"
	"github.com/google/uuid"
	"github.com/soapstack/soapstack/internal/wstrust"
	"github.com/soapstack/soapstack/internal/xmlutil"
	"github.com/soapstack/soapstack/secureconv"
	"github.com/soapstack/soapstack/soap"
)

// Errors of a negotiation; callers and tests branch on them with errors.Is.
var (
	// ErrContextMismatch: a leg's Context differs from the negotiation's.
	ErrContextMismatch = errors.New("negotiate: leg of another negotiation context")
	// ErrAuthenticator: the final Authenticator (CombinedHash) is absent or
	// wrong: a leg was changed, dropped or replayed.
	ErrAuthenticator = errors.New("negotiate: wrong negotiation authenticator")
	// ErrValueType: a BinaryExchange of another mechanism.
	ErrValueType = errors.New("negotiate: BinaryExchange of another mechanism")
	// ErrProtocol: a leg that does not fit the state of the negotiation
	// (out of order, a blob missing or too many legs).
	ErrProtocol = errors.New("negotiate: negotiation protocol violated")
	// ErrProofToken: the RequestedProofToken is absent, not wrapped by the
	// mechanism, or does not unwrap to a key of the announced size.
	ErrProofToken = errors.New("negotiate: proof token not wrapped correctly")
	// ErrMechanism wraps the error of the mechanism's handshake.
	ErrMechanism = errors.New("negotiate: security handshake failed")
)

// DefaultKeySize is the key size requested and issued when none is
// configured (Basic256's DefaultSymmetricKeyLength, as WCF asks).
const DefaultKeySize = 256

// DefaultMaxLegs bounds the round trips of one negotiation.
const DefaultMaxLegs = 8

// InitiatorConfig configures the client side of a negotiation.
type InitiatorConfig struct {
	// Version selects WS-Trust 2005/02 or 1.3.
	Version wstrust.Version
	// NewMechanism returns the mechanism of one negotiation (a fresh TLS
	// client or Kerberos initiator each time).
	NewMechanism func(ctx context.Context) (Mechanism, error)
	// SOAP and Addressing are the versions of the messages (defaults:
	// SOAP 1.2; WS-Addressing 2004/08 for 2005/02, 1.0 for 1.3).
	SOAP       soap.Version
	Addressing soap.AddressingVersion
	// To is the service address.
	To string
	// KeySize is the key size requested, in bits (DefaultKeySize).
	KeySize int
	// MaxLegs bounds the round trips (DefaultMaxLegs).
	MaxLegs int
	// Rand is the random source of Context values and message ids
	// (crypto/rand when nil).
	Rand io.Reader
	// Now is the clock (time.Now when nil).
	Now func() time.Time
}

// Initiator runs negotiations as a client; it implements
// secureconv.Negotiator.
type Initiator struct {
	cfg InitiatorConfig
}

// NewInitiator checks cfg and returns an Initiator.
func NewInitiator(cfg InitiatorConfig) (*Initiator, error) {
	if !cfg.Version.Valid() {
		return nil, fmt.Errorf("negotiate: unknown Version %d", int(cfg.Version))
	}
	if cfg.NewMechanism == nil {
		return nil, errors.New("negotiate: InitiatorConfig.NewMechanism is nil")
	}
	if cfg.SOAP == 0 {
		cfg.SOAP = soap.V12
	}
	if cfg.Addressing == 0 {
		cfg.Addressing = soap.WSA200408
		if cfg.Version == wstrust.V13 {
			cfg.Addressing = soap.WSA10
		}
	}
	if cfg.KeySize == 0 {
		cfg.KeySize = DefaultKeySize
	}
	if cfg.KeySize%8 != 0 || cfg.KeySize < 128 || cfg.KeySize > maxKeyBits {
		return nil, fmt.Errorf("negotiate: KeySize %d bits: want a multiple of 8 within 128..%d", cfg.KeySize, maxKeyBits)
	}
	if cfg.MaxLegs == 0 {
		cfg.MaxLegs = DefaultMaxLegs
	}
	if cfg.Rand == nil {
		cfg.Rand = rand.Reader
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Initiator{cfg: cfg}, nil
}

// newContext returns a Context attribute value in WCF's form.
func newContext(r io.Reader) (string, error) {
	u, err := uuid.NewRandomFromReader(r)
	if err != nil {
		return "", err
	}
	return "uuid-" + u.String(), nil
}

// sameValueType compares ValueTypes as WCF's 2005/02 peers need: the
// TLSNEGO one is written with a leading space, which some peers drop.
func sameValueType(got, want string) bool {
	return strings.TrimSpace(got) == strings.TrimSpace(want)
}

// Negotiate runs one negotiation through transport and returns the
// negotiated token.
func (in *Initiator) Negotiate(ctx context.Context, transport soap.Invoker) (*secureconv.NegotiatedToken, error) {
	cfg := in.cfg
	v := cfg.Version
	ns := v.TrustNamespace()
	acts := actionsOf(v)
	mech, err := cfg.NewMechanism(ctx)
	if err != nil {
		return nil, fmt.Errorf("negotiate: mechanism: %w", err)
	}
	defer closeMechanism(mech)
	contextID, err := newContext(cfg.Rand)
	if err != nil {
		return nil, err
	}
	out, done, err := mech.Step(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMechanism, err)
	}
	if out == nil {
		return nil, fmt.Errorf("%w: the mechanism has no first blob", ErrProtocol)
	}
	vt := mech.ValueType(ns)
	tr := newTranscript()
	body := buildRST(v, contextID, cfg.KeySize, &exchange{ValueType: vt, Blob: out})
	if err := tr.add(body); err != nil {
		return nil, err
	}
	action := acts.RST
	for legs := 0; legs < cfg.MaxLegs; legs++ {
		resp, err := in.send(ctx, transport, action, body)
		if err != nil {
			return nil, err
		}
		l, err := parseLeg(v, resp.Payload())
		if err != nil {
			return nil, err
		}
		if ra := resp.Addressing.Action; resp.Addressing.Version != 0 && ra != acts.RSTR && ra != acts.FinalRSTR {
			return nil, fmt.Errorf("%w: response action %q", ErrProtocol, ra)
		}
		switch l.Kind {
		case kindRSTR:
			r := l.First
			if r.Context != contextID {
				return nil, ErrContextMismatch
			}
			if err := tr.add(r.el); err != nil {
				return nil, err
			}
			if r.Exchange == nil {
				return nil, fmt.Errorf("%w: an intermediate response without BinaryExchange", ErrProtocol)
			}
			if !sameValueType(r.Exchange.ValueType, vt) {
				return nil, fmt.Errorf("%w: %q", ErrValueType, r.Exchange.ValueType)
			}
			if done {
				return nil, fmt.Errorf("%w: the service continues a completed handshake", ErrProtocol)
			}
			out, done, err = mech.Step(ctx, r.Exchange.Blob)
			if err != nil {
				return nil, fmt.Errorf("%w: %w", ErrMechanism, err)
			}
			if out == nil {
				return nil, fmt.Errorf("%w: the handshake ended before the service issued a token", ErrProtocol)
			}
			body = (&rstr{Context: contextID, Exchange: &exchange{ValueType: vt, Blob: out}}).build(v, true)
			if err := tr.add(body); err != nil {
				return nil, err
			}
			action = acts.RSTR
		case kindRSTRC:
			return in.complete(ctx, mech, done, contextID, tr, l)
		default:
			return nil, fmt.Errorf("%w: the service answered with an RST", ErrProtocol)
		}
	}
	return nil, fmt.Errorf("%w: more than %d legs", ErrProtocol, cfg.MaxLegs)
}

// complete checks the final collection and unwraps the key.
func (in *Initiator) complete(ctx context.Context, mech Mechanism, done bool, contextID string, tr *transcript, l *leg) (*secureconv.NegotiatedToken, error) {
	v := in.cfg.Version
	ns := v.TrustNamespace()
	r, auth := l.First, l.Auth
	if r.Context != contextID || auth.Context != contextID {
		return nil, ErrContextMismatch
	}
	if err := tr.addFinal(r.el, ns); err != nil {
		return nil, err
	}
	if r.Exchange != nil {
		if !sameValueType(r.Exchange.ValueType, mech.ValueType(ns)) {
			return nil, fmt.Errorf("%w: %q", ErrValueType, r.Exchange.ValueType)
		}
		// A mechanism already done takes what follows its handshake
		// (TLS 1.3 tickets) with the wrapped key.
		out, d, err := mech.Step(ctx, r.Exchange.Blob)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrMechanism, err)
		}
		if out != nil || !d {
			return nil, fmt.Errorf("%w: the handshake is not complete with the last leg", ErrProtocol)
		}
	} else if !done {
		return nil, fmt.Errorf("%w: the final response carries no blob and the handshake is not complete", ErrProtocol)
	}
	if r.TokenType != "" && r.TokenType != v.TokenType() {
		return nil, fmt.Errorf("%w: issued token type %q", ErrProtocol, r.TokenType)
	}
	if r.RequestedToken == nil {
		return nil, fmt.Errorf("%w: no RequestedSecurityToken", ErrProtocol)
	}
	if r.ProofAlgorithm != mech.WrapAlgorithm() || r.ProofCipher == nil {
		return nil, fmt.Errorf("%w: algorithm %q", ErrProofToken, r.ProofAlgorithm)
	}
	key, err := mech.Unwrap(r.ProofCipher)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrProofToken, err)
	}
	if len(key) < 16 || (r.KeySize > 0 && len(key)*8 != r.KeySize) {
		return nil, fmt.Errorf("%w: a key of %d bytes (KeySize %d)", ErrProofToken, len(key), r.KeySize)
	}
	if auth.Authenticator == nil || !checkAuthenticator(key, tr.sum(), auth.Authenticator) {
		return nil, ErrAuthenticator
	}
	nt := &secureconv.NegotiatedToken{Element: xmlutil.CopyWithScope(r.RequestedToken), Key: key,
		Created: r.Created, Expires: r.Expires}
	if r.Attached != nil {
		nt.Attached = xmlutil.CopyWithScope(r.Attached)
	}
	if r.Unattached != nil {
		nt.Unattached = xmlutil.CopyWithScope(r.Unattached)
	}
	return nt, nil
}

// send sends one leg, unsecured, and returns the response.
func (in *Initiator) send(ctx context.Context, transport soap.Invoker, action string, body *etree.Element) (*soap.Message, error) {
	m := soap.NewMessageWithBody(in.cfg.SOAP, body)
	a, err := soap.RequestAddressing(in.cfg.Addressing, action, in.cfg.To, in.cfg.Rand)
	if err != nil {
		return nil, err
	}
	m.SetAddressing(a)
	resp, err := transport.Call(ctx, m)
	if err != nil {
		return nil, fmt.Errorf("negotiate: %w", err)
	}
	if resp == nil {
		return nil, errors.New("negotiate: no response")
	}
	return resp, nil
}
