"""The banner pipeline end to end on SQLite and on the local MariaDB: sample database -> snapshots
-> stats_daily (DuckDB, and each engine for the cross-check) -> export, checked against SQL written
straight on the source tables."""

import math
from datetime import date, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from dagster import AssetSelection, DagsterInstance, Failure, materialize

from lakehouse_assets.banner import export as export_module
from lakehouse_assets.banner.assets import banner_assets
from lakehouse_assets.banner.checks import banner_checks
from lakehouse_assets.banner.tables import SOURCE, SOURCE_TABLES, STATS_DAILY
from lakehouse_assets.lakehouse.tables import Window
from lakehouse_assets.resources import LakehouseResource, SparkResource
from lakehouse_assets.resources.databases import DatabaseResource
from lakehouse_assets.sample_data.banner import write_banner_db
from lakehouse_assets_tests.support import DB_KINDS, database_url
from lakehouse_assets_tests.support import TEST_SPARK_CONFIG, engine_resource

pytestmark = pytest.mark.spark

DAY = date(2026, 11, 20)  # a past KST day, the middle of the three generated
KEY = DAY.isoformat()
PIPELINE = AssetSelection.groups("banner") - AssetSelection.assets(["banner", "ads_database"])

# The contract, written directly against the source tables (correlated subqueries, DATE() of the
# KST DATETIME), independent of the snapshot and Spark code.
REFERENCE_SQL = """
SELECT t.*,
       CASE WHEN t.impressions = 0 THEN NULL ELSE CAST(t.clicks AS DOUBLE) / t.impressions END AS ctr,
       CASE WHEN t.clicks = 0 THEN NULL ELSE CAST(t.orders AS DOUBLE) / t.clicks END AS cvr,
       CASE WHEN t.spend = 0 THEN NULL ELSE CAST(t.revenue AS DOUBLE) / CAST(t.spend AS DOUBLE) END AS roas
FROM (
  SELECT a.banner_id, b.campaign_id, c.advertiser_id, b.tab_id,
    (SELECT COUNT(*) FROM banner_impression i WHERE i.banner_id = a.banner_id AND DATE(i.shown_at) = :day) AS impressions,
    (SELECT COUNT(DISTINCT i.user_id) FROM banner_impression i WHERE i.banner_id = a.banner_id AND DATE(i.shown_at) = :day) AS unique_viewers,
    (SELECT COUNT(*) FROM banner_click k WHERE k.banner_id = a.banner_id AND DATE(k.clicked_at) = :day) AS clicks,
    (SELECT COUNT(*) FROM orders o WHERE o.banner_id = a.banner_id AND DATE(o.ordered_at) = :day) AS orders,
    (SELECT COALESCE(SUM(o.amount), 0) FROM orders o WHERE o.banner_id = a.banner_id AND DATE(o.ordered_at) = :day) AS revenue,
    (SELECT COALESCE(SUM(s.spend), 0) FROM banner_cost s WHERE s.banner_id = a.banner_id AND s.cost_date = :day) AS spend
  FROM (
    SELECT banner_id FROM banner_impression WHERE DATE(shown_at) = :day
    UNION SELECT banner_id FROM banner_click WHERE DATE(clicked_at) = :day
    UNION SELECT banner_id FROM orders WHERE DATE(ordered_at) = :day
    UNION SELECT banner_id FROM banner_cost WHERE cost_date = :day
  ) a
  LEFT JOIN banner b ON b.banner_id = a.banner_id
  LEFT JOIN campaign c ON c.campaign_id = b.campaign_id
  WHERE a.banner_id IS NOT NULL
) t
ORDER BY t.banner_id
"""
INTS = ("banner_id", "campaign_id", "advertiser_id", "tab_id", "impressions", "unique_viewers", "clicks", "orders")


def reference_rows(engine, day: date) -> list[dict]:
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(sa.text(REFERENCE_SQL), {"day": day.isoformat()})]


def exported_rows(engine, day: date) -> list[dict]:
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(sa.text("SELECT * FROM banner_stats_daily WHERE stat_date = :day ORDER BY banner_id"), {"day": day.isoformat()})]


def assert_same_stats(got: list[dict], want: list[dict]) -> None:
    assert [r["banner_id"] for r in got] == [r["banner_id"] for r in want]
    for g, w in zip(got, want):
        for name in INTS:
            assert g[name] == w[name], (name, g, w)
        for name in ("revenue", "spend"):
            assert abs(float(g[name]) - float(w[name])) < 0.005, (name, g, w)
        for name in ("ctr", "cvr", "roas"):
            assert (g[name] is None) == (w[name] is None), (name, g, w)
            if w[name] is not None:
                assert math.isclose(g[name], float(w[name]), rel_tol=1e-9), (name, g, w)


