// Package dsig signs and verifies XML Signatures the way WS-Security uses
// them (WCF, Apache CXF/WSS4J and xmlsec1 interoperate with it): detached
// signatures over elements of a SOAP message referenced by "#id", exclusive
// canonicalization (optionally with an InclusiveNamespaces PrefixList) or
// the WS-Security STR-Transform, SHA-1/SHA-256 digests, and RSA-SHA1,
// RSA-SHA256, HMAC-SHA1 and HMAC-SHA256 signatures.
//
// Canonical forms are never materialized: the canonicalizer
// (internal/c14n) works on the parsed tree in place and writes straight
// into the digest or signature hash.
//
// # Signature wrapping
//
// A valid signature says only that some elements with some IDs were
// signed. Three rules make that usable:
//
//   - IDIndex indexes wsu:Id, Id, ID and xml:id and refuses a document in
//     which any value occurs twice, so an ID names exactly one element;
//   - Verify accepts only same-document bare-name references ("#id"), one
//     transform per reference, no Object and no Manifest;
//   - Verify returns the element nodes that were digested. The caller must
//     check that the elements it acts on (the soap:Body child of the
//     Envelope, the Timestamp of its Security header, the addressing
//     headers it read) are those very nodes. A signed Body moved into a
//     header wrapper still verifies, but the returned element is then not
//     the Envelope's Body.
//
// # Verification order
//
// Verify checks all structure, algorithms (against the caller's
// allowlists), references and the key before any cryptographic work, then
// the signature over SignedInfo, and only then the digests of the
// referenced elements, so that forged messages are refused before their
// possibly large parts are canonicalized. Both checks must pass; the order
// is not observable except in time.
//
// # SignedInfo context
//
// SignedInfo is canonicalized in the document, where the declarations in
// scope for the prefixes of an InclusiveNamespaces PrefixList are part of
// its canonical form. Sign canonicalizes it below a copy of the
// declarations in scope at SignOptions.Context. Without a PrefixList,
// exclusive canonicalization of SignedInfo depends only on the declarations
// inside the Signature, so a detached Signature gives the same bytes.
//
// # Wire form
//
// Sign writes the Signature with the prefix ds declared on the
// ds:Signature element, as WSS4J does (WCF writes the same elements in the
// default namespace; the two are equivalent to every verifier, and Verify
// accepts any prefix), ec:InclusiveNamespaces declaring its own prefix, no
// whitespace, and base64 without line breaks. Verify accepts whitespace
// between elements and inside base64 values (xmlsec1 breaks its lines).
//
// # STR-Transform
//
// The STR Dereference Transform digests the token a
// wsse:SecurityTokenReference refers to (found by a caller-supplied
// function), canonicalized with "#default" added to the PrefixList and with
// xmlns="" on the apex element when no default namespace is in scope, as
// WSS4J computes it. Only a reference whose URI names the
// SecurityTokenReference itself is accepted.
//
// The package has no mutable package-level state.
package dsig
