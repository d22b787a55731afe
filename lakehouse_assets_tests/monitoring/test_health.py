"""System health checks fail fast against a closed port and within their timeout against a server
that never answers; healthy services pass with timings in the metadata."""

from __future__ import annotations

import socket
import time

import pytest
from dagster import DagsterInstance, Definitions

from lakehouse_assets.monitoring.health import run_probe, safe_uri, sql_probe
from lakehouse_assets.monitoring.jobs import monitoring_checks_job
from lakehouse_assets.monitoring.system import system_checks, system_spec
from lakehouse_assets.resources import DatabaseResource, LakehouseResource, LocalLandingStorage, MlflowResource
from lakehouse_assets.settings import Settings
from lakehouse_assets_tests.processes import free_port


def closed_port() -> int:
    return free_port()


@pytest.fixture
def silent_server():
    """Accepts connections and never answers."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    yield server.getsockname()[1]
    server.close()


def run_health(resources: dict, timeout_seconds: float) -> dict:
    checks = system_checks(Settings.from_env({}))
    job, _ = monitoring_checks_job(checks)
    defs = Definitions(assets=[system_spec], asset_checks=checks, jobs=[job], resources=resources)
    ops = {c.node_def.name: {"config": {"timeout_seconds": timeout_seconds}} for c in checks}
    result = defs.resolve_job_def("monitoring_checks_job").execute_in_process(run_config={"ops": ops}, instance=DagsterInstance.ephemeral(), raise_on_error=False)
    assert result.success, "an unreachable service fails its check, not the run"
    return {e.check_name: e for e in result.get_asset_check_evaluations()}


def test_unreachable_services_fail_fast_and_hung_ones_at_the_deadline(tmp_path, silent_server):
    port = closed_port()
    resources = {
        "landing": LocalLandingStorage(root=str(tmp_path / "landing")),
        "lakehouse": LakehouseResource(root_uri=(tmp_path / "lake").as_uri(), catalog_uri=f"postgresql+psycopg2://iceberg:secret@127.0.0.1:{port}/iceberg"),
        "mlflow": MlflowResource(tracking_uri=f"http://127.0.0.1:{silent_server}"),
        "banner_db": DatabaseResource(url=f"mysql+pymysql://root:pw@127.0.0.1:{port}/ads"),
        "banner_export_db": DatabaseResource(url=f"sqlite:///{tmp_path / 'export.db'}"),
    }
    began = time.perf_counter()
    evaluations = run_health(resources, timeout_seconds=5.0)
    elapsed = time.perf_counter() - began

    assert evaluations["landing_storage_reachable"].passed and evaluations["lakehouse_root_reachable"].passed
    assert evaluations["banner_export_db_answers"].passed
    catalog = evaluations["iceberg_catalog_answers"]
    assert not catalog.passed and "refused" in catalog.description.lower()
    assert catalog.metadata["elapsed_ms"].value < 5000 and "secret" not in str(catalog.metadata) + catalog.description
    database = evaluations["banner_db_answers"]
    assert not database.passed and database.metadata["elapsed_ms"].value < 5000 and "pw" not in database.description
    mlflow = evaluations["mlflow_answers"]
    assert not mlflow.passed and mlflow.description == "no answer within 5 s"
    assert 5000 <= mlflow.metadata["elapsed_ms"].value < 6500 and mlflow.metadata["timed_out"].value
    assert elapsed < 60


def test_probe_against_a_closed_port_fails_within_its_timeout():
    began = time.perf_counter()
    result = run_probe(sql_probe(f"postgresql+psycopg2://u:p@127.0.0.1:{closed_port()}/db", 1.0), timeout_seconds=1.0)
    assert not result.ok and not result.timed_out and "Connection refused" in result.message
    assert time.perf_counter() - began < 1.0


def test_safe_uri_drops_credentials():
    assert safe_uri("postgresql://user:pw@db:5432/mlflow") == "postgresql://db:5432/mlflow"
    assert safe_uri("http://mlflow:5000") == "http://mlflow:5000"
