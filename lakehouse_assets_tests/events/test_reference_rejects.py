"""Tests of the plain-Python events reference: the one reject reason of each line, or none."""

from __future__ import annotations

from pathlib import Path

import pytest

from lakehouse_assets_tests.events.handwritten_landing import (
    API,
    API_REQUEST,
    DROP,
    H10,
    PAGE_VIEW,
    PURCHASE,
    UA,
    put,
    record,
)
from lakehouse_assets_tests.events.reference import compute_reference

REJECT_CASES: list[tuple[str, str | bytes, str]] = [
    # 1. invalid_utf8 wins over everything
    (UA, b'{"event_id":"e-1","page":"caf\xe9"}', "invalid_utf8"),
    (UA, b"\xff\xfe garbage", "invalid_utf8"),
    (UA, record(PAGE_VIEW, page="PLACEHOLDER").replace("PLACEHOLDER", "literal \ufffd char"), "invalid_utf8"),
    # 2. malformed_json: not strict JSON, or not an object
    (UA, "not json at all", "malformed_json"),
    (UA, "{'event_id': 'e-1'}", "malformed_json"),
    (UA, record(PAGE_VIEW)[:-1], "malformed_json"),
    (UA, record(PAGE_VIEW) + " x", "malformed_json"),
    (UA, record(PAGE_VIEW) + record(PAGE_VIEW), "malformed_json"),
    (UA, record(PAGE_VIEW)[:-1] + ',"score":NaN}', "malformed_json"),
    (API, record(API_REQUEST)[:-1] + ',"x":-Infinity}', "malformed_json"),
    (UA, record(PAGE_VIEW)[:-1] + ",}", "malformed_json"),
    (UA, "[" + record(PAGE_VIEW) + "]", "malformed_json"),
    (UA, '"page_view"', "malformed_json"),
    (UA, "42", "malformed_json"),
    (UA, "null", "malformed_json"),
    # 3. missing_field for the common fields, in order
    (UA, record(PAGE_VIEW, event_id=DROP), "missing_field:event_id"),
    (UA, record(PAGE_VIEW, event_id=None), "missing_field:event_id"),
    (UA, record(PAGE_VIEW, event_id=""), "missing_field:event_id"),
    (UA, record(PAGE_VIEW, event_id="", event_type="nope", event_time="x"), "missing_field:event_id"),
    (UA, record(PAGE_VIEW, event_type=DROP), "missing_field:event_type"),
    (UA, record(PAGE_VIEW, event_type=None, event_time=None), "missing_field:event_type"),
    (UA, record(PAGE_VIEW, event_type=""), "missing_field:event_type"),
    (UA, record(PAGE_VIEW, event_time=DROP), "missing_field:event_time"),
    (API, record(API_REQUEST, event_time=None), "missing_field:event_time"),
    (UA, record(PAGE_VIEW, event_time="", session_id=DROP), "missing_field:event_time"),
    # 4. unknown_event_type: not a string, unknown, or not allowed on the topic
    (UA, record(PAGE_VIEW, event_type="click"), "unknown_event_type"),
    (UA, record(PAGE_VIEW, event_type="PageView"), "unknown_event_type"),
    (UA, record(PAGE_VIEW, event_type=7), "unknown_event_type"),
    (UA, record(PAGE_VIEW, event_type=True), "unknown_event_type"),
    (UA, record(PAGE_VIEW, event_type=["page_view"]), "unknown_event_type"),
    (UA, record(API_REQUEST), "unknown_event_type"),
    (API, record(PAGE_VIEW), "unknown_event_type"),
    ("clicks", record(PAGE_VIEW), "unknown_event_type"),
    (UA, record(PAGE_VIEW, event_type="logout", session_id=DROP, event_time="bad"), "unknown_event_type"),
    # 5. missing_field for the type's own fields, in order
    (UA, record(PAGE_VIEW, session_id=DROP), "missing_field:session_id"),
    (UA, record(PAGE_VIEW, session_id=None), "missing_field:session_id"),
    (UA, record(PAGE_VIEW, session_id="", event_time="bad"), "missing_field:session_id"),
    (UA, record(PURCHASE, session_id=None, revenue=None), "missing_field:session_id"),
    (UA, record(PURCHASE, revenue=DROP), "missing_field:revenue"),
    (UA, record(PURCHASE, revenue=None), "missing_field:revenue"),
    (UA, record(PURCHASE, revenue=""), "missing_field:revenue"),
    (API, record(API_REQUEST, server=DROP, latency_ms=DROP), "missing_field:server"),
    (API, record(API_REQUEST, server=""), "missing_field:server"),
    (API, record(API_REQUEST, http_status=None, latency_ms=None), "missing_field:http_status"),
    (API, record(API_REQUEST, http_status=""), "missing_field:http_status"),
    (API, record(API_REQUEST, latency_ms=DROP), "missing_field:latency_ms"),
    (API, record(API_REQUEST, latency_ms=""), "missing_field:latency_ms"),
    # 6. bad_timestamp
    (UA, record(PAGE_VIEW, event_time="2026-11-23T10:15:02.123"), "bad_timestamp"),
    (UA, record(PAGE_VIEW, event_time="2026-11-23 10:15:02.123Z"), "bad_timestamp"),
    (UA, record(PAGE_VIEW, event_time="2026-11-23T10:15:02+0900"), "bad_timestamp"),
    (UA, record(PAGE_VIEW, event_time="2026-11-23T10:15Z"), "bad_timestamp"),
    (UA, record(PAGE_VIEW, event_time="2026-02-30T10:15:02Z"), "bad_timestamp"),
    (UA, record(PAGE_VIEW, event_time="2026-11-23T24:00:00Z"), "bad_timestamp"),
    (UA, record(PAGE_VIEW, event_time="2026-11-23T10:15:60Z"), "bad_timestamp"),
    (UA, record(PAGE_VIEW, event_time="2026-11-23T10:15:02.1234567890Z"), "bad_timestamp"),
    (UA, record(PAGE_VIEW, event_time="2026-11-23T10:15:02+24:00"), "bad_timestamp"),
    (UA, record(PAGE_VIEW, event_time="2026-11-23T10:15:02z"), "bad_timestamp"),
    (UA, record(PAGE_VIEW, event_time="23/11/2026 10:15:02"), "bad_timestamp"),
    (UA, record(PAGE_VIEW, event_time="２０26-11-23T10:15:02Z"), "bad_timestamp"),
    (API, record(API_REQUEST, event_time=1795398609687), "bad_timestamp"),
    (UA, record(PAGE_VIEW, event_time="nope", user_id=5), "bad_timestamp"),
    # 7. bad_value, in Silver column order
    (UA, record(PAGE_VIEW, event_id=123), "bad_value:event_id"),
    (UA, record(PAGE_VIEW, event_id=False), "bad_value:event_id"),
    (API, record(API_REQUEST, event_id=0, latency_ms=-1), "bad_value:event_id"),
    (UA, record(PAGE_VIEW, session_id=98765), "bad_value:session_id"),
    (API, record(API_REQUEST, session_id=["s"]), "bad_value:session_id"),
    (UA, record(PAGE_VIEW, user_id=42), "bad_value:user_id"),
    (UA, record(PAGE_VIEW, user_id=False), "bad_value:user_id"),
    (UA, record(PURCHASE, user_id={"id": "u-1"}, revenue=-1), "bad_value:user_id"),
    (UA, record(PAGE_VIEW, page=["/"]), "bad_value:page"),
    (UA, record(PAGE_VIEW, product_id=1234), "bad_value:product_id"),
    (UA, record(PURCHASE, revenue=-1), "bad_value:revenue"),
    (UA, record(PURCHASE, revenue=-0.01), "bad_value:revenue"),
    (UA, record(PURCHASE, revenue="39000"), "bad_value:revenue"),
    (UA, record(PURCHASE, revenue=True), "bad_value:revenue"),
    (UA, record(PURCHASE, revenue=-5, currency=7), "bad_value:revenue"),
    (UA, record(PURCHASE, currency=410), "bad_value:currency"),
    (UA, record(PURCHASE, currency=True, server=1), "bad_value:currency"),
    (API, record(API_REQUEST, server=1), "bad_value:server"),
    (API, record(API_REQUEST, server=True), "bad_value:server"),
    (UA, record(PAGE_VIEW, server=5), "bad_value:server"),
    (API, record(API_REQUEST, http_status=700), "bad_value:http_status"),
    (API, record(API_REQUEST, http_status=99), "bad_value:http_status"),
    (API, record(API_REQUEST, http_status=600), "bad_value:http_status"),
    (API, record(API_REQUEST, http_status=200.0), "bad_value:http_status"),
    (API, record(API_REQUEST)[:-1].replace('"http_status":200', '"http_status":2e2') + "}", "bad_value:http_status"),
    (API, record(API_REQUEST, http_status="200"), "bad_value:http_status"),
    (API, record(API_REQUEST, http_status=True, latency_ms=-1), "bad_value:http_status"),
    (UA, record(PAGE_VIEW, http_status=999), "bad_value:http_status"),
    (API, record(API_REQUEST, latency_ms=-0.5), "bad_value:latency_ms"),
    (API, record(API_REQUEST, latency_ms="12"), "bad_value:latency_ms"),
    (API, record(API_REQUEST, latency_ms=True), "bad_value:latency_ms"),
    (UA, record(PAGE_VIEW, latency_ms=-3), "bad_value:latency_ms"),
]

