package reliable

import (
	"context"
	"errors"
	"log/slog"

	"github.com/beevik/etree"

	"github.com/soapstack/soapstack/reliable/internal/wire"
	"github.com/soapstack/soapstack/soap"
)

// Causes of the refusals of the server layer, for errors.Is on the cause
// of the fault it sends (soap.Fault.Cause). Store errors (ErrUnknownSequence,
// ErrOwnerMismatch, ...) are causes too.
var (
	// ErrSequenceRequired: an application message outside every sequence
	// (WSRMRequired), or of a WS-RM version the layer does not accept.
	ErrSequenceRequired = errors.New("reliable: the message is not in a reliable sequence")
	// ErrAcksToRefused: a CreateSequence whose AcksTo (or 1.1
	// Offer/Endpoint) is not the address of its ReplyTo, or not
	// anonymous: the layer answers on the HTTP response only, as WCF's
	// non-addressable request-reply binding does (R1105, 1.1 R1102).
	ErrAcksToRefused = errors.New("reliable: AcksTo is not the anonymous ReplyTo address")
	// ErrSecureSessionRequired: a CreateSequence outside a secure session
	// while ServerConfig.RequireSecureSession is set.
	ErrSecureSessionRequired = errors.New("reliable: the sequence must be created in a secure session")
	// ErrSessionTokenMissing: a CreateSequence in a secure session without
	// the wsse:SecurityTokenReference to it (R2305), or in WS-RM 1.1
	// without the UsesSequenceSTR header; or one that names a session
	// token outside any session.
	ErrSessionTokenMissing = errors.New("reliable: CreateSequence does not reference its secure session")
	// ErrSessionTokenMismatch: a CreateSequence whose
	// SecurityTokenReference names another secure session than the one it
	// arrived in.
	ErrSessionTokenMismatch = errors.New("reliable: CreateSequence references another secure session")
	// ErrOfferInUse: an offered sequence identifier already in use.
	ErrOfferInUse = errors.New("reliable: offered sequence identifier in use")
	// ErrAckUnsent: an acknowledgement of reply numbers never sent, or one
	// that leaves out numbers acknowledged before (InvalidAcknowledgement).
	ErrAckUnsent = errors.New("reliable: acknowledgement of reply messages not sent")
	// ErrNotDestination: a CloseSequence or TerminateSequence of the
	// reply sequence, which the source (this layer) ends.
	ErrNotDestination = errors.New("reliable: the reply sequence is ended by its source")
)

// faultErr is an RM fault chosen by the layer, with its cause.
type faultErr struct {
	kind      wire.FaultKind
	id        string
	cause     error
	connLimit bool
	ack       *wire.SequenceAcknowledgement
	reason    string
}

func (e *faultErr) Error() string { return "reliable: " + e.kind.String() + ": " + e.cause.Error() }
func (e *faultErr) Unwrap() error { return e.cause }

// refused returns a CreateSequenceRefused fault caused by cause.
func refused(cause error) error {
	return &faultErr{kind: wire.CreateSequenceRefused, cause: cause}
}

type causeKey struct{}

// faultCause returns the cause the layer recorded on a fault message it
// built (for tests and logs).
func faultCause(m *soap.Message) error {
	if m == nil {
		return nil
	}
	err, _ := m.Value(causeKey{}).(error)
	return err
}

// faultMessage answers err as the fault WCF would send, as a message so
// that the security layers below protect it like any reply.
func (s *server) faultMessage(ctx context.Context, x *exchange, err error) (*soap.Message, error) {
	sf, hdr := s.toFault(x, err)
	if sf.Cause == nil {
		sf.Cause = err
	}
	if x.req.Version == soap.V11 && hdr != nil {
		// SOAP 1.1 carries the RM subcode and detail in a header
		// (WsrmSequenceFaultHeader); the Body fault keeps code and reason.
		sf.Detail = nil
	}
	m, merr := soap.NewFaultMessage(x.req.Version, sf, x.req, s)
	if merr != nil {
		return nil, sf
	}
	if x.req.Version == soap.V11 && hdr != nil {
		m.AddHeader(hdr)
	}
	m.SetValue(causeKey{}, sf.Cause)
	lvl := slog.LevelInfo
	if sf.Code == soap.CodeReceiver {
		lvl = slog.LevelWarn
	}
	s.log.Log(ctx, lvl, "reliable: fault", slog.String("subcode", sf.Subcode().Local), slog.String("sequence", x.seqID), slog.Any("error", sf.Cause))
	s.event(Event{Kind: EventFaulted, Sequence: x.seqID, Err: sf.Cause})
	return m, nil
}

