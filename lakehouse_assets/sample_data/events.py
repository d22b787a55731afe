"""Landing events: Kafka S3 sink style JSON Lines objects for `user-activity` and `api-requests`.

Writes `events/topic=<topic>/date=YYYY-MM-DD/hour=HH/<topic>+<partition>+<offset>.json[.gz]`
under a landing root, as described in `shared/contracts/events.md`. Per ingest hour and topic
there are 2-4 objects, about a third gzipped. User activity comes as sessions walking the funnel
page_view -> product_click -> add_to_cart -> purchase; API requests carry server, status and a
lognormal latency. A `bad_share` of the non-blank lines does not reach Silver: most are rejected
(every reason of the contract, in rotation), the rest repeat an event of the same hour or of the
previous hour. Event times are mostly inside the ingest hour, some a few minutes before it, a few
late (before the previous hour) and a few in the future (after the next hour).

Everything derives from `random.Random` seeded by (seed, hour): the same arguments give the same
bytes, and no wall clock is read.
"""

from __future__ import annotations

import argparse
import bisect
import gzip
import json
import math
import os
import random
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

USER_ACTIVITY = "user-activity"
API_REQUESTS = "api-requests"
TOPICS = (USER_ACTIVITY, API_REQUESTS)

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_HOUR_MS = 3_600_000
_MINUTE_MS = 60_000
_USER_ACTIVITY_SHARE = 0.8
_DUPLICATE_SHARE_OF_BAD = 0.2
_BLANK_LINE_RATE = 0.002
_CRLF_RATE = 0.001
_GZIP_SHARE = 1 / 3
_TRAILING_NEWLINE_SHARE = 0.9
_PARTITIONS = 3
_REPLAY_POOL = 64
_MAX_LINES_PER_TOPIC_HOUR = 1 << 24  # the per-hour counter packed into event ids
_ENCODE_CHUNK = 8192
_BLANK_LINES = ("", "", " ", "  \t", "\r")

# Where an event (or a session's first event) falls relative to its ingest hour I.
_IN_HOUR_SHARE = 0.935
_JUST_BEFORE_SHARE = 0.05  # a few minutes before I: previous event hour, still in window
_LATE_SHARE = 0.01  # E < I - 1h
# the rest (0.5%) is future: E > I + 1h

REJECT_REASONS: dict[str, tuple[str, ...]] = {
    USER_ACTIVITY: (
        "invalid_utf8",
        "malformed_json",
        "missing_field:event_id",
        "missing_field:event_type",
        "missing_field:event_time",
        "unknown_event_type",
        "missing_field:session_id",
        "missing_field:revenue",
        "bad_timestamp",
        "bad_value:event_id",
        "bad_value:session_id",
        "bad_value:user_id",
        "bad_value:page",
        "bad_value:product_id",
        "bad_value:revenue",
        "bad_value:currency",
    ),
    # The API-only reasons first, so even a short run shows all of them.
    API_REQUESTS: (
        "missing_field:server",
        "missing_field:http_status",
        "missing_field:latency_ms",
        "bad_value:server",
        "bad_value:http_status",
        "bad_value:latency_ms",
        "invalid_utf8",
        "malformed_json",
        "missing_field:event_id",
        "missing_field:event_type",
        "missing_field:event_time",
        "unknown_event_type",
        "bad_timestamp",
        "bad_value:event_id",
    ),
}

