package wire

import (
	"errors"
	"fmt"
)

// Class errors: every parse error wraps exactly one of them, naming the RM
// fault a receiver answers with.
var (
	// ErrMalformed reports an element that does not follow the schema
	// (the layer answers with a Sender fault, or SequenceTerminated on a
	// known sequence, as WCF does for a message it cannot parse).
	ErrMalformed = errors.New("wsrm: malformed message")
	// ErrInvalidAcknowledgement reports acknowledgement ranges that are
	// not well-formed (wsrm:InvalidAcknowledgement).
	ErrInvalidAcknowledgement = errors.New("wsrm: invalid acknowledgement")
	// ErrMessageNumberRollover reports a message number above
	// MaxMessageNumber (wsrm:MessageNumberRollover).
	ErrMessageNumberRollover = errors.New("wsrm: message number rollover")
)

// Check errors: every parse error also wraps the one naming the rule that
// refused the input.
var (
	ErrWrongElement    = errors.New("not the expected element")
	ErrUnknownChild    = errors.New("unknown child element")
	ErrMissingChild    = errors.New("missing required child element")
	ErrRepeatedChild   = errors.New("repeated child element")
	ErrChildOrder      = errors.New("child element out of schema order")
	ErrVersionMismatch = errors.New("child of another WS-RM or WS-Addressing version")
	ErrUnexpectedText  = errors.New("unexpected text content")
	ErrUnknownAttr     = errors.New("unknown unqualified attribute")
	ErrTooMany         = errors.New("too many children")
	ErrIdentifier      = errors.New("identifier is not a bounded opaque URI")
	ErrNumber          = errors.New("number out of range or not an unsignedLong")
	ErrDuration        = errors.New("not a supported xs:duration")
	ErrBehavior        = errors.New("unknown IncompleteSequenceBehavior")
	ErrRangeBounds     = errors.New("acknowledgement range with Lower > Upper or out of range")
	ErrRangeOverlap    = errors.New("overlapping acknowledgement ranges")
	ErrEmptyAckForm    = errors.New("misplaced empty-acknowledgement form")
	ErrNackDuplicate   = errors.New("repeated Nack")
	ErrAckChoice       = errors.New("more than one of AcknowledgementRange, None, Nack")
	ErrNotAFault       = errors.New("not a WS-RM fault")
)

// Error is a parse error: the class (ErrMalformed, ...), the check that
// fired and the element it fired on. Errors never quote input text.
type Error struct {
	Class error
	Check error
	Where string
	// Detail is a short description for logs.
	Detail string
}

func (e *Error) Error() string {
	s := e.Class.Error() + ": " + e.Where + ": " + e.Check.Error()
	if e.Detail != "" {
		s += " (" + e.Detail + ")"
	}
	return s
}

// Unwrap returns the class and the check, for errors.Is.
func (e *Error) Unwrap() []error { return []error{e.Class, e.Check} }

func malformed(where string, check error, format string, args ...any) error {
	return &Error{Class: ErrMalformed, Check: check, Where: where, Detail: fmt.Sprintf(format, args...)}
}
