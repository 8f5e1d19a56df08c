package xmlparse

import (
	"bytes"
	"errors"
	"fmt"
	"hash/maphash"
	"math"
	"sync"
	"unicode/utf8"
	"unsafe"

	"github.com/beevik/etree"
)

const (
	nsXML   = "http://www.w3.org/XML/1998/namespace"
	nsXMLNS = "http://www.w3.org/2000/xmlns/"
)

// Defaults used for zero (or negative) fields of Limits.
const (
	DefaultMaxBytes      = 4 << 20
	DefaultMaxDepth      = 100
	DefaultMaxElements   = 100_000
	DefaultMaxAttributes = 64
	DefaultMaxAttrBytes  = 64 << 10
	DefaultMaxNameBytes  = 1024
)

// Limits bound what Parse accepts. A zero field takes its default.
type Limits struct {
	// MaxBytes bounds the length of the input.
	MaxBytes int64
	// MaxDepth bounds element nesting (the document element is at depth 1).
	MaxDepth int
	// MaxElements bounds the number of elements.
	MaxElements int
	// MaxAttributes bounds the attributes, namespace declarations
	// included, of one element.
	MaxAttributes int
	// MaxAttrBytes bounds the length of one attribute value after
	// reference expansion and normalization.
	MaxAttrBytes int
	// MaxNameBytes bounds the length in bytes of one qualified name (prefix,
	// colon and local name) of an element or attribute, namespace
	// declarations included; it bounds every prefix too. Namespace URIs are
	// attribute values, bounded by MaxAttrBytes.
	MaxNameBytes int
}

// WithDefaults returns l with zero (or negative) fields set to their
// defaults.
func (l Limits) WithDefaults() Limits { return l.withDefaults() }

func (l Limits) withDefaults() Limits {
	if l.MaxBytes <= 0 {
		l.MaxBytes = DefaultMaxBytes
	}
	if l.MaxDepth <= 0 {
		l.MaxDepth = DefaultMaxDepth
	}
	if l.MaxElements <= 0 {
		l.MaxElements = DefaultMaxElements
	}
	if l.MaxAttributes <= 0 {
		l.MaxAttributes = DefaultMaxAttributes
	}
	if l.MaxAttrBytes <= 0 {
		l.MaxAttrBytes = DefaultMaxAttrBytes
	}
	if l.MaxNameBytes <= 0 {
		l.MaxNameBytes = DefaultMaxNameBytes
	}
	return l
}

// ErrTooLarge is returned when the input is longer than Limits.MaxBytes.
var ErrTooLarge = errors.New("xmlparse: input exceeds the size limit")

// ErrNameTooLong is the Err of an *Error for an element name, attribute
// name or namespace prefix longer than Limits.MaxNameBytes.
var ErrNameTooLong = errors.New("xmlparse: name exceeds the name-length limit")

// Error is a rejection of the input: it is not well-formed, not
// namespace-well-formed, uses a construct the strict rules forbid, or
// exceeds a limit other than the size.
type Error struct {
	// Offset is the byte offset in the input where the problem was found.
	Offset int64
	// Reason says what is wrong, for people.
	Reason string
	// Err is the sentinel of the limit that was exceeded (ErrNameTooLong),
	// or nil.
	Err error
}

func (e *Error) Error() string {
	return fmt.Sprintf("xmlparse: malformed input at byte %d: %s", e.Offset, e.Reason)
}

// Unwrap returns e.Err.
func (e *Error) Unwrap() error { return e.Err }

// Event kinds of the first pass.
const (
	evStart uint8 = iota
	evEnd
	evText
	evComment
)

// event is one token recorded by the first pass. Offsets index the input
// buffer, whose text and attribute values are decoded in place.
type event struct {
	kind   uint8
	off    int32 // start: qualified name; text, comment: data
	end    int32
	colon  int32 // start: index of the prefix colon, or -1
	a0, na int32 // start: attributes p.attrs[a0 : a0+na]
	nchild int32 // start: number of child tokens
}

type attr struct {
	off, end   int32 // qualified name
	colon      int32 // index of the prefix colon, or -1
	voff, vend int32 // value, decoded
}

type binding struct {
	prefix, uri string
	prev        int32 // previous binding of prefix, when indexed
}

type openElem struct {
	ev       int32 // index of the start event
	off, end int32 // qualified name
	mark     int32 // len(bindings) before the element's declarations
	nchild   int32 // child tokens so far
}

// lookupCache remembers the last prefix resolved, while the bindings do
// not change: most names of a document use few prefixes.
type lookupCache struct {
	gen         uint32
	prefix, uri string
}

type attrKey struct {
	ns, local string
	hash      uint64
}

// indexThreshold is the number of in-scope namespace bindings above which
// prefixes are looked up through a map instead of a backwards scan.
const indexThreshold = 32

