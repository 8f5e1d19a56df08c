package spnego

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/asn1"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/jcmturner/gokrb5/v8/client"
	"github.com/jcmturner/gokrb5/v8/iana/flags"
	"github.com/jcmturner/gokrb5/v8/messages"
	"github.com/jcmturner/gokrb5/v8/types"
)

// InitiatorConfig configures an Initiator (the client side).
type InitiatorConfig struct {
	// Client holds the client's Kerberos credentials (password or keytab)
	// and krb5.conf (gokrb5's client.NewWithPassword or NewWithKeytab);
	// the Initiator logs it in when it has no TGT. Required. One Client may
	// serve many Initiators.
	Client *client.Client
	// SPN is the service principal name the ticket is requested for, as
	// WCF's SpnEndpointIdentity names it: "host/server.example.com" or
	// "HTTP/server.example.com". Required.
	SPN string
	// Delegate asks for credential delegation (the GSS deleg flag; WCF's
	// TokenImpersonationLevel.Delegation). The forwarded TGT itself is not
	// sent.
	Delegate bool
	// Now is the clock (time.Now when nil).
	Now func() time.Time
	// Rand is the random source of subkeys and sequence numbers
	// (crypto/rand when nil). gokrb5 draws the encryption confounders from
	// crypto/rand itself.
	Rand io.Reader
	// Logger receives debug records of the handshake (never keys); nil
	// discards them.
	Logger *slog.Logger
}

// Initiator is the client side of one SPNEGO/Kerberos negotiation. It
// implements negotiate.Mechanism.
type Initiator struct {
	cfg InitiatorConfig
	log *slog.Logger
	// tickets gets the service ticket (the KDC through gokrb5; tests
	// substitute offline tickets).
	tickets func(context.Context) (messages.Ticket, types.EncryptionKey, error)
	cname   types.PrincipalName
	crealm  string

	state      int
	mechTypes  []byte // DER of the MechTypeList sent
	sessionKey types.EncryptionKey
	subkey     types.EncryptionKey // ours, sent in the authenticator
	accSubkey  types.EncryptionKey // the acceptor's, from the AP-REP
	ctime      time.Time
	cusec      int
	seq        int64
	last       []byte // the acceptor's last token, for the engine's repeat
}

const (
	stateStart = iota
	stateSent
	stateMICSent
	stateDone
	stateFailed
)

