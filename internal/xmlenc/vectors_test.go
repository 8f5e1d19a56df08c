package xmlenc

import (
	"bytes"
	"encoding/json"
	"os"
	"testing"
)

// msgJSON holds the parts of the WSS4J msg_NN.json files the tests use.
type msgJSON struct {
	DerivedKeyTokens []struct {
		Purpose string `json:"purpose"`
		Key     string `json:"derived_key_b64"`
	} `json:"derived_key_tokens"`
	Encryption struct {
		Algorithm    string `json:"algorithm"`
		KeyTransport string `json:"key_transport"`
		SessionKey   string `json:"session_key_b64"`
	} `json:"encryption"`
	ExpectedBody          string `json:"expected_body_xml"`
	ExpectedTamperedBody  string `json:"expected_decrypted_body_xml"`
	DerivedFrom           string `json:"derived_from"`
	ExpectedResultComment string `json:"expected_result"`
}

func readMsg(t *testing.T, name string) (doc string, meta msgJSON) {
	t.Helper()
	x, err := os.ReadFile("testdata/" + name + ".xml")
	if err != nil {
		t.Fatal(err)
	}
	j, err := os.ReadFile("testdata/" + name + ".json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(j, &meta); err != nil {
		t.Fatal(err)
	}
	return string(x), meta
}

// checkDecryptedDocument replaces the Body EncryptedData of doc by plaintext
// and compares with the independently decrypted document in
// testdata/derived.
func checkDecryptedDocument(t *testing.T, name, doc string, plaintext []byte) {
	t.Helper()
	want, err := os.ReadFile("testdata/derived/" + name + "_decrypted.xml")
	if err != nil {
		t.Fatal(err)
	}
	loc := reEncryptedData.FindStringIndex(doc)
	got := doc[:loc[0]] + string(plaintext) + doc[loc[1]:]
	if got != string(want) {
		t.Fatalf("decrypted document differs from derived/%s_decrypted.xml", name)
	}
}

// TestWSS4JDerivedKeyMessages decrypts the Body of WSS4J messages encrypted
// under WS-SecureConversation derived keys.
func TestWSS4JDerivedKeyMessages(t *testing.T) {
	for _, tc := range []struct{ name, alg string }{
		{"msg_02", AES256CBC},
		{"msg_04", AES128CBC},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc, meta := readMsg(t, tc.name)
			var key []byte
			for _, dk := range meta.DerivedKeyTokens {
				if dk.Purpose == "encryption" {
					key = mustB64(t, dk.Key)
				}
			}
			bin, err := os.ReadFile("testdata/derived/" + tc.name + "_enc_derived_key.bin")
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(key, bin) {
				t.Fatal("JSON derived key differs from derived/*.bin")
			}
			alg, data := extract(t, doc, reEncryptedData)
			if alg != tc.alg || meta.Encryption.Algorithm != tc.alg {
				t.Fatalf("algorithm %s (json %s), want %s", alg, meta.Encryption.Algorithm, tc.alg)
			}
			pt, err := Decrypt(alg, key, data)
			if err != nil {
				t.Fatal(err)
			}
			if string(pt) != meta.ExpectedBody {
				t.Fatalf("Body = %q, want %q", pt, meta.ExpectedBody)
			}
			checkDecryptedDocument(t, tc.name, doc, pt)
			// With a wrong key the result is an error or other bytes.
			key[0] ^= 1
			if bad, err := Decrypt(alg, key, data); err == nil && string(bad) == meta.ExpectedBody {
				t.Fatal("wrong key decrypted to the expected Body")
			}
		})
	}
}

// TestWSS4JEncryptedKeyMessage unwraps the RSA-OAEP EncryptedKey of msg_05
// with x509_key.pem and decrypts the AES-128-CBC Body with it.
func TestWSS4JEncryptedKeyMessage(t *testing.T) {
	doc, meta := readMsg(t, "msg_05")
	priv := testKey(t)
	ekAlg, wrapped := extract(t, doc, reEncryptedKey)
	if ekAlg != RSAOAEPMGF1P {
		t.Fatalf("EncryptedKey algorithm %s", ekAlg)
	}
	alg, data := extract(t, doc, reEncryptedData)
	if alg != AES128CBC {
		t.Fatalf("EncryptedData algorithm %s", alg)
	}
	n, err := KeySize(alg)
	if err != nil {
		t.Fatal(err)
	}
	key, err := UnwrapKey(ekAlg, priv, wrapped, n, nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := mustB64(t, meta.Encryption.SessionKey); !bytes.Equal(key, want) {
		t.Fatalf("session key %x, want %x", key, want)
	}
	pt, err := Decrypt(alg, key, data)
	if err != nil {
		t.Fatal(err)
	}
	if string(pt) != meta.ExpectedBody {
		t.Fatalf("Body = %q", pt)
	}
	checkDecryptedDocument(t, "msg_05", doc, pt)

	// Unwrapping with the wrong expected length yields a random key (no
	// error), which then fails to decrypt or yields garbage.
	k2, err := UnwrapKey(ekAlg, priv, wrapped, 32, nil)
	if err != nil || len(k2) != 32 || bytes.Contains(k2, key) {
		t.Fatalf("wrong-length unwrap: %x, %v", k2, err)
	}
}

// TestWSS4JTamperedIV decrypts msg_05_tampered, whose Body CipherValue has
// one IV bit flipped. CBC decryption cannot notice: it succeeds and yields a
// Body with one changed byte. Only the signature over the Body (checked by
// the wssecurity layer) detects this, which is why XML Encryption in CBC
// mode must be combined with a signature over the ciphertext or the
// decrypted content.
func TestWSS4JTamperedIV(t *testing.T) {
	doc, tmeta := readMsg(t, "msg_05_tampered")
	orig, meta := readMsg(t, "msg_05")
	_, wrapped := extract(t, doc, reEncryptedKey)
	_, data := extract(t, doc, reEncryptedData)
	_, origData := extract(t, orig, reEncryptedData)
	if bytes.Equal(data, origData) || !bytes.Equal(data[16:], origData[16:]) {
		t.Fatal("tampered vector should differ from msg_05 in the IV only")
	}
	key, err := UnwrapKey(RSAOAEPMGF1P, testKey(t), wrapped, 16, nil)
	if err != nil {
		t.Fatal(err)
	}
	pt, err := Decrypt(AES128CBC, key, data)
	if err == nil && string(pt) == meta.ExpectedBody {
		t.Fatal("tampered message decrypted to the original Body")
	}
	if err != nil {
		t.Fatalf("expected CBC to decrypt the tampered IV (malleability), got %v", err)
	}
	if string(pt) != tmeta.ExpectedTamperedBody {
		t.Fatalf("tampered Body = %q, want %q", pt, tmeta.ExpectedTamperedBody)
	}
}
