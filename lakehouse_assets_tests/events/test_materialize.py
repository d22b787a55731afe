"""Materialize the events assets per layer on temp directories, on each engine (DuckDB and real
Spark), and cross-check every table against an independent plain-Python computation of the
contract; then the other engine continues on the same tables and writes the same rows."""

import math
from datetime import date, datetime, timedelta, timezone

import pytest
from dagster import AssetSelection, DagsterInstance, materialize

from lakehouse_assets.assets_common import hour_key
from lakehouse_assets.events.assets import bronze_events, events_assets, silver_events
from lakehouse_assets.events.checks import events_checks, silver_reconciles_with_bronze
from lakehouse_assets.events.tables import (
    BRONZE_EVENTS,
    GOLD_BUSINESS_DAILY,
    GOLD_DATA_QUALITY_HOURLY,
    GOLD_FUNNEL_DAILY,
    GOLD_OPERATIONAL_HOURLY,
    GOLD_SERVER_HEALTH_MINUTELY,
    SILVER_EVENT_DUPLICATES,
    SILVER_EVENT_REJECTS,
    SILVER_EVENTS,
)
from lakehouse_assets.lakehouse.tables import Window
from lakehouse_assets.resources import LakehouseResource, LocalLandingStorage, SparkResource
from lakehouse_assets.sample_data.events import write_events
from lakehouse_assets_tests.support import TEST_SPARK_CONFIG, engine_resource
from lakehouse_assets_tests.events.reference import compute_reference

START = datetime(2026, 11, 20, 0, tzinfo=timezone.utc)
HOURS = [START + timedelta(hours=i) for i in range(3)]
DAY = date(2026, 11, 20)
SILVER = AssetSelection.assets(["silver", "events"], ["silver", "event_rejects"], ["silver", "event_duplicates"])


class Lake:
    """A landing zone with three generated hours and a lakehouse materialized from it."""

    def __init__(self, tmp, engine_name):
        self.engine_name = engine_name
        self.landing = tmp / "landing"
        write_events(self.landing, start=START, hours=len(HOURS), events_per_hour=1500, bad_share=0.05, seed=11)
        self.lakehouse_resource = LakehouseResource(root_uri=(tmp / "lake").as_uri(), catalog_uri=f"sqlite:///{tmp / 'catalog.db'}")
        self.resources = {
            "landing": LocalLandingStorage(root=str(self.landing)),
            "spark": SparkResource(spark_config=TEST_SPARK_CONFIG),
            "engine": engine_resource(engine_name),
            "lakehouse": self.lakehouse_resource,
        }
        self.instance = DagsterInstance.ephemeral()
        self.reference = compute_reference(self.landing)

    @property
    def lh(self):
        return self.lakehouse_resource.lakehouse

    def run(self, selection: str, partition: str, check=True, engine_name=None):
        resources = dict(self.resources, engine=engine_resource(engine_name)) if engine_name else self.resources
        result = materialize(
            [*events_assets, *events_checks],
            selection=AssetSelection.from_coercible(selection) if isinstance(selection, str) else selection,
            partition_key=partition,
            resources=resources,
            instance=self.instance,
            raise_on_error=check,
        )
        return result

    def table(self, spec, windows=None):
        return self.lh.read_arrow(spec, windows).to_pylist()


@pytest.fixture(scope="module")
def lake(tmp_path_factory, engine_name, request):
    request.getfixturevalue("spark")  # both engines' lakes are continued by the other one below
    lake = Lake(tmp_path_factory.mktemp(f"events_{engine_name}"), engine_name)
    for hour in HOURS:
        lake.run("bronze/events", hour_key(hour))
    for hour in HOURS:
        lake.run(SILVER, hour_key(hour))
    return lake


def rows_of(lake_rows, columns):
    return sorted(tuple(r[c] for c in columns) for r in lake_rows)


def assert_same_rows(actual, expected, key_columns):
    """Same keys, and every value equal (floats to 1e-9 relative)."""
    by_key = {tuple(r[c] for c in key_columns): r for r in expected}
    got = {tuple(r[c] for c in key_columns): r for r in actual}
    assert sorted(got) == sorted(by_key), f"keys differ: {set(got) ^ set(by_key)}"
    for k, row in got.items():
        for column, value in by_key[k].items():
            if isinstance(value, float) and value is not None and row[column] is not None:
                assert math.isclose(row[column], value, rel_tol=1e-9, abs_tol=1e-9), (k, column, row[column], value)
            else:
                assert row[column] == value, (k, column, row[column], value)


def test_bronze_keeps_every_non_blank_line(lake):
    actual = lake.table(BRONZE_EVENTS)
    assert len(actual) == len(lake.reference["bronze"]) > 4000
    assert_same_rows(actual, lake.reference["bronze"], ["source_key", "line_number"])


