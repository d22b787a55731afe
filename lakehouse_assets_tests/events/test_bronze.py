import gzip
from datetime import datetime, timezone

from lakehouse_assets.events.bronze import LandedObject, bronze_row_groups, bronze_table, line_slices, split_lines
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


def test_row_groups_take_one_object_at_a_time_and_keep_unreadable_ones_aside():
    received = datetime(2026, 11, 23, 10, 30, tzinfo=timezone.utc)
    bodies = (("a", b"1\n2\n3\n"), ("b", b"\x1f\x8b broken"), ("c", b"4\n"), ("d", b"5\n6\n"))
    objects = [
        LandedObject(parse_event_key(f"events/topic=user-activity/date=2026-11-23/hour=10/{name}.json{'.gz' if name == 'b' else ''}"), body, received)
        for name, body in bodies
    ]
    produced = []

    def one_by_one():
        for obj in objects:
            produced.append(obj.key.key[-6:])
            yield obj

    unreadable: dict[str, str] = {}
    groups = bronze_row_groups(one_by_one(), unreadable, rows=3)
    first = next(groups)
    assert first.num_rows == 3 and produced == ["a.json"]  # the rest not read yet
    rest = list(groups)
    assert [g.num_rows for g in rest] == [3]  # c and d
    assert list(unreadable) == [objects[1].key.key] and "gzip" in unreadable[objects[1].key.key]
    streamed = [r["raw"] for g in [first, *rest] for r in g.to_pylist()]
    assert streamed == [r["raw"] for r in bronze_table([objects[0], *objects[2:]]).to_pylist()] == list("123456")
    # Groups of exactly `rows` rows, across object boundaries: (1, 2), (3, 4), (5, 6).
    assert [g.column("raw").to_pylist() for g in bronze_row_groups(objects, {}, rows=2)] == [["1", "2"], ["3", "4"], ["5", "6"]]


def test_slices_number_lines_as_the_whole_object_does():
    body = b'{"a":1}\r\n\n  \n{"b":"\xff"}\n' + b"x" * 40 + b"\n\n{\"c\":3}"
    whole = split_lines(body, gzipped=False)
    assert [n for n, _ in whole] == [1, 4, 5, 7] and whole[1][1] == '{"b":"\ufffd"}'
    for size, slices in ((1, 5), (5, 4), (12, 3), (30, 2), (1000, 1)):  # each cut after a newline
        sliced = list(line_slices(body, gzipped=False, slice_bytes=size))
        assert [line for part in sliced for line in part] == whole and len(sliced) == slices, size
    assert list(line_slices(b"", gzipped=False)) == [[]]
