package secureconv

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSessionTokenReference: the reference a reliable session's
// CreateSequence carries names the current session and key generation,
// follows a renewal, and is refused before Open and after Close.
func TestSessionTokenReference(t *testing.T) {
	for _, v := range []Version{V200502, V13} {
		t.Run(v.String(), func(t *testing.T) {
			h := newHarness(t, v, false)
			_, err := h.client.SessionTokenReference()
			require.ErrorIs(t, err, ErrNoSession)

			require.NoError(t, h.client.Open(context.Background()))
			check := func() *SCTReference {
				t.Helper()
				str, err := h.client.SessionTokenReference()
				require.NoError(t, err)
				ref, err := ParseSCTReference(str)
				require.NoError(t, err)
				assert.Equal(t, h.client.Session(), ref.Identifier)
				assert.Empty(t, ref.LocalID)
				h.client.mu.Lock()
				assert.Equal(t, h.client.sess.sct.Instance, ref.Instance)
				h.client.mu.Unlock()
				return ref
			}
			echo(t, h, "first") // a session unused for 2 min is dropped (pending timeout)
			first := check()

			h.clock.Add(40 * time.Minute) // past the renewal point
			echo(t, h, "after renewal")
			require.Equal(t, int32(1), h.count(v.RenewAction()))
			second := check()
			assert.Equal(t, first.Identifier, second.Identifier)
			if first.Instance != "" || second.Instance != "" {
				assert.NotEqual(t, first.Instance, second.Instance, "a renewal is a new key generation")
			}

			require.NoError(t, h.client.Close(context.Background()))
			_, err = h.client.SessionTokenReference()
			assert.True(t, errors.Is(err, ErrClosed))
		})
	}
}
