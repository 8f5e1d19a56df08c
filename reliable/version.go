package reliable

import "github.com/soapstack/soapstack/reliable/internal/wire"

// Version is a WS-ReliableMessaging version: V200502 or V11. Its methods
// return the namespace and the action URIs of the version's messages
// (CreateSequenceAction, LastMessageAction, CloseSequenceAction, ...;
// "" where the version has no such message). The zero Version is invalid.
//
// The type is defined by the wire codecs (reliable/internal/wire), which
// this package builds on; it is the same type.
type Version = wire.Version

// The versions.
const (
	// V200502 is WS-ReliableMessaging February 2005, with WS-Addressing
	// 2004/08 or 1.0 (WCF's wsHttpBinding reliableSession).
	V200502 = wire.V200502
	// V11 is WS-ReliableMessaging 1.1 (OASIS 2007/02), with WS-Addressing
	// 1.0 (WCF's ws2007HttpBinding reliableSession).
	V11 = wire.V11
)
