"""Bronze -> Silver: the first reject reason of each line, normalised fields, and deduplication."""

from __future__ import annotations

import json
import math
import re
from collections import defaultdict
from datetime import datetime, timedelta, timezone
from typing import Any

USER_ACTIVITY = "user-activity"
API_REQUESTS = "api-requests"
KNOWN_TOPICS = (USER_ACTIVITY, API_REQUESTS)
FUNNEL_STEPS = ("page_view", "product_click", "add_to_cart", "purchase")
USER_ACTIVITY_TYPES = frozenset(FUNNEL_STEPS)
ALLOWED_EVENT_TYPES = {USER_ACTIVITY: USER_ACTIVITY_TYPES, API_REQUESTS: frozenset({"api_request"})}
REQUIRED_FIELDS = {
    **{event_type: ("session_id",) for event_type in FUNNEL_STEPS},
    "purchase": ("session_id", "revenue"),
    "api_request": ("server", "http_status", "latency_ms"),
}
STRING_FIELDS = ("event_id", "session_id", "user_id", "page", "product_id")
DEFAULT_CURRENCY = "KRW"

SILVER_COLUMNS = (
    "event_id",
    "event_type",
    "topic",
    "event_time",
    "session_id",
    "user_id",
    "page",
    "product_id",
    "revenue",
    "currency",
    "server",
    "http_status",
    "latency_ms",
    "ingest_hour",
    "source_key",
    "line_number",
)
DUPLICATE_COLUMNS = ("event_id", "topic", "ingest_hour", "source_key", "line_number")

HOUR = timedelta(hours=1)
_TIMESTAMP = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:(Z)|([+-])(\d{2}):(\d{2}))",
    re.ASCII,
)


# ---- validation -----------------------------------------------------------------------------


def _no_constants(name: str) -> Any:
    raise ValueError(f"not strict JSON: {name}")