def test_silver_rejects_and_duplicates_match_the_reference(lake):
    assert_same_rows(lake.table(SILVER_EVENTS), lake.reference["silver_events"], ["source_key", "line_number"])
    assert_same_rows(lake.table(SILVER_EVENT_REJECTS), lake.reference["silver_event_rejects"], ["source_key", "line_number"])
    assert_same_rows(lake.table(SILVER_EVENT_DUPLICATES), lake.reference["silver_event_duplicates"], ["source_key", "line_number"])
    reasons = {r["reason"] for r in lake.table(SILVER_EVENT_REJECTS)}
    assert {"invalid_utf8", "malformed_json", "unknown_event_type", "bad_timestamp"} <= reasons
    # duplicates across the hour boundary exist in the sample and were caught
    assert any(r["ingest_hour"] == HOURS[1] for r in lake.table(SILVER_EVENT_DUPLICATES))


def test_every_hour_reconciles(lake):
    for hour in HOURS:
        w = Window.hour(hour)
        counts = [lake.lh.row_count(spec, w) for spec in (BRONZE_EVENTS, SILVER_EVENTS, SILVER_EVENT_REJECTS, SILVER_EVENT_DUPLICATES)]
        assert counts[0] == sum(counts[1:]) and counts[0] > 0


def test_gold_tables_match_the_reference(lake):
    hour = HOURS[1]
    lake.run("gold/metrics_server_health_minutely", hour_key(hour))
    lake.run("gold/metrics_operational_hourly", hour_key(hour))
    lake.run("gold/metrics_business_daily", DAY.isoformat())
    lake.run("gold/metrics_funnel_daily", DAY.isoformat())
    for h in HOURS:
        lake.run("gold/metrics_data_quality_hourly", hour_key(h))
    ref = lake.reference
    w = Window.hour(hour)
    assert_same_rows(lake.table(GOLD_SERVER_HEALTH_MINUTELY), [r for r in ref["gold_server_health_minutely"] if w.start <= r["minute"] < w.end], ["minute", "server"])
    assert_same_rows(lake.table(GOLD_OPERATIONAL_HOURLY), [r for r in ref["gold_operational_hourly"] if r["hour"] == hour], ["hour"])
    assert_same_rows(lake.table(GOLD_BUSINESS_DAILY), [r for r in ref["gold_business_daily"] if r["date"] == DAY], ["date", "currency"])
    assert_same_rows(lake.table(GOLD_FUNNEL_DAILY), [r for r in ref["gold_funnel_daily"] if r["date"] == DAY], ["date", "step"])
    assert_same_rows(lake.table(GOLD_DATA_QUALITY_HOURLY), [r for r in ref["gold_data_quality_hourly"] if r["ingest_hour"] in HOURS], ["ingest_hour", "topic"])
    assert len(lake.table(GOLD_FUNNEL_DAILY)) == 4


GOLD_RUNS = [
    (GOLD_SERVER_HEALTH_MINUTELY, "gold/metrics_server_health_minutely", hour_key(HOURS[1]), ["minute", "server"]),
    (GOLD_OPERATIONAL_HOURLY, "gold/metrics_operational_hourly", hour_key(HOURS[1]), ["hour"]),
    (GOLD_BUSINESS_DAILY, "gold/metrics_business_daily", DAY.isoformat(), ["date", "currency"]),
    (GOLD_FUNNEL_DAILY, "gold/metrics_funnel_daily", DAY.isoformat(), ["date", "step"]),
    (GOLD_DATA_QUALITY_HOURLY, "gold/metrics_data_quality_hourly", hour_key(HOURS[1]), ["ingest_hour", "topic"]),
]


def test_the_other_engine_continues_on_the_same_tables(lake):
    """Silver and Gold written by one engine are read by the other, which writes the same rows."""
    other = "spark" if lake.engine_name == "duckdb" else "duckdb"
    hour = HOURS[2]
    w = Window.hour(hour)
    silver_before = {spec: lake.table(spec, [w]) for spec in (SILVER_EVENTS, SILVER_EVENT_REJECTS, SILVER_EVENT_DUPLICATES)}
    # The other engine re-derives hour 2's Silver, reading hour 1's stored Silver for earlier ids.
    lake.run(SILVER, hour_key(hour), engine_name=other)
    for spec, rows in silver_before.items():
        assert_same_rows(lake.table(spec, [w]), rows, ["source_key", "line_number"])
    for spec, key, partition, columns in GOLD_RUNS:
        lake.run(key, partition)
        mine = lake.table(spec)
        lake.run(key, partition, engine_name=other)
        assert_same_rows(lake.table(spec), mine, columns)
        assert mine, spec.identifier


