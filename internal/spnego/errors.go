package spnego

import "errors"

// Errors callers and tests branch on. Every error the package returns wraps
// one of them.
var (
	// ErrMalformed: a token does not parse (bad DER, wrong tag, truncated).
	ErrMalformed = errors.New("spnego: malformed token")
	// ErrUnsupportedMech: the initiator offered no Kerberos mechanism
	// first, or the acceptor selected another one.
	ErrUnsupportedMech = errors.New("spnego: mechanism not supported")
	// ErrRejected: the acceptor answered negState reject.
	ErrRejected = errors.New("spnego: rejected by the acceptor")
	// ErrKerberos: the peer answered with a KRB-ERROR.
	ErrKerberos = errors.New("spnego: Kerberos error from the peer")
	// ErrNoKey: the keytab has no key for the ticket's service, enctype
	// and key version.
	ErrNoKey = errors.New("spnego: no service key for the ticket")
	// ErrIntegrity: a Kerberos ciphertext failed its integrity check (the
	// ticket is for another key, or was tampered with).
	ErrIntegrity = errors.New("spnego: integrity check failed")
	// ErrWrongPrincipal: the ticket is for another service or realm than
	// the acceptor's, or the authenticator names another client.
	ErrWrongPrincipal = errors.New("spnego: wrong principal")
	// ErrTicketTime: the ticket is expired or not yet valid.
	ErrTicketTime = errors.New("spnego: ticket not valid now")
	// ErrClockSkew: the authenticator's time is too far from the clock.
	ErrClockSkew = errors.New("spnego: clock skew too great")
	// ErrReplay: the authenticator was seen before.
	ErrReplay = errors.New("spnego: replayed authenticator")
	// ErrChecksum: the authenticator's GSS-API checksum is missing or
	// malformed.
	ErrChecksum = errors.New("spnego: bad authenticator checksum")
	// ErrMutualAuth: the AP-REP does not answer our AP-REQ.
	ErrMutualAuth = errors.New("spnego: mutual authentication failed")
	// ErrMIC: the mechListMIC does not verify.
	ErrMIC = errors.New("spnego: mechListMIC verification failed")
	// ErrWrap: a wrap token is not sealed, is from the wrong side, or its
	// checksum fails.
	ErrWrap = errors.New("spnego: bad wrap token")
	// ErrEtype: the enctype is not supported.
	ErrEtype = errors.New("spnego: unsupported enctype")
	// ErrState: a method was called out of order (Wrap before the
	// handshake completed, Step after it).
	ErrState = errors.New("spnego: call out of order")
	// ErrConfig: the configuration is unusable.
	ErrConfig = errors.New("spnego: bad configuration")
)