// pairwiseMax is the number of attributes up to which duplicates are
// found by comparing every pair.
const pairwiseMax = 8

// maxPooledEvents bounds the scratch space a pooled parser keeps.
const maxPooledEvents = 1 << 16

type parser struct {
	buf      []byte
	lim      Limits
	ascii    bool // declared US-ASCII
	rootDone bool

	events   []event
	attrs    []attr
	open     []openElem
	bindings []binding
	indexed  bool
	nsIndex  map[string]int32 // prefix → index of its binding, when indexed
	gen      uint32           // changes whenever bindings do
	last     lookupCache
	keys     []attrKey // expanded names of the current element's attributes
	table    []int32   // open-addressing table over keys
	seed     maphash.Seed
	stack    []*etree.Element // second pass

	nElem, nText, nComment, nTok int
}

var pool = sync.Pool{New: func() any { return &parser{seed: maphash.MakeSeed()} }}

// Parse parses one XML document from buf under the strict rules (see the
// package documentation) and returns its tree.
//
// Parse takes ownership of buf: it decodes character data and attribute
// values in place and the strings of the returned tree share buf's
// memory. The caller must not use buf afterwards.
func Parse(buf []byte, lim Limits) (*etree.Document, error) {
	lim = lim.withDefaults()
	if int64(len(buf)) > lim.MaxBytes || len(buf) > math.MaxInt32 {
		return nil, ErrTooLarge
	}
	p := pool.Get().(*parser)
	p.buf, p.lim = buf, lim
	err := p.scan()
	var doc *etree.Document
	if err == nil {
		doc = p.tree()
	}
	if p.reset() {
		pool.Put(p)
	}
	return doc, err
}

// reset drops every reference to the input and reports whether p may be
// pooled.
func (p *parser) reset() bool {
	p.buf = nil
	p.ascii, p.rootDone = false, false
	clear(p.bindings[:cap(p.bindings)])
	clear(p.keys[:cap(p.keys)])
	clear(p.stack[:cap(p.stack)])
	if p.indexed {
		clear(p.nsIndex)
		p.indexed = false
	}
	p.gen, p.last = 0, lookupCache{}
	p.events, p.attrs, p.open = p.events[:0], p.attrs[:0], p.open[:0]
	p.bindings, p.keys, p.stack = p.bindings[:0], p.keys[:0], p.stack[:0]
	p.nElem, p.nText, p.nComment, p.nTok = 0, 0, 0, 0
	return cap(p.events) <= maxPooledEvents && cap(p.attrs) <= maxPooledEvents
}

func (p *parser) fail(i int, format string, args ...any) error {
	return &Error{Offset: int64(i), Reason: fmt.Sprintf(format, args...)}
}

func (p *parser) eof() error {
	return p.fail(len(p.buf), "unexpected end of input")
}

// str returns buf[off:end] as a string sharing buf's memory.
func (p *parser) str(off, end int32) string {
	if end <= off {
		return ""
	}
	return unsafe.String(&p.buf[off], int(end-off))
}

func hasPrefixAt(b []byte, i int, s string) bool {
	return len(b)-i >= len(s) && string(b[i:i+len(s)]) == s
}

// scan is the first pass: it checks the whole input and records events.
func (p *parser) scan() error {
	buf := p.buf
	n := len(buf)
	i := 0
	if hasPrefixAt(buf, 0, "\xEF\xBB\xBF") {
		i = 3
	}
	if hasPrefixAt(buf, i, "<?xml") && (i+5 == n || (class[buf[i+5]]&cName == 0 && buf[i+5] != ':' && buf[i+5] < utf8.RuneSelf)) {
		// The target is "xml": an XML declaration, well-formed or not.
		var err error
		if i, err = p.xmlDecl(i); err != nil {
			return err
		}
		if p.ascii && buf[0] != '<' {
			return p.fail(0, "byte order mark in a document declared US-ASCII")
		}
	}
	for i < n {
		var err error
		if buf[i] != '<' {
			if len(p.open) == 0 {
				for i < n && isSpace(buf[i]) {
					i++
				}
				if i < n && buf[i] != '<' {
					return p.fail(i, "text outside the document element")
				}
				continue
			}
			i, err = p.text(i)
		} else if i+1 >= n {
			return p.eof()
		} else {
			switch buf[i+1] {
			case '/':
				i, err = p.endTag(i)
			case '?':
				err = p.fail(i, "processing instructions are not allowed")
			case '!':
				switch {
				case hasPrefixAt(buf, i, "<!--"):
					i, err = p.comment(i)
				case hasPrefixAt(buf, i, "<![CDATA["):
					if len(p.open) == 0 {
						err = p.fail(i, "CDATA section outside the document element")
					} else {
						i, err = p.cdata(i)
					}
				case hasPrefixAt(buf, i, "<!-") || hasPrefixAt(buf, i, "<!["):
					err = p.fail(i, "malformed comment or CDATA section")
				default:
					err = p.fail(i, "DOCTYPE and other directives are not allowed")
				}
			default:
				i, err = p.startTag(i)
			}
		}
		if err != nil {
			return err
		}
	}
	if len(p.open) != 0 {
		return p.eof()
	}
	if !p.rootDone {
		return p.fail(n, "no document element")
	}
	return nil
}

