"""Landing -> Bronze: the objects of the landing layout, and every non-blank line as received."""

from __future__ import annotations

import gzip
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_KEY = re.compile(
    r"events/topic=(?P<topic>[^/]+)/date=(?P<date>\d{4}-\d{2}-\d{2})/hour=(?P<hour>\d{2})/[^/]+\.json(?P<gz>\.gz)?",
    re.ASCII,
)
# Blank means empty or ASCII whitespace only (Python's string.whitespace).
_WHITESPACE = frozenset(" \t\n\r\f\v")


@dataclass(frozen=True)
class LandingObjectRef:
    """A landing object found on disk."""

    key: str
    topic: str
    ingest_hour: datetime
    path: Path
    gzipped: bool


def list_landing_objects(landing_dir: Path) -> list[LandingObjectRef]:
    """Objects whose key follows the landing layout, sorted by key; other files are ignored."""
    landing_dir = Path(landing_dir)
    found = []
    for path in sorted((landing_dir / "events").rglob("*")):
        key = path.relative_to(landing_dir).as_posix()
        match = _KEY.fullmatch(key)
        if not path.is_file() or match is None:
            continue
        try:
            hour = datetime.strptime(f"{match['date']}T{match['hour']}", "%Y-%m-%dT%H")
        except ValueError:
            continue
        found.append(LandingObjectRef(key, match["topic"], hour.replace(tzinfo=timezone.utc), path, bool(match["gz"])))
    return sorted(found, key=lambda ref: ref.key)


def _received_at(path: Path) -> datetime:
    """The file's mtime as a UTC datetime, truncated to microseconds."""
    return _EPOCH + timedelta(microseconds=path.stat().st_mtime_ns // 1000)


def _is_blank(raw: str) -> bool:
    return all(char in _WHITESPACE for char in raw)


def split_lines(data: bytes) -> Iterator[tuple[int, str]]:
    """(physical 1-based line number, decoded line) of the non-blank lines of an object."""
    for line_number, piece in enumerate(data.split(b"\n"), start=1):
        if piece.endswith(b"\r"):
            piece = piece[:-1]
        raw = piece.decode("utf-8", errors="replace")
        if not _is_blank(raw):
            yield line_number, raw


def read_bronze(objects: Iterable[LandingObjectRef]) -> list[dict[str, Any]]:
    """`bronze.events` rows: every non-blank line as received."""
    rows = []
    for ref in objects:
        data = ref.path.read_bytes()
        if ref.gzipped:
            data = gzip.decompress(data)
        received_at = _received_at(ref.path)
        for line_number, raw in split_lines(data):
            rows.append(
                {
                    "topic": ref.topic,
                    "ingest_hour": ref.ingest_hour,
                    "source_key": ref.key,
                    "line_number": line_number,
                    "raw": raw,
                    "received_at": received_at,
                }
            )
    return rows
