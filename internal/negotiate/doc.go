// Package negotiate runs WCF's SSPI negotiation (TLSNEGO and SPNEGO): the
// multi-leg WS-Trust exchange of wst:BinaryExchange blobs that yields the
// service credential and a first security context before a secure session
// (WCF's negotiateServiceCredential=true).
//
// The engine (Initiator, Acceptor) is shared by the mechanisms: it writes
// and reads the legs in WS-Trust 2005/02 and 1.3, keeps the Context, the
// digest of the legs and the table of pending negotiations, and checks the
// final Authenticator; a Mechanism (TLSNEGO here, SPNEGO/Kerberos in
// internal/spnego) produces and consumes the blobs and wraps the key.
// *Initiator implements secureconv.Negotiator and *Acceptor
// secureconv.NegotiationAcceptor, which plug the negotiation into the
// secure-session client and server in place of a bootstrap policy.
//
// # The exchange
//
// Negotiation legs carry no wsse:Security header. The initiator sends an
// RST (TokenType SCT, RequestType Issue, KeySize, BinaryExchange) with a
// fresh Context attribute; every later leg, both ways, is an RSTR with the
// same Context and one BinaryExchange (ValueType of the mechanism,
// EncodingType base64). Actions: 2005/02 .../RST/Issue for the first leg
// and .../RSTR/Issue for all others, the final one included; 1.3
// .../RST/Issue, .../RSTR/Issue and, for the final answer,
// .../RSTRC/IssueFinal. The final answer is always an RSTR collection of two
// RSTRs with the same Context: the first has TokenType,
// RequestedSecurityToken (the SCT), RequestedAttachedReference,
// RequestedUnattachedReference, RequestedProofToken (an xenc:EncryptedKey
// whose EncryptionMethod is the mechanism's wrap algorithm, TLS_Wrap or
// GSS_Wrap, and whose CipherValue is the wrapped key), Lifetime, KeySize and
// the last BinaryExchange when the mechanism has one; the second only
// Authenticator/CombinedHash.
//
// CombinedHash is P_SHA1(key, "AUTH-HASH" || SHA-1(legs))[:32], where the
// SHA-1 runs over the exclusive canonical form (no comments, no inclusive
// prefixes) of every leg's RST or RSTR element in order, each canonicalized
// on its own, and the final RSTR enters without its RequestedSecurityToken
// and RequestedProofToken. The initiator verifies it in constant time: it
// binds every leg (including what the mechanism does not see, such as the
// text of a BinaryExchange or the Lifetime) to the key.
//
// The 2005/02 TLSNEGO ValueType is written with a leading space
// (" http://schemas.xmlsoap.org/ws/2005/02/trust/tlsnego", WCF's
// XD.TrustApr2004Dictionary.TlsnegoValueTypeUri, which its TLSNEGO provider
// and authenticator use for WSTrustFeb2005); WS-Trust 1.3 keeps the 2005/02
// URI without the space (DXD.TrustDec2005Dictionary), and SPNEGO is
// "http://schemas.xmlsoap.org/ws/2005/02/trust/spnego" in both. ValueTypes
// are compared without surrounding space and the acceptor echoes the
// initiator's form, as WCF's 2005/02 authenticator accepts both TLSNEGO
// forms and echoes the one it received. The wrap URIs have no "ws/" in
// their path (http://schemas.xmlsoap.org/2005/02/trust/tlsnego#TLS_Wrap).
//
// # TLSNEGO
//
// NewTLSClient and NewTLSServer run Go's crypto/tls over an in-memory
// connection, one blob per flight: TLS 1.2 (ClientHello; ServerHello to
// ServerHelloDone; the client's second flight; ChangeCipherSpec and
// Finished in the final RSTR) and TLS 1.3 (ClientHello; ServerHello to
// Finished; the client's Finished; a final RSTR without BinaryExchange).
// Older versions are refused both ways: Go writes TLS 1.0 CBC records split
// 1/n-1, which a Schannel peer that reads the wrapped key as one record
// would mishandle, and TLS 1.0/1.1 are obsolete. Session tickets are off. The
// client validates the service certificate with a wssecurity.TrustStore
// (chain or peer trust) and checks its DNS identity as WCF's
// X509CertificateClaimSet offers it (dNSName entries, else the subject CN);
// it sends its certificate when the service asks (WCF's
// MutualSslNegotiated). TLS_Wrap is the key sent as one TLS application-data
// record after the handshake.
//
// # Bounds
//
// Blobs are at most MaxBlobSize bytes; an acceptor holds at most
// AcceptorConfig.MaxPending negotiations between legs (WCF's
// MaxStatefulNegotiations, 128) for at most AcceptorConfig.Timeout (WCF's
// NegotiationTimeout, one minute); beyond that a first leg gets a Receiver
// fault (ErrTooManyNegotiations). An expired negotiation (an abandoned
// handshake and its goroutine) is dropped by the first leg of another one
// begun at least a quarter of Timeout after the last sweep, full table or
// not. A leg of an unknown, expired, failed or
// completed negotiation is refused (ErrUnknownContext), as is a second copy
// of a leg while the first is answered or a first leg reusing a pending
// Context (ErrContextInUse). An initiator runs at most
// InitiatorConfig.MaxLegs round trips; an acceptor answers at most
// AcceptorConfig.MaxLegs legs of one negotiation (ErrProtocol beyond).
//
// # Sources
//
// The facts above were checked against WCF's published source (read with
// the project's code search):
//   - CoreWCF src/CoreWCF.Primitives/src/CoreWCF/Security/SspiNegotiationTokenAuthenticator.cs:
//     the acceptor's digest (AddToDigest of the received RST/RSTRs and of
//     the RSTRs it writes; the final RSTR digested as the "dummy" RSTR
//     without RequestedSecurityToken and RequestedProofToken),
//     ComputeAuthenticator (P_SHA1 with SecurityUtils.CombinedHashLabel,
//     256 bits), the final collection of the negotiation RSTR and the
//     authenticator RSTR, the Context check, SspiNegotiationFilter (the
//     RST/RSTR actions without a Security header).
//   - dotnet/wcf src/System.ServiceModel.Primitives/src/System/ServiceModel/Security/SspiNegotiationTokenProvider.cs:
//     the initiator's digest (the final RSTR cloned and its
//     RequestedSecurityToken and RequestedProofToken children removed),
//     IsCorrectAuthenticator with TrustApr2004Strings.CombinedHashLabel and
//     SecurityNegotiationConstants.NegotiationAuthenticatorSize, the
//     checks of the collection (authenticator present, same Context), the
//     wrapped proof token's algorithm, the first RST (TokenType, KeySize =
//     the suite's DefaultSymmetricKeyLength).
//   - WCF's WSTrust.cs (Driver.WriteRequestSecurityToken and
//     WriteRequestSecurityTokenResponse, as decompiled copies in the
//     search corpus): element order of RST and RSTR, xmlns:u declared on
//     every RSTR, Lifetime with milliseconds; WSTrustFeb2005.cs and
//     WSTrustDec2005.cs: RequestSecurityTokenResponseFinalAction
//     (RSTR/Issue in 2005/02, RSTRC/IssueFinal in 1.3).
//   - CoreWCF src/CoreWCF.Primitives/src/CoreWCF/Security/TlsnegoTokenAuthenticator.cs:
//     NegotiationValueType (TrustApr2004Dictionary for WSTrustFeb2005,
//     TrustDec2005Dictionary for WSTrust13), both forms accepted and the
//     received one echoed under 2005/02.
//   - WCF's XmlDictionary (SecurityAlgorithmDictionary,
//     TrustApr2004Dictionary, TrustDec2005Dictionary in several public
//     decompiled copies): TlsSspiKeyWrap and WindowsSspiKeyWrap without
//     "ws/"; the TLSNEGO and SPNEGO ValueType strings.
//   - A published capture of a WCF 2005/02 TLSNEGO exchange
//     (testdata/wcf_tlsnego_200502.xml, see testdata/README.md): element
//     order of the final collection, TLS_Wrap CipherValue starting with an
//     application-data record header.
//
// The independent peer of the tests is OpenSSL, through Python's ssl module
// over memory BIOs (testdata/tlsnego_peer.py), on either side of the legs.
// No Java stack (Apache CXF, Eclipse Metro) implements TLSNEGO.
package negotiate
