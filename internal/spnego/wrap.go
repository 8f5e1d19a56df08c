package spnego

import (
	"crypto/hmac"
	"crypto/subtle"
	"encoding/binary"
	"fmt"
	"strconv"

	"github.com/jcmturner/gokrb5/v8/types"
)

// WrapStyle is the layout of a sealed wrap token a sender produces: the
// extra count EC (filler bytes encrypted after the payload), the RRC
// written in the header, and how far the sealed part is really rotated.
type WrapStyle int

const (
	// WrapWindows is what Windows' Kerberos SSP writes for AES and what
	// WCF's server sends (MS-KILE 3.4.5.4.1): EC = 16, RRC = 16 + checksum
	// length (28 for the SHA-1 enctypes), the sealed part rotated right by
	// RRC+EC rather than by RRC. The default.
	WrapWindows WrapStyle = iota
	// WrapRFC4121 is EC = 16 and RRC = 16 + checksum length with the
	// rotation RFC 4121 defines (by RRC alone), as MIT reads natively.
	WrapRFC4121
	// WrapUnrotated is EC = 0, RRC = 0, as MIT's gss_wrap writes.
	WrapUnrotated
)

const wrapHeaderLen = 16

// wrapHeader is an RFC 4121 wrap token header.
func wrapHeader(flags byte, ec, rrc uint16, seq uint64) []byte {
	h := make([]byte, wrapHeaderLen)
	h[0], h[1], h[2], h[3] = tokIDWrap0, tokIDWrap1, flags, 0xFF
	binary.BigEndian.PutUint16(h[4:], ec)
	binary.BigEndian.PutUint16(h[6:], rrc)
	binary.BigEndian.PutUint64(h[8:], seq)
	return h
}

// sealWrap makes a sealed (confidential) wrap token of payload (RFC 4121
// section 4.2.4) under key with the given key usage, flags and sequence
// number, laid out as style says.
func sealWrap(key types.EncryptionKey, usage uint32, flags byte, seq uint64, payload []byte, style WrapStyle) ([]byte, error) {
	et, err := aesEtype(key)
	if err != nil {
		return nil, err
	}
	var ec, rrc, rot int
	switch style {
	case WrapWindows:
		ec = 16
		rrc = 16 + et.GetHMACBitLength()/8
		rot = rrc + ec
	case WrapRFC4121:
		ec = 16
		rrc = 16 + et.GetHMACBitLength()/8
		rot = rrc
	case WrapUnrotated:
	default:
		return nil, fmt.Errorf("%w: wrap style %d", ErrConfig, style)
	}
	flags |= flagSealed
	pt := make([]byte, 0, len(payload)+ec+wrapHeaderLen)
	pt = append(pt, payload...)
	pt = append(pt, make([]byte, ec)...)
	pt = append(pt, wrapHeader(flags, uint16(ec), 0, seq)...)
	ct, err := encrypt(key, pt, usage)
	if err != nil {
		return nil, err
	}
	out := wrapHeader(flags, uint16(ec), uint16(rrc), seq)
	return append(out, rotateRight(ct, rot)...), nil
}

// openWrap verifies and decrypts a sealed wrap token. fromAcceptor is the
// sender's side; acceptorKey, when it has a value, is the acceptor's
// subkey, which a token flagged AcceptorSubkey must use (and an acceptor
// that sent one always uses); otherKey is the key otherwise.
//
// Windows rotates the sealed part by RRC+EC, RFC 4121 by RRC: the RRC+EC
// reading is tried first and the RRC one when its checksum fails (the two
// agree when EC is 0). A checksum failure under both is ErrWrap.
func openWrap(token []byte, fromAcceptor bool, acceptorKey, otherKey types.EncryptionKey, usage uint32) ([]byte, error) {
	if len(token) < wrapHeaderLen {
		return nil, fmt.Errorf("%w: wrap token of %d bytes", ErrMalformed, len(token))
	}
	h := token[:wrapHeaderLen]
	if h[0] != tokIDWrap0 || h[1] != tokIDWrap1 || h[3] != 0xFF {
		return nil, fmt.Errorf("%w: not an RFC 4121 wrap token", ErrMalformed)
	}
	flags := h[2]
	if (flags&flagSentByAcceptor != 0) != fromAcceptor {
		return nil, fmt.Errorf("%w: token from the wrong side", ErrWrap)
	}
	if flags&flagSealed == 0 {
		return nil, fmt.Errorf("%w: token not sealed (confidentiality required)", ErrWrap)
	}
	key := otherKey
	switch {
	case flags&flagAcceptorSubkey != 0 && acceptorKey.KeyValue == nil:
		return nil, fmt.Errorf("%w: token under an acceptor subkey the acceptor never sent", ErrWrap)
	case flags&flagAcceptorSubkey == 0 && acceptorKey.KeyValue != nil:
		return nil, fmt.Errorf("%w: token not under the acceptor subkey", ErrWrap)
	case flags&flagAcceptorSubkey != 0:
		key = acceptorKey
	}
	et, err := aesEtype(key)
	if err != nil {
		return nil, err
	}
	ec := int(binary.BigEndian.Uint16(h[4:]))
	rrc := int(binary.BigEndian.Uint16(h[6:]))
	body := token[wrapHeaderLen:]
	if len(body) < et.GetConfounderByteSize()+et.GetHMACBitLength()/8+ec+wrapHeaderLen {
		return nil, fmt.Errorf("%w: wrap token of %d bytes for EC %d", ErrMalformed, len(token), ec)
	}
	rots := []int{rrc + ec}
	if ec != 0 {
		rots = append(rots, rrc)
	}
	for _, rot := range rots {
		pt, err := decrypt(key, rotateLeft(body, rot), usage)
		if err != nil {
			continue
		}
		if len(pt) < ec+wrapHeaderLen {
			return nil, fmt.Errorf("%w: sealed part shorter than EC and header", ErrWrap)
		}
		want := wrapHeader(flags, uint16(ec), 0, binary.BigEndian.Uint64(h[8:]))
		if subtle.ConstantTimeCompare(pt[len(pt)-wrapHeaderLen:], want) != 1 {
			return nil, fmt.Errorf("%w: the encrypted header differs from the token's", ErrWrap)
		}
		return pt[:len(pt)-ec-wrapHeaderLen], nil
	}
	return nil, fmt.Errorf("%w: checksum failed (rotation RRC+EC %d and RRC %d)", ErrWrap, rrc+ec, rrc)
}

