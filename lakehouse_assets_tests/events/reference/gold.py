"""Silver -> Gold: the in-window rows and the contract's metric tables."""

from __future__ import annotations

import json
import math
from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from lakehouse_assets_tests.events.reference.silver import FUNNEL_STEPS, HOUR, KNOWN_TOPICS, USER_ACTIVITY_TYPES


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
