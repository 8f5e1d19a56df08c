package main

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/binary"
	"fmt"
)

// Bounds of the TLS decoder of inspect: a BinaryExchange blob is at most
// 64 KiB (negotiate.MaxBlobSize), so these only cap what is listed.
const (
	maxTLSRecords    = 64
	maxTLSHandshakes = 64
	maxTLSCerts      = 16
	// maxTLSRecordLen is the largest record TLS allows (2^14 plus the
	// expansion of a protected record).
	maxTLSRecordLen = 1<<14 + 2048
)

// tlsFlight is what inspect reads from the bytes of a TLSNEGO blob (or a
// TLS_Wrap CipherValue): the record layer and, for the records in clear,
// the handshake messages.
type tlsFlight struct {
	Records    []tlsRecord    `json:"records"`
	Handshakes []tlsHandshake `json:"handshakes,omitempty"`
	Notes      []string       `json:"notes,omitempty"`
}

// tlsRecord is one TLS record header.
type tlsRecord struct {
	Type    string `json:"type"`
	Version string `json:"version"`
	Length  int    `json:"length"`
	// Truncated: the blob ends before the record does.
	Truncated bool `json:"truncated,omitempty"`
}

// tlsHandshake is one handshake message (or an encrypted one).
type tlsHandshake struct {
	Type   string `json:"type"`
	Length int    `json:"length,omitempty"`
	// ClientHello: the versions offered (supported_versions, else the
	// legacy version), the number of cipher suites and the SNI.
	Offered      []string `json:"offeredVersions,omitempty"`
	CipherSuites int      `json:"cipherSuites,omitempty"`
	SNI          string   `json:"sni,omitempty"`
	// ServerHello: the version and suite chosen.
	Version     string `json:"version,omitempty"`
	CipherSuite string `json:"cipherSuite,omitempty"`
	// Certificate: the subject of each certificate (TLS 1.2; TLS 1.3
	// encrypts it).
	Subjects []string `json:"subjects,omitempty"`
	Error    string   `json:"error,omitempty"`
}

var tlsContentTypes = map[byte]string{20: "change_cipher_spec", 21: "alert", 22: "handshake", 23: "application_data", 24: "heartbeat"}

var tlsHandshakeTypes = map[byte]string{
	0: "HelloRequest", 1: "ClientHello", 2: "ServerHello", 4: "NewSessionTicket", 5: "EndOfEarlyData",
	8: "EncryptedExtensions", 11: "Certificate", 12: "ServerKeyExchange", 13: "CertificateRequest",
	14: "ServerHelloDone", 15: "CertificateVerify", 16: "ClientKeyExchange", 20: "Finished", 24: "KeyUpdate",
}

// helloRetryRandom is the ServerHello random of a TLS 1.3 HelloRetryRequest.
var helloRetryRandom = [32]byte{
	0xCF, 0x21, 0xAD, 0x74, 0xE5, 0x9A, 0x61, 0x11, 0xBE, 0x1D, 0x8C, 0x02, 0x1E, 0x65, 0xB8, 0x91,
	0xC2, 0xA2, 0x11, 0x16, 0x7A, 0xBB, 0x8C, 0x5E, 0x07, 0x9E, 0x09, 0xE2, 0xC8, 0xA8, 0x33, 0x9C,
}

func tlsVersionName(v uint16) string { return tls.VersionName(v) }

// looksLikeTLS reports whether b starts with a TLS record header.
func looksLikeTLS(b []byte) bool {
	_, known := tlsContentTypes[b0(b)]
	return len(b) >= 5 && known && b[1] == 3
}

func b0(b []byte) byte {
	if len(b) == 0 {
		return 0
	}
	return b[0]
}