_PAGES = (
    "/",
    "/",
    "/search?q=sneakers",
    "/search?q=운동화",
    "/category/outer",
    "/category/shoes",
    "/category/bags",
    "/events/black-friday",
    "/brand/nike",
    "/cart",
)
_CATEGORY_PAGES = ("/category/outer", "/category/shoes", "/category/bags", "/search?q=sneakers")
_SESSION_EXTRAS = (
    ',"app_version":"5.12.0"',
    ',"device":{"os":"ios","model":"iPhone15,2"}',
    ',"referrer":"https://www.google.com/"',
    ',"ab_tests":["checkout_v2","reco_b"]',
)
_SERVERS = ("web-1", "web-2", "web-3", "web-4", "api-1", "api-2")
_SERVER_CUMULATIVE = (0.14, 0.28, 0.42, 0.56, 0.80, 1.0)
_STATUSES = (200, 201, 204, 301, 302, 304, 400, 401, 403, 404, 429, 500, 502, 503, 504)
_STATUS_WEIGHTS = (860, 20, 10, 5, 10, 15, 15, 10, 5, 25, 5, 8, 3, 6, 3)
_STATUS_CUMULATIVE = tuple(
    total / sum(_STATUS_WEIGHTS)
    for total in (sum(_STATUS_WEIGHTS[: i + 1]) for i in range(len(_STATUS_WEIGHTS)))
)
_ENDPOINTS = (
    ',"method":"GET","path":"/api/v1/products"',
    ',"method":"GET","path":"/api/v1/products/{id}"',
    ',"method":"GET","path":"/api/v1/search"',
    ',"method":"POST","path":"/api/v1/cart"',
    ',"method":"POST","path":"/api/v1/orders"',
    ',"method":"GET","path":"/healthz"',
)


@dataclass(frozen=True)
class LandingObject:
    """One object of the landing zone; `key` is relative to the landing root."""

    key: str
    body: bytes
    last_modified: datetime


@dataclass
class _State:
    """What one hour hands on to the next: replay candidates, partition offsets, rotations."""

    offsets: dict[tuple[str, int], int]
    previous_lines: dict[str, list[str]] = field(default_factory=dict)
    reason_turns: Counter = field(default_factory=Counter)
    variant_turns: Counter = field(default_factory=Counter)

    @classmethod
    def initial(cls, seed: int) -> _State:
        rng = random.Random(f"events/{seed}/offsets")
        offsets = {(t, p): rng.randrange(10**5, 10**7) for t in TOPICS for p in range(_PARTITIONS)}
        return cls(offsets=offsets)


class _Clock:
    """Formats millisecond offsets from an hour start as ISO-8601 `...T10:15:02.123Z`."""

    def __init__(self, hour_start: datetime) -> None:
        self._hour_start = hour_start
        self._prefixes: dict[int, str] = {}

    def iso(self, offset_ms: int) -> str:
        minute, rest = divmod(offset_ms, _MINUTE_MS)
        prefix = self._prefixes.get(minute)
        if prefix is None:
            prefix = (self._hour_start + timedelta(minutes=minute)).strftime("%Y-%m-%dT%H:%M:")
            self._prefixes[minute] = prefix
        second, millisecond = divmod(rest, 1000)
        return f"{prefix}{second:02d}.{millisecond:03d}Z"


class _Ids:
    """Random-looking ids that cannot collide: (hour, topic, counter) sit in the low bits."""

    def __init__(self, rng: random.Random, hour_start: datetime, topic: str) -> None:
        epoch_hour = (hour_start - _EPOCH) // timedelta(hours=1)
        self._getrandbits = rng.getrandbits
        self._tag = ((epoch_hour & 0x7FFFFF) << 25) | (TOPICS.index(topic) << 24)
        self._events = 0
        self._sessions = 0

    def event_id(self) -> str:
        value = (self._getrandbits(80) << 48) | self._tag | self._events
        self._events += 1
        text = f"{value:032x}"
        return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"

    def session_id(self) -> str:
        value = (self._getrandbits(16) << 48) | self._tag | self._sessions
        self._sessions += 1
        return f"sess_{value:016x}"


def _event_offset(rng: random.Random) -> int:
    """Milliseconds from the ingest hour start: mostly inside it, some before, a few far off."""
    u = rng.random()
    if u < _IN_HOUR_SHARE:
        return int(rng.random() * _HOUR_MS)
    if u < _IN_HOUR_SHARE + _JUST_BEFORE_SHARE:
        return -1 - int(rng.random() * 10 * _MINUTE_MS)
    if u < _IN_HOUR_SHARE + _JUST_BEFORE_SHARE + _LATE_SHARE:
        return -rng.randrange(_HOUR_MS + 30 * _MINUTE_MS, 26 * _HOUR_MS)
    return rng.randrange(2 * _HOUR_MS + _MINUTE_MS, 6 * _HOUR_MS)


