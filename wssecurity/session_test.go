package wssecurity

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/beevik/etree"
	"github.com/soapstack/soapstack/internal/wsse"
	"github.com/soapstack/soapstack/soap"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakeSessions resolves one session token by identifier, as package
// secureconv does with its token cache.
type fakeSessions struct {
	identifier string
	key        []byte
}

func (f fakeSessions) TokenElement(ctx context.Context, el *etree.Element) ([]byte, bool, error) {
	s := sessionFromElement(el, nil)
	if s == nil {
		return nil, false, nil
	}
	if s.Identifier != f.identifier {
		return nil, true, errors.New("unknown session")
	}
	return f.key, true, nil
}

func (f fakeSessions) TokenReference(ctx context.Context, str *wsse.STR) ([]byte, error) {
	if str.URI != f.identifier {
		return nil, ErrTokenUnavailable
	}
	return f.key, nil
}

func sctElement(ns, id, identifier string) *etree.Element {
	el := etree.NewElement("c:SecurityContextToken")
	el.CreateAttr("xmlns:c", ns)
	wsse.SetWSUID(el, id)
	el.CreateElement("c:Identifier").SetText(identifier)
	return el
}

func scPolicy(derived bool) Policy {
	p := AnonymousForCertificate(Basic128)
	p.ProtectionToken = &Token{Kind: SecureConversationToken, Inclusion: IncludeAlwaysToRecipient, DerivedKeys: derived}
	p.RequireSignatureConfirmation = false
	return p
}

// TestSessionTokenProtection protects messages with a session key: the
// request carries the SecurityContextToken, the reply references it by
// identifier, derived keys use the token's WS-SC namespace.
func TestSessionTokenProtection(t *testing.T) {
	key := bytes.Repeat([]byte{7}, 16)
	for _, ns := range []string{wsse.NSWSC200502, wsse.NSWSC13} {
		for _, derived := range []bool{false, true} {
			p := scPolicy(derived)
			id := "urn:uuid:11111111-2222-3333-4444-555555555555"
			session := &SessionToken{Element: sctElement(ns, "sct-1", id), Identifier: id, TokenType: ns + "/sct", Namespace: ns, Key: key}
			ccfg := Config{Session: session, TokenResolver: fakeSessions{id, key}}
			scfg := Config{TokenResolver: fakeSessions{id, key}}
			l := newLoop(t, p, ccfg, scfg)
			resp, err := l.client.Call(context.Background(), echoRequest(t, "in session"))
			require.NoError(t, err, "ns %s derived %v", ns, derived)
			assert.Equal(t, "in session", resp.Payload().Text())
			assert.Contains(t, string(l.lastReq), "SecurityContextToken")
			if derived {
				assert.Contains(t, string(l.lastReq), ns+`"`, "DerivedKeyTokens in the token's namespace")
			}

			// Another session key: the server refuses.
			bad := Config{Session: &SessionToken{Element: sctElement(ns, "sct-1", id), Identifier: id, TokenType: ns + "/sct", Namespace: ns, Key: bytes.Repeat([]byte{8}, 16)}, TokenResolver: fakeSessions{id, key}}
			l2 := newLoop(t, p, bad, scfg)
			_, err = l2.client.Call(context.Background(), echoRequest(t, "x"))
			_, isFault := soap.AsFault(err)
			assert.True(t, isFault)
			assert.Zero(t, l2.calls.Load())
		}
	}
}