// decodeTLS reads the records of b. wrapped marks a TLS_Wrap CipherValue,
// whose application data is the key.
func decodeTLS(b []byte, wrapped bool) *tlsFlight {
	f := &tlsFlight{Records: []tlsRecord{}}
	var hs []byte // the handshake bytes in clear, across records
	encrypted := false
	tls13 := false
	for len(b) > 0 {
		if len(f.Records) == maxTLSRecords {
			f.Notes = append(f.Notes, fmt.Sprintf("more than %d records: the rest is not listed", maxTLSRecords))
			break
		}
		if len(b) < 5 {
			f.Notes = append(f.Notes, fmt.Sprintf("%d bytes after the last record: not a record header", len(b)))
			break
		}
		typ, ok := tlsContentTypes[b[0]]
		if !ok || b[1] != 3 {
			f.Notes = append(f.Notes, fmt.Sprintf("not a TLS record (type %d, version %#04x): the rest is not decoded", b[0], binary.BigEndian.Uint16(b[1:3])))
			break
		}
		n := int(binary.BigEndian.Uint16(b[3:5]))
		rec := tlsRecord{Type: typ, Version: tlsVersionName(binary.BigEndian.Uint16(b[1:3])), Length: n}
		if n > maxTLSRecordLen {
			f.Notes = append(f.Notes, fmt.Sprintf("a %s record of %d bytes is longer than TLS allows", typ, n))
		}
		body := b[5:]
		if len(body) < n {
			rec.Truncated = true
			f.Notes = append(f.Notes, fmt.Sprintf("the %s record is truncated: %d of %d bytes present", typ, len(body), n))
			b = nil
		} else {
			body, b = body[:n], body[n:]
		}
		f.Records = append(f.Records, rec)
		switch typ {
		case "change_cipher_spec":
			encrypted = !tls13 // TLS 1.3's CCS is for middleboxes only
		case "handshake":
			if encrypted {
				f.addHandshake(tlsHandshake{Type: "encrypted handshake message (Finished)", Length: len(body)})
				continue
			}
			hs = append(hs, body...)
			hs, tls13 = f.handshakes(hs, rec.Truncated, tls13)
		case "application_data":
			switch {
			case wrapped:
				f.addHandshake(tlsHandshake{Type: "application data: the wrapped key", Length: len(body)})
			case tls13:
				f.addHandshake(tlsHandshake{Type: "encrypted TLS 1.3 handshake messages (EncryptedExtensions to Finished)", Length: len(body)})
			default:
				f.addHandshake(tlsHandshake{Type: "application data (encrypted: TLS 1.3 handshake messages or data)", Length: len(body)})
			}
		case "alert":
			if len(body) == 2 && !encrypted {
				f.Notes = append(f.Notes, fmt.Sprintf("alert level %d description %d", body[0], body[1]))
			}
		}
	}
	if len(hs) > 0 {
		f.Notes = append(f.Notes, fmt.Sprintf("a handshake message continues beyond the blob (%d bytes of it present)", len(hs)))
	}
	return f
}

func (f *tlsFlight) addHandshake(h tlsHandshake) {
	if len(f.Handshakes) < maxTLSHandshakes {
		f.Handshakes = append(f.Handshakes, h)
	}
}

// handshakes reads the complete handshake messages of hs and returns what
// is left (a message continued in the next record) and whether a
// ServerHello chose TLS 1.3.
func (f *tlsFlight) handshakes(hs []byte, truncated, tls13 bool) ([]byte, bool) {
	for len(hs) >= 4 {
		n := int(hs[1])<<16 | int(hs[2])<<8 | int(hs[3])
		if len(hs)-4 < n {
			if truncated {
				name := tlsHandshakeTypes[hs[0]]
				f.addHandshake(tlsHandshake{Type: name, Length: n, Error: fmt.Sprintf("truncated: %d of %d bytes", len(hs)-4, n)})
			}
			return hs, tls13
		}
		typ, body := hs[0], hs[4:4+n]
		hs = hs[4+n:]
		name, ok := tlsHandshakeTypes[typ]
		if !ok {
			name = fmt.Sprintf("handshake type %d", typ)
		}
		h := tlsHandshake{Type: name, Length: n}
		var err error
		switch typ {
		case 1:
			err = parseClientHello(body, &h)
		case 2:
			err = parseServerHello(body, &h)
			tls13 = tls13 || h.Version == tlsVersionName(tls.VersionTLS13)
		case 11:
			err = parseCertificateMsg(body, tls13, &h)
		}
		if err != nil {
			h.Error = err.Error()
		}
		f.addHandshake(h)
	}
	return hs, tls13
}

// tlsReader reads the fields of a handshake message without panicking.
type tlsReader struct {
	b   []byte
	err error
}