def _product_id(rng: random.Random) -> str:
    # Squaring skews popularity towards low ids, like a real catalogue.
    return f"p-{int(2000 * rng.random() ** 2):04d}"


def _user_field(rng: random.Random) -> str:
    """The user_id part of a session's lines: a known user, or an anonymous visitor."""
    u = rng.random()
    if u < 0.15:
        return ',"user_id":null'
    if u < 0.30:
        return ""
    return f',"user_id":"u{rng.randrange(200_000):07d}"'


def _session_steps(rng: random.Random) -> list[tuple[str, str | None]]:
    """Event types of one session, roughly in funnel order, each with its product (if any)."""
    random_ = rng.random
    steps: list[tuple[str, str | None]] = []
    if random_() < 0.03:  # deep link from an ad straight onto a product
        steps.append(("product_click", _product_id(rng)))
    steps.extend(("page_view", None) for _ in range(1 + min(int(rng.expovariate(0.9)), 9)))
    if random_() >= 0.45:
        return steps
    product = _product_id(rng)
    steps.append(("product_click", product))
    if random_() < 0.3:
        steps.append(("page_view", None))
        product = _product_id(rng)
        steps.append(("product_click", product))
    if random_() >= 0.40:
        return steps
    steps.append(("add_to_cart", product))
    if random_() >= 0.5:
        return steps
    steps.append(("purchase", product))
    return steps


def _purchase_fields(rng: random.Random) -> str:
    """revenue and currency of a purchase: mostly KRW, some USD, some without a currency."""
    u = rng.random()
    if u < 0.08:
        return f',"revenue":{rng.randrange(500, 30_000) / 100:.2f},"currency":"USD"'
    krw = 0 if rng.random() < 0.01 else rng.randrange(50, 5000) * 100
    if u < 0.14:
        return f',"revenue":{krw}'
    if u < 0.16:
        return f',"revenue":{krw},"currency":null'
    return f',"revenue":{krw},"currency":"KRW"'


def _user_activity_lines(rng: random.Random, clock: _Clock, ids: _Ids) -> Iterator[tuple[str, int]]:
    """Endless (line, event offset ms) of user-activity sessions."""
    random_ = rng.random
    while True:
        session = ids.session_id()
        user = _user_field(rng)
        extra = rng.choice(_SESSION_EXTRAS) if random_() < 0.05 else ""
        offset = _event_offset(rng)
        for event_type, product in _session_steps(rng):
            head = (
                f'{{"event_id":"{ids.event_id()}","event_type":"{event_type}",'
                f'"event_time":"{clock.iso(offset)}","session_id":"{session}"{user}'
            )
            if event_type == "page_view":
                page = rng.choice(_PAGES)
                tail = ',"page":null' if random_() < 0.02 else f',"page":"{page}"'
            elif event_type == "product_click":
                tail = f',"page":"{rng.choice(_CATEGORY_PAGES)}","product_id":"{product}"'
            elif event_type == "add_to_cart":
                tail = f',"page":"/products/{product}","product_id":"{product}"'
            else:
                tail = f',"page":"/checkout/complete","product_id":"{product}"{_purchase_fields(rng)}'
            yield f"{head}{tail}{extra}}}", offset
            offset += 500 + int(rng.expovariate(1 / 25_000))


def _latency_ms(rng: random.Random, server: str, status: int) -> float:
    """Lognormal latency; api-2 is a little degraded and 5xx responses are slow."""
    latency = math.exp(rng.gauss(3.2, 0.7))
    if server == "api-2":
        latency *= 1.6
    if status >= 500:
        latency = latency * 4 + 100
    elif status == 304:
        latency *= 0.3
    return latency


