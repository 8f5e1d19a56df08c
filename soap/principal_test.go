package soap

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha1"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"log/slog"
	"math/big"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/beevik/etree"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func testCert(t *testing.T) *x509.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(7),
		Subject:      pkix.Name{CommonName: "alice", Organization: []string{"Example"}},
		DNSNames:     []string{"alice.example", "a.example"},
		NotBefore:    time.Unix(0, 0),
		NotAfter:     time.Unix(0, 0).Add(100 * 365 * 24 * time.Hour),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	cert, err := x509.ParseCertificate(der)
	require.NoError(t, err)
	return cert
}

func TestUsernameIdentity(t *testing.T) {
	id := UsernameIdentity("alice")
	assert.Equal(t, AuthMethodPassword, id.AuthenticationMethod)
	assert.Equal(t, "alice", id.Name())
	assert.Nil(t, id.Certificate)
	c, ok := id.FindClaim(ClaimAuthenticationMethod)
	require.True(t, ok)
	assert.Equal(t, Claim{Type: ClaimAuthenticationMethod, Value: AuthMethodPassword, Issuer: LocalAuthority}, c)
	assert.True(t, id.HasClaim(ClaimName, "alice"))
	assert.False(t, id.HasClaim(ClaimName, "bob"))
	_, ok = id.FindClaim(ClaimRole)
	assert.False(t, ok)
}

func TestCertificateIdentity(t *testing.T) {
	cert := testCert(t)
	id := CertificateIdentity(cert)
	assert.Equal(t, AuthMethodX509, id.AuthenticationMethod)
	assert.Same(t, cert, id.Certificate)
	dn := cert.Subject.String()
	assert.Equal(t, dn, id.Name())
	assert.True(t, id.HasClaim(ClaimX500DistinguishedName, dn))
	sum := sha1.Sum(cert.Raw)
	assert.True(t, id.HasClaim(ClaimThumbprint, base64.StdEncoding.EncodeToString(sum[:])))
	assert.True(t, id.HasClaim(ClaimDNS, "alice.example"))
	assert.True(t, id.HasClaim(ClaimDNS, "a.example"))
	assert.True(t, id.HasClaim(ClaimAuthenticationMethod, AuthMethodX509))
	for _, c := range id.Claims {
		assert.Equal(t, LocalAuthority, c.Issuer)
	}
}

func TestPrincipalHelpers(t *testing.T) {
	cert := testCert(t)
	var nilP *Principal
	tests := []struct {
		name   string
		p      *Principal
		prim   string // primary name
		method string
		authn  bool
		cert   *x509.Certificate
		str    string
	}{
		{"nil", nilP, "", "", false, nil, "anonymous"},
		{"empty", &Principal{}, "", "", false, nil, "anonymous"},
		{"anonymous", &Principal{Identities: []Identity{AnonymousIdentity()}}, "", "", false, nil, `"" (anonymous)`},
		{"username", &Principal{Identities: []Identity{UsernameIdentity("alice")}}, "alice", AuthMethodPassword, true, nil, `"alice" (password)`},
		{"username and certificate", &Principal{Identities: []Identity{UsernameIdentity("bob"), CertificateIdentity(cert)}},
			"bob", AuthMethodPassword, true, cert, `"bob" (password), "` + cert.Subject.String() + `" (x509)`},
		{"session", &Principal{Identities: []Identity{UsernameIdentity("carol")}, Session: &SessionInfo{ContextID: "urn:uuid:1"}},
			"carol", AuthMethodPassword, true, nil, `"carol" (password) in session urn:uuid:1`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.prim, tt.p.Name())
			assert.Equal(t, tt.method, tt.p.AuthenticationMethod())
			assert.Equal(t, tt.authn, tt.p.IsAuthenticated())
			assert.Same(t, tt.cert, tt.p.Certificate())
			assert.Equal(t, tt.str, tt.p.String())
			if tt.p == nil || len(tt.p.Identities) == 0 {
				assert.Nil(t, tt.p.Primary())
			} else {
				assert.Same(t, &tt.p.Identities[0], tt.p.Primary())
			}
		})
	}
	p := &Principal{Identities: []Identity{UsernameIdentity("bob"), CertificateIdentity(cert)}}
	assert.True(t, p.HasClaim(ClaimDNS, "alice.example"), "claims of every identity count")
	assert.False(t, p.HasClaim(ClaimRole, "admin"))
	assert.False(t, nilP.HasClaim(ClaimName, ""))
}

