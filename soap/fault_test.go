package soap

import (
	"encoding/xml"
	"testing"

	"github.com/beevik/etree"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const nsWSSE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"

func TestParseFaultCaptures(t *testing.T) {
	m, err := ParseMessage(readTestdata(t, "soap12-fault.xml"), Limits{})
	require.NoError(t, err)
	f, err := m.Fault()
	require.NoError(t, err)
	assert.Equal(t, CodeSender, f.Code)
	assert.Equal(t, []xml.Name{{Space: nsWSSE, Local: "InvalidSecurity"}}, f.Subcodes)
	assert.Equal(t, []Reason{{Lang: "en", Text: "An error was discovered processing the <wsse:Security> header"}, {Lang: "de", Text: "Fehler"}}, f.Reasons)
	assert.Equal(t, "http://node", f.Node)
	assert.Equal(t, "http://role", f.Role)
	require.Len(t, f.Detail, 1)
	assert.Equal(t, "PingFault", f.Detail[0].Tag)
	assert.Equal(t, []xml.Name{{Space: "urn:x", Local: "Thing"}}, f.NotUnderstood)

	m, err = ParseMessage(readTestdata(t, "soap11-fault.xml"), Limits{})
	require.NoError(t, err)
	f, err = m.Fault()
	require.NoError(t, err)
	assert.Equal(t, CodeSender, f.Code)
	assert.Equal(t, xml.Name{Space: nsWSSE, Local: "InvalidSecurity"}, f.Subcode())
	assert.Equal(t, "en-US", f.Reasons[0].Lang)
	require.Len(t, f.Detail, 1)
}

func TestFaultRoundTrip(t *testing.T) {
	detail := etree.NewElement("p:PingFault")
	detail.CreateAttr("xmlns:p", "urn:ping")
	detail.CreateElement("p:code").SetText("42")
	tests := []struct {
		name  string
		fault *Fault
		// want11 is the code as SOAP 1.1 sees it.
		want11Code FaultCode
	}{
		{"sender", SenderFault("bad input"), CodeSender},
		{"receiver", ReceiverFault("oops"), CodeReceiver},
		{"must understand", &Fault{Code: CodeMustUnderstand, Reasons: []Reason{{Lang: "en", Text: "mu"}}, NotUnderstood: []xml.Name{{Space: "urn:h", Local: "H"}}}, CodeMustUnderstand},
		{"version mismatch", NewFault(CodeVersionMismatch, "vm"), CodeVersionMismatch},
		{"subcodes and detail", &Fault{Code: CodeSender, Subcodes: []xml.Name{{Space: nsWSSE, Local: "InvalidSecurity"}, {Space: "urn:x", Local: "Deeper"}}, Reasons: []Reason{{Lang: "en", Text: "r & <x>"}}, Role: "urn:role", Detail: []*etree.Element{detail}}, CodeSender},
	}
	for _, tt := range tests {
		for _, v := range []Version{V11, V12} {
			t.Run(tt.name+"/"+v.String(), func(t *testing.T) {
				m, err := NewFaultMessage(v, tt.fault, nil, nil)
				require.NoError(t, err)
				b, err := m.Bytes()
				require.NoError(t, err)
				back, err := ParseMessage(b, Limits{})
				require.NoError(t, err)
				require.True(t, back.IsFault())
				got, err := back.Fault()
				require.NoError(t, err)
				assert.Equal(t, tt.fault.Reason(), got.Reason())
				assert.Equal(t, tt.fault.Role, got.Role)
				assert.Equal(t, len(tt.fault.Detail), len(got.Detail))
				if v == V12 {
					assert.Equal(t, tt.fault.Code, got.Code)
					assert.Equal(t, tt.fault.Subcodes, got.Subcodes)
					assert.Equal(t, tt.fault.NotUnderstood, got.NotUnderstood)
				} else {
					assert.Equal(t, tt.want11Code, got.Code)
					if len(tt.fault.Subcodes) > 0 {
						assert.Equal(t, tt.fault.Subcode(), got.Subcode(), "SOAP 1.1 carries the innermost subcode as faultcode")
					}
				}
			})
		}
	}
}

func TestFaultError(t *testing.T) {
	f := SenderFault("nope", xml.Name{Space: nsWSSE, Local: "FailedCheck"})
	assert.Equal(t, "soap fault Sender/FailedCheck: nope", f.Error())
	assert.True(t, f.HasSubcode(xml.Name{Space: nsWSSE, Local: "FailedCheck"}))
	var err error = f.WithCause(assert.AnError)
	assert.ErrorIs(t, err, assert.AnError)
	got, ok := AsFault(err)
	require.True(t, ok)
	assert.Same(t, f, got)
}

func TestVersionMismatchFaultHasUpgrade(t *testing.T) {
	m, err := NewFaultMessage(V12, NewFault(CodeVersionMismatch, "vm"), nil, nil)
	require.NoError(t, err)
	up := m.FindHeader(NS12, "Upgrade")
	require.NotNil(t, up)
	assert.Len(t, up.ChildElements(), 2)
}
