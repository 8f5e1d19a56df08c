package main

import (
	"encoding/json"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func vec(name string) string { return filepath.Join("testdata", "wss4j", name) }

// TestInspectWSS4JVectors runs soapstack inspect --json on every WSS4J
// message: all verify and decrypt with their keys, the tampered ones fail.
// WSS4J signs the Body, the Timestamp and at most wsa:To, so the other
// addressing headers are allowed unsigned (TestInspectWSS4JCoverage shows
// that they are reported); msg_06 (a UsernameToken for a transport binding)
// signs nothing.
func TestInspectWSS4JVectors(t *testing.T) {
	at := "--at=2026-11-22T19:12:00Z"
	lax := "--allow-unsigned=addressing"
	x509 := []string{"--cert", vec("x509_cert.pem"), "--key", vec("x509_key.pem")}
	tests := []struct {
		file      string
		args      []string
		wantCode  int
		signed    int
		encrypted int
	}{
		{"msg_01.xml", []string{"--sct-key", "uuid:7098CD685C6E241FB717953746737512=OdJnJKU5X3OocjUDS5mm8R4mENHb5uWaeV+HfcRWBuM="}, 0, 3, 0},
		{"msg_01_tampered.xml", []string{"--sct-key", "uuid:7098CD685C6E241FB717953746737512=OdJnJKU5X3OocjUDS5mm8R4mENHb5uWaeV+HfcRWBuM="}, 1, 0, 0},
		{"msg_02.xml", []string{"--sct-key", "uuid:7098CD685C6E241FB7179537467414111=1vKUjt41b2iRKYZr2GUg+lE9KpYMMbAg5KW5QzZRW/4="}, 0, 3, 1},
		{"msg_03.xml", []string{"--sct-key", "uuid:7098CD685C6E241FB7179537467432823=YlwCno/8U7/i2HHAJrxsRfSot0rjnmVPWqVmNSV8zCE="}, 0, 3, 1},
		{"msg_04.xml", []string{"--sct-key", "uuid:7098CD685C6E241FB7179537467437735=51n6y9hsWmowYeFaEuVMXBs+UHIu1sHbrRGX6lbJZYM="}, 0, 3, 1},
		{"msg_05.xml", x509, 0, 2, 1},
		{"msg_05.xml", []string{"--pfx", vec("x509_keystore.p12"), "--pfx-password", "changeit"}, 0, 2, 1},
		{"msg_05_tampered.xml", x509, 1, 0, 1},
		{"msg_06.xml", []string{"--allow-unsigned=all", "--password", "alice=s3cr3t-P@ssw0rd"}, 0, 0, 0},
		{"msg_06.xml", []string{"--allow-unsigned=all", "--password", "alice=s3cr3t-P@ssw0rdx"}, 1, 0, 0},
		// Without keys the structure is still reported, and it fails.
		{"msg_05.xml", nil, 1, 0, 0},
		{"msg_02.xml", nil, 1, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			args := append([]string{"inspect", "--json", at, lax}, tt.args...)
			args = append(args, vec(tt.file))
			code, out, errOut := runCmd(args...)
			require.Equal(t, tt.wantCode, code, "%s\n%s", out, errOut)
			var rep struct {
				Verified  bool     `json:"verified"`
				Signed    []string `json:"signed"`
				Encrypted []string `json:"encrypted"`
				Body      string   `json:"body"`
				Errors    []string `json:"errors"`
				Layout    []string `json:"layout"`
			}
			require.NoError(t, json.Unmarshal([]byte(out), &rep), out)
			assert.Equal(t, tt.wantCode == 0, rep.Verified)
			assert.NotEmpty(t, rep.Layout)
			if tt.wantCode == 0 {
				assert.Empty(t, rep.Errors)
				assert.Len(t, rep.Signed, tt.signed)
				assert.Len(t, rep.Encrypted, tt.encrypted)
				assert.Equal(t, `<Ping xmlns="http://example.org/ping"><Text>hello</Text></Ping>`, rep.Body)
			} else {
				assert.NotEmpty(t, rep.Errors)
			}
		})
	}
}