// xmlDecl parses the XML declaration at buf[i:], which starts with "<?xml"
// and a space or '?', and returns the offset after it.
func (p *parser) xmlDecl(i int) (int, error) {
	buf := p.buf
	n := len(buf)
	start := i
	j := i + 5
	next := 0 // index in names of the next pseudo-attribute allowed
	names := [...]string{"version", "encoding", "standalone"}
	for {
		sp := j
		for j < n && isSpace(buf[j]) {
			j++
		}
		if hasPrefixAt(buf, j, "?>") {
			if next == 0 {
				return 0, p.fail(start, "XML declaration without a version")
			}
			return j + 2, nil
		}
		if j >= n {
			return 0, p.eof()
		}
		if j == sp {
			return 0, p.fail(j, "malformed XML declaration")
		}
		k := j
		for k < n && buf[k] >= 'a' && buf[k] <= 'z' {
			k++
		}
		idx := -1
		for x := next; x < len(names); x++ {
			if string(buf[j:k]) == names[x] {
				idx = x
				break
			}
		}
		if idx < 0 || (next == 0 && idx != 0) {
			return 0, p.fail(j, "malformed XML declaration")
		}
		next = idx + 1
		for k < n && isSpace(buf[k]) {
			k++
		}
		if k >= n || buf[k] != '=' {
			return 0, p.fail(k, "malformed XML declaration")
		}
		k++
		for k < n && isSpace(buf[k]) {
			k++
		}
		if k >= n || (buf[k] != '"' && buf[k] != '\'') {
			return 0, p.fail(k, "malformed XML declaration")
		}
		q := buf[k]
		k++
		vs := k
		for k < n && buf[k] != q && buf[k] != '?' && buf[k] != '<' {
			k++
		}
		if k >= n || buf[k] != q {
			return 0, p.fail(k, "malformed XML declaration")
		}
		val := buf[vs:k]
		j = k + 1
		switch idx {
		case 0:
			if string(val) != "1.0" {
				return 0, p.fail(vs, "unsupported XML version %q (only 1.0)", val)
			}
		case 1:
			switch {
			case bytes.EqualFold(val, []byte("utf-8")):
			case bytes.EqualFold(val, []byte("us-ascii")):
				p.ascii = true
			default:
				return 0, p.fail(vs, "unsupported encoding %q (only UTF-8 and US-ASCII)", val)
			}
		case 2:
			if string(val) != "yes" && string(val) != "no" {
				return 0, p.fail(vs, "malformed XML declaration: standalone must be yes or no")
			}
		}
	}
}

// wide checks the multi-byte character at buf[i] and returns its length.
func (p *parser) wide(i int) (int, error) {
	if p.ascii {
		return 0, p.fail(i, "non-ASCII byte in a document declared US-ASCII")
	}
	r, size := utf8.DecodeRune(p.buf[i:])
	if r == utf8.RuneError && size <= 1 {
		return 0, p.fail(i, "invalid UTF-8")
	}
	if r == 0xFFFE || r == 0xFFFF {
		return 0, p.fail(i, "illegal character %U", r)
	}
	return size, nil
}

func (p *parser) illegal(i int) error {
	return p.fail(i, "illegal character %#02x", p.buf[i])
}

// child counts one more child token of the innermost open element.
func (p *parser) child() {
	p.open[len(p.open)-1].nchild++
	p.nTok++
}

func (p *parser) addText(kind uint8, off, end int) {
	p.child()
	if kind == evText {
		p.nText++
	} else {
		p.nComment++
	}
	p.events = append(p.events, event{kind: kind, off: int32(off), end: int32(end)})
}

// text scans character data at buf[i], inside an element, up to the next
// '<' or the end of the input.
func (p *parser) text(i int) (int, error) {
	buf := p.buf
	n := len(buf)
	start := i
	for i < n {
		c := buf[i]
		if class[c]&cText != 0 {
			i++
			continue
		}
		switch {
		case c == '<':
			p.addText(evText, start, i)
			return i, nil
		case c >= utf8.RuneSelf:
			size, err := p.wide(i)
			if err != nil {
				return 0, err
			}
			i += size
		case c == ']':
			if i+2 < n && buf[i+1] == ']' && buf[i+2] == '>' {
				return 0, p.fail(i, `"]]>" in character data`)
			}
			i++
		case c == '&' || c == '\r':
			return p.textDecode(start, i)
		default:
			return 0, p.illegal(i)
		}
	}
	p.addText(evText, start, n)
	return n, nil
}

