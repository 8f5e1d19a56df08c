package spnego

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"testing"

	"github.com/jcmturner/gokrb5/v8/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestWrapVectors opens the known-answer tokens rfc4121.py made (see
// testdata/README.md) in every layout: Windows' RRC+EC rotation, RFC
// 4121's RRC rotation (found by the fallback) and none.
func TestWrapVectors(t *testing.T) {
	b, err := os.ReadFile("testdata/wrap_vectors.json")
	require.NoError(t, err)
	var vs []struct {
		Etype   int32
		Key     string
		Layout  string
		Payload string
		Token   string
	}
	require.NoError(t, json.Unmarshal(b, &vs))
	require.Len(t, vs, 12)
	for _, v := range vs {
		t.Run(v.Layout, func(t *testing.T) {
			key := types.EncryptionKey{KeyType: v.Etype, KeyValue: unhex(t, v.Key)}
			got, err := openWrap(unhex(t, v.Token), true, key, types.EncryptionKey{}, usageAcceptorSeal)
			require.NoError(t, err)
			assert.Equal(t, unhex(t, v.Payload), got)
		})
	}
}

func unhex(t testing.TB, s string) []byte {
	b, err := hex.DecodeString(s)
	require.NoError(t, err)
	return b
}

func testKey(etype int32, n int) types.EncryptionKey {
	return types.EncryptionKey{KeyType: etype, KeyValue: bytes.Repeat([]byte{7}, n)}
}

// TestWrapLayouts checks the header each style writes and that every one
// opens, for each AES enctype.
func TestWrapLayouts(t *testing.T) {
	for _, k := range []types.EncryptionKey{testKey(17, 16), testKey(18, 32), testKey(19, 16)} {
		et, err := aesEtype(k)
		require.NoError(t, err)
		h := et.GetHMACBitLength() / 8
		for _, c := range []struct {
			style   WrapStyle
			ec, rrc int
		}{{WrapWindows, 16, 16 + h}, {WrapRFC4121, 16, 16 + h}, {WrapUnrotated, 0, 0}} {
			for _, n := range []int{0, 1, 5, 16, 32, 100} {
				payload := bytes.Repeat([]byte{0xAB}, n)
				tok, err := sealWrap(k, usageAcceptorSeal, flagSentByAcceptor|flagAcceptorSubkey, 9, payload, c.style)
				require.NoError(t, err)
				assert.Equal(t, []byte{5, 4, 7, 0xFF, 0, byte(c.ec), 0, byte(c.rrc), 0, 0, 0, 0, 0, 0, 0, 9}, tok[:16])
				got, err := openWrap(tok, true, k, types.EncryptionKey{}, usageAcceptorSeal)
				require.NoError(t, err, "%d %s %d", k.KeyType, c.style, n)
				assert.Equal(t, payload, got)
			}
		}
	}
}

func TestWrapRefusesSHA384(t *testing.T) {
	_, err := sealWrap(testKey(20, 24), usageAcceptorSeal, flagSentByAcceptor, 1, []byte("k"), WrapWindows)
	assert.ErrorIs(t, err, ErrEtype)
}

// TestMIC round-trips a MIC token and refuses one from the wrong side or
// over other bytes.
func TestMIC(t *testing.T) {
	k := testKey(18, 32)
	msg := []byte("mech types")
	mic, err := makeMIC(k, usageAcceptorSign, flagSentByAcceptor|flagAcceptorSubkey, 3, msg)
	require.NoError(t, err)
	require.NoError(t, verifyMIC(mic, k, usageAcceptorSign, true, msg))
	assert.True(t, errors.Is(verifyMIC(mic, k, usageAcceptorSign, false, msg), ErrMIC))
	assert.True(t, errors.Is(verifyMIC(mic, k, usageAcceptorSign, true, []byte("other")), ErrMIC))
	assert.True(t, errors.Is(verifyMIC(mic[:20], k, usageAcceptorSign, true, msg), ErrMIC))
}

func TestRotate(t *testing.T) {
	b := []byte{1, 2, 3, 4, 5}
	assert.Equal(t, []byte{4, 5, 1, 2, 3}, rotateRight(b, 2))
	assert.Equal(t, []byte{4, 5, 1, 2, 3}, rotateRight(b, 7))
	assert.Equal(t, b, rotateLeft(rotateRight(b, 44), 44))
	assert.Empty(t, rotateRight(nil, 3))
}
