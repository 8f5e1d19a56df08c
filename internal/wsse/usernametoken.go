package wsse

import (
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/beevik/etree"
	"github.com/soapstack/soapstack/internal/xmlutil"
)

// Size limits of UsernameToken fields.
const (
	// MaxNonceSize is the largest decoded wsse:Nonce accepted (WSS4J and
	// this package send 16 bytes).
	MaxNonceSize = 64
	// NonceSize is the size of the nonces this package writes.
	NonceSize = 16

	maxUsernameLen = 1024
	MaxPasswordLen = 4096
	maxNonceText   = 1024
	SHA1Size       = 20
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

// UsernameTokenParams describes a UsernameToken to write.
type UsernameTokenParams struct {
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

// NewUsernameToken returns a standalone wsse:UsernameToken element written
// as WSS4J writes it: Username, Password with its Type, then Nonce (16
// random bytes, EncodingType Base64Binary) and wsu:Created.
func NewUsernameToken(p UsernameTokenParams) (*etree.Element, error) {
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
		created = FormatTime(p.Created)
	}
	ut := NewTokenElement(PrefixWSSE, NSWSSE, "UsernameToken")
	if p.ID != "" {
		SetWSUID(ut, p.ID)
	}
	ut.CreateElement(PrefixWSSE + ":Username").SetText(p.Username)
	pw := ut.CreateElement(PrefixWSSE + ":Password")
	if p.Digest {
		pw.CreateAttr("Type", URIPasswordDigest)
		pw.SetText(base64.StdEncoding.EncodeToString(PasswordDigest(nonce, created, p.Password)))
	} else {
		pw.CreateAttr("Type", URIPasswordText)
		pw.SetText(p.Password)
	}
	if nonce != nil {
		n := ut.CreateElement(PrefixWSSE + ":Nonce")
		n.CreateAttr("EncodingType", URIBase64Binary)
		n.SetText(base64.StdEncoding.EncodeToString(nonce))
	}
	if created != "" {
		wsu := DeclareNS(ut, PrefixWSU, NSWSU)
		ut.CreateElement(wsu + ":Created").SetText(created)
	}
	return ut, nil
}

// PasswordDigest returns SHA-1(nonce + created + password) (UsernameToken
// Profile 1.0, section 3.1).
func PasswordDigest(nonce []byte, created, password string) []byte {
	h := sha1.New()
	h.Write(nonce)
	_, _ = io.WriteString(h, created)
	_, _ = io.WriteString(h, password)
	return h.Sum(nil)
}

// ParseUsernameToken reads a wsse:UsernameToken: exactly one wsse:Username,
// at most one wsse:Password (Type PasswordText when absent, or
// PasswordDigest), at most one wsse:Nonce (Base64Binary, 1 to MaxNonceSize
// bytes) and at most one wsu:Created (UTC); other children are refused.
// Errors wrap ErrInvalidToken (ErrInvalidSecurity for malformed XML
// content) and never contain the password.
func ParseUsernameToken(el *etree.Element) (*UsernameTokenData, error) {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: username token: "+format, append([]any{ErrInvalidToken}, args...)...)
	}
	if !xmlutil.Is(el, NSWSSE, "UsernameToken") {
		return nil, bad("not a wsse:UsernameToken")
	}
	children, err := elementChildren(el)
	if err != nil {
		return nil, err
	}
	ut := &UsernameTokenData{ID: WSUID(el), Element: el}
	var user, pass, nonce, created *etree.Element
	for _, c := range children {
		var slot **etree.Element
		switch {
		case xmlutil.Is(c, NSWSSE, "Username"):
			slot = &user
		case xmlutil.Is(c, NSWSSE, "Password"):
			slot = &pass
		case xmlutil.Is(c, NSWSSE, "Nonce"):
			slot = &nonce
		case xmlutil.Is(c, NSWSU, "Created"):
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
	if TrimXMLSpace(ut.Username) == "" {
		return nil, bad("empty Username")
	}
	if pass != nil {
		ut.PasswordType = URIPasswordText
		if a := xmlutil.AttrNS(pass, "", "Type"); a != nil {
			switch t := TrimXMLSpace(a.Value); t {
			case URIPasswordText, URIPasswordDigest:
				ut.PasswordType = t
			default:
				return nil, bad("unsupported password type %q", t)
			}
		}
		pw, err := textContent(pass, MaxPasswordLen)
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
		if ut.Nonce, err = DecodeBase64(s, MaxNonceSize); err != nil {
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
		if ut.Created, err = ParseDateTime(ut.CreatedText); err != nil {
			return nil, bad("Created: %v", err)
		}
	}
	return ut, nil
}
