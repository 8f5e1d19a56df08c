// Package soap is the SOAP core of soapstack: SOAP 1.1 and 1.2 envelopes,
// faults, WS-Addressing 1.0 and 2004/08, a strict parser, an action
// dispatcher and the HTTP transport, on which the WS-Security and
// WS-SecureConversation layers (packages wssecurity and secureconv) are
// built. It speaks what Microsoft WCF and Apache CXF speak on the wire.
//
// # Where to start
//
// To configure a client or a service, start with package binding: it
// composes this package with the security and session layers the way a
// WCF binding does. Use this package directly for an unsecured endpoint
// (NewServeMux and NewHTTPHandler for a service, NewHTTPClient for a
// client, MarshalBody and UnmarshalBody for Go bodies: see Example), and
// for what a binding does not say: a Handler or Invoker of your own, a
// ServerLayer or ClientLayer between the transport and the application,
// the Principal a handler reads from its context.
//
// # Messages
//
// One *Message travels through every layer of an exchange: the
// *etree.Document with pointers to its Envelope, Header and Body, the
// parsed WS-Addressing view (Addressing), the transport's SOAPAction, and
// typed values that layers attach for later ones (SetValue, Value). A
// message is parsed once, when it arrives, and serialized once, when it
// leaves; layers work on the tree in between. Addressing.Elements points
// at the very header elements the view was read from, so a security layer
// can require that exactly those elements were signed, and what the
// dispatcher and the To check act on is then what was signed.
//
// Serializing (WriteTo, Bytes, the HTTP transports) writes the tree as it
// is, with internal/xmlwrite: the namespace declarations and attribute
// order the tree holds, and every character data and attribute value
// escaped so that the receiver parses the same values back. In particular
// a TAB, LF or CR in an attribute value is written as a character
// reference (&#x9; &#xA; &#xD;) and a CR in text as &#xD;, which etree's
// own serializer, used before, wrote literally (a receiver then normalized
// them to spaces and line feeds, breaking a signature over such a value).
//
// Bodies can be Go values: MarshalBody encodes a value with encoding/xml
// tags into a message's Body, UnmarshalBody decodes a Body into one
// (returning a fault Body as its *Fault), and Fault.SetDetail and
// Fault.UnmarshalDetail do the same for a fault's Detail. Decoding reads
// the tree directly, with the namespaces in scope; MarshalElement and
// UnmarshalElement work on any element (a header block, a token).
//
// # Layers
//
// A client is an Invoker (Call), a server a Handler (ServeSOAP); a layer
// wraps one (ClientLayer, ServerLayer) and layers compose with
// ChainInvoker and ChainHandler, the first layer being the one closest to
// the application (client) or to the wire (server), as WCF's binding
// elements stack:
//
//	client:  app → [reliable] → [security] → HTTPClient → wire
//	server:  wire → HTTPHandler → [security] → [Authorize] → ServeMux → app
//
// A layer marks the headers it processed (MarkUnderstood); ServeMux answers
// a MustUnderstand fault for any mustUnderstand header targeted at this
// node that no layer understood, then dispatches on wsa:Action (falling
// back to the SOAPAction for messages without addressing). A SOAPAction
// that contradicts wsa:Action is an ActionMismatch fault: the transport
// header is not signed, the addressing header may be. An unknown action is
// an ActionNotSupported fault.
//
// # Faults
//
// A fault is a Go error, *Fault: code, subcodes, reasons with xml:lang,
// node, role, detail and the NotUnderstood headers, written in SOAP 1.1 or
// 1.2 form by the transport, addressed as a reply in the request's
// addressing version. Its Cause is never written to the wire: it is for
// logs and errors.Is, so that every rejection can say which defence fired
// while the peer sees only the fault WCF would send. A handler's non-fault
// error or panic becomes an opaque Receiver fault; the cause goes to the
// log only. The HTTP handler logs each fault with its cause (Info) and each
// internal error (Error) to its logger, slog.Default() unless WithLogger
// says otherwise.
//
// # The strict parser and its limits
//
// ReadMessage (and internal/xmlutil's fragment parser, for decrypted
// content parsed in the scope of the element it replaces) use
// internal/xmlparse, which checks every
// input rule in one pass over the bytes before any tree is built: no
// DOCTYPE or processing instructions, no undeclared prefixes, no duplicate
// attributes by namespace URI and local name, and the Limits: size (4
// MiB), depth (100), elements (100,000), attributes per element (64),
// attribute value (64 KiB, which bounds namespace URIs) and qualified name
// (1024 bytes, which bounds prefixes; WCF's name-table quota is 16,384
// characters). A rejection is a Sender fault whose cause is a *ParseError
// (ErrTooLarge for the size, ErrNameTooLong for a name), before any
// handler runs. The HTTP handler bounds the body with http.MaxBytesReader
// and the decompressed size of a gzip body by the same limit.
//
// # Addressing and the To check
//
// The addressing headers of either version are read and marked
// understood; replies and faults are addressed with RelatesTo in the
// request's version. HTTPHandler refuses, before any layer runs, a request
// whose wsa:To does not name the endpoint that received it, with WCF's
// address-filter fault (DestinationUnreachableFault: Sender, subcode
// wsa:DestinationUnreachable in the request's addressing version, cause
// ErrDestinationUnreachable). Without it, a validly signed message
// addressed to one endpoint would be accepted by any other endpoint that
// trusts the same keys. The comparison follows WCF's UriEquals: scheme and
// host without regard to case, the port with the scheme's default (80,
// 443), the percent-decoded path with dot segments resolved and a trailing
// slash ignored; user information, query and fragment are not compared.
// Two choices differ from WCF: the path is case-sensitive (as URI paths
// and Go's ServeMux are; WCF ignores its case), and the host is compared
// (WCF's default HostNameComparisonMode.StrongWildcard ignores it). A
// request without To, or with the anonymous address, is addressed to
// wherever the transport delivered it (WS-Addressing 1.0 §3.2) and passes,
// so plain SOAP without addressing keeps working; a sender that wants its
// message bound to one endpoint sends and signs a To naming it, as WCF and
// CXF always do. A message's addressing is read in the version of its
// first addressing header; a wsa:To of the other version must name this
// endpoint too, so that an unsigned header of one version put first cannot
// hide a signed To of the other. A layer may change the addressing headers (a security
// layer decrypting a wsse11:EncryptedHeader re-reads them), so ServeMux
// checks the To again before it dispatches (CheckTo), against the same
// endpoint.
//
// The endpoint's address is by default the one the request arrived at:
// https when it came over TLS, the Host header, and the path as the client
// sent it. The host and port therefore come from the sender; behind a
// proxy that rewrites addresses, and to bind the host and port for real,
// configure the public addresses with WithEndpointAddress, which then
// replace the request's. WithToCheck(false) turns the check off, as WCF's
// AddressFilterMode.Any does.
//
// # Peer and principal
//
// The handler's context says where a request came from and who sent it.
// HTTPHandler puts a *Peer in it (PeerFromContext): the remote and local
// addresses, the TLS connection state (nil over plain HTTP, or when a
// proxy terminated TLS; ArrivedOverTLS) and the URL the request was sent
// to. The security layers (wssecurity.ServerLayer, secureconv.ServerLayer)
// put the *Principal they verified in it (PrincipalFromContext): its
// identities with their claims, authentication method and certificate,
// the secure session if any, and the bootstrap token when the server keeps
// it. A request that no layer authenticated has no principal. A Principal
// in a context is never modified; a layer that changes it stores a Clone.
//
// Authorize is a server layer, placed inside the security layers, that asks
// an Authorizer about every request with its action and principal, as
// WCF's ServiceAuthorizationManager does; a refusal is AccessDeniedFault
// (Sender, wsse:FailedAuthentication, "Access is denied.") and the
// application does not run; the Authorizer's error is the fault's cause.
//
// # Secure transport
//
// A layer whose policy needs TLS (a TransportBinding) marks its requests
// with Message.RequireSecureTransport; HTTPClient then refuses to send them
// to a URL that is not https, with ErrInsecureTransport, before any byte
// leaves. On the server, Peer.TLS tells the layers whether the request
// came over TLS.
//
// The package has no mutable package-level state; an HTTPHandler or
// HTTPClient is safe for concurrent use.
package soap
