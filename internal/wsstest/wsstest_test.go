package wsstest

import (
	"strings"
	"testing"
)

// envelope wraps a Security header's content and a Body's in a SOAP 1.1
// envelope with the usual prefixes.
func envelope(sec, body string) []byte {
	return []byte(`<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"` +
		` xmlns:wsse="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"` +
		` xmlns:xenc="http://www.w3.org/2001/04/xmlenc#" xmlns:ds="http://www.w3.org/2000/09/xmldsig#">` +
		`<s:Header><wsse:Security>` + sec + `</wsse:Security></s:Header><s:Body>` + body + `</s:Body></s:Envelope>`)
}

const (
	nestedEK = `<xenc:EncryptedKey Id="EK1"><xenc:CipherData/><xenc:ReferenceList><xenc:DataReference URI="#ED1"/></xenc:ReferenceList></xenc:EncryptedKey>`
	bareEK   = `<xenc:EncryptedKey Id="EK1"><xenc:CipherData/></xenc:EncryptedKey>`
	refList  = `<xenc:ReferenceList><xenc:DataReference URI="#ED1"/></xenc:ReferenceList>`
	edPlain  = `<xenc:EncryptedData Id="ED1"><xenc:CipherData/></xenc:EncryptedData>`
	edToEK   = `<xenc:EncryptedData Id="ED1"><ds:KeyInfo><wsse:SecurityTokenReference><wsse:Reference URI="#EK1"/></wsse:SecurityTokenReference></ds:KeyInfo><xenc:CipherData/></xenc:EncryptedData>`
	tokenTyp = `<xenc:EncryptedData Id="ED1"><ds:KeyInfo><wsse:SecurityTokenReference xmlns:wsse11="http://docs.oasis-open.org/wss/oasis-wss-wssecurity-secext-1.1.xsd" wsse11:TokenType="x"><wsse:Reference URI="#EK1"/></wsse:SecurityTokenReference></ds:KeyInfo><xenc:CipherData/></xenc:EncryptedData>`
	thumb    = `<wsse:SecurityTokenReference><wsse:KeyIdentifier ValueType="http://docs.oasis-open.org/wss/oasis-wss-soap-message-security-1.1#ThumbprintSHA1">AA==</wsse:KeyIdentifier></wsse:SecurityTokenReference>`
)

func TestWSS11Constructs(t *testing.T) {
	tests := []struct {
		name           string
		msg            []byte
		encryptedFirst bool
		want           string // "" when the message is pure WS-Security 1.0
	}{
		{"WSS 1.0 layout", envelope(nestedEK, edPlain), false, ""},
		{"encrypt before sign, bare reference", envelope(bareEK+refList, edToEK), true, ""},
		{"nothing encrypted", envelope(`<wsse:UsernameToken/>`, `<x/>`), false, ""},
		{"a proof token's EncryptedKey in the Body", envelope(`<wsse:UsernameToken/>`, `<t:RequestedProofToken xmlns:t="urn:t">`+bareEK+`</t:RequestedProofToken>`), false, ""},
		{"standalone ReferenceList", envelope(bareEK+refList, edPlain), false, "without its ReferenceList"},
		{"EncryptedData names the EncryptedKey", envelope(nestedEK, edToEK), false, "names its EncryptedKey"},
		{"wsse11 TokenType", envelope(nestedEK, tokenTyp), false, "wsse11 namespace"},
		{"wsse11 TokenType, encrypted first", envelope(bareEK+refList, tokenTyp), true, "wsse11 namespace"},
		{"thumbprint", envelope(thumb+nestedEK, edPlain), false, "soap-message-security-1.1"},
		{"not XML", []byte("<s:Envelope"), false, "XML"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := WSS11Constructs(tt.msg, tt.encryptedFirst)
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("WSS 1.0 message refused: %v", err)
			case tt.want != "" && err == nil:
				t.Fatalf("no error, want one about %q", tt.want)
			case tt.want != "" && !strings.Contains(err.Error(), tt.want):
				t.Fatalf("error %q, want one about %q", err, tt.want)
			}
		})
	}
}
