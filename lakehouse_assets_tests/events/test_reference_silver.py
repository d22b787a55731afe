"""Tests of the plain-Python events reference: the rows Silver keeps, and its deduplication."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

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
from lakehouse_assets_tests.events.reference import compute_reference


def test_kept_rows_are_normalised(tmp_path: Path) -> None:
    key = put(
        tmp_path,
        UA,
        H10,
        "x.json",
        [
            record(PURCHASE, event_id="p-krw", currency=DROP, revenue=1000, user_id=""),
            record(PURCHASE, event_id="p-null", currency=None, event_time="2026-11-23T19:15:02.1234567+09:00"),
            record(PURCHASE, event_id="p-empty", currency="", revenue=12.5, extra_field="ignored"),
            record(PURCHASE, event_id="p-usd", currency="USD", revenue=10.25),
            record(PAGE_VIEW, event_id="pv", revenue=5, currency="USD", page="", http_status=201, latency_ms=3),
        ],
    )
    rows = {row["event_id"]: row for row in compute_reference(tmp_path)["silver_events"]}
    assert {event_id: rows[event_id]["currency"] for event_id in rows} == {
        "p-krw": "KRW",
        "p-null": "KRW",
        "p-empty": "KRW",
        "p-usd": "USD",
        "pv": None,
    }
    assert rows["p-krw"]["revenue"] == 1000.0 and isinstance(rows["p-krw"]["revenue"], float)
    assert rows["p-krw"]["user_id"] is None
    assert rows["p-null"]["event_time"] == at(10, 15, 2, 123456)
    assert rows["pv"] == {
        "event_id": "pv",
        "event_type": "page_view",
        "topic": UA,
        "event_time": at(10, 15, 2, 123000),
        "session_id": "s-1",
        "user_id": "u-1",
        "page": None,
        "product_id": None,
        "revenue": None,
        "currency": None,
        "server": None,
        "http_status": 201,
        "latency_ms": 3.0,
        "ingest_hour": H10,
        "source_key": key,
        "line_number": 5,
    }


def test_event_time_offsets_are_converted_to_utc(tmp_path: Path) -> None:
    times = {
        "2026-11-23T10:15:02Z": at(10, 15, 2),
        "2026-11-23T05:45:02.5-04:30": at(10, 15, 2, 500000),
        "2026-11-24T00:15:02.000001+14:00": at(10, 15, 2, 1),
        "2026-11-23T10:15:02.999999999-00:00": at(10, 15, 2, 999999),
    }
    put(tmp_path, UA, H10, "x.json", [record(PAGE_VIEW, event_id=text, event_time=text) for text in times])
    rows = compute_reference(tmp_path)["silver_events"]
    assert {row["event_id"]: row["event_time"] for row in rows} == times


# ---- duplicates -----------------------------------------------------------------------------


def test_duplicates_within_an_hour_keep_the_smallest_key_and_line(tmp_path: Path) -> None:
    key_b = put(tmp_path, UA, H10, "b.json", [record(PAGE_VIEW, event_id="x", page="/b1")])
    key_a = put(
        tmp_path,
        UA,
        H10,
        "a.json",
        [
            record(PAGE_VIEW, event_id="y", session_id=None),  # rejected: does not claim "y"
            record(PAGE_VIEW, event_id="y", page="/a2"),
            record(PAGE_VIEW, event_id="x", page="/a3"),
            record(PAGE_VIEW, event_id="x", page="/a4"),
        ],
    )
    key_api = put(tmp_path, API, H10, "c.json", [record(API_REQUEST, event_id="y")])  # same id, other topic
    tables = compute_reference(tmp_path)
    kept = {(row["event_id"], row["source_key"], row["line_number"]) for row in tables["silver_events"]}
    # event_id is the key whatever the topic; "events/topic=api-requests/..." sorts first.
    assert kept == {("y", key_api, 1), ("x", key_a, 3)}
    assert tables["silver_event_duplicates"] == [
        {"event_id": "y", "topic": UA, "ingest_hour": H10, "source_key": key_a, "line_number": 2},
        {"event_id": "x", "topic": UA, "ingest_hour": H10, "source_key": key_a, "line_number": 4},
        {"event_id": "x", "topic": UA, "ingest_hour": H10, "source_key": key_b, "line_number": 1},
    ]


def test_duplicates_across_the_hour_boundary(tmp_path: Path) -> None:
    def land(hour: datetime, *event_ids: str) -> None:
        lines = [record(PAGE_VIEW, event_id=event_id, event_time=iso(hour)) for event_id in event_ids]
        put(tmp_path, UA, hour, "x.json", lines)

    land(H10, "a", "b", "c")
    put(tmp_path, UA, H10, "y.json", [record(PAGE_VIEW, event_id="r", session_id=None)])  # invalid
    land(H10 + timedelta(hours=1), "a", "d", "r")  # a: repeat of hour 10
    land(H10 + timedelta(hours=2), "a", "b", "d")  # a, d: valid in hour 11 (a although a duplicate there)
    land(H10 + timedelta(hours=4), "a", "d")  # hour 13 is absent: nothing to repeat
    tables = compute_reference(tmp_path)
    duplicates = sorted((row["ingest_hour"].hour, row["event_id"]) for row in tables["silver_event_duplicates"])
    assert duplicates == [(11, "a"), (12, "a"), (12, "d")]
    kept = sorted((row["ingest_hour"].hour, row["event_id"]) for row in tables["silver_events"])
    assert kept == [(10, "a"), (10, "b"), (10, "c"), (11, "d"), (11, "r"), (12, "b"), (14, "a"), (14, "d")]


def test_every_hour_reconciles(tmp_path: Path) -> None:
    put(tmp_path, UA, H10, "x.json", [record(PAGE_VIEW), record(PAGE_VIEW), "bad", ""])
    put(tmp_path, UA, H10 + timedelta(hours=1), "x.json", [record(PAGE_VIEW), record(PAGE_VIEW, event_id="n")])
    tables = compute_reference(tmp_path)
    for row in tables["gold_data_quality_hourly"]:
        assert row["bronze_rows"] == row["valid_rows"] + row["rejected_rows"] + row["duplicate_rows"]
    counts = {(row["ingest_hour"].hour, row["topic"]): row for row in tables["gold_data_quality_hourly"]}
    assert (counts[(10, UA)]["valid_rows"], counts[(10, UA)]["duplicate_rows"]) == (1, 1)
    assert (counts[(11, UA)]["valid_rows"], counts[(11, UA)]["duplicate_rows"]) == (1, 1)