// TestPrincipalStringHasNoSecrets: String shows names and methods, not
// the bootstrap token.
func TestPrincipalStringHasNoSecrets(t *testing.T) {
	p := &Principal{Identities: []Identity{UsernameIdentity("alice")}, BootstrapToken: []byte("<Password>hunter2</Password>")}
	assert.NotContains(t, p.String(), "hunter2")
}

// TestPrincipalClone: a clone shares nothing mutable with the original.
func TestPrincipalClone(t *testing.T) {
	cert := testCert(t)
	orig := &Principal{
		Identities:     []Identity{UsernameIdentity("alice"), CertificateIdentity(cert)},
		Session:        &SessionInfo{ContextID: "urn:uuid:1", KeyGeneration: "1", Version: "1.3"},
		BootstrapToken: []byte("<t/>"),
	}
	c := orig.Clone()
	require.Equal(t, orig, c)
	c.Identities[0].Claims[0].Value = "mallory"
	c.Identities[0].Claims = append(c.Identities[0].Claims, Claim{Type: ClaimRole, Value: "admin"})
	c.Identities[1].AuthenticationMethod = ""
	c.Identities = append(c.Identities, AnonymousIdentity())
	c.Session.KeyGeneration = "2"
	c.BootstrapToken[1] = 'x'
	assert.Equal(t, "alice", orig.Name())
	assert.False(t, orig.HasClaim(ClaimRole, "admin"))
	assert.Equal(t, AuthMethodX509, orig.Identities[1].AuthenticationMethod)
	assert.Len(t, orig.Identities, 2)
	assert.Equal(t, "1", orig.Session.KeyGeneration)
	assert.Equal(t, "<t/>", string(orig.BootstrapToken))
	assert.Same(t, cert, c.Identities[1].Certificate, "certificates are immutable and shared")
	assert.Nil(t, (*Principal)(nil).Clone())
	bare := (&Principal{}).Clone()
	assert.Nil(t, bare.Session)
	assert.Nil(t, bare.BootstrapToken)
}

func TestPrincipalFromContext(t *testing.T) {
	_, ok := PrincipalFromContext(context.Background())
	assert.False(t, ok)
	_, ok = PrincipalFromContext(NewContextWithPrincipal(context.Background(), nil))
	assert.False(t, ok, "a nil Principal is no Principal")
	p := &Principal{Identities: []Identity{UsernameIdentity("alice")}}
	got, ok := PrincipalFromContext(NewContextWithPrincipal(context.Background(), p))
	require.True(t, ok)
	assert.Same(t, p, got)
}

// withPrincipal is a stand-in for a security layer: it puts p in the
// handler's context.
func withPrincipal(p *Principal) ServerLayer {
	return func(next Handler) Handler {
		return HandlerFunc(func(ctx context.Context, req *Message) (*Message, error) {
			if p != nil {
				ctx = NewContextWithPrincipal(ctx, p)
			}
			return next.ServeSOAP(ctx, req)
		})
	}
}

var errNotAdmin = errors.New("caller is not an admin")

