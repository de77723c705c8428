"""`manage.py pact_demo_receiver`: a stand-in for a partner's Action Events endpoint, for the
local demo. It prints every event POSTed to it and answers 200; the answers to the demo
client's footprint requests arrive here (docs/pact.md)."""

import json
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import TextIOBase
from typing import Any, TextIO

from django.core.management.base import BaseCommand

from .pact_demo_client import DEMO_RECEIVER_PORT

MAX_BODY = 10 * 1024 * 1024


def receiver_server(host: str, port: int, out: TextIO | TextIOBase) -> ThreadingHTTPServer:
    """A server that writes each received event to `out` as indented JSON."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            if length > MAX_BODY:
                self.send_response(413)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            raw = self.rfile.read(length)
            try:
                text = json.dumps(json.loads(raw), ensure_ascii=False, indent=2)
            except ValueError:
                text = raw.decode("utf-8", "replace")
            out.write(f"POST {self.path}\n{text}\n")
            out.flush()
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return ThreadingHTTPServer((host, port), Handler)


class Command(BaseCommand):
    help = "Print the PACT events POSTed to http://127.0.0.1:8444/ (the demo client's answers)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--port", type=int, default=DEMO_RECEIVER_PORT)

    def handle(self, *args, **options) -> None:
        server = receiver_server("127.0.0.1", options["port"], self.stdout)
        self.stdout.write(f"Receiving PACT events on http://127.0.0.1:{options['port']}/")
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()
