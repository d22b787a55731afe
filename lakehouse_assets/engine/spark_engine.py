"""The cluster engine: Spark (local, standalone, Spark Connect, or a spark-submit/EMR driver).

Reads through the snapshot's file list (`spark_io.read_table`), runs the shared SQL through
`spark.sql` over temporary views, writes Parquet aside and commits through the table layer.
Small results (Gold, banner statistics) come back to the driver as Arrow and are written there:
one Spark job per table instead of a write job, a read-back and a count.
"""

from __future__ import annotations

import itertools
import threading
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

from lakehouse_assets.lakehouse.catalog import IcebergLakehouse
from lakehouse_assets.lakehouse.tables import TableSpec, Window

from . import files
from .sql import render

# A kept result marked small is broadcast up to this many rows. Duplicates are few in a normal
# hour, but in an hour whose objects landed twice half the lines are: sending that many line keys
# to every task would cost more than the shuffle the broadcast saves, and can exhaust the driver.
BROADCAST_ROW_LIMIT = 200_000


@dataclass
class SparkEngine:
    session: Any
    name: str = field(default="spark", init=False)
    _names: Any = field(default_factory=itertools.count, init=False, repr=False)
    _lock: Any = field(default_factory=threading.Lock, init=False, repr=False)

    def _view(self, frame: Any) -> str:
        with self._lock:
            name = f"lakehouse_input_{id(self):x}_{next(self._names)}"
        frame.createOrReplaceTempView(name)
        return name

    def read(self, lakehouse: IcebergLakehouse, spec: TableSpec, windows: Iterable[Window] | None = None) -> Any:
        from lakehouse_assets.lakehouse.spark_io import read_table

        return read_table(self.session, lakehouse, spec, windows)

    def from_arrow(self, table: Any) -> Any:
        return self.session.createDataFrame(table)

    def query(self, sql: str, inputs: Mapping[str, Any] | None = None, params: Mapping[str, Any] | None = None) -> Any:
        tables = {name: self._view(frame) for name, frame in (inputs or {}).items()}
        return self.session.sql(render(sql, "spark", tables, params))

    def json_fields(self, bronze: Any, fields: Iterable[str], max_depth: int) -> Any:
        from .spark_json import json_fields

        return json_fields(bronze, tuple(fields), max_depth)

    def keep(self, frame: Any, small: bool = False) -> Any:
        """Computed once and stored on the executors, its lineage cut: the queries that read it
        are planned over the stored rows, not over the whole parse again (Spark analyses and
        optimises every query's full plan, even over cached data).

        `small`: usually few rows, then sent whole to every task that joins with it (up to
        `BROADCAST_ROW_LIMIT`, counted on the stored rows). A checkpoint's size estimate is its
        plan's (an aggregate's is its input's), so without the hint Spark would sort and shuffle
        the large side of each join with it.
        """
        kept = frame.localCheckpoint(eager=True)
        return kept.hint("broadcast") if small and kept.count() <= BROADCAST_ROW_LIMIT else kept

    def release(self, frame: Any) -> None:
        """Free what `keep` stored. A local checkpoint's rows are blocks of the RDD under its plan,
        which `DataFrame.unpersist` does not reach: without this they stayed in the driver's memory
        until its garbage collector happened to collect the RDD (an hour's labelled lines, per
        hour, in a run of several). Spark Connect frees its checkpoint when the frame is dropped."""
        frame.unpersist()
        jdf = getattr(frame, "_jdf", None)
        if jdf is None:
            return
        plan = jdf.queryExecution().analyzed()
        while plan.getClass().getSimpleName() == "ResolvedHint":
            plan = plan.child()
        if plan.getClass().getSimpleName() == "LogicalRDD":
            plan.rdd().unpersist(False)

    def rows(self, frame: Any, limit: int | None = None) -> list[dict]:
        frame = frame.limit(limit) if limit is not None else frame
        # Through Arrow: timestamps come back as UTC instants, as from DuckDB.
        return frame.toArrow().to_pylist()

    def arrow(self, frame: Any) -> Any:
        return frame.toArrow()

    def write(self, lakehouse: IcebergLakehouse, spec: TableSpec, window: Window, frame: Any, small: bool = False) -> int:
        """Write `frame` as partition `window` and commit it atomically; returns rows.

        `small`: the result fits the driver (one Spark job, written there with pyarrow).
        """
        from lakehouse_assets.lakehouse.schemas import spark_schema
        from lakehouse_assets.lakehouse.spark_io import conform_spark, iceberg_path, spark_path

        lakehouse.ensure_table(spec)
        frame = conform_spark(spec, frame)
        if small:
            return files.commit_arrow(lakehouse, spec, window, [frame.toArrow()])
        staging = files.staging_prefix(lakehouse, spec, window)
        self.session.conf.set("spark.sql.parquet.outputTimestampType", "TIMESTAMP_MICROS")
        # "error", not its alias "errorifexists": Spark Connect's client knows only the short name.
        # zstd level 1, as the other writers (parquet-mr's default level 3 costs more for ~3% smaller files).
        writer = frame.write.mode("error").option("compression", "zstd").option("parquet.compression.codec.zstd.level", "1")
        writer.parquet(spark_path(staging))
        # The files of this write's own fresh folder (listing it is not reading a table); with the
        # schema given, Spark lists them without a job reading their footers.
        listed = self.session.read.schema(spark_schema(spec)).parquet(spark_path(staging)).inputFiles()
        written = sorted(iceberg_path(f) for f in listed)
        return files.commit_files(lakehouse, spec, window, written, directory=staging)
