package wssecurity

import (
	"context"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/beevik/etree"
	"github.com/soapstack/soapstack/soap"
)

// Size limits of UsernameToken fields.
const (
	// MaxNonceSize is the largest decoded wsse:Nonce accepted (WSS4J and
	// this package send 16 bytes).
	MaxNonceSize = 64
	// NonceSize is the size of the nonces this package writes.
	NonceSize = 16

	maxUsernameLen = 1024
	maxPasswordLen = 4096
	maxNonceText   = 1024
	sha1Size       = 20
)

// Secret is a string that is never shown when formatted, logged or
// marshalled; convert it with string(s) to use the value.
type Secret string

// String returns a placeholder.
func (Secret) String() string { return "[redacted]" }

// GoString returns a placeholder.
func (Secret) GoString() string { return `"[redacted]"` }

// Format writes a placeholder whatever the verb.
func (Secret) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, "[redacted]") }

// LogValue returns a placeholder for log/slog.
func (Secret) LogValue() slog.Value { return slog.StringValue("[redacted]") }

// MarshalText returns a placeholder, so that encoders never write the value.
func (Secret) MarshalText() ([]byte, error) { return []byte("[redacted]"), nil }

// UsernameTokenData is a parsed wsse:UsernameToken. (The name UsernameToken
// is the policy's token kind.)
type UsernameTokenData struct {
	// ID is the wsu:Id, or "".
	ID string
	// Username is the text of wsse:Username, as sent.
	Username string
	// Password is the text of wsse:Password: the clear-text password or the
	// base64 digest, depending on PasswordType.
	Password Secret
	// PasswordType is URIPasswordText or URIPasswordDigest, or "" when the
	// token has no wsse:Password.
	PasswordType string
	// Nonce is the decoded wsse:Nonce, or nil.
	Nonce []byte
	// Created is the wsu:Created time in UTC, or the zero time.
	Created time.Time
	// CreatedText is the text of wsu:Created as sent (the digest input).
	CreatedText string
	// Element is the element the token was read from.
	Element *etree.Element
}

// usernameTokenParams describes a UsernameToken to write.
type usernameTokenParams struct {
	// ID is the wsu:Id to write, or "".
	ID       string
	Username string
	Password string
	// Digest selects PasswordDigest: Base64(SHA-1(nonce + created +
	// password)) with a fresh Nonce and wsu:Created. Otherwise the password
	// is sent as PasswordText.
	Digest bool
	// Created is the wsu:Created time; required with Digest, written when
	// not zero otherwise.
	Created time.Time
	// Nonce adds a wsse:Nonce to a PasswordText token (a PasswordDigest
	// token always has one).
	Nonce bool
	// Rand is the source of nonces (crypto/rand when nil).
	Rand io.Reader
}

// newUsernameToken returns a standalone wsse:UsernameToken element written
// as WSS4J writes it: Username, Password with its Type, then Nonce (16
// random bytes, EncodingType Base64Binary) and wsu:Created.
func newUsernameToken(p usernameTokenParams) (*etree.Element, error) {
	if p.Digest && p.Created.IsZero() {
		return nil, errors.New("wssecurity: a PasswordDigest UsernameToken needs a Created time")
	}
	var nonce []byte
	if p.Digest || p.Nonce {
		r := p.Rand
		if r == nil {
			r = rand.Reader
		}
		nonce = make([]byte, NonceSize)
		if _, err := io.ReadFull(r, nonce); err != nil {
			return nil, fmt.Errorf("wssecurity: nonce: %w", err)
		}
	}
	created := ""
	if !p.Created.IsZero() {
		created = formatTime(p.Created)
	}
	ut := newTokenElement(prefixWSSE, NSWSSE, "UsernameToken")
	if p.ID != "" {
		setWSUID(ut, p.ID)
	}
	ut.CreateElement(prefixWSSE + ":Username").SetText(p.Username)
	pw := ut.CreateElement(prefixWSSE + ":Password")
	if p.Digest {
		pw.CreateAttr("Type", URIPasswordDigest)
		pw.SetText(base64.StdEncoding.EncodeToString(passwordDigest(nonce, created, p.Password)))
	} else {
		pw.CreateAttr("Type", URIPasswordText)
		pw.SetText(p.Password)
	}
	if nonce != nil {
		n := ut.CreateElement(prefixWSSE + ":Nonce")
		n.CreateAttr("EncodingType", URIBase64Binary)
		n.SetText(base64.StdEncoding.EncodeToString(nonce))
	}
	if created != "" {
		wsu := declareNS(ut, prefixWSU, NSWSU)
		ut.CreateElement(wsu + ":Created").SetText(created)
	}
	return ut, nil
}

