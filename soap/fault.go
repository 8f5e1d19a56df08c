package soap

import (
	"encoding/xml"
	"errors"
	"fmt"
	"strings"

	"github.com/beevik/etree"
	"github.com/soapstack/soapstack/internal/xmlutil"
)

// FaultCode is a version-neutral SOAP fault code. SOAP 1.1's Client and
// Server map to Sender and Receiver.
type FaultCode int

// Fault codes common to SOAP 1.1 and 1.2.
const (
	CodeSender FaultCode = iota + 1
	CodeReceiver
	CodeMustUnderstand
	CodeVersionMismatch
	CodeDataEncodingUnknown
)

// String returns the SOAP 1.2 local name of the code.
func (c FaultCode) String() string { return c.local(V12) }

func (c FaultCode) local(v Version) string {
	switch c {
	case CodeSender:
		if v == V11 {
			return "Client"
		}
		return "Sender"
	case CodeReceiver:
		if v == V11 {
			return "Server"
		}
		return "Receiver"
	case CodeMustUnderstand:
		return "MustUnderstand"
	case CodeVersionMismatch:
		return "VersionMismatch"
	case CodeDataEncodingUnknown:
		return "DataEncodingUnknown"
	}
	return "Receiver"
}

func faultCodeOf(local string) (FaultCode, bool) {
	switch local {
	case "Sender", "Client":
		return CodeSender, true
	case "Receiver", "Server":
		return CodeReceiver, true
	case "MustUnderstand":
		return CodeMustUnderstand, true
	case "VersionMismatch":
		return CodeVersionMismatch, true
	case "DataEncodingUnknown":
		return CodeDataEncodingUnknown, true
	}
	return 0, false
}

// Reason is one fault reason text with its xml:lang.
type Reason struct {
	Lang string
	Text string
}

// Fault is a SOAP fault as a Go error. The same value is written as a SOAP
// 1.1 or 1.2 fault depending on the message version; Cause is never written
// to the wire (it is for logs and errors.Is/As).
type Fault struct {
	Code     FaultCode
	Subcodes []xml.Name // outermost first
	Reasons  []Reason
	Node     string
	Role     string // SOAP 1.1 faultactor
	// Detail holds the children of the fault's detail element.
	Detail []*etree.Element
	// NotUnderstood lists the headers of a MustUnderstand fault (SOAP 1.2
	// writes them as env:NotUnderstood header blocks).
	NotUnderstood []xml.Name
	// Action overrides the WS-Addressing action of the fault message.
	Action string
	// Cause is the underlying error; it is not serialized.
	Cause error
}

// NewFault returns a fault with one English reason and optional subcodes.
func NewFault(code FaultCode, reason string, subcodes ...xml.Name) *Fault {
	return &Fault{Code: code, Subcodes: subcodes, Reasons: []Reason{{Lang: "en", Text: reason}}}
}

// SenderFault returns a Sender (SOAP 1.1 Client) fault.
func SenderFault(reason string, subcodes ...xml.Name) *Fault {
	return NewFault(CodeSender, reason, subcodes...)
}

// ReceiverFault returns a Receiver (SOAP 1.1 Server) fault.
func ReceiverFault(reason string, subcodes ...xml.Name) *Fault {
	return NewFault(CodeReceiver, reason, subcodes...)
}

// Reason returns the first reason text, or "" when there is none.
func (f *Fault) Reason() string {
	if len(f.Reasons) == 0 {
		return ""
	}
	return f.Reasons[0].Text
}

// Subcode returns the innermost subcode, or the zero name.
func (f *Fault) Subcode() xml.Name {
	if len(f.Subcodes) == 0 {
		return xml.Name{}
	}
	return f.Subcodes[len(f.Subcodes)-1]
}

// HasSubcode reports whether any subcode equals name.
func (f *Fault) HasSubcode(name xml.Name) bool {
	for _, s := range f.Subcodes {
		if s == name {
			return true
		}
	}
	return false
}

