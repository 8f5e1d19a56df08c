package reliable

import (
	"errors"
	"fmt"

	"github.com/beevik/etree"
	"github.com/soapstack/soapstack/reliable/internal/wire"
	"github.com/soapstack/soapstack/soap"
)

// Errors of the client; callers branch on them with errors.Is. The RM
// faults a service sends map to ErrUnknownSequence, ErrSequenceTerminated,
// ErrSequenceClosed and ErrLastMessageNumberExceeded (shared with the
// store) and to the sentinels below; the *soap.Fault itself is wrapped too.
var (
	// ErrClosed is returned by calls on a closed (or closing) Client.
	ErrClosed = errors.New("reliable: session closed")
	// ErrFaulted is wrapped by every error of a faulted session: the
	// call that met the fault and every later one get it, with the cause.
	ErrFaulted = errors.New("reliable: session faulted")
	// ErrCreateSequenceRefused: the service refused CreateSequence
	// (wsrm:CreateSequenceRefused), or did not accept the offered reply
	// sequence.
	ErrCreateSequenceRefused = errors.New("reliable: CreateSequence refused")
	// ErrMessageNumberRollover: the sequence ran out of message numbers
	// (wsrm:MessageNumberRollover).
	ErrMessageNumberRollover = errors.New("reliable: message number rollover")
	// ErrWSRMRequired: the service requires WS-RM (wsrm:WSRMRequired).
	ErrWSRMRequired = errors.New("reliable: WS-RM required")
	// ErrInactivityTimeout: nothing was heard from the service for the
	// InactivityTimeout, keep-alives included (WCF's inactivity fault).
	ErrInactivityTimeout = errors.New("reliable: inactivity timeout exceeded")
	// ErrProtocol: the service broke the WS-RM protocol (a reply without
	// a Sequence header, on another sequence, an unparsable RM header, a
	// response to a control message that is not its answer).
	ErrProtocol = errors.New("reliable: WS-RM protocol violation")
)

// faultSentinel maps an RM fault kind to the error callers branch on.
func faultSentinel(k wire.FaultKind) error {
	switch k {
	case wire.UnknownSequence:
		return ErrUnknownSequence
	case wire.InvalidAcknowledgement:
		return ErrInvalidAcknowledgement
	case wire.MessageNumberRollover:
		return ErrMessageNumberRollover
	case wire.SequenceTerminated:
		return ErrSequenceTerminated
	case wire.SequenceClosed:
		return ErrSequenceClosed
	case wire.CreateSequenceRefused:
		return ErrCreateSequenceRefused
	case wire.LastMessageNumberExceeded:
		return ErrLastMessageNumberExceeded
	case wire.WSRMRequired:
		return ErrWSRMRequired
	}
	return ErrProtocol
}

// rmFaultError reads an RM fault of version v from sf (with the SOAP 1.1
// wsrm:SequenceFault header of resp, when present). It returns nil when
// sf is not an RM fault.
func rmFaultError(v Version, sf *soap.Fault, resp *soap.Message) error {
	var hdr = sequenceFaultHeader(v, resp)
	rf, err := wire.ParseFault(v, sf, hdr)
	if err != nil {
		if errors.Is(err, wire.ErrNotAFault) {
			return nil
		}
		return fmt.Errorf("%w: unreadable RM fault: %w (%w)", ErrProtocol, err, sf)
	}
	return fmt.Errorf("reliable: the service sent %s: %w (%w)", rf.Kind, faultSentinel(rf.Kind), sf)
}

// sequenceFaultHeader returns the wsrm:SequenceFault header of resp, nil
// when absent.
func sequenceFaultHeader(v Version, resp *soap.Message) *etree.Element {
	if resp == nil {
		return nil
	}
	return resp.FindHeader(v.Namespace(), "SequenceFault")
}
