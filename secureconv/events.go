package secureconv

import "time"

// EventKind names a secure session event.
type EventKind int

// The events of a secure session, on either side.
const (
	// EventIssued: a session was established (Issue answered).
	EventIssued EventKind = iota + 1
	// EventRenewed: a session's key was renewed (Renew answered).
	EventRenewed
	// EventCancelled: a session was cancelled (Cancel answered).
	EventCancelled
	// EventExpired: a session ended because its token expired or the
	// service no longer knew it. A service reports it when a request
	// refers to a session whose token it finds expired (found on use: a
	// cookie, or a cached token not yet swept out of the cache; a
	// session nobody uses again, or one the cache already dropped, is not
	// reported); a client when it replaces an expired session or one the
	// service answered with BadContextToken.
	EventExpired
)

// String names the event kind.
func (k EventKind) String() string {
	switch k {
	case EventIssued:
		return "issued"
	case EventRenewed:
		return "renewed"
	case EventCancelled:
		return "cancelled"
	case EventExpired:
		return "expired"
	}
	return "unknown"
}

// Event is one secure session event, for ClientConfig.OnEvent and
// ServerConfig.OnEvent. It carries no key material.
type Event struct {
	Kind EventKind
	// ContextID is the session's identifier ("" when a service could not
	// tell which expired session a request named).
	ContextID string
	// Duration is how long the exchange took: on a client the whole
	// handshake round trip, on a service the time to answer it (zero for
	// EventExpired).
	Duration time.Duration
	// Err is the cause of an EventExpired (the BadContextToken fault, or
	// the expiry the service found).
	Err error
}

// emit calls fn with e when fn is set.
func emit(fn func(Event), e Event) {
	if fn != nil {
		fn(e)
	}
}
