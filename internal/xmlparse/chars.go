package xmlparse

import "unicode/utf8"

// Byte classes of the ASCII range, one bit per context. A byte with its
// context's bit set needs no further attention in that context: it is a
// legal character that ends nothing and is copied as it is.
const (
	cText      = 1 << iota // character data: not '<', '&', ']', CR
	cAttr                  // attribute value: not '<', '&', quotes, TAB, LF, CR
	cComment               // comment: not '-', CR
	cCData                 // CDATA section: not ']', CR
	cName                  // NameChar, less ':'
	cNameStart             // NameStartChar, less ':'
	cSpace                 // S
)

var class [256]uint8

func init() {
	for c := 0x20; c < 0x80; c++ {
		class[c] = cText | cAttr | cComment | cCData
	}
	for _, c := range "\t\n" {
		class[c] |= cText | cComment | cCData
	}
	class['<'] &^= cText | cAttr
	class['&'] &^= cText | cAttr
	class[']'] &^= cText | cCData
	class['"'] &^= cAttr
	class['\''] &^= cAttr
	class['-'] &^= cComment
	for c := 'A'; c <= 'Z'; c++ {
		class[c] |= cName | cNameStart
		class[c+'a'-'A'] |= cName | cNameStart
	}
	class['_'] |= cName | cNameStart
	for c := '0'; c <= '9'; c++ {
		class[c] |= cName
	}
	class['-'] |= cName
	class['.'] |= cName
	for _, c := range " \t\n\r" {
		class[c] |= cSpace
	}
}

func isSpace(c byte) bool { return class[c]&cSpace != 0 }

// isChar reports whether r matches the Char production of XML 1.0:
// #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF].
func isChar(r rune) bool {
	switch {
	case r < 0x20:
		return r == 0x9 || r == 0xA || r == 0xD
	case r <= 0xD7FF:
		return true
	case r < 0xE000:
		return false
	case r <= 0xFFFD:
		return true
	default:
		return r >= 0x10000 && r <= utf8.MaxRune
	}
}

// isNameStartWide reports whether r (not ASCII) is a NameStartChar of
// XML 1.0 fifth edition.
func isNameStartWide(r rune) bool {
	switch {
	case r < 0xC0:
		return false
	case r <= 0x2FF:
		return r != 0xD7 && r != 0xF7
	case r < 0x370:
		return false
	case r <= 0x1FFF:
		return r != 0x37E
	case r <= 0x200D:
		return r >= 0x200C
	case r < 0x2070:
		return false
	case r <= 0x218F:
		return true
	case r < 0x2C00:
		return false
	case r <= 0x2FEF:
		return true
	case r < 0x3001:
		return false
	case r <= 0xD7FF:
		return true
	case r < 0xF900:
		return false
	case r <= 0xFDCF:
		return true
	case r < 0xFDF0:
		return false
	case r <= 0xFFFD:
		return true
	default:
		return r >= 0x10000 && r <= 0xEFFFF
	}
}

// isNameCharWide reports whether r (not ASCII) is a NameChar of XML 1.0
// fifth edition.
func isNameCharWide(r rune) bool {
	return isNameStartWide(r) || r == 0xB7 || (r >= 0x300 && r <= 0x36F) || r == 0x203F || r == 0x2040
}
