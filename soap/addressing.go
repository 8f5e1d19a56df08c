package soap

import (
	"crypto/rand"
	"encoding/xml"
	"fmt"
	"io"
	"strings"

	"github.com/beevik/etree"
	"github.com/google/uuid"
	"github.com/soapstack/soapstack/internal/xmlutil"
)

// AddressingVersion is a WS-Addressing version; the zero value means the
// message carries no addressing headers.
type AddressingVersion int

// WS-Addressing versions.
const (
	WSA10     AddressingVersion = 1 // W3C WS-Addressing 1.0 (2005/08)
	WSA200408 AddressingVersion = 2 // member submission, 2004/08
)

// String returns a short name of the version.
func (v AddressingVersion) String() string {
	switch v {
	case WSA10:
		return "wsa10"
	case WSA200408:
		return "wsa200408"
	}
	return "none"
}

// Namespace returns the namespace URI of v ("" for none).
func (v AddressingVersion) Namespace() string {
	switch v {
	case WSA10:
		return NSWSA10
	case WSA200408:
		return NSWSA200408
	}
	return ""
}

// Anonymous returns the anonymous address of v.
func (v AddressingVersion) Anonymous() string {
	if v == WSA200408 {
		return AnonymousWSA200408
	}
	return AnonymousWSA10
}

// FaultAction returns the default fault action of v.
func (v AddressingVersion) FaultAction() string {
	if v == WSA200408 {
		return FaultActionWSA200408
	}
	return FaultActionWSA10
}

// IsAnonymous reports whether address is the anonymous address of either
// version (or empty).
func IsAnonymous(address string) bool {
	return address == "" || address == AnonymousWSA10 || address == AnonymousWSA200408
}

func addressingVersionOf(ns string) AddressingVersion {
	switch ns {
	case NSWSA10:
		return WSA10
	case NSWSA200408:
		return WSA200408
	}
	return 0
}

// EndpointReference is a WS-Addressing endpoint reference.
type EndpointReference struct {
	Address string
	// ReferenceParameters are copied as header blocks into messages sent to
	// the endpoint (2004/08 ReferenceProperties are read into this too).
	ReferenceParameters []*etree.Element
}

// RelatesTo is one wsa:RelatesTo header. An empty Type is the reply
// relationship.
type RelatesTo struct {
	ID   string
	Type string
}

// Addressing is the set of WS-Addressing message addressing properties of a
// message. The *Elem fields point at the header elements they were read
// from or written to, so a security layer can check that exactly those
// elements were signed.
type Addressing struct {
	Version   AddressingVersion
	Action    string
	To        string
	MessageID string
	RelatesTo []RelatesTo
	ReplyTo   *EndpointReference
	FaultTo   *EndpointReference
	From      *EndpointReference
	// ReferenceParameters are the incoming headers marked as reference
	// parameters (WS-Addressing 1.0 IsReferenceParameter).
	ReferenceParameters []*etree.Element

	// Elements holds the header element of each property by local name
	// ("Action", "To", "MessageID", "ReplyTo", "FaultTo", "From"), and
	// every RelatesTo element under "RelatesTo".
	Elements map[string][]*etree.Element
}

// Elem returns the first header element for a property, or nil.
func (a *Addressing) Elem(local string) *etree.Element {
	if els := a.Elements[local]; len(els) > 0 {
		return els[0]
	}
	return nil
}

// NewMessageID returns a fresh "urn:uuid:" message id drawn from r
// (crypto/rand when r is nil).
func NewMessageID(r io.Reader) (string, error) {
	if r == nil {
		r = rand.Reader
	}
	u, err := uuid.NewRandomFromReader(r)
	if err != nil {
		return "", fmt.Errorf("soap: message id: %w", err)
	}
	return "urn:uuid:" + u.String(), nil
}