// Error implements error.
func (f *Fault) Error() string {
	var b strings.Builder
	b.WriteString("soap fault ")
	b.WriteString(f.Code.String())
	for _, s := range f.Subcodes {
		b.WriteString("/")
		b.WriteString(s.Local)
	}
	if r := f.Reason(); r != "" {
		b.WriteString(": ")
		b.WriteString(r)
	}
	return b.String()
}

// Unwrap returns the cause.
func (f *Fault) Unwrap() error { return f.Cause }

// WithCause returns f with the cause set, for chaining.
func (f *Fault) WithCause(err error) *Fault {
	f.Cause = err
	return f
}

// AsFault returns the *Fault in err's chain, if any.
func AsFault(err error) (*Fault, bool) {
	var f *Fault
	if errors.As(err, &f) {
		return f, true
	}
	return nil, false
}

// qnameWriter declares namespace prefixes for QName values on one element.
type qnameWriter struct {
	el *etree.Element
	n  int
}

func (q *qnameWriter) value(v Version, name xml.Name) string {
	if name.Space == v.Namespace() {
		return prefixEnv + ":" + name.Local
	}
	if name.Space == "" {
		return name.Local
	}
	for _, a := range q.el.Attr {
		if a.Space == "xmlns" && a.Value == name.Space {
			return a.Key + ":" + name.Local
		}
	}
	p := fmt.Sprintf("q%d", q.n)
	q.n++
	q.el.CreateAttr("xmlns:"+p, name.Space)
	return p + ":" + name.Local
}

// element builds the Fault element for version v (prefix "s" must be bound
// to the envelope namespace by an ancestor).
func (f *Fault) element(v Version) *etree.Element {
	fe := etree.NewElement(prefixEnv + ":Fault")
	if v == V11 {
		code := xml.Name{Space: NS11, Local: f.Code.local(V11)}
		// SOAP 1.1 has no subcodes: like WCF, write the innermost subcode
		// as the faultcode when there is one.
		if len(f.Subcodes) > 0 {
			code = f.Subcodes[len(f.Subcodes)-1]
		}
		fc := fe.CreateElement("faultcode")
		fc.SetText((&qnameWriter{el: fc}).value(V11, code))
		fe.CreateElement("faultstring").SetText(f.Reason())
		if len(f.Reasons) > 0 && f.Reasons[0].Lang != "" {
			fe.SelectElement("faultstring").CreateAttr("xml:lang", f.Reasons[0].Lang)
		}
		if f.Role != "" {
			fe.CreateElement("faultactor").SetText(f.Role)
		}
		if len(f.Detail) > 0 {
			d := fe.CreateElement("detail")
			for _, c := range f.Detail {
				d.AddChild(c.Copy())
			}
		}
		return fe
	}
	code := fe.CreateElement(prefixEnv + ":Code")
	val := code.CreateElement(prefixEnv + ":Value")
	val.SetText((&qnameWriter{el: val}).value(V12, xml.Name{Space: NS12, Local: f.Code.local(V12)}))
	parent := code
	for _, s := range f.Subcodes {
		sc := parent.CreateElement(prefixEnv + ":Subcode")
		sv := sc.CreateElement(prefixEnv + ":Value")
		sv.SetText((&qnameWriter{el: sv}).value(V12, s))
		parent = sc
	}
	reason := fe.CreateElement(prefixEnv + ":Reason")
	reasons := f.Reasons
	if len(reasons) == 0 {
		reasons = []Reason{{Lang: "en", Text: ""}}
	}
	for _, r := range reasons {
		t := reason.CreateElement(prefixEnv + ":Text")
		lang := r.Lang
		if lang == "" {
			lang = "en"
		}
		t.CreateAttr("xml:lang", lang)
		t.SetText(r.Text)
	}
	if f.Node != "" {
		fe.CreateElement(prefixEnv + ":Node").SetText(f.Node)
	}
	if f.Role != "" {
		fe.CreateElement(prefixEnv + ":Role").SetText(f.Role)
	}
	if len(f.Detail) > 0 {
		d := fe.CreateElement(prefixEnv + ":Detail")
		for _, c := range f.Detail {
			d.AddChild(c.Copy())
		}
	}
	return fe
}

