"""Lines that Silver rejects: every reason of the events contract, each in several spellings."""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

from lakehouse_assets.sample_data.events.common import (
    API_REQUESTS,
    EPOCH,
    HOUR_MS,
    USER_ACTIVITY,
    HourClock,
    HourIds,
    RunState,
)
from lakehouse_assets.sample_data.events.traffic import PAGES, SERVERS, random_product_id

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
    return (moment - EPOCH) // timedelta(milliseconds=1)


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


class RejectedLines:
    """Rejected lines of one topic-hour, rotating over every reason and every variant."""

    def __init__(self, rng: random.Random, clock: HourClock, ids: HourIds, topic: str, state: RunState):
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
            "event_time": self._clock.iso(int(rng.random() * HOUR_MS)),
        }
        if self._topic == API_REQUESTS:
            return {**base, "server": rng.choice(SERVERS), "http_status": 200, "latency_ms": 31.5}
        event_type = event_type or rng.choice(("page_view", "product_click", "add_to_cart"))
        record = {
            **base,
            "event_type": event_type,
            "session_id": self._ids.session_id(),
            "user_id": f"u{rng.randrange(200_000):07d}",
            "page": "/checkout/complete" if event_type == "purchase" else rng.choice(PAGES),
            "product_id": random_product_id(rng),
        }
        if event_type == "purchase":
            record.update(revenue=rng.randrange(50, 5000) * 100, currency="KRW")
        return record
