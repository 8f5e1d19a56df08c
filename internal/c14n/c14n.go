package c14n

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"

	"github.com/beevik/etree"
)

const (
	// xmlNamespace is the namespace bound to the reserved prefix "xml".
	xmlNamespace = "http://www.w3.org/XML/1998/namespace"
	// xmlnsNamespace is the namespace of namespace declarations.
	xmlnsNamespace = "http://www.w3.org/2000/xmlns/"
	// defaultToken names the default namespace in an InclusiveNamespaces
	// PrefixList.
	defaultToken = "#default"
)

// Option configures a canonicalization. Options are plain values: passing
// them costs no allocation.
type Option struct {
	comments    bool
	setPrefixes bool
	prefixes    []string
}

type config struct {
	comments  bool
	inclusive []string
}

// WithComments selects the "with comments" variant of the algorithm
// (http://www.w3.org/2001/10/xml-exc-c14n#WithComments): comments inside the
// canonicalized subtree are output. Without it, comments are omitted.
func WithComments() Option { return Option{comments: true} }

// WithInclusivePrefixes sets the InclusiveNamespaces PrefixList: the
// namespace prefixes that are treated as in inclusive canonicalization rather
// than being emitted only where visibly utilized. Use "#default" for the
// default namespace. Each entry is one prefix; split a PrefixList attribute
// value with strings.Fields first. Empty entries and the reserved prefixes xml
// and xmlns are ignored. The slice is not modified and is only read during
// the call that uses the option. A later WithInclusivePrefixes replaces an
// earlier one.
func WithInclusivePrefixes(prefixes []string) Option {
	return Option{setPrefixes: true, prefixes: prefixes}
}

// UndeclaredPrefixError reports an element or attribute name whose namespace
// prefix has no in-scope declaration.
type UndeclaredPrefixError struct {
	// Prefix is the undeclared prefix.
	Prefix string
	// Element is the qualified name of the element using it (directly or
	// through one of its attributes).
	Element string
}

// Error implements error.
func (e *UndeclaredPrefixError) Error() string {
	return fmt.Sprintf("c14n: namespace prefix %q used by <%s> is not declared", e.Prefix, e.Element)
}

// Canonicalize writes the exclusive canonical form of the subtree rooted at el
// to w. The element may be anywhere inside a document: the namespace
// declarations of its ancestors are taken into account, and the tree is
// neither copied nor modified. Output is buffered internally and written to w
// in chunks of a few KiB; the first error returned by w is returned. On error
// (from w, or for input that is not namespace-well-formed) w may already have
// received part of the output. Canonicalize is safe for concurrent use on the same tree as long as nobody
// modifies it.
func Canonicalize(w io.Writer, el *etree.Element, opts ...Option) error {
	if el == nil {
		return errors.New("c14n: nil element")
	}
	c := getCanon(w, opts)
	defer putCanon(c)

	// Bring the declarations of the ancestors into scope, outermost first.
	for p := el.Parent(); p != nil; p = p.Parent() {
		c.anc = append(c.anc, p)
	}
	for i := len(c.anc) - 1; i >= 0; i-- {
		if err := c.declareAll(c.anc[i]); err != nil {
			return err
		}
	}
	c.element(el, true)
	return c.finish()
}

// CanonicalizeDocument writes the exclusive canonical form of a whole
// document to w: the processing instructions (except the XML declaration)
// and, with WithComments, the comments outside the document element, each
// separated from the document element by a line feed, and the document
// element itself. Text and directives outside the document element are not
// part of the canonical form. Errors are as for Canonicalize.
func CanonicalizeDocument(w io.Writer, doc *etree.Document, opts ...Option) error {
	if doc == nil {
		return errors.New("c14n: nil document")
	}
	c := getCanon(w, opts)
	defer putCanon(c)

	afterRoot := false
	for _, t := range doc.Child {
		if c.err != nil {
			break
		}
		switch t := t.(type) {
		case *etree.Element:
			c.element(t, true)
			afterRoot = true
		case *etree.Comment:
			if !c.cfg.comments {
				continue
			}
			if afterRoot {
				c.writeByte('\n')
			}
			c.comment(t)
			if !afterRoot {
				c.writeByte('\n')
			}
		case *etree.ProcInst:
			if t.Target == "xml" {
				continue // the XML declaration
			}
			if afterRoot {
				c.writeByte('\n')
			}
			c.procInst(t)
			if !afterRoot {
				c.writeByte('\n')
			}
		}
	}
	return c.finish()
}

