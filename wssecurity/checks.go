package wssecurity

import (
	"fmt"
	"time"

	"github.com/soapstack/soapstack/soap"
)

// Causes of rejected messages that a caller may test with errors.Is. Each
// wraps the sentinel whose fault it maps to (a server answers all of them
// with the uniform wsse:InvalidSecurity fault; see ServerLayer).
var (
	// ErrInsecureTransport reports a TransportBinding request that did not
	// arrive over TLS on a server without Config.AllowInsecureTransport.
	ErrInsecureTransport = fmt.Errorf("%w: a transport-binding request did not arrive over TLS", ErrInvalidSecurity)
	// ErrTokenInclusion reports a token included in a message where the
	// policy's Inclusion says it must not be, or referenced where it must be
	// included.
	ErrTokenInclusion = fmt.Errorf("%w: token inclusion contradicts the policy", ErrInvalidSecurity)
)

// checkTransport refuses, on a server, a TransportBinding request that did
// not arrive over TLS (soap.ArrivedOverTLS), unless the configuration
// allows an insecure transport (TLS terminated by a proxy).
func (r *receiver) checkTransport() error {
	if r.initiator || r.inspect || r.p.Binding != TransportBinding || r.cfg.AllowInsecureTransport {
		return nil
	}
	if !soap.ArrivedOverTLS(r.ctx) {
		return ErrInsecureTransport
	}
	return nil
}

// usernameMaxAge is how old a received UsernameToken's wsu:Created may be:
// the policy's TimestampTTL (no bound when inspecting).
func (r *receiver) usernameMaxAge() time.Duration {
	if r.inspect {
		return 0
	}
	return r.p.TimestampTTL
}
