package xmlenc

import (
	"bytes"
	"encoding/hex"
	"errors"
	"testing"
)

func unhex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestKeyWrapRFC3394 uses the test vectors of RFC 3394, section 4.
func TestKeyWrapRFC3394(t *testing.T) {
	for _, tc := range []struct {
		name, alg, kek, key, wrapped string
	}{
		{"4.1", KWAES128, "000102030405060708090A0B0C0D0E0F", "00112233445566778899AABBCCDDEEFF",
			"1FA68B0A8112B447AEF34BD8FB5A7B829D3E862371D2CFE5"},
		{"4.2", KWAES192, "000102030405060708090A0B0C0D0E0F1011121314151617", "00112233445566778899AABBCCDDEEFF",
			"96778B25AE6CA435F92B5B97C050AED2468AB8A17AD84E5D"},
		{"4.3", KWAES256, "000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F", "00112233445566778899AABBCCDDEEFF",
			"64E8C3F9CE0F5BA263E9777905818A2A93C8191E7D6E8AE7"},
		{"4.4", KWAES192, "000102030405060708090A0B0C0D0E0F1011121314151617", "00112233445566778899AABBCCDDEEFF0001020304050607",
			"031D33264E15D33268F24EC260743EDCE1C6C7DDEE725A936BA814915C6762D2"},
		{"4.5", KWAES256, "000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F", "00112233445566778899AABBCCDDEEFF0001020304050607",
			"A8F9BC1612C68B3FF6E6F4FBE30E71E4769C8B80A32CB8958CD5D17D6B254DA1"},
		{"4.6", KWAES256, "000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F", "00112233445566778899AABBCCDDEEFF000102030405060708090A0B0C0D0E0F",
			"28C9F404C4B810F4CBCCB35CFB87F8263F5786E2D80ED326CBC7F0E71A99F43BFB988B9B7A02DD21"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			kek, key, want := unhex(t, tc.kek), unhex(t, tc.key), unhex(t, tc.wrapped)
			got, err := WrapKeyAES(tc.alg, kek, key)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("wrap = %X, want %X", got, want)
			}
			back, err := UnwrapKeyAES(tc.alg, kek, want)
			if err != nil || !bytes.Equal(back, key) {
				t.Fatalf("unwrap = %X, %v", back, err)
			}
			for i := range want {
				bad := bytes.Clone(want)
				bad[i] ^= 0x80
				if k, err := UnwrapKeyAES(tc.alg, kek, bad); err != ErrDecrypt || k != nil {
					t.Fatalf("tampered byte %d: %X, %v", i, k, err)
				}
			}
		})
	}
}

func TestKeyWrapErrors(t *testing.T) {
	kek := make([]byte, 16)
	good, _ := WrapKeyAES(KWAES128, kek, make([]byte, 16))
	if _, err := WrapKeyAES(AES128CBC, kek, make([]byte, 16)); !errors.Is(err, ErrUnsupportedAlgorithm) {
		t.Error(err)
	}
	if _, err := UnwrapKeyAES("urn:x", kek, good); !errors.Is(err, ErrUnsupportedAlgorithm) {
		t.Error(err)
	}
	if _, err := WrapKeyAES(KWAES256, kek, make([]byte, 16)); !errors.Is(err, ErrKeySize) {
		t.Error(err)
	}
	if _, err := UnwrapKeyAES(KWAES192, kek, good); !errors.Is(err, ErrKeySize) {
		t.Error(err)
	}
	for _, n := range []int{0, 8, 15, 17, MaxSessionKeySize + 8} {
		if _, err := WrapKeyAES(KWAES128, kek, make([]byte, n)); !errors.Is(err, ErrKeySize) {
			t.Errorf("wrap %d bytes: %v", n, err)
		}
	}
	for _, in := range [][]byte{nil, good[:16], good[:23], append(bytes.Clone(good), 1), make([]byte, MaxSessionKeySize+16)} {
		if _, err := UnwrapKeyAES(KWAES128, kek, in); err != ErrDecrypt {
			t.Errorf("unwrap %d bytes: %v", len(in), err)
		}
	}
	if _, err := UnwrapKeyAES(KWAES128, bytes.Repeat([]byte{1}, 16), good); err != ErrDecrypt {
		t.Errorf("wrong KEK: %v", err)
	}
	if n, err := KeySize(KWAES192); n != 24 || err != nil {
		t.Errorf("KeySize(kw-aes192) = %d, %v", n, err)
	}
}