def test_checks_pass_on_materialized_partitions(lake):
    result = lake.run(SILVER, hour_key(HOURS[1]))
    evaluations = result.get_asset_check_evaluations()
    names = {(e.asset_key.to_user_string(), e.check_name): e.passed for e in evaluations}
    assert names[("silver/events", "bronze_reconciles")]
    assert names[("silver/events", "no_duplicate_event_id")]
    assert names[("silver/events", "no_null_keys")]
    assert names[("silver/events", "schema_matches_declaration")]
    reject = next(e for e in evaluations if e.check_name == "reject_share")
    assert reject.metadata["reject_share"].value > 0


def test_rematerializing_a_partition_is_idempotent(lake):
    hour = HOURS[2]
    w = Window.hour(hour)
    before = {spec.identifier: rows_of(lake.table(spec, [w]), spec.column_names) for spec in (BRONZE_EVENTS, SILVER_EVENTS, SILVER_EVENT_REJECTS, SILVER_EVENT_DUPLICATES)}
    lake.run("bronze/events", hour_key(hour))
    lake.run(SILVER, hour_key(hour))
    lake.run(SILVER, hour_key(hour))
    after = {spec.identifier: rows_of(lake.table(spec, [w]), spec.column_names) for spec in (BRONZE_EVENTS, SILVER_EVENTS, SILVER_EVENT_REJECTS, SILVER_EVENT_DUPLICATES)}
    assert after == before
    assert all(len(v) for k, v in after.items() if k != "silver.event_duplicates")


def test_reconciliation_check_fails_when_a_row_is_lost(lake):
    from pyiceberg.expressions import And, EqualTo

    hour = HOURS[0]
    victim = lake.table(SILVER_EVENTS, [Window.hour(hour)])[0]
    lake.lh.delete_rows(SILVER_EVENTS, And(EqualTo("source_key", victim["source_key"]), EqualTo("line_number", victim["line_number"])))
    # Re-ingesting Bronze runs the reconciliation check against the (damaged) Silver partition.
    result = materialize(
        [bronze_events, silver_events, silver_reconciles_with_bronze],
        selection=AssetSelection.assets(bronze_events) | AssetSelection.checks(silver_reconciles_with_bronze),
        partition_key=hour_key(hour),
        resources=lake.resources,
        instance=lake.instance,
        raise_on_error=False,
    )
    evaluation = result.get_asset_check_evaluations()[0]
    assert not evaluation.passed
    assert evaluation.metadata["unaccounted_rows"].value == 1
    lake.run(SILVER, hour_key(hour))  # put the hour back for other tests


def test_empty_hour_writes_empty_partitions(lake):
    empty = START + timedelta(days=2)
    lake.run("bronze/events", hour_key(empty))
    lake.run(SILVER, hour_key(empty))
    assert lake.lh.row_count(BRONZE_EVENTS, Window.hour(empty)) == 0
    assert lake.lh.row_count(SILVER_EVENTS, Window.hour(empty)) == 0


def test_spark_submit_entry_point_writes_the_same_partition(lake, monkeypatch, capsys):
    """spark/jobs/events_partition.py runs the assets' transform for one partition, from env settings."""
    import importlib.util
    import json
    from pathlib import Path

    hour = HOURS[1]
    lake.run("gold/metrics_operational_hourly", hour_key(hour))
    from_asset = lake.table(GOLD_OPERATIONAL_HOURLY, [Window.hour(hour)])
    lake.lh.delete_rows(GOLD_OPERATIONAL_HOURLY, __import__("pyiceberg.expressions", fromlist=["AlwaysTrue"]).AlwaysTrue())
    assert lake.lh.row_count(GOLD_OPERATIONAL_HOURLY) == 0

    root = Path(__file__).resolve().parents[2]
    spec = importlib.util.spec_from_file_location("events_partition", root / "spark" / "jobs" / "events_partition.py")
    job = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(job)
    monkeypatch.setenv("LAKEHOUSE_ROOT", lake.lakehouse_resource.root_uri)
    monkeypatch.setenv("LAKEHOUSE_CATALOG_URI", lake.lakehouse_resource.catalog_uri)
    assert job.main(["gold.metrics_operational_hourly", hour.strftime("%Y-%m-%dT%H")]) == 0
    printed = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert printed["rows"] == {"gold.metrics_operational_hourly": 1}
    # The job runs on Spark whatever the asset's engine: sums of doubles may differ in the last bit.
    from_job = lake.table(GOLD_OPERATIONAL_HOURLY, [Window.hour(hour)])
    assert len(from_job) == len(from_asset)
    for got, want in zip(from_job, from_asset):
        assert got == {k: pytest.approx(v, rel=1e-12) if isinstance(v, float) else v for k, v in want.items()}
