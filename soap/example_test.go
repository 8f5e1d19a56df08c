package soap_test

import (
	"context"
	"fmt"
	"net/http/httptest"

	"github.com/beevik/etree"
	"github.com/soapstack/soapstack/soap"
)

// A server dispatching by wsa:Action and a client calling it over HTTP.
func Example() {
	mux := soap.NewServeMux()
	mux.HandleFunc("urn:example/echo", func(ctx context.Context, req *soap.Message) (*soap.Message, error) {
		return soap.Reply(req, "urn:example/echoResponse", req.Payload().Copy())
	})
	srv := httptest.NewServer(soap.NewHTTPHandler(mux))
	defer srv.Close()

	payload := etree.NewElement("e:echo")
	payload.CreateAttr("xmlns:e", "urn:example")
	payload.SetText("hello")
	req := soap.NewMessageWithBody(soap.V12, payload)
	a, err := soap.RequestAddressing(soap.WSA10, "urn:example/echo", srv.URL, nil)
	if err != nil {
		panic(err)
	}
	req.SetAddressing(a)

	resp, err := soap.NewHTTPClient(srv.URL).Call(context.Background(), req)
	if err != nil {
		panic(err)
	}
	fmt.Println(resp.Addressing.Action, resp.Payload().Text())
	// Output: urn:example/echoResponse hello
}

// Handlers return *soap.Fault to send a fault; clients receive it as an error.
func ExampleFault() {
	f := soap.SenderFault("The order id is unknown.")
	m, _ := soap.NewFaultMessage(soap.V11, f, nil, nil)
	b, _ := m.Bytes()
	back, _ := soap.ParseMessage(b, soap.Limits{})
	got, _ := back.Fault()
	fmt.Println(got.Code, got.Reason())
	// Output: Sender The order id is unknown.
}
