"""Tests of the plain-Python events reference as a whole: what Bronze keeps, and every table's columns.

The reference's Silver rules are tested in `test_reference_rejects.py` and `test_reference_silver.py`,
its Gold metrics in `test_reference_gold.py`; all of them on small hand-written landing files.
"""

from __future__ import annotations

from pathlib import Path

from lakehouse_assets_tests.events.handwritten_landing import API, API_REQUEST, H10, PURCHASE, UA, at, put, record
from lakehouse_assets_tests.events.reference import compute_reference


# ---- landing -> Bronze ----------------------------------------------------------------------


def test_bronze_keeps_every_non_blank_line_with_its_physical_number(tmp_path: Path) -> None:
    received = at(10, 59, 58, 123456)
    key = put(
        tmp_path,
        UA,
        H10,
        "user-activity+0+0000000100.json",
        [b'{"a":1}\r', b"", b"   ", b"\t\r", b"x\xffy", b'{"b":2}\r\r'],
        mtime=received,
        trailing_newline=False,
    )
    gz_key = put(tmp_path, API, H10, "api-requests+0+0000000007.json.gz", [b'{"c":3}'])
    (tmp_path / "events" / "README.txt").write_text("not an object of the layout")
    put(tmp_path, UA, H10, "notes.csv", [b"a,b"])

    bronze = compute_reference(tmp_path)["bronze"]

    assert [(row["source_key"], row["line_number"], row["raw"]) for row in bronze] == [
        (gz_key, 1, '{"c":3}'),
        (key, 1, '{"a":1}'),
        (key, 5, "x\ufffdy"),
        (key, 6, '{"b":2}\r'),
    ]
    assert set(bronze[1]) == {"topic", "ingest_hour", "source_key", "line_number", "raw", "received_at"}
    assert bronze[1]["topic"] == UA and bronze[0]["topic"] == API
    assert all(row["ingest_hour"] == H10 for row in bronze)
    assert bronze[1]["received_at"] == received


# ---- every table ----------------------------------------------------------------------------


def test_tables_have_the_contract_columns(tmp_path: Path) -> None:
    put(tmp_path, UA, H10, "x.json", [record(PURCHASE), record(PURCHASE), "bad"])
    put(tmp_path, API, H10, "x.json", [record(API_REQUEST)])
    tables = compute_reference(tmp_path)
    columns = {name: list(rows[0]) for name, rows in tables.items()}
    assert columns == {
        "bronze": ["topic", "ingest_hour", "source_key", "line_number", "raw", "received_at"],
        "silver_events": [
            "event_id", "event_type", "topic", "event_time", "session_id", "user_id", "page", "product_id",
            "revenue", "currency", "server", "http_status", "latency_ms", "ingest_hour", "source_key", "line_number",
        ],
        "silver_event_rejects": ["topic", "ingest_hour", "source_key", "line_number", "raw", "reason"],
        "silver_event_duplicates": ["event_id", "topic", "ingest_hour", "source_key", "line_number"],
        "gold_server_health_minutely": [
            "minute", "server", "requests", "errors_4xx", "errors_5xx", "error_rate",
            "avg_latency_ms", "p50_latency_ms", "p95_latency_ms", "p99_latency_ms",
        ],
        "gold_operational_hourly": [
            "hour", "events", "active_users", "active_sessions", "page_views", "requests",
            "errors_5xx", "error_rate_5xx", "avg_latency_ms", "p95_latency_ms",
        ],
        "gold_business_daily": [
            "date", "currency", "orders", "revenue", "buyers", "avg_order_value", "sessions", "conversion_rate",
        ],
        "gold_funnel_daily": [
            "date", "step", "step_order", "sessions", "conversion_from_previous", "conversion_from_first",
        ],
        "gold_data_quality_hourly": [
            "ingest_hour", "topic", "bronze_rows", "valid_rows", "rejected_rows", "duplicate_rows",
            "late_rows", "future_rows", "null_user_rows", "rejects_by_reason",
        ],
    }
