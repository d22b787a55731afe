"""Banner pieces on their own: identifiers, the snapshot query, the pure stats transform, the
checks' logic, the export transaction, the database resource and the sample generator."""

import argparse
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
import sqlalchemy as sa

from lakehouse_assets.banner.checks import export_result, rows_valid_result, source_count_result, totals_result
from lakehouse_assets.banner.export import ExportSchemaMismatch, read_day, replace_day
from lakehouse_assets.banner.extract import SourceSchemaMismatch, reflect_source, rows_to_arrow, snapshot_query
from lakehouse_assets.banner.tables import SOURCE, SOURCE_TABLES, InvalidIdentifier, SourceColumn, SourceTable, check_identifier, source_metadata
from lakehouse_assets.resources.databases import DatabaseResource, masked_url
from lakehouse_assets.sample_data import banner as sample
from lakehouse_assets_tests.support import DB_KINDS, database_url

DAY = date(2026, 11, 20)


# -- identifiers and the snapshot query ---------------------------------------------------------


@pytest.mark.parametrize("name", ["1abc", "a b", "orders; DROP TABLE orders", "name`", "x--", "", "a" * 65, "snapshot.date", "é"])
def test_bad_identifiers_are_rejected(name):
    with pytest.raises(InvalidIdentifier):
        check_identifier(name)
    with pytest.raises(InvalidIdentifier):
        SourceTable(name, "dimension", (SourceColumn("id", "INT"),), ("id",))
    with pytest.raises(InvalidIdentifier):
        SourceColumn(name, "INT")


def test_table_specs_are_consistent():
    with pytest.raises(ValueError, match="time column"):
        SourceTable("t", "fact", (SourceColumn("id", "INT"),), ("id",))
    with pytest.raises(ValueError, match="not one of its columns"):
        SourceTable("t", "fact", (SourceColumn("id", "INT"),), ("id",), time_column="at")
    with pytest.raises(ValueError, match="reserved"):
        SourceTable("t", "dimension", (SourceColumn("snapshot_date", "DATE"),), ())
    assert [t.name for t in SOURCE_TABLES if t.kind == "fact"] == ["banner_impression", "banner_click", "orders", "banner_cost"]
    impression = SOURCE["banner_impression"].snapshot
    assert impression.identifier == "banner.snapshot_banner_impression" and impression.partition_column == "snapshot_date"
    assert [(c.name, c.type) for c in impression.columns] == [("impression_id", "long"), ("banner_id", "int"), ("user_id", "string"), ("shown_at", "timestamp"), ("snapshot_date", "date")]


@pytest.fixture
def sqlite_engine(tmp_path):
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'ads.db'}")
    yield engine
    engine.dispose()


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


# -- the pure transform -------------------------------------------------------------------------


