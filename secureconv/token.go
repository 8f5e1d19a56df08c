package secureconv

import (
	"crypto/subtle"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"time"
	"unicode/utf8"

	"github.com/soapstack/soapstack/soap"
)

// AuthMethod says how the client of a secure session authenticated when
// the session was established (the bootstrap credential).
type AuthMethod string

// Authentication methods of Claims.
const (
	// AuthNone is the zero value: the token records no authentication.
	// SameClient never matches it.
	AuthNone AuthMethod = ""
	// AuthAnonymous is a client that presented no credential (for example
	// AnonymousForCertificate).
	AuthAnonymous AuthMethod = "anonymous"
	// AuthUsername is a client authenticated by a UsernameToken.
	AuthUsername AuthMethod = "username"
	// AuthCertificate is a client authenticated by an X.509 certificate.
	AuthCertificate AuthMethod = "certificate"
)

// Claims records who established a secure session and how: the identity
// the server checks again when the session is renewed or cancelled
// (SameClient). It is taken from the bootstrap credential and is not
// changed by claims transformation; what the application sees is
// SessionToken.Identities.
type Claims struct {
	// Method is how the client authenticated.
	Method AuthMethod
	// Username is the authenticated user name (AuthUsername).
	Username string
	// CertSubject is the subject distinguished name of the client
	// certificate (AuthCertificate), for display and logs.
	CertSubject string
	// CertThumbprintSHA256 is the SHA-256 of the client certificate's DER
	// encoding (AuthCertificate): the identity SameClient compares. It is
	// empty or 32 bytes long.
	CertThumbprintSHA256 []byte
}

// ErrEndpointMismatch is returned by SessionToken.CheckEndpoint for a token
// used at an endpoint other than the one it was issued for.
var ErrEndpointMismatch = errors.New("secureconv: session token used at another endpoint")

// Bounds of the fields of a SessionToken, enforced by MarshalBinary and
// UnmarshalBinary. They are chosen so that any encodable token fits in a
// cookie (MaxCookieSize).
const (
	// MaxContextIDLen bounds ContextID and KeyGeneration (bytes).
	MaxContextIDLen = 256
	// MaxSessionKeyLen bounds the session key (bytes).
	MaxSessionKeyLen = 64
	// MaxUsernameLen bounds Claims.Username (bytes).
	MaxUsernameLen = 512
	// MaxCertSubjectLen bounds Claims.CertSubject (bytes).
	MaxCertSubjectLen = 1024
	// MaxEndpointLen bounds Endpoint (bytes).
	MaxEndpointLen = 1024
	// MaxAppContextLen bounds AppContext (bytes).
	MaxAppContextLen = 2048
	// MaxIdentities bounds the number of Identities.
	MaxIdentities = 8
	// MaxClaims bounds the number of claims of all Identities together.
	MaxClaims = 64
	// MaxClaimTypeLen bounds a claim's Type and Issuer and an identity's
	// AuthenticationMethod (bytes).
	MaxClaimTypeLen = 256
	// MaxClaimValueLen bounds a claim's Value (bytes).
	MaxClaimValueLen = 1024
	// MaxBootstrapTokenLen bounds BootstrapToken (bytes).
	MaxBootstrapTokenLen = 4096
	// MaxTokenEncodingLen bounds the whole encoding of a token (bytes):
	// within the field bounds above, a token with many claims and a
	// bootstrap token can still be too large for a cookie, and is refused.
	MaxTokenEncodingLen = 8000
)

