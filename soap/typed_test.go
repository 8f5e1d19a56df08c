package soap

import (
	"encoding/xml"
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/beevik/etree"
	"github.com/soapstack/soapstack/internal/xmlutil"
)

type tEcho struct {
	XMLName xml.Name `xml:"http://InteropBaseAddress/interop echo"`
	Request string   `xml:"request"`
}

type tPingFault struct {
	XMLName xml.Name `xml:"http://InteropBaseAddress/interop PingFault"`
	Code    int      `xml:"code"`
}

type tOther struct {
	XMLName xml.Name `xml:"urn:other Other"`
}

type tOrder struct {
	XMLName  xml.Name `xml:"urn:shop order"`
	ID       string   `xml:"urn:shop id,attr"`
	Priority int      `xml:"priority,attr,omitempty"`
	Lines    []tLine  `xml:"urn:shop line"`
	Note     string   `xml:"urn:shop note,omitempty"`
	Extra    tInner   `xml:"urn:other extra"`
}

type tLine struct {
	SKU string `xml:"sku,attr"`
	Qty int    `xml:",chardata"`
}

type tInner struct {
	Flag bool `xml:"flag"`
}

func readTypedTestdata(t *testing.T, name string) *Message {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	m, err := ParseMessage(b, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestUnmarshalBody decodes a payload whose namespace is declared on the
// payload and one whose prefixes are declared on the Envelope.
func TestUnmarshalBody(t *testing.T) {
	m := readTypedTestdata(t, "soap12-wsa10-request.xml")
	var e tEcho
	if err := UnmarshalBody(m, &e); err != nil {
		t.Fatal(err)
	}
	if e.Request != "hello" {
		t.Fatalf("got %+v", e)
	}

	// Prefixes declared above the payload are in scope.
	doc := etree.NewDocument()
	if err := doc.ReadFromString(`<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:i="http://InteropBaseAddress/interop" xmlns="http://InteropBaseAddress/interop"><s:Body><i:echo><request>hi</request></i:echo></s:Body></s:Envelope>`); err != nil {
		t.Fatal(err)
	}
	m2, err := messageFromDocument(doc)
	if err != nil {
		t.Fatal(err)
	}
	e = tEcho{}
	if err := UnmarshalBody(m2, &e); err != nil {
		t.Fatal(err)
	}
	if e.Request != "hi" {
		t.Fatalf("got %+v: the default namespace declared on the Envelope was not in scope", e)
	}
	// The wrong element is an error, not a silent zero value.
	if err := UnmarshalBody(m2, &tOther{}); err == nil {
		t.Fatal("decoded echo into Other")
	}
}

// TestMarshalRoundTrip: a value with namespaced attributes, repeated
// children, character data and a child in another namespace comes back
// equal after marshalling into a message, serializing and parsing it.
func TestMarshalRoundTrip(t *testing.T) {
	in := tOrder{ID: "o-1", Priority: 2, Lines: []tLine{{SKU: "a", Qty: 3}, {SKU: "b<&>", Qty: 1}},
		Note: "fragile & \"heavy\"", Extra: tInner{Flag: true}}
	for _, v := range []Version{V11, V12} {
		m := NewMessage(v)
		if err := MarshalBody(m, &in); err != nil {
			t.Fatal(err)
		}
		if got := ElementName(m.Payload()); got != (xml.Name{Space: "urn:shop", Local: "order"}) {
			t.Fatalf("payload %v", got)
		}
		b, err := m.Bytes()
		if err != nil {
			t.Fatal(err)
		}
		back, err := ParseMessage(b, Limits{})
		if err != nil {
			t.Fatal(err)
		}
		var out tOrder
		if err := UnmarshalBody(back, &out); err != nil {
			t.Fatal(err)
		}
		out.XMLName = in.XMLName
		if !reflect.DeepEqual(in, out) {
			t.Fatalf("round trip:\n in %+v\nout %+v", in, out)
		}
	}
}

func TestMarshalElementErrors(t *testing.T) {
	tests := []struct {
		name string
		v    any
		want string
	}{
		{"nil pointer", (*tEcho)(nil), "no element"},
		{"channel", make(chan int), "marshal"},
		{"two elements", []tEcho{{Request: "a"}, {Request: "b"}}, "more than one element"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			el, err := MarshalElement(tc.v)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("MarshalElement = %v, %v; want an error naming %q", el, err, tc.want)
			}
		})
	}
}

