package secureconv

import (
	"crypto/aes"
	"crypto/cipher"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"time"
)

// RingKeySize is the size of a key ring secret: an AES-256-GCM key.
const RingKeySize = 32

// MaxRingKeys bounds the number of keys of a KeyRing.
const MaxRingKeys = 256

// maxKeyRingFile bounds the size of a key ring file.
const maxKeyRingFile = 1 << 20

// RingKey is one key of a KeyRing.
type RingKey struct {
	// ID names the key in the cookies it seals. IDs are unique in a ring;
	// never reuse the ID of a retired key for a new secret.
	ID uint32
	// Secret is the AES-256-GCM key, RingKeySize bytes. NewKeyRing does not
	// keep it: the caller may wipe it afterwards.
	Secret []byte
	// NotBefore, when set, is when the key starts sealing; it opens cookies
	// from the start. Give a new key a NotBefore after every node of a farm
	// has loaded it, so that no node seals with a key another cannot open
	// yet.
	NotBefore time.Time
	// NotAfter, when set, is when the key retires: from then on it neither
	// seals nor opens.
	NotAfter time.Time
}

// ErrNoSealingKey is returned by SealCookie when no key of the ring may
// seal at the ring's current time (all retired or not yet active).
var ErrNoSealingKey = errors.New("secureconv: key ring has no active sealing key")

// KeyRing holds the keys that seal and open session cookies (cookie mode):
// the newest active key seals, every key that is not retired opens.
// Rotation is adding a key (with NotBefore after the farm has it) and
// retiring the old one (NotAfter after the last cookie it sealed has
// expired). A KeyRing is immutable and safe for concurrent use.
type KeyRing struct {
	keys []ckRingKey // in the order given
	pool *ckPools
}

// ckRingKey is a key of a ring ready for use.
type ckRingKey struct {
	id                  uint32
	aead                cipher.AEAD
	notBefore, notAfter time.Time
}

// ckPools holds buffers and compressors reused by SealCookie and
// OpenCookie with one ring.
type ckPools struct {
	writers sync.Pool // *ckWriter
	readers sync.Pool // *ckReader
}

// NewKeyRing returns a ring of keys, in the order given. It refuses an
// empty ring, secrets of the wrong size, more than MaxRingKeys keys,
// duplicate IDs, and a NotAfter not after NotBefore. The ring has no
// clock: SealCookie and OpenCookie are given the time by their caller.
func NewKeyRing(keys ...RingKey) (*KeyRing, error) {
	if len(keys) == 0 {
		return nil, errors.New("secureconv: key ring without keys")
	}
	if len(keys) > MaxRingKeys {
		return nil, fmt.Errorf("secureconv: key ring of %d keys exceeds %d", len(keys), MaxRingKeys)
	}
	r := &KeyRing{keys: make([]ckRingKey, 0, len(keys)), pool: &ckPools{}}
	seen := make(map[uint32]bool, len(keys))
	for _, k := range keys {
		if seen[k.ID] {
			return nil, fmt.Errorf("secureconv: key ring: duplicate key id %d", k.ID)
		}
		seen[k.ID] = true
		if len(k.Secret) != RingKeySize {
			return nil, fmt.Errorf("secureconv: key ring: key %d: secret of %d bytes, want %d", k.ID, len(k.Secret), RingKeySize)
		}
		if !k.NotAfter.IsZero() && !k.NotAfter.After(k.NotBefore) {
			return nil, fmt.Errorf("secureconv: key ring: key %d retires before it is active", k.ID)
		}
		block, err := aes.NewCipher(k.Secret)
		if err != nil {
			return nil, fmt.Errorf("secureconv: key ring: key %d: %w", k.ID, err)
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, fmt.Errorf("secureconv: key ring: key %d: %w", k.ID, err)
		}
		r.keys = append(r.keys, ckRingKey{id: k.ID, aead: aead, notBefore: k.NotBefore, notAfter: k.NotAfter})
	}
	return r, nil
}

// KeyIDs returns the IDs of the ring's keys, retired ones included, in
// ring order.
func (r *KeyRing) KeyIDs() []uint32 {
	ids := make([]uint32, len(r.keys))
	for i, k := range r.keys {
		ids[i] = k.id
	}
	return ids
}

// sealKey returns the key that seals at now: of the keys active at now
// (NotBefore <= now < NotAfter), the one with the latest NotBefore, the
// later in ring order on a tie.
func (r *KeyRing) sealKey(now time.Time) *ckRingKey {
	var best *ckRingKey
	for i := range r.keys {
		k := &r.keys[i]
		if now.Before(k.notBefore) || k.retired(now) {
			continue
		}
		if best == nil || !k.notBefore.Before(best.notBefore) {
			best = k
		}
	}
	return best
}

// openKey returns the key id if it is in the ring and not retired at now.
func (r *KeyRing) openKey(id uint32, now time.Time) *ckRingKey {
	for i := range r.keys {
		if k := &r.keys[i]; k.id == id {
			if k.retired(now) {
				return nil
			}
			return k
		}
	}
	return nil
}

func (k *ckRingKey) retired(now time.Time) bool {
	return !k.notAfter.IsZero() && !now.Before(k.notAfter)
}