@pytest.mark.spark
def test_banner_stats_transform(spark):
    from lakehouse_assets.banner.stats import banner_stats

    at = datetime(2026, 11, 20, 3, tzinfo=timezone.utc)
    impressions = spark.createDataFrame(
        [(1, 1, "a", at), (2, 1, "a", at), (3, 1, None, at), (4, 1, "b", at), (5, 2, "c", at), (6, None, "d", at)],
        "impression_id long, banner_id int, user_id string, shown_at timestamp",
    )
    clicks = spark.createDataFrame([(1, 1, "a", at), (2, 3, "x", at)], "click_id long, banner_id int, user_id string, clicked_at timestamp")
    orders = spark.createDataFrame(
        [(1, "a", 9, 10.10, at, 1), (2, "x", 9, 20.20, at, 3), (3, "z", 9, 99.99, at, None)],
        "order_id long, user_id string, product_id int, amount double, ordered_at timestamp, banner_id int",
    )
    costs = spark.createDataFrame([(1, DAY, 5.05), (2, DAY, 0.0), (4, DAY, 7.0)], "banner_id int, cost_date date, spend double")
    banners = spark.createDataFrame([(1, 10, 100), (2, 10, 101), (4, 11, 100)], "banner_id int, campaign_id int, tab_id int")
    campaigns = spark.createDataFrame([(10, 1000), (11, 1001)], "campaign_id int, advertiser_id int")
    rows = {r["banner_id"]: r.asDict() for r in banner_stats(DAY, impressions, clicks, orders, costs, banners, campaigns).collect()}
    assert set(rows) == {1, 2, 3, 4}  # the NULL banner and the unattributed order make no row
    one = rows[1]
    assert (one["impressions"], one["unique_viewers"], one["clicks"], one["orders"]) == (4, 2, 1, 1)
    assert one["ctr"] == pytest.approx(0.25) and one["cvr"] == pytest.approx(1.0)
    assert (one["revenue"], one["spend"], one["roas"]) == (10.1, 5.05, pytest.approx(2.0))
    assert (one["campaign_id"], one["advertiser_id"], one["tab_id"], one["stat_date"]) == (10, 1000, 100, DAY)
    assert rows[2]["spend"] == 0.0 and rows[2]["roas"] is None and rows[2]["cvr"] is None  # zero spend, no clicks
    three = rows[3]  # a click and an order but no impression, and not in the banner snapshot
    assert (three["impressions"], three["ctr"], three["clicks"], three["cvr"], three["campaign_id"]) == (0, None, 1, 1.0, None)
    assert (three["spend"], three["roas"], three["revenue"]) == (0.0, None, 20.2)
    four = rows[4]  # cost only
    assert (four["impressions"], four["clicks"], four["orders"], four["revenue"], four["spend"], four["roas"]) == (0, 0, 0, 0.0, 7.0, 0.0)


# -- checks -------------------------------------------------------------------------------------


def _stats(rows):
    import pyarrow as pa

    base = {"stat_date": DAY, "campaign_id": 1, "advertiser_id": 1, "tab_id": 1, "unique_viewers": 1, "clicks": 1, "ctr": 0.5, "orders": 1, "cvr": 1.0, "revenue": 10.0, "spend": 5.0, "roas": 2.0}
    return pa.Table.from_pylist([{**base, **r} for r in rows])


def test_totals_check_catches_a_lost_row():
    import pyarrow as pa

    impressions = pa.table({"banner_id": [1, 1, 2, None]})
    clicks, orders = pa.table({"banner_id": [1, 2]}), pa.table({"banner_id": [1, 2, None], "amount": [10.0, 10.0, 3.0]})
    costs = pa.table({"banner_id": [1, 2], "spend": [5.0, 5.0]})
    good = _stats([{"banner_id": 1, "impressions": 2}, {"banner_id": 2, "impressions": 1}])
    assert totals_result(good, impressions, clicks, orders, costs).passed
    lost = totals_result(_stats([{"banner_id": 1, "impressions": 2}]), impressions, clicks, orders, costs)
    assert not lost.passed and lost.metadata["snapshot_impressions"].value == 3


def test_rows_valid_check():
    assert rows_valid_result(_stats([{"banner_id": 1, "impressions": 2}])).passed
    duplicate = rows_valid_result(_stats([{"banner_id": 1, "impressions": 2}, {"banner_id": 1, "impressions": 2}]))
    assert not duplicate.passed and duplicate.metadata["duplicate_banner_ids"].value == 1
    ratio = rows_valid_result(_stats([{"banner_id": 1, "impressions": 0, "ctr": 0.0}]))
    assert not ratio.passed and ratio.metadata["ratio_null_mismatches"].value == 1


def test_export_and_source_count_checks():
    lake = [{"banner_id": 1, "impressions": 2, "unique_viewers": 1, "clicks": 1, "orders": 0, "revenue": 1.0, "spend": 2.0}]
    assert export_result(lake, [{**lake[0], "revenue": Decimal("1.00")}]).passed
    assert not export_result(lake, []).passed
    assert not export_result(lake, [{**lake[0], "clicks": 2}]).passed
    assert source_count_result("fact", 10, 10).passed and source_count_result("fact", None, 0).passed
    short = source_count_result("fact", 10, 9)
    assert not short.passed and short.severity.value == "ERROR" and short.metadata["difference"].value == -1
    assert source_count_result("dimension", 10, 9).severity.value == "WARN"


