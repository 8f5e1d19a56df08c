package secureconv

import (
	"context"
	"crypto/subtle"
	"errors"

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
