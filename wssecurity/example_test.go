package wssecurity_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/http/httptest"
	"os"

	"github.com/beevik/etree"
	"github.com/soapstack/soapstack/soap"
	"github.com/soapstack/soapstack/wssecurity"
)

// loadServiceCert reads the service certificate and key of the examples.
func loadServiceCert() *wssecurity.Certificate {
	certPEM, err := os.ReadFile("testdata/tokens/x509_cert.pem")
	if err != nil {
		log.Fatal(err)
	}
	keyPEM, err := os.ReadFile("testdata/tokens/x509_key.pem")
	if err != nil {
		log.Fatal(err)
	}
	cert, err := wssecurity.LoadPEM(certPEM, keyPEM)
	if err != nil {
		log.Fatal(err)
	}
	return cert
}

// greet is the application: it learns who called from its context.
func greet(ctx context.Context, req *soap.Message) (*soap.Message, error) {
	p, ok := soap.PrincipalFromContext(ctx)
	if !ok || !p.IsAuthenticated() {
		return nil, soap.SenderFault("who are you?")
	}
	body := etree.NewElement("g:greeting")
	body.CreateAttr("xmlns:g", "urn:greet")
	body.SetText("hello, " + p.Name())
	return soap.Reply(req, "urn:greet:reply", body)
}

func greetRequest(url string) *soap.Message {
	body := etree.NewElement("g:greet")
	body.CreateAttr("xmlns:g", "urn:greet")
	req := soap.NewMessageWithBody(soap.V12, body)
	a, err := soap.RequestAddressing(soap.WSA10, "urn:greet", url, nil)
	if err != nil {
		log.Fatal(err)
	}
	req.SetAddressing(a)
	return req
}

// A UserNameForCertificate service and its client: the client encrypts a
// key to the service certificate and sends its user name and password in
// a signed, encrypted UsernameToken; the application reads the caller from
// its context.
func Example() {
	svcCert := loadServiceCert()
	policy := wssecurity.UserNameForCertificate(wssecurity.Basic256)

	users := &wssecurity.UsernameTokenVerifier{CheckPassword: func(_ context.Context, user, password string) error {
		if user == "alice" && password == "clarinet" {
			return nil
		}
		return wssecurity.ErrFailedAuthentication
	}}
	server, err := wssecurity.ServerLayer(policy, wssecurity.Config{Certificate: svcCert, Usernames: users})
	if err != nil {
		log.Fatal(err)
	}
	ts := httptest.NewServer(soap.NewHTTPHandler(soap.ChainHandler(soap.HandlerFunc(greet), server)))
	defer ts.Close()

	client, err := wssecurity.ClientLayer(policy, wssecurity.Config{PeerCertificate: svcCert.Cert, Username: "alice", Password: "clarinet"})
	if err != nil {
		log.Fatal(err)
	}
	resp, err := soap.ChainInvoker(soap.NewHTTPClient(ts.URL), client).Call(context.Background(), greetRequest(ts.URL))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(resp.Payload().Text())
	// Output: hello, alice
}

// Authorization with claims transformation: roles are added to the
// principal once it is verified, and a request whose caller lacks the role
// is refused with WCF's AccessDenied fault before the application runs.
func ExampleConfig_authorize() {
	svcCert := loadServiceCert()
	policy := wssecurity.UserNameForCertificate(wssecurity.Basic256)
	users := &wssecurity.UsernameTokenVerifier{LookupPassword: func(_ context.Context, user string) (string, error) {
		return map[string]string{"alice": "clarinet", "bob": "oboe"}[user], nil
	}}
	cfg := wssecurity.Config{Certificate: svcCert, Usernames: users,
		TransformClaims: func(_ context.Context, p *soap.Principal) (*soap.Principal, error) {
			p = p.Clone()
			if p.Name() == "alice" {
				id := &p.Identities[0]
				id.Claims = append(id.Claims, soap.Claim{Type: soap.ClaimRole, Value: "greeter", Issuer: "example"})
			}
			return p, nil
		},
		Authorize: func(_ context.Context, action string, p *soap.Principal) error {
			if action == "urn:greet" && !p.HasClaim(soap.ClaimRole, "greeter") {
				return errors.New("not a greeter")
			}
			return nil
		},
	}
	server, err := wssecurity.ServerLayer(policy, cfg)
	if err != nil {
		log.Fatal(err)
	}
	ts := httptest.NewServer(soap.NewHTTPHandler(soap.ChainHandler(soap.HandlerFunc(greet), server)))
	defer ts.Close()

	for _, user := range []struct{ name, password string }{{"alice", "clarinet"}, {"bob", "oboe"}} {
		client, err := wssecurity.ClientLayer(policy, wssecurity.Config{PeerCertificate: svcCert.Cert,
			Username: user.name, Password: wssecurity.Secret(user.password)})
		if err != nil {
			log.Fatal(err)
		}
		resp, err := soap.ChainInvoker(soap.NewHTTPClient(ts.URL), client).Call(context.Background(), greetRequest(ts.URL))
		if f, ok := soap.AsFault(err); ok {
			fmt.Println(user.name+":", f.Reason())
			continue
		}
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(user.name+":", resp.Payload().Text())
	}
	// Output:
	// alice: hello, alice
	// bob: Access is denied.
}
