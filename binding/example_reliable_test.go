package binding_test

import (
	"context"
	"fmt"
	"log"
	"net/http/httptest"

	"github.com/soapstack/soapstack/binding"
	"github.com/soapstack/soapstack/wssecurity"
)

// ws2007HttpBinding with message security, a user name, WCF's secure
// session and a reliable session above it (WCF: <reliableSession
// enabled="true"/>): the calls go on one WS-RM 1.1 sequence created inside
// the secure session; Close terminates the sequence, then cancels the
// secure session.
func Example_ws2007HttpReliableSession() {
	service, err := binding.LoadPEM("../interop/pki/service.pem", "../interop/pki/service.key")
	if err != nil {
		log.Fatal(err)
	}
	b := binding.WS2007HttpBinding()
	b.Security.Message.ClientCredentialType = binding.CredentialUserName
	b.Security.Message.NegotiateServiceCredential = false
	b.ReliableSession.Enabled = true

	h, err := binding.NewHandler(greeter, b, binding.Credentials{ServiceCertificate: service, UserNameValidator: passwords})
	if err != nil {
		fmt.Println(err)
		return
	}
	srv := httptest.NewServer(h)
	defer srv.Close()

	ctx := context.Background()
	c, err := binding.NewClient(srv.URL, b, binding.Credentials{
		ServiceCertificate: &wssecurity.Certificate{Cert: service.Cert}, UserName: "alice", Password: "clarinet"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(greet(ctx, c))
	fmt.Println(greet(ctx, c))
	fmt.Println("on a sequence:", c.Sequence() != "")
	if err := c.Close(ctx); err != nil {
		log.Fatal(err)
	}
	d, _ := b.Describe()
	fmt.Println(d)
	// Output:
	// hello, alice (in a secure session)
	// hello, alice (in a secure session)
	// on a sequence: true
	// ws2007HttpBinding: security Message, SecureConversation(UserNameForCertificate) (Basic256), session WS-SC 1.3, reliable session WS-RM 1.1, SOAP 1.2, WS-Addressing 1.0
}