class World:
    """A sample ads database (three KST days) and a lakehouse, materialized for DAY."""

    def __init__(self, url: str, tmp, empty: bool = False):
        self.url = url
        if not empty:
            write_banner_db(url, end_date=DAY + timedelta(days=1), days=3, seed=7, impressions_per_day=3000)
        self.db = DatabaseResource(url=url)
        self.lakehouse_resource = LakehouseResource(root_uri=(tmp / "lake").as_uri(), catalog_uri=f"sqlite:///{tmp / 'catalog.db'}")
        self.resources = {
            "banner_db": self.db,
            "banner_export_db": DatabaseResource(url=url),
            "lakehouse": self.lakehouse_resource,
            "spark": SparkResource(spark_config=TEST_SPARK_CONFIG),
            "engine": engine_resource("duckdb"),
        }
        self.instance = DagsterInstance.ephemeral()

    @property
    def lh(self):
        return self.lakehouse_resource.lakehouse

    @property
    def engine(self):
        return self.db.engine()

    def run(self, selection=PIPELINE, raise_on_error=True, run_config=None, engine_name=None):
        resources = dict(self.resources, engine=engine_resource(engine_name)) if engine_name else self.resources
        return materialize(
            [*banner_assets, *banner_checks],
            selection=selection,
            partition_key=KEY,
            resources=resources,
            instance=self.instance,
            raise_on_error=raise_on_error,
            run_config=run_config,
        )

    def log_messages(self, result) -> list[str]:
        return [entry.user_message for entry in self.instance.all_logs(result.run_id)]


@pytest.fixture(scope="module", params=DB_KINDS)
def world(request, tmp_path_factory, spark):
    tmp = tmp_path_factory.mktemp(f"banner_{request.param}")
    with database_url(request.param, tmp) as url:
        world = World(url, tmp)
        chunked = {"ops": {"banner__snapshot_banner_impression": {"config": {"chunk_rows": 1000}}}}
        world.first = world.run(run_config=chunked)
        world.first_rows = exported_rows(world.engine, DAY)
        yield world
        world.db.engine().dispose()


def test_exported_numbers_equal_independent_sql(world):
    want = reference_rows(world.engine, DAY)
    assert len(want) >= 40
    assert_same_stats(world.first_rows, want)
    # The sample holds the edge cases, so the comparison above exercised them.
    assert any(r["impressions"] == 0 and float(r["spend"]) > 0 for r in want)  # cost without impressions
    assert any(r["roas"] is None and r["impressions"] > 0 for r in want)  # spend 0 or no cost row
    assert any(r["cvr"] is None for r in want) and any(r["orders"] > 0 for r in want)
    assert any(r["unique_viewers"] < r["impressions"] for r in want)


def test_each_engine_computes_the_independent_sql_numbers(world, engine_name):
    """`banner/stats_daily` on each engine, from the same snapshots: the reference SQL's numbers."""
    world.run(AssetSelection.assets(["banner", "stats_daily"]), engine_name=engine_name)
    lake = world.lh.read_arrow(STATS_DAILY, [Window.day(DAY)]).sort_by("banner_id").to_pylist()
    assert_same_stats(lake, reference_rows(world.engine, DAY))
    assert {r["stat_date"] for r in lake} == {DAY}


def test_lakehouse_stats_equal_export(world):
    lake = world.lh.read_arrow(STATS_DAILY, [Window.day(DAY)]).sort_by("banner_id").to_pylist()
    assert_same_stats(lake, world.first_rows)
    assert {r["stat_date"] for r in lake} == {DAY}


def test_fact_snapshot_holds_exactly_the_kst_day(world):
    spec = SOURCE["banner_impression"].snapshot
    rows = world.lh.read_arrow(spec, [Window.day(DAY)], ["shown_at", "snapshot_date"]).to_pylist()
    kst_midnight_utc = datetime(DAY.year, DAY.month, DAY.day, tzinfo=timezone.utc) - timedelta(hours=9)
    times = [r["shown_at"] for r in rows]
    assert min(times) == kst_midnight_utc  # the sample's 00:00:00 KST impression
    assert max(times) == kst_midnight_utc + timedelta(days=1, seconds=-1)  # and its 23:59:59
    with world.engine.connect() as conn:
        in_source = conn.execute(sa.text("SELECT COUNT(*) FROM banner_impression WHERE DATE(shown_at) = :d"), {"d": KEY}).scalar_one()
    assert len(rows) == in_source
    materialization = world.first.asset_materializations_for_node("banner__snapshot_banner_impression")[0]
    assert materialization.metadata["chunks"].value >= 3  # 1000-row chunks
    assert materialization.metadata["dagster/row_count"].value == in_source


def test_dimension_snapshots_are_whole_tables(world):
    with world.engine.connect() as conn:
        for source in SOURCE_TABLES:
            if source.kind == "dimension":
                count = conn.execute(sa.select(sa.func.count()).select_from(sa.table(source.name))).scalar_one()
                assert world.lh.row_count(source.snapshot, Window.day(DAY)) == count > 0, source.name


def test_checks_pass(world):
    evaluations = world.first.get_asset_check_evaluations()
    assert len(evaluations) >= 13
    failed = [(e.asset_key.to_user_string(), e.check_name, e.metadata) for e in evaluations if not e.passed]
    assert not failed


