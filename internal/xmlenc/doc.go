// Package xmlenc implements the cipher layer of W3C XML Encryption 1.0/1.1
// as WS-Security uses it: block encryption of xenc:EncryptedData content,
// key transport (RSA) and key wrap (AES) of xenc:EncryptedKey content, and
// the element layer on top: EncryptedData, EncryptedKey, ReferenceList and
// the WS-Security 1.1 EncryptedHeader, decrypted in place under the strict
// input rules of package soap. Algorithms are named by their URIs (see
// ns.go).
//
// # Data layout
//
// The value of an xenc:CipherValue (after base64 decoding) is, as XML
// Encryption specifies and as WCF, Apache WSS4J/Santuario and xmlsec1 produce
// and expect:
//
//   - CBC algorithms: IV (one block) ‖ ciphertext. The plaintext is padded
//     with 1 to blocksize bytes, the last of which holds the pad length; the
//     other pad bytes are random. On decryption only the last byte is checked
//     (it must be in 1..blocksize), as XML Encryption prescribes; stricter
//     checks would reject messages of conforming senders.
//   - GCM algorithms: IV (12 bytes) ‖ ciphertext ‖ tag (16 bytes).
//
// # Security notes
//
// CBC decryption is not authenticated. Anyone can flip bits of the IV and so
// change the first plaintext block at will, without making decryption fail
// (the WSS4J vector msg_05_tampered shows exactly that), and a receiver that
// reveals whether padding was valid is a padding oracle (Jager and
// Somorovsky, "How To Break XML Encryption", 2011). All decryption failures
// therefore return the same ErrDecrypt with no detail, but a receiver must
// still require a signature over the ciphertext (encrypt-then-sign), or the
// result of signature verification over the decrypted content, before it
// acts on or answers differently for a CBC-decrypted payload. Prefer the GCM
// algorithms where the peer supports them.
//
// UnwrapKey never reports a failed RSA decryption. Whatever goes wrong in the
// RSA step (bad padding, wrong ciphertext length, wrong key length), it
// returns a random key of the requested length instead, in the manner of
// RFC 3218 section 2.3.2 and rsa.DecryptPKCS1v15SessionKey. The failure then
// surfaces as the same ErrDecrypt (or signature failure) as any other bad
// message when that key is used, so an attacker learns nothing from which
// step failed (Bleichenbacher's and Manger's attacks). RSA-PKCS#1 v1.5 key
// transport is refused unless AllowRSA15 is passed explicitly.
//
// Errors never contain key material, plaintext or ciphertext. The package
// has no mutable package-level state.
package xmlenc
