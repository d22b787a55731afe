"""Checks over the recent window of `weather/observations`, run alone on a schedule.

They are unpartitioned checks on the hourly asset: a check with a `partitions_def` can only run
with its partition's materialization (Dagster 1.13 gives a job of partitioned checks alone no
partitions), while these judge the table as it stands and run in a job that selects only them,
without re-materializing anything.
"""

from datetime import datetime, timedelta, timezone

from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetSelection,
    Config,
)
from pydantic import Field

from lakehouse_assets.assets_common import scheduled_job, table_check
from lakehouse_assets.lakehouse.tables import Window
from lakehouse_assets.resources import LakehouseResource
from lakehouse_assets.resources.kma import KmaResource

from .assets import OBSERVATIONS_KEY
from .checks import completeness_result
from .schedules import available_hours
from .tables import OBSERVATIONS


class RecentWindowConfig(Config):
    """Which served hours to judge; `as_of` re-checks the table as of a past instant."""

    hours: int = Field(default=48, ge=1, le=24 * 14, description="the newest hours the service serves at `as_of`")
    as_of: str = Field(default="", description="ISO-8601 instant (UTC when no offset); empty: now")


def as_of_instant(config: RecentWindowConfig) -> datetime:
    if not config.as_of:
        return datetime.now(timezone.utc)
    instant = datetime.fromisoformat(config.as_of)
    return instant if instant.tzinfo else instant.replace(tzinfo=timezone.utc)


@table_check(
    OBSERVATIONS_KEY,
    "recent_hours_complete",
    "Every configured station has a row for each of the newest served hours (default 48): stations x hours over the "
    "table as it stands, so gaps the hourly schedule never filled, or rows removed later, show up.",
)
def recent_hours_complete(context: AssetCheckExecutionContext, config: RecentWindowConfig, kma: KmaResource, lakehouse: LakehouseResource) -> AssetCheckResult:
    hours = available_hours(as_of_instant(config), lookback_days=config.hours // 24 + 1)[: config.hours]
    if not hours:
        return AssetCheckResult(passed=True, description="no served hour inside the partitions yet", metadata={"hours": 0})
    window = Window(min(hours), max(hours) + timedelta(hours=1))
    rows = lakehouse.lakehouse.read_arrow(OBSERVATIONS, [window], ["station_id", "observed_at"]).to_pylist()
    context.log.info(f"weather.observations {window.label()}..{window.end:%Y-%m-%dT%H}: {len(rows)} rows for {len(kma.stations)} stations")
    return completeness_result(rows, kma.stations, window)


recent_checks = [recent_hours_complete]

weather_recent_checks_job, weather_recent_checks_schedule = scheduled_job(
    "weather_recent_checks_job",
    AssetSelection.checks(*recent_checks),
    "Runs the weather checks over the recent window alone: no asset is materialized.",
    cron="50 * * * *",
    timezone="Asia/Seoul",
    schedule_name="weather_recent_checks_schedule",
    schedule_description="Hourly, after the fetch schedule's runs: checks the newest 48 served hours of weather/observations.",
)
