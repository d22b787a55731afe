"""A real HTTP server on 127.0.0.1 that records webhook posts and can answer 500 a few times."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class RecordingWebhook:
    """`url` accepts POSTs; the first `failures` requests are answered `failure_status` (500)."""

    def __init__(self, failures: int = 0, failure_status: int = 500) -> None:
        self.received: list[dict[str, Any]] = []  # accepted messages
        self.requests = 0
        self.failures_left = failures
        self.paths: list[str] = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                owner.requests += 1
                owner.paths.append(self.path)
                if owner.failures_left > 0:
                    owner.failures_left -= 1
                    self.send_response(failure_status)
                    self.end_headers()
                    self.wfile.write(b"temporarily broken")
                    return
                owner.received.append(json.loads(body))
                self.send_response(200)
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/services/T000/B000/secret-token"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> "RecordingWebhook":
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.shutdown()
        self.server.server_close()
