package soap

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/beevik/etree"

	"github.com/soapstack/soapstack/internal/xmlutil"
	"github.com/soapstack/soapstack/internal/xmlwrite"
)

// Message is one SOAP envelope travelling through the layers. The tree is
// parsed once (or built once) and serialized once, at the transport; layers
// work on Doc in place.
type Message struct {
	// Version is the SOAP version of the envelope.
	Version Version
	// Doc is the whole document; Envelope, Header and Body point into it.
	// Header is nil when the envelope has none.
	Doc      *etree.Document
	Envelope *etree.Element
	Header   *etree.Element
	Body     *etree.Element
	// Addressing is the parsed view of the WS-Addressing headers. Change it
	// with SetAddressing, which also rewrites the header elements.
	Addressing Addressing
	// SOAPAction is the transport-level action: the SOAP 1.1 SOAPAction
	// header or the SOAP 1.2 action media type parameter.
	SOAPAction string

	// understood holds the header blocks marked understood: the first
	// few in a list (a message has a handful), all of them in understoodSet
	// once there are more, so that checking many headers stays linear.
	understood    []*etree.Element
	understoodSet map[*etree.Element]struct{}
	values        map[any]any
	// secureTransport marks a request that may travel only over TLS.
	secureTransport bool
}

// NewMessage returns an empty envelope (with an empty Body) of version v.
func NewMessage(v Version) *Message {
	if !v.valid() {
		v = V12
	}
	b := new(envelopeBlock)
	b.doc.Child = b.docChild[:0:1]
	b.env.Space, b.env.Tag = prefixEnv, "Envelope"
	b.env.Attr = b.envAttr[:0:len(b.envAttr)]
	b.env.Child = b.envChild[:0:len(b.envChild)]
	b.doc.AddChild(&b.env)
	b.env.CreateAttr("xmlns:"+prefixEnv, v.Namespace())
	b.body.Space, b.body.Tag = prefixEnv, "Body"
	b.env.AddChild(&b.body)
	return &Message{Version: v, Doc: &b.doc, Envelope: &b.env, Body: &b.body}
}

// envelopeBlock is what NewMessage builds, in one allocation: the
// document, the Envelope with room for two namespace declarations (the
// envelope's and WS-Addressing's) and two children (Header and Body), and
// the Body. Each slice has its own array, so growing one copies it as
// usual.
type envelopeBlock struct {
	doc       etree.Document
	env, body etree.Element
	docChild  [1]etree.Token
	envChild  [2]etree.Token
	envAttr   [2]etree.Attr
}

// textElement is an element holding one text node, with room for two
// attributes, in one allocation: a header block as SetAddressing writes it.
type textElement struct {
	el    etree.Element
	text  etree.CharData
	child [1]etree.Token
	attr  [2]etree.Attr
}

// addTextElement appends <space:tag>text</space:tag> to parent, as
// parent.CreateElement(space+":"+tag).SetText(text) does.
func addTextElement(parent *etree.Element, space, tag, text string) *etree.Element {
	b := new(textElement)
	b.el.Space, b.el.Tag = space, tag
	b.el.Attr = b.attr[:0:len(b.attr)]
	b.el.Child = b.child[:0:len(b.child)]
	if text != "" {
		b.text.Data = text
		b.el.AddChild(&b.text)
	}
	parent.AddChild(&b.el)
	return &b.el
}

// NewMessageWithBody returns an envelope whose Body holds payload.
func NewMessageWithBody(v Version, payload *etree.Element) *Message {
	m := NewMessage(v)
	if payload != nil {
		m.Body.AddChild(payload)
	}
	return m
}

// ReadMessage parses one envelope from r under the strict input rules and
// reads its addressing headers. Any rejection is a *Fault (Sender, or
// VersionMismatch for a foreign envelope) whose Cause says why.
func ReadMessage(r io.Reader, lim Limits) (*Message, error) {
	return readMessage(r, -1, lim)
}

