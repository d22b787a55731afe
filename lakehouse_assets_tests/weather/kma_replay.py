"""A local stand-in for the KMA service: real HTTP on 127.0.0.1, replaying recorded-shape responses.

`fixtures/kma/` holds recorded shapes of the public service's responses. A test
queues replies (`server.script.append(...)`) that are served in order; once the queue is empty the
`default` function answers from the request's query. Every request's query is recorded.
"""

from __future__ import annotations

import json
import threading
from collections import deque
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Callable
from urllib.parse import parse_qs, urlsplit

FIXTURES = Path(__file__).parent / "fixtures" / "kma"
PATH = "/1360000/AsosHourlyInfoService/getWthrDataList"


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


OK_BODY = fixture("getWthrDataList_ok.json")
NODATA_BODY = fixture("getWthrDataList_nodata.json")
QUOTA_BODY = fixture("getWthrDataList_quota.json")
KEY_ERROR_XML = fixture("gateway_key_error.xml")
OK_ITEM: dict = json.loads(OK_BODY)["response"]["body"]["items"]["item"][0]


@dataclass(frozen=True)
class Reply:
    body: bytes
    status: int = 200
    delay: float = 0.0  # seconds the server waits before answering (to provoke client timeouts)
    content_type: str = "application/json;charset=UTF-8"
    cut_after: int | None = None  # announce the whole body, send this many bytes, drop the connection


def xml_reply(body: bytes, status: int = 200) -> Reply:
    return Reply(body, status, content_type="text/xml;charset=UTF-8")


def page_body(items: list[dict], page_no: int, page_size: int) -> bytes:
    """A code 00 body holding page `page_no` of `items`, shaped like the recorded one."""
    envelope = json.loads(OK_BODY)
    body = envelope["response"]["body"]
    body["items"]["item"] = items[(page_no - 1) * page_size : page_no * page_size]
    body.update(pageNo=page_no, numOfRows=page_size, totalCount=len(items))
    return json.dumps(envelope, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


class KmaReplayServer:
    def __init__(self, default: Callable[[dict[str, str]], Reply] | None = None):
        self.script: deque[Reply] = deque()
        self.default = default or (lambda query: Reply(OK_BODY))
        self.requests: list[dict[str, str]] = []
        self._stop = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                url = urlsplit(self.path)
                if url.path != PATH:
                    self._send(Reply(b"not found", 404, content_type="text/plain"))
                    return
                query = {k: v[0] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
                server.requests.append(query)
                reply = server.script.popleft() if server.script else server.default(query)
                if reply.delay:
                    server._stop.wait(reply.delay)
                self._send(reply)

            def _send(self, reply: Reply) -> None:
                try:
                    self.send_response(reply.status)
                    self.send_header("Content-Type", reply.content_type)
                    self.send_header("Content-Length", str(len(reply.body)))
                    self.end_headers()
                    self.wfile.write(reply.body[: reply.cut_after])
                    if reply.cut_after is not None:
                        self.close_connection = True
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout test)

            def log_message(self, *args) -> None:  # quiet (and the request line holds the key)
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}/1360000"

    def __enter__(self) -> "KmaReplayServer":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)


class Sleeps(list):
    """An injected sleep: records the pauses instead of waiting."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)
