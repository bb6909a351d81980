import http.server
import os

import greet

MESSAGE = greet.hello("python")


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = (MESSAGE + "\n").encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


port = int(os.environ.get("PORT", "8080"))
http.server.HTTPServer(("127.0.0.1", port), Handler).serve_forever()
