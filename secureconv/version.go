package secureconv

import "github.com/soapstack/soapstack/internal/wstrust"

// Version is a pair of WS-SecureConversation and WS-Trust versions, as WCF
// binds them: V200502 (wsHttpBinding) and V13 (ws2007HttpBinding). The zero
// Version is invalid.
type Version int

// The versions.
const (
	// V200502 is WS-SecureConversation 2005/02 with WS-Trust 2005/02.
	V200502 = Version(wstrust.V200502)
	// V13 is WS-SecureConversation 1.3 with WS-Trust 1.3.
	V13 = Version(wstrust.V13)
)

// String names the version ("WS-SC 2005/02" or "WS-SC 1.3").
func (v Version) String() string { return v.wire().String() }

// Valid reports whether v is V200502 or V13.
func (v Version) Valid() bool { return v.wire().Valid() }

// wire returns the version of the wire codecs.
func (v Version) wire() wstrust.Version { return wstrust.Version(v) }
