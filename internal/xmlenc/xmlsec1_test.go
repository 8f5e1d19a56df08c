package xmlenc

// Cross-checks against xmlsec1 (Debian package xmlsec1, OpenSSL backend):
// documents encrypted here are decrypted by xmlsec1 and vice versa. The
// XML is built from a test-only template; the real EncryptedData and
// EncryptedKey elements belong to the wssecurity package.

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// xmlsec1Path returns the xmlsec1 binary. Its absence fails the test: the
// interoperability checks are part of the suite, not optional extras.
func xmlsec1Path(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("xmlsec1")
	if err != nil {
		t.Fatalf("xmlsec1 is not installed (%v): the XML Encryption interop cross-checks need it; "+
			"install the Debian package with `apt-get install -y xmlsec1` (the CI script does)", err)
	}
	return p
}

func runXmlsec1(t *testing.T, args ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, xmlsec1Path(t), args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("xmlsec1 %s: %v\n%s", strings.Join(args, " "), err, out.String())
	}
}

func writeFile(t *testing.T, dir, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// keyTransport describes an EncryptedKey for the template.
type keyTransport struct {
	alg, digest, mgf string
	kek              bool // symmetric key wrap (kw-aes*) instead of RSA
}

func (k keyTransport) options() []Option {
	return []Option{WithDigestMethod(k.digest), WithMGF(k.mgf), AllowRSA15()}
}

func (k keyTransport) name() string {
	s := k.alg[strings.IndexByte(k.alg, '#')+1:]
	if k.digest != "" {
		s += "+" + k.digest[strings.IndexByte(k.digest, '#')+1:]
	}
	if k.mgf != "" {
		s += "+" + k.mgf[strings.IndexByte(k.mgf, '#')+1:]
	}
	return s
}

// template returns an xenc:EncryptedData document (no Type: binary data)
// with the given CipherValues; empty values make an xmlsec1 --encrypt
// template. ek is nil for a bare EncryptedData whose key xmlsec1 is given
// directly.
func template(alg string, data []byte, ek *keyTransport, wrapped []byte) []byte {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0"?>` + "\n")
	b.WriteString(`<xenc:EncryptedData xmlns:xenc="` + NS + `" xmlns:ds="` + NSDSig + `" xmlns:xenc11="` + NS11 + `">`)
	fmt.Fprintf(&b, `<xenc:EncryptionMethod Algorithm="%s"/>`, alg)
	if ek != nil {
		b.WriteString(`<ds:KeyInfo><xenc:EncryptedKey>`)
		fmt.Fprintf(&b, `<xenc:EncryptionMethod Algorithm="%s">`, ek.alg)
		if ek.digest != "" {
			fmt.Fprintf(&b, `<ds:DigestMethod Algorithm="%s"/>`, ek.digest)
		}
		if ek.mgf != "" {
			fmt.Fprintf(&b, `<xenc11:MGF Algorithm="%s"/>`, ek.mgf)
		}
		b.WriteString(`</xenc:EncryptionMethod>`)
		fmt.Fprintf(&b, `<xenc:CipherData><xenc:CipherValue>%s</xenc:CipherValue></xenc:CipherData>`, base64.StdEncoding.EncodeToString(wrapped))
		b.WriteString(`</xenc:EncryptedKey></ds:KeyInfo>`)
	}
	fmt.Fprintf(&b, `<xenc:CipherData><xenc:CipherValue>%s</xenc:CipherValue></xenc:CipherData>`, base64.StdEncoding.EncodeToString(data))
	b.WriteString("</xenc:EncryptedData>\n")
	return []byte(b.String())
}

func keyFlag(alg string) string {
	if alg == TripleDESCBC {
		return "--deskey"
	}
	return "--aeskey"
}

// sessionKeySpec is xmlsec1's --session-key name for a block algorithm.
func sessionKeySpec(t *testing.T, alg string) string {
	n, err := KeySize(alg)
	if err != nil {
		t.Fatal(err)
	}
	if alg == TripleDESCBC {
		return "des-192"
	}
	return fmt.Sprintf("aes-%d", n*8)
}

// rsaTransports are the RSA key transports cross-checked with xmlsec1.
// xmlsec1 1.2.37 (Debian 12) knows rsa-oaep-mgf1p only with the SHA-1
// digest and not the XML Encryption 1.1 rsa-oaep at all ("digest algorithm
// ... is not supported for rsa/oaep"); those variants are cross-checked
// with openssl pkeyutl in openssl_test.go.
var rsaTransports = []keyTransport{
	{alg: RSAOAEPMGF1P},
	{alg: RSAOAEPMGF1P, digest: DigestSHA1},
	{alg: RSA15},
}

var kwTransports = []keyTransport{
	{alg: KWAES128, kek: true},
	{alg: KWAES192, kek: true},
	{alg: KWAES256, kek: true},
}

// TestXmlsec1DecryptsOurs: we encrypt, xmlsec1 --decrypt with the key.
func TestXmlsec1DecryptsOurs(t *testing.T) {
	xmlsec1Path(t)
	for _, a := range blockAlgs {
		for _, n := range []int{1, 15, 16, 17, 1000} {
			t.Run(fmt.Sprintf("%s/%d", a.alg[strings.IndexByte(a.alg, '#')+1:], n), func(t *testing.T) {
				dir := t.TempDir()
				key := make([]byte, a.keySize)
				rand.Read(key)
				pt := make([]byte, n)
				rand.Read(pt)
				ct, err := Encrypt(a.alg, key, pt, nil)
				if err != nil {
					t.Fatal(err)
				}
				kf := writeFile(t, dir, "key.bin", key)
				doc := writeFile(t, dir, "enc.xml", template(a.alg, ct, nil, nil))
				out := filepath.Join(dir, "out.bin")
				runXmlsec1(t, "--decrypt", keyFlag(a.alg), kf, "--output", out, doc)
				got, err := os.ReadFile(out)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(got, pt) {
					t.Fatalf("xmlsec1 decrypted %d bytes, differing from our %d-byte plaintext", len(got), len(pt))
				}
			})
		}
	}
}

// TestOursDecryptsXmlsec1: xmlsec1 --encrypt with the key, we decrypt.
func TestOursDecryptsXmlsec1(t *testing.T) {
	xmlsec1Path(t)
	for _, a := range blockAlgs {
		for _, n := range []int{1, 15, 16, 17, 1000} {
			t.Run(fmt.Sprintf("%s/%d", a.alg[strings.IndexByte(a.alg, '#')+1:], n), func(t *testing.T) {
				dir := t.TempDir()
				key := make([]byte, a.keySize)
				rand.Read(key)
				pt := make([]byte, n)
				rand.Read(pt)
				kf := writeFile(t, dir, "key.bin", key)
				pf := writeFile(t, dir, "plain.bin", pt)
				tmpl := writeFile(t, dir, "tmpl.xml", template(a.alg, nil, nil, nil))
				out := filepath.Join(dir, "out.xml")
				runXmlsec1(t, "--encrypt", keyFlag(a.alg), kf, "--binary-data", pf, "--output", out, tmpl)
				doc, err := os.ReadFile(out)
				if err != nil {
					t.Fatal(err)
				}
				alg, data := extract(t, string(doc), reEncryptedData)
				if alg != a.alg {
					t.Fatalf("algorithm %s", alg)
				}
				got, err := Decrypt(alg, key, data)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(got, pt) {
					t.Fatal("plaintext differs")
				}
			})
		}
	}
}

// keyTransportCases pairs each key transport with a few data algorithms.
func keyTransportCases() (cases []struct {
	kt   keyTransport
	data string
}) {
	for _, kt := range append(append([]keyTransport(nil), rsaTransports...), kwTransports...) {
		for _, d := range []string{AES128CBC, AES256GCM, TripleDESCBC} {
			cases = append(cases, struct {
				kt   keyTransport
				data string
			}{kt, d})
		}
	}
	return cases
}

// TestXmlsec1DecryptsOurEncryptedKey: we wrap a session key (RSA with the
// public key of testdata/x509_key.pem, or AES key wrap under a KEK) and
// encrypt; xmlsec1 unwraps with --privkey-pem / --aeskey and decrypts.
func TestXmlsec1DecryptsOurEncryptedKey(t *testing.T) {
	xmlsec1Path(t)
	priv := testKey(t)
	for _, tc := range keyTransportCases() {
		t.Run(tc.kt.name()+"/"+tc.data[strings.IndexByte(tc.data, '#')+1:], func(t *testing.T) {
			dir := t.TempDir()
			n, _ := KeySize(tc.data)
			key := make([]byte, n)
			rand.Read(key)
			pt := []byte("<Ping xmlns=\"http://example.org/ping\"><Text>hello</Text></Ping>")
			ct, err := Encrypt(tc.data, key, pt, nil)
			if err != nil {
				t.Fatal(err)
			}
			var wrapped []byte
			var keyArgs []string
			if tc.kt.kek {
				kekLen, _ := KeySize(tc.kt.alg)
				kek := make([]byte, kekLen)
				rand.Read(kek)
				if wrapped, err = WrapKeyAES(tc.kt.alg, kek, key); err != nil {
					t.Fatal(err)
				}
				keyArgs = []string{"--aeskey", writeFile(t, dir, "kek.bin", kek)}
			} else {
				if wrapped, err = WrapKey(tc.kt.alg, &priv.PublicKey, key, nil, tc.kt.options()...); err != nil {
					t.Fatal(err)
				}
				keyArgs = []string{"--privkey-pem", "testdata/x509_key.pem"}
			}
			doc := writeFile(t, dir, "enc.xml", template(tc.data, ct, &tc.kt, wrapped))
			out := filepath.Join(dir, "out.bin")
			runXmlsec1(t, append(append([]string{"--decrypt"}, keyArgs...), "--output", out, doc)...)
			got, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, pt) {
				t.Fatalf("xmlsec1 decrypted %q", got)
			}
		})
	}
}

