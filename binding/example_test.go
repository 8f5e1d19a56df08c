package binding_test

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"log"
	"net/http/httptest"

	"github.com/beevik/etree"

	"github.com/soapstack/soapstack/binding"
	"github.com/soapstack/soapstack/soap"
	"github.com/soapstack/soapstack/wssecurity"
)

// greeter is the examples' service: it greets the caller the security
// layers authenticated.
var greeter = soap.HandlerFunc(func(ctx context.Context, req *soap.Message) (*soap.Message, error) {
	who := "anonymous"
	if p, ok := soap.PrincipalFromContext(ctx); ok && p.IsAuthenticated() {
		who = p.Name()
		if p.Session != nil {
			who += " (in a secure session)"
		}
	}
	reply := etree.NewElement("g:greeting")
	reply.CreateAttr("xmlns:g", "urn:example:greeter")
	reply.SetText("hello, " + who)
	return soap.NewReply(req, "urn:example:greeter/GreetResponse", reply, nil)
})

// greet calls the greeter through c.
func greet(ctx context.Context, c *binding.Client) string {
	body := etree.NewElement("g:greet")
	body.CreateAttr("xmlns:g", "urn:example:greeter")
	req, err := c.NewRequest("urn:example:greeter/Greet", body)
	if err != nil {
		log.Fatal(err)
	}
	resp, err := c.Call(ctx, req)
	if err != nil {
		log.Fatal(err)
	}
	return resp.Payload().Text()
}

// passwords is the service's user name and password check.
var passwords = &wssecurity.UsernameTokenVerifier{CheckPassword: func(_ context.Context, user, password string) error {
	if user == "alice" && password == "clarinet" {
		return nil
	}
	return wssecurity.ErrFailedAuthentication
}}

// basicHttpBinding over HTTPS with a user name and password in the message
// (WCF: <basicHttpBinding><security mode="TransportWithMessageCredential">
// <message clientCredentialType="UserName"/>).
func Example_basicHttpUserName() {
	b := binding.BasicHttpBinding()
	b.Security.Mode = binding.ModeTransportWithMessageCredential // ClientCredentialType UserName is the default

	h, err := binding.NewHandler(greeter, b, binding.Credentials{UserNameValidator: passwords})
	if err != nil {
		log.Fatal(err)
	}
	srv := httptest.NewTLSServer(h)
	defer srv.Close()

	c, err := binding.NewClient(srv.URL, b, binding.Credentials{UserName: "alice", Password: "clarinet"},
		binding.WithHTTPClient(srv.Client()))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(greet(context.Background(), c))
	// Output: hello, alice
}

