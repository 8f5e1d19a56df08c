package main

import (
	"bytes"
	"context"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/soapstack/soapstack/interop"
	"github.com/soapstack/soapstack/soap"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func runCmd(args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	code := run(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestDemo(t *testing.T) {
	code, out, errOut := runCmd("demo")
	require.Equal(t, 0, code, errOut)
	assert.Contains(t, out, "demo finished")
	// Each step names the WCF binding it runs and what it maps to.
	assert.Contains(t, out, "== 1. echo over SOAP 1.2 with WS-Addressing 1.0: wsHttpBinding, security None")
	assert.Contains(t, out, "--> SOAP 1.1 / wsa200408 request")
	assert.Contains(t, out, "customBinding")
	assert.Contains(t, out, "fault over SOAP 1.1 without WS-Addressing: basicHttpBinding")
	assert.Contains(t, out, "action "+interop.ActionFail+" (SOAPAction, no WS-Addressing)")
	assert.Contains(t, out, "(HTTP 500), action (no WS-Addressing)")
	assert.Contains(t, out, "HTTP 202")
	assert.Contains(t, out, "== 5. WS-Security, signed and encrypted both ways: wsHttpBinding: security Message, UserNameForCertificate (Basic256)")
	assert.Contains(t, out, `the service sees the caller: "alice" (password)`)
	assert.Contains(t, out, "== 6. a secure session: wsHttpBinding: security Message, SecureConversation(AnonymousForCertificate) (Basic128), session WS-SC 2005/02")
	assert.Regexp(t, `--> http://schemas.xmlsoap.org/ws/2005/02/trust/RST/SCT +\d+ bytes`, out)
	assert.Contains(t, out, "decrypted and verified reply")
	assert.Contains(t, out, "xenc:EncryptedData")
	assert.Contains(t, out, "RSTR/SCT/Renew")
	assert.Contains(t, out, "RSTR/SCT/Cancel")
	assert.Contains(t, out, interop.ActionEchoResponse)
	// The reliable session over the secure session, through the lossy link.
	assert.Contains(t, out, "== 7. a reliable session over the secure session, through a lossy link: wsHttpBinding: security Message, SecureConversation(AnonymousForCertificate) (Basic128), session WS-SC 2005/02, reliable session WS-RM 2005/02")
	assert.Regexp(t, `sequence \S+ created`, out)
	assert.Contains(t, out, "  link #", "the link's losses are shown")
	assert.Contains(t, out, "retransmitted (attempt 2)")
	assert.Contains(t, out, "progress: 40/40 replies")
	assert.Contains(t, out, "the service got the 40 messages once each and in order")
	assert.Regexp(t, `sequence \S+ terminated`, out)
	assert.Regexp(t, `the link: requests \d+ \(passed 2\), dropped [1-9]\d* requests`, out)
}

func TestUsageErrors(t *testing.T) {
	tests := [][]string{
		{},
		{"bogus"},
		{"call"},
		{"call", "http://x", "--action", "a"},
		{"call", "http://x", "--action", "a", "--body", "f", "--soap", "1.3"},
		{"interop", "--peer", "wcf"},
		{"demo", "extra"},
		{"demo", "--messages", "0"},
		{"serve", "--nope"},
	}
	for _, args := range tests {
		code, _, _ := runCmd(args...)
		assert.Equal(t, 2, code, "%v", args)
	}
	code, out, _ := runCmd("help")
	assert.Equal(t, 0, code)
	assert.Contains(t, out, "usage: soapstack")
}

func TestCall(t *testing.T) {
	srv := httptest.NewServer(soap.NewHTTPHandler((&interop.PingService{}).Handler()))
	defer srv.Close()
	dir := t.TempDir()
	body := filepath.Join(dir, "body.xml")
	require.NoError(t, os.WriteFile(body, []byte(`<tns:echo xmlns:tns="http://InteropBaseAddress/interop"><tns:request>from the CLI</tns:request></tns:echo>`), 0o600))
	for _, v := range [][]string{{"--soap", "1.1", "--wsa", "2004/08"}, {"--soap", "1.2", "--wsa", "1.0"}, {"--soap", "1.1", "--wsa", "none"}} {
		args := append([]string{"call", srv.URL, "--action", interop.ActionEcho, "--body", body}, v...)
		code, out, errOut := runCmd(args...)
		require.Equal(t, 0, code, errOut)
		assert.Contains(t, out, "from the CLI")
	}
	fail := filepath.Join(dir, "fail.xml")
	require.NoError(t, os.WriteFile(fail, []byte(`<tns:fail xmlns:tns="http://InteropBaseAddress/interop"><tns:reason>no</tns:reason></tns:fail>`), 0o600))
	code, out, errOut := runCmd("call", srv.URL, "--action", interop.ActionFail, "--body", fail)
	assert.Equal(t, 1, code)
	assert.Contains(t, out, "PingFault")
	assert.True(t, strings.Contains(errOut, "Sender"), errOut)
}
