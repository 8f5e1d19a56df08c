package soap

// Namespaces, well-known URIs and media types used by the SOAP layer. Every
// literal the package writes on the wire lives here.
const (
	// NS11 is the SOAP 1.1 envelope namespace.
	NS11 = "http://schemas.xmlsoap.org/soap/envelope/"
	// NS12 is the SOAP 1.2 envelope namespace.
	NS12 = "http://www.w3.org/2003/05/soap-envelope"

	// ActorNext11 is the SOAP 1.1 "next" actor.
	ActorNext11 = "http://schemas.xmlsoap.org/soap/actor/next"
	// RoleNext12 is the SOAP 1.2 "next" role.
	RoleNext12 = "http://www.w3.org/2003/05/soap-envelope/role/next"
	// RoleUltimateReceiver12 is the SOAP 1.2 "ultimateReceiver" role.
	RoleUltimateReceiver12 = "http://www.w3.org/2003/05/soap-envelope/role/ultimateReceiver"
	// RoleNone12 is the SOAP 1.2 "none" role; headers targeted at it are never processed.
	RoleNone12 = "http://www.w3.org/2003/05/soap-envelope/role/none"

	// NSXML is the namespace bound to the reserved "xml" prefix.
	NSXML = "http://www.w3.org/XML/1998/namespace"
	// NSXMLNS is the namespace of namespace declarations.
	NSXMLNS = "http://www.w3.org/2000/xmlns/"

	// NSWSA10 is the WS-Addressing 1.0 (W3C, 2005/08) namespace.
	NSWSA10 = "http://www.w3.org/2005/08/addressing"
	// NSWSA200408 is the WS-Addressing member submission (2004/08) namespace.
	NSWSA200408 = "http://schemas.xmlsoap.org/ws/2004/08/addressing"

	// AnonymousWSA10 is the anonymous address of WS-Addressing 1.0.
	AnonymousWSA10 = NSWSA10 + "/anonymous"
	// NoneWSA10 is the "none" address of WS-Addressing 1.0.
	NoneWSA10 = NSWSA10 + "/none"
	// AnonymousWSA200408 is the anonymous address of WS-Addressing 2004/08.
	AnonymousWSA200408 = NSWSA200408 + "/role/anonymous"

	// ReplyWSA10 is the WS-Addressing 1.0 reply relationship.
	ReplyWSA10 = NSWSA10 + "/reply"
	// FaultActionWSA10 is the WS-Addressing 1.0 default fault action.
	FaultActionWSA10 = NSWSA10 + "/fault"
	// FaultActionWSA200408 is the WS-Addressing 2004/08 default fault action.
	FaultActionWSA200408 = NSWSA200408 + "/fault"
	// ReplyWSA200408 is the 2004/08 reply relationship QName written as a URI.
	ReplyWSA200408 = NSWSA200408 + "/Reply"

	// ContentType11 is the media type of SOAP 1.1 over HTTP.
	ContentType11 = "text/xml"
	// ContentType12 is the media type of SOAP 1.2 over HTTP.
	ContentType12 = "application/soap+xml"
)

// Prefixes this package uses when it builds new messages.
const (
	prefixEnv = "s"
	prefixWSA = "a"
)
