// Package wire reads and writes the messages and headers of
// WS-ReliableMessaging 2005/02 (WS-RM 1.0) and 1.1 (2007/02) as etree
// elements: CreateSequence(Response), Sequence, SequenceAcknowledgement,
// AckRequested, CloseSequence(Response), TerminateSequence(Response),
// UsesSequenceSTR/UsesSequenceSSL and the RM faults. It is the codec layer
// below package reliable and holds no state.
//
// Builders write what WCF writes (element order, the "r" and "netrm"
// prefixes, Lower before Upper). Parsers are strict: children in schema
// order, unknown children in an RM namespace refused, extension elements of
// other namespaces kept where the schema has xs:any, identifiers opaque
// bounded URIs, numbers in range, acknowledgement ranges well-formed.
// Errors wrap one of ErrMalformed, ErrInvalidAcknowledgement or
// ErrMessageNumberRollover (the RM fault a receiver answers with) and one
// check sentinel naming the rule that refused the input.
package wire

import (
	"fmt"

	"github.com/soapstack/soapstack/soap"
)

// Namespaces and literal URIs. Every literal of the reliable packages
// lives in this file.
const (
	// NSRM200502 is the WS-ReliableMessaging February 2005 namespace.
	NSRM200502 = "http://schemas.xmlsoap.org/ws/2005/02/rm"
	// NSRM11 is the WS-ReliableMessaging 1.1 (OASIS, 2007/02) namespace.
	NSRM11 = "http://docs.oasis-open.org/ws-rx/wsrm/200702"
	// NSNetRM is WCF's RM extension namespace (netrm:BufferRemaining, the
	// ConnectionLimitReached fault subcode).
	NSNetRM = "http://schemas.microsoft.com/ws/2006/05/rm"
	// NSWSSE is the WS-Security 1.0 secext namespace of the
	// SecurityTokenReference a CreateSequence carries over a secure session.
	NSWSSE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
	// NSWSA10 and NSWSA200408 are the WS-Addressing namespaces of
	// endpoint references.
	NSWSA10     = soap.NSWSA10
	NSWSA200408 = soap.NSWSA200408

	// Prefixes WCF writes (WsrmFeb2005Strings.Prefix, NETPrefix).
	prefixRM    = "r"
	prefixNetRM = "netrm"
	prefixWSA   = "a"
	prefixWSSE  = "o"
)

// Element and attribute local names (WCF's XD.WsrmFeb2005Dictionary and
// DXD.Wsrm11Dictionary).
const (
	elCreateSequence            = "CreateSequence"
	elCreateSequenceResponse    = "CreateSequenceResponse"
	elCloseSequence             = "CloseSequence"
	elCloseSequenceResponse     = "CloseSequenceResponse"
	elTerminateSequence         = "TerminateSequence"
	elTerminateSequenceResponse = "TerminateSequenceResponse"
	elSequence                  = "Sequence"
	elSequenceAcknowledgement   = "SequenceAcknowledgement"
	elAckRequested              = "AckRequested"
	elSequenceFault             = "SequenceFault"
	elUsesSequenceSTR           = "UsesSequenceSTR"
	elUsesSequenceSSL           = "UsesSequenceSSL"
	elAcksTo                    = "AcksTo"
	elExpires                   = "Expires"
	elOffer                     = "Offer"
	elAccept                    = "Accept"
	elEndpoint                  = "Endpoint"
	elIdentifier                = "Identifier"
	elIncompleteSeqBehavior     = "IncompleteSequenceBehavior"
	elMessageNumber             = "MessageNumber"
	elLastMessage               = "LastMessage"
	elLastMsgNumber             = "LastMsgNumber"
	elAckRange                  = "AcknowledgementRange"
	elNone                      = "None"
	elFinal                     = "Final"
	elNack                      = "Nack"
	elBufferRemaining           = "BufferRemaining"
	elFaultCode                 = "FaultCode"
	elDetail                    = "Detail"
	elMaxMessageNumber          = "MaxMessageNumber"
	elSTR                       = "SecurityTokenReference"
	elAddress                   = "Address"
	elReferenceParameters       = "ReferenceParameters"
	elReferenceProperties       = "ReferenceProperties"
	attrUpper                   = "Upper"
	attrLower                   = "Lower"
)

