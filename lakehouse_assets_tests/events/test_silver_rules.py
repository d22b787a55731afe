"""Each reject reason in contract order, the JSON corners where parsers disagree, and duplicates
across the hour boundary: the one Silver definition, on each engine (`engine` fixture)."""

import json
import math
from datetime import datetime, timedelta, timezone

import pytest

from lakehouse_assets.events.pipeline import classify_bronze, duplicate_lines, label_silver, silver_outputs
from lakehouse_assets.events.sql.silver import MAX_NESTING, VALID_IDS_SQL
from lakehouse_assets.events.tables import BRONZE_EVENTS, SILVER_EVENT_DUPLICATES, SILVER_EVENT_REJECTS, SILVER_EVENTS
from lakehouse_assets.lakehouse.schemas import arrow_schema

H = datetime(2026, 11, 23, 10, tzinfo=timezone.utc)
T = "2026-11-23T10:15:02.123Z"


def ev(**fields):
    base = {"event_id": "e1", "event_type": "page_view", "event_time": T, "session_id": "s1"}
    base.update(fields)
    return json.dumps({k: v for k, v in base.items() if v is not ...})


def api(**fields):
    base = {"event_id": "a1", "event_type": "api_request", "event_time": T, "server": "web-1", "http_status": 200, "latency_ms": 12.5}
    base.update(fields)
    return json.dumps({k: v for k, v in base.items() if v is not ...})


def nested(depth: int) -> str:
    return ev()[:-1] + ', "deep": ' + "[" * depth + "]" * depth + "}"


def bronze(engine, rows):
    """An engine frame of Bronze rows (topic, ingest_hour, source_key, line_number, raw, received_at)."""
    import pyarrow as pa

    table = pa.Table.from_pylist([dict(zip(BRONZE_EVENTS.column_names, row)) for row in rows], schema=arrow_schema(BRONZE_EVENTS))
    return engine.from_arrow(table)


def classify_rows(engine, rows):
    out = engine.rows(engine.query("SELECT * FROM c ORDER BY source_key", {"c": classify_bronze(engine, bronze(engine, rows))}))
    return out


