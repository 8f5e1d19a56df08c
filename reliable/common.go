package reliable

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/xml"
	"hash"

	"github.com/soapstack/soapstack/reliable/internal/wire"
	"github.com/soapstack/soapstack/soap"
)

// SignedHeaders returns the names of the RM headers of both versions
// (Sequence, SequenceAcknowledgement, AckRequested, SequenceFault, 1.1's
// UsesSequenceSTR) and WCF's netrm namespace, for a security policy's
// SignedParts.Headers. WCF signs every RM header with the message: a
// policy that lists these refuses a message whose RM headers are not
// signed, so that acknowledgements and sequence numbers cannot be forged
// or moved between messages.
func SignedHeaders() []xml.Name {
	var out []xml.Name
	for _, ns := range []string{NSRM200502, NSRM11} {
		for _, l := range []string{"Sequence", "SequenceAcknowledgement", "AckRequested", "SequenceFault"} {
			out = append(out, xml.Name{Space: ns, Local: l})
		}
	}
	return append(out, xml.Name{Space: NSRM11, Local: "UsesSequenceSTR"}, xml.Name{Space: NSNetRM})
}

// ownerOf returns the owner of sequences created or used under ctx: the
// secure session's context id and a hash of the principal's identities
// (authentication method, claims, certificate), so that a sequence is
// bound to both. Without a principal both are empty.
func ownerOf(ctx context.Context) Owner {
	p, ok := soap.PrincipalFromContext(ctx)
	if !ok || p == nil {
		return Owner{}
	}
	var o Owner
	if p.Session != nil {
		o.ContextID = p.Session.ContextID
	}
	h := sha256.New()
	for _, id := range p.Identities {
		writeField(h, id.AuthenticationMethod)
		for _, c := range id.Claims {
			writeField(h, c.Type)
			writeField(h, c.Value)
			writeField(h, c.Issuer)
		}
		if id.Certificate != nil {
			writeField(h, string(id.Certificate.Raw))
		} else {
			writeField(h, "")
		}
		writeField(h, "\x00identity")
	}
	o.Key = hex.EncodeToString(h.Sum(nil))
	return o
}

// writeField writes s length-prefixed, so that field boundaries cannot
// be shifted.
func writeField(h hash.Hash, s string) {
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], uint64(len(s)))
	h.Write(n[:])
	h.Write([]byte(s))
}

// ackHeader returns the SequenceAcknowledgement header of sequence id in
// version v for ack: 1.0's 0-0 form or 1.1's None when nothing was
// received, 1.1's Final when the sequence is closed or terminated, and
// netrm:BufferRemaining when flow is true (WCF writes it whenever flow
// control is enabled).
func ackHeader(v Version, id string, ack Ack, flow bool) *wire.SequenceAcknowledgement {
	a := &wire.SequenceAcknowledgement{Version: v, Identifier: id, Final: v == V11 && ack.Final}
	for _, r := range ack.Ranges {
		a.Ranges = append(a.Ranges, wire.Range{Lower: uint64(r.Lower), Upper: uint64(r.Upper)})
	}
	if flow {
		b := max(ack.BufferRemaining, 0)
		a.BufferRemaining = &b
	}
	return a
}
