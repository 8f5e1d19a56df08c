package xmlwrite

import (
	"io"
	"sync"
	"unicode/utf8"

	"github.com/beevik/etree"
)

// Byte classes of the escaping tables.
const (
	plain  = iota // written as it is
	escape        // written as a reference (or U+FFFD)
	wide          // first byte of a multi-byte sequence: check it
	hyphen        // '-' in a comment
)

// The escaping tables, indexed by byte; built once, never written after.
var (
	textClass    = classes("&<>\r")
	attrClass    = classes("&<\"\t\n\r")
	commentClass = classes("-")
)

// classes returns the table in which the bytes of esc and the characters
// XML cannot hold are escape, bytes from 0x80 wide and '-' in a comment
// table hyphen.
func classes(esc string) [256]uint8 {
	var t [256]uint8
	for c := range 0x20 {
		if c != '\t' && c != '\n' && c != '\r' {
			t[c] = escape
		}
	}
	for c := 0x80; c < 0x100; c++ {
		t[c] = wide
	}
	for i := range len(esc) {
		if esc[i] == '-' {
			t['-'] = hyphen
		} else {
			t[esc[i]] = escape
		}
	}
	return t
}

// replacement is written for a character XML cannot hold.
const replacement = "\uFFFD"

// reference returns what the escape byte c is written as.
func reference(c byte) string {
	switch c {
	case '&':
		return "&amp;"
	case '<':
		return "&lt;"
	case '>':
		return "&gt;"
	case '"':
		return "&quot;"
	case '\t':
		return "&#x9;"
	case '\n':
		return "&#xA;"
	case '\r':
		return "&#xD;"
	}
	return replacement
}

// appendEscaped appends s escaped by table t.
func appendEscaped(dst []byte, s string, t *[256]uint8) []byte {
	last := 0
	for i := 0; i < len(s); {
		// The run of plain bytes first, in a loop of its own.
		for i < len(s) && t[s[i]] == plain {
			i++
		}
		if i == len(s) {
			break
		}
		switch t[s[i]] {
		case wide:
			r, w := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && w == 1 || r == 0xFFFE || r == 0xFFFF {
				dst = append(dst, s[last:i]...)
				dst = append(dst, replacement...)
				last = i + w
			}
			i += w
		case escape:
			dst = append(dst, s[last:i]...)
			dst = append(dst, reference(s[i])...)
			i++
			last = i
		case hyphen:
			// "--" may not appear in a comment, nor may it end with '-'.
			i++
			if i == len(s) || s[i] == '-' {
				dst = append(dst, s[last:i]...)
				dst = append(dst, ' ')
				last = i
			}
		}
	}
	return append(dst, s[last:]...)
}

// AppendText appends s escaped as character data.
func AppendText(dst []byte, s string) []byte { return appendEscaped(dst, s, &textClass) }

// AppendAttrValue appends s escaped as an attribute value in double quotes
// (without the quotes).
func AppendAttrValue(dst []byte, s string) []byte { return appendEscaped(dst, s, &attrClass) }

func appendName(dst []byte, space, local string) []byte {
	if space != "" {
		dst = append(dst, space...)
		dst = append(dst, ':')
	}
	return append(dst, local...)
}

// AppendElement appends the serialization of el and its subtree. Only the
// namespace declarations el and its descendants hold are written: el is
// written as it appears in its document, not as a standalone document.
func AppendElement(dst []byte, el *etree.Element) []byte {
	dst = append(dst, '<')
	dst = appendName(dst, el.Space, el.Tag)
	for i := range el.Attr {
		a := &el.Attr[i]
		dst = append(dst, ' ')
		dst = appendName(dst, a.Space, a.Key)
		dst = append(dst, '=', '"')
		dst = appendEscaped(dst, a.Value, &attrClass)
		dst = append(dst, '"')
	}
	if len(el.Child) == 0 {
		return append(dst, '/', '>')
	}
	dst = append(dst, '>')
	for _, c := range el.Child {
		dst = AppendToken(dst, c)
	}
	dst = append(dst, '<', '/')
	dst = appendName(dst, el.Space, el.Tag)
	return append(dst, '>')
}

// AppendToken appends the serialization of one token: an element with its
// subtree, character data, a comment, a processing instruction or a
// directive.
func AppendToken(dst []byte, t etree.Token) []byte {
	switch t := t.(type) {
	case *etree.Element:
		return AppendElement(dst, t)
	case *etree.CharData:
		return appendEscaped(dst, t.Data, &textClass)
	case *etree.Comment:
		dst = append(dst, "<!--"...)
		dst = appendEscaped(dst, t.Data, &commentClass)
		return append(dst, "-->"...)
	case nil:
		return dst
	}
	// Processing instructions and directives (which the strict parser
	// never produces) are written by etree, with its sanitizing.
	a := appender{b: dst}
	t.WriteTo(&a, &etree.WriteSettings{CanonicalText: true, CanonicalAttrVal: true})
	return a.b
}

// AppendTokens appends the serialization of each token in turn (an
// element's children: AppendTokens(dst, el.Child...)).
func AppendTokens(dst []byte, toks ...etree.Token) []byte {
	for _, t := range toks {
		dst = AppendToken(dst, t)
	}
	return dst
}

// AppendDocument appends the serialization of doc: its children in order
// (no XML declaration is added; one the tree holds as a processing
// instruction is written).
func AppendDocument(dst []byte, doc *etree.Document) []byte {
	for _, c := range doc.Child {
		dst = AppendToken(dst, c)
	}
	return dst
}

// appender is an etree.Writer appending to a byte slice.
type appender struct{ b []byte }

func (a *appender) Write(p []byte) (int, error) {
	a.b = append(a.b, p...)
	return len(p), nil
}

func (a *appender) WriteString(s string) (int, error) {
	a.b = append(a.b, s...)
	return len(s), nil
}

func (a *appender) WriteByte(c byte) error {
	a.b = append(a.b, c)
	return nil
}

// maxPooled is the largest buffer put back in the pool; a larger one (a
// rare big message) is left to the collector.
const maxPooled = 1 << 20

// pool recycles the buffers of the Write functions; it holds no program
// state.
var pool = sync.Pool{New: func() any { b := make([]byte, 0, 4<<10); return &b }}

// Buffer returns an empty buffer from the pool; give it back with
// PutBuffer when its bytes are no longer used.
func Buffer() *[]byte {
	b := pool.Get().(*[]byte)
	*b = (*b)[:0]
	return b
}

// PutBuffer returns b to the pool (unless it grew very large).
func PutBuffer(b *[]byte) {
	if cap(*b) <= maxPooled {
		pool.Put(b)
	}
}

// WriteDocument serializes doc to w in one Write, through a pooled buffer.
func WriteDocument(w io.Writer, doc *etree.Document) (int64, error) {
	b := Buffer()
	defer PutBuffer(b)
	*b = AppendDocument(*b, doc)
	n, err := w.Write(*b)
	return int64(n), err
}

// WriteElement serializes el and its subtree (as AppendElement) to w in
// one Write, through a pooled buffer.
func WriteElement(w io.Writer, el *etree.Element) (int64, error) {
	b := Buffer()
	defer PutBuffer(b)
	*b = AppendElement(*b, el)
	n, err := w.Write(*b)
	return int64(n), err
}

// WriteTokens serializes the tokens in turn (as AppendTokens) to w in one
// Write, through a pooled buffer.
func WriteTokens(w io.Writer, toks ...etree.Token) (int64, error) {
	b := Buffer()
	defer PutBuffer(b)
	*b = AppendTokens(*b, toks...)
	n, err := w.Write(*b)
	return int64(n), err
}
