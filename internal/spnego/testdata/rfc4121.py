"""RFC 4121 sealed wrap tokens for AES (RFC 3961/3962), written from the
RFCs on the 'cryptography' package: an implementation independent of
gokrb5 and of MIT's, used to make wrap tokens in the layouts MIT's gss_wrap
never writes (EC = 16 rotated by RRC+EC as Windows does, or by RRC alone).
"""
import hashlib
import hmac
import math
import struct

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

ACCEPTOR_SEAL = 22
INITIATOR_SEAL = 24
SENT_BY_ACCEPTOR, SEALED, ACCEPTOR_SUBKEY = 1, 2, 4


def _rotr_bits(b, bits):
    """b (as one big-endian integer) rotated right by bits."""
    n = len(b) * 8
    v = int.from_bytes(b, "big")
    bits %= n
    v = ((v >> bits) | (v << (n - bits))) & ((1 << n) - 1)
    return v.to_bytes(len(b), "big")


def nfold(data, size):
    """RFC 3961 section 5.1 n-fold of data to size bytes."""
    total = size * len(data) // math.gcd(size, len(data))
    stream = b"".join(_rotr_bits(data, 13 * i) for i in range(total // len(data)))
    acc = 0
    mod = 1 << (size * 8)
    for off in range(0, total, size):
        acc += int.from_bytes(stream[off:off + size], "big")
        while acc >= mod:  # ones' complement addition: carry wraps around
            acc = (acc & (mod - 1)) + (acc >> (size * 8))
    return acc.to_bytes(size, "big")


def _aes_ecb(key, block):
    e = Cipher(algorithms.AES(key), modes.ECB()).encryptor()
    return e.update(block) + e.finalize()


def derive(key, constant):
    """DK(key, constant) for AES: DR iterated to the key length."""
    out, block = b"", nfold(constant, 16)
    while len(out) < len(key):
        block = _aes_ecb(key, block)
        out += block
    return out[:len(key)]


def aes_cts_encrypt(key, data):
    """AES in CBC mode with ciphertext stealing (RFC 3962: CBC-CS3),
    zero IV."""
    if len(data) < 16:
        raise ValueError("CTS needs at least one block")
    pad = (-len(data)) % 16
    e = Cipher(algorithms.AES(key), modes.CBC(b"\0" * 16)).encryptor()
    ct = e.update(data + b"\0" * pad) + e.finalize()
    if len(data) == 16:
        return ct
    last, prev = ct[-16:], ct[-32:-16]
    return ct[:-32] + last + prev[:16 - pad]


def encrypt(key, usage, plaintext, confounder):
    """RFC 3961 simplified profile encryption: E(Ke, conf|pt) | H(Ki)."""
    ke = derive(key, struct.pack(">I", usage) + b"\xaa")
    ki = derive(key, struct.pack(">I", usage) + b"\x55")
    body = confounder + plaintext
    mac = hmac.new(ki, body, hashlib.sha1).digest()[:12]
    return aes_cts_encrypt(ke, body) + mac


def header(flags, ec, rrc, seq):
    return struct.pack(">BBBBHHQ", 5, 4, flags, 0xFF, ec, rrc, seq)


def rotate_right(b, n):
    if not b:
        return b
    n %= len(b)
    return b[len(b) - n:] + b[:len(b) - n]


def seal(key, usage, flags, seq, payload, ec, rrc, rotation, confounder):
    """A sealed wrap token: payload | EC filler | header(RRC 0) encrypted,
    the ciphertext rotated right by rotation, the header carrying rrc."""
    flags |= SEALED
    pt = payload + b"\xff" * ec + header(flags, ec, 0, seq)
    ct = encrypt(key, usage, pt, confounder)
    return header(flags, ec, rrc, seq) + rotate_right(ct, rotation)


def layouts(key, usage, flags, seq, payload, confounder):
    """The three layouts: Windows (EC 16, RRC 28, rotated by 44), RFC 4121
    (EC 16, RRC 28, rotated by 28) and unrotated (EC 0, RRC 0)."""
    return {
        "windows": seal(key, usage, flags, seq, payload, 16, 28, 44, confounder),
        "rfc4121": seal(key, usage, flags, seq, payload, 16, 28, 28, confounder),
        "unrotated": seal(key, usage, flags, seq, payload, 0, 0, 0, confounder),
    }


def unrotate_windows(token):
    """Undo the Windows rotation (RRC+EC) and write RRC 0, so that MIT's
    gss_unwrap (which rotates by RRC only) can read the token."""
    flags_ec_rrc = struct.unpack(">BBBBHHQ", token[:16])
    ec, rrc = flags_ec_rrc[4], flags_ec_rrc[5]
    body = token[16:]
    n = (rrc + ec) % len(body)
    body = body[n:] + body[:n]
    return token[:6] + b"\0\0" + token[8:16] + body


if __name__ == "__main__":
    # RFC 3961 appendix A.1 n-fold vectors.
    assert nfold(b"012345", 8).hex() == "be072631276b1955"
    assert nfold(b"password", 7).hex() == "78a07b6caf85fa"
    assert nfold(b"kerberos", 8).hex() == "6b65726265726f73"
    print("ok")
