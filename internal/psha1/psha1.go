// Package psha1 implements the P_SHA1 pseudo-random function of TLS 1.0
// (RFC 2246, section 5) as used by WS-SecureConversation for DerivedKeyTokens
// (http://schemas.xmlsoap.org/ws/2005/02/sc/dk/p_sha1 and its WS-SX 1.3
// equivalent) and by WS-Trust for computed keys
// (http://docs.oasis-open.org/ws-sx/ws-trust/200512/CK/PSHA1).
//
// The function is defined as
//
//	A(0) = seed
//	A(i) = HMAC_SHA1(secret, A(i-1))
//	P_SHA1(secret, seed) = HMAC_SHA1(secret, A(1) || seed) ||
//	                       HMAC_SHA1(secret, A(2) || seed) || ...
//
// For a DerivedKeyToken the secret is the key of the token the DKT refers
// to and the seed is label || nonce; the derived key is
// P_SHA1(secret, seed)[offset : offset+length]. For a WS-Trust computed key
// the secret is the requestor's entropy and the seed is the responder's
// entropy.
//
// Neither the secret nor derived bytes ever appear in errors.
package psha1

import (
	"crypto/sha1"
	"errors"
	"fmt"
)

// MaxLength is the largest value of offset+length that Derive accepts
// (64 KiB). Real derived keys are a few dozen bytes; the limit only stops a
// peer from making the receiver compute megabytes of HMAC output through a
// hostile wsc:Offset, wsc:Generation or wsc:Length.
const MaxLength = 64 << 10

// blockSize is the output size of HMAC-SHA1, the size of one P_SHA1 block.
const blockSize = sha1.Size

// ErrInvalidRange is returned (wrapped) by Derive when offset or length is
// negative or offset+length exceeds MaxLength.
var ErrInvalidRange = errors.New("psha1: invalid offset or length")

// Derive returns P_SHA1(secret, seed)[offset : offset+length].
//
// offset and length must be non-negative and offset+length must not exceed
// MaxLength; otherwise an error wrapping ErrInvalidRange is returned. A
// length of 0 yields an empty, non-nil slice. Blocks that lie entirely before
// offset are skipped without computing their output HMAC (only the A(i)
// chain is advanced).
func Derive(secret, seed []byte, offset, length int) ([]byte, error) {
	if offset < 0 || length < 0 || offset > MaxLength || length > MaxLength-offset {
		return nil, fmt.Errorf("%w: offset %d, length %d (limit %d)", ErrInvalidRange, offset, length, MaxLength)
	}
	out := make([]byte, length)
	if length == 0 {
		return out, nil
	}
	// The state lives on the stack, with its inner-input buffer for the
	// seeds of real DerivedKeyTokens (a label and a nonce).
	var s state
	var buf [256]byte
	if n := innerSize(seed); n <= len(buf) {
		s.in = buf[:n]
	} else {
		s.in = make([]byte, n)
	}
	s.init(secret, seed)
	// Advance the A(i) chain over the blocks wholly before offset.
	for skip := offset / blockSize; skip > 0; skip-- {
		s.nextA()
	}
	s.nextBlock()
	s.pos = offset % blockSize
	s.read(out)
	s.wipe()
	return out, nil
}

// Reader is an io.Reader over the unbounded P_SHA1(secret, seed) stream.
// It is not safe for concurrent use. Create one with New.
type Reader struct {
	s *state
}

// New returns a Reader that yields P_SHA1(secret, seed) from its first byte
// on. The stream has no end: Read always fills p and never returns an error.
// secret and seed are copied, so the caller may reuse them.
//
// The Reader does not enforce MaxLength; callers reading attacker-chosen
// amounts must bound them themselves.
func New(secret, seed []byte) *Reader {
	return &Reader{s: newState(secret, seed)}
}

// Read fills p with the next len(p) bytes of the P_SHA1 stream. It always
// returns len(p), nil.
func (r *Reader) Read(p []byte) (int, error) {
	r.s.read(p)
	return len(p), nil
}

// state computes HMAC-SHA1 (RFC 2104) itself, over one buffer laid out
// as the inner input of the next block, so that producing a block
// allocates nothing and needs no hash object:
//
//	in  = (K ^ ipad) ‖ A(i) ‖ seed
//	out = (K ^ opad) ‖ SHA1(in…)
//
// HMAC(A(i) ‖ seed) hashes all of in, HMAC(A(i)) its first part.
type state struct {
	in     []byte
	out    [sha1.BlockSize + blockSize]byte
	a      [blockSize]byte // A(i), the input of the next or the last block
	blk    [blockSize]byte // HMAC(A(i) || seed)
	pos    int             // next unread byte in blk; blockSize when empty
	primed bool            // blk holds the output for a; advance a first
}

// HMAC pads (RFC 2104).
const (
	ipad = 0x36
	opad = 0x5c
)

// newState returns a state for a Reader, owning a copy of the seed.
func newState(secret, seed []byte) *state {
	s := &state{in: make([]byte, innerSize(seed))}
	s.init(secret, seed)
	return s
}

// innerSize is the size of the inner-input buffer for seed.
func innerSize(seed []byte) int { return sha1.BlockSize + blockSize + len(seed) }

// init keys the state with secret and sets a to A(1). s.in must have
// innerSize(seed) bytes.
func (s *state) init(secret, seed []byte) {
	key := secret
	var sum [blockSize]byte
	if len(key) > sha1.BlockSize {
		sum = sha1.Sum(key)
		key = sum[:]
	}
	pad := s.in[:sha1.BlockSize]
	clear(pad)
	copy(pad, key)
	copy(s.out[:sha1.BlockSize], pad)
	for i := range pad {
		pad[i] ^= ipad
		s.out[i] ^= opad
	}
	clear(sum[:])
	// A(0) = seed, so A(1) = HMAC(seed): hash ipad ‖ seed, then move the
	// seed to its place after A.
	copy(s.in[sha1.BlockSize:], seed)
	s.mac(s.a[:], sha1.BlockSize+len(seed))
	copy(s.in[sha1.BlockSize+blockSize:], seed)
	copy(s.in[sha1.BlockSize:], s.a[:])
	s.pos = blockSize
}

// mac writes to dst the HMAC of the message in[sha1.BlockSize:n].
func (s *state) mac(dst []byte, n int) {
	inner := sha1.Sum(s.in[:n])
	copy(s.out[sha1.BlockSize:], inner[:])
	clear(inner[:])
	sum := sha1.Sum(s.out[:])
	copy(dst, sum[:])
	clear(sum[:])
}

// nextA replaces A(i) by A(i+1).
func (s *state) nextA() {
	s.mac(s.a[:], sha1.BlockSize+blockSize)
	copy(s.in[sha1.BlockSize:], s.a[:])
}

// nextBlock computes the next output block into blk. A(i+1) is computed
// only when the block after A(i)'s is needed, so no HMAC is wasted.
func (s *state) nextBlock() {
	if s.primed {
		s.nextA()
	}
	s.primed = true
	s.mac(s.blk[:], len(s.in))
	s.pos = 0
}

// read fills p from the stream, producing blocks as needed.
func (s *state) read(p []byte) {
	for len(p) > 0 {
		if s.pos == blockSize {
			s.nextBlock()
		}
		n := copy(p, s.blk[s.pos:])
		s.pos += n
		p = p[n:]
	}
}

// wipe clears the key material and buffered key stream of a state that is
// no longer used.
func (s *state) wipe() {
	clear(s.in)
	clear(s.out[:])
	clear(s.a[:])
	clear(s.blk[:])
}
