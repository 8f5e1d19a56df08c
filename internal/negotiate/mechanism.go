package negotiate

import "context"

// Mechanism is one side (initiator or acceptor) of the security handshake a
// negotiation tunnels in wst:BinaryExchange elements: TLSNEGO (a TLS
// handshake) or SPNEGO (Kerberos). The engine in this package carries its
// blobs leg by leg, keeps the Context and the leg digests, and asks the
// mechanism to wrap (acceptor) or unwrap (initiator) the session key once
// the handshake is complete.
//
// A Mechanism is used by one negotiation at a time; it need not be safe for
// concurrent use.
type Mechanism interface {
	// ValueType is the BinaryExchange ValueType the mechanism's legs carry
	// for WS-Trust namespace trustNS (the 2005/02 TLSNEGO form has a
	// leading space; an acceptor echoes the form the initiator sent).
	ValueType(trustNS string) string
	// Step consumes the peer's last blob (nil for an initiator's first
	// leg) and returns the blob to send next (nil when there is none) and
	// whether the handshake is complete on this side.
	Step(ctx context.Context, in []byte) (out []byte, done bool, err error)
	// WrapAlgorithm is the EncryptionMethod Algorithm of the
	// RequestedProofToken's xenc:EncryptedKey (TLS_Wrap or GSS_Wrap).
	WrapAlgorithm() string
	// Wrap protects the session key for the peer (acceptor, after done).
	Wrap(key []byte) ([]byte, error)
	// Unwrap recovers the session key from the peer's CipherValue
	// (initiator, after done).
	Unwrap(blob []byte) ([]byte, error)
}