// SessionToken is the server's record of a secure session: what WCF's
// SecurityContextSecurityToken and WIF's SessionSecurityToken hold. In
// reference mode it stays in a TokenCache; in cookie mode it travels sealed
// in the SecurityContextToken (see SealCookie).
//
// A SessionToken holds a secret (Key). Wipe copies that are no longer
// needed with Wipe; never log the token.
type SessionToken struct {
	// ContextID is the SecurityContextToken's Identifier ("urn:uuid:...").
	ContextID string
	// KeyGeneration identifies the key generation of the session: WCF's
	// Instance element. It is "" for a token without Instance; a renewal
	// issues a new generation of the same ContextID.
	KeyGeneration string
	// Key is the session key.
	Key []byte
	// ValidFrom and ValidTo bound the life of the token (the RSTR's
	// Lifetime).
	ValidFrom, ValidTo time.Time
	// KeyEffective and KeyExpiration bound the use of Key. A zero value
	// stands for ValidFrom and ValidTo respectively.
	KeyEffective, KeyExpiration time.Time
	// Claims records who established the session: the identity
	// SameClient checks on Renew and Cancel.
	Claims Claims
	// Identities are the session principal's identities, the open claims
	// the application sees (soap.Principal): those of the bootstrap
	// credential, as ServerConfig.TransformClaims left them. Certificates
	// are not kept (Certificate is nil in a stored or decoded token); the
	// claims keep the thumbprint and subject. At most MaxIdentities
	// identities with MaxClaims claims in all.
	Identities []soap.Identity
	// Version is the WS-SecureConversation version the token was issued
	// under; zero for a token decoded from a version 1 encoding, which did
	// not record it.
	Version Version
	// CookieMode is true when the token travels sealed in the
	// SecurityContextToken (cookie mode), false when it stays in the
	// server's token cache (reference mode): WIF's IsReferenceMode,
	// inverted, chosen per session.
	CookieMode bool
	// BootstrapToken is the canonical XML of the token that established
	// the session, kept when ServerConfig.KeepBootstrapToken is set (WIF's
	// BootstrapContext), at most MaxBootstrapTokenLen bytes. It may hold a
	// password: it is wiped with the key and never logged.
	BootstrapToken []byte
	// Endpoint is the URI of the endpoint the token is scoped to; the
	// token is rejected at any other (CheckEndpoint).
	Endpoint string
	// AppContext is an opaque application value carried with the session,
	// at most MaxAppContextLen bytes.
	AppContext []byte
	// Persistent marks a token that may outlive the server process.
	Persistent bool
	// IssuedAt is when the token (this generation) was issued.
	IssuedAt time.Time
}

// Valid reports whether the token is within its lifetime at now:
// ValidFrom <= now < ValidTo. A token without ValidTo is never valid.
func (t *SessionToken) Valid(now time.Time) bool {
	return !t.ValidTo.IsZero() && !now.Before(t.ValidFrom) && now.Before(t.ValidTo)
}

// KeyValid reports whether the token is valid at now and its key may be
// used: KeyEffective <= now < KeyExpiration. A valid token whose key is
// not valid calls for a renewal (wsc:RenewNeeded).
func (t *SessionToken) KeyValid(now time.Time) bool {
	if !t.Valid(now) {
		return false
	}
	eff, exp := t.KeyEffective, t.KeyExpiration
	if eff.IsZero() {
		eff = t.ValidFrom
	}
	if exp.IsZero() {
		exp = t.ValidTo
	}
	return !now.Before(eff) && now.Before(exp)
}

// CheckEndpoint returns ErrEndpointMismatch unless the token is scoped to
// ep. URIs are compared exactly (no normalization), so the issuer and the
// verifier must use the same form of the endpoint address, normally the
// service's configured address rather than the message's wsa:To. A token
// with an empty Endpoint is accepted only where ep is empty too.
func (t *SessionToken) CheckEndpoint(ep string) error {
	if t.Endpoint != ep {
		return ErrEndpointMismatch
	}
	return nil
}

// SameClient reports whether other identifies the client that established
// the session, as a server checks before it renews or cancels a session on
// behalf of the sender of a Renew or Cancel request: same method, and the
// same user name (AuthUsername, compared exactly) or the same certificate
// thumbprint (AuthCertificate, in constant time; the subject is not
// compared). Two anonymous clients cannot be told apart, so AuthAnonymous
// matches AuthAnonymous: for them, as for everyone, the proof of ownership
// is the session key that must protect the request. A token without
// Claims matches nobody.
func (t *SessionToken) SameClient(other Claims) bool {
	c := &t.Claims
	if c.Method != other.Method {
		return false
	}
	switch c.Method {
	case AuthAnonymous:
		return true
	case AuthUsername:
		return c.Username != "" &&
			subtle.ConstantTimeCompare([]byte(c.Username), []byte(other.Username)) == 1
	case AuthCertificate:
		return len(c.CertThumbprintSHA256) == 32 &&
			subtle.ConstantTimeCompare(c.CertThumbprintSHA256, other.CertThumbprintSHA256) == 1
	}
	return false
}

