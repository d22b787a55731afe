"""Shared fixtures: one SparkSession per test process (`make test` runs two workers, each with its
own), temp-dir lakehouses, moto S3."""

from __future__ import annotations

import os
from pathlib import Path

# Test data uses fixed 2026 dates: keep them inside the partitions whatever day the suite runs.
os.environ.setdefault("LAKEHOUSE_PARTITIONS_START", "2026-01-01")

import pytest  # noqa: E402

from lakehouse_assets.resources import EngineResource, LakehouseResource, LocalLandingStorage, SparkResource
from lakehouse_assets_tests.support import ENGINES, TEST_SPARK_CONFIG, engine_resource

@pytest.fixture(scope="session")
def spark():
    resource = SparkResource(spark_config=TEST_SPARK_CONFIG)
    session = resource.spark_session
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()

@pytest.fixture(scope="session", params=ENGINES)
def engine_name(request) -> str:
    """Each computing test runs once per engine: duckdb (the default) and spark."""
    return request.param


@pytest.fixture(scope="session")
def engine(engine_name, request):
    """The engine object (`lakehouse_assets.engine`) for pure-transform tests."""
    if engine_name == "spark":
        from lakehouse_assets.engine.spark_engine import SparkEngine

        yield SparkEngine(request.getfixturevalue("spark"))
        return
    from lakehouse_assets.engine.duckdb_engine import DuckDBEngine

    duck = DuckDBEngine(threads=2)
    yield duck
    duck.close()


@pytest.fixture
def landing_dir(tmp_path: Path) -> Path:
    path = tmp_path / "landing"
    path.mkdir()
    return path

@pytest.fixture
def lakehouse_resource(tmp_path: Path) -> LakehouseResource:
    root = tmp_path / "lakehouse"
    return LakehouseResource(root_uri=root.as_uri(), catalog_uri=f"sqlite:///{tmp_path / 'catalog.db'}")

@pytest.fixture
def resources(spark, landing_dir: Path, lakehouse_resource: LakehouseResource) -> dict:
    """The resources `materialize` needs, on temp directories and the shared SparkSession."""
    return {
        "landing": LocalLandingStorage(root=str(landing_dir)),
        "spark": SparkResource(spark_config=TEST_SPARK_CONFIG),
        "engine": EngineResource(engine="duckdb"),
        "lakehouse": lakehouse_resource,
    }

@pytest.fixture
def aws_env(monkeypatch):
    """Fake credentials and no endpoint, so boto3 talks only to moto."""
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    yield os.environ