// textDecode continues text at buf[i], where the first reference or CR
// is, decoding in place.
func (p *parser) textDecode(start, i int) (int, error) {
	buf := p.buf
	n := len(buf)
	w := i
	for i < n {
		// Move the run of plain bytes at once.
		j := i
		for j < n && class[buf[j]]&cText != 0 {
			j++
		}
		if j > i {
			w += copy(buf[w:], buf[i:j])
			i = j
			if i == n {
				break
			}
		}
		c := buf[i]
		switch {
		case c == '<':
			p.addText(evText, start, w)
			return i, nil
		case c >= utf8.RuneSelf:
			size, err := p.wide(i)
			if err != nil {
				return 0, err
			}
			copy(buf[w:], buf[i:i+size])
			w += size
			i += size
		case c == ']':
			if i+2 < n && buf[i+1] == ']' && buf[i+2] == '>' {
				return 0, p.fail(i, `"]]>" in character data`)
			}
			buf[w] = c
			w++
			i++
		case c == '&':
			var err error
			if i, w, err = p.ref(i, w); err != nil {
				return 0, err
			}
		case c == '\r':
			buf[w] = '\n'
			w++
			i++
			if i < n && buf[i] == '\n' {
				i++
			}
		default:
			return 0, p.illegal(i)
		}
	}
	p.addText(evText, start, w)
	return n, nil
}

// ref decodes the reference at buf[i] ('&') into buf[w:] and returns the
// offsets after it in the input and the output. The output is never longer
// than the reference.
func (p *parser) ref(i, w int) (int, int, error) {
	buf := p.buf
	n := len(buf)
	j := i + 1
	if j < n && buf[j] == '#' {
		j++
		hex := j < n && buf[j] == 'x'
		if hex {
			j++
		}
		digits := j
		var v uint32
	loop:
		for ; j < n; j++ {
			c := buf[j]
			var d uint32
			switch {
			case c >= '0' && c <= '9':
				d = uint32(c - '0')
			case hex && c >= 'a' && c <= 'f':
				d = uint32(c-'a') + 10
			case hex && c >= 'A' && c <= 'F':
				d = uint32(c-'A') + 10
			default:
				break loop
			}
			if v <= utf8.MaxRune {
				if hex {
					v = v*16 + d
				} else {
					v = v*10 + d
				}
			}
		}
		if j == digits || j >= n || buf[j] != ';' {
			return 0, 0, p.fail(i, "malformed character reference")
		}
		if v > utf8.MaxRune || !isChar(rune(v)) {
			return 0, 0, p.fail(i, "character reference %s is not a legal XML character", buf[i:j+1])
		}
		w += utf8.EncodeRune(buf[w:], rune(v))
		return j + 1, w, nil
	}
	var c byte
	switch {
	case hasPrefixAt(buf, j, "lt;"):
		c, j = '<', j+3
	case hasPrefixAt(buf, j, "gt;"):
		c, j = '>', j+3
	case hasPrefixAt(buf, j, "amp;"):
		c, j = '&', j+4
	case hasPrefixAt(buf, j, "quot;"):
		c, j = '"', j+5
	case hasPrefixAt(buf, j, "apos;"):
		c, j = '\'', j+5
	default:
		k := j
		for k < n && k-j < 64 && (class[buf[k]]&cName != 0 || buf[k] == ':' || buf[k] >= utf8.RuneSelf) {
			k++
		}
		if k > j && k < n && buf[k] == ';' && utf8.Valid(buf[j:k]) {
			return 0, 0, p.fail(i, "reference to undeclared entity %q", buf[j:k])
		}
		return 0, 0, p.fail(i, "malformed entity reference ('&' must be written &amp;)")
	}
	buf[w] = c
	return j, w + 1, nil
}

// comment scans the comment at buf[i] ("<!--").
func (p *parser) comment(i int) (int, error) {
	buf := p.buf
	n := len(buf)
	start := i + 4
	i, w := start, start
	for i < n {
		c := buf[i]
		if class[c]&cComment != 0 {
			buf[w] = c
			w++
			i++
			continue
		}
		switch {
		case c == '-':
			if i+1 < n && buf[i+1] == '-' {
				if i+2 < n && buf[i+2] == '>' {
					if len(p.open) > 0 {
						p.addText(evComment, start, w)
					}
					return i + 3, nil
				}
				if i+2 < n {
					return 0, p.fail(i, `"--" inside a comment`)
				}
				return 0, p.eof()
			}
			buf[w] = c
			w++
			i++
		case c >= utf8.RuneSelf:
			size, err := p.wide(i)
			if err != nil {
				return 0, err
			}
			copy(buf[w:], buf[i:i+size])
			w += size
			i += size
		case c == '\r':
			buf[w] = '\n'
			w++
			i++
			if i < n && buf[i] == '\n' {
				i++
			}
		default:
			return 0, p.illegal(i)
		}
	}
	return 0, p.eof()
}

