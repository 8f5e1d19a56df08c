package secureconv

import (
	"errors"
	"fmt"
)

// Causes of refused token requests, kept as the fault's Cause (and in the
// server's log) so that a refusal says which check fired; the fault sent
// to the peer is the same whatever the cause.
var (
	// ErrTargetMismatch reports a Renew or Cancel protected by a session
	// that is not for that session (another target, operation or version):
	// a session may renew or cancel only itself.
	ErrTargetMismatch = errors.New("secureconv: the request targets another session than the one protecting it")
	// ErrNotSessionOwner reports a Cancel under the bootstrap policy
	// (CancelWithBootstrap) by a client other than the one the session was
	// issued to.
	ErrNotSessionOwner = errors.New("secureconv: Cancel by another client")
)

// targetCause returns the cause of a refused Renew or Cancel: the parse
// error, or ErrTargetMismatch when the request parsed.
func targetCause(err error) error {
	if err != nil {
		return err
	}
	return fmt.Errorf("%w", ErrTargetMismatch)
}