# -- export transaction and database resource ---------------------------------------------------


def _row(day, banner_id, impressions=1):
    return {"stat_date": day, "banner_id": banner_id, "campaign_id": 1, "advertiser_id": 1, "tab_id": 1, "impressions": impressions, "unique_viewers": 1, "clicks": 0, "ctr": 0.0, "orders": 0, "revenue": 0.0, "cvr": None, "spend": 1.25, "roas": 0.0}


@pytest.mark.parametrize("kind", DB_KINDS)
def test_replace_day_touches_only_that_day(kind, tmp_path):
    with database_url(kind, tmp_path) as url:
        engine = DatabaseResource(url=url).engine()
        other = DAY + timedelta(days=1)
        assert replace_day(engine, DAY, [_row(DAY, 1), _row(DAY, 2)]) == (0, 2)
        assert replace_day(engine, other, [_row(other, 1)]) == (0, 1)
        assert replace_day(engine, DAY, [_row(DAY, 3, impressions=9)]) == (2, 1)
        assert [(r["banner_id"], r["impressions"], r["spend"]) for r in read_day(engine, DAY)] == [(3, 9, Decimal("1.25"))]
        assert [r["banner_id"] for r in read_day(engine, other)] == [1]
        with pytest.raises(ValueError, match="handed to the export"):
            replace_day(engine, DAY, [_row(other, 5)])
        with pytest.raises(sa.exc.IntegrityError):  # a duplicate key rolls the whole day back
            replace_day(engine, DAY, [_row(DAY, 4), _row(DAY, 4)])
        assert [r["banner_id"] for r in read_day(engine, DAY)] == [3]
        engine.dispose()


def test_existing_export_table_with_other_columns_is_refused(sqlite_engine):
    with sqlite_engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE banner_stats_daily (stat_date DATE, banner_id INT, views INT)"))
    with pytest.raises(ExportSchemaMismatch, match="views"):
        replace_day(sqlite_engine, DAY, [])


def test_database_check_hides_the_password(tmp_path):
    ok, message = DatabaseResource(url=f"sqlite:///{tmp_path / 'new' / 'x.db'}").check()
    assert ok and "SELECT 1 answered" in message
    down = DatabaseResource(url="mysql+pymysql://ads:s3cr3t-pw@127.0.0.1:1/ads", connect_timeout_seconds=2)
    ok, message = down.check()
    assert not ok and "unreachable" in message and "s3cr3t-pw" not in message and "***" in message
    assert "s3cr3t-pw" not in down.safe_url and "s3cr3t-pw" not in repr(down.engine())
    assert masked_url("mysql+pymysql://u:p%40ss@h/db") == "mysql+pymysql://u:***@h/db"
    assert "zz" not in masked_url("mysql+pymysql://u@h/db?password=zz")


def test_database_urls_from_the_environment_stay_env_vars():
    from dagster import EnvVar

    from lakehouse_assets.resources.databases import banner_database_resources

    embedded = banner_database_resources("sqlite:///a.db", "sqlite:///a.db", False, False)
    assert embedded["banner_db"].url == embedded["banner_export_db"].url == "sqlite:///a.db"
    secret = "mysql+pymysql://u:pw@db/ads"
    wired = banner_database_resources(secret, secret, True, False)
    assert wired["banner_db"].url == EnvVar("BANNER_DB_URL") and wired["banner_export_db"].url == EnvVar("BANNER_DB_URL")
    assert banner_database_resources(secret, "sqlite:///r.db", True, True)["banner_export_db"].url == EnvVar("BANNER_EXPORT_DB_URL")


# -- sample data --------------------------------------------------------------------------------


def _dump(url):
    engine = sa.create_engine(url)
    metadata = source_metadata()
    with engine.connect() as conn:
        dump = {name: conn.execute(sa.select(table).order_by(*table.primary_key.columns)).fetchall() for name, table in metadata.tables.items()}
    engine.dispose()
    return dump


