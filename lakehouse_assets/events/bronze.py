"""Landing objects -> Bronze rows: every non-blank line as received (pure, no Dagster, no Spark)."""

from __future__ import annotations

import gzip
import zlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Iterable, Iterator

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


# An object's lines are made Python strings this many bytes at a time (cut after a newline, which
# never falls inside a UTF-8 sequence): as strings, a line costs several times its bytes.
SLICE_BYTES = 16 * 1024 * 1024


def split_lines(body: bytes, gzipped: bool) -> list[tuple[int, str]]:
    """(1-based line number, text) of every non-blank line; bad UTF-8 bytes become U+FFFD."""
    return [line for part in line_slices(body, gzipped) for line in part]


def line_slices(body: bytes, gzipped: bool, slice_bytes: int = SLICE_BYTES) -> Iterator[list[tuple[int, str]]]:
    """`split_lines`, a slice of about `slice_bytes` of the object at a time. A broken gzip stream
    raises `UnreadableObject` before any line is given."""
    if gzipped:
        try:
            body = gzip.decompress(body)
        except (OSError, EOFError, zlib.error) as exc:  # BadGzipFile is an OSError; EOFError: cut short
            raise UnreadableObject(f"not a readable gzip stream ({exc})") from None
    start, first_number = 0, 1
    while True:
        cut = body.find(b"\n", start + slice_bytes)
        end = len(body) if cut < 0 else cut + 1
        part = body[start:end]
        yield _non_blank(part, first_number, last=end == len(body))
        if end == len(body):
            return
        first_number += part.count(b"\n")
        start = end


def _non_blank(part: bytes, first_number: int, last: bool) -> list[tuple[int, str]]:
    try:
        lines = part.decode("utf-8").split("\n")
    except UnicodeDecodeError:
        lines = [raw.decode("utf-8", errors="replace") for raw in part.split(b"\n")]
    if not last:
        lines.pop()  # the empty text after the slice's closing newline: the next slice's first line
    out = []
    for number, line in enumerate(lines, start=first_number):
        if line.endswith("\r"):
            line = line[:-1]
        if line.strip(ASCII_WHITESPACE):
            out.append((number, line))
    return out


def bronze_table(objects: Iterable[LandedObject], unreadable: dict[str, str] | None = None) -> Any:
    """An Arrow table of Bronze rows, in (source_key, line_number) order. Objects that are no lines
    at all go to `unreadable` (key -> reason) when it is given, else raise `UnreadableObject`."""
    import pyarrow as pa

    tables = []
    for obj in sorted(objects, key=lambda o: o.key.key):
        try:
            tables.append(_lines_table(obj, split_lines(obj.body, obj.key.gzipped)))
        except UnreadableObject as exc:
            if unreadable is None:
                raise
            unreadable[obj.key.key] = str(exc)
    return pa.concat_tables(tables) if tables else arrow_schema(BRONZE_EVENTS).empty_table()


def bronze_row_groups(objects: Iterable[LandedObject], unreadable: dict[str, str], rows: int) -> Iterator[Any]:
    """The Bronze rows of `objects`, taken one object at a time in the order given, as Arrow tables
    of `rows` rows (the last smaller): an hour's lines are never all in memory at once."""
    import pyarrow as pa

    pending: list[Any] = []
    held = 0
    for obj in objects:
        try:
            for lines in line_slices(obj.body, obj.key.gzipped):
                pending.append(_lines_table(obj, lines))
                held += len(lines)
                while held >= rows:  # whole row groups: the rest waits for the next lines
                    table = pa.concat_tables(pending)
                    yield table.slice(0, rows)
                    pending, held = [table.slice(rows)], held - rows
        except UnreadableObject as exc:
            unreadable[obj.key.key] = str(exc)
        del obj  # let go of the body before the next object is read
    if held:
        yield pa.concat_tables(pending)


def _lines_table(obj: LandedObject, lines: list[tuple[int, str]]) -> Any:
    import pyarrow as pa

    n = len(lines)
    columns = {
        "topic": [obj.key.topic] * n,
        "ingest_hour": [obj.key.ingest_hour] * n,
        "source_key": [obj.key.key] * n,
        "line_number": [number for number, _ in lines],
        "raw": [text for _, text in lines],
        "received_at": [obj.last_modified] * n,
    }
    return pa.table(columns, schema=arrow_schema(BRONZE_EVENTS))