// readMessage is ReadMessage of a body announced as size bytes (-1:
// unknown).
func readMessage(r io.Reader, size int64, lim Limits) (*Message, error) {
	doc, err := xmlutil.ParseDocumentSize(r, size, lim)
	if err != nil {
		if errors.Is(err, ErrTooLarge) {
			return nil, SenderFault("The message is larger than the configured limit.").WithCause(err)
		}
		var pe *ParseError
		if errors.As(err, &pe) {
			return nil, SenderFault("The message is not well-formed or violates input rules: " + pe.Reason).WithCause(err)
		}
		return nil, SenderFault("The message could not be read.").WithCause(err)
	}
	m, err := messageFromDocument(doc)
	if err != nil {
		return nil, err
	}
	if err := m.readAddressing(); err != nil {
		return nil, err
	}
	return m, nil
}

// ParseMessage is ReadMessage on a byte slice.
func ParseMessage(b []byte, lim Limits) (*Message, error) {
	return ReadMessage(bytes.NewReader(b), lim)
}

func messageFromDocument(doc *etree.Document) (*Message, error) {
	env := doc.Root()
	name := ElementName(env)
	v, ok := versionOfNamespace(name.Space)
	if name.Local != "Envelope" || !ok {
		if name.Local == "Envelope" {
			return nil, NewFault(CodeVersionMismatch, "The envelope namespace is not a supported SOAP version.")
		}
		return nil, SenderFault("The document element is not a SOAP Envelope.")
	}
	m := &Message{Version: v, Doc: doc, Envelope: env}
	for _, c := range env.Child {
		switch t := c.(type) {
		case *etree.CharData:
			if !isBlank(t.Data) {
				return nil, SenderFault("Text is not allowed directly inside the Envelope.")
			}
		case *etree.Element:
			en := ElementName(t)
			switch {
			case en.Space == v.Namespace() && en.Local == "Header" && m.Header == nil && m.Body == nil:
				m.Header = t
			case en.Space == v.Namespace() && en.Local == "Body" && m.Body == nil:
				m.Body = t
			case m.Body != nil && v == V11 && en.Space != NS11:
				// SOAP 1.1 allows trailing elements after the Body; ignore them.
			default:
				return nil, SenderFault(fmt.Sprintf("Unexpected element %s in the Envelope.", t.FullTag()))
			}
		}
	}
	if m.Body == nil {
		return nil, SenderFault("The Envelope has no Body.")
	}
	if m.Header != nil {
		for _, c := range m.Header.Child {
			if t, ok := c.(*etree.CharData); ok && !isBlank(t.Data) {
				return nil, SenderFault("Text is not allowed directly inside the Header.")
			}
		}
	}
	return m, nil
}

// WriteTo serializes the envelope (internal/xmlwrite: the tree as it is,
// every character data and attribute value escaped so that it parses back
// unchanged) in one Write.
func (m *Message) WriteTo(w io.Writer) (int64, error) {
	return xmlwrite.WriteDocument(w, m.Doc)
}

// Bytes returns the serialized envelope. The error is always nil; it is
// kept for callers written when serializing could fail.
func (m *Message) Bytes() ([]byte, error) {
	return xmlwrite.AppendDocument(nil, m.Doc), nil
}

// Payload returns the first element child of the Body, or nil.
func (m *Message) Payload() *etree.Element {
	for _, c := range m.Body.Child {
		if e, ok := c.(*etree.Element); ok {
			return e
		}
	}
	return nil
}

// SetPayload replaces the Body's content with payload.
func (m *Message) SetPayload(payload *etree.Element) {
	for len(m.Body.Child) > 0 {
		m.Body.RemoveChildAt(0)
	}
	if payload != nil {
		m.Body.AddChild(payload)
	}
}

// IsFault reports whether the Body holds a SOAP Fault.
func (m *Message) IsFault() bool {
	p := m.Payload()
	return p != nil && p.Tag == "Fault" && ElementName(p).Space == m.Version.Namespace()
}

