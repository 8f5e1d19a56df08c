package dsig

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/beevik/etree"
	"github.com/stretchr/testify/require"
)

// Namespaces of the test envelopes.
const (
	nsSOAP12 = "http://www.w3.org/2003/05/soap-envelope"
	nsWSA    = "http://www.w3.org/2005/08/addressing"
)

// testHMACKey is the HMAC key of the generated test messages.
var testHMACKey = []byte("0123456789abcdef0123456789abcdef")

// envelope returns a SOAP 1.2 message with WS-Addressing headers, a
// Security header holding a Timestamp, and a Body whose payload has about
// bodySize bytes. IDs: Timestamp "_0", Body "_1", To "_2". Prefixes are
// WCF's (s, a, u, o).
func envelope(bodySize int) string {
	var payload strings.Builder
	for i := 0; payload.Len() < bodySize; i++ {
		fmt.Fprintf(&payload, "<Item n=\"%d\">value %d &amp; more</Item>", i, i)
	}
	return `<s:Envelope xmlns:s="` + nsSOAP12 + `" xmlns:a="` + nsWSA + `" xmlns:u="` + NSWSU + `">` +
		`<s:Header>` +
		`<a:Action s:mustUnderstand="1">http://tempuri.org/IPing/Echo</a:Action>` +
		`<a:MessageID>urn:uuid:abd7511b-95ad-4a9e-9647-1c07b9a11ef9</a:MessageID>` +
		`<a:To s:mustUnderstand="1" u:Id="_2">https://localhost/ping</a:To>` +
		`<o:Security s:mustUnderstand="1" xmlns:o="` + NSWSSE + `">` +
		`<u:Timestamp u:Id="_0"><u:Created>2024-02-14T02:07:04.784Z</u:Created><u:Expires>2024-02-14T02:12:04.784Z</u:Expires></u:Timestamp>` +
		`</o:Security>` +
		`</s:Header>` +
		`<s:Body u:Id="_1"><Echo xmlns="http://tempuri.org/">` + payload.String() + `</Echo></s:Body>` +
		`</s:Envelope>`
}

// msg is a parsed test message with its interesting elements.
type msg struct {
	doc                                 *etree.Document
	env, header, security, body, ts, to *etree.Element
}

func parseMsg(t testing.TB, s string) *msg {
	t.Helper()
	doc := etree.NewDocument()
	require.NoError(t, doc.ReadFromString(s))
	m := &msg{doc: doc, env: doc.Root()}
	m.header = child(m.env, "Header")
	m.body = child(m.env, "Body")
	m.security = child(m.header, "Security")
	m.to = child(m.header, "To")
	if m.security != nil {
		m.ts = child(m.security, "Timestamp")
	}
	return m
}

// child returns the first child element with the local name, or nil.
func child(e *etree.Element, local string) *etree.Element {
	if e == nil {
		return nil
	}
	for _, c := range e.ChildElements() {
		if c.Tag == local {
			return c
		}
	}
	return nil
}

// descendant returns the first descendant (or e itself) with the local
// name, or nil.
func descendant(e *etree.Element, local string) *etree.Element {
	if e == nil {
		return nil
	}
	if e.Tag == local {
		return e
	}
	for _, c := range e.ChildElements() {
		if d := descendant(c, local); d != nil {
			return d
		}
	}
	return nil
}

// refs returns the standard references of a message: Body, Timestamp, To.
func (m *msg) refs(digest string, prefixes ...[]string) []Reference {
	r := []Reference{
		{Element: m.body, ID: "_1", DigestMethod: digest},
		{Element: m.ts, ID: "_0", DigestMethod: digest},
		{Element: m.to, ID: "_2", DigestMethod: digest},
	}
	for i := range prefixes {
		r[i].InclusivePrefixes = prefixes[i]
	}
	return r
}

// signInto signs and appends the Signature to the Security header.
func (m *msg) signInto(t testing.TB, opts SignOptions) *Signature {
	t.Helper()
	if opts.Context == nil {
		opts.Context = m.security
	}
	s, err := Sign(opts)
	require.NoError(t, err)
	m.security.AddChild(s.Element)
	return s
}

// reparse serializes the message and parses it again, as a receiver does.
func (m *msg) reparse(t testing.TB) *msg {
	t.Helper()
	s, err := m.doc.WriteToString()
	require.NoError(t, err)
	return parseMsg(t, s)
}

func (m *msg) String() string {
	s, _ := m.doc.WriteToString()
	return s
}

// signature returns the ds:Signature of the Security header.
func (m *msg) signature() *etree.Element { return child(m.security, "Signature") }

// verify builds the ID index and verifies the message's signature.
func (m *msg) verify(opts VerifyOptions) (*Verified, error) {
	idx, err := NewIDIndex(m.env)
	if err != nil {
		return nil, err
	}
	return Verify(m.signature(), idx, opts)
}

// fixedKey is a key resolver returning key.
func fixedKey(key any) KeyResolverFunc {
	return func(*etree.Element, string) (any, error) { return key, nil }
}

func readFile(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return b
}

// testRSAKey returns the 2048-bit key of the WSS4J vectors.
func testRSAKey(t testing.TB) *rsa.PrivateKey {
	t.Helper()
	blk, _ := pem.Decode(readFile(t, "testdata/wss4j/x509_key.pem"))
	require.NotNil(t, blk)
	k, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
	require.NoError(t, err)
	return k.(*rsa.PrivateKey)
}

// testCert returns the certificate of testRSAKey.
func testCert(t testing.TB) *x509.Certificate {
	t.Helper()
	blk, _ := pem.Decode(readFile(t, "testdata/wss4j/x509_cert.pem"))
	require.NotNil(t, blk)
	c, err := x509.ParseCertificate(blk.Bytes)
	require.NoError(t, err)
	return c
}

func b64(t testing.TB, s string) []byte {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString(s)
	require.NoError(t, err)
	return b
}