// rotateRight returns b rotated right by n bytes (modulo its length).
func rotateRight(b []byte, n int) []byte {
	if len(b) == 0 {
		return append([]byte(nil), b...)
	}
	n %= len(b)
	out := make([]byte, 0, len(b))
	out = append(out, b[len(b)-n:]...)
	return append(out, b[:len(b)-n]...)
}

// rotateLeft undoes rotateRight.
func rotateLeft(b []byte, n int) []byte {
	if len(b) == 0 {
		return append([]byte(nil), b...)
	}
	return rotateRight(b, len(b)-n%len(b))
}

// micHeader is an RFC 4121 MIC token header.
func micHeader(flags byte, seq uint64) []byte {
	h := make([]byte, 16)
	h[0], h[1], h[2] = tokIDMIC0, tokIDMIC1, flags
	for i := 3; i < 8; i++ {
		h[i] = 0xFF
	}
	binary.BigEndian.PutUint64(h[8:], seq)
	return h
}

// makeMIC is the RFC 4121 MIC token over msg.
func makeMIC(key types.EncryptionKey, usage uint32, flags byte, seq uint64, msg []byte) ([]byte, error) {
	et, err := aesEtype(key)
	if err != nil {
		return nil, err
	}
	h := micHeader(flags, seq)
	sum, err := et.GetChecksumHash(key.KeyValue, append(append([]byte(nil), msg...), h...), usage)
	if err != nil {
		return nil, fmt.Errorf("spnego: MIC: %w", err)
	}
	return append(h, sum...), nil
}

// verifyMIC checks an RFC 4121 MIC token over msg, sent by the side
// fromAcceptor says.
func verifyMIC(token []byte, key types.EncryptionKey, usage uint32, fromAcceptor bool, msg []byte) error {
	et, err := aesEtype(key)
	if err != nil {
		return err
	}
	if len(token) != 16+et.GetHMACBitLength()/8 {
		return fmt.Errorf("%w: MIC token of %d bytes", ErrMIC, len(token))
	}
	h := token[:16]
	if h[0] != tokIDMIC0 || h[1] != tokIDMIC1 || subtle.ConstantTimeCompare(h[3:8], []byte{0xFF, 0xFF, 0xFF, 0xFF, 0xFF}) != 1 {
		return fmt.Errorf("%w: not an RFC 4121 MIC token", ErrMIC)
	}
	if (h[2]&flagSentByAcceptor != 0) != fromAcceptor {
		return fmt.Errorf("%w: MIC from the wrong side", ErrMIC)
	}
	sum, err := et.GetChecksumHash(key.KeyValue, append(append([]byte(nil), msg...), h...), usage)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrMIC, err)
	}
	if !hmac.Equal(sum, token[16:]) {
		return fmt.Errorf("%w: checksum differs", ErrMIC)
	}
	return nil
}

// String names the style.
func (s WrapStyle) String() string {
	switch s {
	case WrapWindows:
		return "windows"
	case WrapRFC4121:
		return "rfc4121"
	case WrapUnrotated:
		return "unrotated"
	}
	return "WrapStyle(" + strconv.Itoa(int(s)) + ")"
}
