package wire

import (
	"encoding/xml"
	"strconv"
	"strings"
	"time"

	"github.com/beevik/etree"
	"github.com/soapstack/soapstack/internal/xmlutil"
)

// Bounds of the parsers.
const (
	// MaxIdentifierLen bounds an Identifier and an address (bytes).
	MaxIdentifierLen = 512
	// MaxMessageNumber is the largest message number (WCF reads numbers as
	// Int64).
	MaxMessageNumber = 1<<63 - 1
	// MaxRanges bounds the AcknowledgementRange (and Nack) count of one
	// acknowledgement.
	MaxRanges = 256
	// MaxExtensions bounds the extension children of one element.
	MaxExtensions = 16
	// maxText bounds the text of a simple element before trimming.
	maxText = 4 * MaxIdentifierLen
	// maxChildren bounds the child elements of any element read.
	maxChildren = MaxRanges + MaxExtensions + 8
)

func isSpace(r rune) bool { return r == ' ' || r == '\t' || r == '\r' || r == '\n' }

func trim(s string) string { return strings.TrimFunc(s, isSpace) }

func qname(n xml.Name) string {
	if n.Space == "" {
		return n.Local
	}
	return "{" + n.Space + "}" + n.Local
}

// children returns the child elements of el; character data between them
// must be whitespace.
func children(el *etree.Element) ([]*etree.Element, error) {
	var out []*etree.Element
	for _, t := range el.Child {
		switch t := t.(type) {
		case *etree.Element:
			if len(out) == maxChildren {
				return nil, malformed(el.Tag, ErrTooMany, "more than %d children", maxChildren)
			}
			out = append(out, t)
		case *etree.CharData:
			if trim(t.Data) != "" {
				return nil, malformed(el.Tag, ErrUnexpectedText, "text between elements")
			}
		}
	}
	return out, nil
}

// text returns the trimmed character data of el, which must have no child
// elements.
func text(el *etree.Element) (string, error) {
	var b strings.Builder
	for _, t := range el.Child {
		switch t := t.(type) {
		case *etree.Element:
			return "", malformed(el.Tag, ErrUnknownChild, "element in a simple value")
		case *etree.CharData:
			if b.Len()+len(t.Data) > maxText {
				return "", malformed(el.Tag, ErrUnexpectedText, "text longer than %d bytes", maxText)
			}
			b.WriteString(t.Data)
		}
	}
	return trim(b.String()), nil
}

// empty checks that el has no content (whitespace allowed).
func empty(el *etree.Element) error {
	for _, t := range el.Child {
		switch t := t.(type) {
		case *etree.Element:
			return malformed(el.Tag, ErrUnknownChild, "content in an empty element")
		case *etree.CharData:
			if trim(t.Data) != "" {
				return malformed(el.Tag, ErrUnexpectedText, "text in an empty element")
			}
		}
	}
	return nil
}

// attrs checks the attributes of el: namespace declarations and
// namespace-qualified attributes are allowed (xs:anyAttribute
// namespace="##other"), unqualified ones only when listed.
func attrs(el *etree.Element, allowed ...string) error {
	for _, a := range el.Attr {
		if a.Space == "xmlns" || (a.Space == "" && a.Key == "xmlns") || a.Space != "" {
			continue
		}
		ok := false
		for _, k := range allowed {
			if a.Key == k {
				ok = true
			}
		}
		if !ok {
			return malformed(el.Tag, ErrUnknownAttr, "attribute %s", a.Key)
		}
	}
	return nil
}

// identifier checks an opaque identifier URI: non-empty, bounded, no
// inner whitespace. No UUID syntax is required: peers send
// "urn:uuid:" ids that are not valid UUIDs and "uuid:" without "urn:".
func identifier(where, s string) (string, error) {
	switch {
	case s == "":
		return "", malformed(where, ErrIdentifier, "empty")
	case len(s) > MaxIdentifierLen:
		return "", malformed(where, ErrIdentifier, "longer than %d bytes", MaxIdentifierLen)
	case strings.ContainsFunc(s, isSpace):
		return "", malformed(where, ErrIdentifier, "contains whitespace")
	}
	for _, r := range s {
		if r < 0x21 || r == 0x7f {
			return "", malformed(where, ErrIdentifier, "control character")
		}
	}
	return s, nil
}

