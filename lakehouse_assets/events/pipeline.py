"""The events partitions as plain functions (no Dagster): the assets, `spark/jobs/` and the
benchmark all run these, so an in-process run and a cluster job share one implementation."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Callable, Iterator

from lakehouse_assets.lakehouse.catalog import IcebergLakehouse
from lakehouse_assets.lakehouse.spark_io import read_table, write_partition
from lakehouse_assets.lakehouse.tables import TableSpec, Window

from . import gold
from .bronze import LandedObject, bronze_table
from .landing import EVENTS_PREFIX, parse_event_key
from .silver import label_silver, silver_frames
from .tables import (
    BRONZE_EVENTS,
    GOLD_BUSINESS_DAILY,
    GOLD_DATA_QUALITY_HOURLY,
    GOLD_FUNNEL_DAILY,
    GOLD_OPERATIONAL_HOURLY,
    GOLD_SERVER_HEALTH_MINUTELY,
    SILVER_EVENT_DUPLICATES,
    SILVER_EVENT_REJECTS,
    SILVER_EVENTS,
)

HOUR = timedelta(hours=1)
SILVER_OUTPUTS = (SILVER_EVENTS, SILVER_EVENT_REJECTS, SILVER_EVENT_DUPLICATES)


@dataclass(frozen=True)
class BronzeReport:
    rows: int
    objects: int
    bytes: int
    skipped_keys: list[str]
    rows_by_topic: dict[str, int]
    preview: list[dict]


def read_landing_hour(landing: Any, hour: datetime) -> tuple[list[LandedObject], list[str]]:
    """The hour's landing objects of every topic, and the keys that do not fit the layout."""
    objects, skipped = [], []
    for topic_prefix in landing.list_prefixes(EVENTS_PREFIX):
        for stored in landing.list_objects(f"{topic_prefix}date={hour:%Y-%m-%d}/hour={hour:%H}/"):
            key = parse_event_key(stored.key)
            if key is None:
                skipped.append(stored.key)
                continue
            objects.append(LandedObject(key, landing.get_bytes(stored.key), stored.last_modified))
    return objects, skipped


def write_bronze(landing: Any, lakehouse: IcebergLakehouse, hour: datetime) -> BronzeReport:
    """Replace the Bronze partition of `hour` with every non-blank line that landed in it."""
    window = Window.hour(hour)
    objects, skipped = read_landing_hour(landing, window.start)
    data = bronze_table(objects)
    lakehouse.replace_partition_with_arrow(BRONZE_EVENTS, window, data)
    by_topic = data.group_by("topic").aggregate([("raw", "count")]).to_pylist()
    return BronzeReport(
        rows=data.num_rows,
        objects=len(objects),
        bytes=sum(len(o.body) for o in objects),
        skipped_keys=skipped,
        rows_by_topic={row["topic"]: row["raw_count"] for row in by_topic},
        preview=data.slice(0, 5).drop_columns(["received_at"]).to_pylist(),
    )


def write_silver(spark: Any, lakehouse: IcebergLakehouse, hour: datetime) -> Iterator[tuple[TableSpec, int, list[dict]]]:
    """Write Silver, rejects and duplicates of one ingest hour; yields (table, rows, preview rows)."""
    from pyspark import StorageLevel

    window = Window.hour(hour)
    bronze = read_table(spark, lakehouse, BRONZE_EVENTS, [Window(window.start - HOUR, window.end)])
    # The three outputs share one parse: cache the labelled typed rows (raw kept for rejects only).
    labelled = label_silver(bronze, window.start).persist(StorageLevel.MEMORY_AND_DISK)
    try:
        for spec, frame in zip(SILVER_OUTPUTS, silver_frames(labelled)):
            rows = write_partition(lakehouse, spec, window, frame)
            yield spec, rows, [r.asDict() for r in frame.limit(5).collect()]
    finally:
        labelled.unpersist()


def _silver(spark: Any, lakehouse: IcebergLakehouse, first_hour: datetime, last_hour: datetime) -> Any:
    return read_table(spark, lakehouse, SILVER_EVENTS, [Window(first_hour, last_hour + HOUR)])


def _server_health(spark: Any, lakehouse: IcebergLakehouse, hour: datetime) -> Any:
    return gold.server_health_minutely(_silver(spark, lakehouse, hour - HOUR, hour + HOUR), hour)


def _operational(spark: Any, lakehouse: IcebergLakehouse, hour: datetime) -> Any:
    return gold.operational_hourly(_silver(spark, lakehouse, hour - HOUR, hour + HOUR), hour)


def _business(spark: Any, lakehouse: IcebergLakehouse, day: date) -> Any:
    return gold.business_daily(_silver(spark, lakehouse, *gold.silver_hours_for_day(day)), day)


def _funnel(spark: Any, lakehouse: IcebergLakehouse, day: date) -> Any:
    return gold.funnel_daily(_silver(spark, lakehouse, *gold.silver_hours_for_day(day)), day)


def _data_quality(spark: Any, lakehouse: IcebergLakehouse, hour: datetime) -> Any:
    window = Window.hour(hour)
    tables = [read_table(spark, lakehouse, spec, [window]) for spec in (BRONZE_EVENTS, *SILVER_OUTPUTS)]
    return gold.data_quality_hourly(*tables, window.start)


GOLD_BUILDERS: dict[TableSpec, Callable[[Any, IcebergLakehouse, Any], Any]] = {
    GOLD_SERVER_HEALTH_MINUTELY: _server_health,
    GOLD_OPERATIONAL_HOURLY: _operational,
    GOLD_BUSINESS_DAILY: _business,
    GOLD_FUNNEL_DAILY: _funnel,
    GOLD_DATA_QUALITY_HOURLY: _data_quality,
}


def gold_window(spec: TableSpec, partition: datetime | date) -> Window:
    return Window.day(partition) if isinstance(partition, date) and not isinstance(partition, datetime) else Window.hour(partition)


def write_gold(spec: TableSpec, spark: Any, lakehouse: IcebergLakehouse, partition: datetime | date) -> int:
    """Compute and write one Gold partition (an event hour, event date or ingest hour)."""
    return write_partition(lakehouse, spec, gold_window(spec, partition), GOLD_BUILDERS[spec](spark, lakehouse, partition))
