"""Writes wrap_vectors.json: known-answer RFC 4121 sealed wrap tokens made
by rfc4121.py (independent of gokrb5) with fixed keys and confounders, in
the three layouts, for the Go tests to open. Run with /usr/bin/python3
mkvectors.py > wrap_vectors.json (needs python3-cryptography only)."""
import json

import rfc4121

KEYS = {
    17: bytes(range(16)),               # aes128-cts-hmac-sha1-96
    18: bytes(range(0x20, 0x40)),       # aes256-cts-hmac-sha1-96
}
PAYLOADS = [bytes(range(0xA0, 0xC0)), b"hello"]  # a 32-byte key; a short odd one

out = []
for etype, key in KEYS.items():
    for i, payload in enumerate(PAYLOADS):
        conf = bytes([0x5A + i] * 16)
        seq = 0x01020304 + i
        flags = rfc4121.SENT_BY_ACCEPTOR | rfc4121.ACCEPTOR_SUBKEY
        for name, tok in rfc4121.layouts(key, rfc4121.ACCEPTOR_SEAL, flags, seq, payload, conf).items():
            out.append({"etype": etype, "key": key.hex(), "layout": name, "seq": seq,
                        "payload": payload.hex(), "token": tok.hex()})
print(json.dumps(out, indent=1))
