package xmlenc

// Cross-checks of the RSA-OAEP parameter variants that xmlsec1 1.2.37
// cannot process (an OAEP digest other than SHA-1, XML Encryption 1.1
// rsa-oaep with an MGF other than MGF1-SHA1, OAEPparams) against the
// openssl command line tool (Debian package openssl, part of the machine
// image), in both directions.

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func runOpenSSL(t *testing.T, args ...string) {
	t.Helper()
	p, err := exec.LookPath("openssl")
	if err != nil {
		t.Fatalf("openssl is not installed (%v): the RSA-OAEP cross-checks need it; install the Debian package openssl", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, p, args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("openssl %s: %v\n%s", strings.Join(args, " "), err, out.String())
	}
}

func TestOpenSSLOAEPVariants(t *testing.T) {
	priv := testKey(t)
	for _, tc := range []struct {
		alg, digest, mgf string
		label            []byte
		md, mgfMD        string // openssl names
	}{
		{RSAOAEPMGF1P, "", "", nil, "sha1", "sha1"},
		{RSAOAEPMGF1P, DigestSHA256, "", nil, "sha256", "sha1"},
		{RSAOAEPMGF1P, DigestSHA512, "", nil, "sha512", "sha1"},
		{RSAOAEPMGF1P, "", "", []byte("oaep params"), "sha1", "sha1"},
		{RSAOAEP, "", "", nil, "sha1", "sha1"},
		{RSAOAEP, DigestSHA256, MGF1SHA256, nil, "sha256", "sha256"},
		{RSAOAEP, DigestSHA256, MGF1SHA1, nil, "sha256", "sha1"},
		{RSAOAEP, DigestSHA1, MGF1SHA256, nil, "sha1", "sha256"},
		{RSAOAEP, DigestSHA384, MGF1SHA384, []byte{0, 1, 2}, "sha384", "sha384"},
		{RSAOAEP, DigestSHA224, MGF1SHA512, nil, "sha224", "sha512"},
	} {
		name := (keyTransport{alg: tc.alg, digest: tc.digest, mgf: tc.mgf}).name()
		if tc.label != nil {
			name += "+label"
		}
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			opts := []Option{WithDigestMethod(tc.digest), WithMGF(tc.mgf), WithOAEPParams(tc.label)}
			pk := []string{"-pkeyopt", "rsa_padding_mode:oaep", "-pkeyopt", "rsa_oaep_md:" + tc.md, "-pkeyopt", "rsa_mgf1_md:" + tc.mgfMD}
			if tc.label != nil {
				pk = append(pk, "-pkeyopt", "rsa_oaep_label:"+hex.EncodeToString(tc.label))
			}

			// We wrap, openssl unwraps.
			key := make([]byte, 32)
			rand.Read(key)
			w, err := WrapKey(tc.alg, &priv.PublicKey, key, nil, opts...)
			if err != nil {
				t.Fatal(err)
			}
			in := writeFile(t, dir, "wrapped.bin", w)
			out := filepath.Join(dir, "key.bin")
			runOpenSSL(t, append([]string{"pkeyutl", "-decrypt", "-inkey", "testdata/x509_key.pem", "-in", in, "-out", out}, pk...)...)
			got, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, key) {
				t.Fatal("openssl unwrapped a different key")
			}

			// openssl wraps, we unwrap.
			key2 := make([]byte, 24)
			rand.Read(key2)
			in2 := writeFile(t, dir, "key2.bin", key2)
			out2 := filepath.Join(dir, "wrapped2.bin")
			runOpenSSL(t, append([]string{"pkeyutl", "-encrypt", "-certin", "-inkey", "testdata/x509_cert.pem", "-in", in2, "-out", out2}, pk...)...)
			w2, err := os.ReadFile(out2)
			if err != nil {
				t.Fatal(err)
			}
			got2, err := UnwrapKey(tc.alg, priv, w2, len(key2), nil, opts...)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got2, key2) {
				t.Fatal("unwrapped a different key from openssl's EncryptedKey value")
			}
		})
	}
}
