package secureconv

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"
	"time"
)

// KeyRingSource supplies the key ring of cookie mode each time the server
// seals or opens a cookie, so that the ring can change while the server
// runs (key rotation without a restart): ServerConfig.CookieKeys. A
// *KeyRing is a source of itself; WatchKeyRingFile and WatchKeyRingEnv
// return sources that reload when their configuration changes.
// Implementations must be safe for concurrent use and fast: the server
// calls KeyRing for every cookie.
type KeyRingSource interface {
	// KeyRing returns the current ring. An error refuses the message with
	// a Receiver fault (the service's trouble, not the client's).
	KeyRing(ctx context.Context) (*KeyRing, error)
}

// KeyRing implements KeyRingSource: a ring is its own, fixed, source.
func (r *KeyRing) KeyRing(context.Context) (*KeyRing, error) {
	if r == nil {
		return nil, errors.New("secureconv: nil key ring")
	}
	return r, nil
}

// DefaultKeyRingReloadInterval is how often a ReloadingKeyRing looks for
// a change of its file or variable.
const DefaultKeyRingReloadInterval = 10 * time.Second

// ReloadConfig configures WatchKeyRingFile and WatchKeyRingEnv.
type ReloadConfig struct {
	// Interval is how often the source is read again
	// (DefaultKeyRingReloadInterval when zero). The check happens in the
	// call to KeyRing that finds it due: no goroutine runs.
	Interval time.Duration
	// Now is the clock of the checks (time.Now when nil).
	Now func() time.Time
	// Logger receives a warning when a changed source does not parse; the
	// previous ring stays in use (slog.Default() when nil). Messages never
	// quote the source's contents.
	Logger *slog.Logger
}

// ReloadingKeyRing is a KeyRingSource read from a key ring file or an
// environment variable (ParseKeyRing's JSON), and read again every
// Interval: when the contents changed, the new ring replaces the old one
// for every later cookie. A change that does not parse (a half-written
// file, a typo) is logged and ignored: the previous ring stays in use, so
// a bad edit cannot stop the service from opening its cookies; Err
// reports it. Write key ring files atomically (write a temporary file in
// the same directory, then rename it over the old one).
type ReloadingKeyRing struct {
	read     func() ([]byte, error)
	what     string
	interval time.Duration
	now      func() time.Time
	log      *slog.Logger

	mu     sync.Mutex // held by the reload in progress
	state  sync.Mutex // guards the fields below
	ring   *KeyRing
	digest [sha256.Size]byte
	next   time.Time
	err    error
}

// WatchKeyRingFile returns a source reading the key ring file path (see
// LoadKeyRing). The file must hold a valid ring now.
func WatchKeyRingFile(path string, cfg ReloadConfig) (*ReloadingKeyRing, error) {
	read := func() ([]byte, error) {
		f, err := os.Open(path)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		data, err := io.ReadAll(io.LimitReader(f, maxKeyRingFile+1))
		if err == nil && len(data) > maxKeyRingFile {
			clear(data)
			return nil, fmt.Errorf("larger than %d bytes", maxKeyRingFile)
		}
		return data, err
	}
	return newReloading(read, "file "+path, cfg)
}

// WatchKeyRingEnv returns a source reading the key ring JSON from the
// environment variable name (for platforms that hand secrets over in the
// environment and update it in the process, or tests). It must hold a
// valid ring now.
func WatchKeyRingEnv(name string, cfg ReloadConfig) (*ReloadingKeyRing, error) {
	read := func() ([]byte, error) {
		v, ok := os.LookupEnv(name)
		if !ok {
			return nil, errors.New("not set")
		}
		return []byte(v), nil
	}
	return newReloading(read, "environment variable "+name, cfg)
}

func newReloading(read func() ([]byte, error), what string, cfg ReloadConfig) (*ReloadingKeyRing, error) {
	r := &ReloadingKeyRing{read: read, what: what, interval: cfg.Interval, now: cfg.Now, log: cfg.Logger}
	if r.interval <= 0 {
		r.interval = DefaultKeyRingReloadInterval
	}
	if r.now == nil {
		r.now = time.Now
	}
	if r.log == nil {
		r.log = slog.Default()
	}
	if err := r.Reload(); err != nil {
		return nil, err
	}
	return r, nil
}

// KeyRing implements KeyRingSource, reading the source again when its
// interval has passed. It never fails once the source was built.
func (r *ReloadingKeyRing) KeyRing(ctx context.Context) (*KeyRing, error) {
	r.state.Lock()
	ring, due := r.ring, !r.now().Before(r.next)
	r.state.Unlock()
	if due && r.mu.TryLock() {
		// One caller reloads; the others go on with the current ring.
		err := r.reload()
		r.mu.Unlock()
		if err != nil {
			r.log.WarnContext(ctx, "secureconv: key ring not reloaded; the previous ring stays in use", slog.String("source", r.what), slog.Any("error", err))
		}
		r.state.Lock()
		ring = r.ring
		r.state.Unlock()
	}
	return ring, nil
}

// Reload reads the source now (as on SIGHUP) and replaces the ring when
// its contents changed and parse. On an error the ring in use does not
// change.
func (r *ReloadingKeyRing) Reload() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.reload()
}

// reload is Reload with r.mu held.
func (r *ReloadingKeyRing) reload() error {
	data, err := r.read()
	defer clear(data)
	r.state.Lock()
	r.next = r.now().Add(r.interval)
	r.state.Unlock()
	if err == nil {
		sum := sha256.Sum256(data)
		r.state.Lock()
		same := r.ring != nil && bytes.Equal(sum[:], r.digest[:])
		r.state.Unlock()
		if same {
			r.setErr(nil)
			return nil
		}
		var ring *KeyRing
		if ring, err = ParseKeyRing(data); err == nil {
			r.state.Lock()
			r.ring, r.digest, r.err = ring, sum, nil
			r.state.Unlock()
			return nil
		}
	}
	err = fmt.Errorf("secureconv: key ring %s: %w", r.what, err)
	r.setErr(err)
	return err
}

func (r *ReloadingKeyRing) setErr(err error) {
	r.state.Lock()
	r.err = err
	r.state.Unlock()
}

// Err returns the error of the last reload, nil when it succeeded (or
// found no change).
func (r *ReloadingKeyRing) Err() error {
	r.state.Lock()
	defer r.state.Unlock()
	return r.err
}