// cdata scans the CDATA section at buf[i] ("<![CDATA[").
func (p *parser) cdata(i int) (int, error) {
	buf := p.buf
	n := len(buf)
	start := i + 9
	i, w := start, start
	for i < n {
		c := buf[i]
		if class[c]&cCData != 0 {
			buf[w] = c
			w++
			i++
			continue
		}
		switch {
		case c == ']':
			if i+2 < n && buf[i+1] == ']' && buf[i+2] == '>' {
				p.addText(evText, start, w)
				return i + 3, nil
			}
			buf[w] = c
			w++
			i++
		case c >= utf8.RuneSelf:
			size, err := p.wide(i)
			if err != nil {
				return 0, err
			}
			copy(buf[w:], buf[i:i+size])
			w += size
			i += size
		case c == '\r':
			buf[w] = '\n'
			w++
			i++
			if i < n && buf[i] == '\n' {
				i++
			}
		default:
			return 0, p.illegal(i)
		}
	}
	return 0, p.eof()
}

// qname scans a QName (NCName, or NCName ':' NCName) at buf[i] and returns
// the offset after it and the offset of the colon (-1 if none).
func (p *parser) qname(i int, what string) (int, int, error) {
	buf := p.buf
	n := len(buf)
	colon := -1
	start := i
	seg := i // start of the current NCName
	for i < n {
		c := buf[i]
		if c < utf8.RuneSelf {
			k := class[c]
			if k&cName != 0 {
				if i == seg && k&cNameStart == 0 {
					return 0, 0, p.fail(i, "invalid %s name: it cannot start with %q", what, c)
				}
				i++
				continue
			}
			if c != ':' {
				break
			}
			if colon >= 0 || i == seg {
				return 0, 0, p.fail(i, "invalid %s name: misplaced ':'", what)
			}
			colon = i
			i++
			seg = i
			continue
		}
		if p.ascii {
			return 0, 0, p.fail(i, "non-ASCII byte in a document declared US-ASCII")
		}
		r, size := utf8.DecodeRune(buf[i:])
		if r == utf8.RuneError && size <= 1 {
			return 0, 0, p.fail(i, "invalid UTF-8")
		}
		if i == seg {
			if !isNameStartWide(r) {
				if isNameCharWide(r) {
					return 0, 0, p.fail(i, "invalid %s name: it cannot start with %U", what, r)
				}
				break
			}
		} else if !isNameCharWide(r) {
			break
		}
		i += size
	}
	if i == seg {
		if i >= n {
			return 0, 0, p.eof()
		}
		if colon >= 0 {
			return 0, 0, p.fail(i, "invalid %s name: misplaced ':'", what)
		}
		return 0, 0, p.fail(i, "expected an %s name", what)
	}
	if i-start > p.lim.MaxNameBytes {
		return 0, 0, p.nameTooLong(start, i, colon, what)
	}
	return i, colon, nil
}

// nameTooLong is the error for the over-long name buf[start:end]; it does
// not quote the name.
func (p *parser) nameTooLong(start, end, colon int, what string) error {
	e := &Error{Offset: int64(start), Err: ErrNameTooLong}
	if colon >= 0 && colon-start > p.lim.MaxNameBytes {
		e.Reason = fmt.Sprintf("namespace prefix of an %s longer than %d bytes", what, p.lim.MaxNameBytes)
	} else {
		e.Reason = fmt.Sprintf("%s name longer than %d bytes (%d)", what, p.lim.MaxNameBytes, end-start)
	}
	return e
}

func (p *parser) skipSpace(i int) int {
	for i < len(p.buf) && isSpace(p.buf[i]) {
		i++
	}
	return i
}