// singletonProp reports whether a message may carry at most one header of
// the addressing property local.
func singletonProp(local string) bool {
	switch local {
	case "Action", "To", "MessageID", "ReplyTo", "FaultTo", "From":
		return true
	}
	return false
}

func invalidAddressingHeader(v AddressingVersion, reason string) *Fault {
	if v == WSA200408 {
		return SenderFault(reason, xml.Name{Space: NSWSA200408, Local: "InvalidMessageInformationHeader"})
	}
	return SenderFault(reason, xml.Name{Space: NSWSA10, Local: "InvalidAddressingHeader"}, xml.Name{Space: NSWSA10, Local: "InvalidCardinality"})
}

// readAddressing parses the addressing headers (of the first addressing
// version seen) and marks them understood.
func (m *Message) readAddressing() error {
	var a Addressing
	if m.Header == nil {
		m.Addressing = a
		return nil
	}
	var elems elemSlices
	for _, c := range m.Header.Child {
		h, ok := c.(*etree.Element)
		if !ok {
			continue
		}
		n := ElementName(h)
		if v := addressingVersionOf(n.Space); v != 0 {
			if a.Version == 0 {
				a.Version = v
			}
			if v != a.Version {
				continue
			}
			if singletonProp(n.Local) && len(a.Elements[n.Local]) > 0 {
				return invalidAddressingHeader(v, "The message has more than one wsa:"+n.Local+" header.")
			}
			var err error
			switch n.Local {
			case "Action":
				a.Action = strings.TrimSpace(h.Text())
				if a.Action == "" {
					return invalidAddressingHeader(v, "The wsa:Action header is empty.")
				}
			case "To":
				a.To = strings.TrimSpace(h.Text())
			case "MessageID":
				a.MessageID = strings.TrimSpace(h.Text())
			case "RelatesTo":
				rt := RelatesTo{ID: strings.TrimSpace(h.Text()), Type: h.SelectAttrValue("RelationshipType", "")}
				if v == WSA200408 && rt.Type != "" {
					if q, err := xmlutil.ResolveQName(h, rt.Type); err == nil && q.Space == NSWSA200408 {
						rt.Type = NSWSA200408 + "/" + q.Local
					}
				}
				if rt.Type == ReplyWSA10 || rt.Type == ReplyWSA200408 {
					rt.Type = ""
				}
				a.RelatesTo = append(a.RelatesTo, rt)
			case "ReplyTo":
				a.ReplyTo, err = parseEPR(h, v)
			case "FaultTo":
				a.FaultTo, err = parseEPR(h, v)
			case "From":
				a.From, err = parseEPR(h, v)
			default:
				continue // not ours: left for the MustUnderstand check
			}
			if err != nil {
				return invalidAddressingHeader(v, "The wsa:"+n.Local+" header is invalid: "+err.Error())
			}
			elems.add(&a, n.Local, h)
			m.MarkUnderstood(h)
			continue
		}
		if isRefParam := AttrNS(h, NSWSA10, "IsReferenceParameter"); isRefParam != nil {
			if v := strings.TrimSpace(isRefParam.Value); v == "true" || v == "1" {
				a.ReferenceParameters = append(a.ReferenceParameters, h)
			}
		}
	}
	m.Addressing = a
	return nil
}

// elemSlices fills Addressing.Elements with one allocation for all the
// properties' first elements: each is carved from one array, with its
// capacity clipped, so that appending a second one (RelatesTo) copies.
type elemSlices struct{ backing []*etree.Element }

func (e *elemSlices) add(a *Addressing, local string, el *etree.Element) {
	if a.Elements == nil {
		a.Elements = make(map[string][]*etree.Element, 8)
	}
	if cur := a.Elements[local]; len(cur) > 0 {
		a.Elements[local] = append(cur, el)
		return
	}
	if len(e.backing) == cap(e.backing) {
		e.backing = make([]*etree.Element, 0, 8)
	}
	e.backing = append(e.backing, el)
	n := len(e.backing)
	a.Elements[local] = e.backing[n-1 : n : n]
}

