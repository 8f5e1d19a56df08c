package secureconv

import (
	"context"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/soapstack/soapstack/wssecurity"
)

// tUsers returns a username validator accepting the given user names and
// passwords (clear text).
func tUsers(passwords map[string]string) *wssecurity.UsernameTokenVerifier {
	return &wssecurity.UsernameTokenVerifier{CheckPassword: func(ctx context.Context, user, password string) error {
		want, ok := passwords[user]
		if !ok || subtle.ConstantTimeCompare([]byte(want), []byte(password)) != 1 {
			return errors.New("wrong user name or password")
		}
		return nil
	}}
}

// tOpenTestdataCookie opens the base64 cookie of testdata/name.
func tOpenTestdataCookie(t *testing.T, ring *KeyRing, name string, at time.Time) *SessionToken {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	require.NoError(t, err)
	data, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(b)))
	require.NoError(t, err)
	tok, err := OpenCookie(ring, data, at)
	require.NoError(t, err)
	return tok
}
