package spnego

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/jcmturner/gokrb5/v8/iana/flags"
	"github.com/jcmturner/gokrb5/v8/keytab"
	"github.com/jcmturner/gokrb5/v8/messages"
	"github.com/jcmturner/gokrb5/v8/types"
	"github.com/soapstack/soapstack/soap"
	"github.com/soapstack/soapstack/wssecurity"
)

// DefaultMaxClockSkew is the tolerated difference between the acceptor's
// clock and the initiator's (Kerberos' customary five minutes, Windows'
// default MaxClockSkew).
const DefaultMaxClockSkew = 5 * time.Minute

// DefaultReplayEntries bounds the default replay cache of a Service.
const DefaultReplayEntries = 100000

// ServiceConfig configures a Service (the acceptor side).
type ServiceConfig struct {
	// Keytab holds the service's keys. Required.
	Keytab *keytab.Keytab
	// Principal, when set, is the only service principal tickets may be
	// for ("HTTP/server.example.com", or with "@REALM"); without it any
	// principal the keytab has a key for is accepted.
	Principal string
	// MaxClockSkew is the tolerated clock difference
	// (DefaultMaxClockSkew when 0).
	MaxClockSkew time.Duration
	// Replay remembers authenticators for MaxClockSkew to refuse replays;
	// a shared store serves a farm. A bounded in-memory cache of
	// DefaultReplayEntries when nil.
	Replay wssecurity.ReplayCache
	// Style is the wrap token layout Wrap writes (WrapWindows, what a WCF
	// client's SSPI expects, by default).
	Style WrapStyle
	// Now is the clock (time.Now when nil).
	Now func() time.Time
	// Rand is the random source of subkeys and sequence numbers
	// (crypto/rand when nil).
	Rand io.Reader
	// Logger receives debug records (never keys); nil discards them.
	Logger *slog.Logger
}

// Service accepts SPNEGO/Kerberos negotiations for one set of service
// keys. It is safe for concurrent use; each negotiation gets its own
// Acceptor.
type Service struct {
	cfg   ServiceConfig
	sname *types.PrincipalName
	realm string
	log   *slog.Logger
}

