package soap

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/soapstack/soapstack/internal/xmlutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestReadInput(t *testing.T) {
	in := []byte(env12Open + strings.Repeat("<x>y</x>", 2000) + env12Close)
	readers := map[string]func() io.Reader{
		"bytes.Reader":   func() io.Reader { return bytes.NewReader(in) },
		"bytes.Buffer":   func() io.Reader { return bytes.NewBuffer(bytes.Clone(in)) },
		"one byte":       func() io.Reader { return iotest.OneByteReader(bytes.NewReader(in)) },
		"data with EOF":  func() io.Reader { return iotest.DataErrReader(bytes.NewReader(in)) },
		"half":           func() io.Reader { return iotest.HalfReader(bytes.NewReader(in)) },
		"no Len, chunks": func() io.Reader { return io.MultiReader(bytes.NewReader(in[:100]), bytes.NewReader(in[100:])) },
	}
	for name, r := range readers {
		t.Run(name, func(t *testing.T) {
			b, err := xmlutil.ReadInput(r(), int64(len(in)))
			require.NoError(t, err)
			assert.Equal(t, in, b)
			assert.LessOrEqual(t, cap(b)-len(b), max(4<<10, len(b)/4), "little unused room kept")
			_, err = xmlutil.ReadInput(r(), int64(len(in)-1))
			assert.ErrorIs(t, err, ErrTooLarge)
			m, err := ReadMessage(r(), Limits{MaxBytes: int64(len(in))})
			require.NoError(t, err)
			assert.Len(t, m.Body.ChildElements(), 2000)
		})
	}
}

func TestReadInputErrors(t *testing.T) {
	boom := errors.New("connection reset")
	_, err := xmlutil.ParseDocument(io.MultiReader(strings.NewReader("<a>"), iotest.ErrReader(boom)), Limits{})
	var pe *ParseError
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, int64(3), pe.Offset)
	assert.Contains(t, pe.Reason, "connection reset")

	rec := httptest.NewRecorder()
	body := http.MaxBytesReader(rec, io.NopCloser(strings.NewReader(strings.Repeat("x", 100))), 10)
	_, err = xmlutil.ParseDocument(body, Limits{})
	assert.ErrorIs(t, err, ErrTooLarge)

	_, err = xmlutil.ParseDocument(iotest.ErrReader(ErrTooLarge), Limits{})
	assert.ErrorIs(t, err, ErrTooLarge)
}
