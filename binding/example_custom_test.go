package binding_test

import (
	"context"
	"crypto/x509"
	"fmt"
	"log"
	"net/http/httptest"

	"github.com/soapstack/soapstack/binding"
	"github.com/soapstack/soapstack/wssecurity"
)

// A customBinding whose secure conversation uses policies no WCF preset
// produces (WCF: SecurityBindingElement.CreateSecureConversationBindingElement
// over an explicit bootstrap element): the bootstrap is a symmetric binding
// on the service certificate with derived keys, endorsed by the client
// certificate, in Basic128; the session derives its keys from the
// SecurityContextToken. Close cancels the session (requireCancellation).
func ExampleSecureConversationElement() {
	service, err := binding.LoadPEM("../interop/pki/service.pem", "../interop/pki/service.key")
	if err != nil {
		log.Fatal(err)
	}
	client, err := binding.LoadPKCS12("../interop/pki/client.p12", "password")
	if err != nil {
		log.Fatal(err)
	}
	ca, err := binding.LoadPEM("../interop/pki/ca.pem", "")
	if err != nil {
		log.Fatal(err)
	}
	bootstrap := wssecurity.Policy{Binding: wssecurity.SymmetricBinding, WSS: wssecurity.WSS11, Suite: wssecurity.Basic128,
		Layout: wssecurity.Strict, IncludeTimestamp: true,
		ProtectionToken: &wssecurity.Token{Kind: wssecurity.X509Token, Inclusion: wssecurity.IncludeNever,
			Reference: wssecurity.RefThumbprint, DerivedKeys: true},
		SignedParts: wssecurity.Parts{Body: true}, EncryptedParts: wssecurity.Parts{Body: true},
		Supporting: []wssecurity.SupportingToken{{Role: wssecurity.EndorsingSupporting, Token: wssecurity.Token{
			Kind: wssecurity.X509Token, Inclusion: wssecurity.IncludeAlwaysToRecipient, Reference: wssecurity.RefThumbprint}}}}
	session := bootstrap // the element keeps its own copies: sharing the token here is harmless
	session.Layout, session.Supporting = wssecurity.Lax, nil
	session.ProtectionToken = &wssecurity.Token{Kind: wssecurity.SecureConversationToken,
		Inclusion: wssecurity.IncludeAlwaysToRecipient, DerivedKeys: true}

	b := binding.CustomBinding("plugfestXD")
	b.Security.Mode = binding.ModeMessage
	b.Security.Element = binding.SecureConversationElement(bootstrap, session, true)
	d, err := b.Describe()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(d)

	h, err := binding.NewHandler(greeter, b, binding.Credentials{ServiceCertificate: service,
		TrustedRoots: []*x509.Certificate{ca.Cert}})
	if err != nil {
		log.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()

	c, err := binding.NewClient(srv.URL, b, binding.Credentials{
		ServiceCertificate: &wssecurity.Certificate{Cert: service.Cert}, ClientCertificate: client})
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	fmt.Println(greet(ctx, c))
	if err := c.Close(ctx); err != nil {
		log.Fatal(err)
	}
	// Output:
	// plugfestXD: security Message, SecureConversation(Custom(SymmetricBinding)) (Basic128), session WS-SC 1.3, SOAP 1.2, WS-Addressing 1.0
	// hello, CN=soapstack-client,OU=interop tests,O=soapstack (in a secure session)
}
