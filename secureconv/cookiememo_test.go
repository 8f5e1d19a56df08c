package secureconv

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestCookieMemo checks that a remembered cookie opens exactly as
// OpenCookie would open it: the same token, a copy each time, and the
// same refusals once the token expires, the sealing key retires or the
// ring is another.
func TestCookieMemo(t *testing.T) {
	k1 := RingKey{ID: 1, Secret: tRingSecret("farm", 1), NotAfter: tTestStart.Add(10 * time.Hour)}
	ring, err := NewKeyRing(k1)
	require.NoError(t, err)
	long := tSampleToken(tTestStart)
	long.ValidTo = tTestStart.Add(20 * time.Hour)
	short := tSampleToken(tTestStart)
	short.ValidTo = tTestStart.Add(5 * time.Hour)
	cLong, err := SealCookie(ring, long, nil, tTestStart)
	require.NoError(t, err)
	cShort, err := SealCookie(ring, short, nil, tTestStart)
	require.NoError(t, err)

	cases := []struct {
		name   string
		ring   *KeyRing
		cookie []byte
		now    time.Time
		cause  error // nil: opens
	}{
		{"opens", ring, cShort, tTestStart, nil},
		{"opens from the memo", ring, cShort, tTestStart.Add(time.Minute), nil},
		{"expired token", ring, cShort, short.ValidTo, ErrCookieExpired},
		{"retired key", ring, cLong, tTestStart.Add(10 * time.Hour), ErrCookieUnknownKey},
		{"another ring", tRing(t, "other", 1), cLong, tTestStart, ErrCookieForged},
		{"tampered", ring, append(append([]byte(nil), cLong[:len(cLong)-1]...), cLong[len(cLong)-1]^1), tTestStart, ErrCookieForged},
	}
	m := &cookieMemo{}
	// Remember both cookies first, so that every case below meets a
	// remembered entry.
	for _, c := range [][]byte{cShort, cLong} {
		_, err := m.open(ring, c, tTestStart)
		require.NoError(t, err)
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			want, wantErr := OpenCookie(c.ring, c.cookie, c.now)
			got, err := m.open(c.ring, c.cookie, c.now)
			if c.cause != nil {
				require.Error(t, wantErr)
				tRequireBadCookie(t, err, c.cause)
				assert.Nil(t, got)
				return
			}
			require.NoError(t, wantErr)
			require.NoError(t, err)
			assert.Equal(t, want, got)
			// A copy: what the caller changes, the next request does not see.
			got.Key[0] ^= 0xff
			got.CookieMode = !got.CookieMode
			again, err := m.open(c.ring, c.cookie, c.now)
			require.NoError(t, err)
			assert.Equal(t, want, again)
		})
	}
}

// TestCookieMemoBound checks that the memo never holds more than
// cookieMemoSize entries.
func TestCookieMemoBound(t *testing.T) {
	ring := tRing(t, "farm", 1)
	m := &cookieMemo{}
	for range cookieMemoSize + 100 {
		c, err := SealCookie(ring, tSampleToken(tTestStart), nil, tTestStart)
		require.NoError(t, err)
		_, err = m.open(ring, c, tTestStart)
		require.NoError(t, err)
		require.LessOrEqual(t, len(m.m), cookieMemoSize)
	}
}

func BenchmarkCookieOpen(b *testing.B) {
	ring := tRing(b, "farm", 1)
	c, err := SealCookie(ring, tSampleToken(tTestStart), nil, tTestStart)
	require.NoError(b, err)
	b.Run("OpenCookie", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := OpenCookie(ring, c, tTestStart); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("memo", func(b *testing.B) {
		m := &cookieMemo{}
		b.ReportAllocs()
		for b.Loop() {
			if _, err := m.open(ring, c, tTestStart); err != nil {
				b.Fatal(err)
			}
		}
	})
}