def _api_request_lines(rng: random.Random, clock: _Clock, ids: _Ids) -> Iterator[tuple[str, int]]:
    """Endless (line, event offset ms) of api_request events."""
    random_ = rng.random
    while True:
        offset = _event_offset(rng)
        server = _SERVERS[bisect.bisect(_SERVER_CUMULATIVE, random_())]
        status = _STATUSES[min(bisect.bisect(_STATUS_CUMULATIVE, random_()), len(_STATUSES) - 1)]
        latency = _latency_ms(rng, server, status)
        latency_text = str(round(latency)) if random_() < 0.15 else f"{latency:.1f}"
        user = f',"user_id":"u{rng.randrange(200_000):07d}"' if random_() < 0.3 else ""
        yield (
            f'{{"event_id":"{ids.event_id()}","event_type":"api_request",'
            f'"event_time":"{clock.iso(offset)}","server":"{server}","http_status":{status},'
            f'"latency_ms":{latency_text}{user}{rng.choice(_ENDPOINTS)}}}'
        ), offset


# ---- rejected lines -------------------------------------------------------------------------

_RAW_MARK = "__raw__:"  # a string value spliced into the line as a bare JSON token


def _dump(record: dict[str, Any]) -> str:
    line = json.dumps(record, separators=(",", ":"), ensure_ascii=False)
    for value in record.values():
        if isinstance(value, str) and value.startswith(_RAW_MARK):
            line = line.replace(json.dumps(value), value[len(_RAW_MARK) :])
    return line


def _setting(name: str, value: Any) -> Callable[[dict, random.Random], dict]:
    return lambda record, rng: {**record, name: value}


def _dropping(name: str) -> Callable[[dict, random.Random], dict]:
    return lambda record, rng: {k: v for k, v in record.items() if k != name}


def _missing(name: str) -> tuple[Callable[[dict, random.Random], dict], ...]:
    """Absent, JSON null and empty string: the three spellings of *missing*."""
    return (_dropping(name), _setting(name, None), _setting(name, ""))


def _timestamp(change: Callable[[str], Any]) -> Callable[[dict, random.Random], dict]:
    return lambda record, rng: {**record, "event_time": change(record["event_time"])}


def _epoch_ms(iso: str) -> int:
    moment = datetime.strptime(iso, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc)
    return (moment - _EPOCH) // timedelta(milliseconds=1)


def _truncated(record: dict, rng: random.Random) -> str:
    line = _dump(record)
    return line[: rng.randrange(1, len(line) - 1)]


