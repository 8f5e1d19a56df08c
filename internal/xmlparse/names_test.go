package xmlparse

import (
	"encoding/xml"
	"strings"
	"testing"
)

// TestNamesCoverEncodingXML checks that every non-ASCII character
// encoding/xml accepts in a name (XML 1.0 fourth edition, Appendix B) is
// accepted here too (fifth edition), at the start and inside a name.
func TestNamesCoverEncodingXML(t *testing.T) {
	if testing.Short() {
		t.Skip("walks the whole Unicode range")
	}
	for r := rune(0x80); r <= 0x10FFFF; r++ {
		if r >= 0xD800 && r <= 0xDFFF {
			continue
		}
		s := string(r)
		if _, err := xml.NewDecoder(strings.NewReader("<" + s + "/>")).RawToken(); err == nil && !isNameStartWide(r) {
			t.Errorf("encoding/xml accepts %U as NameStartChar", r)
		}
		if _, err := xml.NewDecoder(strings.NewReader("<a" + s + "/>")).RawToken(); err == nil && !isNameCharWide(r) {
			t.Errorf("encoding/xml accepts %U as NameChar", r)
		}
	}
}
