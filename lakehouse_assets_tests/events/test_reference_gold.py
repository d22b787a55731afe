"""Tests of the plain-Python events reference: the Gold metrics, computed by hand."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from lakehouse_assets_tests.events.handwritten_landing import (
    API,
    API_REQUEST,
    DROP,
    H10,
    PAGE_VIEW,
    PURCHASE,
    UA,
    at,
    iso,
    put,
    record,
)
from lakehouse_assets_tests.events.reference import compute_reference, percentile_cont


def test_window_late_and_future(tmp_path: Path) -> None:
    moments = {
        "late-far": at(3, 0),
        "late-edge": at(8, 59, 59, 999000),
        "window-start": at(9, 0),
        "inside": at(10, 30),
        "offset-inside": at(10, 45),
        "window-end": at(11, 59, 59, 999000),
        "future-edge": at(12, 0),
    }
    times = {name: iso(moment) for name, moment in moments.items()}
    times["offset-inside"] = "2026-11-23T12:45:00+02:00"
    lines = [record(PAGE_VIEW, event_id=name, session_id=name, event_time=text) for name, text in times.items()]
    put(tmp_path, UA, H10, "x.json", lines)
    tables = compute_reference(tmp_path)

    (quality,) = [row for row in tables["gold_data_quality_hourly"] if row["topic"] == UA]
    assert (quality["valid_rows"], quality["late_rows"], quality["future_rows"]) == (7, 2, 1)
    assert quality["null_user_rows"] == 0
    hourly = {row["hour"].hour: row["events"] for row in tables["gold_operational_hourly"]}
    assert hourly == {9: 1, 10: 2, 11: 1}
    (day,) = {row["date"] for row in tables["gold_funnel_daily"]}
    assert day == date(2026, 11, 23)
    assert tables["gold_funnel_daily"][0]["sessions"] == 4


def test_empty_hours_get_zero_rows(tmp_path: Path) -> None:
    put(tmp_path, UA, H10, "x.json", [record(PAGE_VIEW, event_time=iso(at(2)), user_id=None)])  # late only
    put(tmp_path, API, H10 + timedelta(hours=3), "y.json", ["", "  "])  # blank lines only
    tables = compute_reference(tmp_path)

    assert tables["gold_operational_hourly"] == [
        {
            "hour": hour,
            "events": 0,
            "active_users": 0,
            "active_sessions": 0,
            "page_views": 0,
            "requests": 0,
            "errors_5xx": 0,
            "error_rate_5xx": None,
            "avg_latency_ms": None,
            "p95_latency_ms": None,
        }
        for hour in (H10, H10 + timedelta(hours=3))
    ]
    quality = {(row["ingest_hour"].hour, row["topic"]): row for row in tables["gold_data_quality_hourly"]}
    assert sorted(quality) == [(10, API), (10, UA), (13, API), (13, UA)]
    assert quality[(10, UA)]["late_rows"] == 1 and quality[(10, UA)]["null_user_rows"] == 1
    assert quality[(13, API)] == {
        "ingest_hour": H10 + timedelta(hours=3),
        "topic": API,
        "bronze_rows": 0,
        "valid_rows": 0,
        "rejected_rows": 0,
        "duplicate_rows": 0,
        "late_rows": 0,
        "future_rows": 0,
        "null_user_rows": 0,
        "rejects_by_reason": "{}",
    }
    assert tables["gold_funnel_daily"] == [] and tables["gold_business_daily"] == []
    assert tables["gold_server_health_minutely"] == []


def test_data_quality_counts_reasons_and_other_topics(tmp_path: Path) -> None:
    put(tmp_path, UA, H10, "x.json", ["bad", "{}", record(PAGE_VIEW, event_time="x"), "[]", record(PAGE_VIEW)])
    put(tmp_path, "clicks", H10, "x.json", [record(PAGE_VIEW)])
    quality = {row["topic"]: row for row in compute_reference(tmp_path)["gold_data_quality_hourly"]}
    assert sorted(quality) == [API, "clicks", UA]
    assert quality[UA]["rejects_by_reason"] == '{"bad_timestamp":1,"malformed_json":2,"missing_field:event_id":1}'
    assert (quality[UA]["bronze_rows"], quality[UA]["rejected_rows"], quality[UA]["valid_rows"]) == (5, 4, 1)
    assert quality["clicks"]["rejects_by_reason"] == '{"unknown_event_type":1}'
    assert quality[API]["bronze_rows"] == 0


def test_funnel_and_business_by_hand(tmp_path: Path) -> None:
    def event(event_id: str, session: str, event_type: str, minute: int, **fields: Any) -> str:
        base = PURCHASE if event_type == "purchase" else PAGE_VIEW
        moment = iso(at(10, minute))
        return record(base, event_id=event_id, session_id=session, event_type=event_type, event_time=moment, **fields)

    put(
        tmp_path,
        UA,
        H10,
        "x.json",
        [
            event("1", "s1", "page_view", 1),
            event("2", "s1", "product_click", 2),
            event("3", "s1", "add_to_cart", 3),
            event("4", "s1", "purchase", 4, revenue=1000, user_id="u1"),
            event("5", "s2", "page_view", 1, user_id=None),
            event("6", "s2", "product_click", 2),
            event("7", "s3", "product_click", 1),  # no page view: never enters the funnel
            event("8", "s3", "add_to_cart", 2),
            event("9", "s4", "page_view", 1),
            event("10", "s4", "add_to_cart", 2),  # skipped the click
            event("11", "s4", "purchase", 3, revenue=10.5, currency="USD", user_id=None),
            event("12", "s5", "purchase", 1, revenue=2000, currency=DROP, user_id="u1"),  # order does not matter
            event("13", "s5", "add_to_cart", 2),
            event("14", "s5", "product_click", 3),
            event("15", "s5", "page_view", 4),
        ],
    )
    put(tmp_path, API, H10, "y.json", [record(API_REQUEST, session_id="s9")])
    # An api request alone on the next day: a funnel date with no sessions.
    next_day = datetime(2026, 11, 24, 0, tzinfo=timezone.utc)
    put(tmp_path, API, next_day, "y.json", [record(API_REQUEST, event_id="a-2", event_time=iso(next_day))])
    tables = compute_reference(tmp_path)

    day, next_date = date(2026, 11, 23), date(2026, 11, 24)
    steps = ("page_view", "product_click", "add_to_cart", "purchase")
    funnel = [(day, 4, 1.0, 1.0), (day, 3, 0.75, 0.75), (day, 2, 2 / 3, 0.5), (day, 2, 1.0, 0.5)]
    funnel += [(next_date, 0, None, None)] * 4
    assert tables["gold_funnel_daily"] == [
        {
            "date": row_date,
            "step": steps[index % 4],
            "step_order": index % 4 + 1,
            "sessions": sessions,
            "conversion_from_previous": from_previous,
            "conversion_from_first": from_first,
        }
        for index, (row_date, sessions, from_previous, from_first) in enumerate(funnel)
    ]
    business_columns = ("date", "currency", "orders", "revenue", "buyers", "avg_order_value", "sessions", "conversion_rate")
    assert tables["gold_business_daily"] == [
        dict(zip(business_columns, (day, "KRW", 2, 3000.0, 1, 1500.0, 5, 0.4))),
        dict(zip(business_columns, (day, "USD", 1, 10.5, 0, 10.5, 5, 0.2))),
    ]
    hourly = {row["hour"]: row for row in tables["gold_operational_hourly"]}
    assert (hourly[H10]["events"], hourly[H10]["active_sessions"], hourly[H10]["active_users"]) == (16, 6, 2)
    assert hourly[H10]["page_views"] == 4


def test_percentiles_and_server_health_by_hand(tmp_path: Path) -> None:
    def request(event_id: str, server: str, status: int, latency: float, second: int) -> str:
        fields = {"server": server, "http_status": status, "latency_ms": latency, "event_time": iso(at(10, 15, second))}
        return record(API_REQUEST, event_id=event_id, **fields)

    put(
        tmp_path,
        API,
        H10,
        "x.json",
        [
            request("1", "web-1", 200, 40, 1),
            request("2", "web-1", 404, 10, 2),
            request("3", "web-1", 503, 30, 3),
            request("4", "web-1", 200, 20, 59),
            request("5", "web-2", 500, 7, 30),
            record(API_REQUEST, event_id="6", event_time=iso(at(10, 16))),
        ],
    )
    tables = compute_reference(tmp_path)
    health = tables["gold_server_health_minutely"]
    assert health[0] == {
        "minute": at(10, 15),
        "server": "web-1",
        "requests": 4,
        "errors_4xx": 1,
        "errors_5xx": 1,
        "error_rate": 0.5,
        "avg_latency_ms": 25.0,
        "p50_latency_ms": 25.0,
        "p95_latency_ms": pytest.approx(38.5),
        "p99_latency_ms": pytest.approx(39.7),
    }
    assert health[1]["server"] == "web-2" and health[1]["error_rate"] == 1.0
    assert health[1]["p50_latency_ms"] == health[1]["p99_latency_ms"] == 7.0
    assert (health[2]["minute"], health[2]["requests"], health[2]["error_rate"]) == (at(10, 16), 1, 0.0)
    (hourly,) = tables["gold_operational_hourly"]
    assert (hourly["requests"], hourly["errors_5xx"], hourly["error_rate_5xx"]) == (6, 2, pytest.approx(1 / 3))
    assert hourly["avg_latency_ms"] == pytest.approx((40 + 10 + 30 + 20 + 7 + 12.5) / 6)
    # latencies 7, 10, 12.5, 20, 30, 40: position 0.95 * 5 = 4.75 -> 30 + 0.75 * 10
    assert hourly["p95_latency_ms"] == pytest.approx(37.5)
    assert hourly["events"] == 6 and hourly["page_views"] == 0 and hourly["active_sessions"] == 0


def test_percentile_cont() -> None:
    assert percentile_cont([], 0.5) is None
    assert percentile_cont([3.0], 0.99) == 3.0
    assert percentile_cont([40, 10, 30, 20], 0.5) == 25.0
    assert percentile_cont([1, 2], 0.25) == 1.25
    assert percentile_cont(range(1, 101), 0.95) == pytest.approx(95.05)
    assert percentile_cont([5, 1, 3], 0.0) == 1 and percentile_cont([5, 1, 3], 1.0) == 5
