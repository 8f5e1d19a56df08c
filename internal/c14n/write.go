package c14n

import "unicode/utf8"

// flush writes the buffered output to the destination. After the first write
// error, output is discarded.
func (c *canon) flush() {
	if len(c.buf) > 0 && c.err == nil {
		if _, err := c.w.Write(c.buf); err != nil {
			c.err = err
		}
	}
	c.buf = c.buf[:0]
}

func (c *canon) writeByte(b byte) {
	if len(c.buf) == cap(c.buf) {
		c.flush()
	}
	c.buf = append(c.buf, b)
}

func (c *canon) writeString(s string) {
	for {
		n := copy(c.buf[len(c.buf):cap(c.buf)], s)
		c.buf = c.buf[:len(c.buf)+n]
		s = s[n:]
		if len(s) == 0 {
			return
		}
		c.flush()
	}
}

// textSpecial and attrSpecial have bit b set for the ASCII bytes b < 64
// that text and attrValue do not copy as they are: the control characters
// (in text, except TAB and LF) and & < > (text) or & < " (attributes).
// No byte from 64 to 127 is special.
const (
	controls    = 1<<0x20 - 1
	textSpecial = controls&^(1<<'\t'|1<<'\n') | 1<<'&' | 1<<'<' | 1<<'>'
	attrSpecial = controls | 1<<'&' | 1<<'<' | 1<<'"'
)

// replacementChar is written for characters that XML cannot represent.
const replacementChar = "\uFFFD"

// text writes character data escaped as Canonical XML requires: & < > and
// carriage return become character references; characters that are not XML
// characters become U+FFFD.
func (c *canon) text(s string) {
	last := 0
	for i := 0; i < len(s); {
		b := s[i]
		if b < utf8.RuneSelf && (b >= 64 || textSpecial>>b&1 == 0) {
			i++ // the common case, decided with one test
			continue
		}
		var esc string
		width := 1
		switch {
		case b >= utf8.RuneSelf:
			r, w := utf8.DecodeRuneInString(s[i:])
			width = w
			if r == utf8.RuneError && w == 1 || r == 0xFFFE || r == 0xFFFF {
				esc = replacementChar
				break
			}
			i += w
			continue
		case b == '&':
			esc = "&amp;"
		case b == '<':
			esc = "&lt;"
		case b == '>':
			esc = "&gt;"
		case b == '\r':
			esc = "&#xD;"
		case b < 0x20 && b != '\t' && b != '\n':
			esc = replacementChar
		default:
			i++
			continue
		}
		c.writeString(s[last:i])
		c.writeString(esc)
		i += width
		last = i
	}
	c.writeString(s[last:])
}

// attrValue writes an attribute value escaped as Canonical XML requires:
// & < " tab, line feed and carriage return become character references;
// characters that are not XML characters become U+FFFD.
func (c *canon) attrValue(s string) {
	last := 0
	for i := 0; i < len(s); {
		b := s[i]
		if b < utf8.RuneSelf && (b >= 64 || attrSpecial>>b&1 == 0) {
			i++
			continue
		}
		var esc string
		width := 1
		switch {
		case b >= utf8.RuneSelf:
			r, w := utf8.DecodeRuneInString(s[i:])
			width = w
			if r == utf8.RuneError && w == 1 || r == 0xFFFE || r == 0xFFFF {
				esc = replacementChar
				break
			}
			i += w
			continue
		case b == '&':
			esc = "&amp;"
		case b == '<':
			esc = "&lt;"
		case b == '"':
			esc = "&quot;"
		case b == '\t':
			esc = "&#x9;"
		case b == '\n':
			esc = "&#xA;"
		case b == '\r':
			esc = "&#xD;"
		case b < 0x20:
			esc = replacementChar
		default:
			i++
			continue
		}
		c.writeString(s[last:i])
		c.writeString(esc)
		i += width
		last = i
	}
	c.writeString(s[last:])
}
