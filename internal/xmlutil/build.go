package xmlutil

import "github.com/beevik/etree"

// textElement is a leaf element and its character data, allocated together.
type textElement struct {
	el   etree.Element
	text etree.CharData
	kids [1]etree.Token
}

// AddTextElement appends to parent a new child element space:tag (tag
// alone when space is "", a local name without a colon) whose only content
// is text, and returns it. The
// tree is the one parent.CreateElement(name).SetText(text) builds, made in
// one allocation instead of three or four: security headers are mostly
// such leaves (nonces, lengths, timestamps, digest and cipher values).
func AddTextElement(parent *etree.Element, space, tag, text string) *etree.Element {
	t := &textElement{}
	t.el.Space, t.el.Tag = space, tag
	t.el.Attr = []etree.Attr{}
	t.el.Child = t.kids[:0]
	if text != "" {
		t.text.Data = text
		t.el.AddChild(&t.text)
	}
	parent.AddChild(&t.el)
	return &t.el
}

// AddElement appends to parent a new child element space:tag (tag alone
// when space is "", a local name without a colon) and returns it, as parent.CreateElement(name) does,
// without building the name.
func AddElement(parent *etree.Element, space, tag string) *etree.Element {
	el := etree.NewElement(tag)
	el.Space = space
	parent.AddChild(el)
	return el
}