def test_rerun_leaves_identical_rows(world):
    counts = {s.name: world.lh.row_count(s.snapshot, Window.day(DAY)) for s in SOURCE_TABLES}
    world.run()
    assert exported_rows(world.engine, DAY) == world.first_rows
    assert {s.name: world.lh.row_count(s.snapshot, Window.day(DAY)) for s in SOURCE_TABLES} == counts
    assert world.lh.row_count(STATS_DAILY, Window.day(DAY)) == len(world.first_rows)


def test_failure_mid_export_leaves_previous_rows(world, monkeypatch):
    real_insert = export_module._insert_batches
    seen = {}

    def insert_half_then_fail(conn, table, rows):
        # Inside the transaction, after the DELETE: the day is gone here...
        seen["during"] = conn.execute(sa.select(sa.func.count()).select_from(table).where(table.c.stat_date == DAY)).scalar_one()
        real_insert(conn, table, rows[: len(rows) // 2])
        # Not retried: the asset's retry policy would otherwise re-run it after real delays.
        raise Failure("injected: connection lost mid-export", allow_retries=False)

    monkeypatch.setattr(export_module, "_insert_batches", insert_half_then_fail)
    result = world.run(AssetSelection.assets(["banner", "stats_export"]), raise_on_error=False)
    assert not result.success
    assert seen["during"] == 0
    assert exported_rows(world.engine, DAY) == world.first_rows  # ...and back, untouched, after the failure


@pytest.mark.parametrize("kind", DB_KINDS)
def test_fresh_environment_gives_empty_partitions(kind, tmp_path, spark):
    with database_url(kind, tmp_path) as url:
        world = World(url, tmp_path, empty=True)
        result = world.run()
        assert result.success
        for source in SOURCE_TABLES:
            assert world.lh.row_count(source.snapshot, Window.day(DAY)) == 0
        assert world.lh.row_count(STATS_DAILY, Window.day(DAY)) == 0
        assert exported_rows(world.engine, DAY) == []  # the export table exists, empty for the day
        messages = "\n".join(world.log_messages(result))
        assert "source table `banner_impression` does not exist" in messages
        assert "wrote an empty partition" in messages
        assert "no impression, click, order or cost rows in the snapshots" in messages
        world.db.engine().dispose()


def test_spark_submit_entry_point_writes_the_same_partition(world, monkeypatch, capsys, banner_stats_job):
    import json

    before = world.lh.read_arrow(STATS_DAILY, [Window.day(DAY)]).sort_by("banner_id").to_pylist()
    world.lh.delete_rows(STATS_DAILY, __import__("pyiceberg.expressions", fromlist=["AlwaysTrue"]).AlwaysTrue())
    assert world.lh.row_count(STATS_DAILY) == 0
    monkeypatch.setenv("LAKEHOUSE_ROOT", world.lakehouse_resource.root_uri)
    monkeypatch.setenv("LAKEHOUSE_CATALOG_URI", world.lakehouse_resource.catalog_uri)
    assert banner_stats_job.main([KEY]) == 0
    printed = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert printed["rows"] == len(before) and printed["input_rows"]["banner_impression"] > 0
    assert world.lh.read_arrow(STATS_DAILY, [Window.day(DAY)]).sort_by("banner_id").to_pylist() == before


def test_entry_point_reports_row_counts_through_pipes(world, monkeypatch, banner_stats_job):
    """Launched by Dagster Pipes, the job takes the run's partition and reports its rows back."""
    from dagster import AssetExecutionContext, PipesTempFileContextInjector, PipesTempFileMessageReader, asset, open_pipes_session
    from dagster_pipes import PipesContext

    from lakehouse_assets.assets_common import kst_daily_partitions

    job = banner_stats_job
    monkeypatch.setenv("LAKEHOUSE_ROOT", world.lakehouse_resource.root_uri)
    monkeypatch.setenv("LAKEHOUSE_CATALOG_URI", world.lakehouse_resource.catalog_uri)
    monkeypatch.setattr(PipesContext, "_instance", None)  # the Pipes context is a process-wide singleton

    @asset(key=["banner", "stats_daily_via_pipes"], partitions_def=kst_daily_partitions)
    def via_pipes(context: AssetExecutionContext):
        with open_pipes_session(context=context, context_injector=PipesTempFileContextInjector(), message_reader=PipesTempFileMessageReader()) as session:
            for name, value in session.get_bootstrap_env_vars().items():
                monkeypatch.setenv(name, value)
            assert job.main_under_pipes([]) == 0
        yield from session.get_results()

    result = materialize([via_pipes], partition_key=KEY, instance=DagsterInstance.ephemeral())
    metadata = result.asset_materializations_for_node("banner__stats_daily_via_pipes")[0].metadata
    assert metadata["dagster/row_count"].value == len(world.first_rows)
    assert metadata["stat_date"].value == KEY
