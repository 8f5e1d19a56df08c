package dsig

import "github.com/beevik/etree"

// arena hands out the elements, attribute and child slices and text
// nodes of one ds:Signature from a few blocks, so that building the
// Signature costs a handful of allocations instead of four per element.
// The elements are ordinary etree elements: they may be moved, copied or
// modified like any other. A block that runs out is replaced by a new one.
type arena struct {
	els   []etree.Element
	attrs []etree.Attr
	kids  []etree.Token
	texts []etree.CharData
}

// newArena sizes the blocks for els elements with attrs attributes, kids
// children and texts text nodes in all.
func newArena(els, attrs, kids, texts int) *arena {
	return &arena{
		els:   make([]etree.Element, els),
		attrs: make([]etree.Attr, attrs),
		kids:  make([]etree.Token, kids),
		texts: make([]etree.CharData, texts),
	}
}

// element returns a new element space:tag with room for nattr attributes
// and nkids children, appended to parent unless parent is nil.
func (a *arena) element(parent *etree.Element, space, tag string, nattr, nkids int) *etree.Element {
	if len(a.els) == 0 {
		a.els = make([]etree.Element, 8)
	}
	e := &a.els[0]
	a.els = a.els[1:]
	e.Space, e.Tag = space, tag
	e.Attr = a.attrSlice(nattr)
	e.Child = a.kidSlice(nkids)
	if parent != nil {
		parent.AddChild(e)
	}
	return e
}

func (a *arena) attrSlice(n int) []etree.Attr { return carve(&a.attrs, n) }

func (a *arena) kidSlice(n int) []etree.Token { return carve(&a.kids, n) }

// carve cuts an empty slice with capacity n off the front of *block,
// replacing the block when it is too short; nil for n == 0.
func carve[T any](block *[]T, n int) []T {
	if n == 0 {
		return nil
	}
	if len(*block) < n {
		*block = make([]T, max(n, 8))
	}
	s := (*block)[:0:n]
	*block = (*block)[n:]
	return s
}

// text appends a text node holding s to e.
func (a *arena) text(e *etree.Element, s string) {
	if len(a.texts) == 0 {
		a.texts = make([]etree.CharData, 4)
	}
	cd := &a.texts[0]
	a.texts = a.texts[1:]
	cd.Data = s
	e.AddChild(cd)
}
