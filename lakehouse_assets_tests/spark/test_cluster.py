"""The same events assets, unchanged, on a standalone Spark cluster (SPARK_MASTER) and through
Spark Connect (SPARK_REMOTE), both started on loopback from the pip-installed pyspark; every
table they write equals the one local mode writes from the same landing data."""

import json
import math
import os
import signal
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from dagster import AssetSelection, DagsterInstance, materialize

from lakehouse_assets.assets_common import hour_key
from lakehouse_assets.events.assets import events_assets
from lakehouse_assets.events.tables import (
    BRONZE_EVENTS,
    GOLD_DATA_QUALITY_HOURLY,
    GOLD_SERVER_HEALTH_MINUTELY,
    SILVER_EVENT_DUPLICATES,
    SILVER_EVENT_REJECTS,
    SILVER_EVENTS,
)
from lakehouse_assets.lakehouse.tables import Window
from lakehouse_assets.resources import EngineResource, LakehouseResource, LocalLandingStorage, SparkResource
from lakehouse_assets.sample_data.events import write_events
from lakehouse_assets_tests.support import TEST_SPARK_CONFIG
from lakehouse_assets_tests.spark.services import connect_server, service_env, standalone_cluster

pytestmark = [pytest.mark.integration, pytest.mark.spark]

REPO = Path(__file__).resolve().parents[2]
START = datetime(2026, 11, 20, 0, tzinfo=timezone.utc)
HOUR = timedelta(hours=1)
H0, H1 = START, START + HOUR
SUBPROCESS_TIMEOUT_SECONDS = 300


# Bronze for two hours, then Silver (reads both) and two Gold tables for the second hour.
RUNS = [
    (["bronze/events"], hour_key(H0)),
    (["bronze/events", "silver/events", "silver/event_rejects", "silver/event_duplicates",
      "gold/metrics_data_quality_hourly", "gold/metrics_server_health_minutely"], hour_key(H1)),
]  # fmt: skip
# Each table compared, its windows, and the columns that identify a row.
TABLES = [
    (BRONZE_EVENTS, [Window(H0, H1 + HOUR)], ["source_key", "line_number"]),
    (SILVER_EVENTS, [Window.hour(H1)], ["source_key", "line_number"]),
    (SILVER_EVENT_REJECTS, [Window.hour(H1)], ["source_key", "line_number"]),
    (SILVER_EVENT_DUPLICATES, [Window.hour(H1)], ["source_key", "line_number"]),
    (GOLD_DATA_QUALITY_HOURLY, [Window.hour(H1)], ["ingest_hour", "topic"]),
    (GOLD_SERVER_HEALTH_MINUTELY, [Window.hour(H1)], ["minute", "server"]),
]


def lakehouse_at(directory: Path) -> LakehouseResource:
    return LakehouseResource(root_uri=(directory / "lake").as_uri(), catalog_uri=f"sqlite:///{directory / 'catalog.db'}")


def read_tables(lakehouse: LakehouseResource) -> dict[str, list[dict]]:
    lh = lakehouse.lakehouse
    return {spec.identifier: lh.read_arrow(spec, windows).to_pylist() for spec, windows, _ in TABLES}