// Clone returns a deep copy of t (certificates of Identities are shared:
// they are immutable). The byte slices of the copy share one allocation.
func (t *SessionToken) Clone() *SessionToken {
	c := *t
	c.Identities = cloneIdentities(t.Identities)
	n := len(t.Key) + len(t.Claims.CertThumbprintSHA256) + len(t.AppContext) + len(t.BootstrapToken)
	if n == 0 {
		return &c
	}
	buf := make([]byte, 0, n)
	c.Key = tCopyInto(&buf, t.Key)
	c.Claims.CertThumbprintSHA256 = tCopyInto(&buf, t.Claims.CertThumbprintSHA256)
	c.AppContext = tCopyInto(&buf, t.AppContext)
	c.BootstrapToken = tCopyInto(&buf, t.BootstrapToken)
	return &c
}

// tCopyInto appends b to *buf and returns the appended part with its
// capacity capped, so that appending to it cannot overwrite the next field;
// nil stays nil.
func tCopyInto(buf *[]byte, b []byte) []byte {
	if b == nil {
		return nil
	}
	start := len(*buf)
	*buf = append(*buf, b...)
	return (*buf)[start:len(*buf):len(*buf)]
}

// Wipe overwrites the key and the bootstrap token of t with zeros. The
// other fields are left as they are.
func (t *SessionToken) Wipe() {
	clear(t.Key)
	clear(t.BootstrapToken)
}

// Version bytes of the binary encoding of a SessionToken. MarshalBinary
// writes version 2; UnmarshalBinary reads both (version 1 cookies sealed
// before version 2 existed still open).
const (
	tEncodingV1 = 1
	tEncodingV2 = 2
)

// Codes of AuthMethod in the binary encoding.
const (
	tMethodNone byte = iota
	tMethodAnonymous
	tMethodUsername
	tMethodCertificate
)

// tZeroTime encodes the zero time.Time.
const tZeroTime = math.MinInt64

// Flag bits; the other bits are zero. Version 1 has only tFlagPersistent.
const (
	tFlagPersistent = 1
	tFlagCookieMode = 2
)

// errTokenEncoding is wrapped by the errors of UnmarshalBinary.
var errTokenEncoding = errors.New("secureconv: malformed session token encoding")

// MarshalBinary encodes t in the compact versioned form that cookies and
// shared token caches store. The layout (version 2, integers big-endian) is
//
//	version       1 byte (2)
//	ContextID     2-byte length + UTF-8 bytes (1..MaxContextIDLen)
//	KeyGeneration 2-byte length + UTF-8 bytes (0..MaxContextIDLen)
//	Key           2-byte length + bytes (1..MaxSessionKeyLen)
//	ValidFrom, ValidTo, KeyEffective, KeyExpiration, IssuedAt
//	              8 bytes each: Unix nanoseconds, math.MinInt64 for zero
//	Method        1 byte: 0 none, 1 anonymous, 2 username, 3 certificate
//	Username      2-byte length + UTF-8 bytes (0..MaxUsernameLen)
//	CertSubject   2-byte length + UTF-8 bytes (0..MaxCertSubjectLen)
//	Thumbprint    2-byte length + bytes (0 or 32)
//	Endpoint      2-byte length + UTF-8 bytes (0..MaxEndpointLen)
//	AppContext    2-byte length + bytes (0..MaxAppContextLen)
//	flags         1 byte: bit 0 Persistent, bit 1 CookieMode, others zero
//	Version       1 byte: 0 unknown, 1 WS-SC 2005/02, 2 WS-SC 1.3
//	BootstrapToken 2-byte length + bytes (0..MaxBootstrapTokenLen)
//	identities    1 byte count (0..MaxIdentities), then per identity:
//	              AuthenticationMethod (atom), 1 byte claim count, and per
//	              claim Type, Value, Issuer (atoms)
//
// An atom is a string: 1 byte, 0 followed by a 2-byte length and UTF-8
// bytes, or the 1-based index of a well-known string (COOKIE.md lists
// them: the soap claim types, authentication methods and LocalAuthority),
// which is always used for those strings. Types, issuers and methods are
// at most MaxClaimTypeLen bytes, values MaxClaimValueLen, there are at
// most MaxClaims claims in all, and the whole encoding is at most
// MaxTokenEncodingLen bytes. The certificates of Identities are not
// encoded. Version 1 is version 2 without the fields after flags (and
// without the CookieMode flag).
//
// Times are kept to the nanosecond but lose their location (they decode in
// UTC) and monotonic reading; times outside the years 1678 to 2262 are
// refused. The encoding holds the key (and the bootstrap token) in clear:
// seal it (SealCookie) or store it where only the server can read it.
func (t *SessionToken) MarshalBinary() ([]byte, error) {
	return t.appendBinary(make([]byte, 0, t.encodedLen()))
}