func parseEPR(el *etree.Element, v AddressingVersion) (*EndpointReference, error) {
	ns := v.Namespace()
	addr := xmlutil.Child(el, ns, "Address")
	if addr == nil {
		return nil, fmt.Errorf("no Address")
	}
	epr := &EndpointReference{Address: strings.TrimSpace(addr.Text())}
	for _, name := range []string{"ReferenceParameters", "ReferenceProperties"} {
		if rp := xmlutil.Child(el, ns, name); rp != nil {
			epr.ReferenceParameters = append(epr.ReferenceParameters, rp.ChildElements()...)
		}
	}
	return epr, nil
}

// removeAddressingHeaders deletes every header of either addressing version.
func (m *Message) removeAddressingHeaders() {
	for _, h := range m.Headers() {
		if addressingVersionOf(ElementName(h).Space) != 0 {
			m.Header.RemoveChild(h)
		}
	}
}

// SetAddressing replaces the message's addressing headers with a, written
// in a.Version (a zero version removes them). Reference parameters of the
// destination are not added here; see AddReferenceParameters.
func (m *Message) SetAddressing(a Addressing) {
	if m.Header != nil {
		m.removeAddressingHeaders()
	}
	a.Elements = nil
	a.ReferenceParameters = nil
	if a.Version == 0 {
		m.Addressing = a
		return
	}
	h := m.EnsureHeader()
	ns := a.Version.Namespace()
	// Declare the prefix once on the Envelope, as WCF does, unless the
	// Envelope already binds it to something else.
	declareEach := false
	if bound := m.Envelope.SelectAttr("xmlns:" + prefixWSA); bound == nil {
		m.Envelope.CreateAttr("xmlns:"+prefixWSA, ns)
	} else if bound.Value != ns {
		declareEach = true
	}
	var elems elemSlices
	add := func(local, text string) *etree.Element {
		el := addTextElement(h, prefixWSA, local, text)
		if declareEach {
			el.CreateAttr("xmlns:"+prefixWSA, ns)
		}
		elems.add(&a, local, el)
		return el
	}
	if a.Action != "" {
		m.SetMustUnderstand(add("Action", a.Action))
	}
	if a.MessageID != "" {
		add("MessageID", a.MessageID)
	}
	for _, rt := range a.RelatesTo {
		el := add("RelatesTo", rt.ID)
		if rt.Type != "" {
			el.CreateAttr("RelationshipType", rt.Type)
		}
	}
	writeEPR := func(local string, epr *EndpointReference) {
		if epr == nil {
			return
		}
		el := add(local, "")
		addTextElement(el, prefixWSA, "Address", epr.Address)
		if len(epr.ReferenceParameters) > 0 {
			rp := el.CreateElement(prefixWSA + ":ReferenceParameters")
			for _, p := range epr.ReferenceParameters {
				rp.AddChild(p.Copy())
			}
		}
	}
	writeEPR("From", a.From)
	writeEPR("ReplyTo", a.ReplyTo)
	writeEPR("FaultTo", a.FaultTo)
	if a.To != "" {
		m.SetMustUnderstand(add("To", a.To))
	}
	m.Addressing = a
}

// AddReferenceParameters copies an endpoint's reference parameters into the
// header, marked as reference parameters (WS-Addressing 1.0).
func (m *Message) AddReferenceParameters(epr *EndpointReference) {
	if epr == nil {
		return
	}
	for _, p := range epr.ReferenceParameters {
		c := p.Copy()
		if m.Addressing.Version == WSA10 {
			c.CreateAttr("xmlns:"+prefixWSA, NSWSA10)
			c.CreateAttr(prefixWSA+":IsReferenceParameter", "true")
		}
		m.AddHeader(c)
		m.Addressing.ReferenceParameters = append(m.Addressing.ReferenceParameters, c)
	}
}

