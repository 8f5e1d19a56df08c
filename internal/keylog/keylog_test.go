package keylog

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestRoundTrip(t *testing.T) {
	var b bytes.Buffer
	in := []Entry{
		{ContextID: "urn:uuid:0b3a5a1c-1111-2222-3333-444455556666", Key: []byte{1, 2, 3, 0xff}},
		{ContextID: "urn:uuid:0b3a5a1c-1111-2222-3333-444455556666", Generation: "urn:uuid:aa", Key: []byte{9}},
		{ContextID: "uuid:not-a-valid-uuid-a41cd200000000", Key: bytes.Repeat([]byte{7}, 32)},
	}
	for _, e := range in {
		require.NoError(t, Write(&b, e))
	}
	require.Equal(t, "SCT_KEY urn:uuid:0b3a5a1c-1111-2222-3333-444455556666 - 010203ff\n", strings.SplitAfter(b.String(), "\n")[0])
	out, err := Read(strings.NewReader("# comment\n\nCLIENT_RANDOM x y\n" + b.String()))
	require.NoError(t, err)
	require.Equal(t, in, out)
	k, ok := Find(out, in[1].ContextID, "urn:uuid:aa")
	require.True(t, ok)
	require.Equal(t, []byte{9}, k)
	_, ok = Find(out, "urn:uuid:missing", "")
	require.False(t, ok)
}

func TestReadErrors(t *testing.T) {
	for name, in := range map[string]string{
		"fields":  "SCT_KEY a b\n",
		"hex":     "SCT_KEY a - zz\n",
		"empty":   "SCT_KEY a - \n",
		"toolong": "SCT_KEY a - " + strings.Repeat("00", maxLine) + "\n",
	} {
		t.Run(name, func(t *testing.T) {
			_, err := Read(strings.NewReader(in))
			require.Error(t, err)
			require.Contains(t, err.Error(), "line 1")
		})
	}
}

func TestWriteRefusesSpaces(t *testing.T) {
	require.Error(t, Write(new(bytes.Buffer), Entry{ContextID: "a b", Key: []byte{1}}))
	require.Error(t, Write(new(bytes.Buffer), Entry{Key: []byte{1}}))
}

func FuzzRead(f *testing.F) {
	f.Add("SCT_KEY urn:uuid:a - 00ff\n")
	f.Add("SCT_KEY a b c d\n#x\n")
	f.Fuzz(func(t *testing.T, s string) {
		es, err := Read(strings.NewReader(s))
		if err != nil {
			return
		}
		var b bytes.Buffer
		for _, e := range es {
			if Write(&b, e) != nil {
				return
			}
		}
		again, err := Read(&b)
		require.NoError(t, err)
		require.Equal(t, es, again)
	})
}