// TestAuthorize: the Authorizer sees the action and the principal; a
// refusal is WCF's AccessDenied fault with the refusal as cause, and the
// application does not run.
func TestAuthorize(t *testing.T) {
	admin := &Principal{Identities: []Identity{UsernameIdentity("root")}}
	admin.Identities[0].Claims = append(admin.Identities[0].Claims, Claim{Type: ClaimRole, Value: "admin", Issuer: LocalAuthority})
	user := &Principal{Identities: []Identity{UsernameIdentity("alice")}}
	type seen struct {
		action string
		p      *Principal
	}
	tests := []struct {
		name    string
		p       *Principal
		wsa     AddressingVersion
		allowed bool
	}{
		{"admin", admin, WSA10, true},
		{"user", user, WSA10, false},
		{"no principal", nil, WSA10, false},
		{"admin, SOAPAction only", admin, 0, true},
		{"user, SOAPAction only", user, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got seen
			var app atomic.Int32
			authz := Authorize(func(ctx context.Context, action string, p *Principal) error {
				got = seen{action, p}
				if !p.HasClaim(ClaimRole, "admin") {
					return errNotAdmin
				}
				return nil
			})
			h := ChainHandler(HandlerFunc(func(ctx context.Context, req *Message) (*Message, error) {
				app.Add(1)
				return nil, nil
			}), withPrincipal(tt.p), authz)
			req := request(t, V12, tt.wsa, "urn:admin/op")
			_, err := h.ServeSOAP(context.Background(), req)
			assert.Equal(t, "urn:admin/op", got.action)
			assert.Same(t, tt.p, got.p)
			if tt.allowed {
				require.NoError(t, err)
				assert.Equal(t, int32(1), app.Load())
				return
			}
			f, ok := AsFault(err)
			require.True(t, ok, "want a fault, got %v", err)
			assert.Equal(t, CodeSender, f.Code)
			assert.Equal(t, xml.Name{Space: nsWSSESecext, Local: "FailedAuthentication"}, f.Subcode())
			assert.Equal(t, AccessDeniedReason, f.Reason())
			assert.ErrorIs(t, err, errNotAdmin, "the Authorizer's refusal is the cause")
			assert.Zero(t, app.Load(), "the application must not run")
		})
	}
}

// TestAuthorizeOverHTTP: the refusal reaches the client as WCF's fault; the
// Authorizer's reason stays on the server.
func TestAuthorizeOverHTTP(t *testing.T) {
	var app atomic.Int32
	h := ChainHandler(HandlerFunc(func(ctx context.Context, req *Message) (*Message, error) {
		app.Add(1)
		return nil, nil
	}), withPrincipal(&Principal{Identities: []Identity{UsernameIdentity("alice")}}),
		Authorize(func(ctx context.Context, action string, p *Principal) error { return errNotAdmin }))
	srv := httptest.NewServer(NewHTTPHandler(h, WithLogger(discardLogger())))
	defer srv.Close()
	for _, v := range []Version{V11, V12} {
		m := NewMessageWithBody(v, etree.NewElement("ping"))
		a, err := RequestAddressing(WSA10, "urn:admin/op", srv.URL, nil)
		require.NoError(t, err)
		m.SetAddressing(a)
		_, err = NewHTTPClient(srv.URL).Call(context.Background(), m)
		f, ok := AsFault(err)
		require.True(t, ok, "%v", err)
		assert.Equal(t, CodeSender, f.Code)
		assert.Equal(t, "FailedAuthentication", f.Subcode().Local)
		assert.Equal(t, AccessDeniedReason, f.Reason())
		assert.NotContains(t, f.Error(), "admin")
	}
	assert.Zero(t, app.Load())
}

// TestRequireSecureTransport: HTTPClient refuses to send a marked message
// to an http:// URL, before any byte leaves, and sends it to https://.
func TestRequireSecureTransport(t *testing.T) {
	var hits atomic.Int32
	h := HandlerFunc(func(ctx context.Context, req *Message) (*Message, error) {
		hits.Add(1)
		return nil, nil
	})
	plain := httptest.NewServer(NewHTTPHandler(h))
	defer plain.Close()
	secure := httptest.NewTLSServer(NewHTTPHandler(h))
	defer secure.Close()
	msg := func(to string, mark bool) *Message {
		m := NewMessageWithBody(V12, etree.NewElement("ping"))
		a, err := RequestAddressing(WSA10, "urn:ping", to, nil)
		require.NoError(t, err)
		m.SetAddressing(a)
		if mark {
			m.RequireSecureTransport()
		}
		assert.Equal(t, mark, m.RequiresSecureTransport())
		return m
	}
	_, err := NewHTTPClient(plain.URL).Call(context.Background(), msg(plain.URL, true))
	require.ErrorIs(t, err, ErrInsecureTransport)
	assert.Zero(t, hits.Load(), "nothing may be sent")

	_, err = NewHTTPClient(secure.URL, WithHTTPClient(secure.Client())).Call(context.Background(), msg(secure.URL, true))
	require.NoError(t, err)
	assert.Equal(t, int32(1), hits.Load())

	_, err = NewHTTPClient(plain.URL).Call(context.Background(), msg(plain.URL, false))
	require.NoError(t, err, "an unmarked message may go over http")
	assert.Equal(t, int32(2), hits.Load())
}

func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }
