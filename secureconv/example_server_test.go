package secureconv_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"net/http/httptest"
	"time"

	"github.com/beevik/etree"
	"github.com/soapstack/soapstack/secureconv"
	"github.com/soapstack/soapstack/soap"
	"github.com/soapstack/soapstack/wssecurity"
)

// A secure-session service learns who called from the principal in its
// handler's context: the identities proven when the session was
// established (here a UsernameToken), as TransformClaims extended them,
// and the session itself. Authorize decides about each application
// message.
func ExampleServerLayer_principal() {
	var layer soap.ServerLayer
	cert, err := newExampleCertificate("service.example")
	if err != nil {
		fmt.Println(err)
		return
	}
	boot := wssecurity.UserNameForCertificate(wssecurity.Basic256)
	app := boot
	app.Supporting = nil
	app.ProtectionToken = &wssecurity.Token{Kind: wssecurity.SecureConversationToken, Inclusion: wssecurity.IncludeAlwaysToRecipient, DerivedKeys: true}
	app.RequireSignatureConfirmation = false

	users := &wssecurity.UsernameTokenVerifier{CheckPassword: func(ctx context.Context, user, password string) error {
		if user != "alice" || password != "clarinet" { // use a constant-time check of a salted hash
			return errors.New("unknown user")
		}
		return nil
	}}
	layer, err = secureconv.ServerLayer(secureconv.ServerConfig{
		Version: secureconv.V13, Bootstrap: boot, Policy: app,
		Security: wssecurity.Config{Certificate: cert, Usernames: users, Logger: slog.New(slog.DiscardHandler)},
		// Once per session: add the caller's roles (WIF's
		// ClaimsAuthenticationManager).
		TransformClaims: func(ctx context.Context, p *soap.Principal) (*soap.Principal, error) {
			q := p.Clone()
			if q.Name() == "alice" {
				q.Identities[0].Claims = append(q.Identities[0].Claims,
					soap.Claim{Type: soap.ClaimRole, Value: "operator", Issuer: "urn:example:roles"})
			}
			return q, nil
		},
		// Every application message (WCF's ServiceAuthorizationManager).
		Authorize: func(ctx context.Context, action string, p *soap.Principal) error {
			if !p.HasClaim(soap.ClaimRole, "operator") {
				return errors.New("operators only")
			}
			return nil
		},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	handler := soap.HandlerFunc(func(ctx context.Context, req *soap.Message) (*soap.Message, error) {
		p, _ := soap.PrincipalFromContext(ctx)
		fmt.Printf("%s, authenticated by password: %v\n", p.Name(), p.AuthenticationMethod() == soap.AuthMethodPassword)
		fmt.Printf("operator: %v\n", p.HasClaim(soap.ClaimRole, "operator"))
		fmt.Printf("session: WS-SC %s, cookie mode %v\n", p.Session.Version, p.Session.CookieMode)
		return soap.Reply(req, "urn:example:echoResponse", req.Payload().Copy())
	})
	srv := httptest.NewServer(soap.NewHTTPHandler(soap.ChainHandler(handler, layer)))
	defer srv.Close()

	client, err := secureconv.NewClient(soap.NewHTTPClient(srv.URL), secureconv.ClientConfig{
		Version: secureconv.V13, Bootstrap: boot, Policy: app, To: srv.URL,
		Security: wssecurity.Config{PeerCertificate: cert.Cert, Username: "alice", Password: wssecurity.Secret("clarinet")}})
	if err != nil {
		fmt.Println(err)
		return
	}
	body := etree.NewElement("e:echo")
	body.CreateAttr("xmlns:e", "urn:example")
	body.SetText("hello")
	req := soap.NewMessageWithBody(soap.V12, body)
	a, _ := soap.RequestAddressing(soap.WSA10, "urn:example:echo", srv.URL, nil)
	req.SetAddressing(a)
	if _, err := client.Call(context.Background(), req); err != nil {
		fmt.Println(err)
	}
	// Output:
	// alice, authenticated by password: true
	// operator: true
	// session: WS-SC 1.3, cookie mode false
}

// exampleCertificate returns a self-signed certificate and key.
func newExampleCertificate(cn string) (*wssecurity.Certificate, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, err
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	return &wssecurity.Certificate{Cert: c, Key: key}, nil
}
