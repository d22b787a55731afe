"""Landing objects: naming, encoding, gzipping and writing them with their last-modified time."""

from __future__ import annotations

import gzip
import os
import random
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from lakehouse_assets.sample_data.events.common import EPOCH, HOUR_MS, MINUTE_MS, PARTITIONS, RunState

_GZIP_SHARE = 1 / 3
_TRAILING_NEWLINE_SHARE = 0.9
_ENCODE_CHUNK = 8192


@dataclass(frozen=True)
class LandingObject:
    """One object of the landing zone; `key` is relative to the landing root."""

    key: str
    body: bytes
    last_modified: datetime


def _encode(lines: list[str], trailing_newline: bool) -> bytes:
    """UTF-8 bytes of the lines, encoded in chunks to keep peak memory near one body."""
    chunks = []
    for first in range(0, len(lines), _ENCODE_CHUNK):
        text = "\n".join(lines[first : first + _ENCODE_CHUNK])
        # Lone surrogates stand for the invalid bytes of `invalid_utf8` lines.
        chunks.append(text.encode("utf-8", "surrogateescape"))
    return b"\n".join(chunks) + (b"\n" if trailing_newline else b"")


def landing_object(
    state: RunState,
    rng: random.Random,
    hour_start: datetime,
    topic: str,
    position: tuple[int, int],
    lines: list[str],
    records: int,
    stats: Counter,
) -> LandingObject:
    """Names, encodes and maybe gzips one object; `position` is (index, count) in its topic-hour."""
    partition = rng.randrange(PARTITIONS)
    offset = state.offsets[(topic, partition)]
    state.offsets[(topic, partition)] += records
    name = f"{topic}+{partition}+{offset:010d}.json"
    body = _encode(lines, trailing_newline=rng.random() < _TRAILING_NEWLINE_SHARE)
    if rng.random() < _GZIP_SHARE:
        body = gzip.compress(body, compresslevel=6, mtime=0)
        name += ".gz"
        stats["gzip_objects"] += 1
    index, count = position
    written_ms = (index + 1) * HOUR_MS // (count + 1) + rng.randrange(-MINUTE_MS, MINUTE_MS)
    written_ms = min(max(written_ms, 0), HOUR_MS - 1)
    stats["objects"] += 1
    stats["bytes"] += len(body)
    return LandingObject(
        key=f"events/topic={topic}/date={hour_start:%Y-%m-%d}/hour={hour_start:%H}/{name}",
        body=body,
        last_modified=hour_start + timedelta(milliseconds=written_ms),
    )


def write_landing_objects(landing_dir: Path, objects: Iterable[LandingObject]) -> int:
    """Writes each object under `landing_dir` with its mtime set to `last_modified`; returns the count."""
    written = 0
    for obj in objects:
        path = Path(landing_dir, *obj.key.split("/"))
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(obj.body)
        nanoseconds = (obj.last_modified - EPOCH) // timedelta(microseconds=1) * 1000
        os.utime(path, ns=(nanoseconds, nanoseconds))
        written += 1
    return written
