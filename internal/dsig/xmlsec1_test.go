package dsig

// Cross-checks against xmlsec1 (Debian package xmlsec1, OpenSSL backend):
// signatures made here verify with xmlsec1 --verify, and signatures
// xmlsec1 --sign makes from a template verify here.

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/beevik/etree"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// xmlsec1Path returns the xmlsec1 binary. Its absence fails the test: the
// interoperability checks are part of the suite, not optional extras.
func xmlsec1Path(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("xmlsec1")
	if err != nil {
		t.Fatalf("xmlsec1 is not installed (%v): the XML Signature interop cross-checks need it; "+
			"install the Debian package with `apt-get install -y xmlsec1` (the CI script does)", err)
	}
	return p
}

// runXmlsec1 runs xmlsec1 and returns its combined output and whether it
// exited with status 0.
func runXmlsec1(t *testing.T, args ...string) (string, bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, xmlsec1Path(t), args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	if _, exit := err.(*exec.ExitError); err != nil && !exit {
		t.Fatalf("running xmlsec1: %v", err)
	}
	return out.String(), err == nil
}

// idAttrArgs declares the ID attributes of the test envelope to xmlsec1
// (it matches Id by local name, so this covers wsu:Id).
func idAttrArgs() []string {
	return []string{
		"--id-attr:Id", nsSOAP12 + ":Body",
		"--id-attr:Id", NSWSU + ":Timestamp",
		"--id-attr:Id", nsWSA + ":To",
	}
}

func writeTemp(t *testing.T, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(p, data, 0o600))
	return p
}

// keyArgs returns the xmlsec1 options that load the verification (or
// signing) key of a method.
func keyArgs(t *testing.T, method string, sign bool) []string {
	if strings.Contains(method, "hmac") {
		return []string{"--hmackey", writeTemp(t, "hmac.bin", testHMACKey)}
	}
	if sign {
		return []string{"--privkey-pem", "testdata/wss4j/x509_key.pem,testdata/wss4j/x509_cert.pem"}
	}
	return []string{"--pubkey-cert-pem", "testdata/wss4j/x509_cert.pem"}
}

func TestXmlsec1VerifiesOurSignatures(t *testing.T) {
	k := testRSAKey(t)
	cases := []struct {
		name, method, digest string
		key                  any
		wss4jPrefixes        bool
	}{
		{"rsa-sha1", AlgRSASHA1, AlgSHA1, k, false},
		{"rsa-sha1 prefixlists", AlgRSASHA1, AlgSHA1, k, true},
		{"rsa-sha256", AlgRSASHA256, AlgSHA256, k, false},
		{"rsa-sha256 prefixlists", AlgRSASHA256, AlgSHA256, k, true},
		{"hmac-sha1", AlgHMACSHA1, AlgSHA1, testHMACKey, false},
		{"hmac-sha1 prefixlists", AlgHMACSHA1, AlgSHA1, testHMACKey, true},
		{"hmac-sha256", AlgHMACSHA256, AlgSHA256, testHMACKey, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := parseMsg(t, envelope(2000))
			opts := SignOptions{
				References:      m.refs(c.digest),
				SignatureMethod: c.method,
				Key:             c.key,
				ID:              "SIG-1",
				KeyInfo: NewKeyInfo(addElem(t, etree.NewElement("x"),
					`<o:SecurityTokenReference><o:Reference URI="#X509-1"/></o:SecurityTokenReference>`)),
			}
			if c.wss4jPrefixes {
				opts.InclusivePrefixes = []string{"s", "a", "u"}
				opts.References = m.refs(c.digest, []string{"a", "u"}, []string{"o", "s", "a"}, []string{"s"})
			}
			m.signInto(t, opts)
			doc := writeTemp(t, "signed.xml", []byte(m.String()))
			args := append([]string{"--verify"}, keyArgs(t, c.method, false)...)
			args = append(args, idAttrArgs()...)
			out, ok := runXmlsec1(t, append(args, doc)...)
			require.True(t, ok, "xmlsec1 refused our signature:\n%s\n%s", out, m)
			assert.Contains(t, out, "SignedInfo References (ok/all): 3/3")

			// Negative control: xmlsec1 notices a changed Body.
			bad := strings.Replace(m.String(), "value 1 ", "value 7 ", 1)
			require.NotEqual(t, m.String(), bad)
			out, ok = runXmlsec1(t, append(args, writeTemp(t, "bad.xml", []byte(bad)))...)
			require.False(t, ok, "xmlsec1 accepted a tampered message:\n%s", out)
		})
	}
}

