#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""A TCP proxy that cuts connections mid-stream, for resume/retry tests.

Forwards 127.0.0.1:<listen> to --target host:port. The first --cuts
connections whose server-to-client byte count goes past --after bytes are
closed right there (both directions, RST-free close); later connections
pass through whole (--delay slows every chunk). Each cut is logged as one line to --log.
"""
import argparse
import os
import socket
import sys
import threading
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--target", required=True)
    ap.add_argument("--after", type=int, required=True)
    ap.add_argument("--cuts", type=int, default=1)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--delay", type=float, default=0.0,
                    help="seconds to hold each server-to-client chunk (a slow link)")
    a = ap.parse_args()
    host, port = a.target.rsplit(":", 1)
    state = {"cuts": 0}
    lock = threading.Lock()

    def pipe(src, dst, counting, conn):
        sent = 0
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                if counting and a.delay:
                    time.sleep(a.delay)
                if counting:
                    with lock:
                        cut_now = state["cuts"] < a.cuts and sent + len(data) > a.after
                        if cut_now:
                            state["cuts"] += 1
                    if cut_now:
                        keep = a.after - sent
                        if keep > 0:
                            dst.sendall(data[:keep])
                        with open(a.log, "a") as f:
                            f.write("cut after %d bytes\n" % a.after)
                        break
                dst.sendall(data)
                sent += len(data)
        except OSError:
            pass
        for s in conn:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", 0))
    srv.listen(64)
    tmp = a.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(srv.getsockname()[1]))
    os.rename(tmp, a.port_file)
    while True:
        c, _ = srv.accept()
        try:
            s = socket.create_connection((host, int(port)))
        except OSError:
            c.close()
            continue
        conn = (c, s)
        threading.Thread(target=pipe, args=(c, s, False, conn), daemon=True).start()
        threading.Thread(target=pipe, args=(s, c, True, conn), daemon=True).start()


if __name__ == "__main__":
    sys.exit(main())
