package secureconv

import (
	"context"
	"errors"

	"github.com/soapstack/soapstack/internal/wstrust"
	"github.com/soapstack/soapstack/soap"
)

// Causes of the wst:InvalidRequest faults a server answers to token
// requests it does not accept (errors.Is on the fault's cause).
var (
	// ErrVersionNotAccepted reports a token request of a WS-Trust/WS-SC
	// version other than ServerConfig.Version.
	ErrVersionNotAccepted = errors.New("secureconv: token request of a version the service does not accept")
	// ErrClientEntropyRequired reports an Issue or Renew without client
	// entropy to a server whose entropy mode (Combined, Client) needs it.
	ErrClientEntropyRequired = errors.New("secureconv: the service's key entropy mode requires the requestor's entropy")
	// ErrClientEntropyRefused reports an Issue or Renew with client entropy
	// to a server in Server entropy mode.
	ErrClientEntropyRefused = errors.New("secureconv: the service's key entropy mode does not accept the requestor's entropy")
)

// checkEntropy enforces the server's entropy mode on a token request
// before any key is issued.
func checkEntropy(mode EntropyMode, rst *wstrust.RST) error {
	has := rst.Entropy != nil && len(rst.Entropy.Value) > 0
	switch {
	case mode == EntropyServer && rst.Entropy != nil:
		return ErrClientEntropyRefused
	case mode != EntropyServer && !has:
		return ErrClientEntropyRequired
	}
	return nil
}

// otherVersion returns the version whose token-request action is action
// when it is not v's, or 0.
func otherVersion(v Version, action string) Version {
	for _, o := range [...]Version{V200502, V13} {
		if o == v {
			continue
		}
		switch action {
		case o.wire().IssueAction(), o.wire().RenewAction(), o.wire().CancelAction():
			return o
		}
	}
	return 0
}

// versionName is the name of v in soap.SessionInfo.Version.
func versionName(v Version) string {
	switch v {
	case V200502:
		return "2005/02"
	case V13:
		return "1.3"
	}
	return ""
}

type appContextKey struct{}

// SessionAppContext returns the application context value of the session
// a request arrived in (SessionToken.AppContext, as OnSessionCreated set
// it), from the context of the application handler behind ServerLayer.
// ok is false outside a session. The slice is the caller's.
func SessionAppContext(ctx context.Context) (value []byte, ok bool) {
	v, ok := ctx.Value(appContextKey{}).([]byte)
	return v, ok
}

// sessionContext returns ctx with the principal and application context
// of the session of tok.
func sessionContext(ctx context.Context, p *soap.Principal, tok *SessionToken) context.Context {
	ctx = soap.NewContextWithPrincipal(ctx, p)
	return context.WithValue(ctx, appContextKey{}, append([]byte{}, tok.AppContext...))
}

// sessionPrincipal returns the principal of a request in the session of
// tok, as the application sees it.
func sessionPrincipal(tok *SessionToken, v Version) *soap.Principal {
	ids := cloneIdentities(tok.Identities)
	if len(ids) == 0 {
		ids = identitiesOfClaims(tok.Claims) // a version 1 token
	}
	if tok.Version.Valid() {
		v = tok.Version
	}
	p := &soap.Principal{Identities: ids, Session: &soap.SessionInfo{ContextID: tok.ContextID,
		KeyGeneration: tok.KeyGeneration, Version: versionName(v), CookieMode: tok.CookieMode}}
	if tok.BootstrapToken != nil {
		p.BootstrapToken = append([]byte(nil), tok.BootstrapToken...)
	}
	return p
}