@pytest.fixture(scope="module")
def landing(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("landing")
    write_events(path, start=START, hours=2, events_per_hour=600, bad_share=0.05, seed=23)
    return path


@pytest.fixture(scope="module")
def local_tables(landing, tmp_path_factory, spark) -> dict[str, list[dict]]:
    """The reference: the same runs in this process, on the shared local session."""
    lakehouse = lakehouse_at(tmp_path_factory.mktemp("local"))
    spark_resource = SparkResource(spark_config=TEST_SPARK_CONFIG)
    # Local mode on the same engine the remote runs use (SPARK_MASTER/SPARK_REMOTE select Spark).
    resources = {
        "landing": LocalLandingStorage(root=str(landing)),
        "spark": spark_resource,
        "engine": EngineResource(engine="spark", spark=spark_resource),
        "lakehouse": lakehouse,
    }
    instance = DagsterInstance.ephemeral()
    for keys, key in RUNS:
        selection = AssetSelection.assets(*[k.split("/") for k in keys])
        assert materialize(events_assets, selection=selection, partition_key=key, resources=resources, instance=instance).success
    tables = read_tables(lakehouse)
    assert all(tables.values()), {name: len(rows) for name, rows in tables.items()}
    return tables


def run_elsewhere(spark_target: dict[str, str], landing: Path, directory: Path) -> dict:
    """Run `RUNS` in a subprocess configured only through the environment (as the code location is)."""
    directory.mkdir(parents=True, exist_ok=True)
    env = service_env(directory)
    env.update(
        spark_target,
        LAKEHOUSE_ROOT=str(directory / "lake"),
        LAKEHOUSE_LANDING=str(landing),
        LAKEHOUSE_CATALOG_URI=f"sqlite:///{directory / 'catalog.db'}",
        PYTHONPATH=os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
    )
    argv = [sys.executable, "-m", "lakehouse_assets_tests.spark.target_run", *[json.dumps(run) for run in RUNS]]
    process = subprocess.Popen(argv, cwd=directory, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        out, err = process.communicate(timeout=SUBPROCESS_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        out, err = "", f"materialization did not finish in {SUBPROCESS_TIMEOUT_SECONDS}s"
    finally:
        if process.poll() is None:  # timed out or interrupted: the driver JVM is in its process group
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    reports = [line for line in out.splitlines() if line.startswith('{"runs"')]
    assert process.returncode == 0 and reports, f"exit {process.returncode}:\n{err[-6000:]}"
    return json.loads(reports[-1])


def assert_same_tables(actual: dict[str, list[dict]], expected: dict[str, list[dict]]) -> None:
    """Same rows per table; doubles to 1e-9 relative (aggregation order may differ across executors)."""
    for spec, _, key_columns in TABLES:
        got = {tuple(r[c] for c in key_columns): r for r in actual[spec.identifier]}
        want = {tuple(r[c] for c in key_columns): r for r in expected[spec.identifier]}
        assert len(got) == len(actual[spec.identifier]), f"{spec.identifier}: duplicate keys"
        assert sorted(got) == sorted(want), f"{spec.identifier}: keys differ: {sorted(set(got) ^ set(want))[:5]}"
        for key, row in got.items():
            for column, value in want[key].items():
                if isinstance(value, float) and row[column] is not None:
                    assert math.isclose(row[column], value, rel_tol=1e-9, abs_tol=1e-12), (spec.identifier, key, column)
                else:
                    assert row[column] == value, (spec.identifier, key, column, row[column], value)


def test_assets_run_unchanged_on_a_standalone_cluster(landing, local_tables, tmp_path):
    with standalone_cluster(tmp_path / "cluster", cores=2, memory="1g") as cluster:
        report = run_elsewhere({"SPARK_MASTER": cluster.master_url}, landing, tmp_path / "run")
        status = cluster.status()
    print(f"standalone cluster: started in {cluster.startup_seconds:.1f}s, runs {report['runs']}")
    assert report["session_module"].startswith("pyspark.sql.") and ".connect." not in report["session_module"]
    assert report["spark_master"] == cluster.master_url
    apps = status["activeapps"] + status["completedapps"]
    assert len(apps) == 1, status
    # The work ran in an executor the worker launched, not in the driver.
    assert list((tmp_path / "cluster" / "work").glob(f"{apps[0]['id']}/*/stderr")), "no executor ran on the worker"
    assert_same_tables(read_tables(lakehouse_at(tmp_path / "run")), local_tables)


def test_assets_run_unchanged_through_spark_connect(landing, local_tables, tmp_path):
    with connect_server(tmp_path / "connect", master="local[2]") as server:
        report = run_elsewhere({"SPARK_REMOTE": server.remote_url}, landing, tmp_path / "run")
    print(f"Spark Connect server: started in {server.startup_seconds:.1f}s, runs {report['runs']}")
    assert report["session_module"] == "pyspark.sql.connect.session"
    assert report["spark_remote"] == server.remote_url
    assert_same_tables(read_tables(lakehouse_at(tmp_path / "run")), local_tables)
