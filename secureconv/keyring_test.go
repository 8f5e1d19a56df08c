package secureconv

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// tRingSecret returns a deterministic ring secret for id; rings made with
// different salts share no key.
func tRingSecret(salt string, id uint32) []byte {
	s := sha256.Sum256(fmt.Appendf(nil, "%s ring key %d", salt, id))
	return s[:]
}

// tRing returns a ring of keys with the given ids and no time limits.
func tRing(t testing.TB, salt string, ids ...uint32) *KeyRing {
	t.Helper()
	keys := make([]RingKey, len(ids))
	for i, id := range ids {
		keys[i] = RingKey{ID: id, Secret: tRingSecret(salt, id)}
	}
	r, err := NewKeyRing(keys...)
	require.NoError(t, err)
	return r
}

func TestNewKeyRingRefuses(t *testing.T) {
	good := func(id uint32) RingKey { return RingKey{ID: id, Secret: tRingSecret("", id)} }
	tooMany := make([]RingKey, MaxRingKeys+1)
	for i := range tooMany {
		tooMany[i] = good(uint32(i))
	}
	tests := map[string][]RingKey{
		"no keys":           nil,
		"16-byte secret":    {{ID: 1, Secret: make([]byte, 16)}},
		"33-byte secret":    {{ID: 1, Secret: make([]byte, 33)}},
		"no secret":         {{ID: 1}},
		"duplicate id":      {good(1), good(2), good(1)},
		"retired at start":  {{ID: 1, Secret: tRingSecret("", 1), NotBefore: tTestStart, NotAfter: tTestStart}},
		"retired before":    {{ID: 1, Secret: tRingSecret("", 1), NotBefore: tTestStart, NotAfter: tTestStart.Add(-time.Hour)}},
		"too many":          tooMany,
		"one bad among two": {good(1), {ID: 2, Secret: make([]byte, 31)}},
	}
	for name, keys := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := NewKeyRing(keys...)
			assert.Error(t, err)
		})
	}
	r, err := NewKeyRing(tooMany[:MaxRingKeys]...)
	require.NoError(t, err)
	assert.Len(t, r.KeyIDs(), MaxRingKeys)
}

func TestNewKeyRingDoesNotKeepSecrets(t *testing.T) {
	secret := tRingSecret("", 1)
	r, err := NewKeyRing(RingKey{ID: 1, Secret: secret})
	require.NoError(t, err)
	c, err := SealCookie(r, tSampleToken(tTestStart), nil, tTestStart)
	require.NoError(t, err)
	clear(secret) // the caller wipes its copy
	_, err = OpenCookie(r, c, tTestStart)
	assert.NoError(t, err)
}

func TestKeyRingSealingKey(t *testing.T) {
	at := func(h int) time.Time { return tTestStart.Add(time.Duration(h) * time.Hour) }
	key := func(id uint32, notBefore, notAfter time.Time) RingKey {
		return RingKey{ID: id, Secret: tRingSecret("", id), NotBefore: notBefore, NotAfter: notAfter}
	}
	var zero time.Time
	tests := []struct {
		name string
		keys []RingKey
		now  time.Time
		want int64 // -1: none
	}{
		{"one key", []RingKey{key(1, zero, zero)}, at(0), 1},
		{"last added seals", []RingKey{key(1, zero, zero), key(2, zero, zero)}, at(0), 2},
		{"id order does not matter", []RingKey{key(9, zero, zero), key(3, zero, zero)}, at(0), 3},
		{"retired last key", []RingKey{key(1, zero, zero), key(2, zero, at(1))}, at(1), 1},
		{"before retirement", []RingKey{key(1, zero, zero), key(2, zero, at(1))}, at(0), 2},
		{"not yet active", []RingKey{key(1, zero, zero), key(2, at(2), zero)}, at(1), 1},
		{"activated", []RingKey{key(1, zero, zero), key(2, at(2), zero)}, at(2), 2},
		{"latest activation wins over order", []RingKey{key(1, at(0), zero), key(2, at(-5), zero)}, at(1), 1},
		{"all retired", []RingKey{key(1, zero, at(0)), key(2, zero, at(1))}, at(1), -1},
		{"none active yet", []RingKey{key(1, at(3), zero)}, at(1), -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := NewKeyRing(tt.keys...)
			require.NoError(t, err)
			k := r.sealKey(tt.now)
			if tt.want < 0 {
				assert.Nil(t, k)
				_, err := SealCookie(r, tSampleToken(tt.now), nil, tt.now)
				assert.ErrorIs(t, err, ErrNoSealingKey)
				return
			}
			require.NotNil(t, k)
			assert.Equal(t, uint32(tt.want), k.id)
		})
	}
}

// tRingJSON returns a key ring file for keys given as id → extra JSON
// members.
func tRingJSON(salt string, ids []uint32, extra map[uint32]string) string {
	var b strings.Builder
	b.WriteString(`{"keys": [`)
	for i, id := range ids {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, `{"id": %d, "secret": %q%s}`, id, base64.StdEncoding.EncodeToString(tRingSecret(salt, id)), extra[id])
	}
	b.WriteString("]}")
	return b.String()
}