# reason -> variants; a variant turns a valid record into a dict (dumped) or a raw line.
_VARIANTS: dict[str, tuple[Callable[[dict, random.Random], Any], ...]] = {
    "invalid_utf8": (
        _setting("page", "/search?q=caf\udce9"),  # Latin-1 "café": 0xE9 is not UTF-8 here
        _setting("user_id", "u\udcff\udcfe0012"),
        lambda record, rng: "{\udc80" + _dump(record)[1:],
    ),
    "malformed_json": (
        _truncated,
        lambda record, rng: _dump(record).replace('"', "'"),
        lambda record, rng: _dump(record) + _dump(record),  # two records, newline lost
        lambda record, rng: _dump(record)[:-1] + ',"score":NaN}',
        lambda record, rng: "[" + _dump(record) + "]",
        lambda record, rng: '"' + record["event_type"] + '"',
        lambda record, rng: "42",
        lambda record, rng: _dump(record)[:-1] + ",}",
        lambda record, rng: "ERROR producer buffer exhausted, record dropped",
    ),
    "missing_field:event_id": _missing("event_id"),
    "missing_field:event_type": _missing("event_type"),
    "missing_field:event_time": _missing("event_time"),
    "missing_field:session_id": _missing("session_id"),
    "missing_field:revenue": _missing("revenue"),
    "missing_field:server": _missing("server"),
    "missing_field:http_status": _missing("http_status"),
    "missing_field:latency_ms": _missing("latency_ms"),
    "bad_timestamp": (
        _timestamp(lambda iso: iso[:-1]),  # no offset
        _timestamp(lambda iso: iso.replace("T", " ")),
        _timestamp(_epoch_ms),
        _timestamp(lambda iso: f"{iso[:4]}-02-30{iso[10:]}"),
        _timestamp(lambda iso: f"{iso[:11]}25{iso[13:]}"),
        _timestamp(lambda iso: iso[:-1] + "+0900"),
        _timestamp(lambda iso: iso[:16] + "Z"),
        _timestamp(lambda iso: f"{iso[8:10]}/{iso[5:7]}/{iso[:4]} {iso[11:19]}"),
    ),
    "bad_value:event_id": (_setting("event_id", 123_456_789), _setting("event_id", True)),
    "bad_value:session_id": (_setting("session_id", 98_765), _setting("session_id", ["sess"])),
    "bad_value:user_id": (
        _setting("user_id", 42),
        _setting("user_id", False),
        _setting("user_id", {"id": "u0000001"}),
    ),
    "bad_value:page": (_setting("page", 404), _setting("page", ["/", "/cart"])),
    "bad_value:product_id": (_setting("product_id", 1234), _setting("product_id", True)),
    "bad_value:revenue": (
        _setting("revenue", -15_000),
        _setting("revenue", "39000"),
        _setting("revenue", True),
        _setting("revenue", -0.5),
    ),
    "bad_value:currency": (_setting("currency", 410), _setting("currency", True)),
    "bad_value:server": (_setting("server", 1), _setting("server", True), _setting("server", ["web-1"])),
    "bad_value:http_status": (
        _setting("http_status", 700),
        _setting("http_status", 99),
        _setting("http_status", 200.0),
        _setting("http_status", "200"),
        _setting("http_status", True),
        _setting("http_status", _RAW_MARK + "2e2"),
    ),
    "bad_value:latency_ms": (
        _setting("latency_ms", -3.5),
        _setting("latency_ms", "12ms"),
        _setting("latency_ms", True),
        _setting("latency_ms", -1),
    ),
}
_UNKNOWN_EVENT_TYPES = {
    USER_ACTIVITY: ("api_request", "click", "PageView", 7, "logout"),
    API_REQUESTS: ("page_view", "api_call", True),
}
_REASON_EVENT_TYPES = {
    "missing_field:revenue": "purchase",
    "bad_value:revenue": "purchase",
    "bad_value:currency": "purchase",
    "bad_value:product_id": "product_click",
}


class _Rejects:
    """Rejected lines of one topic-hour, rotating over every reason and every variant."""

    def __init__(self, rng: random.Random, clock: _Clock, ids: _Ids, topic: str, state: _State):
        self._rng, self._clock, self._ids, self._topic, self._state = rng, clock, ids, topic, state

    def line(self) -> tuple[str, str]:
        """(line, the reason it will be rejected with)."""
        reasons = REJECT_REASONS[self._topic]
        reason = reasons[self._state.reason_turns[self._topic] % len(reasons)]
        self._state.reason_turns[self._topic] += 1
        variants = _VARIANTS.get(reason) or tuple(
            _setting("event_type", value) for value in _UNKNOWN_EVENT_TYPES[self._topic]
        )
        turn = (self._topic, reason)
        variant = variants[self._state.variant_turns[turn] % len(variants)]
        self._state.variant_turns[turn] += 1
        made = variant(self._valid_record(_REASON_EVENT_TYPES.get(reason)), self._rng)
        return (made if isinstance(made, str) else _dump(made)), reason

    def _valid_record(self, event_type: str | None) -> dict[str, Any]:
        rng = self._rng
        base = {
            "event_id": self._ids.event_id(),
            "event_type": "api_request",
            "event_time": self._clock.iso(int(rng.random() * _HOUR_MS)),
        }
        if self._topic == API_REQUESTS:
            return {**base, "server": rng.choice(_SERVERS), "http_status": 200, "latency_ms": 31.5}
        event_type = event_type or rng.choice(("page_view", "product_click", "add_to_cart"))
        record = {
            **base,
            "event_type": event_type,
            "session_id": self._ids.session_id(),
            "user_id": f"u{rng.randrange(200_000):07d}",
            "page": "/checkout/complete" if event_type == "purchase" else rng.choice(_PAGES),
            "product_id": _product_id(rng),
        }
        if event_type == "purchase":
            record.update(revenue=rng.randrange(50, 5000) * 100, currency="KRW")
        return record


