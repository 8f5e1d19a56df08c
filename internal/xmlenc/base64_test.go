package xmlenc

import (
	"encoding/base64"
	"errors"
	"strings"
	"testing"

	"github.com/beevik/etree"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestDecodeBase64 checks decodeBase64 against decoding the text, white
// space removed, in one piece: the same bytes or a failure, also where
// padding or bad characters meet the boundaries of its internal buffer.
func TestDecodeBase64(t *testing.T) {
	long := base64.StdEncoding.EncodeToString([]byte(strings.Repeat("0123456789abcdef", 400))) // 8536 characters
	cases := map[string]string{
		"empty":                       "",
		"short":                       "QUJD",
		"padded":                      "QQ==",
		"long":                        long,
		"long with white space":       long[:100] + "\n " + long[100:2000] + "\t" + long[2000:],
		"padding at a boundary":       long[:2044] + "QQ==" + long[2048:],
		"padding before a boundary":   long[:2040] + "QQ==" + long[2044:],
		"padding after a boundary":    long[:2048] + "QQ==" + long[2052:],
		"bad character at the end":    long[:len(long)-1] + "*",
		"bad character at a boundary": long[:2047] + "*" + long[2048:],
		"truncated":                   long[:len(long)-1],
		"truncated at a boundary":     long[:2049],
	}
	for name, text := range cases {
		t.Run(name, func(t *testing.T) {
			el := etree.NewElement("v")
			el.SetText(text)
			bad := errors.New("bad")
			got, err := decodeBase64(el, 1<<20, bad)
			want, werr := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(text), ""))
			if werr != nil {
				require.ErrorIs(t, err, bad)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, want, got)
			if len(want) > 0 {
				_, err = decodeBase64(el, len(want)-1, bad)
				require.ErrorIs(t, err, ErrTooLarge)
			}
		})
	}
}