func TestLoadKeyRing(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "keyring.json")
	data := tRingJSON("farm", []uint32{1, 2}, map[uint32]string{
		1: `, "retire": "2026-11-23T00:00:00Z"`,
		2: `, "activate": "2026-11-22T20:00:00+01:00"`,
	})
	require.NoError(t, os.WriteFile(path, []byte(data), 0o600))
	r, err := LoadKeyRing(path)
	require.NoError(t, err)
	assert.Equal(t, []uint32{1, 2}, r.KeyIDs())
	// Key 2 activates at 19:00 UTC, that is tTestStart.
	assert.Equal(t, uint32(1), r.sealKey(tTestStart.Add(-time.Second)).id)
	assert.Equal(t, uint32(2), r.sealKey(tTestStart).id)
	assert.Nil(t, r.openKey(1, time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)))

	// The file's keys are those of tRing("farm", 1, 2).
	c, err := SealCookie(tRing(t, "farm", 1), tSampleToken(tTestStart), nil, tTestStart)
	require.NoError(t, err)
	_, err = OpenCookie(r, c, tTestStart)
	assert.NoError(t, err)

	_, err = LoadKeyRing(filepath.Join(dir, "missing.json"))
	assert.ErrorIs(t, err, os.ErrNotExist)
	big := filepath.Join(dir, "big.json")
	require.NoError(t, os.WriteFile(big, make([]byte, maxKeyRingFile+1), 0o600))
	_, err = LoadKeyRing(big)
	assert.ErrorContains(t, err, "larger than")
}

func TestParseKeyRingRefuses(t *testing.T) {
	secret := base64.StdEncoding.EncodeToString(tRingSecret("", 1))
	short := base64.StdEncoding.EncodeToString(make([]byte, 16))
	tests := map[string]string{
		"empty":                 ``,
		"not JSON":              `keys`,
		"null":                  `null`,
		"no keys member":        `{}`,
		"empty keys":            `{"keys": []}`,
		"keys not an array":     `{"keys": {}}`,
		"unknown top field":     `{"keys": [{"id": 1, "secret": "` + secret + `"}], "key": 1}`,
		"unknown key field":     `{"keys": [{"id": 1, "secret": "` + secret + `", "retires": "2026-01-01T00:00:00Z"}]}`,
		"no id":                 `{"keys": [{"secret": "` + secret + `"}]}`,
		"negative id":           `{"keys": [{"id": -1, "secret": "` + secret + `"}]}`,
		"id too large":          `{"keys": [{"id": 4294967296, "secret": "` + secret + `"}]}`,
		"id as string":          `{"keys": [{"id": "1", "secret": "` + secret + `"}]}`,
		"no secret":             `{"keys": [{"id": 1}]}`,
		"short secret":          `{"keys": [{"id": 1, "secret": "` + short + `"}]}`,
		"secret not base64":     `{"keys": [{"id": 1, "secret": "` + strings.Repeat("!", 44) + `"}]}`,
		"secret base64url":      `{"keys": [{"id": 1, "secret": "` + strings.NewReplacer("+", "-", "/", "_").Replace(base64.StdEncoding.EncodeToString(make([]byte, 31))+"-_") + `"}]}`,
		"secret unpadded":       `{"keys": [{"id": 1, "secret": "` + strings.TrimRight(base64.StdEncoding.EncodeToString(make([]byte, 32)), "=") + `"}]}`,
		"secret with escape":    `{"keys": [{"id": 1, "secret": "\u0041` + secret[1:] + `"}]}`,
		"secret a number":       `{"keys": [{"id": 1, "secret": 12}]}`,
		"bad retire":            `{"keys": [{"id": 1, "secret": "` + secret + `", "retire": "tomorrow"}]}`,
		"retire a number":       `{"keys": [{"id": 1, "secret": "` + secret + `", "retire": 1}]}`,
		"bad activate":          `{"keys": [{"id": 1, "secret": "` + secret + `", "activate": "2026-11-22"}]}`,
		"duplicate id":          tRingJSON("", []uint32{1, 1}, nil),
		"trailing data":         `{"keys": [{"id": 1, "secret": "` + secret + `"}]} {}`,
		"syntax error mid-key":  `{"keys": [{"id": 1, "secret": "` + secret[:20] + `"` + secret[20:] + `"}]}`,
		"secret truncated JSON": `{"keys": [{"id": 1, "secret": "` + secret[:30],
	}
	for name, data := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := ParseKeyRing([]byte(data))
			require.Error(t, err)
			msg := err.Error()
			// No error quotes any part of a secret.
			for _, s := range []string{secret, short} {
				for i := 0; i+4 <= len(s); i++ {
					require.NotContains(t, msg, s[i:i+4], "error %q quotes the secret", msg)
				}
			}
		})
	}
}

// TestCookieDocKeyRing checks that the key ring file of COOKIE.md parses
// as documented.
func TestCookieDocKeyRing(t *testing.T) {
	doc, err := os.ReadFile("COOKIE.md")
	require.NoError(t, err)
	blocks := regexp.MustCompile("(?s)```json\n(.*?)```").FindAllSubmatch(doc, -1)
	require.NotEmpty(t, blocks)
	for _, b := range blocks {
		r, err := ParseKeyRing(b[1])
		require.NoError(t, err, "%s", b[1])
		assert.NotEmpty(t, r.KeyIDs())
	}
}
