package xmlenc

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"unicode"

	"github.com/beevik/etree"
	"github.com/soapstack/soapstack/internal/xmlutil"
	"github.com/soapstack/soapstack/internal/xmlwrite"
)

// Errors of the element layer, in addition to those of block.go. Like
// those, they are returned as is or wrapped with non-secret context.
var (
	// ErrMalformed means an XML Encryption or WS-Security element does not
	// have the structure this package requires: a wrong element name, a
	// missing, repeated or unexpected child, text where none may be, an
	// invalid Id or reference URI, an unsupported Type. It is about the
	// element itself, never about decrypted content.
	ErrMalformed = errors.New("xmlenc: malformed element")
	// ErrAlgorithmMismatch means the EncryptionMethod of an
	// xenc:EncryptedData names another algorithm than the BlockCipher
	// given to decrypt it (or names none).
	ErrAlgorithmMismatch = errors.New("xmlenc: EncryptionMethod does not match the cipher")
	// ErrCipherReference means the xenc:CipherData holds an
	// xenc:CipherReference. Only inline xenc:CipherValue is supported:
	// dereferencing URIs would let a sender make the receiver fetch or
	// transform arbitrary data.
	ErrCipherReference = errors.New("xmlenc: CipherReference is not supported")
	// ErrTooLarge means a CipherValue, an OAEPparams value or a list of
	// references exceeds its size limit, or decryption would nest the
	// content deeper than the limits allow.
	ErrTooLarge = errors.New("xmlenc: size limit exceeded")
)

// DecryptError is the error of every failure of DecryptData and
// DecryptHeader that depends on the ciphertext: a CipherValue that is not
// base64, a failed block decryption (bad CBC padding, failed GCM tag), and
// decrypted content that the strict parser rejects or that does not have
// the form its Type requires. Its Error text is always that of ErrDecrypt,
// and errors.Is(err, ErrDecrypt) holds, so that a caller answers all these
// cases identically: an attacker who could tell a padding failure from a
// parse failure would have a decryption oracle (Jager and Somorovsky, "How
// To Break XML Encryption", 2011).
//
// Detail says which step failed, for the receiver's own logs only; it never
// holds key material, ciphertext or plaintext.
type DecryptError struct {
	// Detail names the failed step, for example "block decryption failed".
	Detail string
}

// Error returns the text of ErrDecrypt, whatever the detail.
func (e *DecryptError) Error() string { return ErrDecrypt.Error() }

// Is reports whether target is ErrDecrypt.
func (e *DecryptError) Is(target error) bool { return target == ErrDecrypt }

func malformed(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrMalformed}, args...)...)
}

// Prefixes this package writes. Every element it builds declares the
// prefixes it uses itself, so it may be moved anywhere.
const (
	prefixXENC   = "xenc"
	prefixXENC11 = "xenc11"
	prefixDS     = "ds"
	prefixWSSE11 = "wsse11"
	prefixWSU    = "wsu"
	prefixSOAP   = "soap"
)

// maxIDLength bounds Id values and reference fragments.
const maxIDLength = 1024

// validID reports whether id can be an XML ID (an NCName, approximated:
// a letter or '_' first, then letters, digits, '.', '-', '_').
func validID(id string) bool {
	if id == "" || len(id) > maxIDLength {
		return false
	}
	for i, r := range id {
		switch {
		case r == '_' || unicode.IsLetter(r):
		case i > 0 && (r == '-' || r == '.' || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r)):
		default:
			return false
		}
	}
	return true
}

// attr returns the value of el's unqualified attribute local.
func attr(el *etree.Element, local string) string {
	if a := xmlutil.AttrNS(el, "", local); a != nil {
		return a.Value
	}
	return ""
}

// childElements returns the element children of el. Comments are skipped;
// non-whitespace text and other tokens make el malformed (what is the
// content of an XML Encryption element is elements only).
func childElements(el *etree.Element) ([]*etree.Element, error) {
	var kids []*etree.Element
	for _, t := range el.Child {
		switch t := t.(type) {
		case *etree.Element:
			kids = append(kids, t)
		case *etree.CharData:
			if !isXMLSpace(t.Data) {
				return nil, malformed("text inside <%s>", el.FullTag())
			}
		case *etree.Comment:
		default:
			return nil, malformed("unexpected content inside <%s>", el.FullTag())
		}
	}
	return kids, nil
}

// textOf returns the character data of el, which must have no element,
// comment or other children.
func textOf(el *etree.Element) (string, error) {
	if len(el.Child) == 1 {
		if c, ok := el.Child[0].(*etree.CharData); ok {
			return c.Data, nil
		}
	}
	var b strings.Builder
	for _, t := range el.Child {
		c, ok := t.(*etree.CharData)
		if !ok {
			return "", malformed("<%s> may hold text only", el.FullTag())
		}
		b.WriteString(c.Data)
	}
	return b.String(), nil
}

func isXMLSpace(s string) bool {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case ' ', '\t', '\r', '\n':
		default:
			return false
		}
	}
	return true
}