def test_sample_database_is_deterministic_and_realistic(tmp_path):
    urls = [f"sqlite:///{tmp_path / f'{i}.db'}" for i in range(2)]
    for url in urls:
        written = sample.write_banner_db(url, end_date=DAY, days=2, seed=7, impressions_per_day=2000)
    first, second = (_dump(u) for u in urls)
    assert first == second
    assert written["advertiser"] >= 3 and written["campaign"] >= 5 and written["banner"] == 50
    assert written["banner_impression"] > 20 * written["banner_click"] > 0 and written["banner_click"] > 5 * len([o for o in first["orders"] if o.banner_id]) > 0
    assert all(r.shown_at.microsecond == 0 for r in first["banner_impression"])
    other = f"sqlite:///{tmp_path / 'other.db'}"
    sample.write_banner_db(other, DAY, 2, seed=8, impressions_per_day=2000)
    assert _dump(other)["banner_impression"] != first["banner_impression"]


def test_sample_command_refuses_to_overwrite_without_reset(tmp_path, capsys):
    parser = argparse.ArgumentParser()
    sample.add_arguments(parser)
    argv = ["--db-url", f"sqlite:///{tmp_path / 'ads.db'}", "--days", "1", "--end-date", "2026-11-20", "--impressions-per-day", "500"]
    assert sample.run(parser.parse_args(argv)) == 0
    assert sample.run(parser.parse_args(argv)) == 2
    assert "--reset" in capsys.readouterr().out
    assert sample.run(parser.parse_args([*argv, "--reset"])) == 0


def test_reachability_checks_take_the_url_from_the_environment_and_never_show_the_password(tmp_path, monkeypatch):
    from dagster import DagsterInstance, Definitions, EnvVar

    from lakehouse_assets.banner.checks import source_database_reachable
    from lakehouse_assets.banner.snapshots import SOURCE_DATABASE

    def run_check(url):
        monkeypatch.setenv("BANNER_TEST_DB_URL", url)
        defs = Definitions(assets=[SOURCE_DATABASE], asset_checks=[source_database_reachable], resources={"banner_db": DatabaseResource(url=EnvVar("BANNER_TEST_DB_URL"))})
        instance = DagsterInstance.ephemeral()
        result = defs.resolve_implicit_global_asset_job_def().execute_in_process(instance=instance)
        logs = "\n".join(str(entry) for entry in instance.all_logs(result.run_id))
        return result.get_asset_check_evaluations()[0], logs

    evaluation, _ = run_check(f"sqlite:///{tmp_path / 'ads.db'}")
    assert evaluation.passed
    evaluation, logs = run_check("mysql+pymysql://ads:s3cr3t-pw@127.0.0.1:1/ads")
    assert not evaluation.passed and "unreachable" in evaluation.description
    assert "s3cr3t-pw" not in logs and "s3cr3t-pw" not in str(evaluation.metadata)


def test_daily_schedule_fills_the_kst_day_that_just_ended():
    from zoneinfo import ZoneInfo

    from dagster import build_schedule_context

    from lakehouse_assets.banner.definitions import banner_daily_schedule

    assert (banner_daily_schedule.cron_schedule, banner_daily_schedule.execution_timezone) == ("30 1 * * *", "Asia/Seoul")
    context = build_schedule_context(scheduled_execution_time=datetime(2026, 11, 21, 1, 30, tzinfo=ZoneInfo("Asia/Seoul")))
    [request] = list(banner_daily_schedule.evaluate_tick(context).run_requests)
    assert request.partition_key == "2026-11-20"


def test_a_snapshot_failing_midway_keeps_the_previous_partition(tmp_path):
    from lakehouse_assets.banner.calendar import day_window
    from lakehouse_assets.banner.extract import replace_partition_streaming
    from lakehouse_assets.lakehouse.catalog import IcebergLakehouse

    lakehouse = IcebergLakehouse(f"sqlite:///{tmp_path / 'catalog.db'}", (tmp_path / "lake").as_uri())
    source = SOURCE["banner_click"]
    spec, window = source.snapshot, day_window(DAY)
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
