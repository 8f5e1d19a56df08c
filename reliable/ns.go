package reliable

import "github.com/soapstack/soapstack/reliable/internal/wire"

// Namespaces of WS-ReliableMessaging. The literal URIs, with every action
// URI and fault subcode, live in one file, reliable/internal/wire/ns.go;
// the actions are the methods of Version.
const (
	// NSRM200502 is the WS-ReliableMessaging February 2005 namespace.
	NSRM200502 = wire.NSRM200502
	// NSRM11 is the WS-ReliableMessaging 1.1 namespace.
	NSRM11 = wire.NSRM11
	// NSNetRM is WCF's RM extension namespace
	// (http://schemas.microsoft.com/ws/2006/05/rm): netrm:BufferRemaining
	// and the ConnectionLimitReached fault subcode.
	NSNetRM = wire.NSNetRM
)