// decodeBase64 decodes the base64 text of el (white space allowed anywhere,
// as in XML Schema base64Binary) into at most maxLen bytes. A longer value
// gives ErrTooLarge before anything is decoded; bad base64 gives errBad.
func decodeBase64(el *etree.Element, maxLen int, errBad error) ([]byte, error) {
	b, err := appendBase64(nil, el, maxLen, errBad)
	if b == nil && err == nil {
		b = []byte{} // an empty value is not nil
	}
	return b, err
}

// appendBase64 is decodeBase64 appending to dst (which the result may
// share).
func appendBase64(dst []byte, el *etree.Element, maxLen int, errBad error) ([]byte, error) {
	s, err := textOf(el)
	if err != nil {
		return nil, err
	}
	limit := base64.StdEncoding.EncodedLen(maxLen)
	n := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case ' ', '\t', '\r', '\n':
		default:
			n++
		}
	}
	if n > limit {
		return nil, fmt.Errorf("%w: <%s> holds %d base64 characters, at most %d allowed", ErrTooLarge, el.FullTag(), n, limit)
	}
	if n == len(s) {
		return decodeBase64Chunks(dst, s, maxLen, el, errBad)
	}
	src := make([]byte, 0, n)
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case ' ', '\t', '\r', '\n':
		default:
			src = append(src, s[i])
		}
	}
	out, err := base64.StdEncoding.AppendDecode(dst, src)
	if err != nil {
		return nil, errBad
	}
	out = out[len(dst):]
	if k := len(out); k > maxLen {
		return nil, fmt.Errorf("%w: <%s> holds %d bytes, at most %d allowed", ErrTooLarge, el.FullTag(), k, maxLen)
	}
	return out, nil
}

// textLen is the length of the character data directly inside el.
func textLen(el *etree.Element) int {
	n := 0
	for _, t := range el.Child {
		if c, ok := t.(*etree.CharData); ok {
			n += len(c.Data)
		}
	}
	return n
}

// decodeBase64Chunks decodes s, base64 without white space, through a
// small buffer instead of a copy of the whole text. Padding may only end
// the text, as when it is decoded in one piece.
func decodeBase64Chunks(dst []byte, s string, maxLen int, el *etree.Element, errBad error) ([]byte, error) {
	start := len(dst)
	out := slices.Grow(dst, base64.StdEncoding.DecodedLen(len(s)))
	var chunk [2048]byte // a multiple of 4
	for off := 0; off < len(s); {
		k := copy(chunk[:], s[off:])
		off += k
		if off < len(s) && bytes.IndexByte(chunk[:k], '=') >= 0 {
			return nil, errBad
		}
		var err error
		if out, err = base64.StdEncoding.AppendDecode(out, chunk[:k]); err != nil {
			return nil, errBad
		}
	}
	out = out[start:]
	if len(out) > maxLen {
		return nil, fmt.Errorf("%w: <%s> holds %d bytes, at most %d allowed", ErrTooLarge, el.FullTag(), len(out), maxLen)
	}
	return out, nil
}

// isNamed reports whether el has the expanded name {ns}local.
func isNamed(el *etree.Element, ns, local string) bool {
	return el.Tag == local && xmlutil.Is(el, ns, local)
}

// addKeyInfo appends keyInfo to parent: as is when it is a ds:KeyInfo
// element, otherwise wrapped in a new ds:KeyInfo. The element is moved,
// not copied.
func addKeyInfo(parent, keyInfo *etree.Element) {
	if keyInfo == nil {
		return
	}
	if keyInfo.Tag == "KeyInfo" {
		ns, ok := xmlutil.LookupPrefix(keyInfo, keyInfo.Space)
		switch {
		case ok && ns == NSDSig:
			parent.AddChild(keyInfo)
			return
		case !ok && keyInfo.Space == prefixDS:
			keyInfo.CreateAttr("xmlns:"+prefixDS, NSDSig)
			parent.AddChild(keyInfo)
			return
		}
	}
	ki := parent.CreateElement(prefixDS + ":KeyInfo")
	ki.CreateAttr("xmlns:"+prefixDS, NSDSig)
	ki.AddChild(keyInfo)
}

// bufferPool holds the buffers of serialized plaintexts; a buffer is
// cleared before it goes back.
var bufferPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// maxPooledBuffer is the capacity above which a buffer is not kept.
const maxPooledBuffer = 1 << 20

func getBuffer() *bytes.Buffer { return bufferPool.Get().(*bytes.Buffer) }

// putBuffer wipes buf (it held plaintext) and returns it to the pool.
func putBuffer(buf *bytes.Buffer) {
	clear(buf.Bytes())
	buf.Reset()
	if buf.Cap() <= maxPooledBuffer {
		bufferPool.Put(buf)
	}
}