// NewInitiator checks cfg and returns an Initiator for one negotiation.
func NewInitiator(cfg InitiatorConfig) (*Initiator, error) {
	if cfg.Client == nil || cfg.Client.Credentials == nil {
		return nil, fmt.Errorf("%w: no Kerberos client", ErrConfig)
	}
	if cfg.SPN == "" {
		return nil, fmt.Errorf("%w: no service principal name", ErrConfig)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Rand == nil {
		cfg.Rand = rand.Reader
	}
	l := cfg.Logger
	if l == nil {
		l = slog.New(slog.DiscardHandler)
	}
	in := &Initiator{cfg: cfg, log: l, cname: cfg.Client.Credentials.CName(), crealm: cfg.Client.Credentials.Domain()}
	in.tickets = in.ticket
	return in, nil
}

// ValueType implements negotiate.Mechanism: ValueType for either WS-Trust
// version.
func (in *Initiator) ValueType(string) string { return ValueType }

// WrapAlgorithm implements negotiate.Mechanism.
func (in *Initiator) WrapAlgorithm() string { return WrapAlgorithm }

// Step implements negotiate.Mechanism: the first call (peer nil) gets a
// service ticket and returns the NegTokenInit; the second verifies the
// acceptor's NegTokenResp and its AP-REP (mutual authentication) and
// completes, or, when the acceptor asks for a mechListMIC, returns ours.
func (in *Initiator) Step(ctx context.Context, peer []byte) ([]byte, bool, error) {
	out, done, err := in.step(ctx, peer)
	if err != nil {
		in.state = stateFailed
	}
	return out, done, err
}

func (in *Initiator) step(ctx context.Context, peer []byte) ([]byte, bool, error) {
	switch in.state {
	case stateStart:
		if peer != nil {
			return nil, false, fmt.Errorf("%w: the initiator speaks first", ErrState)
		}
		out, err := in.first(ctx)
		if err != nil {
			return nil, false, err
		}
		in.state = stateSent
		return out, false, nil
	case stateSent:
		in.last = append([]byte(nil), peer...)
		return in.second(peer)
	case stateMICSent:
		r, err := parseNegTokenResp(peer)
		if err != nil {
			return nil, false, err
		}
		if r.NegState != negAcceptCompleted {
			return nil, false, fmt.Errorf("%w: negState %d after our mechListMIC", ErrRejected, r.NegState)
		}
		in.last = append([]byte(nil), peer...)
		in.state = stateDone
		return nil, true, nil
	case stateDone:
		// The engine hands over the final RSTR's BinaryExchange again
		// when it already reached us; nothing else is acceptable.
		if peer == nil || bytes.Equal(peer, in.last) {
			return nil, true, nil
		}
		return nil, false, fmt.Errorf("%w: a token after the handshake completed", ErrState)
	default:
		return nil, false, fmt.Errorf("%w: Step after the handshake failed", ErrState)
	}
}

// first builds the NegTokenInit with the AP-REQ.
func (in *Initiator) first(ctx context.Context) ([]byte, error) {
	tkt, key, err := in.tickets(ctx)
	if err != nil {
		return nil, err
	}
	et, err := aesEtype(key)
	if err != nil {
		return nil, fmt.Errorf("spnego: service ticket session key: %w", err)
	}
	in.sessionKey = key
	if in.subkey, err = newKey(in.cfg.Rand, et); err != nil {
		return nil, err
	}
	if in.seq, err = newSeq(in.cfg.Rand); err != nil {
		return nil, err
	}
	now := in.cfg.Now().UTC()
	in.ctime = now.Truncate(time.Second)
	in.cusec = now.Nanosecond() / 1000
	gssFlags := uint32(gssMutual | gssReplay | gssSequence | gssConf | gssInteg)
	if in.cfg.Delegate {
		gssFlags |= gssDeleg
	}
	auth := types.Authenticator{
		AVNO:      5,
		CRealm:    in.crealm,
		CName:     in.cname,
		Cksum:     types.Checksum{CksumType: cksumTypeGSSAPI, Checksum: gssChecksum(gssFlags)},
		Cusec:     in.cusec,
		CTime:     in.ctime,
		SubKey:    in.subkey,
		SeqNumber: in.seq,
	}
	req, err := messages.NewAPReq(tkt, key, auth)
	if err != nil {
		return nil, fmt.Errorf("spnego: AP-REQ: %w", err)
	}
	types.SetFlag(&req.APOptions, flags.APOptionMutualRequired)
	reqDER, err := req.Marshal()
	if err != nil {
		return nil, fmt.Errorf("spnego: AP-REQ: %w", err)
	}
	mechToken, err := krb5Frame(tokAPReq, reqDER)
	if err != nil {
		return nil, err
	}
	n := negTokenInit{MechTypes: []asn1.ObjectIdentifier{oidKRB5}, MechToken: mechToken}
	if n.MechTypesDER, err = marshalMechTypes(n.MechTypes); err != nil {
		return nil, err
	}
	in.mechTypes = n.MechTypesDER
	in.log.DebugContext(ctx, "spnego: AP-REQ built", "spn", in.cfg.SPN, "enctype", key.KeyType)
	return n.marshal()
}

// ticket gets a service ticket for the SPN (from gokrb5's cache or the
// KDC). gokrb5 takes no context: the call is abandoned, not stopped, when
// ctx ends (gokrb5's own network timeouts bound it).
func (in *Initiator) ticket(ctx context.Context) (messages.Ticket, types.EncryptionKey, error) {
	type result struct {
		tkt messages.Ticket
		key types.EncryptionKey
		err error
	}
	ch := make(chan result, 1)
	cl := in.cfg.Client
	go func() {
		var r result
		if r.err = cl.AffirmLogin(); r.err == nil {
			r.tkt, r.key, r.err = cl.GetServiceTicket(in.cfg.SPN)
		}
		ch <- r
	}()
	select {
	case <-ctx.Done():
		return messages.Ticket{}, types.EncryptionKey{}, ctx.Err()
	case r := <-ch:
		if r.err != nil {
			return r.tkt, r.key, fmt.Errorf("spnego: service ticket for %s: %w", in.cfg.SPN, r.err)
		}
		return r.tkt, r.key, nil
	}
}

// gssChecksum is the authenticator checksum of RFC 4121 4.1.1: Lgth 16,
// zero channel bindings, the context flags.
func gssChecksum(f uint32) []byte {
	b := make([]byte, 24)
	binary.LittleEndian.PutUint32(b[0:], 16)
	binary.LittleEndian.PutUint32(b[20:], f)
	return b
}

// second verifies the acceptor's answer.
func (in *Initiator) second(peer []byte) ([]byte, bool, error) {
	r, err := parseNegTokenResp(peer)
	if err != nil {
		return nil, false, err
	}
	switch r.NegState {
	case negReject:
		if len(r.ResponseToken) > 0 {
			if err := krbErrorIn(r.ResponseToken); err != nil {
				return nil, false, fmt.Errorf("%w: %w", ErrRejected, err)
			}
		}
		return nil, false, ErrRejected
	case negAcceptCompleted, negRequestMIC:
	default:
		return nil, false, fmt.Errorf("%w: negState %d (Kerberos completes in one round trip)", ErrMalformed, r.NegState)
	}
	if r.SupportedMech != nil && !isKerberos(r.SupportedMech) {
		return nil, false, fmt.Errorf("%w: acceptor chose %v", ErrUnsupportedMech, r.SupportedMech)
	}
	if len(r.ResponseToken) == 0 {
		return nil, false, fmt.Errorf("%w: no AP-REP (mutual authentication is required)", ErrMutualAuth)
	}
	if err := in.verifyAPRep(r.ResponseToken); err != nil {
		return nil, false, err
	}
	if r.MechListMIC != nil {
		if err := verifyMIC(r.MechListMIC, in.wrapKey(), usageAcceptorSign, true, in.mechTypes); err != nil {
			return nil, false, err
		}
	}
	if r.NegState == negRequestMIC {
		mic, err := makeMIC(in.wrapKey(), usageInitiatorSign, in.micFlags(), uint64(in.seq), in.mechTypes)
		if err != nil {
			return nil, false, err
		}
		out, err := (&negTokenResp{NegState: negAcceptIncomplete, MechListMIC: mic}).marshal()
		if err != nil {
			return nil, false, err
		}
		in.state = stateMICSent
		return out, false, nil
	}
	in.state = stateDone
	return nil, true, nil
}

// verifyAPRep checks the AP-REP answers our authenticator (RFC 4120
// 3.2.5) and takes the acceptor's subkey.
func (in *Initiator) verifyAPRep(tok []byte) error {
	var msg []byte
	if len(tok) > 0 && tok[0] == 0x6f { // a bare AP-REP, as some acceptors send
		msg = tok
	} else {
		id, m, err := krb5Unframe(tok)
		if err != nil {
			return err
		}
		switch id {
		case tokAPRep:
		case tokKRBError:
			return krbError(m)
		default:
			return fmt.Errorf("%w: response token %x, not an AP-REP", ErrMalformed, id)
		}
		msg = m
	}
	part, err := parseAPRep(msg, in.sessionKey)
	if err != nil {
		return err
	}
	if !part.CTime.Equal(in.ctime) || part.Cusec != in.cusec {
		return fmt.Errorf("%w: the AP-REP's time is not our authenticator's", ErrMutualAuth)
	}
	if part.Subkey.KeyValue != nil {
		if _, err := aesEtype(part.Subkey); err != nil {
			return fmt.Errorf("spnego: acceptor subkey: %w", err)
		}
		in.accSubkey = part.Subkey
	}
	return nil
}

// wrapKey is the key per-message tokens use: the acceptor's subkey when
// it sent one, else ours.
func (in *Initiator) wrapKey() types.EncryptionKey {
	if in.accSubkey.KeyValue != nil {
		return in.accSubkey
	}
	return in.subkey
}

func (in *Initiator) micFlags() byte {
	if in.accSubkey.KeyValue != nil {
		return flagAcceptorSubkey
	}
	return 0
}

// Wrap implements negotiate.Mechanism; the initiator does not wrap keys in
// WCF's negotiation.
func (in *Initiator) Wrap([]byte) ([]byte, error) {
	return nil, fmt.Errorf("%w: the initiator does not wrap the session key", ErrState)
}

// Unwrap implements negotiate.Mechanism: it opens the acceptor's sealed
// wrap token (GSS_Unwrap) and returns the key.
func (in *Initiator) Unwrap(blob []byte) ([]byte, error) {
	if in.state != stateDone {
		return nil, fmt.Errorf("%w: Unwrap before the handshake completed", ErrState)
	}
	return openWrap(blob, true, in.accSubkey, in.subkey, usageAcceptorSeal)
}

// errNotKRBError is krbErrorIn's answer for a token that is no KRB-ERROR.
var errNotKRBError = errors.New("not a KRB-ERROR")

// krbErrorIn returns the KRB-ERROR a framed token holds, or nil.
func krbErrorIn(tok []byte) error {
	id, m, err := krb5Unframe(tok)
	if err != nil || id != tokKRBError {
		return nil
	}
	if err := krbError(m); !errors.Is(err, errNotKRBError) {
		return err
	}
	return nil
}

// krbError decodes a KRB-ERROR into an ErrKerberos error.
func krbError(m []byte) error {
	var e messages.KRBError
	if err := e.Unmarshal(m); err != nil {
		return fmt.Errorf("%w: %w", ErrMalformed, errNotKRBError)
	}
	return fmt.Errorf("%w: code %d", ErrKerberos, e.ErrorCode)
}
