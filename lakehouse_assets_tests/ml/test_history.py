"""Seeding weather history: the KST days and runs it plans, and a real run of the weather assets
over a range of hourly partitions (one run per KST day), recorded in a Dagster instance."""

import argparse
from datetime import date

from dagster import DagsterInstance

from lakehouse_assets.assets_common import table_key
from lakehouse_assets.lakehouse.tables import Window
from lakehouse_assets.ml import history
from lakehouse_assets.resources import LakehouseResource
from lakehouse_assets.settings import DEFAULT_KMA_STATIONS
from lakehouse_assets.weather.tables import OBSERVATIONS


def test_a_kst_day_is_24_utc_hours_from_15_00_the_day_before():
    keys = history.partition_keys(date(2026, 11, 20))
    assert (keys[0], keys[-1], len(keys)) == ("2026-11-19-15:00", "2026-11-20-14:00", 24)
    assert history.partition_keys(date(2026, 11, 19), days=2)[-1] == "2026-11-20-14:00"


def test_days_end_yesterday_start_after_the_partitions_and_group_into_runs():
    days = history.history_days(date(2026, 11, 21), 5, first_partition_day=date(2026, 11, 16))
    assert days == [date(2026, 11, d) for d in (17, 18, 19, 20)]
    gapped = [date(2026, 11, d) for d in (1, 2, 3, 5, 6)]
    assert history.runs(gapped, days_per_run=2) == [[date(2026, 11, 1), date(2026, 11, 2)], [date(2026, 11, 3)], [date(2026, 11, 5), date(2026, 11, 6)]]


def test_history_runs_the_weather_assets_one_day_per_run_and_skips_complete_days(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("LAKEHOUSE_ROOT", str(tmp_path / "lake"))
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster_home"))
    monkeypatch.delenv("KMA_SERVICE_KEY", raising=False)
    args = argparse.Namespace(days=2, days_per_run=1, today=date(2026, 11, 21))
    assert history.run(args) == 0

    instance = DagsterInstance.from_config(str(tmp_path / "dagster_home"))
    runs = instance.get_runs()
    assert len(runs) == 2 and {r.tags["dagster/asset_partition_range_start"] for r in runs} == {"2026-11-18-15:00", "2026-11-19-15:00"}
    done = instance.get_materialized_partitions(table_key(OBSERVATIONS))
    assert done == set(history.partition_keys(date(2026, 11, 19), days=2))
    lake = LakehouseResource(root_uri=(tmp_path / "lake").as_uri(), catalog_uri=f"sqlite:///{tmp_path / 'lake' / 'catalog.db'}").lakehouse
    rows = lake.read_arrow(OBSERVATIONS, [Window.day(date(2026, 11, 19))]).to_pylist()
    assert len(rows) == 24 * len(DEFAULT_KMA_STATIONS) and {r["source"] for r in rows} == {"sample"}

    assert history.run(args) == 0
    assert len(DagsterInstance.from_config(str(tmp_path / "dagster_home")).get_runs()) == 2
    assert "2 already complete, 0 to run" in capsys.readouterr().out