// serialize writes the tokens as XML, using their prefixes as written.
// Namespace declarations on ancestors are not copied: the content is
// decrypted in the same place, in the same scope. Text escapes &, <, > and
// CR; attribute values also escape ", TAB, LF and CR (which attribute value
// normalization would otherwise turn into spaces), so the content parses
// back to the same tree.
// The bytes are internal/xmlwrite's.
func serialize(buf *bytes.Buffer, toks ...etree.Token) {
	buf.Write(xmlwrite.AppendTokens(buf.AvailableBuffer(), toks...))
}

// checkPlaintext verifies that tok serializes to content the strict parser
// accepts in the scope inScope: every prefix it uses is declared in it or
// in scope, no prefix is undeclared, and it holds no processing
// instruction, directive or comment that cannot be written. It catches
// trees built by hand that could never be decrypted. Errors name prefixes
// only, never element names or text.
func checkPlaintext(tok etree.Token, inScope map[string]string) error {
	var bound []string // prefixes declared inside the subtree, innermost last
	isBound := func(p string) bool {
		switch p {
		case "", "xml":
			return true
		case "xmlns":
			return false
		}
		for i := len(bound) - 1; i >= 0; i-- {
			if bound[i] == p {
				return true
			}
		}
		_, ok := inScope[p]
		return ok
	}
	var walk func(t etree.Token) error
	walk = func(t etree.Token) error {
		switch t := t.(type) {
		case *etree.Element:
			mark := len(bound)
			for _, a := range t.Attr {
				if a.Space == "xmlns" {
					if a.Value == "" || a.Key == "xmlns" || a.Key == "xml" {
						return malformed("plaintext declares namespace prefix %q invalidly", a.Key)
					}
					bound = append(bound, a.Key)
				}
			}
			if !isBound(t.Space) {
				return malformed("plaintext uses undeclared namespace prefix %q", t.Space)
			}
			for _, a := range t.Attr {
				if a.Space != "xmlns" && !isBound(a.Space) {
					return malformed("plaintext uses undeclared namespace prefix %q", a.Space)
				}
			}
			for _, c := range t.Child {
				if err := walk(c); err != nil {
					return err
				}
			}
			bound = bound[:mark]
		case *etree.Comment:
			if strings.Contains(t.Data, "--") || strings.HasSuffix(t.Data, "-") {
				return malformed("plaintext holds a comment that cannot be serialized")
			}
		case *etree.ProcInst, *etree.Directive:
			return malformed("plaintext holds a processing instruction or directive")
		}
		return nil
	}
	return walk(tok)
}

// replaceChild replaces the child at index idx of parent by toks, in
// order, in time linear in the number of children.
func replaceChild(parent *etree.Element, idx int, toks ...etree.Token) {
	n := len(parent.Child)
	tail := append([]etree.Token(nil), parent.Child[idx+1:]...)
	for i := n - 1; i >= idx; i-- {
		parent.RemoveChildAt(i)
	}
	for _, t := range toks {
		parent.AddChild(t)
	}
	for _, t := range tail {
		parent.AddChild(t)
	}
}

// depthOf is the number of elements from the document element down to el,
// both included (the document's own container element does not count).
func depthOf(el *etree.Element) int {
	n := 0
	for e := el; e != nil; e = e.Parent() {
		if e.Parent() == nil && e.Tag == "" {
			break
		}
		n++
	}
	return n
}

// fillLimits gives zero fields of lim their defaults.
func fillLimits(lim xmlutil.Limits) xmlutil.Limits {
	d := xmlutil.DefaultLimits()
	if lim.MaxBytes <= 0 {
		lim.MaxBytes = d.MaxBytes
	}
	if lim.MaxDepth <= 0 {
		lim.MaxDepth = d.MaxDepth
	}
	if lim.MaxElements <= 0 {
		lim.MaxElements = d.MaxElements
	}
	if lim.MaxAttributes <= 0 {
		lim.MaxAttributes = d.MaxAttributes
	}
	if lim.MaxAttrBytes <= 0 {
		lim.MaxAttrBytes = d.MaxAttrBytes
	}
	return lim
}

// choosePrefix returns a prefix for uri on a new element placed where
// inScope is the namespace scope: one already bound to uri there (no
// declaration needed), else preferred or preferred+N, unbound in scope and
// not in taken, which the caller must declare. A new declaration never
// shadows a binding of the scope, so content parsed in that scope means
// the same inside the new element.
func choosePrefix(inScope map[string]string, uri, preferred string, taken map[string]bool) (prefix string, declare bool) {
	if inScope[preferred] == uri && !taken[preferred] {
		return preferred, false
	}
	var bound []string
	for p, u := range inScope {
		if p != "" && u == uri && !taken[p] {
			bound = append(bound, p)
		}
	}
	if len(bound) > 0 {
		sort.Strings(bound)
		return bound[0], false
	}
	p := preferred
	for i := 1; ; i++ {
		if _, used := inScope[p]; !used && !taken[p] {
			taken[p] = true
			return p, true
		}
		p = preferred + strconv.Itoa(i)
	}
}
