// Package spnego is SPNEGO (RFC 4178) with Kerberos V5 (RFC 4120, RFC 4121)
// as its one mechanism, in the shape WCF's SSPI negotiation uses it: the
// initiator sends a NegTokenInit carrying a Kerberos AP-REQ that requires
// mutual authentication; the acceptor answers with a NegTokenResp
// (accept-completed) carrying the AP-REP; the acceptor then protects the
// session key with a sealed RFC 4121 wrap token under its subkey
// (GSS_Wrap), which the initiator unwraps.
//
// Tickets, the AS and TGS exchanges, keytabs and the RFC 3961 crypto come
// from github.com/jcmturner/gokrb5/v8. What gokrb5 lacks is here: the
// AP-REP (built by the acceptor, verified by the initiator), sealed wrap
// tokens with EC and RRC (Windows rotates the sealed part by RRC+EC, not by
// RRC alone; Unwrap tries RRC+EC first and falls back to RRC), MIC tokens
// for the SPNEGO mechListMIC, the SPNEGO codec, and the acceptor's checks
// of an AP-REQ with an injected clock and a bounded replay cache.
//
// An Initiator and an Acceptor implement negotiate.Mechanism. A Service
// (keytab, clock, replay cache) is built once and makes one Acceptor per
// negotiation; after the handshake the Acceptor's Principal names the
// authenticated client.
//
// Only the AES enctypes are supported for wrap tokens (RFC 4121 applies to
// any RFC 3961 enctype; RC4-HMAC uses the RFC 4757 token format, which is
// not implemented). NTLM is not supported.
package spnego
