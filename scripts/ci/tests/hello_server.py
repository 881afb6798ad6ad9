#!/usr/bin/env python3
"""Plays the service behind the load balancer in the smoke tests: GET /hello answers 200 "Hello world"
(or what BODY and STATUS say), over HTTP, or over TLS with CERT and KEY (a certificate for the test's
DomainName, so curl checks it as it checks the load balancer's).

usage: hello_server.py [--port N] [--body TEXT] [--status N] [--cert CERT --key KEY] [--ignore-term]
Listens on 127.0.0.1, port N or a free one, and prints the port on the first line of stdout;
--ignore-term: SIGTERM does not stop it (a server that ignores the orchestrator's stop)."""
import argparse
import http.server
import signal
import ssl
import sys


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--ignore-term", action="store_true")
    p.add_argument("--body", default="Hello world")
    p.add_argument("--status", type=int, default=200)
    p.add_argument("--cert")
    p.add_argument("--key")
    args = p.parse_args()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            body = (args.body if self.path == "/hello" else "Not Found").encode()
            self.send_response(args.status if self.path == "/hello" else 404)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_):
            pass

    if args.ignore_term:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    else:
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    if args.cert:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(args.cert, args.key)
        server.socket = context.wrap_socket(server.socket, server_side=True)
    print(server.server_address[1], flush=True)
    sys.stdout.close()
    server.serve_forever()


if __name__ == "__main__":
    main()
