package dsig

import (
	"errors"
	"fmt"
	"strconv"
)

// The errors returned by this package wrap one of these sentinels (test with
// errors.Is). The rest of the message is detail for logs; it never contains
// key material, but it may quote (clipped) attacker-controlled values, so do
// not echo it to the peer.
var (
	// ErrMalformed reports a Signature, SignedInfo or Reference that does
	// not have the required structure, or a reference this package does not
	// dereference (anything but a same-document "#id").
	ErrMalformed = errors.New("dsig: malformed signature")
	// ErrUnsupportedAlgorithm reports an algorithm that is unknown or not
	// allowed by the options (policy).
	ErrUnsupportedAlgorithm = errors.New("dsig: unsupported or disallowed algorithm")
	// ErrInvalidSignature reports a digest or signature value that does
	// not match.
	ErrInvalidSignature = errors.New("dsig: invalid signature")
	// ErrInvalidKey reports a key that cannot be resolved or does not fit
	// the signature method (an HMAC method with an RSA key, an RSA method
	// with a []byte key, an empty HMAC key). Errors of the key resolver are
	// wrapped too.
	ErrInvalidKey = errors.New("dsig: invalid key")
	// ErrUnresolvedReference reports a reference whose id is not in the
	// index, or a SecurityTokenReference that cannot be dereferenced.
	ErrUnresolvedReference = errors.New("dsig: unresolved reference")
	// ErrDuplicateID reports an ID value carried twice in a document (by
	// different elements, or by different ID attributes).
	ErrDuplicateID = errors.New("dsig: duplicate ID")
)

// failf returns an error wrapping kind with a formatted detail.
func failf(kind error, format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{kind}, args...)...)
}

// maxQuoted bounds how much of an attacker-controlled string ends up in an
// error message.
const maxQuoted = 80

// clip quotes s for an error message, shortened to maxQuoted bytes.
func clip(s string) string {
	if len(s) > maxQuoted {
		return strconv.Quote(s[:maxQuoted]) + "..."
	}
	return strconv.Quote(s)
}
