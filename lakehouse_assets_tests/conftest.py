"""Shared fixtures: one SparkSession for the whole test session, temp-dir lakehouses, moto S3."""

from __future__ import annotations

import os
from datetime import datetime, timezone
from pathlib import Path

import pytest

from lakehouse_assets.resources import LakehouseResource, LocalLandingStorage, SparkResource, spark_config

# Small and quiet: the suite shares one local session; 2 cores like CI.
TEST_SPARK_CONFIG = spark_config(
    "local[2]",
    extra={
        "spark.ui.enabled": "false",
        "spark.sql.shuffle.partitions": "4",
        "spark.driver.memory": "2g",
        "spark.driver.extraJavaOptions": "-XX:+UseParallelGC",
    },
)

HOUR0 = datetime(2026, 11, 23, 0, tzinfo=timezone.utc)


@pytest.fixture(scope="session")
def spark():
    resource = SparkResource(spark_config=TEST_SPARK_CONFIG)
    session = resource.spark_session
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


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
