package secureconv

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// tRotRingJSON is a key ring file of keys given as id, fill byte of the
// secret, activate and retire times (zero for none).
type tFileKey struct {
	id               uint32
	fill             byte
	activate, retire time.Time
}

func tRotRingJSON(keys ...tFileKey) []byte {
	var b bytes.Buffer
	b.WriteString(`{"keys": [`)
	for i, k := range keys {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `{"id": %d, "secret": %q`, k.id, base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{k.fill}, RingKeySize)))
		if !k.activate.IsZero() {
			fmt.Fprintf(&b, `, "activate": %q`, k.activate.UTC().Format(time.RFC3339))
		}
		if !k.retire.IsZero() {
			fmt.Fprintf(&b, `, "retire": %q`, k.retire.UTC().Format(time.RFC3339))
		}
		b.WriteString("}")
	}
	b.WriteString("]}")
	return b.Bytes()
}

// tWriteAtomic replaces path's contents as an operator should: a
// temporary file renamed over it.
func tWriteAtomic(t *testing.T, path string, data []byte) {
	t.Helper()
	tmp := path + ".tmp"
	require.NoError(t, os.WriteFile(tmp, data, 0o600))
	require.NoError(t, os.Rename(tmp, path))
}

func TestReloadingKeyRing(t *testing.T) {
	ctx := context.Background()
	clock := &fakeClock{t: time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)}
	path := filepath.Join(t.TempDir(), "ring.json")
	tWriteAtomic(t, path, tRotRingJSON(tFileKey{id: 1, fill: 1}))
	var logs bytes.Buffer
	src, err := WatchKeyRingFile(path, ReloadConfig{Interval: time.Minute, Now: clock.Now, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	require.NoError(t, err)
	var _ KeyRingSource = src
	ring, err := src.KeyRing(ctx)
	require.NoError(t, err)
	assert.Equal(t, []uint32{1}, ring.KeyIDs())

	// A change is seen once the interval has passed, not before.
	tWriteAtomic(t, path, tRotRingJSON(tFileKey{id: 1, fill: 1}, tFileKey{id: 2, fill: 2}))
	ring, _ = src.KeyRing(ctx)
	assert.Equal(t, []uint32{1}, ring.KeyIDs(), "read again before the interval")
	clock.Add(time.Minute)
	ring, _ = src.KeyRing(ctx)
	assert.Equal(t, []uint32{1, 2}, ring.KeyIDs(), "reloaded")
	same, _ := src.KeyRing(ctx)
	assert.Same(t, ring, same)

	// A bad edit keeps the previous ring, and says so without quoting it.
	secret := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{9}, RingKeySize))
	tWriteAtomic(t, path, []byte(`{"keys": [{"id": 3, "secret": "`+secret+`"`)) // truncated
	clock.Add(time.Minute)
	ring, err = src.KeyRing(ctx)
	require.NoError(t, err)
	assert.Equal(t, []uint32{1, 2}, ring.KeyIDs(), "the previous ring stays in use")
	require.Error(t, src.Err())
	assert.Contains(t, logs.String(), "key ring not reloaded")
	assert.NotContains(t, logs.String(), secret)
	assert.NotContains(t, src.Err().Error(), secret)
	// A missing file too.
	require.NoError(t, os.Remove(path))
	require.Error(t, src.Reload())
	ring, _ = src.KeyRing(ctx)
	assert.Equal(t, []uint32{1, 2}, ring.KeyIDs())
	// Fixed again: the error clears.
	tWriteAtomic(t, path, tRotRingJSON(tFileKey{id: 2, fill: 2}))
	require.NoError(t, src.Reload())
	require.NoError(t, src.Err())
	ring, _ = src.KeyRing(ctx)
	assert.Equal(t, []uint32{2}, ring.KeyIDs())

	// The source must be valid when built.
	_, err = WatchKeyRingFile(filepath.Join(t.TempDir(), "none.json"), ReloadConfig{})
	require.Error(t, err)
}

