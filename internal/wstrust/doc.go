// Package wstrust holds the wire codecs of WS-Trust and
// WS-SecureConversation (February 2005 and 1.3) that package secureconv
// runs its handshakes with: Version (the pair of namespaces, actions and
// URIs WCF binds together), the RequestSecurityToken and
// RequestSecurityTokenResponse(Collection) of Issue, Renew and Cancel with
// their entropy, proof tokens and lifetimes, the SecurityContextToken
// (with WCF's cookie element), references to it (attached, unattached,
// with an Instance), and the sentinel errors that carry the WS-SC and
// WS-Trust fault subcodes.
//
// It is internal: users establish sessions through package binding (or
// secureconv.NewClient / secureconv.ServerLayer) and never build an RST.
// Package secureconv re-exports what a caller branches on (the sentinel
// errors) and keeps its own Version type with the two values a
// configuration names; wstrust.Version(v) converts. Package reliable
// (CreateSequence bound to a session), internal/scref and the interop
// harness of this module use the codecs directly.
//
// Parsers bound every field (Limits, MaxIdentifierLen, child counts),
// accept the forms WCF, Metro and CXF send (captures under
// secureconv/testdata/wire) and refuse anything else with an error wrapping
// ErrInvalidRequest or wsse.ErrInvalidToken.
package wstrust