// encodedLen returns the length of the encoding of t when it is valid.
func (t *SessionToken) encodedLen() int {
	n := 1 + 8*2 + 5*8 + 1 + 1 + len(t.ContextID) + len(t.KeyGeneration) + len(t.Key) +
		len(t.Claims.Username) + len(t.Claims.CertSubject) + len(t.Claims.CertThumbprintSHA256) +
		len(t.Endpoint) + len(t.AppContext)
	n += 1 + 2 + len(t.BootstrapToken) + 1
	for i := range t.Identities {
		id := &t.Identities[i]
		n += tAtomLen(id.AuthenticationMethod) + 1
		for _, c := range id.Claims {
			n += tAtomLen(c.Type) + tAtomLen(c.Value) + tAtomLen(c.Issuer)
		}
	}
	return n
}

// validate checks the fields of t against the bounds of the binary
// encoding, returning their time codes.
func (t *SessionToken) validate() (method byte, ns [5]int64, err error) {
	method, ok := tMethodCode(t.Claims.Method)
	if !ok {
		return 0, ns, fmt.Errorf("secureconv: session token: unknown authentication method %q", t.Claims.Method)
	}
	strs := [...]struct {
		name     string
		v        string
		min, max int
	}{
		{"context id", t.ContextID, 1, MaxContextIDLen},
		{"key generation", t.KeyGeneration, 0, MaxContextIDLen},
		{"user name", t.Claims.Username, 0, MaxUsernameLen},
		{"certificate subject", t.Claims.CertSubject, 0, MaxCertSubjectLen},
		{"endpoint", t.Endpoint, 0, MaxEndpointLen},
	}
	for _, s := range strs {
		if len(s.v) < s.min || len(s.v) > s.max || !utf8.ValidString(s.v) {
			return 0, ns, fmt.Errorf("secureconv: session token: %s: length %d outside %d..%d or not UTF-8", s.name, len(s.v), s.min, s.max)
		}
	}
	if len(t.Key) == 0 || len(t.Key) > MaxSessionKeyLen {
		return 0, ns, fmt.Errorf("secureconv: session token: key length %d outside 1..%d", len(t.Key), MaxSessionKeyLen)
	}
	if n := len(t.Claims.CertThumbprintSHA256); n != 0 && n != 32 {
		return 0, ns, fmt.Errorf("secureconv: session token: certificate thumbprint of %d bytes, want 32", n)
	}
	if len(t.AppContext) > MaxAppContextLen {
		return 0, ns, fmt.Errorf("secureconv: session token: application context of %d bytes exceeds %d", len(t.AppContext), MaxAppContextLen)
	}
	if len(t.BootstrapToken) > MaxBootstrapTokenLen {
		return 0, ns, fmt.Errorf("secureconv: session token: bootstrap token of %d bytes exceeds %d", len(t.BootstrapToken), MaxBootstrapTokenLen)
	}
	if t.Version != 0 && !t.Version.Valid() {
		return 0, ns, fmt.Errorf("secureconv: session token: unknown version %d", int(t.Version))
	}
	if err := validateIdentities(t.Identities); err != nil {
		return 0, ns, err
	}
	if n := t.encodedLen(); n > MaxTokenEncodingLen {
		return 0, ns, fmt.Errorf("%w: %d bytes exceed %d", ErrTokenTooLarge, n, MaxTokenEncodingLen)
	}
	for i, tm := range [...]time.Time{t.ValidFrom, t.ValidTo, t.KeyEffective, t.KeyExpiration, t.IssuedAt} {
		v, ok := tTimeCode(tm)
		if !ok {
			return 0, ns, fmt.Errorf("secureconv: session token: time %d outside the years 1678..2262", i)
		}
		ns[i] = v
	}
	return method, ns, nil
}

