package binding_test

import (
	"context"
	"fmt"
	"log"
	"net/http"

	"github.com/soapstack/soapstack/binding"
)

// wsHttpBinding with all of WCF's defaults: ClientCredentialType Windows,
// negotiated by SPNEGO with Kerberos. The client logs in to its KDC with a
// password (or a keytab) and gets a ticket for the service principal; the
// service checks it with its keytab, and the application sees the client
// as alice@EXAMPLE.COM. (Not run: it needs a KDC; TestWindowsBinding runs
// the same against a real MIT KDC.)
func Example_wsHttpWindows() {
	b := binding.WSHttpBinding()

	h, err := binding.NewHandler(greeter, b, binding.Credentials{Windows: &binding.WindowsCredentials{
		ServiceKeytab: "/etc/soapstack/http.keytab", ServicePrincipal: "HTTP/server.example.com"}})
	if err != nil {
		log.Fatal(err)
	}
	go func() { log.Fatal(http.ListenAndServe(":8080", h)) }()

	ctx := context.Background()
	c, err := binding.NewClient("http://server.example.com:8080/svc", b, binding.Credentials{Windows: &binding.WindowsCredentials{
		Krb5Conf: "/etc/krb5.conf", UserName: "alice@EXAMPLE.COM", Password: "secret",
		SPN: "HTTP/server.example.com"}})
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close(ctx)
	fmt.Println(greet(ctx, c))
}
