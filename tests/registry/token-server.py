#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""A small bearer-token server for the registry's `auth: token` mode.

GET /token?service=S&scope=repository:NAME:ACTIONS... with HTTP basic auth
checked against --users (lines "user:password"). POST /token is the OAuth2
form (grant_type=refresh_token, refresh_token, service, scope space-separated)
checked against --refresh-tokens (lines "token:user"); each POST is logged
with "oauth" as its first word after the time. Tokens are JWTs signed
RS256 with `openssl dgst` and carry the signing certificate in x5c; the
registry trusts it through `rootcertbundle`. Anonymous requests get a token
without access. Each issued token is logged (one line) to --log.

--ttl N makes the registry refuse the token N seconds after issue (the
registry accepts 60 s of clock skew, which exp compensates for); the
`expires_in` reported to the client is --report-ttl (default: --ttl), so a
test can make a client hold on to a token the registry already refuses.
"""
import argparse
import base64
import http.server
import json
import os
import subprocess
import sys
import threading
import time
import urllib.parse

LEEWAY = 60


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--key", required=True)
    ap.add_argument("--cert", required=True)
    ap.add_argument("--issuer", default="berth-test-issuer")
    ap.add_argument("--users", required=True)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--ttl", type=int, default=300)
    ap.add_argument("--report-ttl", type=int, default=None)
    ap.add_argument("--refresh-tokens", default=None)
    a = ap.parse_args()

    users = {}
    with open(a.users) as f:
        for line in f:
            line = line.rstrip("\n")
            if ":" in line:
                u, p = line.split(":", 1)
                users[u] = p
    refresh = {}
    if a.refresh_tokens:
        with open(a.refresh_tokens) as f:
            for line in f:
                line = line.rstrip("\n")
                if ":" in line:
                    t, u = line.split(":", 1)
                    refresh[t] = u
    pem = open(a.cert).read()
    der_b64 = "".join(l for l in pem.splitlines() if l and not l.startswith("-----"))
    lock = threading.Lock()

    def sign(claims):
        header = {"typ": "JWT", "alg": "RS256", "x5c": [der_b64]}
        signing_input = (b64url(json.dumps(header).encode()) + "." +
                         b64url(json.dumps(claims).encode()))
        sig = subprocess.run(["openssl", "dgst", "-sha256", "-sign", a.key],
                             input=signing_input.encode(), capture_output=True,
                             check=True).stdout
        return signing_input + "." + b64url(sig)

    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def deny(self):
            self.send_response(401)
            self.send_header("Content-Type", "application/json")
            body = b'{"errors":[{"code":"UNAUTHORIZED","message":"bad credentials"}]}'
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self):
            u = urllib.parse.urlparse(self.path)
            if u.path != "/token":
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            q = urllib.parse.parse_qs(u.query)
            subject = ""
            auth = self.headers.get("Authorization", "")
            if auth:
                if not auth.startswith("Basic "):
                    return self.deny()
                try:
                    user, pw = base64.b64decode(auth[6:]).decode().split(":", 1)
                except Exception:
                    return self.deny()
                if users.get(user) != pw:
                    return self.deny()
                subject = user
            self.issue(subject, q.get("service", [""])[0], q.get("scope", []), "")

        def do_POST(self):
            u = urllib.parse.urlparse(self.path)
            n = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(n).decode()
            if u.path != "/token":
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            if self.headers.get("Authorization"):
                return self.deny()  # the refresh token is the credential
            f = urllib.parse.parse_qs(body)
            if f.get("grant_type", [""])[0] != "refresh_token" or \
                    not f.get("client_id", [""])[0]:
                self.send_response(400)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            subject = refresh.get(f.get("refresh_token", [""])[0])
            if not subject:
                return self.deny()
            scopes = f.get("scope", [""])[0].split(" ")
            self.issue(subject, f.get("service", [""])[0], scopes, "oauth ")

        def issue(self, subject, service, scopes, tag):
            access = []
            if subject:
                for scope in scopes:
                    for one in scope.split(" "):
                        parts = one.split(":")
                        if len(parts) >= 3 and parts[0] == "repository":
                            access.append({"type": "repository", "name": ":".join(parts[1:-1]),
                                           "actions": parts[-1].split(",")})
            now = int(time.time())
            claims = {
                "iss": a.issuer,
                "sub": subject,
                "aud": service,
                "exp": now + a.ttl - LEEWAY,
                "nbf": now - 10,
                "iat": now,
                "jti": b64url(os.urandom(12)),
                "access": access,
            }
            token = sign(claims)
            report = a.report_ttl if a.report_ttl is not None else a.ttl
            body = json.dumps({"token": token, "access_token": token, "expires_in": report,
                               "issued_at": time.strftime("%Y-%m-%dT%H:%M:%SZ",
                                                          time.gmtime(now))}).encode()
            with lock:
                with open(a.log, "a") as f:
                    f.write("%d %s%s %s\n" % (now, tag, subject or "-", " ".join(scopes)))
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    tmp = a.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(srv.server_address[1]))
    os.rename(tmp, a.port_file)
    srv.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
