// Package wsse holds the wire codecs of OASIS WS-Security 1.0/1.1 that
// package wssecurity processes messages with: the namespaces, token-profile
// URIs and algorithm URIs, the wsu:Timestamp, the UsernameToken (writing,
// PasswordDigest, parsing with bounded fields), the X.509
// BinarySecurityToken, the SecurityTokenReference in its three forms
// (Reference, KeyIdentifier, X509IssuerSerial, with RFC 4514 issuer-name
// matching), the WS-SecureConversation DerivedKeyToken (P_SHA1, bounded
// length and offset), and the sentinel errors that carry the WS-Security
// fault subcodes.
//
// It is internal: users configure security with wssecurity.Policy (or,
// simpler, package binding) and never see a token element. Package
// wssecurity re-exports what a caller branches on (the sentinel errors,
// the fault subcodes, Secret and UsernameTokenData for UsernameValidator
// implementations). Package secureconv and the interop harness of this
// module use the codecs directly.
//
// Every parser bounds what it reads (text lengths, decoded sizes, child
// counts) before decoding, refuses unknown forms with an error wrapping
// ErrInvalidToken or ErrInvalidSecurity, and never puts a secret
// (password, nonce, key) into an error.
package wsse