// passwordDigest returns SHA-1(nonce + created + password) (UsernameToken
// Profile 1.0, section 3.1).
func passwordDigest(nonce []byte, created, password string) []byte {
	h := sha1.New()
	h.Write(nonce)
	_, _ = io.WriteString(h, created)
	_, _ = io.WriteString(h, password)
	return h.Sum(nil)
}

// parseUsernameToken reads a wsse:UsernameToken: exactly one wsse:Username,
// at most one wsse:Password (Type PasswordText when absent, or
// PasswordDigest), at most one wsse:Nonce (Base64Binary, 1 to MaxNonceSize
// bytes) and at most one wsu:Created (UTC); other children are refused.
// Errors wrap ErrInvalidToken (ErrInvalidSecurity for malformed XML
// content) and never contain the password.
func parseUsernameToken(el *etree.Element) (*UsernameTokenData, error) {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: username token: "+format, append([]any{ErrInvalidToken}, args...)...)
	}
	if !soap.Is(el, NSWSSE, "UsernameToken") {
		return nil, bad("not a wsse:UsernameToken")
	}
	children, err := elementChildren(el)
	if err != nil {
		return nil, err
	}
	ut := &UsernameTokenData{ID: wsuID(el), Element: el}
	var user, pass, nonce, created *etree.Element
	for _, c := range children {
		var slot **etree.Element
		switch {
		case soap.Is(c, NSWSSE, "Username"):
			slot = &user
		case soap.Is(c, NSWSSE, "Password"):
			slot = &pass
		case soap.Is(c, NSWSSE, "Nonce"):
			slot = &nonce
		case soap.Is(c, NSWSU, "Created"):
			slot = &created
		default:
			return nil, bad("unexpected element %s", c.Tag)
		}
		if *slot != nil {
			return nil, bad("more than one %s", c.Tag)
		}
		*slot = c
	}
	if user == nil {
		return nil, bad("no Username")
	}
	if ut.Username, err = textContent(user, maxUsernameLen); err != nil {
		return nil, err
	}
	if trimXMLSpace(ut.Username) == "" {
		return nil, bad("empty Username")
	}
	if pass != nil {
		ut.PasswordType = URIPasswordText
		if a := soap.AttrNS(pass, "", "Type"); a != nil {
			switch t := trimXMLSpace(a.Value); t {
			case URIPasswordText, URIPasswordDigest:
				ut.PasswordType = t
			default:
				return nil, bad("unsupported password type %q", t)
			}
		}
		pw, err := textContent(pass, maxPasswordLen)
		if err != nil {
			return nil, err // names the element and the limit, never the text
		}
		ut.Password = Secret(pw)
	}
	if nonce != nil {
		if !encodingTypeOK(nonce) {
			return nil, bad("unsupported Nonce EncodingType")
		}
		s, err := textContent(nonce, maxNonceText)
		if err != nil {
			return nil, err
		}
		if ut.Nonce, err = decodeBase64(s, MaxNonceSize); err != nil {
			return nil, bad("Nonce: %v", err)
		}
		if len(ut.Nonce) == 0 {
			return nil, bad("empty Nonce")
		}
	}
	if created != nil {
		if ut.CreatedText, err = textContent(created, maxDateTimeText); err != nil {
			return nil, err
		}
		if ut.Created, err = parseDateTime(ut.CreatedText); err != nil {
			return nil, bad("Created: %v", err)
		}
	}
	return ut, nil
}

// UsernameTokenVerifier authenticates UsernameTokens with
// application-supplied password functions, and implements
// UsernameValidator.
//
// PasswordText tokens are checked with CheckPassword, or, when it is nil,
// compared in constant time with the password from LookupPassword.
// PasswordDigest tokens need LookupPassword, a Nonce and a wsu:Created; the
// digest is compared in constant time. Every failure wraps
// ErrFailedAuthentication.
//
// The verifier checks the password only. The receiver checks, for every
// UsernameValidator and with its Config's one clock and replay cache, that
// a wsu:Created is no more than the policy's MaxClockSkew in the future and
// no older than TimestampTTL+MaxClockSkew, and, once the whole message
// verified, records the nonce (decoded, with the Created time) so that the
// same nonce is refused however it is base64-encoded.
type UsernameTokenVerifier struct {
	CheckPassword  PasswordChecker
	LookupPassword PasswordLookup
}