// startTag scans the start tag or empty-element tag at buf[i] ('<').
func (p *parser) startTag(i int) (int, error) {
	buf := p.buf
	n := len(buf)
	lt := i
	off := i + 1
	end, colon, err := p.qname(off, "element")
	if err != nil {
		return 0, err
	}
	if len(p.open) == 0 && p.rootDone {
		return 0, p.fail(lt, "more than one document element")
	}
	if len(p.open) >= p.lim.MaxDepth {
		return 0, p.fail(lt, "element nesting deeper than %d", p.lim.MaxDepth)
	}
	p.nElem++
	if p.nElem > p.lim.MaxElements {
		return 0, p.fail(lt, "more than %d elements", p.lim.MaxElements)
	}
	a0 := len(p.attrs)
	empty := false
	i = end
	for {
		sp := i
		i = p.skipSpace(i)
		if i >= n {
			return 0, p.eof()
		}
		c := buf[i]
		if c == '>' {
			i++
			break
		}
		if c == '/' {
			if i+1 < n && buf[i+1] == '>' {
				empty = true
				i += 2
				break
			}
			return 0, p.fail(i, "expected '>' after '/' in the tag of <%s>", buf[off:end])
		}
		if i == sp {
			return 0, p.fail(i, "expected whitespace, '>' or '/>' in the tag of <%s>", buf[off:end])
		}
		if len(p.attrs)-a0 >= p.lim.MaxAttributes {
			return 0, p.fail(i, "element <%s> has more than %d attributes", buf[off:end], p.lim.MaxAttributes)
		}
		aoff := i
		aend, acolon, err := p.qname(i, "attribute")
		if err != nil {
			return 0, err
		}
		i = p.skipSpace(aend)
		if i >= n {
			return 0, p.eof()
		}
		if buf[i] != '=' {
			return 0, p.fail(i, "expected '=' after attribute name %q", buf[aoff:aend])
		}
		i = p.skipSpace(i + 1)
		if i >= n {
			return 0, p.eof()
		}
		if buf[i] != '"' && buf[i] != '\'' {
			return 0, p.fail(i, "value of attribute %q is not quoted", buf[aoff:aend])
		}
		voff, vend, next, err := p.attrValue(i)
		if err != nil {
			return 0, err
		}
		if vend-voff > p.lim.MaxAttrBytes {
			return 0, p.fail(aoff, "attribute %q longer than %d bytes", buf[aoff:aend], p.lim.MaxAttrBytes)
		}
		p.attrs = append(p.attrs, attr{off: int32(aoff), end: int32(aend), colon: int32(acolon), voff: int32(voff), vend: int32(vend)})
		i = next
	}
	mark := len(p.bindings)
	if err := p.namespaces(lt, off, end, colon, a0); err != nil {
		return 0, err
	}
	if len(p.open) > 0 {
		p.child()
	} else {
		p.nTok++ // the document's child
	}
	ev := len(p.events)
	p.events = append(p.events, event{kind: evStart, off: int32(off), end: int32(end), colon: int32(colon),
		a0: int32(a0), na: int32(len(p.attrs) - a0)})
	if empty {
		p.events = append(p.events, event{kind: evEnd})
		p.pop(mark)
		if len(p.open) == 0 {
			p.rootDone = true
		}
	} else {
		p.open = append(p.open, openElem{ev: int32(ev), off: int32(off), end: int32(end), mark: int32(mark)})
	}
	return i, nil
}

// attrValue scans the quoted attribute value at buf[i], normalizing it in
// place, and returns its decoded span and the offset after the quote.
func (p *parser) attrValue(i int) (int, int, int, error) {
	buf := p.buf
	n := len(buf)
	q := buf[i]
	i++
	start := i
	for i < n {
		c := buf[i]
		if class[c]&cAttr != 0 {
			i++
			continue
		}
		switch {
		case c == q:
			return start, i, i + 1, nil
		case c == '"' || c == '\'':
			i++
		case c >= utf8.RuneSelf:
			size, err := p.wide(i)
			if err != nil {
				return 0, 0, 0, err
			}
			i += size
		case c == '<':
			return 0, 0, 0, p.fail(i, "'<' in an attribute value")
		case c == '&' || c == '\t' || c == '\n' || c == '\r':
			return p.attrDecode(start, i, q)
		default:
			return 0, 0, 0, p.illegal(i)
		}
	}
	return 0, 0, 0, p.eof()
}

// attrDecode continues attrValue from the first reference or white space
// character, decoding in place: references are expanded, and each literal
// TAB, LF, CR or CR LF becomes one space (XML 1.0 §3.3.3; with no DTD every
// attribute is CDATA, so no further normalization applies).
func (p *parser) attrDecode(start, i int, q byte) (int, int, int, error) {
	buf := p.buf
	n := len(buf)
	w := i
	for i < n {
		c := buf[i]
		if class[c]&cAttr != 0 {
			buf[w] = c
			w++
			i++
			continue
		}
		switch {
		case c == q:
			return start, w, i + 1, nil
		case c == '"' || c == '\'':
			buf[w] = c
			w++
			i++
		case c >= utf8.RuneSelf:
			size, err := p.wide(i)
			if err != nil {
				return 0, 0, 0, err
			}
			copy(buf[w:], buf[i:i+size])
			w += size
			i += size
		case c == '<':
			return 0, 0, 0, p.fail(i, "'<' in an attribute value")
		case c == '&':
			var err error
			if i, w, err = p.ref(i, w); err != nil {
				return 0, 0, 0, err
			}
		case c == '\t' || c == '\n':
			buf[w] = ' '
			w++
			i++
		case c == '\r':
			buf[w] = ' '
			w++
			i++
			if i < n && buf[i] == '\n' {
				i++
			}
		default:
			return 0, 0, 0, p.illegal(i)
		}
	}
	return 0, 0, 0, p.eof()
}

