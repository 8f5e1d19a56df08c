package reliable_test

import (
	"context"
	"encoding/xml"
	"fmt"
	"log"
	"log/slog"
	"net/http/httptest"

	"github.com/beevik/etree"
	"github.com/soapstack/soapstack/reliable"
	"github.com/soapstack/soapstack/reliable/internal/wire"
	"github.com/soapstack/soapstack/soap"
	"github.com/soapstack/soapstack/wssecurity"
)

// ExampleServerLayer hosts a reliable service: the reliable layer in
// front of a ServeMux, behind soap.NewHTTPHandler (in production, with the
// security layers between the two: HTTP -> secureconv -> reliable -> app).
// The client part sends by hand what a reliable.Client or WCF sends: a
// CreateSequence with an offer, then message 1 of the sequence.
func ExampleServerLayer() {
	layer, err := reliable.ServerLayer(reliable.ServerConfig{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		log.Fatal(err)
	}
	mux := soap.NewServeMux()
	mux.HandleFunc("urn:example:echo", func(ctx context.Context, req *soap.Message) (*soap.Message, error) {
		// Runs once per message, in order, whatever the retransmissions.
		out := etree.NewElement("e:echoResponse")
		out.CreateAttr("xmlns:e", "urn:example")
		out.SetText(req.Payload().Text())
		return soap.Reply(req, "urn:example:echoResponse", out)
	})
	srv := httptest.NewServer(soap.NewHTTPHandler(soap.ChainHandler(mux, layer)))
	defer srv.Close()

	client := soap.NewHTTPClient(srv.URL)
	ctx := context.Background()
	send := func(action string, body *etree.Element, headers ...*etree.Element) *soap.Message {
		m := soap.NewMessageWithBody(soap.V12, body)
		a, _ := soap.RequestAddressing(soap.WSA10, action, srv.URL, nil)
		m.SetAddressing(a)
		for _, h := range headers {
			m.AddHeader(h)
		}
		resp, err := client.Call(ctx, m)
		if err != nil {
			log.Fatal(err)
		}
		return resp
	}

	v := reliable.V11
	anon := wire.EndpointReference{Address: soap.AnonymousWSA10}
	cs := &wire.CreateSequence{Version: v, AcksTo: anon,
		Offer: &wire.Offer{Identifier: "urn:uuid:6e2b8f0a-53c1-4d5e-9a0b-1c2d3e4f5a6b", Endpoint: &anon}}
	csr, err := wire.ParseCreateSequenceResponse(send(v.CreateSequenceAction(), cs.Build()).Payload())
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("offer accepted:", csr.Accept != nil)

	body := etree.NewElement("e:echo")
	body.CreateAttr("xmlns:e", "urn:example")
	body.SetText("hello")
	seq := (&wire.Sequence{Version: v, Identifier: csr.Identifier, MessageNumber: 1}).Build()
	resp := send("urn:example:echo", body, seq)
	fmt.Println("reply:", resp.Payload().Text())
	ack, err := wire.ParseSequenceAcknowledgement(resp.FindHeader(reliable.NSRM11, "SequenceAcknowledgement"))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("acknowledged:", ack.Ranges, "buffer remaining:", *ack.BufferRemaining)
	// Output:
	// offer accepted: true
	// reply: hello
	// acknowledged: [{1 1}] buffer remaining: 8
}

// ExampleSignedHeaders adds the RM headers to what a secure session's
// policy signs, as WCF does: a message whose Sequence or
// SequenceAcknowledgement is not signed is then refused by the security
// layer, before the reliable layer reads it.
func ExampleSignedHeaders() {
	p := wssecurity.AnonymousForCertificate(wssecurity.Basic256)
	p.ProtectionToken = &wssecurity.Token{Kind: wssecurity.SecureConversationToken,
		Inclusion: wssecurity.IncludeAlwaysToRecipient, DerivedKeys: true}
	p.SignedParts.Headers = append(p.SignedParts.Headers, reliable.SignedHeaders()...)
	fmt.Println(p.SignedParts.Includes(xml.Name{Space: reliable.NSRM200502, Local: "Sequence"}))
	fmt.Println(p.SignedParts.Includes(xml.Name{Space: reliable.NSRM11, Local: "SequenceAcknowledgement"}))
	// Output:
	// true
	// true
}

// ExampleDeliveryFromContext is an operation with an effect outside its
// reply (a payment) on a farm: it runs once per message, except when a
// node died after running it and before recording it. The layer says
// when that may be (Redelivery), and the operation checks its own record,
// keyed by sequence and message number, before paying again.
func ExampleDeliveryFromContext() {
	paid := map[string]bool{} // in production: the application's database
	pay := func(ctx context.Context, req *soap.Message) (*soap.Message, error) {
		d, ok := reliable.DeliveryFromContext(ctx)
		key := fmt.Sprintf("%s#%d", d.Sequence, d.Number)
		if !ok || !d.Redelivery || !paid[key] {
			paid[key] = true // the payment and its record, in one transaction
		}
		return soap.Reply(req, "urn:example:payResponse", nil)
	}
	mux := soap.NewServeMux()
	mux.HandleFunc("urn:example:pay", pay)
	layer, err := reliable.ServerLayer(reliable.ServerConfig{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		log.Fatal(err)
	}
	_ = soap.ChainHandler(mux, layer)
}
