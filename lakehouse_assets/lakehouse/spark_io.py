"""Spark <-> Iceberg: Spark writes data files, pyiceberg commits them; Spark reads snapshot files.

Reading goes through the table's current snapshot file list, never a directory listing: files of
replaced partitions stay on storage until snapshots expire, and a listing would resurrect them.
"""

from __future__ import annotations

from typing import Any, Iterable

from .catalog import IcebergLakehouse, SchemaMismatch
from .schemas import spark_schema, spark_type
from .tables import TableSpec, Window


def conform_spark(spec: TableSpec, df: Any) -> Any:
    """Select the declared columns by name, in order, cast to the declared types."""
    from pyspark.sql import functions as F

    missing = [c.name for c in spec.columns if c.name not in df.columns]
    if missing:
        raise SchemaMismatch(f"{spec.identifier}: data lacks columns {missing}")
    return df.select([F.col(c.name).cast(spark_type(c.type)).alias(c.name) for c in spec.columns])


def spark_path(uri: str) -> str:
    """Spark's Hadoop file systems name S3 `s3a://`."""
    return "s3a://" + uri.removeprefix("s3://") if uri.startswith("s3://") else uri


def iceberg_path(uri: str) -> str:
    return "s3://" + uri.removeprefix("s3a://") if uri.startswith("s3a://") else uri


def _spark_bound(spec: TableSpec, value: Any) -> Any:
    return value.date() if spec.column(spec.partition_column).type == "date" else value


def read_table(spark: Any, lakehouse: IcebergLakehouse, spec: TableSpec, windows: Iterable[Window] | None = None) -> Any:
    """The table's rows in `windows` (all when None) as a Spark DataFrame with the declared schema."""
    from pyspark.sql import functions as F

    windows = list(windows) if windows is not None else None
    files = lakehouse.data_files(spec, windows)
    schema = spark_schema(spec)
    if not files:
        # Typed NULLs over no rows: planned in the JVM. An empty local list would start Python
        # workers to read it (a second or two of CPU on a small machine, at every empty read).
        return spark.range(0).select([F.lit(None).cast(f.dataType).alias(f.name) for f in schema.fields])
    df = spark.read.schema(schema).parquet(*[spark_path(f) for f in files])
    if windows is None:
        return df
    part_col = F.col(spec.partition_column)
    cond = None
    for w in windows:
        c = (part_col >= F.lit(_spark_bound(spec, w.start))) & (part_col < F.lit(_spark_bound(spec, w.end)))
        cond = c if cond is None else cond | c
    return df.filter(cond)