// Fault parses the Body's Fault. It returns nil, nil when the message is
// not a fault.
func (m *Message) Fault() (*Fault, error) {
	if !m.IsFault() {
		return nil, nil
	}
	f, err := parseFault(m.Version, m.Payload())
	if err != nil {
		return nil, fmt.Errorf("soap: malformed fault: %w", err)
	}
	if m.Version == V12 && m.Header != nil {
		for _, h := range m.Header.ChildElements() {
			if Is(h, NS12, "NotUnderstood") {
				if n, err := xmlutil.ResolveQName(h, h.SelectAttrValue("qname", "")); err == nil {
					f.NotUnderstood = append(f.NotUnderstood, n)
				}
			}
		}
	}
	f.Action = m.Addressing.Action
	return f, nil
}

// EnsureHeader returns the Header element, creating it when absent.
func (m *Message) EnsureHeader() *etree.Element {
	if m.Header == nil {
		h := &etree.Element{Space: m.Envelope.Space, Tag: "Header", Child: make([]etree.Token, 0, 6)}
		m.Envelope.InsertChildAt(m.Body.Index(), h)
		m.Header = h
	}
	return m.Header
}

// AddHeader appends a header block.
func (m *Message) AddHeader(el *etree.Element) {
	m.EnsureHeader().AddChild(el)
}

// Headers returns the header blocks in document order.
func (m *Message) Headers() []*etree.Element {
	if m.Header == nil {
		return nil
	}
	return m.Header.ChildElements()
}

// FindHeaders returns the header blocks with the given expanded name.
func (m *Message) FindHeaders(ns, local string) []*etree.Element {
	var out []*etree.Element
	for _, h := range m.Headers() {
		if h.Tag == local && ElementName(h).Space == ns {
			out = append(out, h)
		}
	}
	return out
}

// FindHeader returns the first header block with the given name, or nil.
func (m *Message) FindHeader(ns, local string) *etree.Element {
	if m.Header == nil {
		return nil
	}
	for _, c := range m.Header.Child {
		if h, ok := c.(*etree.Element); ok && h.Tag == local && ElementName(h).Space == ns {
			return h
		}
	}
	return nil
}

// MarkUnderstood records that a layer processed the header block el.
func (m *Message) MarkUnderstood(el *etree.Element) {
	switch {
	case m.understoodSet != nil:
		m.understoodSet[el] = struct{}{}
	case len(m.understood) < maxUnderstoodList:
		if m.understood == nil {
			m.understood = make([]*etree.Element, 0, maxUnderstoodList)
		}
		m.understood = append(m.understood, el)
	default:
		m.understoodSet = make(map[*etree.Element]struct{}, 2*maxUnderstoodList)
		for _, u := range m.understood {
			m.understoodSet[u] = struct{}{}
		}
		m.understoodSet[el] = struct{}{}
		m.understood = nil
	}
}

// maxUnderstoodList is how many understood marks are kept in a list before
// they move to a set.
const maxUnderstoodList = 8

// Understood reports whether a layer marked el as understood.
func (m *Message) Understood(el *etree.Element) bool {
	if m.understoodSet != nil {
		_, ok := m.understoodSet[el]
		return ok
	}
	for _, u := range m.understood {
		if u == el {
			return true
		}
	}
	return false
}

// MustUnderstand reports whether header block h carries a true
// mustUnderstand attribute; an invalid value is an error.
func (m *Message) MustUnderstand(h *etree.Element) (bool, error) {
	a := AttrNS(h, m.Version.Namespace(), "mustUnderstand")
	if a == nil {
		return false, nil
	}
	switch strings.TrimSpace(a.Value) {
	case "1":
		return true, nil
	case "0":
		return false, nil
	case "true":
		if m.Version == V12 {
			return true, nil
		}
	case "false":
		if m.Version == V12 {
			return false, nil
		}
	}
	return false, fmt.Errorf("invalid mustUnderstand value %q", a.Value)
}

