"""Resources, chosen once from the settings."""

from __future__ import annotations

from typing import Any

from dagster_aws.s3 import S3Resource

from lakehouse_assets.settings import Settings

from .databases import DatabaseResource, banner_database_resources
from .kma import KmaResource, kma_resource
from .lakehouse import LakehouseResource
from .spark import SparkResource, spark_config
from .storage import LandingStorage, LocalLandingStorage, S3LandingStorage, landing_storage_for


def s3_resource(settings: Settings) -> S3Resource:
    # Credentials are left to boto3's chain (AWS_ACCESS_KEY_ID/... from the environment).
    return S3Resource(endpoint_url=settings.aws_endpoint_url, region_name=settings.aws_region)


def core_resources(settings: Settings) -> dict[str, Any]:
    """The resources the domains share: landing storage, Spark, the lakehouse tables, databases."""
    return {
        "landing": landing_storage_for(settings.landing, s3_resource(settings)),
        "spark": SparkResource(spark_config=spark_config(settings.spark_master, settings.spark_remote)),
        "lakehouse": LakehouseResource(
            root_uri=settings.lakehouse_root,
            catalog_uri=settings.catalog_uri,
            s3_endpoint=settings.aws_endpoint_url,
            s3_region=settings.aws_region,
        ),
        "kma": kma_resource(settings),
        **banner_database_resources(
            settings.banner_db_url,
            settings.banner_export_db_url,
            settings.banner_db_url_from_env,
            settings.banner_export_db_url_from_env,
        ),
    }


__all__ = [
    "DatabaseResource",
    "KmaResource",
    "kma_resource",
    "LakehouseResource",
    "LandingStorage",
    "LocalLandingStorage",
    "S3LandingStorage",
    "SparkResource",
    "core_resources",
    "s3_resource",
    "spark_config",
]
