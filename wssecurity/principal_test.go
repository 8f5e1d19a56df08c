package wssecurity

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/beevik/etree"
	"github.com/soapstack/soapstack/internal/wsse"
	"github.com/soapstack/soapstack/soap"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestPrincipalVisibleToApp: the app handler sees who called.
func TestPrincipalVisibleToApp(t *testing.T) {
	pki := newTestPKI(t)
	ccfg, scfg := pki.configs()
	withUT := MutualCertificate(WSS11, Basic256)
	withUT.Supporting = append(withUT.Supporting, SupportingToken{Token: Token{Kind: UsernameToken}, Role: SignedEncryptedSupporting})
	tests := []struct {
		name    string
		p       Policy
		methods []string
		names   []string
	}{
		{"username", UserNameForCertificate(Basic256), []string{soap.AuthMethodPassword}, []string{"alice"}},
		{"username over transport", UserNameOverTransport(), []string{soap.AuthMethodPassword}, []string{"alice"}},
		{"certificate (mutual, WSS 1.1)", MutualCertificate(WSS11, Basic256), []string{soap.AuthMethodX509}, []string{"CN=client"}},
		{"certificate (mutual, WSS 1.0)", MutualCertificate(WSS10, Basic256), []string{soap.AuthMethodX509}, []string{"CN=client"}},
		{"anonymous", AnonymousForCertificate(Basic256), []string{""}, []string{""}},
		{"username and certificate", withUT, []string{soap.AuthMethodPassword, soap.AuthMethodX509}, []string{"alice", "CN=client"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pr := newPair(t, tt.p, tt.p, ccfg, scfg)
			require.NoError(t, call(pr, t))
			p := pr.principal.Load()
			require.NotNil(t, p, "the app's context carries a principal")
			require.Len(t, p.Identities, len(tt.methods))
			for i := range tt.methods {
				assert.Equal(t, tt.methods[i], p.Identities[i].AuthenticationMethod)
				assert.Equal(t, tt.names[i], p.Identities[i].Name())
			}
			assert.Equal(t, tt.methods[0] != "", p.IsAuthenticated())
			if tt.methods[len(tt.methods)-1] == soap.AuthMethodX509 {
				require.NotNil(t, p.Certificate())
				assert.True(t, p.Certificate().Equal(pki.client.Cert))
			}
			assert.Nil(t, p.BootstrapToken, "not kept by default")
		})
	}
}

// TestBootstrapToken: with KeepBootstrapToken the principal holds the
// authenticating token's canonical XML, a UsernameToken without its
// password.
func TestBootstrapToken(t *testing.T) {
	pki := newTestPKI(t)
	ccfg, scfg := pki.configs()
	scfg.KeepBootstrapToken = true
	t.Run("username", func(t *testing.T) {
		p := UserNameForCertificate(Basic256)
		pr := newPair(t, p, p, ccfg, scfg)
		require.NoError(t, call(pr, t))
		b := string(pr.principal.Load().BootstrapToken)
		assert.True(t, strings.HasPrefix(b, "<wsse:UsernameToken"), b)
		assert.Contains(t, b, "<wsse:Username>alice</wsse:Username>")
		assert.NotContains(t, b, "Password")
		assert.NotContains(t, b, string(ccfg.Password))
	})
	t.Run("certificate", func(t *testing.T) {
		p := MutualCertificate(WSS10, Basic256)
		pr := newPair(t, p, p, ccfg, scfg)
		require.NoError(t, call(pr, t))
		b := pr.principal.Load().BootstrapToken
		doc := etree.NewDocument()
		require.NoError(t, doc.ReadFromBytes(b), string(b))
		bst, err := wsse.ParseBinarySecurityToken(doc.Root())
		require.NoError(t, err)
		assert.True(t, bst.Certificate.Equal(pki.client.Cert))
	})
	t.Run("anonymous", func(t *testing.T) {
		p := AnonymousForCertificate(Basic256)
		pr := newPair(t, p, p, ccfg, scfg)
		require.NoError(t, call(pr, t))
		assert.Nil(t, pr.principal.Load().BootstrapToken)
	})
}

var errNoRole = errors.New("no role")

// TestPrincipalHooks: claims transformation and authorization run per
// request before the app; a refusal is AccessDenied and the app does not
// run.
func TestPrincipalHooks(t *testing.T) {
	pki := newTestPKI(t)
	ccfg, scfg := pki.configs()
	p := UserNameForCertificate(Basic256)
	addRole := func(ctx context.Context, pp *soap.Principal) (*soap.Principal, error) {
		c := pp.Clone()
		if c.Name() == "alice" {
			c.Identities[0].Claims = append(c.Identities[0].Claims, soap.Claim{Type: soap.ClaimRole, Value: "admin", Issuer: "test"})
		}
		return c, nil
	}
	needAdmin := func(ctx context.Context, action string, pp *soap.Principal) error {
		if action != "urn:echo" {
			return errors.New("unexpected action " + action)
		}
		if !pp.HasClaim(soap.ClaimRole, "admin") {
			return errNoRole
		}
		return nil
	}
	tests := []struct {
		name      string
		transform func(context.Context, *soap.Principal) (*soap.Principal, error)
		authorize soap.Authorizer
		want      error
	}{
		{"transform adds a role the app sees", addRole, nil, nil},
		{"authorize with the transformed role", addRole, needAdmin, nil},
		{"authorize refuses", nil, needAdmin, errNoRole},
		{"transform refuses", func(context.Context, *soap.Principal) (*soap.Principal, error) { return nil, errNoRole }, nil, errNoRole},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := scfg
			s.TransformClaims, s.Authorize = tt.transform, tt.authorize
			pr := newPair(t, p, p, ccfg, s)
			err := call(pr, t)
			if tt.want == nil {
				require.NoError(t, err)
				assert.True(t, pr.principal.Load().HasClaim(soap.ClaimRole, "admin"))
				return
			}
			f, ok := soap.AsFault(err)
			require.True(t, ok, "want a fault, got %v", err)
			assert.Equal(t, soap.AccessDeniedReason, f.Reason())
			assert.Equal(t, "FailedAuthentication", f.Subcode().Local)
			assert.ErrorIs(t, f, tt.want)
			assert.Zero(t, pr.calls.Load(), "the app must not run")
		})
	}
}
