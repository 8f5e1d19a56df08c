// Package negotiate runs WCF's SSPI negotiation (TLSNEGO and SPNEGO): the
// multi-leg WS-Trust exchange of wst:BinaryExchange blobs that yields the
// service credential and a first security context before a secure session.
package negotiate