// identifierText reads el as an Identifier.
func identifierText(el *etree.Element) (string, error) {
	if err := attrs(el); err != nil {
		return "", err
	}
	s, err := text(el)
	if err != nil {
		return "", err
	}
	return identifier(el.Tag, s)
}

// parseUnsigned reads an xs:unsignedLong: decimal digits only (an optional
// leading '+' as the schema allows), at most MaxMessageNumber. Larger values
// wrap ErrMessageNumberRollover.
func parseUnsigned(where, s string) (uint64, error) {
	d := strings.TrimPrefix(s, "+")
	if d == "" || len(d) > 40 {
		return 0, malformed(where, ErrNumber, "not a number")
	}
	for i := 0; i < len(d); i++ {
		if d[i] < '0' || d[i] > '9' {
			return 0, malformed(where, ErrNumber, "not a number")
		}
	}
	n, err := strconv.ParseUint(d, 10, 64)
	if err != nil || n > MaxMessageNumber {
		return 0, &Error{Class: ErrMessageNumberRollover, Check: ErrNumber, Where: where, Detail: "above the maximum message number"}
	}
	return n, nil
}

// number reads a message number (1..MaxMessageNumber) from el.
func number(el *etree.Element) (uint64, error) {
	if err := attrs(el); err != nil {
		return 0, err
	}
	s, err := text(el)
	if err != nil {
		return 0, err
	}
	n, err := parseUnsigned(el.Tag, s)
	if err != nil {
		return 0, err
	}
	if n == 0 {
		return 0, malformed(el.Tag, ErrNumber, "zero")
	}
	return n, nil
}

func formatUint(n uint64) string { return strconv.FormatUint(n, 10) }

// maxDuration bounds an Expires value (about 290 years: time.Duration).
const maxDuration = time.Duration(1<<63 - 1)

// parseDuration reads an xs:duration made of days, hours, minutes and
// seconds (years and months are refused unless zero: they have no fixed
// length). "PT0S" is zero.
func parseDuration(where, s string) (time.Duration, error) {
	bad := func() (time.Duration, error) { return 0, malformed(where, ErrDuration, "unsupported duration") }
	if !strings.HasPrefix(s, "P") || len(s) < 3 || len(s) > 64 {
		return bad()
	}
	rest := s[1:]
	var total float64
	inTime := false
	seen := ""
	for rest != "" {
		if rest[0] == 'T' {
			if inTime || len(rest) == 1 {
				return bad()
			}
			inTime = true
			rest = rest[1:]
			continue
		}
		i := 0
		for i < len(rest) && (rest[i] >= '0' && rest[i] <= '9' || rest[i] == '.') {
			i++
		}
		if i == 0 || i == len(rest) {
			return bad()
		}
		num, unit := rest[:i], rest[i]
		rest = rest[i+1:]
		if strings.Count(num, ".") > 1 || (strings.Contains(num, ".") && !(inTime && unit == 'S')) {
			return bad()
		}
		key := string(unit)
		if inTime {
			key = "T" + key
		}
		order := "YMDTHTMTS"
		pos := strings.Index(order, key)
		if pos < 0 || (seen != "" && pos <= strings.Index(order, seen)) {
			return bad()
		}
		seen = key
		f, err := strconv.ParseFloat(num, 64)
		if err != nil {
			return bad()
		}
		switch key {
		case "Y", "M":
			if f != 0 {
				return bad()
			}
		case "D":
			total += f * 86400
		case "TH":
			total += f * 3600
		case "TM":
			total += f * 60
		case "TS":
			total += f
		}
	}
	if seen == "" || total*1e9 >= float64(maxDuration) {
		return bad()
	}
	return time.Duration(total * 1e9), nil
}

// formatDuration writes d as xs:duration seconds ("PT3600S", "PT0.5S").
func formatDuration(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	s := strconv.FormatFloat(d.Seconds(), 'f', -1, 64)
	return "PT" + s + "S"
}