CASES = [
    ("user-activity", ev(), None),
    ("user-activity", '{"event_id":"e1","page":"caf\ufffd"}', "invalid_utf8"),
    ("user-activity", '{"event_id":"e1"', "malformed_json"),
    ("user-activity", "[1, 2]", "malformed_json"),
    ("user-activity", '"just a string"', "malformed_json"),
    ("user-activity", ev() + " trailing", "malformed_json"),
    ("user-activity", ev() + ev(), "malformed_json"),
    ("user-activity", ev().replace('"', "'"), "malformed_json"),
    ("user-activity", ev(revenue=...) .replace("}", ', "x": NaN}'), "malformed_json"),
    ("user-activity", ev(event_id=...), "missing_field:event_id"),
    ("user-activity", ev(event_id=""), "missing_field:event_id"),
    ("user-activity", ev(event_id=None, event_type=None), "missing_field:event_id"),
    ("user-activity", ev(event_type=None), "missing_field:event_type"),
    ("user-activity", ev(event_time=""), "missing_field:event_time"),
    ("user-activity", ev(event_type="scroll"), "unknown_event_type"),
    ("user-activity", ev(event_type="api_request"), "unknown_event_type"),
    ("api-requests", api(event_type="page_view"), "unknown_event_type"),
    ("user-activity", ev(event_type=5), "unknown_event_type"),
    ("user-activity", ev(session_id=...), "missing_field:session_id"),
    ("user-activity", ev(event_type="purchase", session_id=""), "missing_field:session_id"),
    ("user-activity", ev(event_type="purchase"), "missing_field:revenue"),
    ("api-requests", api(server=None), "missing_field:server"),
    ("api-requests", api(http_status=...), "missing_field:http_status"),
    ("api-requests", api(latency_ms=...), "missing_field:latency_ms"),
    ("user-activity", ev(event_time="2026-11-23T10:15:02"), "bad_timestamp"),
    ("user-activity", ev(event_time="2026-02-30T10:15:02Z"), "bad_timestamp"),
    ("user-activity", ev(event_time="yesterday"), "bad_timestamp"),
    ("user-activity", ev(event_time=1732350000), "bad_timestamp"),
    ("user-activity", ev(event_id=7), "bad_value:event_id"),
    ("user-activity", ev(session_id=["s"]), "bad_value:session_id"),
    ("user-activity", ev(user_id=42), "bad_value:user_id"),
    ("user-activity", ev(page={"p": 1}), "bad_value:page"),
    ("user-activity", ev(product_id=True), "bad_value:product_id"),
    ("user-activity", ev(event_type="purchase", revenue=-1), "bad_value:revenue"),
    ("user-activity", ev(event_type="purchase", revenue="10"), "bad_value:revenue"),
    ("user-activity", ev(event_type="purchase", revenue=True), "bad_value:revenue"),
    ("user-activity", ev(event_type="purchase", revenue=10, currency=410), "bad_value:currency"),
    ("api-requests", api(server=1), "bad_value:server"),
    ("api-requests", api(http_status=200.0), "bad_value:http_status"),
    ("api-requests", api(http_status=600), "bad_value:http_status"),
    ("api-requests", api(http_status="200"), "bad_value:http_status"),
    ("api-requests", api(latency_ms=-0.5), "bad_value:latency_ms"),
    ("api-requests", api(latency_ms="fast"), "bad_value:latency_ms"),
    # Order: the first rule that applies wins.
    ("user-activity", ev(event_type="purchase", session_id=..., event_time="bad"), "missing_field:session_id"),
    ("user-activity", ev(event_time="bad", user_id=3), "bad_timestamp"),
    ("user-activity", ev(event_id=7, user_id=3), "bad_value:event_id"),
    # Not rejects: revenue/currency are ignored off purchases; extra fields are fine.
    ("user-activity", ev(revenue="n/a", currency=3, extra={"a": 1}), None),
    ("user-activity", ev(event_time="2026-11-23T19:15:02.5+09:00"), None),
    ("user-activity", ev(http_status="", latency_ms=None), None),
    ("user-activity", ev(http_status="x"), "bad_value:http_status"),
    # JSON corners where parsers disagree; the contract's reading (CONTRACT_NOTES) decides.
    ("user-activity", '{"event_id":"e1","event_type":"page_view","event_time":"%s","session_id":"s1","event_id":""}' % T, "missing_field:event_id"),
    ("user-activity", '{"event_id":"","event_type":"page_view","event_time":"%s","session_id":"s1","event_id":"e2"}' % T, None),
    ("api-requests", api(http_status=...)[:-1] + ', "http_status": 123456789012345678901234567890}', "bad_value:http_status"),
    ("api-requests", api(http_status=...)[:-1] + ', "http_status": 200.0}', "bad_value:http_status"),
    ("api-requests", api(latency_ms=...)[:-1] + ', "latency_ms": -0}', None),
    ("api-requests", api(latency_ms=...)[:-1] + ', "latency_ms": -0.0}', None),
    ("user-activity", ev(page=...)[:-1] + ', "page": "a\\ud800b"}', None),
    ("user-activity", ev(page=...)[:-1] + ', "page": "\\ud83d\\ude00"}', None),
    ("user-activity", "\ufeff" + ev(), "malformed_json"),
    ("user-activity", " " + ev() + " ", None),
    ("user-activity", "\t" + ev() + " \t\r", None),
    ("user-activity", ev() + "]", "malformed_json"),
    ("user-activity", ev() + "] }", "malformed_json"),
    ("user-activity", nested(MAX_NESTING - 1), None),
    ("user-activity", nested(MAX_NESTING), "malformed_json"),
    ("user-activity", ev()[:-1] + ', "x": [1,]}', "malformed_json"),
    ("user-activity", ev()[:-1] + ', "x": "nan, inf,]"}', None),
    ("user-activity", ev()[:-1] + ', "x": Infinity}', "malformed_json"),
    ("user-activity", ev()[:-1] + ', "x": 01}', "malformed_json"),
    ("user-activity", ev()[:-1] + ', "x": "tab\there"}', "malformed_json"),
    ("user-activity", ev(page="12"), None),
    ("user-activity", ev(page=12), "bad_value:page"),
    ("user-activity", ev(page="true"), None),
    ("user-activity", ev(page='{"a": 1}'), None),
    ("user-activity", ev(event_type="purchase", currency="S")[:-1] + ', "revenue": 1e400}', None),
    ("user-activity", ev(event_type="purchase", currency="S")[:-1] + ', "revenue": 1' + "0" * 400 + "}", None),
]