func TestReloadingKeyRingEnv(t *testing.T) {
	ctx := context.Background()
	clock := &fakeClock{t: time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)}
	const name = "SOAPSTACK_TEST_KEY_RING"
	t.Setenv(name, string(tRotRingJSON(tFileKey{id: 5, fill: 5})))
	src, err := WatchKeyRingEnv(name, ReloadConfig{Interval: time.Second, Now: clock.Now, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	require.NoError(t, err)
	t.Setenv(name, string(tRotRingJSON(tFileKey{id: 5, fill: 5}, tFileKey{id: 6, fill: 6})))
	clock.Add(time.Second)
	ring, err := src.KeyRing(ctx)
	require.NoError(t, err)
	assert.Equal(t, []uint32{5, 6}, ring.KeyIDs())
	os.Unsetenv(name)
	_, err = WatchKeyRingEnv(name, ReloadConfig{})
	require.Error(t, err, "unset variable")
}

// tCookieKeyID returns the id of the ring key that sealed the client's
// current cookie.
func tCookieKeyID(t *testing.T, c *Client) uint32 {
	t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	require.NotNil(t, c.sess)
	id, ok := CookieKeyID(c.sess.sct.Cookie)
	require.True(t, ok, "the session has a cookie")
	return id
}

// TestCookieKeyRotation follows the documented rotation procedure on a
// running service whose ring comes from a watched file: add the new key
// (not yet sealing), make it primary, retire the old one. Cookies sealed
// under the old key open until it retires; new sessions use the new key
// once it is primary; after retirement an old cookie is refused with
// wsc:BadContextToken, cause ErrCookieUnknownKey, and the client
// re-establishes its session under the new key.
func TestCookieKeyRotation(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "ring.json")
	var src *ReloadingKeyRing
	tWriteAtomic(t, path, tRotRingJSON(tFileKey{id: 1, fill: 1}))
	a := newHarnessWith(t, V13, false, func(c *ServerConfig) {
		var err error
		src, err = WatchKeyRingFile(path, ReloadConfig{Interval: time.Second, Now: c.Security.Now})
		require.NoError(t, err)
		c.CookieKeys, c.Cache = src, nil
		c.Lifetime = 10 * time.Hour
	})
	clock := a.clock
	echo(t, a, "a under key 1")
	assert.Equal(t, uint32(1), tCookieKeyID(t, a.client))
	issued := a.count(V13.wire().IssueAction())

	// 1. Add key 2, activating in ten minutes, when every node has it.
	now := clock.Now()
	tWriteAtomic(t, path, tRotRingJSON(tFileKey{id: 1, fill: 1}, tFileKey{id: 2, fill: 2, activate: now.Add(10 * time.Minute)}))
	clock.Add(2 * time.Second)
	echo(t, a, "a after key 2 was added")
	ring, _ := src.KeyRing(ctx)
	assert.Equal(t, []uint32{1, 2}, ring.KeyIDs())

	// 2. Key 2 is primary: the service seals new sessions with it; a's
	// cookie (key 1) still opens.
	clock.Add(11 * time.Minute)
	b := newHarnessWith(t, V13, false, func(c *ServerConfig) {
		c.CookieKeys, c.Cache, c.Lifetime = src, nil, 10*time.Hour
		c.Security.Now = clock.Now
	})
	b.clock = clock
	b.client.cfg.Security.Now = clock.Now
	echo(t, b, "b under key 2")
	assert.Equal(t, uint32(2), tCookieKeyID(t, b.client))
	echo(t, a, "a still under key 1")
	assert.Equal(t, uint32(1), tCookieKeyID(t, a.client))
	assert.Equal(t, issued, a.count(V13.wire().IssueAction()), "no new session for a")

	// 3. Retire key 1 (after the longest cookie lifetime, here brought
	// forward): its cookies are refused, and the client starts over.
	now = clock.Now()
	tWriteAtomic(t, path, tRotRingJSON(tFileKey{id: 1, fill: 1, retire: now.Add(time.Minute)}, tFileKey{id: 2, fill: 2, activate: now.Add(-time.Minute)}))
	clock.Add(2 * time.Minute)
	echo(t, a, "a after key 1 retired")
	assert.Equal(t, issued+1, a.count(V13.wire().IssueAction()), "a re-established its session once")
	assert.Equal(t, uint32(2), tCookieKeyID(t, a.client))
	a.faultsMu.Lock()
	defer a.faultsMu.Unlock()
	require.Len(t, a.faults, 1)
	assert.ErrorIs(t, a.faults[0], ErrBadContextToken)
	assert.ErrorIs(t, a.faults[0], ErrCookieUnknownKey, "the fault's cause names the retired key")
	echo(t, b, "b unaffected")
}