// ValidateUsernameToken implements UsernameValidator.
func (v *UsernameTokenVerifier) ValidateUsernameToken(ctx context.Context, ut *UsernameTokenData) error {
	fail := func(format string, args ...any) error {
		return fmt.Errorf("%w: "+format, append([]any{ErrFailedAuthentication}, args...)...)
	}
	if ut.PasswordType == URIPasswordDigest {
		if len(ut.Nonce) == 0 {
			return fail("PasswordDigest without Nonce")
		}
		if ut.CreatedText == "" || ut.Created.IsZero() {
			return fail("PasswordDigest without Created")
		}
	}
	switch ut.PasswordType {
	case URIPasswordText:
		switch {
		case v.CheckPassword != nil:
			if err := v.CheckPassword(ctx, ut.Username, string(ut.Password)); err != nil {
				return fail("password rejected: %w", err)
			}
		case v.LookupPassword != nil:
			want, err := v.LookupPassword(ctx, ut.Username)
			if err != nil {
				return fail("password lookup: %w", err)
			}
			// Compare fixed-size hashes so that the time taken does not
			// depend on the password length either.
			a, b := sha256.Sum256([]byte(want)), sha256.Sum256([]byte(ut.Password))
			if subtle.ConstantTimeCompare(a[:], b[:]) != 1 {
				return fail("wrong password")
			}
		default:
			return fail("no password checker configured")
		}
	case URIPasswordDigest:
		if v.LookupPassword == nil {
			return fail("PasswordDigest needs a password lookup")
		}
		got, err := decodeBase64(string(ut.Password), sha1Size)
		if err != nil || len(got) != sha1Size {
			return fail("malformed password digest")
		}
		want, err := v.LookupPassword(ctx, ut.Username)
		if err != nil {
			return fail("password lookup: %w", err)
		}
		if subtle.ConstantTimeCompare(passwordDigest(ut.Nonce, ut.CreatedText, want), got) != 1 {
			return fail("wrong password")
		}
	case "":
		return fail("username token without password")
	default:
		return fail("unsupported password type")
	}
	return nil
}

// checkUsernameTokenTime checks a token's wsu:Created at now: at most skew
// in the future and, with maxAge > 0, no older than maxAge+skew. Errors wrap
// ErrFailedAuthentication.
func checkUsernameTokenTime(ut *UsernameTokenData, now time.Time, skew, maxAge time.Duration) error {
	if ut.Created.IsZero() {
		return nil
	}
	if ut.Created.After(now.Add(skew)) {
		return fmt.Errorf("%w: username token created in the future (%s, now %s)", ErrFailedAuthentication, formatTime(ut.Created), formatTime(now))
	}
	if maxAge > 0 && ut.Created.Add(maxAge+skew).Before(now) {
		return fmt.Errorf("%w: username token created at %s is older than %s (now %s)", ErrFailedAuthentication, formatTime(ut.Created), maxAge, formatTime(now))
	}
	return nil
}

// recordUsernameToken records the nonce of an authenticated token in cache
// until Created+maxAge+skew (now+maxAge+skew without Created), refusing a
// nonce seen before (ErrReplay with ErrFailedAuthentication). A token
// without a nonce carries no replay material and is not recorded. Errors
// of the cache itself are not the sender's fault.
func recordUsernameToken(ctx context.Context, cache ReplayCache, ut *UsernameTokenData, now time.Time, skew, maxAge time.Duration) error {
	if cache == nil || len(ut.Nonce) == 0 {
		return nil
	}
	base := ut.Created
	if base.IsZero() {
		base = now
	}
	replayed, err := cache.Seen(ctx, usernameReplayKey(ut), now, base.Add(maxAge+skew))
	if err != nil {
		return fmt.Errorf("wssecurity: username token replay check: %w", err)
	}
	if replayed {
		return fmt.Errorf("%w: %w: username token nonce reused", ErrFailedAuthentication, ErrReplay)
	}
	return nil
}

// usernameReplayKey is "UT" + decoded nonce + Created (Unix seconds and
// nanoseconds, big-endian; zeros when absent).
func usernameReplayKey(ut *UsernameTokenData) []byte {
	k := make([]byte, 0, 2+len(ut.Nonce)+12)
	k = append(k, "UT"...)
	k = append(k, ut.Nonce...)
	var sec int64
	var nsec int
	if !ut.Created.IsZero() {
		sec, nsec = ut.Created.Unix(), ut.Created.Nanosecond()
	}
	k = binary.BigEndian.AppendUint64(k, uint64(sec))
	return binary.BigEndian.AppendUint32(k, uint32(nsec))
}
