package main

import (
	"encoding/asn1"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/soapstack/soapstack/soap"
)

// FuzzNegotiationBlob feeds arbitrary bytes to the blob decoders of
// inspect (TLS records and handshake messages, SPNEGO, the inner mechanism
// token): they never panic and their reports always encode.
func FuzzNegotiationBlob(f *testing.F) {
	f.Add([]byte{20, 3, 1, 0, 1, 1})
	f.Add([]byte{23, 3, 1, 0, 64, 0xa2})
	f.Add([]byte{22, 3, 1, 0, 9, 1, 0, 0, 200, 3, 3, 0, 0, 0, 99})
	f.Add([]byte{22, 3, 3, 0, 8, 11, 0, 0, 4, 0, 0, 1, 0})
	f.Add([]byte{22, 3, 3, 0, 42, 2, 0, 0, 38, 3, 3, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 0, 0x13, 0x01, 0})
	f.Add(spnegoInit(f, []asn1.ObjectIdentifier{oidMSKerberos, oidKerberos}, krbToken(f, 14, []byte{1, 0})))
	f.Add(spnegoResp(f, 0, oidKerberos, krbToken(f, 15, []byte{2, 0})))
	f.Add(append([]byte("NTLMSSP\x00"), 3, 0, 0, 0))
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, v := range []any{decodeTLS(b, false), decodeTLS(b, true), decodeSPNEGO(b), mechTokenKind(b)} {
			if _, err := json.Marshal(v); err != nil {
				t.Fatal(err)
			}
		}
		printTLS(io.Discard, decodeTLS(b, false), "")
	})
}

// FuzzNegotiationLeg runs inspect's leg decoder on arbitrary messages.
func FuzzNegotiationLeg(f *testing.F) {
	seed, err := os.ReadFile(filepath.Join("testdata", "wcf", "wcf_tlsnego_200502.xml"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(seed)
	f.Add([]byte(`<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body><t:RequestSecurityTokenResponse Context="c" xmlns:t="http://schemas.xmlsoap.org/ws/2005/02/trust"><t:BinaryExchange ValueType=" http://schemas.xmlsoap.org/ws/2005/02/trust/tlsnego">FgMBAAA=</t:BinaryExchange></t:RequestSecurityTokenResponse></s:Body></s:Envelope>`))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := soap.ParseMessage(b, soap.Limits{})
		if err != nil {
			return
		}
		r := inspectNegotiation(m.Payload())
		if r == nil {
			return
		}
		if _, err := json.Marshal(r); err != nil {
			t.Fatal(err)
		}
		printNegotiation(io.Discard, r)
	})
}
