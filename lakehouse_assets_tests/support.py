"""Fixtures shared across the test domains: the test Spark config, landing storage (temp dir or
moto S3) and throw-away databases (SQLite file or a database on the local MariaDB)."""

import contextlib
import uuid

import boto3
import pytest
from dagster_aws.s3 import S3Resource
from moto import mock_aws

from lakehouse_assets.resources import EngineResource, LocalLandingStorage, S3LandingStorage, SparkResource, spark_config

# Small and quiet: the suite shares one local session; 2 cores like CI.
TEST_SPARK_CONFIG = spark_config(
    "local[2]",
    extra={
        "spark.ui.enabled": "false",
        "spark.sql.shuffle.partitions": "4",
        "spark.driver.memory": "2g",
    },
)

# Engines every computing test runs on (the `engine_name` fixture): DuckDB first, it starts no JVM.
ENGINES = ["duckdb", pytest.param("spark", marks=pytest.mark.spark)]


def engine_resource(engine_name: str) -> EngineResource:
    """The `engine` resource of a materialize call on `engine_name` (Spark: the shared test session)."""
    if engine_name == "spark":
        return EngineResource(engine="spark", spark=SparkResource(spark_config=TEST_SPARK_CONFIG))
    return EngineResource(engine="duckdb", duckdb_threads=2)


BUCKET = "landing-test"
MARIADB_SERVER = "mysql+pymysql://root@127.0.0.1:3306"
POSTGRES_SERVER = "postgresql+psycopg2://postgres@127.0.0.1:5432"  # trust auth
DB_KINDS = ["sqlite", pytest.param("mariadb", marks=pytest.mark.integration)]


@contextlib.contextmanager
def landing_storage(kind: str, tmp_path):
    """Yield a LandingStorage of `kind` ("local" or "s3"); S3 lives only inside the context."""
    if kind == "local":
        yield LocalLandingStorage(root=str(tmp_path / "landing"))
        return
    with mock_aws():
        boto3.client("s3", region_name="us-east-1").create_bucket(Bucket=BUCKET)
        yield S3LandingStorage(bucket=BUCKET, prefix="raw", s3=S3Resource(region_name="us-east-1"))
@contextlib.contextmanager
def database_url(kind: str, tmp_path):
    """Yield a SQLAlchemy URL of an empty database of `kind` ("sqlite" or "mariadb")."""
    if kind == "sqlite":
        yield f"sqlite:///{tmp_path / f'ads_{uuid.uuid4().hex[:8]}.db'}"
        return
    import sqlalchemy as sa

    server = sa.create_engine(MARIADB_SERVER, connect_args={"connect_timeout": 3})
    try:
        with server.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except Exception as exc:
        server.dispose()
        pytest.fail(f"MariaDB at 127.0.0.1:3306 is not reachable ({type(exc).__name__}): start it (.ci/run does), or deselect with -m 'not integration'")
    name = f"banner_test_{uuid.uuid4().hex[:12]}"  # generated here, so safe to put in DDL
    with server.begin() as conn:
        conn.execute(sa.text(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4"))
    try:
        yield f"{MARIADB_SERVER}/{name}?charset=utf8mb4"
    finally:
        with server.begin() as conn:
            conn.execute(sa.text(f"DROP DATABASE IF EXISTS `{name}`"))
        server.dispose()


@contextlib.contextmanager
def postgres_database(prefix: str):
    """Yield the SQLAlchemy URL of a fresh, empty database on the machine's PostgreSQL; dropped
    (with its sessions) afterwards."""
    import sqlalchemy as sa

    name = f"{prefix}_{uuid.uuid4().hex[:10]}"  # generated here, so safe in DDL
    server = sa.create_engine(f"{POSTGRES_SERVER}/postgres", isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})
    try:
        with server.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except sa.exc.OperationalError as exc:
        server.dispose()
        pytest.fail(f"PostgreSQL at 127.0.0.1:5432 is not reachable ({exc.orig}): start it (.ci/run does), or deselect with -m 'not integration'")
    try:
        yield f"{POSTGRES_SERVER}/{name}"
    finally:
        with server.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        server.dispose()