func (r *tlsReader) bytes(n int) []byte {
	if r.err != nil {
		return nil
	}
	if n < 0 || len(r.b) < n {
		r.err = fmt.Errorf("truncated message (%d bytes wanted, %d left)", n, len(r.b))
		return nil
	}
	out := r.b[:n]
	r.b = r.b[n:]
	return out
}

func (r *tlsReader) uint(n int) int {
	v := 0
	for _, c := range r.bytes(n) {
		v = v<<8 | int(c)
	}
	return v
}

// vector reads a length-prefixed vector (prefix of n bytes).
func (r *tlsReader) vector(n int) []byte { return r.bytes(r.uint(n)) }

// extensions calls fn for each extension of the remaining bytes.
func (r *tlsReader) extensions(fn func(typ int, data []byte)) {
	if r.err != nil || len(r.b) == 0 {
		return
	}
	ext := &tlsReader{b: r.vector(2)}
	for r.err == nil && ext.err == nil && len(ext.b) > 0 {
		typ := ext.uint(2)
		data := ext.vector(2)
		if ext.err == nil {
			fn(typ, data)
		}
	}
	if r.err == nil {
		r.err = ext.err
	}
}

const (
	extServerName        = 0
	extSupportedVersions = 43
)

func parseClientHello(body []byte, h *tlsHandshake) error {
	r := &tlsReader{b: body}
	legacy := uint16(r.uint(2))
	r.bytes(32) // random
	r.vector(1) // session id
	suites := r.vector(2)
	r.vector(1) // compression methods
	h.CipherSuites = len(suites) / 2
	r.extensions(func(typ int, data []byte) {
		d := &tlsReader{b: data}
		switch typ {
		case extSupportedVersions:
			list := &tlsReader{b: d.vector(1)}
			for list.err == nil && len(list.b) >= 2 && len(h.Offered) < 16 {
				v := uint16(list.uint(2))
				if v&0x0f0f == 0x0a0a {
					continue // GREASE
				}
				h.Offered = append(h.Offered, tlsVersionName(v))
			}
		case extServerName:
			list := &tlsReader{b: d.vector(2)}
			for list.err == nil && len(list.b) > 0 {
				kind := list.uint(1)
				name := list.vector(2)
				if list.err == nil && kind == 0 && len(name) <= 255 {
					h.SNI = string(name)
					break
				}
			}
		}
	})
	if len(h.Offered) == 0 && len(body) >= 2 {
		h.Offered = []string{tlsVersionName(legacy)}
	}
	return r.err
}

func parseServerHello(body []byte, h *tlsHandshake) error {
	r := &tlsReader{b: body}
	v := uint16(r.uint(2))
	random := r.bytes(32)
	r.vector(1) // session id
	suite := uint16(r.uint(2))
	if r.err == nil {
		h.CipherSuite = tls.CipherSuiteName(suite)
	}
	r.uint(1) // compression method
	if len(random) == 32 && [32]byte(random) == helloRetryRandom {
		h.Type = "HelloRetryRequest"
	}
	r.extensions(func(typ int, data []byte) {
		if typ == extSupportedVersions && len(data) == 2 {
			v = binary.BigEndian.Uint16(data)
		}
	})
	if len(body) >= 2 {
		h.Version = tlsVersionName(v)
	}
	return r.err
}

func parseCertificateMsg(body []byte, tls13 bool, h *tlsHandshake) error {
	r := &tlsReader{b: body}
	if tls13 {
		r.vector(1) // certificate_request_context
	}
	list := &tlsReader{b: r.vector(3)}
	for list.err == nil && len(list.b) > 0 {
		der := list.vector(3)
		if tls13 {
			list.vector(2) // the entry's extensions
		}
		if list.err != nil {
			break
		}
		if len(h.Subjects) == maxTLSCerts {
			h.Subjects = append(h.Subjects, "…")
			break
		}
		c, err := x509.ParseCertificate(der)
		if err != nil {
			h.Subjects = append(h.Subjects, fmt.Sprintf("(%d bytes, not a certificate: %v)", len(der), err))
			continue
		}
		h.Subjects = append(h.Subjects, c.Subject.String())
	}
	if r.err != nil {
		return r.err
	}
	return list.err
}