// wsHttpBinding with message security and a user name, without a secure
// session: every request is signed and encrypted to the service
// certificate (UserNameForCertificate).
func Example_wsHttpUserName() {
	service, err := binding.LoadPKCS12("../interop/pki/service.p12", "password")
	if err != nil {
		log.Fatal(err)
	}
	b := binding.WSHttpBinding()
	b.Security.Message.ClientCredentialType = binding.CredentialUserName
	b.Security.Message.NegotiateServiceCredential = false
	b.Security.Message.EstablishSecurityContext = false

	h, err := binding.NewHandler(greeter, b, binding.Credentials{ServiceCertificate: service, UserNameValidator: passwords})
	if err != nil {
		log.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()

	// The client knows the service certificate (its public part).
	c, err := binding.NewClient(srv.URL, b, binding.Credentials{
		ServiceCertificate: &wssecurity.Certificate{Cert: service.Cert}, UserName: "alice", Password: "clarinet"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(greet(context.Background(), c))
	// Output: hello, alice
}

// wsHttpBinding with message security, a user name and WCF's default
// secure session (EstablishSecurityContext): the first call obtains a
// SecurityContextToken, Close cancels it.
func Example_wsHttpUserNameSession() {
	service, err := binding.LoadPEM("../interop/pki/service.pem", "../interop/pki/service.key")
	if err != nil {
		log.Fatal(err)
	}
	b := binding.WSHttpBinding()
	b.Security.Message.ClientCredentialType = binding.CredentialUserName
	b.Security.Message.NegotiateServiceCredential = false

	h, err := binding.NewHandler(greeter, b, binding.Credentials{ServiceCertificate: service, UserNameValidator: passwords})
	if err != nil {
		log.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()

	ctx := context.Background()
	c, err := binding.NewClient(srv.URL, b, binding.Credentials{
		ServiceCertificate: &wssecurity.Certificate{Cert: service.Cert}, UserName: "alice", Password: "clarinet"})
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close(ctx)
	fmt.Println(greet(ctx, c))
	fmt.Println(greet(ctx, c))
	// Output:
	// hello, alice (in a secure session)
	// hello, alice (in a secure session)
}

// wsHttpBinding with message security and client certificates
// (MutualCertificate); the service trusts client certificates issued by
// its CA (ChainTrust).
func Example_wsHttpCertificate() {
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
	b := binding.WSHttpBinding()
	b.Security.Message.ClientCredentialType = binding.CredentialCertificate
	b.Security.Message.NegotiateServiceCredential = false
	b.Security.Message.EstablishSecurityContext = false

	h, err := binding.NewHandler(greeter, b, binding.Credentials{ServiceCertificate: service,
		Validation: binding.ChainTrust, TrustedRoots: []*x509.Certificate{ca.Cert}})
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
	fmt.Println(greet(context.Background(), c))
	// Output: hello, CN=soapstack-client,OU=interop tests,O=soapstack
}

// ws2007HttpBinding over HTTPS with a user name in the message and WCF's
// default secure session (WS-SecureConversation 1.3).
func Example_ws2007HttpTransportWithMessageCredential() {
	b := binding.WS2007HttpBinding()
	b.Security.Mode = binding.ModeTransportWithMessageCredential
	b.Security.Message.ClientCredentialType = binding.CredentialUserName

	h, err := binding.NewHandler(greeter, b, binding.Credentials{UserNameValidator: passwords})
	if err != nil {
		log.Fatal(err)
	}
	srv := httptest.NewTLSServer(h)
	defer srv.Close()

	ctx := context.Background()
	c, err := binding.NewClient(srv.URL, b, binding.Credentials{UserName: "alice", Password: "clarinet"},
		binding.WithHTTPClient(srv.Client()))
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close(ctx)
	fmt.Println(greet(ctx, c))
	// Output: hello, alice (in a secure session)
}

// WCF's wsHttpBinding default credential, Windows, needs Kerberos, which
// is not supported yet: the error says what to set. With UserName the
// other defaults run as WCF runs them: the service certificate is
// negotiated (TLSNEGO) and a secure conversation runs under it.
func ExampleWSHttpBinding() {
	b := binding.WSHttpBinding()
	// The default credential, Windows, needs Kerberos credentials
	// (Credentials.Windows).
	_, err := binding.NewClient("http://example.com/svc", b, binding.Credentials{})
	fmt.Println(errors.Is(err, binding.ErrConfig))

	b.Security.Message.ClientCredentialType = binding.CredentialUserName
	d, err := b.Describe()
	fmt.Println(d, err)
	// Output:
	// true
	// wsHttpBinding: security Message, SecureConversation(UserNameForSslNegotiated) (Basic256), session WS-SC 2005/02, SOAP 1.2, WS-Addressing 1.0 <nil>
}

// Describe shows what a binding maps to: the WCF security binding element
// its message security equals.
func ExampleBinding_Describe() {
	ws := binding.WSHttpBinding()
	ws.Security.Message.ClientCredentialType = binding.CredentialUserName
	ws.Security.Message.NegotiateServiceCredential = false
	noSession := ws
	noSession.Security.Message.EstablishSecurityContext = false
	ws2007 := binding.WS2007HttpBinding()
	ws2007.Security.Mode = binding.ModeTransportWithMessageCredential
	ws2007.Security.Message.ClientCredentialType = binding.CredentialUserName
	basic := binding.BasicHttpBinding()
	basic.Security.Mode = binding.ModeTransportWithMessageCredential

	for _, b := range []binding.Binding{ws, noSession, ws2007, basic} {
		d, err := b.Describe()
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(d)
	}
	// Output:
	// wsHttpBinding: security Message, SecureConversation(UserNameForCertificate) (Basic256), session WS-SC 2005/02, SOAP 1.2, WS-Addressing 1.0
	// wsHttpBinding: security Message, UserNameForCertificate (Basic256), SOAP 1.2, WS-Addressing 1.0
	// ws2007HttpBinding: security TransportWithMessageCredential, SecureConversation(UserNameOverTransport) (Basic256), session WS-SC 1.3, SOAP 1.2, WS-Addressing 1.0
	// basicHttpBinding: security TransportWithMessageCredential, UserNameOverTransport (Basic256), SOAP 1.1, no WS-Addressing
}

// ws2007HttpBinding over HTTPS with a client certificate in the message
// (WCF: <security mode="TransportWithMessageCredential"><message
// clientCredentialType="Certificate"/>, CertificateOverTransport): the
// certificate endorses each request's Timestamp; TLS protects the rest.
func Example_ws2007HttpTransportCertificate() {
	client, err := binding.LoadPKCS12("../interop/pki/client.p12", "password")
	if err != nil {
		log.Fatal(err)
	}
	ca, err := binding.LoadPEM("../interop/pki/ca.pem", "")
	if err != nil {
		log.Fatal(err)
	}
	b := binding.WS2007HttpBinding()
	b.Security.Mode = binding.ModeTransportWithMessageCredential
	b.Security.Message.ClientCredentialType = binding.CredentialCertificate
	b.Security.Message.EstablishSecurityContext = false

	h, err := binding.NewHandler(greeter, b, binding.Credentials{TrustedRoots: []*x509.Certificate{ca.Cert}})
	if err != nil {
		log.Fatal(err)
	}
	srv := httptest.NewTLSServer(h)
	defer srv.Close()

	c, err := binding.NewClient(srv.URL, b, binding.Credentials{ClientCertificate: client},
		binding.WithHTTPClient(srv.Client()))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(greet(context.Background(), c))
	d, _ := b.Describe()
	fmt.Println(d)
	// Output:
	// hello, CN=soapstack-client,OU=interop tests,O=soapstack
	// ws2007HttpBinding: security TransportWithMessageCredential, CertificateOverTransport (Basic256), SOAP 1.2, WS-Addressing 1.0
}
