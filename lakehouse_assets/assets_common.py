"""What every domain's assets and checks share, written once.

The asset key of a table, the I/O retry policy, the time partitions and the window of a run's
partition (taken from Dagster's own `partition_time_window`), the KST zone, the metadata every
table asset shows, and the one factory for asset checks.
"""

from __future__ import annotations

import warnings
from datetime import date, datetime, timezone
from typing import Any, Sequence
from zoneinfo import ZoneInfo

from dagster import (
    AssetCheckSpec,
    AssetKey,
    AssetSelection,
    Backoff,
    BetaWarning,
    DailyPartitionsDefinition,
    DefaultScheduleStatus,
    HourlyPartitionsDefinition,
    Jitter,
    MaterializeResult,
    MetadataValue,
    PartitionsDefinition,
    PreviewWarning,
    RetryPolicy,
    ScheduleDefinition,
    TableColumn,
    TableSchema,
    asset_check,
    define_asset_job,
)

from lakehouse_assets.lakehouse.tables import TableSpec, Window
from lakehouse_assets.settings import get_settings

# Dagster 1.13 marks `partitions_def` on asset checks as a preview and warns in every run that
# loads them. Per-partition checks are how a partition's quality is recorded with it, and the
# API is the one Dagster documents, so the warning says nothing a user can act on.
warnings.filterwarnings("ignore", category=PreviewWarning, message=r".*partitions_def.*")
# Likewise `backfill_policy` (the weather assets' 24 hours per run) is marked beta and warns in the
# code server and in every run process: the behaviour is settled for us and there is no other API.
warnings.filterwarnings("ignore", category=BetaWarning, message=r".*backfill_policy.*")

KST = ZoneInfo("Asia/Seoul")
UTC = timezone.utc

# Storage, catalog and database hiccups are worth retrying; a transform bug fails the same way
# every time, so three tries are enough to tell the two apart.
IO_RETRY = RetryPolicy(max_retries=3, delay=5, backoff=Backoff.EXPONENTIAL, jitter=Jitter.PLUS_MINUS)

PARTITIONS_START = get_settings().partitions_start
hourly_partitions = HourlyPartitionsDefinition(start_date=f"{PARTITIONS_START}-00:00", timezone="UTC")
daily_partitions = DailyPartitionsDefinition(start_date=PARTITIONS_START, timezone="UTC")
# A KST day's partition exists once that day has ended in Korea.
kst_daily_partitions = DailyPartitionsDefinition(start_date=PARTITIONS_START, timezone="Asia/Seoul")
# Upload days include today: an image catalog is updated as images arrive, not the day after.
upload_day_partitions = DailyPartitionsDefinition(start_date="2020-01-01", timezone="UTC", end_offset=1)


def table_key(spec: TableSpec) -> AssetKey:
    """`<namespace>/<name>`: the asset that owns the table."""
    return AssetKey([spec.namespace, spec.name])


# -- the partition of a run -------------------------------------------------------------------


def hour_key(hour: datetime) -> str:
    """The key of the hourly partition that holds the instant `hour`."""
    return hourly_partitions.get_partition_key_for_timestamp(hour.timestamp())


def partition_window(context: Any, spec: TableSpec | None = None) -> Window:
    """The run's partition as a UTC `Window`.

    For a table partitioned by a DATE column, the window is that date's (the partition's local
    day: a KST day's stats carry the KST date), because only the date of a bound matters there.
    """
    time_window = context.partition_time_window
    if spec is not None and spec.column(spec.partition_column).type == "date":
        return Window.day(time_window.start.date())
    return Window(time_window.start.astimezone(UTC), time_window.end.astimezone(UTC))


def partition_hour(context: Any) -> datetime:
    """The UTC start of the run's hourly partition."""
    return context.partition_time_window.start.astimezone(UTC)


def partition_day(context: Any) -> date:
    """The local date of the run's daily partition (a KST date for KST-daily partitions)."""
    return context.partition_time_window.start.date()