// bufSize is the size of the output buffer; output is flushed to the
// destination writer whenever it is full.
const bufSize = 4096

// binding is one entry of a namespace stack.
type binding struct {
	prefix, uri string
	// prev is the index of the binding of the same prefix that this one
	// shadows, or -1 (maintained only while the stack is indexed).
	prev int32
}

// indexThreshold is the stack size from which prefix lookups go through a
// map instead of a linear scan. Real messages have a handful of bindings in
// scope, where scanning is faster than hashing; the index bounds the cost on
// documents with very many declarations.
const indexThreshold = 32

// nsStack is a stack of prefix bindings. Lookups find the innermost binding
// of a prefix; popping restores the previous state.
type nsStack struct {
	b       []binding
	indexed bool
	top     map[string]int32 // innermost binding per prefix, while indexed
}

func (s *nsStack) push(prefix, uri string) {
	if !s.indexed {
		if len(s.b) < indexThreshold {
			s.b = append(s.b, binding{prefix: prefix, uri: uri, prev: -1})
			return
		}
		s.buildIndex()
	}
	prev, ok := s.top[prefix]
	if !ok {
		prev = -1
	}
	s.top[prefix] = int32(len(s.b))
	s.b = append(s.b, binding{prefix: prefix, uri: uri, prev: prev})
}

func (s *nsStack) buildIndex() {
	if s.top == nil {
		s.top = make(map[string]int32, 2*indexThreshold)
	}
	for i := range s.b {
		b := &s.b[i]
		prev, ok := s.top[b.prefix]
		if !ok {
			prev = -1
		}
		b.prev = prev
		s.top[b.prefix] = int32(i)
	}
	s.indexed = true
}

func (s *nsStack) lookup(prefix string) (string, bool) {
	if !s.indexed {
		for i := len(s.b) - 1; i >= 0; i-- {
			if s.b[i].prefix == prefix {
				return s.b[i].uri, true
			}
		}
		return "", false
	}
	i, ok := s.top[prefix]
	if !ok {
		return "", false
	}
	return s.b[i].uri, true
}

// popTo removes bindings until n remain.
func (s *nsStack) popTo(n int) {
	if s.indexed {
		for i := len(s.b) - 1; i >= n; i-- {
			b := &s.b[i]
			if b.prev < 0 {
				delete(s.top, b.prefix)
			} else {
				s.top[b.prefix] = b.prev
			}
		}
	}
	clear(s.b[n:])
	s.b = s.b[:n]
}

func (s *nsStack) reset() {
	clear(s.b)
	s.b = s.b[:0]
	clear(s.top)
	s.indexed = false
}

// candidate is a prefix that may need a namespace declaration on the element
// being written.
type candidate struct {
	prefix   string
	utilized bool // visibly utilized (else only named in the PrefixList)
}

// nsDecl is a namespace declaration to be written.
type nsDecl struct {
	prefix, uri string
}

// sortAttr is an attribute with its resolved namespace URI.
type sortAttr struct {
	uri string
	a   *etree.Attr
}

// canon holds the state of one canonicalization. It is pooled.
type canon struct {
	w   io.Writer
	buf []byte
	err error
	cfg config

	ns  nsStack // in-scope declarations of the input
	out nsStack // declarations rendered by output ancestors

	// scratch space, reused for every element
	cand  []candidate
	decls []nsDecl
	attrs []sortAttr
	anc   []*etree.Element
}

var canonPool = sync.Pool{
	New: func() any {
		return &canon{buf: make([]byte, 0, bufSize)}
	},
}

func getCanon(w io.Writer, opts []Option) *canon {
	c := canonPool.Get().(*canon)
	c.w = w
	for _, o := range opts {
		if o.comments {
			c.cfg.comments = true
		}
		if o.setPrefixes {
			c.cfg.inclusive = o.prefixes
		}
	}
	return c
}

// maxPooledScratch bounds the scratch capacity kept in the pool, so that one
// pathological document does not pin memory forever.
const maxPooledScratch = 1 << 12

func putCanon(c *canon) {
	c.w = nil
	c.err = nil
	c.cfg = config{}
	c.buf = c.buf[:0]
	c.ns.reset()
	c.out.reset()
	clear(c.cand[:cap(c.cand)])
	clear(c.decls[:cap(c.decls)])
	clear(c.attrs[:cap(c.attrs)])
	clear(c.anc[:cap(c.anc)])
	c.cand, c.decls, c.attrs, c.anc = c.cand[:0], c.decls[:0], c.attrs[:0], c.anc[:0]
	if cap(c.ns.b) > maxPooledScratch || cap(c.out.b) > maxPooledScratch ||
		cap(c.attrs) > maxPooledScratch || cap(c.cand) > maxPooledScratch ||
		cap(c.decls) > maxPooledScratch || cap(c.anc) > maxPooledScratch {
		return // let it go; the pool makes a fresh one
	}
	canonPool.Put(c)
}

