"""Retention removes expired snapshots' files, orphans, old landing objects and unused MLflow runs,
and keeps every file a table's current snapshot uses: each table reads the same rows after."""

from __future__ import annotations

import os
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pyarrow as pa
from dagster import materialize

from lakehouse_assets.lakehouse.schemas import arrow_schema
from lakehouse_assets.lakehouse.tables import Window
from lakehouse_assets.ml.tables import EXPERIMENT_NAME, MODEL_NAME
from lakehouse_assets.monitoring.cleanup import retention
from lakehouse_assets.monitoring.tables import TEMPERATURE_PREDICTIONS
from lakehouse_assets.resources import LakehouseResource, LocalLandingStorage, MlflowResource
from lakehouse_assets.weather.tables import OBSERVATIONS

UTC = timezone.utc
HOUR = datetime(2026, 11, 20, 3, tzinfo=UTC)
LATER = (datetime.now(UTC) + timedelta(days=60)).isoformat()  # every file is old by then


def observation_rows(ta: float) -> pa.Table:
    rows = [{"station_id": s, "observed_at": HOUR, "ta": ta + s / 1000, "qc_flags": "{}", "source": "sample"} for s in (108, 159)]
    return pa.Table.from_pylist([{c: r.get(c) for c in arrow_schema(OBSERVATIONS).names} for r in rows], schema=arrow_schema(OBSERVATIONS))


def table_rows(lakehouse, spec) -> list[dict]:
    return sorted(lakehouse.read_arrow(spec).to_pylist(), key=str)


def make_old(path: Path, days: int = 90) -> None:
    then = time.time() - days * 86400
    os.utime(path, (then, then))


def test_retention_removes_only_what_nothing_uses(tmp_path):
    lake = LakehouseResource(root_uri=(tmp_path / "lake").as_uri(), catalog_uri=f"sqlite:///{tmp_path / 'catalog.db'}")
    lakehouse = lake.lakehouse
    window = Window.hour(HOUR)
    for ta in (1.0, 2.0, 3.0):  # three versions of one partition: two are history
        lakehouse.replace_partition_with_arrow(OBSERVATIONS, window, observation_rows(ta))
    replaced = set((tmp_path / "lake").rglob("*.parquet")) - {
        Path(p.removeprefix("file://")) for p in lakehouse.data_files(OBSERVATIONS)
    }
    predictions = [{"station_id": 108, "observed_at": HOUR, "predicted_for": HOUR + timedelta(hours=1), "prediction": 3.2, "model_version": "1", "model_run_id": "r", "predicted_at": HOUR}]
    lakehouse.replace_partition_with_arrow(TEMPERATURE_PREDICTIONS, window, pa.Table.from_pylist(predictions, schema=arrow_schema(TEMPERATURE_PREDICTIONS)))
    orphan = tmp_path / "lake" / "weather" / "observations" / "data" / "failed-write.parquet"
    orphan.write_bytes(b"x" * 1000)
    make_old(orphan)

    landing = LocalLandingStorage(root=str(tmp_path / "landing"))
    for key in ("weather/date=2026-09-01/hour=00/stn=108.json", "events/2026/09/01/a.jsonl", "images/cat.jpg", "weather/date=2026-11-20/hour=03/stn=108.json"):
        landing.put_bytes(key, b"{}" * 50)
    for key in ("weather/date=2026-09-01/hour=00/stn=108.json", "events/2026/09/01/a.jsonl", "images/cat.jpg"):
        make_old(tmp_path / "landing" / key)
    make_old(tmp_path / "landing" / "weather/date=2026-11-20/hour=03/stn=108.json", days=-59)  # a day before LATER

    mlflow = MlflowResource(tracking_uri=f"sqlite:///{tmp_path / 'mlflow.db'}", artifact_root=(tmp_path / "artifacts").as_uri())
    client = mlflow.client()
    experiment = mlflow.experiment_id(EXPERIMENT_NAME)
    used, unused = client.create_run(experiment).info.run_id, client.create_run(experiment).info.run_id
    client.create_registered_model(MODEL_NAME)
    client.create_model_version(MODEL_NAME, source=f"{(tmp_path / 'artifacts').as_uri()}/model", run_id=used)

    before = {spec.identifier: table_rows(lakehouse, spec) for spec in (OBSERVATIONS, TEMPERATURE_PREDICTIONS)}
    current_files = [Path(p.removeprefix("file://")) for spec in (OBSERVATIONS, TEMPERATURE_PREDICTIONS) for p in lakehouse.data_files(spec)]
    config = {"as_of": LATER, "keep_snapshots": 1, "landing_days": {"weather/": 30, "events/": 30}}
    result = materialize([retention], resources={"lakehouse": lake, "landing": landing, "mlflow": mlflow}, run_config={"ops": {"monitoring__retention": {"config": config}}})
    metadata = result.get_asset_materialization_events()[0].materialization.metadata

    fresh = LakehouseResource(root_uri=lake.root_uri, catalog_uri=lake.catalog_uri).lakehouse
    assert {spec.identifier: table_rows(fresh, spec) for spec in (OBSERVATIONS, TEMPERATURE_PREDICTIONS)} == before
    assert all(path.exists() for path in current_files)
    assert replaced and not any(path.exists() for path in replaced)
    assert not orphan.exists()
    assert len(fresh.ensure_table(OBSERVATIONS).metadata.snapshots) == 1
    assert metadata["snapshots_removed"].value >= 2 and metadata["expired_files_removed"].value >= 2
    assert metadata["orphan_files_removed"].value >= 1 and metadata["bytes_freed"].value > 1000

    assert not (tmp_path / "landing" / "weather/date=2026-09-01/hour=00/stn=108.json").exists()
    assert not (tmp_path / "landing" / "events/2026/09/01/a.jsonl").exists()
    assert (tmp_path / "landing" / "images/cat.jpg").exists(), "a prefix without retention is never touched"
    assert (tmp_path / "landing" / "weather/date=2026-11-20/hour=03/stn=108.json").exists()
    assert metadata["landing_objects_removed"].value == 2

    assert client.get_run(unused).info.lifecycle_stage == "deleted"
    assert client.get_run(used).info.lifecycle_stage == "active"
    assert metadata["mlflow_runs_removed"].value == 1


def test_dry_run_deletes_nothing(tmp_path):
    lake = LakehouseResource(root_uri=(tmp_path / "lake").as_uri(), catalog_uri=f"sqlite:///{tmp_path / 'catalog.db'}")
    for ta in (1.0, 2.0):
        lake.lakehouse.replace_partition_with_arrow(OBSERVATIONS, Window.hour(HOUR), observation_rows(ta))
    files = sorted((tmp_path / "lake").rglob("*"))
    from lakehouse_assets.monitoring.table_retention import clean_tables

    report, protected = clean_tables(lake.lakehouse.catalog, datetime.now(UTC) + timedelta(days=60), 7, 1, 7, dry_run=True)
    assert report.count("snapshot") >= 1 and report.count("expired_file") >= 1
    assert sorted((tmp_path / "lake").rglob("*")) == files
    assert protected