// LoadKeyRing reads a key ring file (see ParseKeyRing) and wipes its
// contents from memory once the ring is built. Keep the file readable by
// the service account only (mode 0600).
func LoadKeyRing(path string) (*KeyRing, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("secureconv: key ring: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxKeyRingFile+1))
	defer clear(data)
	if err != nil {
		return nil, fmt.Errorf("secureconv: key ring %s: %w", path, err)
	}
	if len(data) > maxKeyRingFile {
		return nil, fmt.Errorf("secureconv: key ring %s: larger than %d bytes", path, maxKeyRingFile)
	}
	r, err := ParseKeyRing(data)
	if err != nil {
		return nil, fmt.Errorf("%w (file %s)", err, path)
	}
	return r, nil
}

// ParseKeyRing builds a ring from the JSON of a key ring file:
//
//	{"keys": [
//	  {"id": 1, "secret": "<base64 of 32 bytes>", "retire": "2026-12-01T00:00:00Z"},
//	  {"id": 2, "secret": "<base64 of 32 bytes>", "activate": "2026-11-01T12:00:00Z"}
//	]}
//
// id is a number from 0 to 4294967295; secret is standard base64 with
// padding; activate (RingKey.NotBefore) and retire (RingKey.NotAfter) are
// optional RFC 3339 times. Unknown fields are refused. Errors never quote
// the file's contents. ParseKeyRing does not modify data; the decoded
// secrets are wiped once the ring is built.
func ParseKeyRing(data []byte) (*KeyRing, error) {
	// encoding/json copies what it decodes into json.RawMessage, so every
	// copy of a secret is a RawMessage wiped below (json.Decoder, which
	// could refuse unknown fields itself, would keep an unwipeable copy).
	var top map[string]json.RawMessage
	var objs []map[string]json.RawMessage
	defer func() {
		for _, v := range top {
			clear(v)
		}
		for _, o := range objs {
			for _, v := range o {
				clear(v)
			}
		}
	}()
	if err := json.Unmarshal(data, &top); err != nil {
		return nil, fmt.Errorf("secureconv: key ring: %s", ckJSONError(err))
	}
	for name := range top {
		if name != "keys" {
			return nil, fmt.Errorf("secureconv: key ring: unknown field %s", ckFieldName(name))
		}
	}
	if _, ok := top["keys"]; !ok {
		return nil, errors.New("secureconv: key ring: no \"keys\" array")
	}
	if err := json.Unmarshal(top["keys"], &objs); err != nil {
		return nil, fmt.Errorf("secureconv: key ring: keys: %s", ckJSONError(err))
	}
	if len(objs) > MaxRingKeys {
		return nil, fmt.Errorf("secureconv: key ring of %d keys exceeds %d", len(objs), MaxRingKeys)
	}
	keys := make([]RingKey, 0, len(objs))
	defer func() {
		for _, k := range keys {
			clear(k.Secret)
		}
	}()
	for i, o := range objs {
		k, err := ckParseFileKey(o)
		if err != nil {
			return nil, fmt.Errorf("secureconv: key ring: key %d: %w", i+1, err)
		}
		keys = append(keys, k)
	}
	return NewKeyRing(keys...)
}

// ckParseFileKey decodes one key object of a key ring file.
func ckParseFileKey(o map[string]json.RawMessage) (RingKey, error) {
	var k RingKey
	for name := range o {
		switch name {
		case "id", "secret", "activate", "retire":
		default:
			return k, fmt.Errorf("unknown field %s", ckFieldName(name))
		}
	}
	id, ok := o["id"]
	if !ok {
		return k, errors.New("no id")
	}
	if err := json.Unmarshal(id, &k.ID); err != nil {
		return k, errors.New("id is not a number from 0 to 4294967295")
	}
	if k.Secret, ok = ckDecodeSecret(o["secret"]); !ok {
		return k, fmt.Errorf("secret is not a base64 string of %d bytes", RingKeySize)
	}
	for _, tm := range []struct {
		name string
		dst  *time.Time
	}{{"activate", &k.NotBefore}, {"retire", &k.NotAfter}} {
		raw, ok := o[tm.name]
		if !ok {
			continue
		}
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			clear(k.Secret)
			return RingKey{}, fmt.Errorf("%s is not a string", tm.name)
		}
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			clear(k.Secret)
			return RingKey{}, fmt.Errorf("%s is not an RFC 3339 time", tm.name)
		}
		*tm.dst = v
	}
	return k, nil
}

// ckDecodeSecret decodes a JSON string of standard base64 holding
// RingKeySize bytes. Strings with escapes are refused.
func ckDecodeSecret(raw json.RawMessage) ([]byte, bool) {
	if len(raw) < 2 || raw[0] != '"' || raw[len(raw)-1] != '"' {
		return nil, false
	}
	s := raw[1 : len(raw)-1]
	if base64.StdEncoding.DecodedLen(len(s)) > RingKeySize+2 {
		return nil, false
	}
	buf := make([]byte, base64.StdEncoding.DecodedLen(len(s)))
	n, err := base64.StdEncoding.Strict().Decode(buf, s)
	if err != nil || n != RingKeySize {
		clear(buf)
		return nil, false
	}
	return buf[:n], true
}

// ckJSONError describes a JSON decoding error without quoting the input,
// which may hold secrets.
func ckJSONError(err error) string {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return fmt.Sprintf("JSON syntax error at offset %d", syn.Offset)
	case errors.As(err, &typ):
		return fmt.Sprintf("JSON value of the wrong type at offset %d", typ.Offset)
	}
	return "invalid JSON"
}

// ckFieldName quotes an unknown field name of a key ring file for an error
// message, unless it is long enough to be a misplaced secret.
func ckFieldName(name string) string {
	if len(name) > 20 {
		return "(a long name)"
	}
	return fmt.Sprintf("%q", name)
}