// finish flushes the buffer and returns the first error.
func (c *canon) finish() error {
	c.flush()
	return c.err
}

func (c *canon) fail(err error) {
	if c.err == nil {
		c.err = err
	}
}

// isInclusive reports whether prefix ("" for the default namespace) is in the
// InclusiveNamespaces PrefixList.
func (c *canon) isInclusive(prefix string) bool {
	for _, p := range c.cfg.inclusive {
		if p == prefix && p != "" || prefix == "" && p == defaultToken {
			return true
		}
	}
	return false
}

// declare brings one namespace declaration of the input into scope.
func (c *canon) declare(prefix, uri string) error {
	switch {
	case prefix == "xml":
		if uri != xmlNamespace {
			return fmt.Errorf("c14n: prefix xml may not be bound to %q", uri)
		}
		return nil // always bound implicitly, never rendered
	case prefix == "xmlns":
		return errors.New("c14n: prefix xmlns may not be declared")
	case uri == xmlnsNamespace:
		return fmt.Errorf("c14n: %s may not be bound to a prefix or as the default namespace", xmlnsNamespace)
	case uri == xmlNamespace:
		return fmt.Errorf("c14n: %s may only be bound to the prefix xml", xmlNamespace)
	}
	c.ns.push(prefix, uri)
	return nil
}