@pytest.fixture(scope="module")
def classified(engine):
    rows = [(topic, H, f"events/k{i:03d}.json", 1, raw, H) for i, (topic, raw, _) in enumerate(CASES)]
    return classify_rows(engine, rows)


@pytest.mark.parametrize("index", range(len(CASES)), ids=[f"{c[2]}-{i}" for i, c in enumerate(CASES)])
def test_reject_reason(classified, index):
    assert classified[index]["reason"] == CASES[index][2], CASES[index][1]


@pytest.mark.parametrize("index", range(len(CASES)), ids=[f"{c[2]}-{i}" for i, c in enumerate(CASES)])
def test_the_plain_python_reference_reads_each_case_alike(index):
    from lakehouse_assets_tests.events.reference import classify_line

    topic, raw, reason = CASES[index]
    assert classify_line(raw, topic)[1] == reason, raw


def case(classified, fragment: str) -> dict:
    [row] = [row for row, (_, raw, _) in zip(classified, CASES) if fragment in raw]
    return row


def test_valid_rows_are_typed(classified):
    purchase_free = classified[0]
    assert purchase_free["event_time"] == datetime(2026, 11, 23, 10, 15, 2, 123000, tzinfo=timezone.utc)
    assert purchase_free["revenue"] is None and purchase_free["currency"] is None
    kst = case(classified, "+09:00")
    assert kst["event_time"] == datetime(2026, 11, 23, 10, 15, 2, 500000, tzinfo=timezone.utc)


def test_json_corners_take_the_contract_reading(classified):
    assert case(classified, '"event_id":"e2"')["event_id"] == "e2"  # duplicate keys: the last wins
    zero = case(classified, '"latency_ms": -0}')["latency_ms"]
    assert zero == 0.0 and math.copysign(1.0, zero) == 1.0  # the integer -0 is 0
    assert math.copysign(1.0, case(classified, '"latency_ms": -0.0}')["latency_ms"]) == -1.0
    assert case(classified, "a\\ud800b")["page"] == "a\ufffdb"  # a lone surrogate escape reads as U+FFFD
    assert case(classified, "\\ud83d\\ude00")["page"] == "\U0001F600"  # a pair is one character
    assert case(classified, '"page": "12"')["page"] == "12"
    assert case(classified, '"page": "true"')["page"] == "true"
    assert case(classified, '"page": "{\\"a\\": 1}"')["page"] == '{"a": 1}'
    # numbers beyond the double range read as infinity (an integer of any size is an integer)
    assert case(classified, '"revenue": 1e400')["revenue"] == math.inf
    assert case(classified, '"revenue": 1000')["revenue"] == math.inf


def test_purchase_gets_krw_and_empty_strings_become_null(engine):
    raw = ev(event_type="purchase", revenue=1500, user_id="", page="")
    [row] = classify_rows(engine, [("user-activity", H, "k", 1, raw, H)])
    assert row["reason"] is None
    assert (row["currency"], row["revenue"], row["user_id"], row["page"]) == ("KRW", 1500.0, None, None)