// namespaces applies the namespace declarations of the element whose tag
// starts at lt, checks that its prefixes are declared, and rejects
// duplicate attributes by expanded name.
func (p *parser) namespaces(lt, off, end, colon, a0 int) error {
	attrs := p.attrs[a0:]
	for k := range attrs {
		a := &attrs[k]
		qn := p.str(a.off, a.end)
		uri := p.str(a.voff, a.vend)
		var prefix string
		if a.colon < 0 {
			if qn != "xmlns" {
				continue
			}
			if uri == nsXML || uri == nsXMLNS {
				return p.fail(int(a.off), "reserved namespace as default namespace")
			}
		} else {
			if qn[:a.colon-a.off] != "xmlns" {
				continue
			}
			prefix = qn[a.colon-a.off+1:]
			if uri == "" {
				return p.fail(int(a.off), "namespace prefix %q cannot be undeclared", prefix)
			}
			if prefix == "xmlns" || (prefix == "xml") != (uri == nsXML) || uri == nsXMLNS {
				return p.fail(int(a.off), "reserved namespace prefix or name misused (%q)", prefix)
			}
		}
		p.push(prefix, uri)
	}
	if colon >= 0 {
		prefix := p.str(int32(off), int32(colon))
		if _, ok := p.lookup(prefix); !ok {
			return p.fail(lt, "undeclared namespace prefix %q", prefix)
		}
	}
	switch len(attrs) {
	case 0:
		return nil
	case 1:
		// No duplicate possible; only the prefix must be declared.
		if a := &attrs[0]; a.colon >= 0 {
			prefix := p.str(a.off, a.colon)
			if _, ok := p.lookup(prefix); !ok && prefix != "xmlns" {
				return p.fail(int(a.off), "undeclared namespace prefix %q on attribute %q", prefix, p.str(a.colon+1, a.end))
			}
		}
		return nil
	}
	keys := p.keys[:0]
	for k := range attrs {
		a := &attrs[k]
		qn := p.str(a.off, a.end)
		var key attrKey
		switch {
		case a.colon < 0 && qn == "xmlns":
			key = attrKey{ns: nsXMLNS}
		case a.colon < 0:
			key = attrKey{local: qn}
		default:
			prefix, local := qn[:a.colon-a.off], qn[a.colon-a.off+1:]
			if prefix == "xmlns" {
				key = attrKey{ns: nsXMLNS, local: local}
				break
			}
			ns, ok := p.lookup(prefix)
			if !ok {
				return p.fail(int(a.off), "undeclared namespace prefix %q on attribute %q", prefix, local)
			}
			key = attrKey{ns: ns, local: local}
		}
		keys = append(keys, key)
	}
	p.keys = keys
	if dup := p.duplicate(keys); dup >= 0 {
		a := &attrs[dup]
		qn := p.str(a.off, a.end)
		if keys[dup].ns == nsXMLNS {
			return p.fail(int(a.off), "duplicate namespace declaration %q", qn)
		}
		return p.fail(int(a.off), "duplicate attribute %q on <%s>", qn, p.str(int32(off), int32(end)))
	}
	return nil
}

// duplicate returns the index of an attribute whose expanded name an
// earlier one has, or -1. It takes linear time on average.
func (p *parser) duplicate(keys []attrKey) int {
	if len(keys) <= pairwiseMax {
		for k := 1; k < len(keys); k++ {
			for j := 0; j < k; j++ {
				if keys[j].local == keys[k].local && keys[j].ns == keys[k].ns {
					return k
				}
			}
		}
		return -1
	}
	size := 16
	for size < 2*len(keys) {
		size *= 2
	}
	if cap(p.table) < size {
		p.table = make([]int32, size)
	}
	table := p.table[:size]
	for k := range table {
		table[k] = -1
	}
	mask := uint64(size - 1)
	for k := range keys {
		key := &keys[k]
		key.hash = maphash.String(p.seed, key.local)*31 ^ maphash.String(p.seed, key.ns)
		for slot := key.hash & mask; ; slot = (slot + 1) & mask {
			j := table[slot]
			if j < 0 {
				table[slot] = int32(k)
				break
			}
			if other := &keys[j]; other.hash == key.hash && other.local == key.local && other.ns == key.ns {
				return k
			}
		}
	}
	return -1
}

func (p *parser) push(prefix, uri string) {
	p.gen++
	b := binding{prefix: prefix, uri: uri, prev: -1}
	if p.indexed {
		if t, ok := p.nsIndex[prefix]; ok {
			b.prev = t
		}
		p.nsIndex[prefix] = int32(len(p.bindings))
	}
	p.bindings = append(p.bindings, b)
	if !p.indexed && len(p.bindings) > indexThreshold {
		if p.nsIndex == nil {
			p.nsIndex = make(map[string]int32)
		}
		for k := range p.bindings {
			b := &p.bindings[k]
			b.prev = -1
			if t, ok := p.nsIndex[b.prefix]; ok {
				b.prev = t
			}
			p.nsIndex[b.prefix] = int32(k)
		}
		p.indexed = true
	}
}

