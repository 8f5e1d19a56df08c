package spnego

import (
	"fmt"
	"io"

	"github.com/jcmturner/gokrb5/v8/crypto"
	"github.com/jcmturner/gokrb5/v8/crypto/etype"
	"github.com/jcmturner/gokrb5/v8/iana/etypeID"
	"github.com/jcmturner/gokrb5/v8/types"
)

// aesEtype returns the RFC 3961 profile of an AES enctype (the only ones
// whose keys may protect wrap tokens here), checking the key's length.
// aes256-cts-hmac-sha384-192 is left out: gokrb5 sizes its keys 24 bytes,
// RFC 8009 32.
func aesEtype(key types.EncryptionKey) (etype.EType, error) {
	switch key.KeyType {
	case etypeID.AES128_CTS_HMAC_SHA1_96, etypeID.AES256_CTS_HMAC_SHA1_96,
		etypeID.AES128_CTS_HMAC_SHA256_128:
	default:
		return nil, fmt.Errorf("%w: %d (only AES enctypes protect wrap tokens)", ErrEtype, key.KeyType)
	}
	return anyEtype(key)
}

// anyEtype returns the profile of a key's enctype, checking its length.
func anyEtype(key types.EncryptionKey) (etype.EType, error) {
	et, err := crypto.GetEtype(key.KeyType)
	if err != nil {
		return nil, fmt.Errorf("%w: %d", ErrEtype, key.KeyType)
	}
	if len(key.KeyValue) != et.GetKeyByteSize() {
		return nil, fmt.Errorf("%w: key of %d bytes for enctype %d", ErrMalformed, len(key.KeyValue), key.KeyType)
	}
	return et, nil
}

// decrypt decrypts and integrity-checks an RFC 3961 ciphertext, refusing
// one too short to hold a confounder and a checksum (gokrb5 would index
// out of range).
func decrypt(key types.EncryptionKey, ct []byte, usage uint32) ([]byte, error) {
	et, err := anyEtype(key)
	if err != nil {
		return nil, err
	}
	if len(ct) < et.GetConfounderByteSize()+et.GetHMACBitLength()/8 {
		return nil, fmt.Errorf("%w: ciphertext of %d bytes", ErrMalformed, len(ct))
	}
	pt, err := et.DecryptMessage(key.KeyValue, ct, usage)
	if err != nil {
		return nil, fmt.Errorf("%w (key usage %d)", ErrIntegrity, usage)
	}
	return pt, nil
}

// encrypt is the RFC 3961 encryption of pt (gokrb5 draws the confounder
// from crypto/rand).
func encrypt(key types.EncryptionKey, pt []byte, usage uint32) ([]byte, error) {
	et, err := anyEtype(key)
	if err != nil {
		return nil, err
	}
	_, ct, err := et.EncryptMessage(key.KeyValue, pt, usage)
	if err != nil {
		return nil, fmt.Errorf("spnego: encrypting: %w", err)
	}
	return ct, nil
}

// newKey draws a random key of enctype et from r.
func newKey(r io.Reader, et etype.EType) (types.EncryptionKey, error) {
	b := make([]byte, et.GetKeyByteSize())
	if _, err := io.ReadFull(r, b); err != nil {
		return types.EncryptionKey{}, fmt.Errorf("spnego: random key: %w", err)
	}
	return types.EncryptionKey{KeyType: et.GetETypeID(), KeyValue: b}, nil
}

// newSeq draws a non-zero initial sequence number below 2^30 (as MIT and
// gokrb5 do, so no peer mis-reads it as negative).
func newSeq(r io.Reader) (int64, error) {
	var b [4]byte
	for {
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return 0, fmt.Errorf("spnego: random sequence number: %w", err)
		}
		if s := int64(uint32(b[0])<<24|uint32(b[1])<<16|uint32(b[2])<<8|uint32(b[3])) & 0x3fffffff; s != 0 {
			return s, nil
		}
	}
}
