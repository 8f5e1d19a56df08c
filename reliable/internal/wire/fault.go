package wire

import (
	"encoding/xml"
	"fmt"
	"strings"

	"github.com/beevik/etree"
	"github.com/soapstack/soapstack/internal/xmlutil"
	"github.com/soapstack/soapstack/soap"
)

// FaultKind is the WS-RM fault subcode.
type FaultKind int

// The WS-RM faults. SequenceClosed and WSRMRequired exist in WS-RM 1.1
// only, LastMessageNumberExceeded in 1.0 only.
const (
	UnknownSequence FaultKind = iota + 1
	InvalidAcknowledgement
	MessageNumberRollover
	SequenceTerminated
	SequenceClosed
	CreateSequenceRefused
	LastMessageNumberExceeded
	WSRMRequired
)

func (k FaultKind) subcode() string {
	switch k {
	case UnknownSequence:
		return subUnknownSequence
	case InvalidAcknowledgement:
		return subInvalidAcknowledgement
	case MessageNumberRollover:
		return subMessageNumberRollover
	case SequenceTerminated:
		return subSequenceTerminated
	case SequenceClosed:
		return subSequenceClosed
	case CreateSequenceRefused:
		return subCreateSequenceRefused
	case LastMessageNumberExceeded:
		return subLastMessageNumberExceeded
	case WSRMRequired:
		return subWSRMRequired
	}
	return ""
}

// String returns the subcode's local name.
func (k FaultKind) String() string { return k.subcode() }

// exists reports whether version v defines the fault.
func (k FaultKind) exists(v Version) bool {
	switch k {
	case SequenceClosed, WSRMRequired:
		return v == V11
	case LastMessageNumberExceeded:
		return v == V200502
	}
	return k.subcode() != "" && v.Valid()
}

// hasIdentifierDetail reports whether the fault's detail is the sequence
// Identifier (WsrmHeaderFault.LookupDetailInformation).
func (k FaultKind) hasIdentifierDetail() bool {
	switch k {
	case UnknownSequence, MessageNumberRollover, SequenceTerminated, SequenceClosed, LastMessageNumberExceeded:
		return true
	}
	return false
}

// Fault is a WS-RM fault: its kind, code, reason and detail.
type Fault struct {
	Version Version
	Kind    FaultKind
	// Receiver selects the Receiver (SOAP 1.1 Server) code; WCF sends
	// Receiver for SequenceTerminated communication faults and for the
	// connection-limit refusal, Sender otherwise.
	Receiver bool
	// ConnectionLimit marks WCF's netrm:ConnectionLimitReached refusal
	// (a CreateSequenceRefused sub-subcode).
	ConnectionLimit bool
	// Identifier is the sequence of a header fault (the detail).
	Identifier string
	// Ack is the detail of an InvalidAcknowledgement.
	Ack *SequenceAcknowledgement
	// MaxMessageNumber is the WS-RM 1.1 detail of MessageNumberRollover
	// (WCF writes Int64.MaxValue), 0 when absent.
	MaxMessageNumber uint64
	// Reason is the fault reason text.
	Reason string
}

// NewFault returns a fault of kind k for sequence id with WCF's reason
// text (WsrmFault.cs); SequenceTerminated gets WCF's quota reason, which
// callers replace with the one that applies (TerminatedReason).
func NewFault(v Version, k FaultKind, id string) *Fault {
	f := &Fault{Version: v, Kind: k, Identifier: id}
	switch k {
	case UnknownSequence:
		f.Reason = reasonUnknownSequence
	case InvalidAcknowledgement:
		f.Reason = reasonInvalidAcknowledgement
		f.Ack = &SequenceAcknowledgement{Version: v, Identifier: id}
	case MessageNumberRollover:
		f.Reason = reasonMessageNumberRollover
		if v == V11 {
			f.MaxMessageNumber = MaxMessageNumber
		}
	case LastMessageNumberExceeded:
		f.Reason = reasonLastMessageNumberExceeded
	case SequenceClosed:
		f.Reason = reasonSequenceClosed
	case WSRMRequired:
		f.Reason = reasonWSRMRequired
		f.Identifier = ""
	case SequenceTerminated:
		f.Reason = reasonSequenceTerminatedQuota
	case CreateSequenceRefused:
		f.Reason = fmt.Sprintf(reasonCSRefused, "")
		f.Identifier = ""
	}
	return f
}

// TerminatedReason returns WCF's SequenceTerminated reason for why:
// "quota", "retry" or "inactivity" (with the timeout text).
func TerminatedReason(why, timeout string) string {
	switch why {
	case "retry":
		return reasonSequenceTerminatedRetry
	case "inactivity":
		return fmt.Sprintf(reasonSequenceTerminatedInactivity, timeout)
	}
	return reasonSequenceTerminatedQuota
}

