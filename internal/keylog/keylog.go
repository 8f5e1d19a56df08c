// Package keylog writes and reads soapstack's session key log: one line per
// secure-session key, so that a user can decrypt and verify their own
// traffic afterwards (soapstack inspect --keylog), as crypto/tls's
// KeyLogWriter lets Wireshark read TLS.
//
// The format is line based, UTF-8, one record per line:
//
//	SCT_KEY <context-id> <generation> <key-hex>
//
// context-id is the SecurityContextToken's Identifier, generation its
// Instance or "-" when it has none, key-hex the session key in lower-case
// hex. Fields are separated by one space; identifiers never contain spaces
// (they are URIs). Lines starting with '#' and empty lines are comments.
// Unknown labels are skipped by readers, so the format can grow.
//
// The file holds secrets: whoever reads it can forge and read the
// session's messages. Writers must be enabled explicitly and only for
// debugging.
package keylog

import (
	"bufio"
	"encoding/hex"
	"fmt"
	"io"
	"strings"
)

// LabelSCT is the label of a secure-session key record.
const LabelSCT = "SCT_KEY"

// maxLine bounds one line of a key log (a context id is at most a few
// hundred bytes, a key at most 64).
const maxLine = 4096

// Entry is one key record.
type Entry struct {
	// ContextID is the SecurityContextToken's Identifier.
	ContextID string
	// Generation is the token's Instance, or "" when it has none.
	Generation string
	// Key is the session key.
	Key []byte
}

// Line returns e as one key-log line, with its newline.
func (e Entry) Line() string {
	gen := e.Generation
	if gen == "" {
		gen = "-"
	}
	return LabelSCT + " " + e.ContextID + " " + gen + " " + hex.EncodeToString(e.Key) + "\n"
}

// Write writes e to w as one line, in a single Write call so that
// concurrent writers to an O_APPEND file do not interleave.
func Write(w io.Writer, e Entry) error {
	if strings.ContainsAny(e.ContextID, " \t\r\n") || strings.ContainsAny(e.Generation, " \t\r\n") || e.ContextID == "" {
		return fmt.Errorf("keylog: identifier %q or generation %q cannot be written", e.ContextID, e.Generation)
	}
	_, err := io.WriteString(w, e.Line())
	return err
}

// Read parses a key log. Malformed lines are errors naming the line
// number; unknown labels and comments are skipped.
func Read(r io.Reader) ([]Entry, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 512), maxLine)
	var out []Entry
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimRight(sc.Text(), "\r")
		if line == "" || line[0] == '#' {
			continue
		}
		f := strings.Split(line, " ")
		if f[0] != LabelSCT {
			continue
		}
		if len(f) != 4 || f[1] == "" || f[2] == "" {
			return nil, fmt.Errorf("keylog: line %d: want %q <context-id> <generation> <key-hex>", n, LabelSCT)
		}
		key, err := hex.DecodeString(f[3])
		if err != nil || len(key) == 0 {
			return nil, fmt.Errorf("keylog: line %d: the key is not hex", n)
		}
		e := Entry{ContextID: f[1], Key: key}
		if f[2] != "-" {
			e.Generation = f[2]
		}
		out = append(out, e)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("keylog: line %d: %w", n+1, err)
	}
	return out, nil
}

// Find returns the key of the session contextID at generation (""
// for none), the last one logged when several match.
func Find(entries []Entry, contextID, generation string) ([]byte, bool) {
	for i := len(entries) - 1; i >= 0; i-- {
		if entries[i].ContextID == contextID && entries[i].Generation == generation {
			return entries[i].Key, true
		}
	}
	return nil, false
}
