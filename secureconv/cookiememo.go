package secureconv

import (
	"crypto/sha256"
	"encoding/binary"
	"sync"
	"time"
)

// cookieMemoSize bounds the number of opened cookies a server remembers:
// enough for the sessions active at once on a busy node, small next to the
// cost of reopening a cookie that was forgotten.
const cookieMemoSize = 4096

// cookieMemo remembers the session tokens of the cookies a server opened
// recently, so that the steady state of a cookie-mode session does not
// decrypt and inflate its cookie on every request (OpenCookie is a good
// part of the cost of a small secured message).
//
// An entry is found by the SHA-256 of the cookie's bytes and of nothing
// else, and is used only with the very key ring it was opened with. Every
// use repeats what OpenCookie checks that can change with time: the
// sealing key is not retired at now and the token has not expired. What
// it returns is a copy, so that no caller can change what the next
// request finds. Entries are dropped when their token expires or, when
// the memo is full, to make room. It holds session keys, as the token
// cache does: nothing of it is ever logged.
type cookieMemo struct {
	mu sync.Mutex
	m  map[[sha256.Size]byte]cookieEntry
}

type cookieEntry struct {
	ring  *KeyRing
	keyID uint32
	tok   *SessionToken
}

// open is OpenCookie(ring, data, now) through the memo.
func (c *cookieMemo) open(ring *KeyRing, data []byte, now time.Time) (*SessionToken, error) {
	if c == nil || ring == nil || len(data) < ckHeaderLen {
		return OpenCookie(ring, data, now)
	}
	sum := sha256.Sum256(data)
	c.mu.Lock()
	if e, ok := c.m[sum]; ok {
		if e.ring == ring && ring.openKey(e.keyID, now) != nil && now.Before(e.tok.ValidTo) {
			tok := e.tok.Clone()
			c.mu.Unlock()
			return tok, nil
		}
		delete(c.m, sum)
		e.tok.Wipe()
	}
	c.mu.Unlock()
	tok, err := OpenCookie(ring, data, now)
	if err != nil {
		return nil, err
	}
	c.remember(sum, cookieEntry{ring: ring, keyID: binary.BigEndian.Uint32(data[1:ckHeaderLen]), tok: tok.Clone()}, now)
	return tok, nil
}

func (c *cookieMemo) remember(sum [sha256.Size]byte, e cookieEntry, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = make(map[[sha256.Size]byte]cookieEntry)
	}
	if old, ok := c.m[sum]; ok {
		old.tok.Wipe()
	} else if len(c.m) >= cookieMemoSize {
		// Drop the expired entries, and if none was, a few arbitrary ones:
		// a forgotten cookie is only opened again.
		n := 0
		for k, old := range c.m {
			if !now.Before(old.tok.ValidTo) || n < cookieMemoSize/64 {
				delete(c.m, k)
				old.tok.Wipe()
				n++
			}
		}
	}
	c.m[sum] = e
}
