package wssecurity

import (
	"bytes"
	"context"
	"encoding/pem"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/soapstack/soapstack/internal/wsse"
	"github.com/soapstack/soapstack/internal/xmlenc"
	"github.com/soapstack/soapstack/soap"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func xmlsec1(t *testing.T, args ...string) (string, bool) {
	t.Helper()
	path, err := exec.LookPath("xmlsec1")
	if err != nil {
		t.Fatalf("xmlsec1 is not installed (%v): install the Debian package xmlsec1 (the CI script does)", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var out bytes.Buffer
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.Stdout, cmd.Stderr = &out, &out
	err = cmd.Run()
	if _, exit := err.(*exec.ExitError); err != nil && !exit {
		t.Fatalf("running xmlsec1: %v", err)
	}
	return out.String(), err == nil
}

func tempFile(t *testing.T, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(p, data, 0o600))
	return p
}

// idArgs declares the ID attributes of the elements the engine signs.
func idArgs() []string {
	var out []string
	for _, el := range []string{soap.NS12 + ":Body", wsse.NSWSU + ":Timestamp", wsse.NSWSSE11 + ":SignatureConfirmation"} {
		out = append(out, "--id-attr:Id", el)
	}
	for _, l := range []string{"To", "Action", "MessageID", "ReplyTo"} {
		out = append(out, "--id-attr:Id", soap.NSWSA200408+":"+l)
	}
	return out
}

// TestXmlsec1VerifiesEngineMessages has xmlsec1 check the primary signature
// of whole messages the engine secures (HMAC with the request key, HMAC-SHA256,
// RSA-SHA1) and decrypt the Body the engine encrypted.
func TestXmlsec1VerifiesEngineMessages(t *testing.T) {
	pki := newTestPKI(t)
	ccfg, _ := pki.configs()
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: pki.client.Cert.Raw})
	tests := []struct {
		name   string
		policy Policy
	}{
		{"symmetric hmac-sha1", signOnlyPolicy()},
		{"symmetric hmac-sha256", func() Policy { p := signOnlyPolicy(); p.Suite = Basic128Sha256; return p }()},
		{"asymmetric rsa-sha1", func() Policy {
			p := MutualCertificate(WSS10, Basic256)
			p.EncryptedParts = Parts{}
			p.EncryptSignature = false
			return p
		}()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := echoRequest(t, "checked by xmlsec1")
			ex, err := SecureRequest(context.Background(), tt.policy, &ccfg, m)
			require.NoError(t, err)
			b, err := m.Bytes()
			require.NoError(t, err)
			doc := tempFile(t, "msg.xml", b)
			args := append([]string{"--verify"}, idArgs()...)
			if tt.policy.Binding == SymmetricBinding {
				args = append(args, "--hmackey", tempFile(t, "k.bin", ex.ex.key))
			} else {
				args = append(args, "--pubkey-cert-pem", tempFile(t, "c.pem", certPEM))
			}
			out, ok := xmlsec1(t, append(args, doc)...)
			require.True(t, ok, out)
			assert.Contains(t, out, "OK")
			// A changed Body must fail.
			bad := tempFile(t, "bad.xml", bytes.Replace(b, []byte("checked by xmlsec1"), []byte("checked by xmlsec2"), 1))
			out, ok = xmlsec1(t, append(args, bad)...)
			assert.False(t, ok, out)
		})
	}
	t.Run("body decryption", func(t *testing.T) {
		for _, suite := range []Suite{Basic256, Basic128, TripleDes} {
			p := AnonymousForCertificate(suite)
			p.EncryptSignature = false
			m := echoRequest(t, "secret for xmlsec1")
			ex, err := SecureRequest(context.Background(), p, &ccfg, m)
			require.NoError(t, err)
			b, err := m.Bytes()
			require.NoError(t, err)
			require.NotContains(t, string(b), "secret for xmlsec1")
			ed := childByTag(m.Body, "EncryptedData")
			require.NotNil(t, ed)
			keyOpt := "--aeskey"
			if suite == TripleDes {
				keyOpt = "--deskey"
			}
			out, ok := xmlsec1(t, "--decrypt", keyOpt, tempFile(t, "k.bin", ex.ex.key),
				"--id-attr:Id", xmlenc.NS+":EncryptedData", "--node-id", ed.SelectAttrValue("Id", ""), tempFile(t, "enc.xml", b))
			require.True(t, ok, out)
			assert.True(t, strings.Contains(out, "secret for xmlsec1"), out)
		}
	})
}