// Action local names, appended to the version's namespace.
const (
	actCreateSequence            = "/CreateSequence"
	actCreateSequenceResponse    = "/CreateSequenceResponse"
	actTerminateSequence         = "/TerminateSequence"
	actTerminateSequenceResponse = "/TerminateSequenceResponse"
	actCloseSequence             = "/CloseSequence"
	actCloseSequenceResponse     = "/CloseSequenceResponse"
	actLastMessage               = "/LastMessage"
	actSequenceAcknowledgement   = "/SequenceAcknowledgement"
	actAckRequested              = "/AckRequested"
	actFault                     = "/fault"
)

// Fault subcodes (local names in the version's namespace; ConnectionLimit
// in NSNetRM).
const (
	subUnknownSequence           = "UnknownSequence"
	subInvalidAcknowledgement    = "InvalidAcknowledgement"
	subMessageNumberRollover     = "MessageNumberRollover"
	subSequenceTerminated        = "SequenceTerminated"
	subSequenceClosed            = "SequenceClosed"
	subCreateSequenceRefused     = "CreateSequenceRefused"
	subLastMessageNumberExceeded = "LastMessageNumberExceeded"
	subWSRMRequired              = "WSRMRequired"
	subConnectionLimitReached    = "ConnectionLimitReached"
)

// IncompleteSequenceBehavior values (WS-RM 1.1).
const (
	isbDiscardEntireSequence    = "DiscardEntireSequence"
	isbDiscardFollowingFirstGap = "DiscardFollowingFirstGap"
	isbNoDiscard                = "NoDiscard"
)

// WCF's fault reason texts, from microsoft/referencesource
// System.ServiceModel/System.ServiceModel.txt (the "; RM" section; read via
// the mono/mono mirror mcs/class/referencesource at commit 3152431c), as
// WsrmFault.cs and WsrmUtilities.cs use them.
const (
	// SR.UnknownSequenceFaultReason (UnknownSequenceFault).
	reasonUnknownSequence = "The value of wsrm:Identifier is not a known Sequence identifier."
	// SR.InvalidAcknowledgementFaultReason (InvalidAcknowledgementFault).
	reasonInvalidAcknowledgement = "The SequenceAcknowledgement violates the cumulative acknowledgement invariant."
	// SR.MessageNumberRolloverFaultReason (MessageNumberRolloverFault).
	reasonMessageNumberRollover = "The maximum value for wsrm:MessageNumber has been exceeded."
	// SR.LastMessageNumberExceededFaultReason (LastMessageNumberExceededFault).
	reasonLastMessageNumberExceeded = "The value for wsrm:MessageNumber exceeds the value of the MessageNumber accompanying a LastMessage element in this Sequence."
	// SR.SequenceClosedFaultString (SequenceClosedFault).
	reasonSequenceClosed = "The Sequence is closed and cannot accept new messages."
	// SR.WsrmRequiredFaultString (WsrmRequiredFault).
	reasonWSRMRequired = "The RM server requires the use of WS-ReliableMessaging 1.1 protocol. This is likely caused by a binding mismatch."
	// SR.SequenceTerminatedInactivityTimeoutExceeded, one of the reasons of
	// SequenceTerminatedFault; the layer picks the one that applies.
	reasonSequenceTerminatedInactivity = "The inactivity timeout of (%s) has been exceeded."
	// SR.SequenceTerminatedQuotaExceededException
	// (SequenceTerminatedFault.CreateQuotaExceededFault).
	reasonSequenceTerminatedQuota = "The necessary size to buffer a sequence message has exceeded the configured buffer quota. Because of this the reliable session cannot continue."
	// SR.SequenceTerminatedMaximumRetryCountExceeded
	// (SequenceTerminatedFault.CreateMaxRetryCountExceededFault).
	reasonSequenceTerminatedRetry = "The user specified maximum retry count for a particular message has been exceeded. Because of this the reliable session cannot continue."
	// SR.CSRefused: WsrmUtilities.CreateCSRefusedFault formats every
	// CreateSequenceRefused reason into it.
	reasonCSRefused = "The request to create a reliable session has been refused by the RM Destination. %s The channel could not be opened."
	// SR.ServerTooBusy, the inner reason of the connection-limit refusal
	// (ReliableChannelListener: CreateCSRefusedServerTooBusyFault with
	// SR.ServerTooBusy and the listener's Uri). The dotnet/docs RM 1.1 page
	// shows this text alone as the Reason; the source wraps it in CSRefused.
	reasonServerTooBusy = "Server '%s' is too busy to process this request. Try again later."
)

