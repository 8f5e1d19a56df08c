package wssecurity

import (
	"encoding/hex"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/beevik/etree"
	"github.com/soapstack/soapstack/internal/wsse"
	"github.com/soapstack/soapstack/internal/xmlutil"
	"github.com/soapstack/soapstack/soap"
)

// securityHeader returns the wsse:Security header targeted at this node
// (no actor/role, "next", or the ultimate receiver), or nil. More than one
// Security header for the same actor or role is an error (WS-Security 1.0
// section 6.1).
func securityHeader(m *soap.Message) (*etree.Element, error) {
	var ours *etree.Element
	// The roles of the Security headers seen: a message has one or two, a
	// map only serves a hostile one with very many.
	var roles []string
	var many map[string]bool
	for _, t := range headerTokens(m) {
		h, ok := t.(*etree.Element)
		if !ok {
			continue
		}
		if h.Tag != "Security" || soap.ElementName(h).Space != wsse.NSWSSE {
			continue
		}
		role := headerRole(m, h)
		if slices.Contains(roles, role) || many[role] {
			return nil, fmt.Errorf("%w: more than one Security header for role %q", ErrDuplicate, role)
		}
		if len(roles) < 8 {
			roles = append(roles, role)
		} else {
			if many == nil {
				many = map[string]bool{}
			}
			many[role] = true
		}
		if m.TargetsUs(h) {
			if ours != nil {
				return nil, fmt.Errorf("%w: more than one Security header for this node", ErrDuplicate)
			}
			ours = h
		}
	}
	return ours, nil
}

// headerRole returns the normalized actor or role of a header block ("" for
// the ultimate receiver).
func headerRole(m *soap.Message, h *etree.Element) string {
	var a *etree.Attr
	if m.Version == soap.V11 {
		a = xmlutil.AttrNS(h, soap.NS11, "actor")
	} else {
		a = xmlutil.AttrNS(h, soap.NS12, "role")
	}
	if a == nil {
		return ""
	}
	r := strings.TrimSpace(a.Value)
	if r == soap.RoleUltimateReceiver12 {
		return ""
	}
	return r
}

// newSecurityHeader adds an empty mustUnderstand wsse:Security header with
// the wsse and wsu prefixes declared.
func newSecurityHeader(m *soap.Message) *etree.Element {
	sec := etree.NewElement(wsse.PrefixWSSE + ":Security")
	sec.CreateAttr("xmlns:"+wsse.PrefixWSSE, wsse.NSWSSE)
	sec.CreateAttr("xmlns:"+wsse.PrefixWSU, wsse.NSWSU)
	m.AddHeader(sec)
	m.SetMustUnderstand(sec)
	return sec
}

// idGen hands out unique wsu:Id values for one message.
type idGen struct {
	prefix string
	n      int
}

func newIDGen(r io.Reader) (*idGen, error) {
	b := make([]byte, 8)
	if _, err := io.ReadFull(r, b); err != nil {
		return nil, fmt.Errorf("wssecurity: ids: %w", err)
	}
	return &idGen{prefix: "_" + hex.EncodeToString(b) + "-"}, nil
}

func (g *idGen) next(kind string) string {
	g.n++
	return kind + g.prefix + strconv.Itoa(g.n)
}

// ensureID returns el's wsu:Id (or Id), giving it a wsu:Id when it has none.
func (g *idGen) ensureID(el *etree.Element, kind string) string {
	if id := wsse.WSUID(el); id != "" {
		return id
	}
	if a := xmlutil.AttrNS(el, "", "Id"); a != nil && a.Value != "" {
		return a.Value
	}
	id := g.next(kind)
	wsse.SetWSUID(el, id)
	return id
}

// strToLocal returns an STR with a direct reference to a token in the
// message.
func strToLocal(id, valueType, tokenType string) *etree.Element {
	str := wsse.NewSTRReference("#"+id, valueType)
	if tokenType != "" {
		wsse.SetTokenType(str, tokenType)
	}
	return str
}
