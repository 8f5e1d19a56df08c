package xmlutil

import (
	"encoding/xml"
	"fmt"
	"strings"

	"github.com/beevik/etree"
)

// LookupPrefix resolves a namespace prefix ("" for the default namespace)
// in the scope of el.
func LookupPrefix(el *etree.Element, prefix string) (string, bool) {
	switch prefix {
	case "xml":
		return NSXML, true
	case "xmlns":
		return NSXMLNS, true
	}
	for e := el; e != nil; e = e.Parent() {
		for _, a := range e.Attr {
			if prefix == "" {
				if a.Space == "" && a.Key == "xmlns" {
					return a.Value, true
				}
			} else if a.Space == "xmlns" && a.Key == prefix {
				return a.Value, true
			}
		}
	}
	if prefix == "" {
		return "", true
	}
	return "", false
}

// ResolveQName resolves a prefixed QName value in the scope of el.
func ResolveQName(el *etree.Element, v string) (xml.Name, error) {
	prefix, local, ok := strings.Cut(v, ":")
	if !ok {
		prefix, local = "", v
	}
	if local == "" || strings.ContainsAny(local, " \t\r\n:") {
		return xml.Name{}, fmt.Errorf("invalid QName %q", v)
	}
	ns, found := LookupPrefix(el, prefix)
	if !found {
		return xml.Name{}, fmt.Errorf("undeclared prefix in QName %q", v)
	}
	return xml.Name{Space: ns, Local: local}, nil
}

// ElementName returns the expanded name of el.
func ElementName(el *etree.Element) xml.Name {
	ns, _ := LookupPrefix(el, el.Space)
	return xml.Name{Space: ns, Local: el.Tag}
}

// Is reports whether el has namespace ns and local name local.
func Is(el *etree.Element, ns, local string) bool {
	return el != nil && el.Tag == local && ElementName(el).Space == ns
}

// Child returns the first child element of el with the given expanded
// name ("" namespace means unqualified).
func Child(el *etree.Element, ns, local string) *etree.Element {
	for _, c := range el.Child {
		if ce, ok := c.(*etree.Element); ok && ce.Tag == local && ElementName(ce).Space == ns {
			return ce
		}
	}
	return nil
}

// AttrValue returns the value of el's attribute with the given expanded name
// (unprefixed attributes have no namespace).
func AttrValue(el *etree.Element, ns, local string) string {
	a := AttrNS(el, ns, local)
	if a == nil {
		return ""
	}
	return a.Value
}

// AttrNS returns el's attribute with the given expanded name, or nil.
// Unprefixed attributes are in no namespace.
func AttrNS(el *etree.Element, ns, local string) *etree.Attr {
	for i := range el.Attr {
		a := &el.Attr[i]
		if a.Key != local || a.Space == "xmlns" || (a.Space == "" && a.Key == "xmlns") {
			continue
		}
		if a.Space == "" {
			if ns == "" {
				return a
			}
			continue
		}
		if uri, ok := LookupPrefix(el, a.Space); ok && uri == ns {
			return a
		}
	}
	return nil
}

// Namespaces bound to the reserved prefixes.
const (
	// NSXML is the namespace bound to the reserved "xml" prefix.
	NSXML = "http://www.w3.org/XML/1998/namespace"
	// NSXMLNS is the namespace of namespace declarations.
	NSXMLNS = "http://www.w3.org/2000/xmlns/"
)