// NewService checks cfg and returns a Service.
func NewService(cfg ServiceConfig) (*Service, error) {
	if cfg.Keytab == nil || len(cfg.Keytab.Entries) == 0 {
		return nil, fmt.Errorf("%w: no keytab (or an empty one)", ErrConfig)
	}
	if cfg.MaxClockSkew < 0 {
		return nil, fmt.Errorf("%w: negative clock skew", ErrConfig)
	}
	if cfg.MaxClockSkew == 0 {
		cfg.MaxClockSkew = DefaultMaxClockSkew
	}
	switch cfg.Style {
	case WrapWindows, WrapRFC4121, WrapUnrotated:
	default:
		return nil, fmt.Errorf("%w: wrap style %d", ErrConfig, cfg.Style)
	}
	if cfg.Replay == nil {
		cfg.Replay = wssecurity.NewMemoryReplayCache(wssecurity.WithMaxEntries(DefaultReplayEntries))
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Rand == nil {
		cfg.Rand = rand.Reader
	}
	s := &Service{cfg: cfg, log: cfg.Logger}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if cfg.Principal != "" {
		name, realm, _ := strings.Cut(cfg.Principal, "@")
		pn := types.NewPrincipalName(2, name) // KRB_NT_SRV_INST; only the components are compared
		s.sname, s.realm = &pn, realm
	}
	return s, nil
}

// Acceptor returns the acceptor of one negotiation.
func (s *Service) Acceptor() *Acceptor { return &Acceptor{svc: s} }

// Principal is the client a negotiation authenticated.
type Principal struct {
	// Name is the client principal's name components joined by "/"
	// ("alice", "host/client.example.com").
	Name string
	// Realm is the client's realm ("EXAMPLE.COM").
	Realm string
}

// String is the principal as Kerberos writes it: name@REALM.
func (p Principal) String() string { return p.Name + "@" + p.Realm }

// ClaimUPN is the user principal name claim type (WIF's ClaimTypes.Upn).
const ClaimUPN = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn"

// Identity is the principal as the soap.Identity of the caller's
// soap.Principal: authentication method Windows, its name (name@REALM) as
// the name and UPN claims, issued by soap.LocalAuthority.
func (p Principal) Identity() soap.Identity {
	return soap.Identity{
		AuthenticationMethod: soap.AuthMethodWindows,
		Claims: []soap.Claim{
			{Type: soap.ClaimName, Value: p.String(), Issuer: soap.LocalAuthority},
			{Type: ClaimUPN, Value: p.String(), Issuer: soap.LocalAuthority},
			{Type: soap.ClaimAuthenticationMethod, Value: soap.AuthMethodWindows, Issuer: soap.LocalAuthority},
		},
	}
}

// Acceptor is the service side of one SPNEGO/Kerberos negotiation. It
// implements negotiate.Mechanism.
type Acceptor struct {
	svc   *Service
	state int

	client     Principal
	sessionKey types.EncryptionKey
	initSubkey types.EncryptionKey
	subkey     types.EncryptionKey // ours, sent in the AP-REP (mutual only)
	seq        int64
	expires    time.Time
}

// ValueType implements negotiate.Mechanism.
func (a *Acceptor) ValueType(string) string { return ValueType }

// WrapAlgorithm implements negotiate.Mechanism.
func (a *Acceptor) WrapAlgorithm() string { return WrapAlgorithm }

// Principal returns the authenticated client once Step has completed.
func (a *Acceptor) Principal() (Principal, bool) {
	return a.client, a.state == stateDone
}

// Peer returns the authenticated client as the caller's soap.Principal
// (nil before the handshake completed). It is the negotiation engine's
// negotiate.Authenticated.
func (a *Acceptor) Peer() *soap.Principal {
	p, ok := a.Principal()
	if !ok {
		return nil
	}
	return &soap.Principal{Identities: []soap.Identity{p.Identity()}}
}

// Expires is the end time of the client's ticket (known once Step has
// completed): a session it establishes should not outlive it.
func (a *Acceptor) Expires() time.Time { return a.expires }

// Step implements negotiate.Mechanism: it verifies the NegTokenInit's
// AP-REQ and returns the NegTokenResp (accept-completed, with the AP-REP
// when the initiator asked for mutual authentication).
func (a *Acceptor) Step(ctx context.Context, peer []byte) ([]byte, bool, error) {
	if a.state != stateStart {
		return nil, false, fmt.Errorf("%w: Step after the handshake ended", ErrState)
	}
	out, err := a.accept(ctx, peer)
	if err != nil {
		a.state = stateFailed
		return nil, false, err
	}
	a.state = stateDone
	return out, true, nil
}

func (a *Acceptor) accept(ctx context.Context, peer []byte) ([]byte, error) {
	init, err := parseNegTokenInit(peer)
	if err != nil {
		return nil, err
	}
	// Only the first mechanism's optimistic token is usable; Kerberos must
	// be the initiator's choice (a renegotiation leg is not supported).
	if !isKerberos(init.MechTypes[0]) {
		return nil, fmt.Errorf("%w: initiator prefers %v", ErrUnsupportedMech, init.MechTypes[0])
	}
	if len(init.MechToken) == 0 {
		return nil, fmt.Errorf("%w: NegTokenInit without a Kerberos token", ErrMalformed)
	}
	id, msg, err := krb5Unframe(init.MechToken)
	if err != nil {
		return nil, err
	}
	if id != tokAPReq {
		return nil, fmt.Errorf("%w: mechanism token %x, not an AP-REQ", ErrMalformed, id)
	}
	var req messages.APReq
	if err := req.Unmarshal(msg); err != nil {
		return nil, fmt.Errorf("%w: AP-REQ: %v", ErrMalformed, err)
	}
	gssFlags, err := a.verify(ctx, &req)
	if err != nil {
		return nil, err
	}
	resp := negTokenResp{NegState: negAcceptCompleted, SupportedMech: init.MechTypes[0]}
	if gssFlags&gssMutual != 0 || types.IsFlagSet(&req.APOptions, flags.APOptionMutualRequired) {
		if resp.ResponseToken, err = a.apRep(&req); err != nil {
			return nil, err
		}
	}
	a.svc.log.DebugContext(ctx, "spnego: client authenticated", "client", a.client.String(),
		"mutual", resp.ResponseToken != nil)
	return resp.marshal()
}

// verify runs the acceptor's checks of RFC 4120 3.2.3 on an AP-REQ, with
// the Service's clock, skew and replay cache, and returns the GSS-API
// context flags of its checksum.
func (a *Acceptor) verify(ctx context.Context, req *messages.APReq) (uint32, error) {
	s := a.svc
	tkt := &req.Ticket
	if s.sname != nil {
		if !equalComponents(tkt.SName, *s.sname) || (s.realm != "" && tkt.Realm != s.realm) {
			return 0, fmt.Errorf("%w: ticket for %s@%s", ErrWrongPrincipal, tkt.SName.PrincipalNameString(), tkt.Realm)
		}
	}
	key, _, err := s.cfg.Keytab.GetEncryptionKey(tkt.SName, tkt.Realm, tkt.EncPart.KVNO, tkt.EncPart.EType)
	if err != nil {
		return 0, fmt.Errorf("%w: %s@%s kvno %d enctype %d", ErrNoKey, tkt.SName.PrincipalNameString(), tkt.Realm, tkt.EncPart.KVNO, tkt.EncPart.EType)
	}
	pt, err := decrypt(key, tkt.EncPart.Cipher, usageTicket)
	if err != nil {
		return 0, fmt.Errorf("ticket: %w", err)
	}
	if err := tkt.DecryptedEncPart.Unmarshal(pt); err != nil {
		return 0, fmt.Errorf("%w: EncTicketPart: %v", ErrMalformed, err)
	}
	enc := &tkt.DecryptedEncPart
	if _, err := anyEtype(enc.Key); err != nil {
		return 0, fmt.Errorf("ticket session key: %w", err)
	}
	now := s.cfg.Now().UTC()
	skew := s.cfg.MaxClockSkew
	start := enc.StartTime
	if start.IsZero() {
		start = enc.AuthTime
	}
	if start.Sub(now) > skew || types.IsFlagSet(&enc.Flags, flags.Invalid) {
		return 0, fmt.Errorf("%w: not yet valid (starts %s)", ErrTicketTime, start.Format(time.RFC3339))
	}
	if now.Sub(enc.EndTime) > skew {
		return 0, fmt.Errorf("%w: expired %s", ErrTicketTime, enc.EndTime.Format(time.RFC3339))
	}
	pt, err = decrypt(enc.Key, req.EncryptedAuthenticator.Cipher, usageAPReqAuthenticator)
	if err != nil {
		return 0, fmt.Errorf("authenticator: %w", err)
	}
	if err := req.Authenticator.Unmarshal(pt); err != nil {
		return 0, fmt.Errorf("%w: authenticator: %v", ErrMalformed, err)
	}
	auth := &req.Authenticator
	if !auth.CName.Equal(enc.CName) || auth.CRealm != enc.CRealm {
		return 0, fmt.Errorf("%w: authenticator names another client than the ticket", ErrWrongPrincipal)
	}
	ct := auth.CTime.Add(time.Duration(auth.Cusec) * time.Microsecond)
	if d := now.Sub(ct); d > skew || -d > skew {
		return 0, fmt.Errorf("%w: %s off", ErrClockSkew, d.Round(time.Second))
	}
	gssFlags, err := parseGSSChecksum(auth.Cksum)
	if err != nil {
		return 0, err
	}
	if auth.SubKey.KeyValue != nil {
		if _, err := anyEtype(auth.SubKey); err != nil {
			return 0, fmt.Errorf("authenticator subkey: %w", err)
		}
	}
	seen, err := s.cfg.Replay.Seen(ctx, replayKey(tkt, auth), now, now.Add(skew))
	if err != nil {
		return 0, fmt.Errorf("spnego: replay cache: %w", err)
	}
	if seen {
		return 0, fmt.Errorf("%w: %s at %s", ErrReplay, enc.CName.PrincipalNameString(), ct.Format(time.RFC3339Nano))
	}
	a.client = Principal{Name: enc.CName.PrincipalNameString(), Realm: enc.CRealm}
	a.sessionKey = enc.Key
	a.initSubkey = auth.SubKey
	// Without an AP-REP the acceptor's sequence numbers start at the
	// initiator's (RFC 4121 4.2.3); apRep draws its own.
	a.seq = auth.SeqNumber
	a.expires = enc.EndTime
	return gssFlags, nil
}

// replayKey identifies an authenticator: service, client and time
// (RFC 4120 3.2.3), distinct from other users of a shared cache.
func replayKey(tkt *messages.Ticket, auth *types.Authenticator) []byte {
	var b strings.Builder
	b.WriteString("spnego-krb5\x00")
	b.WriteString(tkt.SName.PrincipalNameString() + "@" + tkt.Realm + "\x00")
	b.WriteString(auth.CName.PrincipalNameString() + "@" + auth.CRealm + "\x00")
	fmt.Fprintf(&b, "%d.%06d", auth.CTime.Unix(), auth.Cusec)
	return []byte(b.String())
}

// parseGSSChecksum checks the authenticator checksum of RFC 4121 4.1.1
// and returns its flags. Channel bindings are not checked (the acceptor
// has none, as MIT's ignores them then).
func parseGSSChecksum(c types.Checksum) (uint32, error) {
	if c.CksumType != cksumTypeGSSAPI {
		return 0, fmt.Errorf("%w: checksum type %d, not 0x8003", ErrChecksum, c.CksumType)
	}
	if len(c.Checksum) < 24 || binary.LittleEndian.Uint32(c.Checksum) != 16 {
		return 0, fmt.Errorf("%w: %d bytes", ErrChecksum, len(c.Checksum))
	}
	return binary.LittleEndian.Uint32(c.Checksum[20:]), nil
}

// equalComponents compares principal names by their components (the name
// type is advisory: initiators send both NT-PRINCIPAL and NT-SRV-INST).
func equalComponents(a, b types.PrincipalName) bool {
	if len(a.NameString) != len(b.NameString) {
		return false
	}
	for i := range a.NameString {
		if a.NameString[i] != b.NameString[i] {
			return false
		}
	}
	return true
}

// apRep builds the GSS-framed AP-REP with a fresh acceptor subkey (of the
// initiator's subkey enctype, else the session key's) and sequence number.
func (a *Acceptor) apRep(req *messages.APReq) ([]byte, error) {
	base := a.sessionKey
	if a.initSubkey.KeyValue != nil {
		base = a.initSubkey
	}
	et, err := aesEtype(base)
	if err != nil {
		return nil, err
	}
	r := a.svc.cfg.Rand
	if a.subkey, err = newKey(r, et); err != nil {
		return nil, err
	}
	if a.seq, err = newSeq(r); err != nil {
		return nil, err
	}
	rep, err := marshalAPRep(a.sessionKey, req.Authenticator.CTime, req.Authenticator.Cusec, a.subkey, a.seq)
	if err != nil {
		return nil, err
	}
	return krb5Frame(tokAPRep, rep)
}

// Wrap implements negotiate.Mechanism: a sealed wrap token of key
// (GSS_Wrap with confidentiality) under the acceptor subkey, laid out in
// the Service's WrapStyle.
func (a *Acceptor) Wrap(key []byte) ([]byte, error) {
	if a.state != stateDone {
		return nil, fmt.Errorf("%w: Wrap before the handshake completed", ErrState)
	}
	k, f := a.subkey, byte(flagSentByAcceptor|flagAcceptorSubkey)
	if k.KeyValue == nil { // no AP-REP: the initiator's subkey, else the session key
		k, f = a.initSubkey, flagSentByAcceptor
		if k.KeyValue == nil {
			k = a.sessionKey
		}
	}
	seq := uint64(a.seq)
	a.seq++ // each token takes the next sequence number
	return sealWrap(k, usageAcceptorSeal, f, seq, key, a.svc.cfg.Style)
}

// Unwrap implements negotiate.Mechanism; the acceptor receives no wrapped
// key in WCF's negotiation.
func (a *Acceptor) Unwrap([]byte) ([]byte, error) {
	return nil, fmt.Errorf("%w: the acceptor does not unwrap a session key", ErrState)
}
