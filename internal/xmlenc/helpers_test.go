package xmlenc

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"os"
	"regexp"
	"strings"
	"testing"
)

// blockAlgs lists every block encryption algorithm with its key size.
var blockAlgs = []struct {
	alg     string
	keySize int
	deskey  bool // xmlsec1 takes the key with --deskey instead of --aeskey
}{
	{AES128CBC, 16, false},
	{AES192CBC, 24, false},
	{AES256CBC, 32, false},
	{TripleDESCBC, 24, true},
	{AES128GCM, 16, false},
	{AES192GCM, 24, false},
	{AES256GCM, 32, false},
}

func isGCM(alg string) bool { return strings.HasSuffix(alg, "-gcm") }

func mustB64(t testing.TB, s string) []byte {
	t.Helper()
	s = strings.Join(strings.Fields(s), "")
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		t.Fatalf("bad base64: %v", err)
	}
	return b
}

// testKey returns the 2048-bit RSA key of the WSS4J vectors
// (testdata/x509_key.pem, unencrypted PKCS#8).
func testKey(t testing.TB) *rsa.PrivateKey {
	t.Helper()
	raw, err := os.ReadFile("testdata/x509_key.pem")
	if err != nil {
		t.Fatal(err)
	}
	blk, _ := pem.Decode(raw)
	if blk == nil {
		t.Fatal("no PEM block in x509_key.pem")
	}
	k, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return k.(*rsa.PrivateKey)
}

var (
	reEncryptedData = regexp.MustCompile(`(?s)<xenc:EncryptedData\b.*?</xenc:EncryptedData>`)
	reEncryptedKey  = regexp.MustCompile(`(?s)<xenc:EncryptedKey\b.*?</xenc:EncryptedKey>`)
	reCipherValue   = regexp.MustCompile(`<xenc:CipherValue>([^<]*)</xenc:CipherValue>`)
	reAlgorithm     = regexp.MustCompile(`<xenc:EncryptionMethod Algorithm="([^"]+)"`)
)

// extract returns the EncryptionMethod Algorithm and decoded CipherValue of
// the first element matching re in the file (test-only, tiny regexps: the
// WSS4J messages are compact and use the xenc prefix).
func extract(t testing.TB, doc string, re *regexp.Regexp) (alg string, value []byte) {
	t.Helper()
	el := re.FindString(doc)
	if el == "" {
		t.Fatalf("no %v in document", re)
	}
	if el2 := reEncryptedKey.FindString(el); re == reEncryptedData && el2 != "" {
		el = strings.Replace(el, el2, "", 1) // skip an EncryptedKey nested in KeyInfo
	}
	am := reAlgorithm.FindStringSubmatch(el)
	cm := reCipherValue.FindStringSubmatch(el)
	if am == nil || cm == nil {
		t.Fatalf("no EncryptionMethod or CipherValue in %.80s...", el)
	}
	return am[1], mustB64(t, cm[1])
}
