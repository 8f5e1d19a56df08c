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

// An application handler reads who called from its context. Here a
// stand-in layer plays the part of the security layer
// (wssecurity.ServerLayer or secureconv.ServerLayer), which sets the
// principal it verified.
func ExamplePrincipalFromContext() {
	authenticated := func(next soap.Handler) soap.Handler {
		return soap.HandlerFunc(func(ctx context.Context, req *soap.Message) (*soap.Message, error) {
			p := &soap.Principal{Identities: []soap.Identity{soap.UsernameIdentity("alice")}}
			return next.ServeSOAP(soap.NewContextWithPrincipal(ctx, p), req)
		})
	}
	mux := soap.NewServeMux()
	mux.HandleFunc("urn:example/whoami", func(ctx context.Context, req *soap.Message) (*soap.Message, error) {
		name := "anonymous"
		if p, ok := soap.PrincipalFromContext(ctx); ok && p.IsAuthenticated() {
			name = p.Name()
		}
		if peer, ok := soap.PeerFromContext(ctx); ok && peer.TLS == nil {
			name += " (plain HTTP)"
		}
		out := etree.NewElement("e:whoamiResponse")
		out.CreateAttr("xmlns:e", "urn:example")
		out.SetText(name)
		return soap.Reply(req, "urn:example/whoamiResponse", out)
	})
	srv := httptest.NewServer(soap.NewHTTPHandler(soap.ChainHandler(mux, authenticated)))
	defer srv.Close()

	req := soap.NewMessageWithBody(soap.V12, nil)
	a, _ := soap.RequestAddressing(soap.WSA10, "urn:example/whoami", srv.URL, nil)
	req.SetAddressing(a)
	resp, err := soap.NewHTTPClient(srv.URL).Call(context.Background(), req)
	if err != nil {
		panic(err)
	}
	fmt.Println(resp.Payload().Text())
	// Output: alice (plain HTTP)
}

// Authorize asks an Authorizer about every request, after the security
// layers and before the application; a refusal is WCF's AccessDenied fault.
func ExampleAuthorize() {
	onlyAdmins := soap.Authorize(func(ctx context.Context, action string, p *soap.Principal) error {
		if action == "urn:example/shutdown" && !p.HasClaim(soap.ClaimRole, "admin") {
			return fmt.Errorf("%s may not %s", p, action)
		}
		return nil
	})
	caller := func(next soap.Handler) soap.Handler { // stands in for the security layer
		return soap.HandlerFunc(func(ctx context.Context, req *soap.Message) (*soap.Message, error) {
			p := &soap.Principal{Identities: []soap.Identity{soap.UsernameIdentity("alice")}}
			return next.ServeSOAP(soap.NewContextWithPrincipal(ctx, p), req)
		})
	}
	app := soap.HandlerFunc(func(ctx context.Context, req *soap.Message) (*soap.Message, error) {
		fmt.Println("shutting down")
		return nil, nil
	})
	h := soap.ChainHandler(app, caller, onlyAdmins)

	req := soap.NewMessageWithBody(soap.V12, nil)
	a, _ := soap.RequestAddressing(soap.WSA10, "urn:example/shutdown", "", nil)
	req.SetAddressing(a)
	_, err := h.ServeSOAP(context.Background(), req)
	f, _ := soap.AsFault(err)
	fmt.Println(f.Code, f.Subcode().Local, f.Reason())
	fmt.Println("cause:", f.Cause)
	// Output:
	// Sender FailedAuthentication Access is denied.
	// cause: "alice" (password) may not urn:example/shutdown
}

// Behind a proxy that terminates TLS and rewrites the path, the endpoint
// knows its public address; a request must be addressed (wsa:To) to it.
func ExampleWithEndpointAddress() {
	mux := soap.NewServeMux()
	mux.HandleFunc("urn:example/ping", func(ctx context.Context, req *soap.Message) (*soap.Message, error) {
		return nil, nil
	})
	srv := httptest.NewServer(soap.NewHTTPHandler(mux,
		soap.WithEndpointAddress("https://api.example.com/orders/v1")))
	defer srv.Close()

	for _, to := range []string{"https://api.example.com/orders/v1", "https://api.example.com/billing/v1"} {
		req := soap.NewMessageWithBody(soap.V12, nil)
		a, _ := soap.RequestAddressing(soap.WSA10, "urn:example/ping", to, nil)
		req.SetAddressing(a)
		_, err := soap.NewHTTPClient(srv.URL).Call(context.Background(), req)
		if f, ok := soap.AsFault(err); ok {
			fmt.Println(to, "→", f.Subcode().Local)
		} else {
			fmt.Println(to, "→", err)
		}
	}
	// Output:
	// https://api.example.com/orders/v1 → <nil>
	// https://api.example.com/billing/v1 → DestinationUnreachable
}
