// Package secureconv implements WS-SecureConversation secure sessions as
// Microsoft WCF runs them: the WS-Trust RST/RSTR exchanges that issue,
// renew and cancel a SecurityContextToken (WS-SC and WS-Trust 2005/02 as
// wsHttpBinding sends them, and the OASIS 1.3 versions of
// ws2007HttpBinding), combined client and server entropy, the session
// token, and the faults a session raises.
//
// The wire format follows what WCF writes and reads (element order,
// prefixes, attribute forms) and is checked against messages captured
// from WCF and CoreWCF in testdata/wire.
//
// # Where to start
//
// A WCF binding with EstablishSecurityContext (binding.WSHttpBinding,
// binding.WS2007HttpBinding) builds the client and the ServerLayer of this
// package for you; a binding.CustomBinding's security element names the
// bootstrap and session policies explicitly. Use this package directly to
// share session state across a farm (ServerConfig.Cache,
// ServerConfig.Cookies and the key ring), to follow sessions
// (ServerConfig.OnEvent) or to run a Client with
// settings a binding does not expose. The WS-Trust and SCT codecs live in
// internal/wstrust; Version keeps only the two values a configuration
// names.
//
// # The caller's identity
//
// The application behind ServerLayer finds the session's *soap.Principal
// in its context (soap.PrincipalFromContext): the identities the bootstrap
// credential proved (user name, client certificate's claims, or
// anonymous), as ServerConfig.TransformClaims left them when the session
// was established, and a soap.SessionInfo with the context id, the key
// generation (empty until the first renewal), the WS-SC version and the
// mode; with ServerConfig.KeepBootstrapToken also the bootstrap token.
// The identities survive renewals and, in cookie mode, travel sealed in
// the cookie (COOKIE.md, token encoding version 2; version 1 cookies
// still open). ServerConfig.Authorize decides about each application
// message with its action (a refusal is soap.AccessDeniedFault), and
// ServerConfig.OnSessionCreated may choose cookie or reference mode, the
// application context and persistence for one session.
//
// # The session client
//
// Client runs one handshake (Issue or Renew) for all the calls that need
// it, detached from each caller's context and bounded by
// ClientConfig.HandshakeTimeout (ErrHandshakeTimeout): a caller whose
// context ends stops waiting while the others go on. A renewal that fails
// returns its error (ErrRenewFailed) and keeps the session, rather than
// silently establishing a new one. ClientConfig.KeyLog writes each session
// key in the line format soapstack inspect --keylog reads, for debugging
// only. The configuration is checked by NewClient (ErrClientConfig).
//
// # Negotiation
//
// With WCF's negotiateServiceCredential the first security context comes
// from a multi-leg negotiation (TLSNEGO, SPNEGO) instead of a bootstrap
// policy's credentials: ClientConfig.Negotiator runs it before the Issue,
// ServerConfig.Negotiation answers its legs (unsecured RST/Issue and
// RSTR/Issue messages, routed before any other processing) and has the
// service issue the negotiated token. With a Bootstrap policy on a
// SecureConversationToken the negotiated token protects the Issue of the
// session (WCF's establishSecurityContext=true; the service keeps such
// tokens in a cache of their own, used only to verify Issue requests, and
// the session's identities join those the negotiation authenticated with
// those of the Issue's supporting tokens); with Bootstrap unset the
// negotiated token is the session (establishSecurityContext=false), in the
// service's token cache or cookie mode like any other. The cache of
// negotiated tokens that protect Issue requests is the node's own memory:
// in a farm, a negotiation and the Issue that follows it must reach the
// same node (as each negotiation's legs must), while the session then
// continues on any node. The binding package
// builds both sides from NegotiateServiceCredential; the engine is
// internal/negotiate.
//
// # Web farms
//
// A session established on one node of a farm continues on any other in
// either mode. In cookie mode the whole session token travels sealed in
// the SecurityContextToken, so every node that holds the farm's key ring
// (ServerConfig.Cookies, or ServerConfig.CookieKeys for a ring that
// changes while the nodes run) opens it without shared state. In
// reference mode the nodes share the token cache (ServerConfig.Cache: a
// redisstore.TokenCache), and the replay cache (wssecurity.Config.Replay:
// a redisstore.ReplayCache). A shared cache that cannot answer makes the
// service answer a Receiver fault: the client keeps its session for its
// next calls, rather than re-establishing it as after a BadContextToken.
//
// # Rotating the cookie key ring
//
// A key ring file (ParseKeyRing) names each key by an id; the newest
// active key seals, every key not retired opens. Give each node the file
// through WatchKeyRingFile (or WatchKeyRingEnv) as ServerConfig.CookieKeys:
// the nodes read it again every ReloadConfig.Interval and use a new ring
// without a restart (a file that does not parse is logged and ignored).
// To replace key 1 by key 2:
//
//  1. Add key 2 with an "activate" time later than the moment every node
//     will have read the new file (the file's distribution time plus the
//     reload interval): until then key 1 still seals, and every node can
//     already open cookies sealed by key 2.
//  2. At its activate time key 2 becomes the primary: new sessions and
//     renewals are sealed with it; cookies sealed by key 1 still open.
//  3. Retire key 1 by giving it a "retire" time at least the longest
//     cookie lifetime (ServerConfig.Lifetime, 10 hours by default) after
//     key 2's activate time, so that no cookie sealed by key 1 is still
//     valid when it retires. From then on such a cookie is refused with
//     wsc:BadContextToken (cause ErrCookieUnknownKey) and its client
//     establishes a new session. Later, remove key 1 from the file; never
//     reuse its id for another secret.
//
// Keep the file readable by the service account only, and write it
// atomically (a temporary file renamed over the old one).
package secureconv