MAX_NESTING = 64
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _depth(value: Any) -> int:
    """How deep arrays and objects nest (a scalar is 0, `{}` is 1)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        if children is not None:
            deepest = max(deepest, level)
            stack.extend((child, level + 1) for child in children)
    return deepest


def strict_json(raw: str) -> Any:
    """One strict JSON value (no NaN/Infinity, nothing after it, at most MAX_NESTING deep);
    raises ValueError otherwise. A lone UTF-16 surrogate escape in a top-level string reads as U+FFFD."""
    try:
        value = json.loads(raw, parse_constant=_no_constants)
    except RecursionError as error:
        raise ValueError("nested too deeply") from error
    if _depth(value) > MAX_NESTING:
        raise ValueError("nested too deeply")
    if isinstance(value, dict):
        value = {k: _LONE_SURROGATE.sub("\ufffd", v) if isinstance(v, str) else v for k, v in value.items()}
    return value


def _missing(record: dict[str, Any], name: str) -> bool:
    """Absent, JSON null or the empty string."""
    value = record.get(name)
    return value is None or (isinstance(value, str) and value == "")


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _is_integer_literal(value: Any) -> bool:
    # json.loads gives an int exactly when the token had no fraction and no exponent.
    return isinstance(value, int) and not isinstance(value, bool)


def parse_event_time(value: Any) -> datetime | None:
    """`YYYY-MM-DDTHH:MM:SS[.f{1,9}](Z|±HH:MM)` as an aware UTC datetime, else None."""
    if not isinstance(value, str):
        return None
    match = _TIMESTAMP.fullmatch(value)
    if match is None:
        return None
    year, month, day, hour, minute, second = (int(match.group(i)) for i in range(1, 7))
    microsecond = int((match.group(7) or "")[:6].ljust(6, "0"))
    try:
        if match.group(8):
            zone = timezone.utc
        else:
            offset_hours, offset_minutes = int(match.group(10)), int(match.group(11))
            if offset_minutes > 59:
                return None
            offset = timedelta(hours=offset_hours, minutes=offset_minutes)
            zone = timezone(-offset if match.group(9) == "-" else offset)
        moment = datetime(year, month, day, hour, minute, second, microsecond, tzinfo=zone)
        return moment.astimezone(timezone.utc)
    except (ValueError, OverflowError):
        return None


def _bad_value(record: dict[str, Any], event_type: str) -> str | None:
    """The first `bad_value:<f>` that applies, in Silver column order."""
    for name in STRING_FIELDS:
        value = record.get(name)
        if value is not None and not isinstance(value, str):
            return f"bad_value:{name}"
    if event_type == "purchase":
        revenue = record["revenue"]
        if not _is_number(revenue) or revenue < 0:
            return "bad_value:revenue"
        currency = record.get("currency")
        if currency is not None and not isinstance(currency, str):
            return "bad_value:currency"
    server = record.get("server")
    if server is not None and not isinstance(server, str):
        return "bad_value:server"
    if not _missing(record, "http_status"):
        status = record["http_status"]
        if not _is_integer_literal(status) or not 100 <= status <= 599:
            return "bad_value:http_status"
    if not _missing(record, "latency_ms"):
        latency = record["latency_ms"]
        if not _is_number(latency) or latency < 0:
            return "bad_value:latency_ms"
    return None


def _text(value: Any) -> str | None:
    """Optional string fields: the empty string is stored as null."""
    return None if value is None or value == "" else value


def _double(value: Any) -> float | None:
    if value is None or value == "":
        return None
    try:
        return float(value)
    except OverflowError:  # an integer literal beyond the double range
        return math.inf if value > 0 else -math.inf


def _silver_fields(record: dict[str, Any], event_type: str, topic: str, event_time: datetime) -> dict[str, Any]:
    purchase = event_type == "purchase"
    status = record.get("http_status")
    return {
        "event_id": record["event_id"],
        "event_type": event_type,
        "topic": topic,
        "event_time": event_time,
        "session_id": _text(record.get("session_id")),
        "user_id": _text(record.get("user_id")),
        "page": _text(record.get("page")),
        "product_id": _text(record.get("product_id")),
        "revenue": _double(record["revenue"]) if purchase else None,
        "currency": (_text(record.get("currency")) or DEFAULT_CURRENCY) if purchase else None,
        "server": _text(record.get("server")),
        "http_status": None if status is None or status == "" else int(status),
        "latency_ms": _double(record.get("latency_ms")),
    }


def classify_line(raw: str, topic: str) -> tuple[dict[str, Any] | None, str | None]:
    """(Silver fields, None) for a valid line, or (None, reject reason) - the first that applies."""
    if "\ufffd" in raw:
        return None, "invalid_utf8"
    try:
        record = strict_json(raw)
    except ValueError:
        return None, "malformed_json"
    if not isinstance(record, dict):
        return None, "malformed_json"
    for name in ("event_id", "event_type", "event_time"):
        if _missing(record, name):
            return None, f"missing_field:{name}"
    event_type = record["event_type"]
    if not isinstance(event_type, str) or event_type not in ALLOWED_EVENT_TYPES.get(topic, ()):
        return None, "unknown_event_type"
    for name in REQUIRED_FIELDS[event_type]:
        if _missing(record, name):
            return None, f"missing_field:{name}"
    event_time = parse_event_time(record["event_time"])
    if event_time is None:
        return None, "bad_timestamp"
    reason = _bad_value(record, event_type)
    if reason is not None:
        return None, reason
    return _silver_fields(record, event_type, topic, event_time), None



# ---- tables ---------------------------------------------------------------------------------


def _line_order(row: dict[str, Any]) -> tuple[str, int]:
    return row["source_key"], row["line_number"]


def build_silver(bronze: list[dict[str, Any]]) -> tuple[list[dict], list[dict], list[dict]]:
    """(`silver.events`, `silver.event_rejects`, `silver.event_duplicates`) from Bronze rows."""
    rejects: list[dict] = []
    valid_by_hour: dict[datetime, list[dict]] = defaultdict(list)
    for row in bronze:
        fields, reason = classify_line(row["raw"], row["topic"])
        position = {column: row[column] for column in ("ingest_hour", "source_key", "line_number")}
        if reason is None:
            valid_by_hour[row["ingest_hour"]].append({**fields, **position})
        else:
            rejects.append({"topic": row["topic"], **position, "raw": row["raw"], "reason": reason})
    events: list[dict] = []
    duplicates: list[dict] = []
    for hour in sorted(valid_by_hour):
        # Every valid line of the previous hour counts, whether it was kept or itself a duplicate.
        seen = {row["event_id"] for row in valid_by_hour.get(hour - HOUR, ())}
        for row in sorted(valid_by_hour[hour], key=_line_order):
            if row["event_id"] in seen:
                duplicates.append({column: row[column] for column in DUPLICATE_COLUMNS})
            else:
                seen.add(row["event_id"])
                events.append({column: row[column] for column in SILVER_COLUMNS})
    rejects.sort(key=lambda row: (row["ingest_hour"], *_line_order(row)))
    return events, rejects, duplicates
