#!/usr/bin/env python3
"""One side of a TLSNEGO handshake, run by OpenSSL through Python's ssl
module over memory BIOs: the independent TLS peer of the Go tests.

The Go test drives it over stdin/stdout, one command per line, one answer
per line (blobs in base64, "-" for none):

  STEP <blob|->     feed the peer's blob, run the handshake
                    -> OUT <blob|-> <0|1 done>
  WRAP <key>        encrypt the key as TLS application data (TLS_Wrap)
                    -> OUT <blob> 1
  UNWRAP <blob>     decrypt TLS application data -> KEY <key>
  PEER              -> PEER <DER of the peer certificate|->
  VERSION           -> VERSION <TLSv1.2|TLSv1.3>
  any failure       -> ERR <message>
"""
import argparse
import base64
import ssl
import sys

VERSIONS = {"1.0": ssl.TLSVersion.TLSv1, "1.1": ssl.TLSVersion.TLSv1_1,
            "1.2": ssl.TLSVersion.TLSv1_2, "1.3": ssl.TLSVersion.TLSv1_3}


def b64(data):
    return base64.b64encode(data).decode() if data else "-"


def unb64(s):
    return b"" if s == "-" else base64.b64decode(s)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--role", choices=["client", "server"], required=True)
    ap.add_argument("--ca", required=True, help="PEM file of the trusted CA")
    ap.add_argument("--cert", help="PEM file with a certificate and its key")
    ap.add_argument("--hostname", help="client: the expected DNS identity")
    ap.add_argument("--client-auth", choices=["none", "optional", "required"], default="none")
    ap.add_argument("--min", default="1.2")
    ap.add_argument("--max", default="1.3")
    a = ap.parse_args()

    if a.role == "server":
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(a.cert)
        if a.client_auth != "none":
            ctx.load_verify_locations(a.ca)
            ctx.verify_mode = ssl.CERT_OPTIONAL if a.client_auth == "optional" else ssl.CERT_REQUIRED
    else:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.load_verify_locations(a.ca)  # check_hostname and CERT_REQUIRED by default
        if a.cert:
            ctx.load_cert_chain(a.cert)
    if VERSIONS[a.min] < ssl.TLSVersion.TLSv1_2:
        ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
    ctx.minimum_version = VERSIONS[a.min]
    ctx.maximum_version = VERSIONS[a.max]

    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = ctx.wrap_bio(incoming, outgoing, server_side=(a.role == "server"),
                       server_hostname=a.hostname if a.role == "client" else None)
    done = False

    def answer(line):
        sys.stdout.write(line + "\n")
        sys.stdout.flush()

    for line in sys.stdin:
        parts = line.split()
        if not parts:
            continue
        cmd, arg = parts[0], (parts[1] if len(parts) > 1 else "-")
        try:
            if cmd == "STEP":
                incoming.write(unb64(arg))
                if not done:
                    try:
                        obj.do_handshake()
                        done = True
                    except ssl.SSLWantReadError:
                        pass
                answer("OUT %s %d" % (b64(outgoing.read()), 1 if done else 0))
            elif cmd == "WRAP":
                obj.write(unb64(arg))
                answer("OUT %s 1" % b64(outgoing.read()))
            elif cmd == "UNWRAP":
                incoming.write(unb64(arg))
                answer("KEY %s" % b64(obj.read(4096)))
            elif cmd == "PEER":
                answer("PEER %s" % b64(obj.getpeercert(binary_form=True) or b""))
            elif cmd == "VERSION":
                answer("VERSION %s" % obj.version())
            else:
                answer("ERR unknown command " + cmd)
        except (ssl.SSLError, ValueError, OSError) as e:
            answer("ERR " + " ".join(str(e).split()))


if __name__ == "__main__":
    main()