// InvalidAcknowledgementFault returns the fault for an acknowledgement
// that violates the invariant; the detail echoes it.
func InvalidAcknowledgementFault(ack *SequenceAcknowledgement) *Fault {
	f := NewFault(ack.Version, InvalidAcknowledgement, ack.Identifier)
	c := *ack
	c.Final, c.BufferRemaining, c.Extensions = false, nil, nil
	f.Ack = &c
	return f
}

// CreateSequenceRefusedFault returns a Sender CreateSequenceRefused with
// reason formatted into WCF's CSRefused text.
func CreateSequenceRefusedFault(v Version, reason string) *Fault {
	f := NewFault(v, CreateSequenceRefused, "")
	f.Reason = fmt.Sprintf(reasonCSRefused, reason)
	return f
}

// ConnectionLimitFault returns WCF's refusal of a CreateSequence past
// MaxPendingChannels (WsrmUtilities.CreateCSRefusedServerTooBusyFault):
// Receiver, wsrm:CreateSequenceRefused / netrm:ConnectionLimitReached,
// reason CSRefused(ServerTooBusy(uri)).
func ConnectionLimitFault(v Version, uri string) *Fault {
	f := CreateSequenceRefusedFault(v, fmt.Sprintf(reasonServerTooBusy, uri))
	f.Receiver, f.ConnectionLimit = true, true
	return f
}

// detail returns the detail elements of the fault.
func (f *Fault) detail() []*etree.Element {
	switch {
	case f.Kind == InvalidAcknowledgement && f.Ack != nil:
		a := *f.Ack
		a.Version = f.Version
		return []*etree.Element{a.Build()}
	case f.Kind.hasIdentifierDetail():
		id := rmElement(f.Version, elIdentifier)
		id.SetText(f.Identifier)
		out := []*etree.Element{id}
		if f.Kind == MessageNumberRollover && f.Version == V11 && f.MaxMessageNumber != 0 {
			m := rmElement(f.Version, elMaxMessageNumber)
			m.SetText(formatUint(f.MaxMessageNumber))
			out = append(out, m)
		}
		return out
	}
	return nil
}

// SOAP returns the fault as WCF writes it in SOAP 1.2 (WsrmFault.
// CreateMessage): Sender or Receiver, the RM subcode (and
// netrm:ConnectionLimitReached), the reason, the detail, and for WS-RM 1.1
// the RM fault action (1.0 uses the addressing default). In SOAP 1.1 WCF
// carries a header fault's subcode and detail in a wsrm:SequenceFault
// header instead (SequenceFaultHeader).
func (f *Fault) SOAP() *soap.Fault {
	subs := []xml.Name{{Space: f.Version.Namespace(), Local: f.Kind.subcode()}}
	if f.ConnectionLimit {
		subs = append(subs, xml.Name{Space: NSNetRM, Local: subConnectionLimitReached})
	}
	code := soap.CodeSender
	if f.Receiver {
		code = soap.CodeReceiver
	}
	sf := soap.NewFault(code, f.Reason, subs...)
	sf.Detail = f.detail()
	if f.Version == V11 {
		sf.Action = f.Version.FaultAction(true)
	}
	return sf
}

// SequenceFaultHeader returns the wsrm:SequenceFault header WCF adds to a
// SOAP 1.1 header fault (WsrmSequenceFaultHeader): FaultCode, then the
// detail (wrapped in wsrm:Detail in WS-RM 1.1). Nil for faults without a
// detail (CreateSequenceRefused, WSRMRequired).
func (f *Fault) SequenceFaultHeader() *etree.Element {
	d := f.detail()
	if d == nil {
		return nil
	}
	el := rmElement(f.Version, elSequenceFault)
	rmChild(el, elFaultCode).SetText(prefixRM + ":" + f.Kind.subcode())
	parent := el
	if f.Version == V11 {
		parent = rmChild(el, elDetail)
	}
	for _, c := range d {
		parent.AddChild(c)
	}
	return el
}