// rmElement returns a new element r:local in version v's namespace,
// declaring the prefix so that it stands alone.
func rmElement(v Version, local string) *etree.Element {
	el := etree.NewElement(prefixRM + ":" + local)
	el.CreateAttr("xmlns:"+prefixRM, v.Namespace())
	return el
}

// rmChild adds r:local below parent.
func rmChild(parent *etree.Element, local string) *etree.Element {
	return parent.CreateElement(prefixRM + ":" + local)
}

// versionOfRoot checks that el is {ns}local of one of the RM versions.
func versionOfRoot(el *etree.Element, local string) (Version, error) {
	if el == nil {
		return 0, malformed(local, ErrWrongElement, "missing")
	}
	n := xmlutil.ElementName(el)
	v, ok := VersionOf(n.Space)
	if !ok || n.Local != local {
		return 0, malformed(local, ErrWrongElement, "got %s", qname(n))
	}
	return v, nil
}

// schema walks the children of an element in schema order: each known
// child has a rank; ranks must not decrease, a rank seen once may not
// repeat unless listed as repeatable; children of other namespaces are
// extensions, kept (bounded); unknown children in the RM namespace are
// refused.
type schema struct {
	where string
	ns    string
	last  int
	seen  map[string]bool
	ext   []*etree.Element
}

func newSchema(where, ns string) *schema {
	return &schema{where: where, ns: ns, seen: map[string]bool{}}
}

// known returns whether c is an RM-namespace child of the element and
// checks it against rank; repeat allows consecutive repeats.
func (s *schema) check(c *etree.Element, rank int, repeat bool) error {
	name := xmlutil.ElementName(c).Local
	if s.seen[name] && !(repeat && rank == s.last) {
		return malformed(s.where, ErrRepeatedChild, "%s", name)
	}
	if rank < s.last {
		return malformed(s.where, ErrChildOrder, "%s", name)
	}
	s.seen[name] = true
	s.last = rank
	return nil
}

// other handles a child that is not a known RM child: an extension of
// another namespace is kept, an RM-namespace child is refused.
func (s *schema) other(c *etree.Element) error {
	n := xmlutil.ElementName(c)
	if n.Space == s.ns || n.Space == "" {
		return malformed(s.where, ErrUnknownChild, "%s", qname(n))
	}
	if _, isRM := VersionOf(n.Space); isRM {
		return malformed(s.where, ErrVersionMismatch, "%s", qname(n))
	}
	if len(s.ext) == MaxExtensions {
		return malformed(s.where, ErrTooMany, "more than %d extensions", MaxExtensions)
	}
	s.ext = append(s.ext, c)
	return nil
}

// take checks child c against rank (not repeatable) and parses it.
func take[T any](s *schema, c *etree.Element, rank int, parse func(*etree.Element) (T, error)) (T, error) {
	if err := s.check(c, rank, false); err != nil {
		var zero T
		return zero, err
	}
	return parse(c)
}

// rmChildren checks that el has no attributes of its own (beyond
// namespace declarations and those of other namespaces, as attrs allows)
// and returns its children of the RM namespace in document order; every
// other child goes to other (an extension, or a refusal).
func (s *schema) rmChildren(el *etree.Element) ([]*etree.Element, error) {
	if err := attrs(el); err != nil {
		return nil, err
	}
	kids, err := children(el)
	if err != nil {
		return nil, err
	}
	rm := kids[:0:0]
	for _, c := range kids {
		if xmlutil.ElementName(c).Space != s.ns {
			if err := s.other(c); err != nil {
				return nil, err
			}
			continue
		}
		rm = append(rm, c)
	}
	return rm, nil
}

func (s *schema) require(local string) error {
	if !s.seen[local] {
		return malformed(s.where, ErrMissingChild, "%s", local)
	}
	return nil
}

// addExtensions appends copies of the extension elements to el.
func addExtensions(el *etree.Element, ext []*etree.Element) {
	for _, e := range ext {
		el.AddChild(xmlutil.CopyWithScope(e))
	}
}
