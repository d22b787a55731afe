"""`weather_hourly_schedule`: every hour (Asia/Seoul), fetch the newest hours the KMA serves and fill gaps.

The service answers up to the previous KST day (`endDt` at most D-1), so the newest hour that can
exist is yesterday 23:00 KST. Each tick looks at the hours of the last `LOOKBACK_DAYS` available
KST days (as UTC partitions) and requests a run for every one that was never materialized or whose
last materialization lacked a configured station (code 03: not published yet, a station outage).
A partition is requested at most once per 6-hour slot (the run key holds the slot), so a failing
or incomplete hour is tried again a few times a day, not every tick, and the daily quota is safe.
Older gaps are a backfill (README).
"""

from datetime import datetime, timedelta, timezone
from typing import Iterable

from dagster import (
    AssetRecordsFilter,
    AssetSelection,
    DagsterInstance,
    DefaultScheduleStatus,
    RunRequest,
    ScheduleEvaluationContext,
    SkipReason,
    define_asset_job,
    schedule,
)

from lakehouse_assets.assets_common import KST, hour_key, hourly_partitions

from .assets import OBSERVATIONS_KEY, RAW_KEY

LOOKBACK_DAYS = 2
RETRY_SLOT_HOURS = 6
MAX_RUNS_PER_TICK = 8  # 24 new hours a day arrive in three ticks; keeps a fresh deployment calm

weather_job = define_asset_job(
    "weather_observations_job",
    selection=AssetSelection.assets(RAW_KEY, OBSERVATIONS_KEY),
    partitions_def=hourly_partitions,
    description="Fetch one UTC hour of KMA observations for every configured station and rebuild its table partition (with checks).",
)


def available_hours(now: datetime, lookback_days: int = LOOKBACK_DAYS) -> list[datetime]:
    """UTC starts of the hours the service can serve at `now`, newest first, within the look-back."""
    today_kst = now.astimezone(KST).date()
    end = datetime(today_kst.year, today_kst.month, today_kst.day, tzinfo=KST).astimezone(timezone.utc)
    first = max(end - timedelta(days=lookback_days), hourly_partitions.start.astimezone(timezone.utc))
    hours = []
    hour = end - timedelta(hours=1)
    while hour >= first:
        hours.append(hour)
        hour -= timedelta(hours=1)
    return hours


def retry_slot(now: datetime) -> str:
    kst = now.astimezone(KST)
    return f"{kst:%Y-%m-%d}T{kst.hour - kst.hour % RETRY_SLOT_HOURS:02d}KST"


def partitions_to_request(now: datetime, complete: set[str], limit: int = MAX_RUNS_PER_TICK) -> list[str]:
    """Newest first: available partitions that are not complete yet, at most `limit`."""
    return [key for key in map(hour_key, available_hours(now)) if key not in complete][:limit]


def complete_partitions(instance: DagsterInstance, partitions: Iterable[str]) -> set[str]:
    """Partitions whose latest `weather/observations` materialization had every configured station."""
    latest: dict[str, bool] = {}
    records_filter = AssetRecordsFilter(asset_key=OBSERVATIONS_KEY, asset_partitions=list(partitions))
    cursor = None
    while True:
        result = instance.fetch_materializations(records_filter, limit=500, cursor=cursor)
        for record in result.records:  # newest first
            if record.partition_key and record.partition_key not in latest:
                missing = record.asset_materialization.metadata.get("stations_missing") if record.asset_materialization else None
                latest[record.partition_key] = missing is not None and missing.value == 0
        if not result.has_more:
            return {key for key, complete in latest.items() if complete}
        cursor = result.cursor


@schedule(
    name="weather_hourly_schedule",
    job=weather_job,
    cron_schedule="20 * * * *",
    execution_timezone="Asia/Seoul",
    default_status=DefaultScheduleStatus.RUNNING,
    description=(
        "Hourly (Asia/Seoul): requests the newest KMA hours available (the service serves up to the previous "
        "KST day) and re-requests missing or incomplete hours of the last two days, each at most once per 6 hours."
    ),
)
def weather_hourly_schedule(context: ScheduleEvaluationContext):
    now = context.scheduled_execution_time or datetime.now(timezone.utc)
    candidates = [hour_key(h) for h in available_hours(now)]
    todo = partitions_to_request(now, complete_partitions(context.instance, candidates))
    if not todo:
        return SkipReason(f"all {len(candidates)} hours up to {candidates[0] if candidates else '-'} are complete")
    slot = retry_slot(now)
    return [RunRequest(run_key=f"weather:{key}:{slot}", partition_key=key, tags={"weather/retry_slot": slot}) for key in todo]