// parseFault reads a Fault element of version v.
func parseFault(v Version, fe *etree.Element) (*Fault, error) {
	f := &Fault{}
	if v == V11 {
		fc := xmlutil.Child(fe, "", "faultcode")
		if fc == nil {
			return nil, errors.New("soap 1.1 fault without faultcode")
		}
		name, err := xmlutil.ResolveQName(fc, strings.TrimSpace(fc.Text()))
		if err != nil {
			return nil, err
		}
		if c, ok := faultCodeOf(name.Local); ok && name.Space == NS11 {
			f.Code = c
		} else {
			// A non-standard 1.1 faultcode is the subcode WCF writes in
			// place of Client/Server; keep it as the subcode.
			f.Code = CodeSender
			if name.Space != NS11 && strings.HasPrefix(name.Local, "Server") {
				f.Code = CodeReceiver
			}
			f.Subcodes = []xml.Name{name}
		}
		if fs := xmlutil.Child(fe, "", "faultstring"); fs != nil {
			f.Reasons = []Reason{{Lang: xmlutil.AttrValue(fs, NSXML, "lang"), Text: fs.Text()}}
		}
		if fa := xmlutil.Child(fe, "", "faultactor"); fa != nil {
			f.Role = strings.TrimSpace(fa.Text())
		}
		if d := xmlutil.Child(fe, "", "detail"); d != nil {
			f.Detail = d.ChildElements()
		}
		return f, nil
	}
	code := xmlutil.Child(fe, NS12, "Code")
	if code == nil {
		return nil, errors.New("soap 1.2 fault without Code")
	}
	val := xmlutil.Child(code, NS12, "Value")
	if val == nil {
		return nil, errors.New("soap 1.2 fault Code without Value")
	}
	name, err := xmlutil.ResolveQName(val, strings.TrimSpace(val.Text()))
	if err != nil {
		return nil, err
	}
	c, ok := faultCodeOf(name.Local)
	if !ok || name.Space != NS12 {
		return nil, fmt.Errorf("soap 1.2 fault with unknown code %q", name.Local)
	}
	f.Code = c
	for sc, depth := xmlutil.Child(code, NS12, "Subcode"), 0; sc != nil && depth < 16; sc, depth = xmlutil.Child(sc, NS12, "Subcode"), depth+1 {
		sv := xmlutil.Child(sc, NS12, "Value")
		if sv == nil {
			return nil, errors.New("soap 1.2 Subcode without Value")
		}
		n, err := xmlutil.ResolveQName(sv, strings.TrimSpace(sv.Text()))
		if err != nil {
			return nil, err
		}
		f.Subcodes = append(f.Subcodes, n)
	}
	if r := xmlutil.Child(fe, NS12, "Reason"); r != nil {
		for _, t := range r.ChildElements() {
			if t.Tag == "Text" && t.NamespaceURI() == NS12 {
				f.Reasons = append(f.Reasons, Reason{Lang: xmlutil.AttrValue(t, NSXML, "lang"), Text: t.Text()})
			}
		}
	}
	if n := xmlutil.Child(fe, NS12, "Node"); n != nil {
		f.Node = strings.TrimSpace(n.Text())
	}
	if n := xmlutil.Child(fe, NS12, "Role"); n != nil {
		f.Role = strings.TrimSpace(n.Text())
	}
	if d := xmlutil.Child(fe, NS12, "Detail"); d != nil {
		f.Detail = d.ChildElements()
	}
	return f, nil
}
