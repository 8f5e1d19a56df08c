package secureconv

import (
	"bytes"
	"compress/flate"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"time"
)

// Limits of session cookies (cookie mode).
const (
	// MaxCookieSize bounds a sealed cookie (bytes, before base64). Every
	// token MarshalBinary accepts seals within it.
	MaxCookieSize = 8 << 10
	// MaxCookiePlaintext bounds the decompressed content of a cookie, so
	// that a small cookie cannot inflate into a large allocation.
	MaxCookiePlaintext = 16 << 10
)

// Layout of a sealed cookie; COOKIE.md describes it.
const (
	ckVersion1  = 0xC1 // magic and version byte
	ckHeaderLen = 5    // version, key id
	ckNonceLen  = 12
	ckTagLen    = 16
	ckOverhead  = ckHeaderLen + ckNonceLen + ckTagLen
)

// ErrBadCookie is the error of OpenCookie for any cookie it cannot accept:
// malformed, truncated, oversized, tampered with, sealed by a key that is
// unknown, retired or of another ring, or holding an expired token. A
// server answers them all alike (wsc:BadContextToken). The returned error
// also wraps one of the ErrCookie... causes, for logs.
var ErrBadCookie = errors.New("secureconv: bad session cookie")

// Causes wrapped by the errors of OpenCookie, together with ErrBadCookie.
// None of them is meant for the peer.
var (
	// ErrCookieMalformed reports data that is not a cookie of this format:
	// wrong version byte, truncated, content that does not decompress or
	// decode.
	ErrCookieMalformed = errors.New("secureconv: bad session cookie: malformed")
	// ErrCookieTooLarge reports a cookie larger than MaxCookieSize, or
	// decompressing to more than MaxCookiePlaintext.
	ErrCookieTooLarge = errors.New("secureconv: bad session cookie: too large")
	// ErrCookieUnknownKey reports a key id that is not in the ring, or a
	// retired key.
	ErrCookieUnknownKey = errors.New("secureconv: bad session cookie: key unknown or retired")
	// ErrCookieForged reports a failed authentication: the cookie was
	// modified, or sealed by a key of another ring under the same id.
	ErrCookieForged = errors.New("secureconv: bad session cookie: authentication failed")
	// ErrCookieExpired reports a token whose ValidTo has passed.
	ErrCookieExpired = errors.New("secureconv: bad session cookie: session token expired")
)

// ckError is an error of OpenCookie: ErrBadCookie with a cause.
type ckError struct{ cause error }

func (e *ckError) Error() string   { return e.cause.Error() }
func (e *ckError) Unwrap() []error { return []error{ErrBadCookie, e.cause} }

func ckBad(cause error) error { return &ckError{cause} }

// ckWriter is the reusable state of SealCookie.
type ckWriter struct {
	plain []byte
	buf   bytes.Buffer
	fw    *flate.Writer
}

// ckReader is the reusable state of OpenCookie.
type ckReader struct {
	compressed []byte
	plain      []byte // MaxCookiePlaintext+1 bytes
	used       int    // bytes of plain written since the last wipe
	br         bytes.Reader
	fr         io.ReadCloser // a flate reader, also a flate.Resetter
}

func (p *ckPools) getWriter() *ckWriter {
	if w, ok := p.writers.Get().(*ckWriter); ok {
		return w
	}
	fw, _ := flate.NewWriter(nil, flate.BestSpeed) // the level is valid
	return &ckWriter{fw: fw}
}

// putWriter wipes the plaintext held by w and pools it.
func (p *ckPools) putWriter(w *ckWriter) {
	clear(w.plain)
	w.plain = w.plain[:0]
	clear(w.buf.Bytes())
	w.buf.Reset()
	w.fw.Reset(io.Discard)
	p.writers.Put(w)
}

func (p *ckPools) getReader() *ckReader {
	if r, ok := p.readers.Get().(*ckReader); ok {
		return r
	}
	return &ckReader{plain: make([]byte, MaxCookiePlaintext+1)}
}

// putReader wipes the plaintext held by r and pools it.
func (p *ckPools) putReader(r *ckReader) {
	clear(r.compressed)
	r.compressed = r.compressed[:0]
	clear(r.plain[:r.used])
	r.used = 0
	r.br.Reset(nil)
	p.readers.Put(r)
}

// SealCookie seals token into a cookie for the SecurityContextToken's
// Cookie element (cookie mode): the token's MarshalBinary encoding,
// compressed with DEFLATE and encrypted with AES-256-GCM under the ring's
// sealing key at now (see COOKIE.md). random supplies the nonce
// (crypto/rand when nil). The token must have a ValidTo, which OpenCookie
// enforces. Errors are the server's own (an invalid token,
// ErrNoSealingKey, a failing rand), never ErrBadCookie.
func SealCookie(ring *KeyRing, token *SessionToken, random io.Reader, now time.Time) ([]byte, error) {
	if ring == nil || token == nil {
		return nil, errors.New("secureconv: SealCookie: nil key ring or token")
	}
	return sealCookie(ring, token, random, now)
}