func (p *parser) pop(mark int) {
	if len(p.bindings) == mark {
		return
	}
	p.gen++
	if p.indexed {
		for k := len(p.bindings) - 1; k >= mark; k-- {
			b := &p.bindings[k]
			if b.prev < 0 {
				delete(p.nsIndex, b.prefix)
			} else {
				p.nsIndex[b.prefix] = b.prev
			}
		}
	}
	p.bindings = p.bindings[:mark]
}

func (p *parser) lookup(prefix string) (string, bool) {
	switch prefix {
	case "xml":
		return nsXML, true
	case "xmlns":
		return "", false
	}
	if p.last.gen == p.gen && p.last.prefix == prefix && p.gen != 0 {
		return p.last.uri, true
	}
	if p.indexed {
		if k, ok := p.nsIndex[prefix]; ok {
			return p.remember(prefix, p.bindings[k].uri), true
		}
	} else {
		for k := len(p.bindings) - 1; k >= 0; k-- {
			if b := &p.bindings[k]; len(b.prefix) == len(prefix) && b.prefix == prefix {
				return p.remember(prefix, b.uri), true
			}
		}
	}
	return "", prefix == ""
}

func (p *parser) remember(prefix, uri string) string {
	p.last = lookupCache{gen: p.gen, prefix: prefix, uri: uri}
	return uri
}

// endTag scans the end tag at buf[i] ("</").
func (p *parser) endTag(i int) (int, error) {
	buf := p.buf
	off := i + 2
	end, _, err := p.qname(off, "element")
	if err != nil {
		return 0, err
	}
	j := p.skipSpace(end)
	if j >= len(buf) {
		return 0, p.eof()
	}
	if buf[j] != '>' {
		return 0, p.fail(j, "expected '>' in the end tag </%s>", buf[off:end])
	}
	if len(p.open) == 0 {
		return 0, p.fail(i, "unexpected end element")
	}
	top := p.open[len(p.open)-1]
	if !bytes.Equal(buf[off:end], buf[top.off:top.end]) {
		return 0, p.fail(i, "end element </%s> does not match <%s>", buf[off:end], buf[top.off:top.end])
	}
	p.events[top.ev].nchild = top.nchild
	p.events = append(p.events, event{kind: evEnd})
	p.pop(int(top.mark))
	p.open = p.open[:len(p.open)-1]
	if len(p.open) == 0 {
		p.rootDone = true
	}
	return j + 1, nil
}

// tree is the second pass: it builds the etree document from the events,
// with one allocation per kind of node.
func (p *parser) tree() *etree.Document {
	doc := etree.NewDocument()
	els := make([]etree.Element, p.nElem)
	var texts []etree.CharData
	if p.nText > 0 {
		texts = make([]etree.CharData, p.nText)
	}
	var comments []etree.Comment
	if p.nComment > 0 {
		comments = make([]etree.Comment, p.nComment)
	}
	toks := make([]etree.Token, p.nTok)
	var attrs []etree.Attr
	if len(p.attrs) > 0 {
		attrs = make([]etree.Attr, len(p.attrs))
	}
	doc.Child = toks[0:0:1]
	tk := 1
	stack := append(p.stack[:0], &doc.Element)
	for k := range p.events {
		ev := &p.events[k]
		parent := stack[len(stack)-1]
		switch ev.kind {
		case evStart:
			e := &els[0]
			els = els[1:]
			name := p.str(ev.off, ev.end)
			if ev.colon >= 0 {
				e.Space, e.Tag = name[:ev.colon-ev.off], name[ev.colon-ev.off+1:]
			} else {
				e.Tag = name
			}
			if nc := int(ev.nchild); nc > 0 {
				e.Child = toks[tk : tk : tk+nc]
				tk += nc
			} else {
				e.Child = []etree.Token{}
			}
			if na := int(ev.na); na > 0 {
				// CreateAttr sets the attribute's element; giving it an
				// empty slice with room for one keeps it from searching for
				// a duplicate (there is none) and from allocating.
				for j := range na {
					a := &p.attrs[int(ev.a0)+j]
					e.Attr = attrs[j : j : j+1]
					e.CreateAttr(p.str(a.off, a.end), p.str(a.voff, a.vend))
				}
				e.Attr = attrs[:na:na]
				attrs = attrs[na:]
			} else {
				e.Attr = []etree.Attr{}
			}
			parent.AddChild(e)
			stack = append(stack, e)
		case evEnd:
			stack = stack[:len(stack)-1]
		case evText:
			c := &texts[0]
			texts = texts[1:]
			c.Data = p.str(ev.off, ev.end)
			parent.AddChild(c)
		case evComment:
			c := &comments[0]
			comments = comments[1:]
			c.Data = p.str(ev.off, ev.end)
			parent.AddChild(c)
		}
	}
	p.stack = stack
	return doc
}