# ---- objects --------------------------------------------------------------------------------


def _split(rng: random.Random, total: int, parts: int) -> list[int]:
    """`total` lines over `parts` objects of uneven size, each with at least one line."""
    parts = max(1, min(parts, total))
    weights = [0.6 + rng.random() for _ in range(parts)]
    sizes = [1 + int((total - parts) * w / sum(weights)) for w in weights]
    sizes[-1] += total - sum(sizes)
    return sizes


def _line_kinds(rng: random.Random, total: int, bad_share: float, can_replay: bool) -> dict[int, str]:
    """Line slot -> "reject" | "repeat" (same hour) | "replay" (previous hour)."""
    bad = round(total * bad_share)
    duplicates = round(bad * _DUPLICATE_SHARE_OF_BAD)
    replays = (duplicates + 1) // 2 if can_replay else 0
    kinds = ["replay"] * replays + ["repeat"] * (duplicates - replays) + ["reject"] * (bad - duplicates)
    rng.shuffle(kinds)
    return dict(zip(rng.sample(range(total), bad), kinds))


def _encode(lines: list[str], trailing_newline: bool) -> bytes:
    """UTF-8 bytes of the lines, encoded in chunks to keep peak memory near one body."""
    chunks = []
    for first in range(0, len(lines), _ENCODE_CHUNK):
        text = "\n".join(lines[first : first + _ENCODE_CHUNK])
        # Lone surrogates stand for the invalid bytes of `invalid_utf8` lines.
        chunks.append(text.encode("utf-8", "surrogateescape"))
    return b"\n".join(chunks) + (b"\n" if trailing_newline else b"")


def _landing_object(
    state: _State,
    rng: random.Random,
    hour_start: datetime,
    topic: str,
    position: tuple[int, int],
    lines: list[str],
    records: int,
    stats: Counter,
) -> LandingObject:
    """Names, encodes and maybe gzips one object; `position` is (index, count) in its topic-hour."""
    partition = rng.randrange(_PARTITIONS)
    offset = state.offsets[(topic, partition)]
    state.offsets[(topic, partition)] += records
    name = f"{topic}+{partition}+{offset:010d}.json"
    body = _encode(lines, trailing_newline=rng.random() < _TRAILING_NEWLINE_SHARE)
    if rng.random() < _GZIP_SHARE:
        body = gzip.compress(body, compresslevel=6, mtime=0)
        name += ".gz"
        stats["gzip_objects"] += 1
    index, count = position
    written_ms = (index + 1) * _HOUR_MS // (count + 1) + rng.randrange(-_MINUTE_MS, _MINUTE_MS)
    written_ms = min(max(written_ms, 0), _HOUR_MS - 1)
    stats["objects"] += 1
    stats["bytes"] += len(body)
    return LandingObject(
        key=f"events/topic={topic}/date={hour_start:%Y-%m-%d}/hour={hour_start:%H}/{name}",
        body=body,
        last_modified=hour_start + timedelta(milliseconds=written_ms),
    )


