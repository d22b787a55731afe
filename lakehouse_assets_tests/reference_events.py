"""A plain-Python reference of the events contract: landing -> Bronze -> Silver -> Gold.

Written straight from `shared/contracts/events.md` and `lakehouse_assets/events/CONTRACT_NOTES.md`,
independently of the Spark assets, so tests can cross-check them. Standard library only, and
meant for test-sized data (everything is held in memory).

`compute_reference(landing_dir)` returns every table as a list of dict rows whose keys are the
contract's column names: timestamps are aware UTC datetimes, dates `datetime.date`, doubles
`float`, and ratios/averages/percentiles `None` where the contract says null.
"""

from __future__ import annotations

import gzip
import json
import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
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
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_KEY = re.compile(
    r"events/topic=(?P<topic>[^/]+)/date=(?P<date>\d{4}-\d{2}-\d{2})/hour=(?P<hour>\d{2})/[^/]+\.json(?P<gz>\.gz)?",
    re.ASCII,
)
_TIMESTAMP = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:(Z)|([+-])(\d{2}):(\d{2}))",
    re.ASCII,
)
# Blank means empty or ASCII whitespace only (Python's string.whitespace).
_WHITESPACE = frozenset(" \t\n\r\f\v")


# ---- landing -> Bronze ----------------------------------------------------------------------


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


# ---- Bronze -> Silver: validation -----------------------------------------------------------


def _no_constants(name: str) -> Any:
    raise ValueError(f"not strict JSON: {name}")


def strict_json(raw: str) -> Any:
    """One strict JSON value (no NaN/Infinity, nothing after it); raises ValueError otherwise."""
    try:
        return json.loads(raw, parse_constant=_no_constants)
    except RecursionError as error:
        raise ValueError("nested too deeply") from error


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


# ---- Bronze -> Silver: tables ---------------------------------------------------------------


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


# ---- Gold -----------------------------------------------------------------------------------


def event_hour(row: dict[str, Any]) -> datetime:
    return row["event_time"].replace(minute=0, second=0, microsecond=0)


def in_window(row: dict[str, Any]) -> bool:
    """I - 1h <= E <= I + 1h."""
    return row["ingest_hour"] - HOUR <= event_hour(row) <= row["ingest_hour"] + HOUR


def percentile_cont(values: Iterable[float], fraction: float) -> float | None:
    """Exact, linearly interpolated percentile (SQL `percentile_cont`); None without values."""
    ordered = sorted(values)
    if not ordered:
        return None
    position = fraction * (len(ordered) - 1)
    lower, upper = math.floor(position), math.ceil(position)
    return ordered[lower] + (ordered[upper] - ordered[lower]) * (position - lower)


def _mean(values: list[float]) -> float | None:
    return math.fsum(values) / len(values) if values else None


def _ratio(numerator: float, denominator: float) -> float | None:
    return numerator / denominator if denominator else None


def _distinct(rows: Iterable[dict[str, Any]], column: str) -> set:
    return {row[column] for row in rows if row[column] is not None}