// TestInspectWSS4JCoverage checks that the addressing headers WSS4J leaves
// unsigned are reported, and fail the message unless allowed.
func TestInspectWSS4JCoverage(t *testing.T) {
	sct := "uuid:7098CD685C6E241FB717953746737512=OdJnJKU5X3OocjUDS5mm8R4mENHb5uWaeV+HfcRWBuM="
	code, rep, out := inspectJSON(t, "--at=2026-11-22T19:12:00Z", "--sct-key", sct, vec("msg_01.xml"))
	require.Equal(t, 1, code, out)
	assert.False(t, rep.Verified)
	require.NotNil(t, rep.Covered)
	assert.False(t, *rep.Covered)
	signed := map[string]bool{}
	for _, c := range rep.Coverage {
		assert.True(t, c.Required)
		signed[c.Element] = c.Signed
	}
	assert.Equal(t, map[string]bool{"soap:Body#id-7098CD685C6E241FB717953746738278": true,
		"wsu:Timestamp#TS-7098CD685C6E241FB717953746737471": true, "wsa:To#wsa-To-1": true,
		"wsa:Action": false, "wsa:MessageID": false}, signed)
	assert.Contains(t, rep.Errors, "the Envelope's addressing wsa:Action is not signed")
	assert.Contains(t, rep.Errors, "the Envelope's addressing wsa:MessageID is not signed")
	assert.Len(t, rep.Errors, 2)

	code, out, _ = runCmd("inspect", "--at=2026-11-22T19:12:00Z", "--sct-key", sct, vec("msg_01.xml"))
	assert.Equal(t, 1, code)
	assert.Contains(t, out, "  body       soap:Body#id-7098CD685C6E241FB717953746738278: signed by SIG-7098CD685C6E241FB717953746738369\n")
	assert.Contains(t, out, "  addressing wsa:Action: NOT SIGNED\n")
	code, out, _ = runCmd("inspect", "--at=2026-11-22T19:12:00Z", "--allow-unsigned", "addressing", "--sct-key", sct, vec("msg_01.xml"))
	assert.Equal(t, 0, code, out)
	assert.Contains(t, out, "  addressing wsa:Action: not signed (allowed)\n")
}

func TestInspectUsage(t *testing.T) {
	for _, args := range [][]string{
		{"inspect"},
		{"inspect", "--at", "yesterday", vec("msg_01.xml")},
		{"inspect", "--sct-key", "novalue", vec("msg_01.xml")},
		{"inspect", "--key", vec("x509_key.pem"), vec("msg_05.xml")},
		{"inspect", "testdata/does-not-exist.xml"},
		{"inspect", "--suite", "Basic512", vec("msg_01.xml")},
		{"inspect", "--allow-unsigned", "headers", vec("msg_01.xml")},
		{"inspect", "--keylog", "testdata/does-not-exist.log", vec("msg_01.xml")},
		{"inspect", "--keylog", vec("msg_01.xml"), vec("msg_01.xml")},
		{"inspect", "--peer-cert", vec("x509_key.pem"), vec("msg_05.xml")},
	} {
		code, _, _ := runCmd(args...)
		assert.Equal(t, 2, code, "%v", args)
	}
}

// TestInspectWCFCapture verifies a real WCF client's secure-conversation
// request (captured against CoreWCF) with the session key its handshake
// computed; a wrong key fails.
func TestInspectWCFCapture(t *testing.T) {
	file := filepath.Join("testdata", "wcf", "03_corewcf_app-request-sct-hmac.compact.xml")
	id := "urn:uuid:40859149-0ab7-4ee2-a7cc-22bc21adfe08"
	// Over HTTPS WCF signs only the Timestamp with the session key.
	code, out, errOut := runCmd("inspect", "--json", "--at", "2024-02-14T02:08:00Z", "--allow-unsigned", "body,addressing", "--sct-key", id+"=H/N/QJpAIzvX652dTmpSKfx5jvchdVlWNaSPiPkNuP8=", file)
	require.Equal(t, 0, code, "%s %s", out, errOut)
	var rep struct {
		Verified bool     `json:"verified"`
		Signed   []string `json:"signed"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &rep))
	assert.True(t, rep.Verified)
	assert.Equal(t, []string{"wsu:Timestamp#_0"}, rep.Signed)
	code, _, _ = runCmd("inspect", "--at", "2024-02-14T02:08:00Z", "--sct-key", id+"=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", file)
	assert.Equal(t, 1, code)
}