def _topic_hour_objects(
    state: _State,
    rng: random.Random,
    hour_start: datetime,
    topic: str,
    total: int,
    bad_share: float,
    stats: Counter,
) -> Iterator[LandingObject]:
    """The 2-4 objects of one topic in one ingest hour, `total` non-blank lines in all."""
    if total <= 0:
        return
    clock = _Clock(hour_start)
    ids = _Ids(rng, hour_start, topic)
    source = _user_activity_lines if topic == USER_ACTIVITY else _api_request_lines
    good = source(rng, clock, ids)
    rejects = _Rejects(rng, clock, ids, topic, state)
    previous = state.previous_lines.get(topic, [])
    kinds = _line_kinds(rng, total, bad_share, can_replay=bool(previous))
    blanks = set(rng.sample(range(total), round(total * _BLANK_LINE_RATE)))
    crlfs = set(rng.sample(range(total), round(total * _CRLF_RATE)))
    recent: deque[str] = deque(maxlen=_REPLAY_POOL)
    counts = Counter()
    sizes = _split(rng, total, rng.randint(2, 4))
    first = 0
    for index, size in enumerate(sizes):
        lines: list[str] = []
        for slot in range(first, first + size):
            if slot in blanks:
                lines.append(rng.choice(_BLANK_LINES))
                counts["blank_lines"] += 1
            kind = kinds.get(slot)
            if kind == "reject":
                line, reason = rejects.line()
                counts["rejected"] += 1
                counts[f"reject:{reason}"] += 1
            elif kind == "repeat" and recent:
                line = rng.choice(recent)
                counts["duplicates_within_hour"] += 1
            elif kind == "replay":
                line = rng.choice(previous)
                counts["duplicates_previous_hour"] += 1
            else:
                line, offset = next(good)
                recent.append(line)
                counts["valid"] += 1
                if offset < -_HOUR_MS:
                    counts["late"] += 1
                elif offset >= 2 * _HOUR_MS:
                    counts["future"] += 1
            lines.append(line + "\r" if slot in crlfs else line)
        first += size
        yield _landing_object(state, rng, hour_start, topic, (index, len(sizes)), lines, size, stats)
    state.previous_lines[topic] = list(recent)
    counts["lines"] += total
    counts[f"lines:{topic}"] += total
    stats.update(counts)


def _hour_start(moment: datetime) -> datetime:
    """`moment` as an aware UTC datetime (naive means UTC); it must be a whole hour."""
    moment = moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)
    if (moment.minute, moment.second, moment.microsecond) != (0, 0, 0):
        raise ValueError(f"start must be a whole hour, got {moment.isoformat()}")
    return moment


def generate_event_objects(
    start: datetime,
    hours: int,
    events_per_hour: int,
    bad_share: float,
    seed: int,
    *,
    stats: Counter | None = None,
) -> Iterator[LandingObject]:
    """Landing objects for `hours` ingest hours from `start`, `events_per_hour` non-blank lines each.

    Pure and deterministic for its arguments. If `stats` is given, it is updated with counts
    of what was generated (see `summarize`).
    """
    start = _hour_start(start)
    if hours < 0 or events_per_hour < 0:
        raise ValueError("hours and events_per_hour must be >= 0")
    if not 0.0 <= bad_share <= 1.0:
        raise ValueError(f"bad_share must be within [0, 1], got {bad_share}")
    if events_per_hour >= _MAX_LINES_PER_TOPIC_HOUR:
        raise ValueError(f"events_per_hour must be below {_MAX_LINES_PER_TOPIC_HOUR}")
    return _generate(start, hours, events_per_hour, bad_share, seed, stats if stats is not None else Counter())


def _generate(
    start: datetime, hours: int, events_per_hour: int, bad_share: float, seed: int, stats: Counter
) -> Iterator[LandingObject]:
    state = _State.initial(seed)
    user_activity_lines = round(events_per_hour * _USER_ACTIVITY_SHARE)
    per_topic = ((USER_ACTIVITY, user_activity_lines), (API_REQUESTS, events_per_hour - user_activity_lines))
    for hour in range(hours):
        hour_start = start + timedelta(hours=hour)
        rng = random.Random(f"events/{seed}/{hour_start:%Y-%m-%dT%H}")
        for topic, total in per_topic:
            yield from _topic_hour_objects(state, rng, hour_start, topic, total, bad_share, stats)


def write_landing_objects(landing_dir: Path, objects: Iterable[LandingObject]) -> int:
    """Writes each object under `landing_dir` with its mtime set to `last_modified`; returns the count."""
    written = 0
    for obj in objects:
        path = Path(landing_dir, *obj.key.split("/"))
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(obj.body)
        nanoseconds = (obj.last_modified - _EPOCH) // timedelta(microseconds=1) * 1000
        os.utime(path, ns=(nanoseconds, nanoseconds))
        written += 1
    return written