// RequestAddressing returns the addressing properties of a request: action,
// destination, a fresh MessageID from r and an anonymous ReplyTo, as WCF
// sends them.
func RequestAddressing(v AddressingVersion, action, to string, r io.Reader) (Addressing, error) {
	id, err := NewMessageID(r)
	if err != nil {
		return Addressing{}, err
	}
	return Addressing{
		Version:   v,
		Action:    action,
		To:        to,
		MessageID: id,
		ReplyTo:   &EndpointReference{Address: v.Anonymous()},
	}, nil
}

// ReplyAddressing returns the addressing properties of a reply to req: the
// request's version, the given action, RelatesTo the request's MessageID,
// a fresh MessageID, and To the ReplyTo address (FaultTo first for faults).
func ReplyAddressing(req *Message, action string, fault bool, r io.Reader) (Addressing, *EndpointReference, error) {
	ra := req.Addressing
	if ra.Version == 0 {
		return Addressing{}, nil, nil
	}
	id, err := NewMessageID(r)
	if err != nil {
		return Addressing{}, nil, err
	}
	dest := ra.ReplyTo
	if fault && ra.FaultTo != nil {
		dest = ra.FaultTo
	}
	if dest == nil && ra.Version == WSA200408 {
		dest = ra.From
	}
	a := Addressing{Version: ra.Version, Action: action, MessageID: id}
	if ra.MessageID != "" {
		a.RelatesTo = []RelatesTo{{ID: ra.MessageID}}
	}
	switch {
	case dest != nil && !IsAnonymous(dest.Address):
		a.To = dest.Address
	case ra.Version == WSA200408:
		// wsa:To is mandatory in 2004/08.
		a.To = AnonymousWSA200408
	}
	return a, dest, nil
}

// NewReply builds a reply message to req with the given action and
// payload, in the request's SOAP and addressing versions.
func NewReply(req *Message, action string, payload *etree.Element, r io.Reader) (*Message, error) {
	m := NewMessageWithBody(req.Version, payload)
	a, dest, err := ReplyAddressing(req, action, false, r)
	if err != nil {
		return nil, err
	}
	m.SetAddressing(a)
	m.AddReferenceParameters(dest)
	m.SOAPAction = action
	return m, nil
}

// NewFaultMessage builds the message carrying f in version v. When req is
// not nil, the fault is addressed as a reply to it.
func NewFaultMessage(v Version, f *Fault, req *Message, r io.Reader) (*Message, error) {
	m := NewMessage(v)
	m.Body.AddChild(f.element(v))
	if v == V12 {
		for i, n := range f.NotUnderstood {
			h := etree.NewElement(prefixEnv + ":NotUnderstood")
			p := fmt.Sprintf("n%d", i)
			h.CreateAttr("xmlns:"+p, n.Space)
			h.CreateAttr("qname", p+":"+n.Local)
			m.AddHeader(h)
		}
		if f.Code == CodeVersionMismatch {
			up := etree.NewElement(prefixEnv + ":Upgrade")
			for _, sv := range []Version{V12, V11} {
				se := up.CreateElement(prefixEnv + ":SupportedEnvelope")
				se.CreateAttr("xmlns:e", sv.Namespace())
				se.CreateAttr("qname", "e:Envelope")
			}
			m.AddHeader(up)
		}
	}
	if req != nil && req.Addressing.Version != 0 {
		action := f.Action
		if action == "" {
			action = req.Addressing.Version.FaultAction()
		}
		a, dest, err := ReplyAddressing(req, action, true, r)
		if err != nil {
			return nil, err
		}
		m.SetAddressing(a)
		m.AddReferenceParameters(dest)
	}
	return m, nil
}

// ReadAddressing parses the addressing headers again, after a layer changed
// the header (for example decrypted an EncryptedHeader).
func (m *Message) ReadAddressing() error { return m.readAddressing() }