def gold_server_health_minutely(window: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per (minute, server) with api_request events."""
    groups: dict[tuple[datetime, str], list[dict]] = defaultdict(list)
    for row in window:
        if row["event_type"] == "api_request":
            groups[(row["event_time"].replace(second=0, microsecond=0), row["server"])].append(row)
    result = []
    for (minute, server), rows in sorted(groups.items()):
        latencies = [row["latency_ms"] for row in rows]
        errors_4xx = sum(400 <= row["http_status"] <= 499 for row in rows)
        errors_5xx = sum(500 <= row["http_status"] <= 599 for row in rows)
        result.append(
            {
                "minute": minute,
                "server": server,
                "requests": len(rows),
                "errors_4xx": errors_4xx,
                "errors_5xx": errors_5xx,
                "error_rate": _ratio(errors_4xx + errors_5xx, len(rows)),
                "avg_latency_ms": _mean(latencies),
                "p50_latency_ms": percentile_cont(latencies, 0.50),
                "p95_latency_ms": percentile_cont(latencies, 0.95),
                "p99_latency_ms": percentile_cont(latencies, 0.99),
            }
        )
    return result


def gold_operational_hourly(window: list[dict[str, Any]], ingest_hours: Iterable[datetime]) -> list[dict[str, Any]]:
    """One row per event hour with in-window events, and per ingest hour (zeros and nulls if empty)."""
    by_hour: dict[datetime, list[dict]] = defaultdict(list)
    for row in window:
        by_hour[event_hour(row)].append(row)
    result = []
    for hour in sorted(set(by_hour) | set(ingest_hours)):
        rows = by_hour.get(hour, [])
        requests = [row for row in rows if row["event_type"] == "api_request"]
        latencies = [row["latency_ms"] for row in requests]
        errors_5xx = sum(500 <= row["http_status"] <= 599 for row in requests)
        result.append(
            {
                "hour": hour,
                "events": len(rows),
                "active_users": len(_distinct(rows, "user_id")),
                "active_sessions": len(_distinct(rows, "session_id")),
                "page_views": sum(row["event_type"] == "page_view" for row in rows),
                "requests": len(requests),
                "errors_5xx": errors_5xx,
                "error_rate_5xx": _ratio(errors_5xx, len(requests)),
                "avg_latency_ms": _mean(latencies),
                "p95_latency_ms": percentile_cont(latencies, 0.95),
            }
        )
    return result


def _user_activity_by_date(window: list[dict[str, Any]]) -> dict[date, list[dict]]:
    by_date: dict[date, list[dict]] = defaultdict(list)
    for row in window:
        if row["event_type"] in USER_ACTIVITY_TYPES:
            by_date[row["event_time"].date()].append(row)
    return by_date


def gold_business_daily(window: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per (date, currency) with at least one purchase."""
    activity = _user_activity_by_date(window)
    purchases: dict[tuple[date, str], list[dict]] = defaultdict(list)
    for day, rows in activity.items():
        for row in rows:
            if row["event_type"] == "purchase":
                purchases[(day, row["currency"])].append(row)
    result = []
    for (day, currency), rows in sorted(purchases.items()):
        revenue = math.fsum(row["revenue"] for row in rows)
        sessions = len(_distinct(activity[day], "session_id"))
        result.append(
            {
                "date": day,
                "currency": currency,
                "orders": len(rows),
                "revenue": revenue,
                "buyers": len(_distinct(rows, "user_id")),
                "avg_order_value": revenue / len(rows),
                "sessions": sessions,
                "conversion_rate": _ratio(len(_distinct(rows, "session_id")), sessions),
            }
        )
    return result


def gold_funnel_daily(window: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Four rows (one per step) for every date with any in-window event."""
    activity = _user_activity_by_date(window)
    result = []
    for day in sorted({row["event_time"].date() for row in window}):
        steps_by_session: dict[str, set[str]] = defaultdict(set)
        for row in activity.get(day, []):
            if row["session_id"] is not None:
                steps_by_session[row["session_id"]].add(row["event_type"])
        counts = [
            sum(set(FUNNEL_STEPS[:order]) <= steps for steps in steps_by_session.values())
            for order in range(1, len(FUNNEL_STEPS) + 1)
        ]
        for index, step in enumerate(FUNNEL_STEPS):
            result.append(
                {
                    "date": day,
                    "step": step,
                    "step_order": index + 1,
                    "sessions": counts[index],
                    "conversion_from_previous": _ratio(counts[index], counts[max(index - 1, 0)]),
                    "conversion_from_first": _ratio(counts[index], counts[0]),
                }
            )
    return result


def gold_data_quality_hourly(
    ingest_hours: Iterable[datetime],
    bronze: list[dict[str, Any]],
    events: list[dict[str, Any]],
    rejects: list[dict[str, Any]],
    duplicates: list[dict[str, Any]],
) -> list[dict[str, Any]]:
    """One row per (ingest hour, topic): both known topics always, plus any other topic in Bronze."""

    def per_key(rows: Iterable[dict[str, Any]]) -> Counter:
        return Counter((row["ingest_hour"], row["topic"]) for row in rows)

    bronze_rows, valid_rows, duplicate_rows = per_key(bronze), per_key(events), per_key(duplicates)
    rejected_rows = per_key(rejects)
    late_rows = per_key(row for row in events if event_hour(row) < row["ingest_hour"] - HOUR)
    future_rows = per_key(row for row in events if event_hour(row) > row["ingest_hour"] + HOUR)
    null_user_rows = per_key(
        row for row in events if row["event_type"] in USER_ACTIVITY_TYPES and row["user_id"] is None
    )
    reasons: dict[tuple[datetime, str], Counter] = defaultdict(Counter)
    for row in rejects:
        reasons[(row["ingest_hour"], row["topic"])][row["reason"]] += 1
    keys = {(hour, topic) for hour in ingest_hours for topic in KNOWN_TOPICS} | set(bronze_rows)
    return [
        {
            "ingest_hour": hour,
            "topic": topic,
            "bronze_rows": bronze_rows[(hour, topic)],
            "valid_rows": valid_rows[(hour, topic)],
            "rejected_rows": rejected_rows[(hour, topic)],
            "duplicate_rows": duplicate_rows[(hour, topic)],
            "late_rows": late_rows[(hour, topic)],
            "future_rows": future_rows[(hour, topic)],
            "null_user_rows": null_user_rows[(hour, topic)],
            "rejects_by_reason": json.dumps(dict(reasons[(hour, topic)]), sort_keys=True, separators=(",", ":")),
        }
        for hour, topic in sorted(keys)
    ]


def compute_reference(landing_dir: Path) -> dict[str, list[dict[str, Any]]]:
    """Every table of the contract, computed from the landing zone under `landing_dir`."""
    objects = list_landing_objects(Path(landing_dir))
    ingest_hours = sorted({ref.ingest_hour for ref in objects})
    bronze = read_bronze(objects)
    events, rejects, duplicates = build_silver(bronze)
    window = [row for row in events if in_window(row)]
    return {
        "bronze": bronze,
        "silver_events": events,
        "silver_event_rejects": rejects,
        "silver_event_duplicates": duplicates,
        "gold_server_health_minutely": gold_server_health_minutely(window),
        "gold_operational_hourly": gold_operational_hourly(window, ingest_hours),
        "gold_business_daily": gold_business_daily(window),
        "gold_funnel_daily": gold_funnel_daily(window),
        "gold_data_quality_hourly": gold_data_quality_hourly(ingest_hours, bronze, events, rejects, duplicates),
    }