VALID_CASES: list[tuple[str, str]] = [
    (UA, record(PAGE_VIEW)),
    (UA, record(PAGE_VIEW, event_id="   ")),  # spaces are not missing
    (UA, record(PAGE_VIEW, page="\ufffd")),  # the escape `\ufffd` is not the character in `raw`
    (UA, record(PAGE_VIEW, user_id=None, page=DROP)),
    (UA, record(PAGE_VIEW, user_id="", page="", product_id=None)),
    (UA, record(PAGE_VIEW, revenue=-5, currency=7)),  # only checked on purchases
    (UA, record(PAGE_VIEW, http_status="", latency_ms=None, server="")),  # missing optional fields
    (UA, record(PURCHASE, revenue=0, currency=None)),
    (UA, record(PURCHASE, revenue=-0.0)),
    (UA, " " + record(PURCHASE, extra={"nested": [1, 2]}) + " \t"),
    (API, record(API_REQUEST, http_status=100, latency_ms=0)),
    (API, record(API_REQUEST, http_status=599, latency_ms=1e3)),
    (API, record(API_REQUEST, event_time="2026-11-23T19:15:02.123456789+09:00")),
]


def silver_outcome(landing: Path, topic: str, line: str | bytes) -> tuple[str | None, dict | None]:
    """(reject reason, kept row) of a single line landed in hour H10."""
    put(landing, topic, H10, "x.json", [line])
    tables = compute_reference(landing)
    rejects, events = tables["silver_event_rejects"], tables["silver_events"]
    assert len(rejects) + len(events) == len(tables["bronze"]) == 1
    return (rejects[0]["reason"] if rejects else None), (events[0] if events else None)


@pytest.mark.parametrize("topic, line, reason", REJECT_CASES)
def test_each_reject_reason(tmp_path: Path, topic: str, line: str | bytes, reason: str) -> None:
    assert silver_outcome(tmp_path, topic, line)[0] == reason


@pytest.mark.parametrize("topic, line", VALID_CASES)
def test_valid_lines_are_kept(tmp_path: Path, topic: str, line: str) -> None:
    assert silver_outcome(tmp_path, topic, line)[0] is None


def test_reject_rows_keep_position_and_raw(tmp_path: Path) -> None:
    key = put(tmp_path, UA, H10, "x.json", [record(PAGE_VIEW), "", b"oops\xff"])
    (reject,) = compute_reference(tmp_path)["silver_event_rejects"]
    assert reject == {
        "topic": UA,
        "ingest_hour": H10,
        "source_key": key,
        "line_number": 3,
        "raw": "oops\ufffd",
        "reason": "invalid_utf8",
    }
