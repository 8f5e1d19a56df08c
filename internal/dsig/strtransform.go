package dsig

import (
	"io"

	"github.com/beevik/etree"
	"github.com/soapstack/soapstack/internal/c14n"
)

// STRDereferenceFunc returns the security token a wsse:SecurityTokenReference
// refers to: an element of the message, or one built for the purpose (for
// example a wsse:BinarySecurityToken for a certificate referenced by key
// identifier). It returns an error if the reference cannot be resolved.
type STRDereferenceFunc func(str *etree.Element) (*etree.Element, error)

// writeSTR writes the output of the STR Dereference Transform for token,
// the element the SecurityTokenReference was dereferenced to: its
// exclusive canonical form with "#default" added to the InclusiveNamespaces
// PrefixList, and with an empty default namespace declaration (xmlns="")
// on the apex element when the default namespace is not bound there.
//
// This is what WS-Security's processing model asks for and what Apache
// WSS4J (and so CXF) computes: WSS4J canonicalizes the token with the
// PrefixList "#default" and forces xmlns="" onto the apex, first by editing
// the output, later through Santuario's propagateDefaultNamespace.
func writeSTR(w io.Writer, token *etree.Element, prefixes []string) error {
	list := make([]string, 0, len(prefixes)+1)
	list = append(list, prefixes...)
	list = append(list, "#default")
	if uri, _ := lookupNS(token, ""); uri == "" {
		w = &xmlnsInserter{w: w}
	}
	return c14n.Canonicalize(w, token, c14n.WithInclusivePrefixes(list))
}

// xmlnsInserter passes canonical XML through, adding ` xmlns=""` right
// after the name of the first element (where canonical XML puts the
// default namespace declaration: before the other namespace declarations
// and the attributes).
type xmlnsInserter struct {
	w    io.Writer
	done bool
	n    int // bytes seen so far
}

func (x *xmlnsInserter) Write(p []byte) (int, error) {
	if x.done {
		return x.w.Write(p)
	}
	for i, b := range p {
		if (b == ' ' || b == '>') && x.n+i > 0 {
			if _, err := x.w.Write(p[:i]); err != nil {
				return 0, err
			}
			if _, err := io.WriteString(x.w, ` xmlns=""`); err != nil {
				return 0, err
			}
			x.done = true
			if _, err := x.w.Write(p[i:]); err != nil {
				return 0, err
			}
			return len(p), nil
		}
	}
	x.n += len(p)
	return x.w.Write(p)
}
