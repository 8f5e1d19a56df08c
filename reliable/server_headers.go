package reliable

import (
	"fmt"
	"strings"

	"github.com/beevik/etree"
	"github.com/soapstack/soapstack/internal/xmlutil"
	"github.com/soapstack/soapstack/reliable/internal/wire"
	"github.com/soapstack/soapstack/soap"
)

// op names an RM message by its action.
type op int

const (
	opNone op = iota
	opCreateSequence
	opCloseSequence
	opTerminateSequence
	opLastMessage
	opAckRequested
	opAck
	opOther // another RM action the destination does not take
)

// rmAction returns the RM version and message of action.
func rmAction(action string) (Version, op) {
	for _, v := range []Version{V200502, V11} {
		switch action {
		case "":
			return 0, opNone
		case v.CreateSequenceAction():
			return v, opCreateSequence
		case v.CloseSequenceAction():
			return v, opCloseSequence
		case v.TerminateSequenceAction():
			return v, opTerminateSequence
		case v.LastMessageAction():
			return v, opLastMessage
		case v.AckRequestedAction():
			return v, opAckRequested
		case v.SequenceAcknowledgementAction():
			return v, opAck
		case v.CreateSequenceResponseAction(), v.CloseSequenceResponseAction(), v.TerminateSequenceResponseAction(), v.FaultAction(true):
			return v, opOther
		}
	}
	return 0, opNone
}

// maxAckHeaders bounds the SequenceAcknowledgement and AckRequested
// headers of one message (WCF sends at most one of each per sequence).
const maxAckHeaders = 4

// rmHeaders are the RM headers of a request, parsed and marked understood.
type rmHeaders struct {
	version Version
	// seqID is the Sequence header's identifier, read before it is
	// parsed, for the detail of a fault about the header.
	seqID        string
	sequence     *wire.Sequence
	ackRequested []*wire.AckRequested
	acks         []*wire.SequenceAcknowledgement
	usesSTR      *etree.Element
}

// readHeaders parses the RM headers of req that target this node. All
// must be of one version. The result is never nil: its version (and the
// Sequence identifier) are set as far as they were read, for the fault.
func readHeaders(req *soap.Message) (*rmHeaders, error) {
	h := &rmHeaders{}
	var err error
	for _, el := range req.Headers() {
		n := xmlutil.ElementName(el)
		v, ok := wire.VersionOf(n.Space)
		if !ok || !req.TargetsUs(el) {
			continue
		}
		if h.version != 0 && h.version != v {
			return h, malformedf("headers of two WS-RM versions")
		}
		h.version = v
		switch n.Local {
		case "Sequence":
			if h.sequence != nil {
				return h, malformedf("two Sequence headers")
			}
			h.seqID = identifierOf(el)
			if h.sequence, err = wire.ParseSequence(el); err != nil {
				return h, err
			}
		case "AckRequested":
			if h.ackRequested, err = appendHeader(h.ackRequested, el, wire.ParseAckRequested); err != nil {
				return h, err
			}
		case "SequenceAcknowledgement":
			if h.acks, err = appendHeader(h.acks, el, wire.ParseSequenceAcknowledgement); err != nil {
				return h, err
			}
		case "UsesSequenceSTR":
			if _, err := wire.ParseUsesSequence(el); err != nil {
				return h, err
			}
			// Marked understood by CreateSequence once the STR is checked.
			h.usesSTR = el
			continue
		default:
			// UsesSequenceSSL (WCF does not compose with TLS sessions,
			// R2402) and unknown RM headers stay not understood: a
			// mustUnderstand one is refused.
			continue
		}
		req.MarkUnderstood(el)
	}
	return h, nil
}

// appendHeader parses el and appends it to list, at most maxAckHeaders.
func appendHeader[T any](list []T, el *etree.Element, parse func(*etree.Element) (T, error)) ([]T, error) {
	if len(list) == maxAckHeaders {
		return nil, malformedf("more than %d %s headers", maxAckHeaders, xmlutil.ElementName(el).Local)
	}
	v, err := parse(el)
	if err != nil {
		return nil, err
	}
	return append(list, v), nil
}

// identifierOf returns the text of el's Identifier child when it is a
// plausible identifier (bounded, no whitespace), "" otherwise.
func identifierOf(el *etree.Element) string {
	for _, c := range el.ChildElements() {
		if c.Tag != "Identifier" {
			continue
		}
		t := strings.TrimSpace(c.Text())
		if len(t) > wire.MaxIdentifierLen || strings.ContainsAny(t, " \t\r\n") {
			return ""
		}
		return t
	}
	return ""
}

// malformedf returns a malformed-message error (a Sender fault).
func malformedf(format string, args ...any) error {
	return fmt.Errorf("%w: %s", wire.ErrMalformed, fmt.Sprintf(format, args...))
}
