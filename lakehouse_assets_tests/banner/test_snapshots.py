"""Source table -> snapshot partition: reflection, the day's query, KST times to UTC instants, and
the streamed write that leaves the previous partition in place when the source fails midway."""

from datetime import date, datetime, timezone
from decimal import Decimal

import pytest
import sqlalchemy as sa

from lakehouse_assets.banner.extract import SourceSchemaMismatch, reflect_source, rows_to_arrow, snapshot_query
from lakehouse_assets.banner.tables import SOURCE
from lakehouse_assets.lakehouse.catalog import IcebergLakehouse
from lakehouse_assets.lakehouse.staging import replace_partition_streaming
from lakehouse_assets.lakehouse.tables import Window

DAY = date(2026, 11, 20)


def test_a_declared_column_missing_from_the_source_fails_loudly(sqlite_engine):
    with sqlite_engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE banner_click (click_id BIGINT PRIMARY KEY, banner_id INT, clicked_at DATETIME)"))
    with pytest.raises(SourceSchemaMismatch, match="user_id"):
        reflect_source(sqlite_engine, SOURCE["banner_click"])
    assert reflect_source(sqlite_engine, SOURCE["orders"]) is None  # a missing table is the fresh case


def test_snapshot_query_selects_declared_columns_and_binds_the_day(sqlite_engine):
    with sqlite_engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE banner_cost (banner_id INT, cost_date DATE, spend DECIMAL(12,2), note TEXT)"))
    stmt = snapshot_query(reflect_source(sqlite_engine, SOURCE["banner_cost"]), SOURCE["banner_cost"], DAY)
    sql = str(stmt.compile(dialect=sqlite_engine.dialect))
    assert "note" not in sql and "2026" not in sql  # extra columns not read; the day is a bound parameter
    assert stmt.compile().params == {"day_start": "2026-11-20", "day_end": "2026-11-21"}
    dimension = snapshot_query(sa.Table("banner", sa.MetaData(), *(sa.Column(c.name) for c in SOURCE["banner"].columns)), SOURCE["banner"], DAY)
    assert dimension.whereclause is None


def test_kst_datetimes_become_utc_instants():
    source = SOURCE["banner_impression"]
    rows = [(1, 7, None, datetime(2026, 11, 20, 0, 0, 0)), (2, None, "u1", datetime(2026, 11, 20, 23, 59, 59))]
    table = rows_to_arrow(source, source.snapshot, rows, DAY).to_pylist()
    assert table[0]["shown_at"] == datetime(2026, 11, 19, 15, 0, tzinfo=timezone.utc)
    assert table[1]["shown_at"] == datetime(2026, 11, 20, 14, 59, 59, tzinfo=timezone.utc)
    assert table[1]["banner_id"] is None and table[0]["snapshot_date"] == DAY
    cost = rows_to_arrow(SOURCE["banner_cost"], SOURCE["banner_cost"].snapshot, [(3, DAY, Decimal("1234.56"))], DAY).to_pylist()
    assert cost == [{"banner_id": 3, "cost_date": DAY, "spend": 1234.56, "snapshot_date": DAY}]


def test_a_snapshot_failing_midway_keeps_the_previous_partition(tmp_path):
    lakehouse = IcebergLakehouse(f"sqlite:///{tmp_path / 'catalog.db'}", (tmp_path / "lake").as_uri())
    source = SOURCE["banner_click"]
    spec, window = source.snapshot, Window.day(DAY)
    at = datetime(2026, 11, 20, 12)

    def chunk(first_id, n):
        return rows_to_arrow(source, spec, [(first_id + i, 1, "u", at) for i in range(n)], DAY)

    replace_partition_streaming(lakehouse, spec, window, iter([chunk(0, 3), chunk(3, 2)]))
    assert lakehouse.row_count(spec, window) == 5

    def broken():
        yield chunk(100, 4)
        raise ConnectionError("source went away mid-read")

    with pytest.raises(ConnectionError):
        replace_partition_streaming(lakehouse, spec, window, broken())
    assert sorted(r["click_id"] for r in lakehouse.read_arrow(spec, [window]).to_pylist()) == [0, 1, 2, 3, 4]
    data_files = list((tmp_path / "lake" / "banner" / "snapshot_banner_click" / "data").rglob("*.parquet"))
    assert len(data_files) == 1  # the aborted file was removed
    replace_partition_streaming(lakehouse, spec, window, iter([]))
    assert lakehouse.row_count(spec, window) == 0