// TestUnmarshalFaultDetail: a fault Body comes back as the *Fault error,
// its Detail decodes by the target's XMLName, and a detail of another type
// is ErrNoDetail.
func TestUnmarshalFaultDetail(t *testing.T) {
	m := readTypedTestdata(t, "soap12-fault.xml")
	err := UnmarshalBody(m, &tEcho{})
	f, ok := AsFault(err)
	if !ok {
		t.Fatalf("err = %v, want the fault", err)
	}
	var d tPingFault
	if err := f.UnmarshalDetail(&d); err != nil {
		t.Fatal(err)
	}
	if d.Code != 42 {
		t.Fatalf("detail %+v", d)
	}
	if err := f.UnmarshalDetail(&tOther{}); !errors.Is(err, ErrNoDetail) {
		t.Fatalf("err = %v, want ErrNoDetail", err)
	}
	// A matching element that does not decode is that error, not
	// ErrNoDetail.
	bad := SenderFault("x")
	if err := bad.SetDetail(&struct {
		XMLName xml.Name `xml:"http://InteropBaseAddress/interop PingFault"`
		Code    string   `xml:"code"`
	}{Code: "forty-two"}); err != nil {
		t.Fatal(err)
	}
	if err := bad.UnmarshalDetail(&d); err == nil || errors.Is(err, ErrNoDetail) {
		t.Fatalf("err = %v, want the decoding error", err)
	}

	// SetDetail, written and parsed back in both versions.
	for _, v := range []Version{V11, V12} {
		f := ReceiverFault("no")
		if err := f.SetDetail(&tPingFault{Code: 7}); err != nil {
			t.Fatal(err)
		}
		fm, err := NewFaultMessage(v, f, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		b, err := fm.Bytes()
		if err != nil {
			t.Fatal(err)
		}
		back, err := ParseMessage(b, Limits{})
		if err != nil {
			t.Fatal(err)
		}
		g, _ := AsFault(UnmarshalBody(back, &tEcho{}))
		if g == nil {
			t.Fatalf("%v: no fault", v)
		}
		var got tPingFault
		if err := g.UnmarshalDetail(&got); err != nil || got.Code != 7 {
			t.Fatalf("%v: detail %+v, %v", v, got, err)
		}
	}
}

func TestUnmarshalBodyEmpty(t *testing.T) {
	if err := UnmarshalBody(NewMessage(V12), &tEcho{}); !errors.Is(err, ErrNoPayload) {
		t.Fatalf("err = %v, want ErrNoPayload", err)
	}
}

// tAny decodes any element generically, for the differential tests.
type tAny struct {
	XMLName xml.Name
	Attrs   []xml.Attr `xml:",any,attr"`
	Text    string     `xml:",chardata"`
	Kids    []tAny     `xml:",any"`
}

// decodeBoth decodes the payload of m by walking the tree
// (UnmarshalElement) and by the oracle: xml.Unmarshal of the payload
// serialized with its namespaces (CopyWithScope).
func decodeBoth(el *etree.Element) (tree, oracle tAny, treeErr, oracleErr error) {
	treeErr = UnmarshalElement(el, &tree)
	doc := etree.NewDocument()
	doc.SetRoot(xmlutil.CopyWithScope(el))
	s, err := doc.WriteToString()
	if err != nil {
		return tree, oracle, treeErr, err
	}
	oracleErr = xml.Unmarshal([]byte(s), &oracle)
	return tree, oracle, treeErr, oracleErr
}

// TestUnmarshalElementDifferential compares the tree decoder with
// encoding/xml on the serialization, for every payload in testdata.
func TestUnmarshalElementDifferential(t *testing.T) {
	for _, name := range []string{"soap11-fault.xml", "soap11-plain.xml", "soap11-wsa200408-request.xml", "soap12-fault.xml", "soap12-wsa10-request.xml"} {
		m := readTypedTestdata(t, name)
		for _, el := range []*etree.Element{m.Payload(), m.Envelope, m.Header} {
			if el == nil {
				continue
			}
			tree, oracle, te, oe := decodeBoth(el)
			if te != nil || oe != nil {
				t.Fatalf("%s: errors %v / %v", name, te, oe)
			}
			if !reflect.DeepEqual(tree, oracle) {
				t.Fatalf("%s %s:\ntree   %+v\noracle %+v", name, el.Tag, tree, oracle)
			}
		}
	}
}

// FuzzUnmarshalElement: for any message the strict parser accepts, the
// tree decoder agrees with encoding/xml on the serialization.
func FuzzUnmarshalElement(f *testing.F) {
	for _, name := range []string{"soap11-fault.xml", "soap12-fault.xml", "soap12-wsa10-request.xml"} {
		b, err := os.ReadFile("testdata/" + name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := ParseMessage(b, Limits{})
		if err != nil {
			return
		}
		el := m.Payload()
		if el == nil {
			el = m.Envelope
		}
		tree, oracle, te, oe := decodeBoth(el)
		if (te == nil) != (oe == nil) {
			t.Fatalf("tree error %v, oracle error %v", te, oe)
		}
		if te == nil && !reflect.DeepEqual(tree, oracle) {
			t.Fatalf("tree   %+v\noracle %+v", tree, oracle)
		}
	})
}