// sealCookie is SealCookie with the sealing key chosen at now.
func sealCookie(ring *KeyRing, token *SessionToken, random io.Reader, now time.Time) ([]byte, error) {
	if token.ValidTo.IsZero() {
		return nil, errors.New("secureconv: SealCookie: session token without ValidTo")
	}
	k := ring.sealKey(now)
	if k == nil {
		return nil, ErrNoSealingKey
	}
	if random == nil {
		random = rand.Reader
	}
	w := ring.pool.getWriter()
	defer ring.pool.putWriter(w)
	var err error
	if w.plain, err = token.appendBinary(w.plain[:0]); err != nil {
		return nil, err
	}
	w.fw.Reset(&w.buf)
	if _, err := w.fw.Write(w.plain); err != nil {
		return nil, fmt.Errorf("secureconv: SealCookie: compress: %w", err)
	}
	if err := w.fw.Close(); err != nil {
		return nil, fmt.Errorf("secureconv: SealCookie: compress: %w", err)
	}
	compressed := w.buf.Bytes()
	if ckOverhead+len(compressed) > MaxCookieSize {
		// Unreachable with the field bounds of MarshalBinary; kept so that
		// SealCookie never produces what OpenCookie refuses.
		return nil, fmt.Errorf("secureconv: SealCookie: cookie of %d bytes exceeds %d", ckOverhead+len(compressed), MaxCookieSize)
	}
	out := make([]byte, ckHeaderLen+ckNonceLen, ckOverhead+len(compressed))
	out[0] = ckVersion1
	binary.BigEndian.PutUint32(out[1:ckHeaderLen], k.id)
	nonce := out[ckHeaderLen : ckHeaderLen+ckNonceLen]
	if _, err := io.ReadFull(random, nonce); err != nil {
		return nil, fmt.Errorf("secureconv: SealCookie: nonce: %w", err)
	}
	return k.aead.Seal(out, nonce, compressed, out[:ckHeaderLen]), nil
}

// OpenCookie restores the session token sealed in a cookie by SealCookie
// with a key of ring. It refuses a cookie whose key is retired at now and a
// token that has expired at now (now >= ValidTo); ValidFrom and the key
// times are left to the caller (Valid, KeyValid), which may allow for clock
// skew between the nodes of a farm. Every failure is ErrBadCookie.
func OpenCookie(ring *KeyRing, data []byte, now time.Time) (*SessionToken, error) {
	if ring == nil {
		return nil, errors.New("secureconv: OpenCookie: nil key ring")
	}
	switch {
	case len(data) > MaxCookieSize:
		return nil, ckBad(ErrCookieTooLarge)
	case len(data) < ckOverhead || data[0] != ckVersion1:
		return nil, ckBad(ErrCookieMalformed)
	}
	id := binary.BigEndian.Uint32(data[1:ckHeaderLen])
	k := ring.openKey(id, now)
	if k == nil {
		return nil, ckBad(fmt.Errorf("%w (id %d)", ErrCookieUnknownKey, id))
	}
	r := ring.pool.getReader()
	defer ring.pool.putReader(r)
	var err error
	nonce := data[ckHeaderLen : ckHeaderLen+ckNonceLen]
	r.compressed, err = k.aead.Open(r.compressed[:0], nonce, data[ckHeaderLen+ckNonceLen:], data[:ckHeaderLen])
	if err != nil {
		return nil, ckBad(ErrCookieForged)
	}
	r.br.Reset(r.compressed)
	if r.fr == nil {
		r.fr = flate.NewReader(&r.br)
	} else if err := r.fr.(flate.Resetter).Reset(&r.br, nil); err != nil {
		return nil, ckBad(ErrCookieMalformed)
	}
	n := 0
	for {
		if n == len(r.plain) {
			return nil, ckBad(ErrCookieTooLarge)
		}
		m, err := r.fr.Read(r.plain[n:])
		n += m
		r.used = n
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, ckBad(ErrCookieMalformed)
		}
	}
	if n > MaxCookiePlaintext {
		return nil, ckBad(ErrCookieTooLarge)
	}
	if r.br.Len() != 0 {
		// Data after the final DEFLATE block.
		return nil, ckBad(ErrCookieMalformed)
	}
	t := new(SessionToken)
	if err := t.UnmarshalBinary(r.plain[:n]); err != nil {
		return nil, ckBad(fmt.Errorf("%w: %w", ErrCookieMalformed, err))
	}
	if !now.Before(t.ValidTo) {
		t.Wipe()
		return nil, ckBad(ErrCookieExpired)
	}
	return t, nil
}

// CookieKeyID returns the id of the ring key that sealed a cookie, read
// from its header without opening it (for diagnostics such as soapstack
// inspect); ok is false when data is not a cookie of this format.
func CookieKeyID(data []byte) (id uint32, ok bool) {
	if len(data) < ckOverhead || data[0] != ckVersion1 {
		return 0, false
	}
	return binary.BigEndian.Uint32(data[1:ckHeaderLen]), true
}
