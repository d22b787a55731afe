"""`monitoring/system`: the services the code location depends on, as an external asset whose checks
probe each one (the old monitoring DAG's system_health task).

Every probe runs under `timeout_seconds` (health.run_probe): an unreachable service fails fast with
the reason, a hung one fails at the deadline. Timings go to the metadata. The Spark check exists
only when Spark is configured (SPARK_MASTER / SPARK_REMOTE / LAKEHOUSE_ENGINE=spark): the embedded
engine needs no session.
"""

from typing import Any, Callable

from dagster import AssetCheckResult, AssetKey, AssetSpec, Config, asset_check
from pydantic import Field

from lakehouse_assets.resources import LakehouseResource, LandingStorage, SparkResource
from lakehouse_assets.resources.databases import DatabaseResource
from lakehouse_assets.resources.mlflow import MlflowResource
from lakehouse_assets.settings import Settings

SYSTEM_KEY = AssetKey(["monitoring", "system"])

system_spec = AssetSpec(
    key=SYSTEM_KEY,
    description=(
        "The services this code location depends on: landing storage, the lakehouse root, the Iceberg catalog, MLflow, "
        "the databases and (when configured) Spark. Not materialized: its checks probe each service every 30 minutes."
    ),
    group_name="monitoring",
    kinds={"python"},
)


class HealthConfig(Config):
    """How long a probe may take before its service counts as unreachable."""

    timeout_seconds: float = Field(default=10.0, gt=0, le=300)
    spark_timeout_seconds: float = Field(default=120.0, gt=0, le=900, description="A first local session starts a JVM")


def probe_result(target: str, probe: Callable[[dict[str, float]], str], timeout_seconds: float) -> AssetCheckResult:
    from .health import run_probe

    result = run_probe(probe, timeout_seconds)
    return AssetCheckResult(
        passed=result.ok,
        description=result.message,
        metadata={
            "target": target,
            "elapsed_ms": round(result.seconds * 1000, 1),
            "timeout_seconds": timeout_seconds,
            "timed_out": result.timed_out,
            **result.timings_ms,
        },
    )


def _io_properties(lakehouse: LakehouseResource, timeout_seconds: float) -> dict[str, str]:
    props = {"s3.connect-timeout": str(timeout_seconds), "s3.request-timeout": str(timeout_seconds)}
    if lakehouse.s3_endpoint:
        props["s3.endpoint"] = lakehouse.s3_endpoint
    if lakehouse.s3_region:
        props["s3.region"] = lakehouse.s3_region
    return props


def _check(name: str, description: str):
    return asset_check(asset=SYSTEM_KEY, name=name, description=description)


@_check("landing_storage_reachable", "Write, read back and delete a small object under LAKEHOUSE_LANDING.")
def landing_storage_reachable(config: HealthConfig, landing: LandingStorage, lakehouse: LakehouseResource) -> AssetCheckResult:
    from .health import storage_probe

    root = landing.uri()
    return probe_result(root, storage_probe(root, _io_properties(lakehouse, config.timeout_seconds)), config.timeout_seconds)


@_check("lakehouse_root_reachable", "Write, read back and delete a small object under LAKEHOUSE_ROOT (where the tables live).")
def lakehouse_root_reachable(config: HealthConfig, lakehouse: LakehouseResource) -> AssetCheckResult:
    from .health import storage_probe

    root = lakehouse.root_uri
    return probe_result(root, storage_probe(root, _io_properties(lakehouse, config.timeout_seconds)), config.timeout_seconds)


@_check("iceberg_catalog_answers", "The Iceberg SQL catalog (LAKEHOUSE_CATALOG_URI) lists its namespaces and tables.")
def iceberg_catalog_answers(config: HealthConfig, lakehouse: LakehouseResource) -> AssetCheckResult:
    from sqlalchemy.engine import make_url

    from lakehouse_assets.lakehouse.catalog import IcebergLakehouse

    from .health import catalog_probe, safe_uri

    import pyiceberg.catalog.sql  # noqa: F401 (loaded before the deadline: imports are not the service's time)

    make_url(lakehouse.catalog_uri).get_dialect()  # and the database driver
    # A fresh catalog object: the resource's is cached and would not show a lost connection.
    fresh = IcebergLakehouse(lakehouse.catalog_uri, lakehouse.root_uri, _io_properties(lakehouse, config.timeout_seconds))
    target = safe_uri(lakehouse.catalog_uri)
    return probe_result(target, catalog_probe(lambda: fresh.catalog), config.timeout_seconds)


@_check("mlflow_answers", "MLflow's tracking store answers: GET /health on a server, SELECT 1 on a database store.")
def mlflow_answers(config: HealthConfig, mlflow: MlflowResource) -> AssetCheckResult:
    from .health import mlflow_probe, safe_uri

    return probe_result(safe_uri(mlflow.tracking_uri), mlflow_probe(mlflow.tracking_uri, config.timeout_seconds), config.timeout_seconds)


def _database_check(resource_key: str, env_name: str) -> Any:
    @asset_check(
        asset=SYSTEM_KEY,
        name=f"{resource_key}_answers",
        description=f"SELECT 1 against {env_name} (the `{resource_key}` resource).",
        required_resource_keys={resource_key},
    )
    def database_answers(context, config: HealthConfig) -> AssetCheckResult:
        database: DatabaseResource = getattr(context.resources, resource_key)
        database.engine()  # builds the engine and loads its driver before the deadline; no connection yet

        def probe(timings: dict[str, float]) -> str:
            from .health import ProbeFailed

            ok, message = database.check()
            if not ok:
                raise ProbeFailed(message)
            return message

        return probe_result(database.safe_url, probe, config.timeout_seconds)

    return database_answers


@_check("spark_session_starts", "A Spark session starts (or is reused) and counts one row: SPARK_MASTER / SPARK_REMOTE.")
def spark_session_starts(config: HealthConfig, spark: SparkResource) -> AssetCheckResult:
    from .health import spark_probe

    return probe_result(spark.target, spark_probe(lambda: spark.spark_session), config.spark_timeout_seconds)


def system_checks(settings: Settings) -> list[Any]:
    """The health checks for these settings (Spark only when the engine is Spark)."""
    checks = [
        landing_storage_reachable,
        lakehouse_root_reachable,
        iceberg_catalog_answers,
        mlflow_answers,
        _database_check("banner_db", "BANNER_DB_URL"),
        _database_check("banner_export_db", "BANNER_EXPORT_DB_URL"),
    ]
    if settings.lakehouse_engine == "spark":
        checks.append(spark_session_starts)
    return checks
