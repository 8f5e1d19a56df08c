package secureconv

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/soapstack/soapstack/internal/wstrust"
)

// ErrBadIdentifier is returned when ServerConfig.NewIdentifier makes an
// identifier the wire cannot carry.
var ErrBadIdentifier = errors.New("secureconv: bad context identifier")

// newIdentifier makes a context identifier or key instance with the
// configured generator, checking only what the wire and the token codec
// need: identifiers are opaque strings, compared byte for byte, never
// parsed (peers send "uuid:..." without "urn:", and "urn:uuid:..." values
// that are no valid UUID).
func (s *server) newIdentifier(r io.Reader) (string, error) {
	if s.cfg.NewIdentifier == nil {
		return newIdentifier(r)
	}
	id, err := s.cfg.NewIdentifier(r)
	if err != nil {
		return "", err
	}
	switch {
	case id == "":
		return "", fmt.Errorf("%w: empty", ErrBadIdentifier)
	case len(id) > MaxContextIDLen:
		return "", fmt.Errorf("%w: longer than %d bytes", ErrBadIdentifier, MaxContextIDLen)
	case strings.ContainsFunc(id, wstrust.IsSpace):
		return "", fmt.Errorf("%w: contains whitespace", ErrBadIdentifier)
	}
	return id, nil
}

// sctWSUID returns the wsu:Id of the SecurityContextToken with the given
// identifier: "uuid-sct-" and the identifier's last 12 characters when they
// can stand in an XML ID (as for our "urn:uuid:" identifiers), else 12 hex
// digits of its SHA-256.
func sctWSUID(contextID string) string {
	const n = 12
	if len(contextID) >= n {
		tail := contextID[len(contextID)-n:]
		if strings.Trim(tail, "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_.") == "" {
			return "uuid-sct-" + tail
		}
	}
	sum := sha256.Sum256([]byte(contextID))
	return "uuid-sct-" + hex.EncodeToString(sum[:n/2])
}
