"""Fake credentials in every secret-bearing variable, one materialization per domain and failing
runs on a persistent instance, then every place a secret could reach is searched for every form of
every secret: none may be found (the figure "secrets found" is 0)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from lakehouse_assets_tests.secrets import canaries as c
from lakehouse_assets_tests.secrets.world import World, leak_world

pytestmark = pytest.mark.integration

PACKAGE = Path(__file__).resolve().parents[2] / "lakehouse_assets"
AWS_CHAIN = {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"}  # boto3 reads them, not our code
SECRET_VARS = AWS_CHAIN | {"KMA_SERVICE_KEY", "BANNER_DB_URL", "BANNER_EXPORT_DB_URL", "LAKEHOUSE_CATALOG_URI", "MLFLOW_TRACKING_URI", "ALERT_WEBHOOK_URL"}
NOT_SECRET = {
    "ALERT_ON_WARN", "AWS_DEFAULT_REGION", "AWS_ENDPOINT_URL", "AWS_REGION", "BANNER_EMR_CONFIG", "DAGSTER_HOME",
    "DAGSTER_UI_URL", "DUCKDB_MEMORY_LIMIT", "DUCKDB_TEMP_DIRECTORY", "DUCKDB_THREADS", "KMA_API_BASE_URL",
    "LAKEHOUSE_ENGINE", "LAKEHOUSE_LANDING", "LAKEHOUSE_PARTITIONS_START", "LAKEHOUSE_ROOT",
    "MLFLOW_ALLOW_PICKLE_DESERIALIZATION", "SPARK_MASTER",
    # A Spark Connect URL can carry `;token=...`: it reaches SparkResource as an EnvVar
    # (test_spark_remote_stays_in_the_environment); the runs here use DuckDB, so it is not scanned.
    "SPARK_REMOTE",
}
PLACES = {
    "event log", "run records", "job snapshots", "execution plans", "failure messages", "asset metadata", "check metadata",
    "DAGSTER_HOME files", "lakehouse files", "mlflow", "python logs", "alert payloads", "sensor results",
}
DATABASE_CHECKS = {"iceberg_catalog_answers", "mlflow_answers", "banner_db_answers", "banner_export_db_answers"}


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> World:
    with leak_world(tmp_path_factory.mktemp("secrets")) as built:
        yield built


def test_every_variable_settings_and_resources_read_is_classified():
    """A new variable must be declared secret (and get a canary in `world`) or harmless here."""
    sources = [PACKAGE / "settings.py", *sorted((PACKAGE / "resources").glob("*.py"))]
    read = {name for source in sources for name in re.findall(r'"([A-Z][A-Z0-9_]+)"', source.read_text())}
    assert read - SECRET_VARS - NOT_SECRET == set()
    assert SECRET_VARS - AWS_CHAIN <= read


def test_every_secret_reached_the_code(world):
    evidence = world.evidence
    assert {s.var for s in world.secrets} == SECRET_VARS
    assert evidence["kma_keys_sent"] == {c.KMA_SERVICE_KEY}
    assert evidence["s3_signed_with"] == (c.AWS_ACCESS_KEY_ID, c.AWS_SESSION_TOKEN)
    assert evidence["banner_rows"] > 0 and evidence["export_rows"] > 0  # each MariaDB account logs in only with its password
    assert evidence["catalog_tables"] > 0 and evidence["mlflow_runs"] > 0
    assert evidence["alerts_received"] > 0 and {p.rsplit("/", 1)[-1] for p in evidence["webhook_paths"]} == {c.WEBHOOK_TOKEN}


def test_the_failures_happened(world):
    evidence = world.evidence
    assert evidence["failed_runs"] == [("weather_observations_job", False), ("secrets_test_job", False)]
    assert all(evidence["healthy_checks"][name] for name in DATABASE_CHECKS), evidence["healthy_checks"]
    assert not any(evidence["outage_checks"][name] for name in DATABASE_CHECKS), evidence["outage_checks"]
    assert "not delivered" in evidence["undelivered"]


def test_every_place_was_searched(world):
    assert set(world.places()) == PLACES, world.places()
    searched = {(place, what) for place, what, _ in world.texts}
    assert any(place == "DAGSTER_HOME files" and "compute_logs" in what for place, what in searched)
    assert any(place == "lakehouse files" and what.endswith("report.md") for place, what in searched)
    assert any(place == "failure messages" and "Stack Trace" in text for place, _, text in world.texts)


def test_no_secret_is_found_anywhere(world):
    leaks = world.leaks()
    print(f"secrets found: {len(leaks)} in {len(world.texts)} texts of {len(world.places())} places, {world.seconds:.1f} s")
    first_of_each = {(place, var, form): f"{what}: ...{context}..." for place, what, var, form, context in reversed(leaks)}
    assert first_of_each == {}