# -- checks -----------------------------------------------------------------------------------


def table_check(
    asset: TableSpec | AssetKey,
    name: str,
    description: str,
    *,
    partitions_def: PartitionsDefinition | None = None,
    blocking: bool = False,
    **kwargs: Any,
):
    """The `@asset_check` decorator every domain uses.

    With `partitions_def` the check runs with each partition's materialization and reads that
    partition. Without it the check judges the table as a whole (a rolling window, freshness) and
    can run alone, in a job that selects only checks, on a schedule.
    """
    key = table_key(asset) if isinstance(asset, TableSpec) else asset
    return asset_check(asset=key, name=name, description=description, partitions_def=partitions_def, blocking=blocking, **kwargs)


def check_spec(asset: TableSpec | AssetKey, name: str, description: str, *, blocking: bool = False) -> AssetCheckSpec:
    """A check the asset itself reports (for facts only the run knows, such as keys it set aside)."""
    key = table_key(asset) if isinstance(asset, TableSpec) else asset
    return AssetCheckSpec(name=name, asset=key, description=description, blocking=blocking)


# -- metadata ---------------------------------------------------------------------------------

_DAGSTER_TYPES = {"string": "string", "int": "int", "long": "int", "double": "float", "timestamp": "timestamp", "date": "date", "boolean": "bool"}


def table_schema(spec: TableSpec) -> TableSchema:
    return TableSchema(
        columns=[TableColumn(name=c.name, type=_DAGSTER_TYPES[c.type], description=c.doc or None) for c in spec.columns]
    )


def table_metadata(spec: TableSpec, row_count: int, location: str, preview: Any = None, **extra: Any) -> dict[str, Any]:
    """`dagster/row_count`, `dagster/column_schema`, the table name and location, and extras."""
    metadata: dict[str, Any] = {
        "dagster/row_count": row_count,
        "dagster/column_schema": table_schema(spec),
        "dagster/table_name": spec.identifier,
        "table_location": MetadataValue.path(location),
    }
    if preview is not None:
        metadata["preview"] = MetadataValue.md(markdown_preview(preview))
    metadata.update(extra)
    return metadata


def table_result(spec: TableSpec, row_count: int, lakehouse: Any, preview: Any = None, asset_key: AssetKey | None = None, **extra: Any) -> MaterializeResult:
    """The materialization of a lakehouse table's partition: `table_metadata` at the table's location."""
    metadata = table_metadata(spec, row_count, lakehouse.table_location(spec), preview=preview, **extra)
    return MaterializeResult(asset_key=asset_key, metadata=metadata)


def markdown_preview(rows: Sequence[dict[str, Any]], limit: int = 10) -> str:
    """A Markdown table of the first rows (values shortened so the UI stays readable)."""
    rows = list(rows[:limit])
    if not rows:
        return "_no rows_"
    headers = list(rows[0].keys())

    def cell(value: Any) -> str:
        text = "" if value is None else (f"{value:.4g}" if isinstance(value, float) else str(value))
        text = text.replace("|", "\\|").replace("\n", " ")
        return text if len(text) <= 60 else text[:57] + "..."

    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(cell(r.get(h)) for h in headers) + " |" for r in rows]
    return "\n".join(lines)


def scheduled_job(
    name: str, selection: AssetSelection, description: str, *, cron: str, timezone: str, schedule_name: str, schedule_description: str
) -> tuple[Any, ScheduleDefinition]:
    """A job of `selection` (assets, or checks alone) and the schedule that runs it, on from the start."""
    job = define_asset_job(name, selection=selection, description=description)
    schedule = ScheduleDefinition(
        name=schedule_name,
        job=job,
        cron_schedule=cron,
        execution_timezone=timezone,
        default_status=DefaultScheduleStatus.RUNNING,
        description=schedule_description,
    )
    return job, schedule
