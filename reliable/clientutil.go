package reliable

import (
	"encoding/binary"
	"fmt"
	"io"

	"github.com/beevik/etree"
	"github.com/soapstack/soapstack/reliable/internal/seq"
	"github.com/soapstack/soapstack/reliable/internal/wire"
	"github.com/soapstack/soapstack/soap"
)

// Local names of the RM headers the client reads.
const (
	hdrSequence      = "Sequence"
	hdrAck           = "SequenceAcknowledgement"
	hdrAckRequested  = "AckRequested"
	hdrSequenceFault = "SequenceFault"
)

// randSource adapts an io.Reader to seq.Source (for the backoff's jitter).
// A failed read gives 0: no jitter.
type randSource struct{ r io.Reader }

func (s randSource) Uint64() uint64 {
	var b [8]byte
	if _, err := io.ReadFull(s.r, b[:]); err != nil {
		return 0
	}
	return binary.LittleEndian.Uint64(b[:])
}

// newIdentifier returns a fresh "urn:uuid:" sequence identifier from r,
// as WCF writes them.
func newIdentifier(r io.Reader) (string, error) {
	return soap.NewMessageID(r)
}

// anonymousEPR returns the anonymous endpoint reference in addressing
// version a.
func anonymousEPR(a soap.AddressingVersion) wire.EndpointReference {
	return wire.EndpointReference{Addressing: a, Address: a.Anonymous()}
}

// clientHeaders are the WS-RM headers of a received message, parsed.
type clientHeaders struct {
	seq    *wire.Sequence
	acks   []*wire.SequenceAcknowledgement
	ackReq []*wire.AckRequested
	// fresh is set by the client when seq was not received before.
	fresh bool
	// elems are the header elements read, to mark understood and strip.
	elems []*etree.Element
}

// maxRMHeaders bounds the RM headers one message may carry.
const maxRMHeaders = 8

// readClientHeaders parses the Sequence, SequenceAcknowledgement and
// AckRequested headers of m in version v. A header that does not parse,
// a second Sequence header and more than maxRMHeaders are errors wrapping
// ErrProtocol and the wire error.
func readClientHeaders(v Version, m *soap.Message) (*clientHeaders, error) {
	h := &clientHeaders{}
	if m == nil {
		return h, nil
	}
	ns := v.Namespace()
	for _, el := range m.Headers() {
		if el.NamespaceURI() != ns {
			continue
		}
		var err error
		switch el.Tag {
		case hdrSequence:
			if h.seq != nil {
				return nil, fmt.Errorf("%w: two Sequence headers", ErrProtocol)
			}
			h.seq, err = wire.ParseSequence(el)
		case hdrAck:
			var a *wire.SequenceAcknowledgement
			if a, err = wire.ParseSequenceAcknowledgement(el); err == nil {
				h.acks = append(h.acks, a)
			}
		case hdrAckRequested:
			var a *wire.AckRequested
			if a, err = wire.ParseAckRequested(el); err == nil {
				h.ackReq = append(h.ackReq, a)
			}
		default:
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("%w: %s header: %w", ErrProtocol, el.Tag, err)
		}
		if len(h.elems) == maxRMHeaders {
			return nil, fmt.Errorf("%w: more than %d WS-RM headers", ErrProtocol, maxRMHeaders)
		}
		h.elems = append(h.elems, el)
	}
	return h, nil
}

// ackFor returns the acknowledgement of sequence id, nil when absent.
func (h *clientHeaders) ackFor(id string) *wire.SequenceAcknowledgement {
	for _, a := range h.acks {
		if a.Identifier == id {
			return a
		}
	}
	return nil
}

// strip marks the RM headers understood and removes them from m, so that
// the application sees a clean reply.
func (h *clientHeaders) strip(m *soap.Message) {
	for _, el := range h.elems {
		m.MarkUnderstood(el)
		if p := el.Parent(); p != nil {
			p.RemoveChild(el)
		}
	}
}

// ackSet turns an acknowledgement's ranges into a set; ranges that do not
// form a valid set are an error wrapping ErrInvalidAcknowledgement.
func ackSet(a *wire.SequenceAcknowledgement) (seq.Set, error) {
	rs := make([]seq.Range, 0, len(a.Ranges))
	for _, r := range a.Ranges {
		if r.Lower > wire.MaxMessageNumber || r.Upper > wire.MaxMessageNumber {
			return seq.Set{}, fmt.Errorf("%w: range above the largest message number", ErrInvalidAcknowledgement)
		}
		rs = append(rs, seq.Range{Lower: int64(r.Lower), Upper: int64(r.Upper)})
	}
	s, err := seq.NewSet(rs, wire.MaxRanges)
	if err != nil {
		return seq.Set{}, fmt.Errorf("%w: %w", ErrInvalidAcknowledgement, err)
	}
	return s, nil
}

// wireRanges turns a set into acknowledgement ranges.
func wireRanges(s seq.Set) []wire.Range {
	rs := s.Ranges()
	if len(rs) == 0 {
		return nil
	}
	out := make([]wire.Range, len(rs))
	for i, r := range rs {
		out[i] = wire.Range{Lower: uint64(r.Lower), Upper: uint64(r.Upper)}
	}
	return out
}

// addHeader adds el to m's header, marked mustUnderstand when mu.
func addHeader(m *soap.Message, el *etree.Element, mu bool) {
	if mu {
		m.SetMustUnderstand(el)
	}
	m.AddHeader(el)
}
