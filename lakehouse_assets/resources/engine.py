"""The compute engine as a Dagster resource: DuckDB in-process (default) or Spark."""

from __future__ import annotations

from typing import Any, Literal, Optional

from dagster import ConfigurableResource
from pydantic import Field, PrivateAttr

from .spark import SparkResource


class EngineResource(ConfigurableResource):
    """Which engine computes Silver, Gold and banner statistics, and its settings.

    `engine="spark"` uses the `spark` session (local, standalone cluster or Spark Connect);
    `engine="duckdb"` opens one DuckDB connection per run process, no JVM.
    """

    engine: Literal["duckdb", "spark"] = "duckdb"
    duckdb_memory_limit: Optional[str] = Field(default=None, description="e.g. 2GB; unset: DuckDB's default")
    duckdb_threads: Optional[int] = None
    duckdb_temp_directory: Optional[str] = Field(default=None, description="where DuckDB spills past its memory limit")
    spark: Optional[SparkResource] = None
    _engine: Any = PrivateAttr(default=None)

    @property
    def kind(self) -> str:
        return self.engine

    def get(self) -> Any:
        """The engine object (`lakehouse_assets.engine`), created on first use."""
        if self._engine is None:
            if self.engine == "spark":
                from lakehouse_assets.engine.spark_engine import SparkEngine

                spark = self.spark or SparkResource(spark_config={})
                self._engine = SparkEngine(spark.spark_session)
            else:
                from lakehouse_assets.engine.duckdb_engine import DuckDBEngine

                self._engine = DuckDBEngine(self.duckdb_memory_limit, self.duckdb_threads, self.duckdb_temp_directory)
        return self._engine

    def teardown_after_execution(self, context: Any) -> None:
        if self._engine is not None and self.engine == "duckdb":
            self._engine.close()
