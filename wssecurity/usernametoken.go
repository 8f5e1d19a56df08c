package wssecurity

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/binary"
	"fmt"
	"time"

	"github.com/soapstack/soapstack/internal/wsse"
)

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
		got, err := wsse.DecodeBase64(string(ut.Password), wsse.SHA1Size)
		if err != nil || len(got) != wsse.SHA1Size {
			return fail("malformed password digest")
		}
		want, err := v.LookupPassword(ctx, ut.Username)
		if err != nil {
			return fail("password lookup: %w", err)
		}
		if subtle.ConstantTimeCompare(wsse.PasswordDigest(ut.Nonce, ut.CreatedText, want), got) != 1 {
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
		return fmt.Errorf("%w: username token created in the future (%s, now %s)", ErrFailedAuthentication, wsse.FormatTime(ut.Created), wsse.FormatTime(now))
	}
	if maxAge > 0 && ut.Created.Add(maxAge+skew).Before(now) {
		return fmt.Errorf("%w: username token created at %s is older than %s (now %s)", ErrFailedAuthentication, wsse.FormatTime(ut.Created), maxAge, wsse.FormatTime(now))
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

// Secret is a string that is never shown when formatted, logged or
// marshalled (a placeholder is written instead); convert it with string(s)
// to use the value.
type Secret = wsse.Secret

// UsernameTokenData is a parsed wsse:UsernameToken, as a UsernameValidator
// receives it: ID, Username, Password (a Secret: the clear-text password or
// the base64 digest), PasswordType (URIPasswordText or URIPasswordDigest,
// or "" without a password), the decoded Nonce, Created (UTC) and
// CreatedText as sent, and the Element it was read from. (The name
// UsernameToken is the policy's token kind.)
type UsernameTokenData = wsse.UsernameTokenData

// Password types of a UsernameTokenData.
const (
	URIPasswordText   = wsse.URIPasswordText
	URIPasswordDigest = wsse.URIPasswordDigest
)
