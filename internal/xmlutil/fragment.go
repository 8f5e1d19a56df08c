package xmlutil

import (
	"errors"
	"sort"

	"github.com/beevik/etree"

	"github.com/soapstack/soapstack/internal/xmlwrite"
)

// FragmentWrapper is the element a fragment is parsed inside; its name is
// in no namespace a fragment can declare, and a fragment that closes it
// early produces a second document element, which the parser rejects.
const FragmentWrapper = "soapstack-fragment-9d2c"

// InScopeNamespaces returns the namespace declarations in scope at el
// (prefix → URI, "" for the default namespace).
func InScopeNamespaces(el *etree.Element) map[string]string {
	ns := map[string]string{}
	for e := el; e != nil; e = e.Parent() {
		for _, a := range e.Attr {
			var prefix string
			switch {
			case a.Space == "xmlns":
				prefix = a.Key
			case a.Space == "" && a.Key == "xmlns":
				prefix = ""
			default:
				continue
			}
			if _, seen := ns[prefix]; !seen {
				ns[prefix] = a.Value
			}
		}
	}
	return ns
}

// ParseFragment parses XML content (for example decrypted data) as it
// would appear as the content of context: prefixes in scope at context are
// in scope in data. The strict input rules and lim apply. It returns the
// parsed tokens (elements, text, comments), detached from any parent.
func ParseFragment(data []byte, context *etree.Element, lim Limits) ([]etree.Token, error) {
	// The wrapper and data are put together in the buffer the parser
	// keeps: data is copied once.
	buf := make([]byte, 0, len(data)+256)
	buf = append(buf, "<"+FragmentWrapper...)
	ns := InScopeNamespaces(context)
	prefixes := make([]string, 0, len(ns))
	for p := range ns {
		prefixes = append(prefixes, p)
	}
	sort.Strings(prefixes)
	for _, p := range prefixes {
		if p == "" {
			if ns[p] == "" {
				continue
			}
			buf = append(buf, ` xmlns="`...)
		} else {
			buf = append(buf, " xmlns:"...)
			buf = append(buf, p...)
			buf = append(buf, `="`...)
		}
		buf = xmlwrite.AppendAttrValue(buf, ns[p])
		buf = append(buf, '"')
	}
	buf = append(buf, '>')
	buf = append(buf, data...)
	buf = append(buf, "</"+FragmentWrapper+">"...)
	lim = WithDefaults(lim)
	lim.MaxBytes += int64(len(buf) - len(data))
	lim.MaxDepth++
	if int64(len(buf)) > lim.MaxBytes {
		return nil, ErrTooLarge
	}
	doc, err := parseBuffer(buf, lim)
	if err != nil {
		return nil, err
	}
	root := doc.Root()
	if root.Tag != FragmentWrapper || root.Space != "" {
		return nil, errors.New("soap: malformed fragment")
	}
	toks := append([]etree.Token(nil), root.Child...)
	for _, t := range toks {
		root.RemoveChild(t)
	}
	return toks, nil
}

// CopyWithScope returns a deep copy of el that stands alone: every
// namespace prefix the subtree uses without declaring it itself (element
// and attribute prefixes, the default namespace) is declared on the copy's
// root with the URI in scope at el. Nothing else changes, so the copy's
// exclusive canonical form is the original's. Use it to move an element to
// another document (a token received in one message and sent in the next).
func CopyWithScope(el *etree.Element) *etree.Element {
	c := el.Copy()
	if el.Parent() == nil {
		return c
	}
	used := map[string]bool{}
	UsedPrefixes(c, map[string]bool{}, used)
	if len(used) == 0 {
		return c
	}
	scope := InScopeNamespaces(el.Parent())
	prefixes := make([]string, 0, len(used))
	for p := range used {
		prefixes = append(prefixes, p)
	}
	sort.Strings(prefixes) // the default namespace ("") first, then by prefix
	for _, p := range prefixes {
		uri, ok := scope[p]
		if !ok {
			continue
		}
		if p == "" {
			if uri != "" {
				c.CreateAttr("xmlns", uri)
			}
			continue
		}
		c.CreateAttr("xmlns:"+p, uri)
	}
	return c
}

// UsedPrefixes records in used the prefixes el's subtree uses without
// declaring them itself; declared holds those declared above el within the
// subtree.
func UsedPrefixes(el *etree.Element, declared, used map[string]bool) {
	scope := declared
	for _, a := range el.Attr {
		var p string
		switch {
		case a.Space == "xmlns":
			p = a.Key
		case a.Space == "" && a.Key == "xmlns":
			p = ""
		default:
			continue
		}
		if len(scope) == len(declared) {
			scope = make(map[string]bool, len(declared)+1)
			for k := range declared {
				scope[k] = true
			}
		}
		scope[p] = true
	}
	if el.Space != "xml" && !scope[el.Space] {
		used[el.Space] = true
	}
	for _, a := range el.Attr {
		if a.Space == "" || a.Space == "xmlns" || a.Space == "xml" {
			continue
		}
		if !scope[a.Space] {
			used[a.Space] = true
		}
	}
	for _, ch := range el.ChildElements() {
		UsedPrefixes(ch, scope, used)
	}
}