// appendBinary appends the encoding of t to b.
func (t *SessionToken) appendBinary(b []byte) ([]byte, error) {
	method, ns, err := t.validate()
	if err != nil {
		return nil, err
	}
	b = append(b, tEncodingV2)
	b = tAppendField(b, []byte(t.ContextID))
	b = tAppendField(b, []byte(t.KeyGeneration))
	b = tAppendField(b, t.Key)
	for _, v := range ns {
		b = binary.BigEndian.AppendUint64(b, uint64(v))
	}
	b = append(b, method)
	b = tAppendField(b, []byte(t.Claims.Username))
	b = tAppendField(b, []byte(t.Claims.CertSubject))
	b = tAppendField(b, t.Claims.CertThumbprintSHA256)
	b = tAppendField(b, []byte(t.Endpoint))
	b = tAppendField(b, t.AppContext)
	var flags byte
	if t.Persistent {
		flags |= tFlagPersistent
	}
	if t.CookieMode {
		flags |= tFlagCookieMode
	}
	b = append(b, flags, byte(t.Version))
	b = tAppendField(b, t.BootstrapToken)
	return appendIdentities(b, t.Identities), nil
}

func tAppendField(b, v []byte) []byte {
	b = binary.BigEndian.AppendUint16(b, uint16(len(v)))
	return append(b, v...)
}

func tMethodCode(m AuthMethod) (byte, bool) {
	switch m {
	case AuthNone:
		return tMethodNone, true
	case AuthAnonymous:
		return tMethodAnonymous, true
	case AuthUsername:
		return tMethodUsername, true
	case AuthCertificate:
		return tMethodCertificate, true
	}
	return 0, false
}

// tTimeCode returns the encoding of tm, false when it has no int64
// nanosecond form.
func tTimeCode(tm time.Time) (int64, bool) {
	if tm.IsZero() {
		return tZeroTime, true
	}
	// The zero time's code is taken, so the range starts one nanosecond
	// later.
	if tm.Before(time.Unix(0, tZeroTime+1)) || tm.After(time.Unix(0, math.MaxInt64)) {
		return 0, false
	}
	return tm.UnixNano(), true
}

