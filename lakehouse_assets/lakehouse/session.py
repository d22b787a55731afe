"""The Spark settings every session gets, and the lakehouse and Spark session of a job that runs
outside Dagster (`spark/jobs/`, under spark-submit), built from the settings. No Dagster.

The code location gets the same through `resources.SparkResource` and `resources.LakehouseResource`,
which build on `BASE_SPARK_CONFIG` and `iceberg_lakehouse`.
"""

from __future__ import annotations

from typing import Any

from lakehouse_assets.settings import Settings, get_settings

from .catalog import IcebergLakehouse

# UTC everywhere, adaptive execution on (off costs ~60% on the medallion benchmark), few shuffle
# partitions for a small machine (AQE coalesces further). The JVM compiles no method over 8000
# bytecodes, and the Silver classification's generated code is larger: with whole-stage code
# generation refused above that size, it runs as compiled per-expression code instead of being
# interpreted (classification of 1M lines 15 s -> 6 s). The throughput garbage collector: G1's
# concurrent threads compete with the tasks on a small machine (medallion Silver + Gold, 1M
# lines: 46 s -> 42 s, 10% less CPU); as default options, so an image's or a user's
# `extraJavaOptions` add to it instead of being replaced (a second collector flag is an error).
# The driver's JIT inlines less deeply: in a fresh driver, as in local mode where it runs the
# tasks too, the C2 compiler spent as much CPU on Spark's generated and planning code as the tasks
# did (1M lines, Silver: 17 s of 54), competing with them for the cores. Executors of a cluster
# live long enough to pay a full compile back and keep the JVM's defaults. For the same reason
# the driver compiles only at four times the usual invocation counts: a fresh driver spent 22 s of
# CPU compiling during a 20,000-line Silver run that took 11 s (C1 7 s, C2 15 s); quadrupled,
# 12 s, and 1M lines' Silver + Gold went 46.8 -> 44.4 s (two runs each; 2x and 8x were slower).
DRIVER_JIT_OPTIONS = "-XX:MaxInlineLevel=6 -XX:InlineSmallCode=500 -XX:CompileThresholdScaling=4"
BASE_SPARK_CONFIG: dict[str, str] = {
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.adaptive.enabled": "true",
    "spark.sql.shuffle.partitions": "16",
    "spark.sql.codegen.hugeMethodLimit": "8000",
    "spark.sql.parquet.outputTimestampType": "TIMESTAMP_MICROS",
    "spark.driver.memory": "4g",
    "spark.driver.defaultJavaOptions": f"-XX:+UseParallelGC {DRIVER_JIT_OPTIONS}",
    "spark.executor.defaultJavaOptions": "-XX:+UseParallelGC",
    "spark.ui.showConsoleProgress": "false",
}


def iceberg_lakehouse(catalog_uri: str, root_uri: str, s3_endpoint: str | None = None, s3_region: str | None = None) -> IcebergLakehouse:
    """The lakehouse at `root_uri` with its catalog; `s3_endpoint`/`s3_region` reach pyiceberg's S3
    file IO (MinIO and other S3-compatible stores), credentials come from the AWS environment."""
    props = {key: value for key, value in {"s3.endpoint": s3_endpoint, "s3.region": s3_region}.items() if value}
    return IcebergLakehouse(catalog_uri, root_uri, props)


def settings_lakehouse(settings: Settings | None = None) -> IcebergLakehouse:
    """The lakehouse the settings name (LAKEHOUSE_ROOT, LAKEHOUSE_CATALOG_URI, AWS_ENDPOINT_URL, AWS_REGION)."""
    settings = settings or get_settings()
    return iceberg_lakehouse(settings.catalog_uri, settings.lakehouse_root, settings.aws_endpoint_url, settings.aws_region)


def job_spark_session(app_name: str) -> Any:
    """The session of a spark-submit job: `BASE_SPARK_CONFIG`, except the driver's memory and JVM
    options, which spark-submit owns (the driver's JVM is already running when this code starts)."""
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.appName(app_name)
    for key, value in BASE_SPARK_CONFIG.items():
        if not key.startswith("spark.driver."):
            builder = builder.config(key, value)
    return builder.getOrCreate()