def summarize(stats: Counter) -> dict[str, Any]:
    """A summary dict from the counts `generate_event_objects` collects."""
    return {
        "objects": stats["objects"],
        "gzip_objects": stats["gzip_objects"],
        "bytes": stats["bytes"],
        "lines": stats["lines"],
        "blank_lines": stats["blank_lines"],
        "valid": stats["valid"],
        "rejected": stats["rejected"],
        "duplicates": stats["duplicates_within_hour"] + stats["duplicates_previous_hour"],
        "duplicates_within_hour": stats["duplicates_within_hour"],
        "duplicates_previous_hour": stats["duplicates_previous_hour"],
        "late": stats["late"],
        "future": stats["future"],
        "lines_by_topic": {topic: stats[f"lines:{topic}"] for topic in TOPICS},
        "rejects_by_reason": {
            key.removeprefix("reject:"): stats[key] for key in sorted(stats) if key.startswith("reject:")
        },
    }


def write_events(
    landing_dir: Path,
    start: datetime,
    hours: int,
    events_per_hour: int,
    bad_share: float,
    seed: int,
) -> dict[str, Any]:
    """Generates and writes the landing objects; returns `summarize` of what was written."""
    stats: Counter = Counter()
    objects = generate_event_objects(start, hours, events_per_hour, bad_share, seed, stats=stats)
    write_landing_objects(Path(landing_dir), objects)
    return summarize(stats)


# ---- command line ---------------------------------------------------------------------------


def _parse_start(text: str) -> datetime:
    """`2026-11-23T00`, `2026-11-23T00:00` or a full ISO-8601 instant; naive means UTC."""
    for pattern in ("%Y-%m-%dT%H", "%Y-%m-%dT%H:%M"):
        try:
            return _hour_start(datetime.strptime(text, pattern))
        except ValueError:
            pass
    try:
        return _hour_start(datetime.fromisoformat(text))
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"not a whole UTC hour: {text!r} ({error})") from None


def _share(text: str) -> float:
    value = float(text)
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"must be within [0, 1], got {text}")
    return value


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of `python -m lakehouse_assets.sample_data events`."""
    parser.add_argument("--landing", type=Path, required=True, help="landing root (objects go under events/)")
    parser.add_argument(
        "--start", type=_parse_start, required=True, help="first ingest hour (UTC), e.g. 2026-11-23T00"
    )
    parser.add_argument("--hours", type=int, default=1, help="number of ingest hours (default 1)")
    parser.add_argument(
        "--events-per-hour", type=int, default=10_000, help="non-blank lines per hour, both topics (default 10000)"
    )
    parser.add_argument(
        "--bad-share", type=_share, default=0.02, help="share of lines rejected or duplicated (default 0.02)"
    )
    parser.add_argument("--seed", type=int, default=7, help="random seed (default 7)")


def run(args: argparse.Namespace) -> int:
    """Writes the events and prints a one-line summary."""
    began = time.perf_counter()
    summary = write_events(args.landing, args.start, args.hours, args.events_per_hour, args.bad_share, args.seed)
    topics = ", ".join(f"{topic} {count:,}" for topic, count in summary["lines_by_topic"].items())
    print(
        f"events: {summary['objects']:,} objects ({summary['gzip_objects']:,} gzip, {summary['bytes']:,} bytes), "
        f"{summary['lines']:,} lines ({topics}) + {summary['blank_lines']:,} blank; "
        f"valid {summary['valid']:,} (late {summary['late']:,}, future {summary['future']:,}), "
        f"rejected {summary['rejected']:,} over {len(summary['rejects_by_reason'])} reasons, "
        f"duplicates {summary['duplicates']:,} ({summary['duplicates_within_hour']:,} same hour, "
        f"{summary['duplicates_previous_hour']:,} previous hour); {time.perf_counter() - began:.1f} s"
    )
    return 0