// ParseFault reads a WS-RM fault of version v from a parsed SOAP fault and,
// for SOAP 1.1, the wsrm:SequenceFault header (nil when absent). The error
// wraps ErrNotAFault when the fault is not a WS-RM fault of v, ErrMalformed
// when its detail is not valid.
func ParseFault(v Version, sf *soap.Fault, header *etree.Element) (*Fault, error) {
	if sf == nil || !v.Valid() {
		return nil, malformed("Fault", ErrNotAFault, "missing")
	}
	f := &Fault{Version: v, Reason: sf.Reason(), Receiver: sf.Code == soap.CodeReceiver}
	var detail []*etree.Element
	for _, s := range sf.Subcodes {
		if s.Space == NSNetRM && s.Local == subConnectionLimitReached {
			f.ConnectionLimit = true
		}
		if s.Space == v.Namespace() && f.Kind == 0 {
			f.Kind = kindOf(v, s.Local)
		}
	}
	if header != nil {
		k, d, err := parseSequenceFault(v, header)
		if err != nil {
			return nil, err
		}
		if f.Kind != 0 && f.Kind != k {
			return nil, malformed(elSequenceFault, ErrNotAFault, "FaultCode disagrees with the subcode")
		}
		f.Kind, detail = k, d
	} else {
		detail = sf.Detail
	}
	if f.Kind == 0 {
		return nil, malformed("Fault", ErrNotAFault, "no %s subcode", v)
	}
	if f.ConnectionLimit && f.Kind != CreateSequenceRefused {
		return nil, malformed("Fault", ErrNotAFault, "ConnectionLimitReached outside CreateSequenceRefused")
	}
	if err := f.parseDetail(detail); err != nil {
		return nil, err
	}
	return f, nil
}

func kindOf(v Version, local string) FaultKind {
	for k := UnknownSequence; k <= WSRMRequired; k++ {
		if k.subcode() == local && k.exists(v) {
			return k
		}
	}
	return 0
}

func (f *Fault) parseDetail(detail []*etree.Element) error {
	v := f.Version
	switch {
	case f.Kind == InvalidAcknowledgement:
		if len(detail) != 1 || !xmlutil.Is(detail[0], v.Namespace(), elSequenceAcknowledgement) {
			return malformed("Detail", ErrMissingChild, "SequenceAcknowledgement")
		}
		a, err := parseAck(v, detail[0])
		if err != nil {
			return err
		}
		f.Ack, f.Identifier = a, a.Identifier
	case f.Kind.hasIdentifierDetail():
		if len(detail) == 0 || !xmlutil.Is(detail[0], v.Namespace(), elIdentifier) {
			return malformed("Detail", ErrMissingChild, "Identifier")
		}
		id, err := identifierText(detail[0])
		if err != nil {
			return err
		}
		f.Identifier = id
		rest := detail[1:]
		if f.Kind == MessageNumberRollover && v == V11 && len(rest) > 0 && xmlutil.Is(rest[0], v.Namespace(), elMaxMessageNumber) {
			if f.MaxMessageNumber, err = number(rest[0]); err != nil {
				return err
			}
			rest = rest[1:]
		}
		for _, c := range rest {
			if _, isRM := VersionOf(xmlutil.ElementName(c).Space); isRM {
				return malformed("Detail", ErrUnknownChild, "%s", qname(xmlutil.ElementName(c)))
			}
		}
	}
	return nil
}

// parseSequenceFault reads a wsrm:SequenceFault header: FaultCode (a QName
// in v's namespace) and the detail children.
func parseSequenceFault(v Version, el *etree.Element) (FaultKind, []*etree.Element, error) {
	if !xmlutil.Is(el, v.Namespace(), elSequenceFault) {
		return 0, nil, malformed(elSequenceFault, ErrWrongElement, "got %s", qname(xmlutil.ElementName(el)))
	}
	kids, err := children(el)
	if err != nil {
		return 0, nil, err
	}
	if len(kids) == 0 || !xmlutil.Is(kids[0], v.Namespace(), elFaultCode) {
		return 0, nil, malformed(elSequenceFault, ErrMissingChild, "FaultCode")
	}
	t, err := text(kids[0])
	if err != nil {
		return 0, nil, err
	}
	prefix, local, ok := strings.Cut(t, ":")
	if !ok {
		prefix, local = "", t
	}
	ns, bound := xmlutil.LookupPrefix(kids[0], prefix)
	if !bound || ns != v.Namespace() {
		return 0, nil, malformed(elFaultCode, ErrNotAFault, "not a %s subcode", v)
	}
	k := kindOf(v, local)
	if k == 0 {
		return 0, nil, malformed(elFaultCode, ErrNotAFault, "unknown subcode")
	}
	rest := kids[1:]
	if v == V11 {
		if len(rest) == 0 {
			return k, nil, nil
		}
		if !xmlutil.Is(rest[0], v.Namespace(), elDetail) {
			return 0, nil, malformed(elSequenceFault, ErrUnknownChild, "%s", qname(xmlutil.ElementName(rest[0])))
		}
		d, err := children(rest[0])
		if err != nil {
			return 0, nil, err
		}
		return k, d, nil
	}
	return k, rest, nil
}