// template is a SOAP 1.2 message with an xmlsec1 signature template in its
// Security header.
func xmlsecTemplate(method, digest string, prefixLists bool) string {
	siIncl, incl := "", [3]string{}
	if prefixLists {
		siIncl = `<ec:InclusiveNamespaces xmlns:ec="` + NSExcC14N + `" PrefixList="s a u"/>`
		for i, l := range []string{"a u", "o s a", "s"} {
			incl[i] = `<ec:InclusiveNamespaces xmlns:ec="` + NSExcC14N + `" PrefixList="` + l + `"/>`
		}
	}
	ref := func(uri, incl string) string {
		return `<ds:Reference URI="` + uri + `"><ds:Transforms><ds:Transform Algorithm="` + AlgExcC14N + `">` + incl +
			`</ds:Transform></ds:Transforms><ds:DigestMethod Algorithm="` + digest + `"/><ds:DigestValue/></ds:Reference>`
	}
	sig := `<ds:Signature xmlns:ds="` + NSDS + `" Id="SIG-x">` +
		"\n<ds:SignedInfo>\n" +
		`<ds:CanonicalizationMethod Algorithm="` + AlgExcC14N + `">` + siIncl + `</ds:CanonicalizationMethod>` + "\n" +
		`<ds:SignatureMethod Algorithm="` + method + `"/>` + "\n" +
		ref("#_1", incl[0]) + "\n" + ref("#_0", incl[1]) + "\n" + ref("#_2", incl[2]) + "\n" +
		"</ds:SignedInfo>\n<ds:SignatureValue/>\n" +
		`<ds:KeyInfo><o:SecurityTokenReference><o:Reference URI="#X509-1"/></o:SecurityTokenReference></ds:KeyInfo>` +
		"</ds:Signature>"
	return strings.Replace(envelope(2000), "</o:Security>", sig+"</o:Security>", 1)
}

func TestXmlsec1SignaturesVerifyHere(t *testing.T) {
	k := testRSAKey(t)
	cases := []struct {
		name, method, digest string
		key                  any
		prefixLists          bool
	}{
		{"rsa-sha1", AlgRSASHA1, AlgSHA1, &k.PublicKey, false},
		{"rsa-sha256 prefixlists", AlgRSASHA256, AlgSHA256, &k.PublicKey, true},
		{"hmac-sha1", AlgHMACSHA1, AlgSHA1, testHMACKey, false},
		{"hmac-sha256 prefixlists", AlgHMACSHA256, AlgSHA256, testHMACKey, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tmpl := writeTemp(t, "template.xml", []byte(xmlsecTemplate(c.method, c.digest, c.prefixLists)))
			outFile := filepath.Join(t.TempDir(), "signed.xml")
			args := append([]string{"--sign", "--output", outFile}, keyArgs(t, c.method, true)...)
			args = append(args, idAttrArgs()...)
			out, ok := runXmlsec1(t, append(args, tmpl)...)
			require.True(t, ok, "xmlsec1 --sign failed:\n%s", out)
			signed := string(readFile(t, outFile))

			m := parseMsg(t, signed)
			v, err := m.verify(VerifyOptions{KeyResolver: fixedKey(c.key)})
			require.NoError(t, err, "%s", signed)
			assertSigned(t, v, m.body, m.ts, m.to)
			assert.Equal(t, c.method, v.SignatureMethod)

			// And xmlsec1's signature fails here once the Body changes.
			bad := parseMsg(t, strings.Replace(signed, "value 1 ", "value 7 ", 1))
			_, err = bad.verify(VerifyOptions{KeyResolver: fixedKey(c.key)})
			require.ErrorIs(t, err, ErrInvalidSignature)
		})
	}
}
