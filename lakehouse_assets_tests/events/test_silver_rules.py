"""Each reject reason, in contract order, and duplicates across the hour boundary (real Spark)."""

import json
from datetime import datetime, timedelta, timezone

import pytest

from lakehouse_assets.events.silver import classify, split_silver

H = datetime(2026, 11, 23, 10, tzinfo=timezone.utc)
BRONZE_DDL = "topic STRING, ingest_hour TIMESTAMP, source_key STRING, line_number INT, raw STRING, received_at TIMESTAMP"
T = "2026-11-23T10:15:02.123Z"


def ev(**fields):
    base = {"event_id": "e1", "event_type": "page_view", "event_time": T, "session_id": "s1"}
    base.update(fields)
    return json.dumps({k: v for k, v in base.items() if v is not ...})


def api(**fields):
    base = {"event_id": "a1", "event_type": "api_request", "event_time": T, "server": "web-1", "http_status": 200, "latency_ms": 12.5}
    base.update(fields)
    return json.dumps({k: v for k, v in base.items() if v is not ...})


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
]


@pytest.fixture(scope="module")
def classified(spark):
    rows = [(topic, H, f"events/k{i:03d}.json", 1, raw, H) for i, (topic, raw, _) in enumerate(CASES)]
    out = classify(spark.createDataFrame(rows, BRONZE_DDL)).orderBy("source_key").collect()
    return [r.asDict() for r in out]


@pytest.mark.parametrize("index", range(len(CASES)), ids=[f"{c[2]}-{i}" for i, c in enumerate(CASES)])
def test_reject_reason(classified, index):
    assert classified[index]["reason"] == CASES[index][2], CASES[index][1]


def test_valid_rows_are_typed(classified):
    purchase_free = classified[0]
    assert purchase_free["event_time"] == datetime(2026, 11, 23, 10, 15, 2, 123000)
    assert purchase_free["revenue"] is None and purchase_free["currency"] is None
    kst = classified[next(i for i, c in enumerate(CASES) if "+09:00" in c[1])]
    assert kst["event_time"] == datetime(2026, 11, 23, 10, 15, 2, 500000)


def test_purchase_gets_krw_and_empty_strings_become_null(spark):
    raw = ev(event_type="purchase", revenue=1500, user_id="", page="")
    row = classify(spark.createDataFrame([("user-activity", H, "k", 1, raw, H)], BRONZE_DDL)).first()
    assert row["reason"] is None
    assert (row["currency"], row["revenue"], row["user_id"], row["page"]) == ("KRW", 1500.0, None, None)


def test_duplicates_within_hour_and_across_the_boundary(spark):
    previous = H - timedelta(hours=1)
    rows = [
        ("user-activity", previous, "events/p.json", 1, ev(event_id="carried"), previous),
        ("user-activity", previous, "events/p.json", 2, ev(event_id="bad-before", event_time="x"), previous),
        ("user-activity", H, "events/b.json", 1, ev(event_id="twice"), H),
        ("user-activity", H, "events/a.json", 7, ev(event_id="twice"), H),
        ("user-activity", H, "events/a.json", 8, ev(event_id="carried"), H),
        ("user-activity", H, "events/a.json", 9, ev(event_id="bad-before"), H),
        ("user-activity", H, "events/a.json", 10, ev(event_id="twice", event_time="x"), H),
    ]
    frames = split_silver(spark.createDataFrame(rows, BRONZE_DDL), H)
    kept = sorted((r.event_id, r.source_key, r.line_number) for r in frames.events.collect())
    dups = sorted((r.event_id, r.source_key, r.line_number) for r in frames.duplicates.collect())
    # The first of an hour is the smallest (source_key, line_number); an invalid earlier line is no original.
    assert kept == [("bad-before", "events/a.json", 9), ("twice", "events/a.json", 7)]
    assert dups == [("carried", "events/a.json", 8), ("twice", "events/b.json", 1)]
    assert [r.reason for r in frames.rejects.collect()] == ["bad_timestamp"]
