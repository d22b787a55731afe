import gzip
from datetime import datetime, timezone

from lakehouse_assets.events.bronze import LandedObject, bronze_table, split_lines
from lakehouse_assets.events.landing import parse_event_key

H = datetime(2026, 11, 23, 10, tzinfo=timezone.utc)


def test_split_lines_keeps_physical_numbers_and_skips_blanks():
    body = b'{"a":1}\r\n\n   \n{"b":2}\n'
    assert split_lines(body, gzipped=False) == [(1, '{"a":1}'), (4, '{"b":2}')]


def test_split_lines_gzip_and_invalid_utf8():
    body = gzip.compress(b'{"ok":"\xc3\xa9"}\n{"bad":"\xff"}\n')
    lines = split_lines(body, gzipped=True)
    assert lines[0] == (1, '{"ok":"é"}')
    assert lines[1] == (2, '{"bad":"\ufffd"}')


def test_parse_event_key():
    key = parse_event_key("events/topic=user-activity/date=2026-11-23/hour=10/user-activity+0+0001.json.gz")
    assert key.topic == "user-activity" and key.ingest_hour == H and key.gzipped
    assert parse_event_key("events/topic=x/date=2026-13-01/hour=10/a.json") is None
    assert parse_event_key("events/topic=x/date=2026-11-23/hour=10/a.csv") is None
    assert parse_event_key("events/date=2026-11-23/hour=10/a.json") is None


def test_bronze_table_orders_by_key_and_line():
    received = datetime(2026, 11, 23, 10, 30, tzinfo=timezone.utc)
    objects = [
        LandedObject(parse_event_key(f"events/topic=user-activity/date=2026-11-23/hour=10/{name}.json"), body, received)
        for name, body in (("b", b"x\ny\n"), ("a", b"z\n"))
    ]
    table = bronze_table(objects)
    assert table.column_names == ["topic", "ingest_hour", "source_key", "line_number", "raw", "received_at"]
    assert [(r["source_key"][-6:], r["line_number"], r["raw"]) for r in table.to_pylist()] == [
        ("a.json", 1, "z"),
        ("b.json", 1, "x"),
        ("b.json", 2, "y"),
    ]
    assert bronze_table([]).num_rows == 0
