"""Resources, chosen once from the settings."""

from __future__ import annotations

from typing import Any

from dagster import EnvVar
from dagster_aws.s3 import S3Resource

from lakehouse_assets.settings import Settings

from .databases import DatabaseResource, banner_database_resources
from .engine import EngineResource
from .kma import KmaResource, kma_resource
from .lakehouse import LakehouseResource
from .mlflow import MlflowResource, mlflow_resource
from .spark import SparkResource, spark_config
from .webhook import AlertWebhookResource, alert_webhook_resource
from .storage import LandingStorage, LocalLandingStorage, S3LandingStorage, landing_storage_for


def s3_resource(settings: Settings) -> S3Resource:
    # Credentials are left to boto3's chain (AWS_ACCESS_KEY_ID/... from the environment).
    return S3Resource(endpoint_url=settings.aws_endpoint_url, region_name=settings.aws_region)


def spark_resource(settings: Settings) -> SparkResource:
    """The Spark session of the settings; a Connect URL (it may hold a token) stays in the environment."""
    config = spark_config(settings.spark_master, settings.spark_remote)
    remote = config.pop("spark.remote", None)
    return SparkResource(spark_config=config, remote=EnvVar("SPARK_REMOTE") if remote else None)


def engine_resource(settings: Settings) -> EngineResource:
    """The compute engine the settings chose (LAKEHOUSE_ENGINE), with its Spark session when spark."""
    spark = spark_resource(settings)
    return EngineResource(
        engine=settings.lakehouse_engine,
        duckdb_memory_limit=settings.duckdb_memory_limit,
        duckdb_threads=settings.duckdb_threads,
        duckdb_temp_directory=settings.duckdb_temp_directory,
        spark=spark if settings.lakehouse_engine == "spark" else None,
    )


def core_resources(settings: Settings) -> dict[str, Any]:
    """The resources the domains share: landing storage, Spark, the lakehouse tables, databases."""
    return {
        "landing": landing_storage_for(settings.landing, s3_resource(settings)),
        "spark": spark_resource(settings),
        "engine": engine_resource(settings),
        "lakehouse": LakehouseResource(
            root_uri=settings.lakehouse_root,
            # From the environment it stays there (it may hold a password): the UI shows the name.
            catalog_uri=EnvVar("LAKEHOUSE_CATALOG_URI") if settings.catalog_uri_from_env else settings.catalog_uri,
            s3_endpoint=settings.aws_endpoint_url,
            s3_region=settings.aws_region,
        ),
        "kma": kma_resource(settings),
        "mlflow": mlflow_resource(settings),
        "alert_webhook": alert_webhook_resource(settings),
        **banner_database_resources(
            settings.banner_db_url,
            settings.banner_export_db_url,
            settings.banner_db_url_from_env,
            settings.banner_export_db_url_from_env,
        ),
    }


__all__ = [
    "AlertWebhookResource",
    "alert_webhook_resource",
    "DatabaseResource",
    "EngineResource",
    "engine_resource",
    "KmaResource",
    "kma_resource",
    "LakehouseResource",
    "MlflowResource",
    "mlflow_resource",
    "LandingStorage",
    "LocalLandingStorage",
    "S3LandingStorage",
    "SparkResource",
    "core_resources",
    "s3_resource",
    "spark_config",
]