def test_duplicates_within_hour_and_across_the_boundary(engine):
    previous = H - timedelta(hours=1)
    before = [
        ("user-activity", previous, "events/p.json", 1, ev(event_id="carried"), previous),
        ("user-activity", previous, "events/p.json", 2, ev(event_id="bad-before", event_time="x"), previous),
    ]
    current = [
        ("user-activity", H, "events/b.json", 1, ev(event_id="twice"), H),
        ("user-activity", H, "events/a.json", 7, ev(event_id="twice"), H),
        ("user-activity", H, "events/a.json", 8, ev(event_id="carried"), H),
        ("user-activity", H, "events/c.json", 3, ev(event_id="carried"), H),
        ("user-activity", H, "events/a.json", 9, ev(event_id="bad-before"), H),
        ("user-activity", H, "events/a.json", 10, ev(event_id="twice", event_time="x"), H),
    ]
    previous_ids = engine.query(VALID_IDS_SQL, {"classified": classify_bronze(engine, bronze(engine, before))})
    classified = classify_bronze(engine, bronze(engine, current))
    outputs = silver_outputs(engine, label_silver(engine, classified, duplicate_lines(engine, classified, previous_ids)))
    kept = sorted((r["event_id"], r["source_key"], r["line_number"]) for r in engine.rows(outputs[SILVER_EVENTS]))
    dups = sorted((r["event_id"], r["source_key"], r["line_number"]) for r in engine.rows(outputs[SILVER_EVENT_DUPLICATES]))
    # The first of an hour is the smallest (source_key, line_number); an invalid earlier line is no original.
    assert kept == [("bad-before", "events/a.json", 9), ("twice", "events/a.json", 7)]
    # A line both repeated within the hour and seen the hour before is one duplicate row, not two.
    assert dups == [("carried", "events/a.json", 8), ("carried", "events/c.json", 3), ("twice", "events/b.json", 1)]
    assert [r["reason"] for r in engine.rows(outputs[SILVER_EVENT_REJECTS])] == ["bad_timestamp"]


EVENT_TIMES = [
    "2026-11-23T10:15:02Z", "2026-11-23T10:15:02.5Z", "2026-11-23T05:45:02.5-04:30",
    "2026-11-24T00:15:02.000001+14:00", "2026-11-23T10:15:02.123456Z", "2026-11-23T10:15:02.1234567Z",
    "2026-11-23T10:15:02.999999999-00:00", "2026-11-23T19:15:02.123456789+09:00",
    "2026-11-23T10:15:02.1234567890Z", "2026-11-23T24:00:00Z", "2026-11-23T10:60:00Z", "2026-11-23T10:15:60Z",
    "2026-11-23T10:15:02+24:00", "2026-11-23T10:15:02+09:60", "0000-01-01T00:00:00Z", "2026-11-23 10:15:02Z",
    "9999-12-31T23:59:59.999999Z", "9999-12-31T23:59:59.999999-01:00", "0001-01-01T00:30:00+01:00",
]  # fmt: skip


def test_event_time_texts_read_as_the_reference_reads_them(engine):
    """Offsets to UTC, fractions cut (not rounded) to microseconds, out-of-range parts and instants rejected."""
    from lakehouse_assets_tests.events.reference import classify_line

    rows = [("user-activity", H, f"events/t{i:03d}.json", 1, ev(event_time=text), H) for i, text in enumerate(EVENT_TIMES)]
    got = [(row["reason"], row["event_time"]) for row in classify_rows(engine, rows)]
    expected = []
    for text in EVENT_TIMES:
        row, reason = classify_line(ev(event_time=text), "user-activity")
        expected.append((reason, row["event_time"] if reason is None else None))
    assert got == expected
    assert got[5] == (None, datetime(2026, 11, 23, 10, 15, 2, 123456, tzinfo=timezone.utc))
    assert sum(reason == "bad_timestamp" for reason, _ in got) == 10
