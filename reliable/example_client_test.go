package reliable_test

import (
	"context"
	"encoding/xml"
	"fmt"
	"log"
	"time"

	"github.com/beevik/etree"
	"github.com/soapstack/soapstack/reliable"
	"github.com/soapstack/soapstack/secureconv"
	"github.com/soapstack/soapstack/soap"
	"github.com/soapstack/soapstack/wssecurity"
)

// ExampleNewClient stacks a reliable session over a secure session, as
// WCF's wsHttpBinding with reliableSession enabled does: app → reliable →
// secureconv → HTTP. The reliable client opens the secure session first
// and binds the sequence to its token; every transmission, a
// retransmission included, is secured afresh by the layer below. The
// service's certificate and address are placeholders here (the example
// is compiled, not run).
func ExampleNewClient() {
	const url = "https://service.example/Rm11Port"
	var serviceCert *wssecurity.Certificate // the service's certificate, known in advance

	boot := wssecurity.AnonymousForCertificate(wssecurity.Basic256)
	app := boot
	app.ProtectionToken = &wssecurity.Token{Kind: wssecurity.SecureConversationToken,
		Inclusion: wssecurity.IncludeAlwaysToRecipient, DerivedKeys: true}
	app.RequireSignatureConfirmation = false
	// The RM headers are signed with the rest of the message.
	app.SignedParts.Headers = append(app.SignedParts.Headers, xml.Name{Space: reliable.NSRM11})

	session, err := secureconv.NewClient(soap.NewHTTPClient(url), secureconv.ClientConfig{
		Version: secureconv.V13, Bootstrap: boot, Policy: app, Cancel: true, To: url,
		Addressing: soap.WSA10, Security: wssecurity.Config{PeerCertificate: serviceCert.Cert}})
	if err != nil {
		log.Fatal(err)
	}
	client, err := reliable.NewClient(session, reliable.ClientConfig{
		Version: reliable.V11, To: url, SecureSession: session,
		OnEvent: func(ev reliable.Event) {
			if ev.Kind == reliable.EventRetransmitted {
				fmt.Printf("message %d sent again (attempt %d): %v\n", ev.Number, ev.Attempt, ev.Err)
			}
		}})
	if err != nil {
		log.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	payload := etree.NewElement("p:echo")
	payload.CreateAttr("xmlns:p", "urn:probe")
	payload.CreateElement("text").SetText("hello")
	req := soap.NewMessageWithBody(soap.V12, payload)
	a, err := soap.RequestAddressing(soap.WSA10, "urn:probe:echo", url, nil)
	if err != nil {
		log.Fatal(err)
	}
	req.SetAddressing(a)

	// The first Call opens the secure session and creates the sequence.
	resp, err := client.Call(ctx, req)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(resp.Payload().Tag)

	// Close waits for the acknowledgements and ends the sequences; the
	// secure session is closed after it.
	if err := client.Close(ctx); err != nil {
		log.Print(err)
	}
	if err := session.Close(ctx); err != nil {
		log.Print(err)
	}
}
