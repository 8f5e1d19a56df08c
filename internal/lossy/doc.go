// Package lossy is an HTTP proxy that loses, duplicates, reorders and
// delays the SOAP messages it forwards, by seeded rules, so that the
// reliable session (WS-ReliableMessaging) can be tested and shown over a
// bad network that behaves the same way on every run.
//
// A Proxy is an http.Handler forwarding each request to one target URL.
// For every request it draws one Decision from a single PCG source
// (math/rand/v2) seeded by Config.Seed, always with the same number of
// draws, so that sequential traffic meets the same decisions in the same
// order on every run with the same seed:
//
//   - DropRequest: the request is never forwarded; the proxy closes the
//     client's connection without an answer (a lost message looks to a
//     SOAP client like a connection error, as a WCF client sees it,
//     without waiting for a timeout);
//   - DropResponse: the request is forwarded and processed, the answer is
//     thrown away and the connection closed;
//   - Duplicate: the request is forwarded a second time, a random time
//     after the target answered the first, and the second answer is
//     thrown away (a copy arriving late: it never overtakes the original,
//     which a target with replay detection would then refuse);
//   - Reorder: the request is held for a random time up to MaxDelay before
//     it is forwarded, so that later requests overtake it.
//
// Over HTTP's request-reply, losing in both directions means losing
// requests and responses. Every request is also delayed by Config.Delay.
// Requests for which Config.Pass reports true are forwarded untouched and
// draw no decision (the secure session's handshake, say, which WCF does
// not run under the reliable session and does not retransmit).
//
// The proxy is transparent: it keeps the request's path (joined to the
// target's) and its Host header, so the service sees the address the
// client addressed. It is bounded: at most MaxInFlight requests (and
// duplicates) at a time, bodies of at most MaxBodySize bytes both ways.
// Stats counts what it did, for tests and the command line.
package lossy
