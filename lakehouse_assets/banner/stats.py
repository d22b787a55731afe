"""Daily banner statistics from the day's snapshots: one pure Spark transform (no Dagster).

The Dagster asset, `spark/jobs/banner_stats.py` (spark-submit, EMR through Pipes) and the tests
all run `banner_stats`; `write_stats_day` adds the reads and the write through the table layer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from lakehouse_assets.lakehouse.catalog import IcebergLakehouse
from lakehouse_assets.lakehouse.spark_io import read_table, write_partition
from lakehouse_assets.lakehouse.tables import Window

from .tables import SOURCE, STATS_DAILY

# The snapshots the transform reads, by source table name.
INPUTS = ("banner_impression", "banner_click", "orders", "banner_cost", "banner", "campaign")
COUNTS = ("impressions", "unique_viewers", "clicks", "orders")
SUMS = ("revenue", "spend")


def banner_stats(
    day: date,
    impressions: Any,
    clicks: Any,
    orders: Any,
    costs: Any,
    banners: Any,
    campaigns: Any,
) -> Any:
    """Per banner with any impression, click, attributed order or cost of `day` (contract columns).

    Fact inputs hold only the day's rows. Counts and sums are 0 when there is nothing to count
    (never NULL); a ratio whose denominator is 0 is NULL. Money is rounded to cents (the
    snapshots carry DECIMAL(12,2) as double).
    """
    from pyspark.sql import functions as F

    has_banner = F.col("banner_id").isNotNull()
    per_banner = [
        impressions.where(has_banner)
        .groupBy("banner_id")
        .agg(F.count(F.lit(1)).alias("impressions"), F.countDistinct("user_id").alias("unique_viewers")),
        clicks.where(has_banner).groupBy("banner_id").agg(F.count(F.lit(1)).alias("clicks")),
        orders.where(has_banner).groupBy("banner_id").agg(F.count(F.lit(1)).alias("orders"), F.sum("amount").alias("revenue")),
        costs.where(has_banner).groupBy("banner_id").agg(F.sum("spend").alias("spend")),
    ]
    activity = per_banner[0]
    for part in per_banner[1:]:
        activity = activity.join(part, "banner_id", "full_outer")
    # Dimensions are whole-table snapshots: one row per key, so these joins never multiply rows.
    dims = banners.select("banner_id", "campaign_id", "tab_id").join(
        campaigns.select("campaign_id", "advertiser_id"), "campaign_id", "left"
    )
    stats = activity.join(dims, "banner_id", "left")
    filled = {name: F.coalesce(F.col(name), F.lit(0)).cast("long") for name in COUNTS}
    filled.update({name: F.round(F.coalesce(F.col(name), F.lit(0.0)), 2) for name in SUMS})
    stats = stats.withColumns(filled)

    def ratio(numerator: str, denominator: str) -> Any:
        return F.when(F.col(denominator) != 0, F.col(numerator) / F.col(denominator))

    return stats.select(
        F.lit(day).cast("date").alias("stat_date"),
        "banner_id",
        "campaign_id",
        "advertiser_id",
        "tab_id",
        "impressions",
        "unique_viewers",
        "clicks",
        ratio("clicks", "impressions").alias("ctr"),
        "orders",
        "revenue",
        ratio("orders", "clicks").alias("cvr"),
        "spend",
        ratio("revenue", "spend").alias("roas"),
    )


@dataclass(frozen=True)
class StatsReport:
    rows: int
    input_rows: dict[str, int]


def read_snapshots(spark: Any, lakehouse: IcebergLakehouse, day: date) -> dict[str, Any]:
    """The day's partition of each input snapshot (an empty frame when never materialized)."""
    window = Window.day(day)
    return {name: read_table(spark, lakehouse, SOURCE[name].snapshot, [window]) for name in INPUTS}


def write_stats_day(spark: Any, lakehouse: IcebergLakehouse, day: date) -> StatsReport:
    """Compute the day's statistics from the snapshots and replace `banner.stats_daily` partition `day`."""
    window = Window.day(day)
    # Row counts from Iceberg file metadata: no Spark job, and they tell an empty input apart.
    input_rows = {name: lakehouse.row_count(SOURCE[name].snapshot, window) for name in INPUTS}
    frames = read_snapshots(spark, lakehouse, day)
    stats = banner_stats(
        day,
        impressions=frames["banner_impression"],
        clicks=frames["banner_click"],
        orders=frames["orders"],
        costs=frames["banner_cost"],
        banners=frames["banner"],
        campaigns=frames["campaign"],
    )
    rows = write_partition(lakehouse, STATS_DAILY, window, stats)
    return StatsReport(rows=rows, input_rows=input_rows)
