package wsse

import (
	"fmt"
	"time"

	"github.com/beevik/etree"
	"github.com/soapstack/soapstack/internal/xmlutil"
)

// timeLayout is the form in which this package writes wsu:Created and
// wsu:Expires: UTC, millisecond precision and a 'Z', as WCF and WSS4J do.
const timeLayout = "2006-01-02T15:04:05.000Z"

// Bounds of a dateTime value we parse: its lexical form, and the text of
// its element (which may add whitespace).
const (
	maxDateTimeLen  = 64
	maxDateTimeText = 256
)

// Timestamp is a parsed wsu:Timestamp.
type Timestamp struct {
	// ID is the wsu:Id, or "".
	ID string
	// Created is the creation time, in UTC.
	Created time.Time
	// Expires is the expiration time in UTC, or the zero time when the
	// Timestamp has no wsu:Expires.
	Expires time.Time
	// Element is the element the Timestamp was read from.
	Element *etree.Element
}

// FormatTime returns t in TimeLayout (UTC, milliseconds, truncated).
func FormatTime(t time.Time) string { return t.UTC().Format(timeLayout) }

// NewTimestamp returns a standalone wsu:Timestamp element with wsu:Created
// now and wsu:Expires now+ttl (omitted when ttl <= 0), both in TimeLayout,
// and a wsu:Id when id is not empty.
func NewTimestamp(now time.Time, ttl time.Duration, id string) *etree.Element {
	ts := NewTokenElement(PrefixWSU, NSWSU, "Timestamp")
	if id != "" {
		ts.CreateAttr(PrefixWSU+":Id", id)
	}
	xmlutil.AddTextElement(ts, PrefixWSU, "Created", FormatTime(now))
	if ttl > 0 {
		xmlutil.AddTextElement(ts, PrefixWSU, "Expires", FormatTime(now.Add(ttl)))
	}
	return ts
}

// ParseTimestamp reads a wsu:Timestamp under the rules of the WS-I Basic
// Security Profile 1.1: exactly one wsu:Created, at most one wsu:Expires
// after it (R3221, R3222, R3203, R3224), no other child elements, no
// ValueType on either (R3225, R3226), values in UTC (R3213, R3217; written
// 'Z' or "+00:00"), and Created strictly before Expires. Errors wrap
// ErrInvalidSecurity.
func ParseTimestamp(el *etree.Element) (*Timestamp, error) {
	if !xmlutil.Is(el, NSWSU, "Timestamp") {
		return nil, fmt.Errorf("%w: not a wsu:Timestamp", ErrInvalidSecurity)
	}
	children, err := elementChildren(el)
	if err != nil {
		return nil, err
	}
	ts := &Timestamp{ID: WSUID(el), Element: el}
	var created, expires *etree.Element
	for _, c := range children {
		switch {
		case xmlutil.Is(c, NSWSU, "Created"):
			if created != nil {
				return nil, fmt.Errorf("%w: timestamp has more than one Created", ErrInvalidSecurity)
			}
			if expires != nil {
				return nil, fmt.Errorf("%w: timestamp Created follows Expires", ErrInvalidSecurity)
			}
			created = c
		case xmlutil.Is(c, NSWSU, "Expires"):
			if expires != nil {
				return nil, fmt.Errorf("%w: timestamp has more than one Expires", ErrInvalidSecurity)
			}
			expires = c
		default:
			return nil, fmt.Errorf("%w: unexpected element %s in timestamp", ErrInvalidSecurity, c.Tag)
		}
	}
	if created == nil {
		return nil, fmt.Errorf("%w: timestamp has no Created", ErrInvalidSecurity)
	}
	if ts.Created, err = timestampValue(created); err != nil {
		return nil, err
	}
	if expires != nil {
		if ts.Expires, err = timestampValue(expires); err != nil {
			return nil, err
		}
		if !ts.Created.Before(ts.Expires) {
			return nil, fmt.Errorf("%w: timestamp Expires (%s) is not after Created (%s)",
				ErrInvalidSecurity, FormatTime(ts.Expires), FormatTime(ts.Created))
		}
	}
	return ts, nil
}

