"""Tests of the plain-Python events reference itself, on small hand-written landing files."""

from __future__ import annotations

import gzip
import json
import os
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from lakehouse_assets_tests.reference_events import compute_reference, percentile_cont

UA = "user-activity"
API = "api-requests"
H10 = datetime(2026, 11, 23, 10, tzinfo=timezone.utc)
DROP = object()  # marks a field to remove from a record

PAGE_VIEW = {
    "event_id": "e-1",
    "event_type": "page_view",
    "event_time": "2026-11-23T10:15:02.123Z",
    "session_id": "s-1",
    "user_id": "u-1",
    "page": "/",
}
PURCHASE = {
    **PAGE_VIEW,
    "event_type": "purchase",
    "page": "/checkout/complete",
    "product_id": "p-1",
    "revenue": 39000,
    "currency": "KRW",
}
API_REQUEST = {
    "event_id": "a-1",
    "event_type": "api_request",
    "event_time": "2026-11-23T10:15:02.123Z",
    "server": "web-1",
    "http_status": 200,
    "latency_ms": 12.5,
}


def record(base: dict[str, Any], **changes: Any) -> str:
    """`base` with fields changed (DROP removes one), as one compact JSON line."""
    merged = {**base, **changes}
    return json.dumps({k: v for k, v in merged.items() if v is not DROP}, separators=(",", ":"))


def line_bytes(line: str | bytes | dict) -> bytes:
    if isinstance(line, dict):
        line = json.dumps(line)
    return line if isinstance(line, bytes) else line.encode("utf-8")


def put(
    landing: Path,
    topic: str,
    hour: datetime,
    name: str,
    lines: list[str | bytes | dict],
    *,
    mtime: datetime | None = None,
    trailing_newline: bool = True,
) -> str:
    """Writes one landing object (gzipped when `name` ends in .gz); returns its key."""
    key = f"events/topic={topic}/date={hour:%Y-%m-%d}/hour={hour:%H}/{name}"
    body = b"\n".join(line_bytes(line) for line in lines) + (b"\n" if trailing_newline else b"")
    if name.endswith(".gz"):
        body = gzip.compress(body, mtime=0)
    path = landing / key
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(body)
    moment = mtime or hour + timedelta(minutes=30)
    ns = (moment - datetime(1970, 1, 1, tzinfo=timezone.utc)) // timedelta(microseconds=1) * 1000
    os.utime(path, ns=(ns, ns))
    return key


def at(hour: int, minute: int = 0, second: int = 0, microsecond: int = 0, day: int = 23) -> datetime:
    return datetime(2026, 11, day, hour, minute, second, microsecond, tzinfo=timezone.utc)


def iso(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


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


# ---- Bronze -> Silver: one reject reason per line --------------------------------------------

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


# ---- Gold -----------------------------------------------------------------------------------


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
