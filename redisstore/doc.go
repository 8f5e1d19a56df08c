// Package redisstore holds Redis implementations of the state a server
// farm shares, so that any node serves any message of a session:
//
//   - ReplayCache, a wssecurity.ReplayCache: a message replayed to
//     another node than the original is detected;
//   - TokenCache, a secureconv.TokenCache: reference-mode secure sessions
//     established on one node continue on every other;
//   - SequenceStore, a reliable.SequenceStore: consecutive messages of a
//     reliable sequence may land on different nodes and are still
//     delivered in order, exactly once, duplicates answered from the
//     cached reply. Exactly once has the one window of the
//     reliable.SequenceStore contract (a node killed between running an
//     operation and recording it): the operation runs again on a
//     survivor, which is told so (reliable.DeliveryFromContext).
//
// Each passes the conformance suite of the in-memory implementation
// (wssecurity/replaytest, secureconv/cachetest, reliable/storetest),
// against a real redis-server: a single node, a Redis Cluster (which
// refuses any call on keys of more than one hash slot) and, for the
// sequence store, a master found through Redis Sentinel; and over TLS
// with an ACL user.
//
// # The client
//
// Every store takes a redis.UniversalClient: a *redis.Client (one node),
// a failover client (Sentinel) or a *redis.ClusterClient. TLS, ACL user
// and password, pool size and the dial, read and write timeouts are the
// client's options (redis.UniversalOptions.TLSConfig, Username, Password,
// PoolSize, ...); Options adds the key prefix and a bound on each store
// call; set ContextTimeoutEnabled in the client's options so that the
// bound (and the callers' deadlines) reach the socket. The stores never
// close the client.
//
// # Keys and atomicity
//
// The keys of one sequence or one session share a Cluster hash tag (a
// digest of its identifier, so keys have a bounded length and reveal
// nothing), so that each call is one Lua script (EVALSHA, falling back to
// EVAL when the script is not cached) on one slot: atomic on that
// sequence or session whatever node runs it. The replay cache's
// check-and-insert is one SET NX PX. The bounds on the number of
// sequences and sessions (and on pending ones) are kept in a registry of
// two sorted sets under their own hash tag, updated in a further round
// trip when a sequence or session is created, first used or removed; its
// entries are checked against the sequences themselves before a Create
// is refused, so that stale ones never refuse a new sequence. The
// pointer from an offered identifier to its sequence is under the
// offer's own hash tag and checked lazily against the sequence (see
// SequenceStore.Create).
//
// # Time
//
// As the interfaces require, every decision (inactivity, expiry, claims,
// rollover) follows the caller's clock, passed to each call; Redis's own
// clock only drives the keys' time-to-live, which is the remaining
// lifetime at the caller's time plus a small grace, refreshed on
// activity, so that Redis forgets what nobody can use any more.
//
// # Outages
//
// Every failure of Redis is an error wrapping ErrUnavailable. The layers
// answer it with a Receiver fault: the message is neither accepted nor
// acknowledged, and the client retries per its policy. A store never
// guesses: a replay check that could not run rejects the message, a
// sequence step that could not run delivers nothing. A farm whose
// sessions are in cookie mode needs Redis for replay detection only; with
// FallbackReplayCache it may choose to go on through an outage, each node
// then detecting the replays it sees itself.
//
// # Memory
//
// Configure Redis with maxmemory and maxmemory-policy noeviction: when
// full, writes fail (ErrUnavailable) instead of Redis evicting a live
// replay entry (which would reopen the replay window), a session or a
// sequence. The stores bound what they write themselves (sessions,
// sequences, pending ones, a sequence's window, bytes and cached replies).
//
// # Secrets
//
// A session token holds the session key. TokenCache seals each token with
// AES-256-GCM under a secureconv.KeyRing (the format of session cookies),
// and opens it only under the key of the entry that holds it; without a
// ring it refuses to be built unless TokenCacheOptions.Unsealed says that
// the Redis deployment itself (TLS, ACL, a private network) is trusted
// with the keys. Tokens are never logged, and errors never quote them.
package redisstore
