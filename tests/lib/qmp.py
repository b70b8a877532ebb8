#!/usr/bin/env python3
"""Send one QMP command to a QEMU monitor socket and print the reply.

usage: qmp.py SOCKET COMMAND ['{"arg": ...}']

Prints the "return" value as JSON and exits 0, or prints the error's class
and description to stderr and exits 1.  Times out after --timeout seconds
(default 10) so that a hung QEMU fails the caller instead of blocking it.
"""
import argparse
import json
import socket
import sys


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("socket")
    ap.add_argument("command")
    ap.add_argument("arguments", nargs="?", default=None)
    ap.add_argument("--timeout", type=float, default=10.0)
    a = ap.parse_args()

    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(a.timeout)
    s.connect(a.socket)
    f = s.makefile("rw")

    def reply():
        while True:
            line = f.readline()
            if not line:
                raise SystemExit("qmp: connection closed")
            msg = json.loads(line)
            if "event" not in msg:
                return msg

    json.loads(f.readline())  # greeting
    f.write(json.dumps({"execute": "qmp_capabilities"}) + "\n")
    f.flush()
    reply()
    cmd = {"execute": a.command}
    if a.arguments:
        cmd["arguments"] = json.loads(a.arguments)
    f.write(json.dumps(cmd) + "\n")
    f.flush()
    r = reply()
    if "error" in r:
        print("qmp: %s: %s" % (r["error"]["class"], r["error"]["desc"]),
              file=sys.stderr)
        return 1
    print(json.dumps(r["return"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