// UnmarshalBinary decodes the encoding produced by MarshalBinary (version
// 2) or by the version 1 code into t, replacing all its fields. It refuses
// unknown versions, any length or count outside the bounds MarshalBinary
// enforces, strings that are not UTF-8, unknown methods, flags and atom
// codes, literal atoms that have a code, and trailing bytes, so that a
// decoded version 2 token encodes back to the same bytes (a version 1
// token encodes as version 2). The key and other byte fields are copied
// out of data.
func (t *SessionToken) UnmarshalBinary(data []byte) error {
	d := tDecoder{b: data}
	ver := d.byte()
	if ver != tEncodingV1 && ver != tEncodingV2 {
		if d.err != nil {
			return d.err
		}
		return fmt.Errorf("%w: version %d", errTokenEncoding, ver)
	}
	if len(data) > MaxTokenEncodingLen {
		return fmt.Errorf("%w: %d bytes exceed %d", errTokenEncoding, len(data), MaxTokenEncodingLen)
	}
	var n SessionToken
	n.ContextID = d.str("context id", 1, MaxContextIDLen)
	n.KeyGeneration = d.str("key generation", 0, MaxContextIDLen)
	key := d.field("key", 1, MaxSessionKeyLen)
	times := [...]*time.Time{&n.ValidFrom, &n.ValidTo, &n.KeyEffective, &n.KeyExpiration, &n.IssuedAt}
	for _, p := range times {
		if v := int64(d.uint64()); v != tZeroTime {
			*p = time.Unix(0, v).UTC()
		}
	}
	switch m := d.byte(); m {
	case tMethodNone:
	case tMethodAnonymous:
		n.Claims.Method = AuthAnonymous
	case tMethodUsername:
		n.Claims.Method = AuthUsername
	case tMethodCertificate:
		n.Claims.Method = AuthCertificate
	default:
		d.fail(fmt.Sprintf("authentication method %d", m))
	}
	n.Claims.Username = d.str("user name", 0, MaxUsernameLen)
	n.Claims.CertSubject = d.str("certificate subject", 0, MaxCertSubjectLen)
	thumb := d.field("certificate thumbprint", 0, 32)
	if len(thumb) != 0 && len(thumb) != 32 {
		d.fail("certificate thumbprint length")
	}
	n.Endpoint = d.str("endpoint", 0, MaxEndpointLen)
	app := d.field("application context", 0, MaxAppContextLen)
	known := byte(tFlagPersistent)
	if ver == tEncodingV2 {
		known |= tFlagCookieMode
	}
	switch f := d.byte(); {
	case f&^known != 0:
		d.fail("unknown flags")
	default:
		n.Persistent = f&tFlagPersistent != 0
		n.CookieMode = f&tFlagCookieMode != 0
	}
	var boot []byte
	if ver == tEncodingV2 {
		switch v := Version(d.byte()); {
		case v == 0 || v.Valid():
			n.Version = v
		default:
			d.fail(fmt.Sprintf("version %d", int(v)))
		}
		boot = d.field("bootstrap token", 0, MaxBootstrapTokenLen)
		n.Identities = d.identities()
	}
	if d.err == nil && len(d.b) != 0 {
		d.fail(fmt.Sprintf("%d trailing bytes", len(d.b)))
	}
	if d.err != nil {
		return d.err
	}
	// One allocation for the byte fields, as Clone does.
	buf := make([]byte, 0, len(key)+len(thumb)+len(app)+len(boot))
	n.Key = tCopyInto(&buf, key)
	if len(thumb) > 0 {
		n.Claims.CertThumbprintSHA256 = tCopyInto(&buf, thumb)
	}
	if len(app) > 0 {
		n.AppContext = tCopyInto(&buf, app)
	}
	if len(boot) > 0 {
		n.BootstrapToken = tCopyInto(&buf, boot)
	}
	*t = n
	return nil
}

// tDecoder reads the binary encoding; after the first error every read
// returns zero values and the error is kept.
type tDecoder struct {
	b   []byte
	err error
}

func (d *tDecoder) fail(what string) {
	if d.err == nil {
		d.err = fmt.Errorf("%w: %s", errTokenEncoding, what)
	}
	d.b = nil
}

func (d *tDecoder) byte() byte {
	if len(d.b) < 1 {
		d.fail("truncated")
		return 0
	}
	v := d.b[0]
	d.b = d.b[1:]
	return v
}

func (d *tDecoder) uint64() uint64 {
	if len(d.b) < 8 {
		d.fail("truncated")
		return 0
	}
	v := binary.BigEndian.Uint64(d.b)
	d.b = d.b[8:]
	return v
}

// field reads a length-prefixed field of min..max bytes, returning a
// sub-slice of the input.
func (d *tDecoder) field(name string, min, max int) []byte {
	if len(d.b) < 2 {
		d.fail("truncated")
		return nil
	}
	n := int(binary.BigEndian.Uint16(d.b))
	if n < min || n > max {
		d.fail(fmt.Sprintf("%s length %d outside %d..%d", name, n, min, max))
		return nil
	}
	if len(d.b)-2 < n {
		d.fail("truncated")
		return nil
	}
	v := d.b[2 : 2+n : 2+n]
	d.b = d.b[2+n:]
	return v
}

func (d *tDecoder) str(name string, min, max int) string {
	v := d.field(name, min, max)
	if !utf8.Valid(v) {
		d.fail(name + " is not UTF-8")
		return ""
	}
	return string(v)
}
