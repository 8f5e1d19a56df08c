"""An independent GSS-API peer for the Go SPNEGO tests: MIT Kerberos
through python3-gssapi (Debian's, for /usr/bin/python3).

  gsspeer.py accept    play WCF's server: read a NegTokenInit, answer the
                       NegTokenResp, GSS-wrap a random 32-byte key with
                       confidentiality (MIT's own layout) and in the
                       Windows and RFC 4121 layouts (rfc4121.py, under the
                       context key MIT reports).
  gsspeer.py initiate  play WCF's client: send a NegTokenInit for the
                       service, complete only if mutual authentication
                       succeeds (MIT verifies the AP-REP), then unwrap the
                       keys the acceptor wrapped. GSSPEER_NO_MUTUAL=1 asks
                       for no mutual authentication (no AP-REP; the keys
                       are then under the initiator's subkey).

The protocol on stdin/stdout is one JSON object per line. The realm comes
from the environment (KRB5_CONFIG, KRB5_KTNAME, KRB5_CLIENT_KTNAME).
"""
import base64
import json
import os
import sys

import gssapi
import gssapi.raw as graw

import rfc4121

SPNEGO = gssapi.OID.from_int_seq("1.3.6.1.5.5.2")
KRB5 = gssapi.OID.from_int_seq("1.2.840.113554.1.2.2")
# GSS_C_INQ_SSPI_SESSION_KEY: the context's current key (MIT returns the
# acceptor subkey when there is one).
INQ_SESSION_KEY = gssapi.OID.from_int_seq("1.2.840.113554.1.2.2.5.5")


def b64(b):
    return base64.b64encode(b).decode()


def unb64(s):
    return base64.b64decode(s)


def send(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def recv():
    line = sys.stdin.readline()
    if not line:
        sys.exit("gsspeer: peer closed")
    return json.loads(line)


def flag_names(ctx):
    return sorted(f.name for f in ctx.actual_flags)


def accept():
    creds = gssapi.Credentials(usage="accept")
    ctx = gssapi.SecurityContext(creds=creds, usage="accept")
    msg = recv()
    out = ctx.step(unb64(msg["token"]))
    if not ctx.complete:
        sys.exit("gsspeer: acceptor context not complete after one token")
    key = os.urandom(32)
    mit = ctx.wrap(key, True)
    if not mit.encrypted:
        sys.exit("gsspeer: MIT did not encrypt")
    tok = mit.message
    flags, seq = tok[2], int.from_bytes(tok[8:16], "big")
    inq = graw.inquire_sec_context_by_oid(ctx, INQ_SESSION_KEY)
    ctx_key = inq[0]
    wraps = {"mit": b64(tok)}
    for name, t in rfc4121.layouts(ctx_key, rfc4121.ACCEPTOR_SEAL, flags & ~rfc4121.SEALED,
                                   seq + 1, key, os.urandom(16)).items():
        wraps[name] = b64(t)
    send({"response": b64(out or b""), "key": b64(key), "wraps": wraps,
          "client": str(ctx.initiator_name), "flags": flag_names(ctx),
          "mit_ec": int.from_bytes(tok[4:6], "big"), "mit_rrc": int.from_bytes(tok[6:8], "big"),
          "mit_flags": flags})


def initiate():
    target = gssapi.Name(os.environ["GSSPEER_SERVICE"], gssapi.NameType.hostbased_service)
    mutual = os.environ.get("GSSPEER_NO_MUTUAL") != "1"
    flags = [gssapi.RequirementFlag.confidentiality, gssapi.RequirementFlag.integrity,
             gssapi.RequirementFlag.replay_detection, gssapi.RequirementFlag.out_of_sequence_detection]
    if mutual:
        flags.append(gssapi.RequirementFlag.mutual_authentication)
    ctx = gssapi.SecurityContext(name=target, usage="initiate", mech=SPNEGO, flags=flags)
    send({"token": b64(ctx.step())})
    msg = recv()
    try:
        out = ctx.step(unb64(msg["response"]))
    except gssapi.exceptions.GSSError as e:
        send({"error": str(e)})
        return
    if not ctx.complete:
        send({"error": "context not complete after the acceptor's token"})
        return
    if mutual and gssapi.RequirementFlag.mutual_authentication not in ctx.actual_flags:
        send({"error": "mutual authentication did not happen"})
        return
    send({"complete": True, "flags": flag_names(ctx), "extra": b64(out or b"")})
    msg = recv()
    keys = {}
    for name, t in msg["wraps"]:  # in the order wrapped (sequence numbers)
        t = unb64(t)
        if name == "windows":
            t = rfc4121.unrotate_windows(t)
        try:
            res = ctx.unwrap(t)
        except gssapi.exceptions.GSSError as e:
            keys[name] = {"error": str(e)}
            continue
        keys[name] = {"key": b64(res.message), "encrypted": res.encrypted}
    send({"keys": keys})


if __name__ == "__main__":
    {"accept": accept, "initiate": initiate}[sys.argv[1]]()
