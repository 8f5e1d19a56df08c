package binding_test

import (
	"context"
	"crypto/x509"
	"fmt"
	"log"
	"net/http/httptest"

	"github.com/soapstack/soapstack/binding"
)

// wsHttpBinding with WCF's defaults except the client credential: the
// client does not know the service certificate in advance, it negotiates
// it (NegotiateServiceCredential, TLSNEGO: a TLS handshake tunnelled in
// WS-Trust messages), validates it by its CA and its DNS identity (the
// URL's host), and a secure session then runs under the negotiated
// context.
func Example_wsHttpNegotiated() {
	service, err := binding.LoadPEM("../interop/pki/service.pem", "../interop/pki/service.key")
	if err != nil {
		log.Fatal(err)
	}
	ca, err := binding.LoadPEM("../interop/pki/ca.pem", "")
	if err != nil {
		log.Fatal(err)
	}
	b := binding.WSHttpBinding()
	b.Security.Message.ClientCredentialType = binding.CredentialUserName

	h, err := binding.NewHandler(greeter, b, binding.Credentials{ServiceCertificate: service, UserNameValidator: passwords})
	if err != nil {
		log.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()

	ctx := context.Background()
	c, err := binding.NewClient(srv.URL, b, binding.Credentials{
		TrustedRoots: []*x509.Certificate{ca.Cert}, UserName: "alice", Password: "clarinet"})
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close(ctx)
	fmt.Println(greet(ctx, c))
	// Output: hello, alice (in a secure session)
}