// declareAll brings the namespace declarations of e into scope.
func (c *canon) declareAll(e *etree.Element) error {
	for i := range e.Attr {
		a := &e.Attr[i]
		var err error
		if a.Space == "xmlns" {
			if a.Key == "" {
				return fmt.Errorf("c14n: namespace declaration without a prefix on <%s>", e.FullTag())
			}
			err = c.declare(a.Key, a.Value)
		} else if a.Space == "" && a.Key == "xmlns" {
			err = c.declare("", a.Value)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func isNSDecl(a *etree.Attr) bool {
	return a.Space == "xmlns" || a.Space == "" && a.Key == "xmlns"
}

func (c *canon) undeclared(prefix string, e *etree.Element) {
	c.fail(&UndeclaredPrefixError{Prefix: prefix, Element: e.FullTag()})
}

// addCandidate records prefix as a candidate for a namespace declaration on
// the current element. Duplicates are merged by mergeCandidates.
func (c *canon) addCandidate(prefix string, utilized bool) {
	c.cand = append(c.cand, candidate{prefix: prefix, utilized: utilized})
}

// mergeCandidates sorts the candidates by prefix (the default namespace, "",
// first) and merges duplicates.
func (c *canon) mergeCandidates() {
	s := c.cand
	if len(s) < 2 {
		return
	}
	if len(s) == 2 {
		if s[0].prefix > s[1].prefix {
			s[0], s[1] = s[1], s[0]
		}
	} else {
		slices.SortFunc(s, func(x, y candidate) int { return strings.Compare(x.prefix, y.prefix) })
	}
	n := 1
	for i := 1; i < len(s); i++ {
		if s[i].prefix == s[n-1].prefix {
			s[n-1].utilized = s[n-1].utilized || s[i].utilized
			continue
		}
		s[n] = s[i]
		n++
	}
	c.cand = s[:n]
}

// element writes e and its content. apex is true for the root of the
// canonicalized subtree (whose parent is not part of the output).
func (c *canon) element(e *etree.Element, apex bool) {
	if e.Tag == "" {
		c.fail(errors.New("c14n: element without a name"))
		return
	}
	if e.Space == "xmlns" {
		c.fail(fmt.Errorf("c14n: element <%s> uses the reserved prefix xmlns", e.FullTag()))
		return
	}
	nsMark, outMark := len(c.ns.b), len(c.out.b)
	if err := c.declareAll(e); err != nil {
		c.fail(err)
		return
	}

	// Which prefixes may need a declaration here: the ones visibly utilized
	// by the element and its attributes, and the PrefixList ones that are
	// in scope at the apex or (re)declared on this element.
	c.cand = c.cand[:0]
	if e.Space != "xml" {
		c.addCandidate(e.Space, true)
	}
	for i := range e.Attr {
		a := &e.Attr[i]
		if isNSDecl(a) {
			if !apex && len(c.cfg.inclusive) > 0 {
				p := a.Key
				if a.Space == "" {
					p = ""
				}
				if c.isInclusive(p) {
					c.addCandidate(p, false)
				}
			}
			continue
		}
		if a.Space != "" && a.Space != "xml" {
			c.addCandidate(a.Space, true)
		}
	}
	if apex {
		for _, p := range c.cfg.inclusive {
			switch p {
			case defaultToken:
				c.addCandidate("", false)
			case "", "xml", "xmlns":
			default:
				c.addCandidate(p, false)
			}
		}
	}
	c.mergeCandidates()

	// Decide which declarations to render: those whose binding differs from
	// the one rendered by the output ancestors.
	c.decls = c.decls[:0]
	for _, cd := range c.cand {
		uri, ok := c.ns.lookup(cd.prefix)
		if cd.prefix != "" && (!ok || uri == "") {
			if cd.utilized {
				c.undeclared(cd.prefix, e)
				return
			}
			continue // a PrefixList prefix that is not in scope
		}
		if rendered, _ := c.out.lookup(cd.prefix); rendered == uri {
			continue
		}
		c.decls = append(c.decls, nsDecl{prefix: cd.prefix, uri: uri})
		c.out.push(cd.prefix, uri)
	}

	// Attributes, ordered by namespace URI and local name.
	c.attrs = c.attrs[:0]
	for i := range e.Attr {
		a := &e.Attr[i]
		if isNSDecl(a) {
			continue
		}
		if a.Key == "" {
			c.fail(fmt.Errorf("c14n: attribute without a name on <%s>", e.FullTag()))
			return
		}
		var uri string
		switch a.Space {
		case "":
		case "xml":
			uri = xmlNamespace
		default:
			uri, _ = c.ns.lookup(a.Space)
		}
		c.attrs = append(c.attrs, sortAttr{uri: uri, a: a})
	}
	if len(c.attrs) > 1 {
		slices.SortFunc(c.attrs, attrCompare)
		for i := 1; i < len(c.attrs); i++ {
			p, q := &c.attrs[i-1], &c.attrs[i]
			if p.uri == q.uri && p.a.Key == q.a.Key {
				c.fail(fmt.Errorf("c14n: duplicate attribute {%s}%s on <%s>", q.uri, q.a.Key, e.FullTag()))
				return
			}
		}
	}

	// Start tag.
	c.writeByte('<')
	c.qname(e.Space, e.Tag)
	for _, d := range c.decls {
		if d.prefix == "" {
			c.writeString(` xmlns="`)
		} else {
			c.writeString(` xmlns:`)
			c.writeString(d.prefix)
			c.writeString(`="`)
		}
		c.attrValue(d.uri)
		c.writeByte('"')
	}
	for _, sa := range c.attrs {
		c.writeByte(' ')
		c.qname(sa.a.Space, sa.a.Key)
		c.writeString(`="`)
		c.attrValue(sa.a.Value)
		c.writeByte('"')
	}
	c.writeByte('>')

	// Content.
	for _, t := range e.Child {
		if c.err != nil {
			return
		}
		switch t := t.(type) {
		case *etree.Element:
			c.element(t, false)
		case *etree.CharData:
			c.text(t.Data)
		case *etree.Comment:
			if c.cfg.comments {
				c.comment(t)
			}
		case *etree.ProcInst:
			c.procInst(t)
		}
	}
	if c.err != nil {
		return
	}

	// End tag.
	c.writeString("</")
	c.qname(e.Space, e.Tag)
	c.writeByte('>')

	c.ns.popTo(nsMark)
	c.out.popTo(outMark)
}

func (c *canon) qname(space, local string) {
	if space != "" {
		c.writeString(space)
		c.writeByte(':')
	}
	c.writeString(local)
}

func (c *canon) comment(t *etree.Comment) {
	c.writeString("<!--")
	c.writeString(t.Data)
	c.writeString("-->")
}

func (c *canon) procInst(t *etree.ProcInst) {
	c.writeString("<?")
	c.writeString(t.Target)
	if t.Inst != "" {
		c.writeByte(' ')
		c.writeString(t.Inst)
	}
	c.writeString("?>")
}

func attrCompare(x, y sortAttr) int {
	if c := strings.Compare(x.uri, y.uri); c != 0 {
		return c
	}
	return strings.Compare(x.a.Key, y.a.Key)
}