// toFault maps err to a SOAP fault and, for RM faults, the SOAP 1.1
// SequenceFault header.
func (s *server) toFault(x *exchange, err error) (*soap.Fault, *etree.Element) {
	var fe *faultErr
	if !errors.As(err, &fe) {
		fe = classify(x.v, err)
	}
	if fe == nil {
		if f, ok := soap.AsFault(err); ok {
			return f, nil
		}
		if errors.Is(err, wire.ErrMalformed) {
			return soap.SenderFault("The message is not a valid WS-ReliableMessaging message.").WithCause(err), nil
		}
		return soap.ReceiverFault("The server was unable to process the request due to an internal error.").WithCause(err), nil
	}
	v := x.v
	if !v.Valid() {
		v = V11
		if !s.versions[V11] {
			v = V200502
		}
	}
	kind := fe.kind
	if !kindExists(v, kind) {
		kind = wire.SequenceTerminated
	}
	id := fe.id
	if id == "" {
		id = x.seqID
	}
	var wf *wire.Fault
	switch {
	case fe.connLimit:
		wf = wire.ConnectionLimitFault(v, s.endpoint(x))
	case kind == wire.CreateSequenceRefused:
		wf = wire.CreateSequenceRefusedFault(v, "")
	case kind == wire.InvalidAcknowledgement && fe.ack != nil:
		wf = wire.InvalidAcknowledgementFault(fe.ack)
	default:
		wf = wire.NewFault(v, kind, id)
	}
	if fe.reason != "" {
		wf.Reason = fe.reason
	}
	sf := wf.SOAP()
	sf.Cause = err
	return sf, wf.SequenceFaultHeader()
}

func kindExists(v Version, k wire.FaultKind) bool {
	switch k {
	case wire.SequenceClosed, wire.WSRMRequired:
		return v == V11
	case wire.LastMessageNumberExceeded:
		return v == V200502
	}
	return true
}

// classify maps the store's and the codecs' errors on a sequence message
// to the RM fault WCF sends; nil when err is none of them.
func classify(v Version, err error) *faultErr {
	k := wire.FaultKind(0)
	switch {
	case errors.Is(err, ErrUnknownSequence), errors.Is(err, ErrOwnerMismatch):
		// A sequence of another security context is unknown here, as in
		// WCF, where each secure session has its own sequences.
		k = wire.UnknownSequence
	case errors.Is(err, ErrSequenceTerminated):
		k = wire.SequenceTerminated
	case errors.Is(err, ErrSequenceClosed):
		k = wire.SequenceClosed
	case errors.Is(err, ErrLastMessageNumberExceeded):
		k = wire.LastMessageNumberExceeded
		if v == V11 {
			k = wire.SequenceClosed
		}
	case errors.Is(err, ErrTooManyPending), errors.Is(err, ErrStoreFull):
		return &faultErr{kind: wire.CreateSequenceRefused, connLimit: true, cause: err}
	case errors.Is(err, ErrSequenceExists):
		k = wire.CreateSequenceRefused
	case errors.Is(err, wire.ErrInvalidAcknowledgement), errors.Is(err, ErrInvalidAcknowledgement):
		k = wire.InvalidAcknowledgement
	case errors.Is(err, wire.ErrMessageNumberRollover):
		k = wire.MessageNumberRollover
	case errors.Is(err, ErrInvalidMessageNumber):
		return nil
	default:
		return nil
	}
	return &faultErr{kind: k, cause: err}
}
