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
	// ErrWrongElement: the element is not the one the parser reads.
	ErrWrongElement = errors.New("not the expected element")
	// ErrUnknownChild: a child in an RM (or no) namespace the schema lacks.
	ErrUnknownChild = errors.New("unknown child element")
	// ErrMissingChild: a required child (or attribute) is absent.
	ErrMissingChild = errors.New("missing required child element")
	// ErrRepeatedChild: a child that may occur once occurs again.
	ErrRepeatedChild = errors.New("repeated child element")
	// ErrChildOrder: children out of schema order.
	ErrChildOrder = errors.New("child element out of schema order")
	// ErrVersionMismatch: a child of the other WS-RM version, or a WS-RM 1.1
	// endpoint reference in WS-Addressing 2004/08.
	ErrVersionMismatch = errors.New("child of another WS-RM or WS-Addressing version")
	// ErrUnexpectedText: text where the schema has elements or nothing.
	ErrUnexpectedText = errors.New("unexpected text content")
	// ErrUnknownAttr: an unqualified attribute the schema lacks.
	ErrUnknownAttr = errors.New("unknown unqualified attribute")
	// ErrTooMany: more ranges, Nacks, extensions or children than the bounds.
	ErrTooMany = errors.New("too many children")
	// ErrIdentifier: an identifier or address that is empty, too long or
	// contains whitespace or control characters.
	ErrIdentifier = errors.New("identifier is not a bounded opaque URI")
	// ErrNumber: not an unsignedLong, zero, or out of range.
	ErrNumber = errors.New("number out of range or not an unsignedLong")
	// ErrDuration: an Expires value that is not a supported xs:duration.
	ErrDuration = errors.New("not a supported xs:duration")
	// ErrBehavior: an unknown IncompleteSequenceBehavior value.
	ErrBehavior = errors.New("unknown IncompleteSequenceBehavior")
	// ErrRangeBounds: Lower > Upper, Lower 0, or a bound above the maximum.
	ErrRangeBounds = errors.New("acknowledgement range with Lower > Upper or out of range")
	// ErrRangeOverlap: two acknowledgement ranges overlap.
	ErrRangeOverlap = errors.New("overlapping acknowledgement ranges")
	// ErrEmptyAckForm: the 0-0 range outside WS-RM 1.0 or not alone.
	ErrEmptyAckForm = errors.New("misplaced empty-acknowledgement form")
	// ErrNackDuplicate: the same Nack twice.
	ErrNackDuplicate = errors.New("repeated Nack")
	// ErrAckChoice: more than one of AcknowledgementRange, None and Nack.
	ErrAckChoice = errors.New("more than one of AcknowledgementRange, None, Nack")
	// ErrNotAFault: a SOAP fault that is not a WS-RM fault of the version.
	ErrNotAFault = errors.New("not a WS-RM fault")
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

// Error describes the class, the element and the check.
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
