"""Landing objects -> Bronze rows: every non-blank line as received (pure, no Dagster, no Spark)."""

from __future__ import annotations

import gzip
import zlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Iterable

from lakehouse_assets.lakehouse.schemas import arrow_schema

from .landing import EventObjectKey
from .tables import BRONZE_EVENTS

# Blank = empty or ASCII whitespace only: str.strip() would also drop lines of U+001C..U+001F,
# U+0085, U+00A0, U+2028 or U+3000, which are not JSON and must be counted as rejects.
ASCII_WHITESPACE = " \t\n\r\f\v"


class UnreadableObject(ValueError):
    """A landing object whose bytes are no lines at all (a broken gzip stream)."""


@dataclass(frozen=True)
class LandedObject:
    """One landing object's key, bytes and last-modified time."""

    key: EventObjectKey
    body: bytes
    last_modified: datetime


def split_lines(body: bytes, gzipped: bool) -> list[tuple[int, str]]:
    """(1-based line number, text) of every non-blank line; bad UTF-8 bytes become U+FFFD."""
    if gzipped:
        try:
            body = gzip.decompress(body)
        except (OSError, EOFError, zlib.error) as exc:  # BadGzipFile is an OSError; EOFError: cut short
            raise UnreadableObject(f"not a readable gzip stream ({exc})") from None
    try:
        lines = body.decode("utf-8").split("\n")
    except UnicodeDecodeError:
        lines = [raw.decode("utf-8", errors="replace") for raw in body.split(b"\n")]
    out = []
    for number, line in enumerate(lines, start=1):
        if line.endswith("\r"):
            line = line[:-1]
        if line.strip(ASCII_WHITESPACE):
            out.append((number, line))
    return out


def bronze_table(objects: Iterable[LandedObject], unreadable: dict[str, str] | None = None) -> Any:
    """An Arrow table of Bronze rows, in (source_key, line_number) order. Objects that are no lines
    at all go to `unreadable` (key -> reason) when it is given, else raise `UnreadableObject`."""
    import pyarrow as pa

    columns: dict[str, list] = {name: [] for name in BRONZE_EVENTS.column_names}
    for obj in sorted(objects, key=lambda o: o.key.key):
        try:
            lines = split_lines(obj.body, obj.key.gzipped)
        except UnreadableObject as exc:
            if unreadable is None:
                raise
            unreadable[obj.key.key] = str(exc)
            continue
        n = len(lines)
        columns["topic"].extend([obj.key.topic] * n)
        columns["ingest_hour"].extend([obj.key.ingest_hour] * n)
        columns["source_key"].extend([obj.key.key] * n)
        columns["line_number"].extend(number for number, _ in lines)
        columns["raw"].extend(text for _, text in lines)
        columns["received_at"].extend([obj.last_modified] * n)
    return pa.table(columns, schema=arrow_schema(BRONZE_EVENTS))
