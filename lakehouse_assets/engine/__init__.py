"""Compute engines: one definition of each transform, run on DuckDB (in-process, the default) or
Spark (local, standalone cluster, Spark Connect, EMR). Dagster-free.

A transform is SQL written once, in DuckDB's dialect (`render` turns it into Spark SQL with
sqlglot), over named inputs. What differs per engine is only how a table's current snapshot files
are read, how a raw JSON line becomes per-field (JSON type, text) columns, and how result files
are written before the one table layer commits them (`IcebergLakehouse.replace_partition_with_files`).
"""

from __future__ import annotations

from typing import Literal

EngineName = Literal["duckdb", "spark"]
ENGINE_NAMES: tuple[EngineName, ...] = ("duckdb", "spark")


def as_engine(engine_or_session: object) -> object:
    """An engine object; a bare SparkSession (spark-submit jobs, EMR) becomes a Spark engine."""
    if hasattr(engine_or_session, "query") and hasattr(engine_or_session, "write"):
        return engine_or_session
    from .spark_engine import SparkEngine

    return SparkEngine(engine_or_session)
