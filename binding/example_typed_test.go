package binding_test

import (
	"context"
	"encoding/xml"
	"fmt"
	"log"
	"net/http/httptest"

	"github.com/soapstack/soapstack/binding"
	"github.com/soapstack/soapstack/soap"
)

// The calculator contract as Go types: encoding/xml tags name the Body
// elements.
type divideRequest struct {
	XMLName  xml.Name `xml:"urn:example:calc Divide"`
	Dividend int      `xml:"dividend"`
	Divisor  int      `xml:"divisor"`
}

type divideResponse struct {
	XMLName  xml.Name `xml:"urn:example:calc DivideResponse"`
	Quotient int      `xml:"quotient"`
}

// divideByZero is the typed fault detail of Divide (a WCF FaultContract).
type divideByZero struct {
	XMLName  xml.Name `xml:"urn:example:calc DivideByZero"`
	Dividend int      `xml:"dividend"`
}

const actionDivide = "urn:example:calc/Divide"

// Typed bodies: the service is a Go function from request to response
// type, registered for its action on a soap.ServeMux; the client calls it
// with binding.Call and reads a fault's typed detail with
// binding.FaultDetail.
func Example_typedBodies() {
	mux := soap.NewServeMux()
	mux.Handle(actionDivide, binding.Typed(func(ctx context.Context, req *divideRequest) (*divideResponse, error) {
		if req.Divisor == 0 {
			return nil, binding.DetailFault(soap.CodeSender, "division by zero", &divideByZero{Dividend: req.Dividend})
		}
		return &divideResponse{Quotient: req.Dividend / req.Divisor}, nil
	}))

	b := binding.WSHttpBinding()
	b.Security.Mode = binding.ModeNone
	h, err := binding.NewHandler(mux, b, binding.Credentials{})
	if err != nil {
		log.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()

	ctx := context.Background()
	c, err := binding.NewClient(srv.URL, b, binding.Credentials{})
	if err != nil {
		log.Fatal(err)
	}
	resp, err := binding.Call[divideRequest, divideResponse](ctx, c, actionDivide, &divideRequest{Dividend: 42, Divisor: 5})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("quotient:", resp.Quotient)

	_, err = binding.Call[divideRequest, divideResponse](ctx, c, actionDivide, &divideRequest{Dividend: 42})
	if d, ok := binding.FaultDetail[divideByZero](err); ok {
		f, _ := soap.AsFault(err)
		fmt.Println("fault:", f.Reason(), "dividend", d.Dividend)
	}
	// Output:
	// quotient: 8
	// fault: division by zero dividend 42
}
