"""Stats days are Korea (KST) dates: the partitions, and the source DATETIME bounds of a day."""

from __future__ import annotations

from datetime import date, timedelta

from dagster import DailyPartitionsDefinition

from lakehouse_assets.lakehouse.tables import Window
from lakehouse_assets.partitions import PARTITIONS_START

KST = "Asia/Seoul"

# A partition key is a KST date; its partition exists once that KST day has ended.
kst_daily_partitions = DailyPartitionsDefinition(start_date=PARTITIONS_START, timezone=KST)


def stat_day(partition_key: str) -> date:
    return date.fromisoformat(partition_key)


def day_window(day: date) -> Window:
    """The lakehouse window of a table partitioned by a DATE column equal to `day`.

    `Window` bounds are instants; for a DATE partition column only their dates matter, so the
    UTC-midnight window of `day` selects exactly `snapshot_date = day`.
    """
    return Window.day(day)


def next_day(day: date) -> date:
    return day + timedelta(days=1)
