package dsig

import (
	"strings"

	"github.com/beevik/etree"
)

// IDIndex maps the ID values of a document to their elements. ID
// attributes are wsu:Id (in the WS-Security utility namespace, under any
// prefix), the unqualified Id and ID, and xml:id. Values are indexed with
// surrounding XML whitespace removed; empty values are ignored.
//
// A value that occurs twice, on two elements or in two ID attributes of the
// same element, makes NewIDIndex fail: an attacker who copies a signed
// element elsewhere and gives a second element the same value under a
// different ID attribute (wsu:Id on one, Id or xml:id on the other) relies
// on the verifier and the application resolving the value differently. With
// one unambiguous index, the element a reference was verified against is
// the only element that value can name.
//
// The index reflects the tree when it was built: build a new one after
// changing the document (for example after replacing xenc:EncryptedData by
// its plaintext). An IDIndex is safe for concurrent lookups. The zero value
// is an empty index.
type IDIndex struct {
	m map[string]*etree.Element
}

// NewIDIndex walks the subtree rooted at root once and indexes every
// element carrying an ID attribute. Namespace declarations of root's
// ancestors are taken into account. It returns an error wrapping
// ErrDuplicateID when a value occurs twice.
func NewIDIndex(root *etree.Element) (*IDIndex, error) {
	b := idBuilder{idx: &IDIndex{m: make(map[string]*etree.Element, 8)}}
	if root == nil {
		return b.idx, nil
	}
	var anc []*etree.Element
	for p := root.Parent(); p != nil; p = p.Parent() {
		anc = append(anc, p)
	}
	for i := len(anc) - 1; i >= 0; i-- {
		b.declare(anc[i])
	}
	if err := b.walk(root); err != nil {
		return nil, err
	}
	return b.idx, nil
}

// Replace updates the index after old was replaced in the document by
// toks, in place (as decryption replaces an EncryptedData by its
// plaintext): the IDs of old's subtree are dropped and those of the
// elements of toks and their subtrees added, so that the index is what
// NewIDIndex would build over the changed document. toks must already be
// in the tree, under one parent, whose ancestors' namespace declarations
// are taken into account. A value of the new content that is already
// indexed is an error wrapping ErrDuplicateID, as NewIDIndex would return;
// after an error the index must not be used.
func (x *IDIndex) Replace(old *etree.Element, toks []etree.Token) error {
	if x.m == nil {
		x.m = make(map[string]*etree.Element, 8)
	}
	if old != nil {
		x.drop(old)
	}
	b := idBuilder{idx: x}
	declared := false
	for _, t := range toks {
		e, ok := t.(*etree.Element)
		if !ok {
			continue
		}
		if !declared {
			var anc []*etree.Element
			for p := e.Parent(); p != nil; p = p.Parent() {
				anc = append(anc, p)
			}
			for i := len(anc) - 1; i >= 0; i-- {
				b.declare(anc[i])
			}
			declared = true
		}
		if err := b.walk(e); err != nil {
			return err
		}
	}
	return nil
}

// drop removes the values that name e or an element of its subtree.
func (x *IDIndex) drop(e *etree.Element) {
	for i := range e.Attr {
		v := strings.Trim(e.Attr[i].Value, " \t\r\n")
		if x.m[v] == e {
			delete(x.m, v)
		}
	}
	for _, t := range e.Child {
		if c, ok := t.(*etree.Element); ok {
			x.drop(c)
		}
	}
}

// Lookup returns the element whose ID is id, or nil.
func (x *IDIndex) Lookup(id string) *etree.Element {
	if x == nil {
		return nil
	}
	return x.m[id]
}

// Len returns the number of indexed ID values.
func (x *IDIndex) Len() int {
	if x == nil {
		return 0
	}
	return len(x.m)
}

// nsBinding is one in-scope namespace declaration.
type nsBinding struct{ prefix, uri string }

// idBuilder holds the state of one NewIDIndex walk: the in-scope namespace
// declarations as a stack (only prefixed Id attributes need them).
type idBuilder struct {
	idx *IDIndex
	ns  []nsBinding
}

func (b *idBuilder) declare(e *etree.Element) {
	for i := range e.Attr {
		if a := &e.Attr[i]; a.Space == "xmlns" {
			b.ns = append(b.ns, nsBinding{a.Key, a.Value})
		}
	}
}

func (b *idBuilder) lookup(prefix string) string {
	for i := len(b.ns) - 1; i >= 0; i-- {
		if b.ns[i].prefix == prefix {
			return b.ns[i].uri
		}
	}
	return ""
}

func (b *idBuilder) walk(e *etree.Element) error {
	mark := len(b.ns)
	b.declare(e)
	for i := range e.Attr {
		a := &e.Attr[i]
		if !b.isID(a) {
			continue
		}
		v := strings.Trim(a.Value, " \t\r\n")
		if v == "" {
			continue
		}
		if _, dup := b.idx.m[v]; dup {
			return failf(ErrDuplicateID, "ID %s occurs more than once", clip(v))
		}
		b.idx.m[v] = e
	}
	for _, t := range e.Child {
		if c, ok := t.(*etree.Element); ok {
			if err := b.walk(c); err != nil {
				return err
			}
		}
	}
	b.ns = b.ns[:mark]
	return nil
}

// isID reports whether a is one of the ID attributes.
func (b *idBuilder) isID(a *etree.Attr) bool {
	switch a.Space {
	case "":
		return a.Key == "Id" || a.Key == "ID"
	case "xml":
		return a.Key == "id"
	case "xmlns":
		return false
	}
	return a.Key == "Id" && b.lookup(a.Space) == NSWSU
}

// hasID reports whether e carries id in one of its ID attributes. It
// resolves prefixes through e's ancestors.
func hasID(e *etree.Element, id string) bool {
	for i := range e.Attr {
		a := &e.Attr[i]
		if strings.Trim(a.Value, " \t\r\n") != id {
			continue
		}
		switch {
		case a.Space == "" && (a.Key == "Id" || a.Key == "ID"), a.Space == "xml" && a.Key == "id":
			return true
		case a.Space != "" && a.Space != "xmlns" && a.Key == "Id":
			if uri, ok := lookupNS(e, a.Space); ok && uri == NSWSU {
				return true
			}
		}
	}
	return false
}