// Version is a WS-ReliableMessaging version. The zero Version is invalid.
type Version int

// The versions.
const (
	// V200502 is WS-ReliableMessaging February 2005 (WCF's
	// WSReliableMessagingFebruary2005, wsHttpBinding), used with
	// WS-Addressing 2004/08 or 1.0.
	V200502 Version = iota + 1
	// V11 is WS-ReliableMessaging 1.1 (2007/02, WCF's
	// WSReliableMessaging11, ws2007HttpBinding), used with WS-Addressing 1.0.
	V11
)

// Valid reports whether v is V200502 or V11.
func (v Version) Valid() bool { return v == V200502 || v == V11 }

// String names the version.
func (v Version) String() string {
	switch v {
	case V200502:
		return "WS-RM 2005/02"
	case V11:
		return "WS-RM 1.1"
	}
	return fmt.Sprintf("Version(%d)", int(v))
}

// Namespace returns the version's namespace ("" for an invalid version).
func (v Version) Namespace() string {
	switch v {
	case V200502:
		return NSRM200502
	case V11:
		return NSRM11
	}
	return ""
}

// VersionOf returns the version whose namespace is ns.
func VersionOf(ns string) (Version, bool) {
	switch ns {
	case NSRM200502:
		return V200502, true
	case NSRM11:
		return V11, true
	}
	return 0, false
}

func (v Version) action(suffix string) string {
	if !v.Valid() {
		return ""
	}
	return v.Namespace() + suffix
}

// CreateSequenceAction and the other action methods return the WS-Addressing
// action URIs of the version's messages ("" when the version has no such
// message).
func (v Version) CreateSequenceAction() string { return v.action(actCreateSequence) }

// CreateSequenceResponseAction is the action of a CreateSequenceResponse.
func (v Version) CreateSequenceResponseAction() string {
	return v.action(actCreateSequenceResponse)
}

// TerminateSequenceAction is the action of a TerminateSequence.
func (v Version) TerminateSequenceAction() string { return v.action(actTerminateSequence) }

// TerminateSequenceResponseAction is the action of a
// TerminateSequenceResponse (WS-RM 1.1 only; 1.0 has no response).
func (v Version) TerminateSequenceResponseAction() string {
	if v != V11 {
		return ""
	}
	return v.action(actTerminateSequenceResponse)
}

// CloseSequenceAction is the action of a CloseSequence (WS-RM 1.1 only).
func (v Version) CloseSequenceAction() string {
	if v != V11 {
		return ""
	}
	return v.action(actCloseSequence)
}

// CloseSequenceResponseAction is the action of a CloseSequenceResponse
// (WS-RM 1.1 only).
func (v Version) CloseSequenceResponseAction() string {
	if v != V11 {
		return ""
	}
	return v.action(actCloseSequenceResponse)
}

// LastMessageAction is the action of WS-RM 1.0's empty LastMessage
// message (1.0 only).
func (v Version) LastMessageAction() string {
	if v != V200502 {
		return ""
	}
	return v.action(actLastMessage)
}

// SequenceAcknowledgementAction is the action of a stand-alone
// acknowledgement message.
func (v Version) SequenceAcknowledgementAction() string {
	return v.action(actSequenceAcknowledgement)
}

// AckRequestedAction is the action of a stand-alone AckRequested message.
func (v Version) AckRequestedAction() string { return v.action(actAckRequested) }

// FaultAction returns the action of an RM fault (WsrmIndex.
// GetFaultActionString): WS-RM 1.1 has its own, WS-RM 1.0 uses the
// addressing version's default fault action (wsa10 selects WS-Addressing
// 1.0, otherwise 2004/08).
func (v Version) FaultAction(wsa10 bool) string {
	switch v {
	case V11:
		return v.action(actFault)
	case V200502:
		if wsa10 {
			return soap.FaultActionWSA10
		}
		return soap.FaultActionWSA200408
	}
	return ""
}
