"""Small hand-written landing files for the tests of the plain-Python events reference."""

from __future__ import annotations

import gzip
import json
import os
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

UA = "user-activity"
API = "api-requests"
H10 = datetime(2026, 11, 23, 10, tzinfo=timezone.utc)
DROP = object()  # marks a field to remove from a record

PAGE_VIEW = {
    "event_id": "e-1",
    "event_type": "page_view",
    "event_time": "2026-11-23T10:15:02.123Z",
    "session_id": "s-1",
    "user_id": "u-1",
    "page": "/",
}
PURCHASE = {
    **PAGE_VIEW,
    "event_type": "purchase",
    "page": "/checkout/complete",
    "product_id": "p-1",
    "revenue": 39000,
    "currency": "KRW",
}
API_REQUEST = {
    "event_id": "a-1",
    "event_type": "api_request",
    "event_time": "2026-11-23T10:15:02.123Z",
    "server": "web-1",
    "http_status": 200,
    "latency_ms": 12.5,
}


def record(base: dict[str, Any], **changes: Any) -> str:
    """`base` with fields changed (DROP removes one), as one compact JSON line."""
    merged = {**base, **changes}
    return json.dumps({k: v for k, v in merged.items() if v is not DROP}, separators=(",", ":"))


def line_bytes(line: str | bytes | dict) -> bytes:
    if isinstance(line, dict):
        line = json.dumps(line)
    return line if isinstance(line, bytes) else line.encode("utf-8")


def put(
    landing: Path,
    topic: str,
    hour: datetime,
    name: str,
    lines: list[str | bytes | dict],
    *,
    mtime: datetime | None = None,
    trailing_newline: bool = True,
) -> str:
    """Writes one landing object (gzipped when `name` ends in .gz); returns its key."""
    key = f"events/topic={topic}/date={hour:%Y-%m-%d}/hour={hour:%H}/{name}"
    body = b"\n".join(line_bytes(line) for line in lines) + (b"\n" if trailing_newline else b"")
    if name.endswith(".gz"):
        body = gzip.compress(body, mtime=0)
    path = landing / key
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(body)
    moment = mtime or hour + timedelta(minutes=30)
    ns = (moment - datetime(1970, 1, 1, tzinfo=timezone.utc)) // timedelta(microseconds=1) * 1000
    os.utime(path, ns=(ns, ns))
    return key


def at(hour: int, minute: int = 0, second: int = 0, microsecond: int = 0, day: int = 23) -> datetime:
    return datetime(2026, 11, day, hour, minute, second, microsecond, tzinfo=timezone.utc)


def iso(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")
