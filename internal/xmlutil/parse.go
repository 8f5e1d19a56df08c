package xmlutil

import (
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/beevik/etree"

	"github.com/soapstack/soapstack/internal/xmlparse"
)

// ErrTooLarge is the cause of the fault returned when a message exceeds
// Limits.MaxBytes.
var ErrTooLarge = errors.New("message exceeds the size limit")

// ParseError describes why the strict parser rejected its input. It is the
// Cause of the Sender fault the parser returns.
type ParseError struct {
	Offset int64
	Reason string
	// Err is the sentinel of the limit that was exceeded (ErrNameTooLong),
	// or nil.
	Err error
}

func (e *ParseError) Error() string {
	return fmt.Sprintf("malformed message at byte %d: %s", e.Offset, e.Reason)
}

// Unwrap returns e.Err.
func (e *ParseError) Unwrap() error { return e.Err }

// ParseDocument reads one XML document under the strict rules: at most
// lim.MaxBytes are read, then internal/xmlparse checks and builds the tree.
// The errors are ErrTooLarge and *ParseError.
func ParseDocument(r io.Reader, lim Limits) (*etree.Document, error) {
	return ParseDocumentSize(r, -1, lim)
}

// ParseDocumentSize is ParseDocument of a body announced as size bytes
// (-1: unknown), which sizes the buffer.
func ParseDocumentSize(r io.Reader, size int64, lim Limits) (*etree.Document, error) {
	lim = WithDefaults(lim)
	buf, err := ReadInputSize(r, size, lim.MaxBytes)
	if err != nil {
		return nil, err
	}
	return parseBuffer(buf, lim)
}

// parseBuffer parses buf, which the tree then owns, under lim (with its
// defaults applied).
func parseBuffer(buf []byte, lim Limits) (*etree.Document, error) {
	doc, err := xmlparse.Parse(buf, ParserLimits(lim))
	if err != nil {
		var xe *xmlparse.Error
		if errors.As(err, &xe) {
			return nil, &ParseError{Offset: xe.Offset, Reason: xe.Reason, Err: xe.Err}
		}
		if errors.Is(err, xmlparse.ErrTooLarge) {
			return nil, ErrTooLarge
		}
		return nil, err
	}
	return doc, nil
}

// ReadInput reads r to its end into a buffer of its own (the parser keeps
// it: the tree's strings share it). More than limit bytes is ErrTooLarge; a
// read error is a *ParseError, as the streaming parser reported it.
func ReadInput(r io.Reader, limit int64) ([]byte, error) {
	return ReadInputSize(r, -1, limit)
}

// maxAnnounced bounds the first buffer for a body whose size is announced
// (an HTTP Content-Length) rather than known: a peer announcing a big body
// and sending little makes us hold little.
const maxAnnounced = 64 << 10

// ReadInputSize is ReadInput of an input announced as size bytes (-1:
// unknown), which only sizes the first buffer.
func ReadInputSize(r io.Reader, announced, limit int64) ([]byte, error) {
	// Room for limit+1 bytes at most, to see that there is more.
	size := int64(4 << 10)
	if l, ok := r.(interface{ Len() int }); ok {
		size = int64(l.Len()) + 1
	} else if announced >= 0 {
		size = min(announced+1, maxAnnounced)
	}
	size = min(size, limit+1)
	buf := make([]byte, 0, size)
	for {
		if len(buf) == cap(buf) {
			if int64(len(buf)) > limit {
				return nil, ErrTooLarge
			}
			grown := min(max(int64(2*cap(buf)), 512), limit+1)
			nb := make([]byte, len(buf), grown)
			copy(nb, buf)
			buf = nb
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if int64(len(buf)) > limit {
			return nil, ErrTooLarge
		}
		if err == io.EOF {
			if waste := cap(buf) - len(buf); waste > 4<<10 && waste > len(buf)/4 {
				// The tree keeps the buffer: do not keep much unused room.
				buf = append(make([]byte, 0, len(buf)), buf...)
			}
			return buf, nil
		}
		if err != nil {
			var mbe *http.MaxBytesError
			if errors.Is(err, ErrTooLarge) || errors.As(err, &mbe) {
				return nil, ErrTooLarge
			}
			return nil, &ParseError{Offset: int64(len(buf)), Reason: err.Error()}
		}
	}
}