// TestOursDecryptsXmlsec1EncryptedKey: xmlsec1 --encrypt --session-key
// wraps a fresh session key to the certificate (or under a KEK); we unwrap
// it and decrypt.
func TestOursDecryptsXmlsec1EncryptedKey(t *testing.T) {
	xmlsec1Path(t)
	priv := testKey(t)
	for _, tc := range keyTransportCases() {
		t.Run(tc.kt.name()+"/"+tc.data[strings.IndexByte(tc.data, '#')+1:], func(t *testing.T) {
			dir := t.TempDir()
			pt := make([]byte, 777)
			rand.Read(pt)
			pf := writeFile(t, dir, "plain.bin", pt)
			tmpl := writeFile(t, dir, "tmpl.xml", template(tc.data, nil, &tc.kt, nil))
			var kek, keyArgs = []byte(nil), []string{"--pubkey-cert-pem", "testdata/x509_cert.pem"}
			if tc.kt.kek {
				kekLen, _ := KeySize(tc.kt.alg)
				kek = make([]byte, kekLen)
				rand.Read(kek)
				keyArgs = []string{"--aeskey", writeFile(t, dir, "kek.bin", kek)}
			}
			out := filepath.Join(dir, "out.xml")
			runXmlsec1(t, append(append([]string{"--encrypt", "--session-key", sessionKeySpec(t, tc.data)}, keyArgs...),
				"--binary-data", pf, "--output", out, tmpl)...)
			raw, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			doc := string(raw)
			ekAlg, wrapped := extract(t, doc, reEncryptedKey)
			alg, data := extract(t, doc, reEncryptedData)
			if ekAlg != tc.kt.alg || alg != tc.data {
				t.Fatalf("algorithms %s / %s", ekAlg, alg)
			}
			n, _ := KeySize(alg)
			var key []byte
			if tc.kt.kek {
				key, err = UnwrapKeyAES(ekAlg, kek, wrapped)
			} else {
				key, err = UnwrapKey(ekAlg, priv, wrapped, n, nil, tc.kt.options()...)
			}
			if err != nil {
				t.Fatal(err)
			}
			got, err := Decrypt(alg, key, data)
			if err != nil {
				t.Fatalf("decrypting xmlsec1's data with the unwrapped key: %v", err)
			}
			if !bytes.Equal(got, pt) {
				t.Fatal("plaintext differs")
			}
		})
	}
}

// TestXmlsec1RejectsTamperedGCM: a GCM tag we produce is the one xmlsec1
// checks (a flipped tag bit makes xmlsec1 fail too).
func TestXmlsec1RejectsTamperedGCM(t *testing.T) {
	path := xmlsec1Path(t)
	dir := t.TempDir()
	key := make([]byte, 16)
	rand.Read(key)
	ct, err := Encrypt(AES128GCM, key, []byte("authenticated content"), nil)
	if err != nil {
		t.Fatal(err)
	}
	ct[len(ct)-1] ^= 1
	kf := writeFile(t, dir, "key.bin", key)
	doc := writeFile(t, dir, "enc.xml", template(AES128GCM, ct, nil, nil))
	cmd := exec.Command(path, "--decrypt", "--aeskey", kf, "--output", filepath.Join(dir, "out.bin"), doc)
	if out, err := cmd.CombinedOutput(); err == nil {
		t.Fatalf("xmlsec1 accepted a tampered GCM tag:\n%s", out)
	}
}
