"""Time partitions shared by the domains: hourly and daily, in UTC (DESIGN.md section 5)."""

from __future__ import annotations

from datetime import date, datetime, timezone

from dagster import DailyPartitionsDefinition, HourlyPartitionsDefinition

PARTITIONS_START = "2026-01-01"

hourly_partitions = HourlyPartitionsDefinition(start_date=f"{PARTITIONS_START}-00:00", timezone="UTC")
daily_partitions = DailyPartitionsDefinition(start_date=PARTITIONS_START, timezone="UTC")
# Upload days include today: an image catalog is updated as images arrive, not the day after.
upload_day_partitions = DailyPartitionsDefinition(start_date="2020-01-01", timezone="UTC", end_offset=1)


def hour_of(partition_key: str) -> datetime:
    """The UTC start of an hourly partition key (`YYYY-MM-DD-HH:MM`)."""
    return datetime.strptime(partition_key, "%Y-%m-%d-%H:%M").replace(tzinfo=timezone.utc)


def day_of(partition_key: str) -> date:
    return date.fromisoformat(partition_key)
