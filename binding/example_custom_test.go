package binding_test

import (
	"context"
	"fmt"
	"log"
	"net/http/httptest"

	"github.com/soapstack/soapstack/binding"
	"github.com/soapstack/soapstack/secureconv"
	"github.com/soapstack/soapstack/wssecurity"
)

// A custom binding with a security element (WCF: <customBinding> with
// <security authenticationMode="SecureConversation"> and a
// <secureConversationBootstrap>): explicit policies for a secure session
// whose bootstrap no standard binding produces, here a UsernameToken over
// a symmetric binding keyed to the service certificate with Basic128, and
// a session with derived keys that encrypts its signature.
func ExampleSecurityElement() {
	boot := wssecurity.UserNameForCertificate(wssecurity.Basic128)
	session := wssecurity.AnonymousForCertificate(wssecurity.Basic128)
	session.ProtectionToken = &wssecurity.Token{Kind: wssecurity.SecureConversationToken,
		Inclusion: wssecurity.IncludeAlwaysToRecipient, DerivedKeys: true}
	session.RequireSignatureConfirmation = false
	session.EncryptSignature = true

	b := binding.CustomBinding("plugfestSecureConversation")
	b.SecureConversation = secureconv.V13
	b.Security.Custom = &binding.SecurityElement{Bootstrap: &boot, Policy: &session}
	desc, err := b.Describe()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(desc)

	service, err := binding.LoadPEM("../interop/pki/service.pem", "../interop/pki/service.key")
	if err != nil {
		log.Fatal(err)
	}
	h, err := binding.NewHandler(greeter, b, binding.Credentials{ServiceCertificate: service, UserNameValidator: passwords})
	if err != nil {
		log.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	c, err := binding.NewClient(srv.URL, b, binding.Credentials{
		ServiceCertificate: &wssecurity.Certificate{Cert: service.Cert}, UserName: "alice", Password: "clarinet"})
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	fmt.Println(greet(ctx, c))
	if err := c.Close(ctx); err != nil {
		log.Fatal(err)
	}
	// Output:
	// plugfestSecureConversation: custom SecureConversation(SymmetricBinding X509 +UsernameToken Basic128 WSS11; session SymmetricBinding SecureConversationToken Basic128 WSS11), session WS-SC 1.3, SOAP 1.2, WS-Addressing 1.0
	// hello, alice (in a secure session)
}