// timestampValue reads the dateTime of a wsu:Created or wsu:Expires.
func timestampValue(el *etree.Element) (time.Time, error) {
	if xmlutil.AttrNS(el, "", "ValueType") != nil {
		return time.Time{}, fmt.Errorf("%w: timestamp %s has a ValueType", ErrInvalidSecurity, el.Tag)
	}
	s, err := textContent(el, maxDateTimeText)
	if err != nil {
		return time.Time{}, err
	}
	t, err := ParseDateTime(s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%w: timestamp %s: %w", ErrInvalidSecurity, el.Tag, err)
	}
	return t, nil
}

// Check validates the Timestamp at time now, allowing maxSkew of clock
// difference with the sender: a Created more than maxSkew in the future is
// rejected (ErrCreatedInFuture); an Expires more than maxSkew in the past
// means the message expired (ErrExpired); with maxAge > 0, a Created older
// than maxAge+maxSkew is stale (ErrExpired), which bounds messages whose
// Expires lies far ahead.
func (ts *Timestamp) Check(now time.Time, maxSkew, maxAge time.Duration) error {
	if ts.Created.After(now.Add(maxSkew)) {
		return fmt.Errorf("%w (%s, now %s)", ErrCreatedInFuture, FormatTime(ts.Created), FormatTime(now))
	}
	if !ts.Expires.IsZero() && !now.Before(ts.Expires.Add(maxSkew)) {
		return fmt.Errorf("%w: timestamp expired at %s (now %s)", ErrExpired, FormatTime(ts.Expires), FormatTime(now))
	}
	if maxAge > 0 && ts.Created.Add(maxAge+maxSkew).Before(now) {
		return fmt.Errorf("%w: timestamp created at %s is older than %s (now %s)", ErrExpired, FormatTime(ts.Created), maxAge, FormatTime(now))
	}
	return nil
}

// ParseDateTime parses an xsd:dateTime that must be in UTC, as WS-Security
// requires for wsu:Created and wsu:Expires: YYYY-MM-DDThh:mm:ss with an
// optional fraction of any length (kept to the nanosecond), followed by 'Z'
// or "+00:00". Surrounding XML whitespace is ignored (xsd whiteSpace
// collapse). A missing zone, any other offset, "-00:00", negative or
// five-digit years, hour 24 and leap seconds are rejected.
func ParseDateTime(s string) (time.Time, error) {
	s = TrimXMLSpace(s)
	if len(s) > maxDateTimeLen {
		return time.Time{}, fmt.Errorf("dateTime longer than %d bytes", maxDateTimeLen)
	}
	bad := func(why string) (time.Time, error) {
		return time.Time{}, fmt.Errorf("invalid dateTime %q: %s", s, why)
	}
	// YYYY-MM-DDThh:mm:ss is 19 bytes.
	if len(s) < 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' {
		return bad("not YYYY-MM-DDThh:mm:ss")
	}
	num := func(i, n int) (int, bool) {
		v := 0
		for _, c := range []byte(s[i : i+n]) {
			if c < '0' || c > '9' {
				return 0, false
			}
			v = v*10 + int(c-'0')
		}
		return v, true
	}
	year, ok1 := num(0, 4)
	month, ok2 := num(5, 2)
	day, ok3 := num(8, 2)
	hour, ok4 := num(11, 2)
	minute, ok5 := num(14, 2)
	sec, ok6 := num(17, 2)
	if !ok1 || !ok2 || !ok3 || !ok4 || !ok5 || !ok6 {
		return bad("non-digit in date or time")
	}
	if year < 1 || month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || sec > 59 {
		return bad("field out of range")
	}
	if day > time.Date(year, time.Month(month)+1, 0, 0, 0, 0, 0, time.UTC).Day() {
		return bad("day out of range")
	}
	rest := s[19:]
	nsec := 0
	if rest[0] == '.' {
		i := 1
		scale := 100000000
		for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
			nsec += int(rest[i]-'0') * scale
			scale /= 10
			i++
		}
		if i == 1 {
			return bad("empty fraction")
		}
		rest = rest[i:]
	}
	switch rest {
	case "Z", "+00:00":
	case "":
		return bad("no time zone (UTC required)")
	default:
		return bad("time zone is not UTC")
	}
	return time.Date(year, time.Month(month), day, hour, minute, sec, nsec, time.UTC), nil
}
