"""Daily banner statistics from the day's snapshots: the SQL of `stats_sql.py` on the configured
engine (DuckDB by default, Spark). No Dagster.

The Dagster asset, `spark/jobs/banner_stats.py` (spark-submit, EMR through Pipes) and the tests
all run `banner_stats`; `write_stats_day` adds the reads and the write through the table layer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from lakehouse_assets.engine import as_engine
from lakehouse_assets.lakehouse.catalog import IcebergLakehouse
from lakehouse_assets.lakehouse.tables import Window

from .stats_sql import STATS_DAILY_SQL
from .tables import SOURCE, STATS_DAILY

# The snapshots the transform reads, by source table name, and their names in the SQL.
INPUTS = ("banner_impression", "banner_click", "orders", "banner_cost", "banner", "campaign")
SQL_NAMES = {"banner_impression": "impressions", "banner_click": "clicks", "orders": "orders", "banner_cost": "costs", "banner": "banners", "campaign": "campaigns"}


def banner_stats(engine: Any, day: date, **inputs: Any) -> Any:
    """Per banner with any impression, click, attributed order or cost of `day` (contract columns).

    `inputs`: impressions, clicks, orders, costs (the day's rows), banners, campaigns (frames of
    `engine`). See `stats_sql.py` for the rules.
    """
    return engine.query(STATS_DAILY_SQL, inputs, {"day": day})


@dataclass(frozen=True)
class StatsReport:
    rows: int
    input_rows: dict[str, int]


def read_snapshots(engine: Any, lakehouse: IcebergLakehouse, day: date) -> dict[str, Any]:
    """The day's partition of each input snapshot (an empty frame when never materialized), by SQL name."""
    window = Window.day(day)
    return {SQL_NAMES[name]: engine.read(lakehouse, SOURCE[name].snapshot, [window]) for name in INPUTS}


def write_stats_day(engine: Any, lakehouse: IcebergLakehouse, day: date) -> StatsReport:
    """Compute the day's statistics from the snapshots and replace `banner.stats_daily` partition `day`.

    `engine`: an engine object, or a SparkSession (spark-submit jobs and EMR pass their session).
    """
    engine = as_engine(engine)
    window = Window.day(day)
    # Row counts from Iceberg file metadata: no engine job, and they tell an empty input apart.
    input_rows = {name: lakehouse.row_count(SOURCE[name].snapshot, window) for name in INPUTS}
    stats = banner_stats(engine, day, **read_snapshots(engine, lakehouse, day))
    # A day's statistics are one row per banner: small, written by the driver on Spark.
    small = {"small": True} if engine.name == "spark" else {}
    rows = engine.write(lakehouse, STATS_DAILY, window, stats, **small)
    return StatsReport(rows=rows, input_rows=input_rows)
