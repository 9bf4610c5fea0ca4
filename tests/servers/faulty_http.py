#!/usr/bin/python3
"""A WebDAV-ish HTTP server that misbehaves on purpose, for pipe's remote tests.

  faulty_http.py DIR PORT PLAN

Serves GET, HEAD, PUT and DELETE on files under DIR (no auth) on
127.0.0.1:PORT. PLAN is a JSON file read on every request:

  {"GET": ["503", "truncate", "flip", "reset", "stall", "429", "500"], "PUT": ["503"],
   "always": {"GET": "flip"}}

Each request of a method takes the next fault from its list (then none);
"always" applies a fault to every request of that method. Faults:
  500, 503, 429   answer with that status
  truncate        send the headers for the whole body, then half of it, then close
  flip            send the body with one byte changed
  reset           close the connection without answering
  stall           wait 5 s before answering (longer than the test's read_timeout)
  slow            wait 0.2 s, then answer normally
  redirect        answer 307 to the same path on host "localhost" (another host name)
The log of what was served goes to DIR/../faults.log, one line per request:
"METHOD FAULT host=HOST auth=yes|no path=PATH" (auth: whether an
Authorization header came).
Stdlib only.
"""

import json
import os
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ROOT, PORT, PLAN = sys.argv[1], int(sys.argv[2]), sys.argv[3]
LOCK = threading.Lock()
LOG = os.path.join(os.path.dirname(os.path.abspath(ROOT)), "faults.log")


def next_fault(method, headers, path=""):
    with LOCK:
        with open(PLAN) as f:
            plan = json.load(f)
        always = plan.get("always", {}).get(method)
        queue = plan.get(method, [])
        fault = queue.pop(0) if queue else always
        with open(PLAN, "w") as f:
            json.dump(plan, f)
        with open(LOG, "a") as f:
            auth = "yes" if headers.get("Authorization") else "no"
            f.write(f"{method} {fault or 'ok'} host={headers.get('Host', '')} auth={auth} path={path}\n")
        return fault


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def path_on_disk(self):
        rel = self.path.split("?", 1)[0].lstrip("/")
        full = os.path.normpath(os.path.join(ROOT, rel))
        return full if full.startswith(os.path.abspath(ROOT)) else None

    def plain(self, code):
        self.send_response(code)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def common_fault(self, fault):
        if fault in ("500", "503", "429"):
            self.plain(int(fault))
            return True
        if fault == "reset":
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
            self.connection.close()
            self.close_connection = True
            return True
        if fault == "stall":
            time.sleep(5)
        if fault == "slow":
            time.sleep(0.2)
        if fault == "redirect":
            self.send_response(307)
            self.send_header("Location", f"http://localhost:{PORT}{self.path}")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return True
        return False

    def do_HEAD(self):
        if self.common_fault(next_fault("HEAD", self.headers, self.path)):
            return
        p = self.path_on_disk()
        if not p or not os.path.isfile(p):
            return self.plain(404)
        self.send_response(200)
        self.send_header("Content-Length", str(os.path.getsize(p)))
        self.end_headers()

    def do_GET(self):
        fault = next_fault("GET", self.headers, self.path)
        if self.common_fault(fault):
            return
        p = self.path_on_disk()
        if not p or not os.path.isfile(p):
            return self.plain(404)
        with open(p, "rb") as f:
            body = bytearray(f.read())
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if fault == "truncate":
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        if fault == "flip" and body:
            body[len(body) // 2] ^= 0xFF
        self.wfile.write(body)

    def do_PUT(self):
        length = int(self.headers.get("Content-Length", "0"))
        data = self.rfile.read(length)
        if self.common_fault(next_fault("PUT", self.headers, self.path)):
            return
        p = self.path_on_disk()
        if not p:
            return self.plain(403)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p + ".part", "wb") as f:
            f.write(data)
        os.replace(p + ".part", p)
        self.plain(201)

    def do_DELETE(self):
        p = self.path_on_disk()
        if p and os.path.isfile(p):
            os.remove(p)
        self.plain(204)


class Server(ThreadingHTTPServer):
    allow_reuse_address = True
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass  # a client that gave up on a stalled answer is expected here
Server(("127.0.0.1", PORT), Handler).serve_forever()