// TargetsUs reports whether header block h is targeted at a node acting in
// the given extra roles (the "next" role and the ultimate receiver are
// always included; SOAP 1.2's "none" never is).
func (m *Message) TargetsUs(h *etree.Element, roles ...string) bool {
	var role string
	if m.Version == V11 {
		role = xmlutil.AttrValue(h, NS11, "actor")
	} else {
		role = xmlutil.AttrValue(h, NS12, "role")
	}
	role = strings.TrimSpace(role)
	switch role {
	case "", ActorNext11, RoleNext12, RoleUltimateReceiver12:
		return true
	case RoleNone12:
		return false
	}
	for _, r := range roles {
		if r == role {
			return true
		}
	}
	return false
}

// CheckMustUnderstand returns a MustUnderstand fault listing every header
// block targeted at this node that must be understood but was not marked
// understood by any layer. roles are the extra roles this node plays.
func (m *Message) CheckMustUnderstand(roles ...string) error {
	if m.Header == nil {
		return nil
	}
	var missing []xml.Name
	for _, c := range m.Header.Child {
		h, ok := c.(*etree.Element)
		if !ok {
			continue
		}
		mu, err := m.MustUnderstand(h)
		if err != nil {
			return SenderFault("A header block has an invalid mustUnderstand attribute.").WithCause(err)
		}
		if !mu || m.Understood(h) || !m.TargetsUs(h, roles...) {
			continue
		}
		missing = append(missing, ElementName(h))
	}
	if len(missing) == 0 {
		return nil
	}
	names := make([]string, len(missing))
	for i, n := range missing {
		names[i] = "{" + n.Space + "}" + n.Local
	}
	f := NewFault(CodeMustUnderstand, "The header(s) "+strings.Join(names, ", ")+" were not understood by the recipient.")
	f.NotUnderstood = missing
	return f
}

// SetValue attaches a typed value to the message for later layers. Keys
// should be unexported types of the package that owns the value.
func (m *Message) SetValue(key, value any) {
	if m.values == nil {
		m.values = make(map[any]any)
	}
	m.values[key] = value
}

// Value returns the value stored under key, or nil.
func (m *Message) Value(key any) any { return m.values[key] }

// RequireSecureTransport marks m as a message that may be sent only over a
// confidential transport (TLS): a security layer whose protection is the
// transport's (TransportBinding) sets it, and HTTPClient then refuses to
// send m to a URL that is not https (ErrInsecureTransport).
func (m *Message) RequireSecureTransport() { m.secureTransport = true }

// RequiresSecureTransport reports whether RequireSecureTransport was called.
func (m *Message) RequiresSecureTransport() bool { return m.secureTransport }

// SetMustUnderstand marks header block el mustUnderstand="1" in the
// message's envelope namespace.
func (m *Message) SetMustUnderstand(el *etree.Element) {
	prefix := m.Envelope.Space
	if prefix == "" {
		prefix = prefixEnv
		el.CreateAttr("xmlns:"+prefix, m.Version.Namespace())
	}
	el.CreateAttr(prefix+":mustUnderstand", "1")
}

// isBlank reports whether s is XML white space only.
func isBlank(s string) bool {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case ' ', '\t', '\r', '\n':
		default:
			return false
		}
	}
	return true
}

// Clone returns a deep copy of the message: the tree, the addressing view
// (re-read from the copy), the SOAPAction and the values; understood marks
// are not copied. A layer that may have to send a request twice (after
// re-establishing a session) secures a clone.
func (m *Message) Clone() *Message {
	doc := m.Doc.Copy()
	c, err := messageFromDocument(doc)
	if err != nil {
		// m was valid, so its copy is; keep the structure as is.
		c = &Message{Version: m.Version, Doc: doc, Envelope: doc.Root()}
	}
	_ = c.readAddressing()
	c.SOAPAction = m.SOAPAction
	if m.values != nil {
		c.values = make(map[any]any, len(m.values))
		for k, v := range m.values {
			c.values[k] = v
		}
	}
	return c
}
