package soap_test

import (
	"encoding/xml"
	"fmt"
	"log"

	"github.com/soapstack/soapstack/soap"
)

// Go values with encoding/xml tags as Body payloads: MarshalBody encodes
// one into a message, UnmarshalBody decodes a Body (with the namespaces in
// scope) into one, and a fault's typed Detail decodes with UnmarshalDetail.
func ExampleUnmarshalBody() {
	type quote struct {
		XMLName xml.Name `xml:"urn:example:stock Quote"`
		Symbol  string   `xml:"symbol,attr"`
		Price   float64  `xml:"price"`
	}
	m := soap.NewMessage(soap.V12)
	if err := soap.MarshalBody(m, &quote{Symbol: "ACME", Price: 12.5}); err != nil {
		log.Fatal(err)
	}
	wire, err := m.Bytes()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(string(wire))

	in, err := soap.ParseMessage(wire, soap.Limits{})
	if err != nil {
		log.Fatal(err)
	}
	var q quote
	if err := soap.UnmarshalBody(in, &q); err != nil {
		log.Fatal(err)
	}
	fmt.Println(q.Symbol, q.Price)

	// A fault Body is returned as the *soap.Fault; its detail is typed too.
	type unknownSymbol struct {
		XMLName xml.Name `xml:"urn:example:stock UnknownSymbol"`
		Symbol  string   `xml:"symbol"`
	}
	f := soap.SenderFault("unknown symbol")
	if err := f.SetDetail(&unknownSymbol{Symbol: "XYZ"}); err != nil {
		log.Fatal(err)
	}
	fm, err := soap.NewFaultMessage(soap.V12, f, nil, nil)
	if err != nil {
		log.Fatal(err)
	}
	err = soap.UnmarshalBody(fm, &q)
	if got, ok := soap.AsFault(err); ok {
		var d unknownSymbol
		if err := got.UnmarshalDetail(&d); err == nil {
			fmt.Println(got.Reason()+":", d.Symbol)
		}
	}
	// Output:
	// <s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body><Quote xmlns="urn:example:stock" symbol="ACME"><price>12.5</price></Quote></s:Body></s:Envelope>
	// ACME 12.5
	// unknown symbol: XYZ
}
